"""Input checks and conversions, without a server."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from app import inputs
from tinyvid import inputs as library_inputs


def ink_box(pixels) -> tuple[int, int, int, int]:
    """Rows and columns ``(top, bottom, left, right)`` of the pixels that are not black."""
    ys, xs = np.nonzero(pixels[0].numpy() > 0.05)
    return ys.min(), ys.max(), xs.min(), xs.max()


def centre(pixels) -> tuple[float, float]:
    p = pixels[0].numpy()
    ys, xs = np.indices(p.shape)
    return (ys * p).sum() / p.sum(), (xs * p).sum() / p.sum()


def test_a_dark_drawing_on_a_transparent_canvas_becomes_white_strokes_on_black():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[100:180, 130:150] = (0, 0, 0, 255)  # a black "1" drawn on nothing
    f = inputs.frame(rgba, "drawing")
    assert f.pixels.shape == (1, 64, 64)
    assert f.pixels.max() > 0.9 and f.pixels[0, :10].max() < 0.05  # white stroke, black top rows
    assert any("strokes white" in n for n in f.notes) and any("MNIST digit" in n for n in f.notes)


def test_an_upload_becomes_an_mnist_digit_20_px_tall_centred_where_it_was():
    img = np.zeros((280, 280), np.uint8)
    img[40:140, 30:60] = 255  # a 100-px-tall stroke in the top-left quarter
    f = inputs.frame(img)
    top, bottom, left, right = ink_box(f.pixels)
    assert bottom - top + 1 == inputs.DIGIT_BOX  # the longer side fits the 20×20 box exactly
    assert 4 <= right - left + 1 <= 8  # aspect ratio kept: 30/100 of 20 px
    cy, cx = centre(f.pixels)  # the stroke's centre of mass was at (90, 45) of 280
    assert abs(cy - 90 / 280 * 64) < 1.5 and abs(cx - max(45 / 280 * 64, 14)) < 1.5
    middle = np.zeros((100, 100), np.uint8)
    middle[30:70, 45:55] = 200
    assert np.allclose(centre(inputs.frame(middle).pixels), (31.5, 31.5), atol=1)


def test_a_16_bit_png_is_scaled_by_its_bit_depth_not_clipped_to_white(tmp_path):
    deep = np.full((100, 100), 2000, np.uint16)  # above 255: white if read as 8-bit
    deep[20:80, 45:55] = 60000
    Image.fromarray(deep).save(tmp_path / "deep.png")
    f = inputs.frame(tmp_path / "deep.png")
    top, bottom, _, _ = ink_box(f.pixels)
    assert f.pixels.max() > 0.95 and bottom - top + 1 == inputs.DIGIT_BOX
    assert f.pixels[0, 0].max() == 0 and any("16-bit" in n for n in f.notes)


def test_a_photo_on_grey_paper_gets_a_black_background_and_white_strokes():
    photo = np.full((300, 400, 3), 36, np.uint8)  # the grey level a photo's background has
    photo[100:200, 180:220] = (220, 210, 200)
    f = inputs.frame(photo)
    assert f.pixels[0, :, :10].max() == 0 and f.pixels.max() > 0.95
    assert any("grey 36/255" in n for n in f.notes)
    paper = np.full((120, 90), 230, np.uint8)  # dark ink on white paper: the border says invert
    paper[30:90, 40:50] = 20
    g = inputs.frame(paper)
    assert g.pixels[0, 0, 0] == 0 and g.pixels.max() > 0.95
    assert any("inverted" in n for n in g.notes)


def test_a_64x64_frame_keeps_its_layout():
    frame = np.zeros((64, 64), np.uint8)
    frame[5:25, 5:15] = 255  # two digits in the corners stay where they are
    frame[40:60, 48:58] = 255
    f = inputs.frame(frame)
    assert f.pixels[0, 10, 10] == 1 and f.pixels[0, 50, 50] == 1 and f.pixels[0, 32, 32] == 0
    assert f.notes == []


@pytest.mark.parametrize(
    "picture, words",
    [
        (np.full((1, 1), 255, np.uint8), "is 1×1 pixels: too small to hold a digit"),
        (np.zeros((50, 50), np.uint8), "is blank"),
        (np.full((50, 50, 3), 255, np.uint8), "is blank"),
        (np.full((50, 50), 128, np.uint8) + np.eye(50, dtype=np.uint8) * 8, "is blank"),
    ],
)
def test_pictures_that_cannot_become_a_digit_are_refused_in_words(picture, words):
    with pytest.raises(ValueError, match=words):
        inputs.frame(picture)


def test_a_wide_video_frame_is_padded_to_a_square_before_resizing():
    wide = np.zeros((50, 200, 3), np.uint8)
    wide[:, 90:110] = 255
    f = inputs.frame(wide, "video", digit=False)
    rows = f.pixels[0].amax(dim=1)  # [64] brightest pixel of each row
    assert rows[:20].max() < 0.05 and rows[32] > 0.5  # padding above, content in the middle


def test_a_long_video_keeps_its_last_frames_and_counts_all_of_them(tmp_path):
    from tinyvid.viz import save_video

    video = torch.zeros(1, 300, 1, 64, 64)  # more than 4 × 64: the old reader lost count
    video[0, :, :, 20:40, 20:30] = 1
    path = save_video(video, tmp_path / "long.mp4", fps=25)
    clip, notes = inputs.video_file(path, min_frames=4)
    assert clip.shape == (inputs.MAX_UPLOAD_FRAMES, 1, 64, 64)
    assert f"kept the last {inputs.MAX_UPLOAD_FRAMES} of its 300 frames" in notes


def test_a_prompt_longer_than_the_limit_is_refused_without_echoing_it():
    with pytest.raises(ValueError, match="250 characters long; the limit is 200") as e:
        inputs.prompt("a 7 moving up " + "x" * 236, required=True)
    assert len(str(e.value)) < 120


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "Type a prompt"),
        ("a 7 mooving up", "Did you mean 'moving'"),
        ("a 1 and a 2 and a 3 bouncing", "Too many digits"),
        ("a 42 moving up", "not a single digit"),
        ("a 7 moving <up>", "unknown word"),
    ],
)
def test_prompt_errors_say_what_to_do(text, words):
    with pytest.raises(ValueError, match=words):
        inputs.prompt(text, required=True)


def test_an_optional_prompt_may_be_empty_and_a_good_one_is_kept():
    assert inputs.prompt("  ", required=False) == ""
    assert inputs.prompt(" an 8 moving down slowly ", required=True) == "an 8 moving down slowly"


def test_numbers_name_the_field_and_the_range():
    assert inputs.integer(12.0, "steps", 1, 100) == 12  # number boxes send floats
    assert inputs.integer is library_inputs.integer  # one check for the app and the library
    with pytest.raises(ValueError, match=r"steps=101 is out of range; allowed: \[1, 100\]"):
        inputs.integer(101, "steps", 1, 100)
    for bad in ("many", 2.5, float("nan"), True):
        with pytest.raises(ValueError, match="steps must be a whole number"):
            inputs.integer(bad, "steps", 1, 100)
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
