"""Shape consistency: 0 for a rigid real digit however it moves, growing as a glyph morphs;
empty frames and vanishing digits handled; the no-digit rate; eval reports both."""

from __future__ import annotations

import pytest
import torch

from tinyvid.data import load_digit_bank, moving_mnist
from tinyvid.metrics.shape import (
    centred_crops,
    digit_frames,
    no_digit,
    no_digit_rate,
    shape_change,
    shape_change_per_pair,
)


def _glyph(digit: int, k: int = 0) -> torch.Tensor:
    bank = load_digit_bank("test")
    return torch.from_numpy(bank.images[bank.labels == digit][k]).float() / 255  # [28, 28]


def _paste(glyphs: torch.Tensor, corners: list[tuple[int, int]], size: int = 64) -> torch.Tensor:
    """One video [1, T, 1, size, size]: glyph t (or the one glyph) at corner (x, y) of frame t."""
    frames = torch.zeros(len(corners), 1, size, size)
    for t, (x, y) in enumerate(corners):
        g = glyphs if glyphs.ndim == 2 else glyphs[t]
        frames[t, 0, y : y + 28, x : x + 28] = g
    return frames[None]


def test_a_rigidly_moving_real_digit_scores_zero():
    videos, _, _ = moving_mnist(24, seed=5, num_digits=1, split="test", num_frames=12)
    assert shape_change(videos).abs().max() == 0.0


def test_translation_does_not_count_not_even_a_jump():
    g = _glyph(4)
    jumpy = _paste(g, [(0, 0), (30, 2), (3, 33), (36, 36), (17, 9), (18, 9)])  # [1, 6, 1, 64, 64]
    assert shape_change_per_pair(jumpy).abs().max() == 0.0


def test_a_glyph_that_morphs_scores_more_the_more_it_morphs():
    a, b = _glyph(9), _glyph(0)
    corners = [(5 + 2 * t, 10) for t in range(8)]

    def morph(amount: float) -> float:
        w = torch.linspace(0, amount, 8)[:, None, None]  # [T, 1, 1]
        return float(shape_change(_paste((1 - w) * a + w * b, corners)))

    values = [morph(x) for x in (0.0, 0.25, 0.5, 1.0)]
    assert values[0] == 0.0
    assert values[1] > 0.01 and values == sorted(values) and values[3] > 2 * values[1]
    swap = _paste(torch.stack([a] * 4 + [b] * 4), corners)  # a 9 that becomes a 0 at once
    per_pair = shape_change_per_pair(swap)[0]
    assert per_pair[3] > 0.5 and per_pair[:3].max() == 0 and per_pair[4:].max() == 0


def test_the_shipped_autoencoder_changes_shape_a_little_not_like_a_different_digit():
    from tinyvid.checkpoints import WEIGHTS_DIR, load_model
    from tinyvid.metrics.evaluate import autoencoded

    path = WEIGHTS_DIR / "autoencoder.safetensors"
    if not path.is_file():
        pytest.skip("no shipped autoencoder")
    videos, _, _ = moving_mnist(8, seed=6, num_digits=1, split="test", num_frames=8)
    floor = float(shape_change(autoencoded(videos, load_model(path))).mean())
    assert 0.005 < floor < 0.15


def test_empty_frames_and_a_vanishing_digit():
    g = _glyph(2)
    empty = torch.zeros(2, 5, 1, 64, 64)
    assert shape_change(empty).tolist() == [0.0, 0.0], "nothing changed"
    assert no_digit(empty).all() and no_digit_rate(empty) == 1.0
    vanish = _paste(g, [(10, 10)] * 4)
    vanish[:, 2:] = 0  # the digit disappears after frame 1
    per_pair = shape_change_per_pair(vanish)[0]
    assert per_pair[0] == 0 and per_pair[1] == pytest.approx(2.0) and per_pair[2] == 0
    assert digit_frames(vanish)[0].tolist() == [True, True, False, False]
    assert not no_digit(vanish)[0], "half of the frames show the digit"
    vanish[:, 1] = 0
    assert no_digit(vanish)[0]


def test_faint_haze_is_not_a_digit_and_does_not_move_the_crop():
    haze = torch.full((1, 4, 1, 64, 64), 0.08)
    assert no_digit(haze).all() and shape_change(haze).max() == 0
    videos, _, _ = moving_mnist(4, seed=2, num_digits=1, split="test", num_frames=6)
    hazy = torch.where(videos == 0, torch.full_like(videos, 0.08), videos)  # haze on the background
    assert torch.equal(centred_crops(videos), centred_crops(hazy)) and shape_change(hazy).max() == 0
    assert no_digit_rate(videos) == 0.0


def test_two_digits_drifting_apart_are_not_one_rigid_shape():
    videos, _, _ = moving_mnist(16, seed=3, num_digits=2, split="test")
    assert shape_change(videos).mean() > 0.2  # why eval scores shape on one-digit clips only


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\[B, T, C, H, W\]"):
        shape_change(torch.zeros(4, 64, 64))
    with pytest.raises(ValueError, match="at least 1 video and 2 frames"):
        shape_change(torch.zeros(1, 1, 1, 64, 64))
    with pytest.raises(ValueError, match="min_pixels"):
        no_digit(torch.zeros(1, 2, 1, 64, 64), min_pixels=0)
