"""Input checks and conversions, without a server."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from app import inputs


def test_a_dark_drawing_on_a_transparent_canvas_becomes_white_strokes_on_black():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[100:180, 130:150] = (0, 0, 0, 255)  # a black "1" drawn on nothing
    f = inputs.frame(rgba, "drawing")
    assert f.pixels.shape == (1, 64, 64)
    assert f.pixels.max() > 0.9 and f.pixels[0, :10].max() < 0.05  # white stroke, black top rows
    assert any("strokes white" in n for n in f.notes) and any("resized" in n for n in f.notes)


def test_dark_on_light_images_are_inverted_and_64x64_grey_is_left_alone():
    light = np.full((64, 64), 255, np.uint8)
    light[20:40, 30:34] = 0
    f = inputs.frame(Image.fromarray(light, "L"))
    assert f.pixels[0, 25, 31] > 0.9 and f.pixels[0, 0, 0] < 0.1
    assert f.notes == ["the image was inverted (digits are white on black)"]
    plain = np.zeros((64, 64), np.uint8)
    plain[10:20, 10:20] = 200
    g = inputs.frame(Image.fromarray(plain, "L"))
    assert g.notes == [] and abs(float(g.pixels[0, 15, 15]) - 200 / 255) < 1e-6


def test_a_wide_image_is_padded_to_a_square_before_resizing():
    wide = np.zeros((50, 200, 3), np.uint8)
    wide[:, 90:110] = 255
    f = inputs.frame(wide)
    rows = f.pixels[0].amax(dim=1)  # [64] brightest pixel of each row
    assert rows[:20].max() < 0.05 and rows[32] > 0.5  # padding above, content in the middle


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Type a prompt"),
        ("a 7 mooving up", "Did you mean 'moving'"),
        ("a 1 and a 2 and a 3 bouncing", "Too many digits"),
        ("a 42 moving up", "not a single digit"),
    ],
)
def test_prompt_errors_say_what_to_do(text, words):
    with pytest.raises(ValueError, match=words):
        inputs.prompt(text, required=True)


def test_an_optional_prompt_may_be_empty_and_a_good_one_is_kept():
    assert inputs.prompt("  ", required=False) == ""
    assert inputs.prompt(" an 8 moving down slowly ", required=True) == "an 8 moving down slowly"


def test_numbers_name_the_field_and_the_range():
    assert inputs.integer(12.0, "steps", 1, 100) == 12
    with pytest.raises(ValueError, match="steps = 101 is out of range: choose 1 to 100"):
        inputs.integer(101, "steps", 1, 100)
    with pytest.raises(ValueError, match="whole number"):
        inputs.integer("many", "steps", 1, 100)
    with pytest.raises(ValueError, match="guidance = nan is out of range"):
        inputs.number(float("nan"), "guidance", 0, 15)
    assert inputs.seed(5, False) == 5 and 0 <= inputs.seed(5, True) < 2**31


def test_the_app_falls_back_to_untrained_weights_with_a_banner(monkeypatch):
    import app.models as models
    from tinyvid.pipelines import random_pipeline

    def missing(*a, **k):
        raise FileNotFoundError("no weights")

    monkeypatch.setattr(models, "load_pipeline", missing)
    monkeypatch.setattr(models, "random_pipeline", lambda size: random_pipeline("tiny"))
    m = models.load_models(detector=None)
    assert m.banner == models.UNTRAINED_BANNER
    assert m.image.config.num_frames == m.video.patch_frames and "stand-in" in m.image_label
