"""Flicker, smoothness, teleportation, PSNR and SSIM on real Moving MNIST and edits of it."""

from __future__ import annotations

import math

import pytest
import torch

from tinyvid.data import moving_mnist
from tinyvid.metrics.quality import end_frames_fidelity, first_frame_fidelity, mean_psnr, psnr, ssim
from tinyvid.metrics.temporal import (
    centroid_tracks,
    flicker,
    flicker_relative,
    smoothness,
    smoothness_relative,
    teleportation_rate,
)


@pytest.fixture(scope="module")
def real():
    videos, labels, _ = moving_mnist(32, seed=123, num_digits=1, split="test")
    return videos, labels


def test_centroid_tracks_follow_the_digit_box_centres(real):
    videos, labels = real
    c = centroid_tracks(videos)  # [B, T, 2]
    box = labels.centers()[:, :, 0]  # [B, T, 2]
    # the glyph's mass is not exactly centred in its box, but the motion is the box's motion
    motion_err = ((c - c[:, :1]) - (box - box[:, :1])).norm(dim=-1)
    assert motion_err.max() < 1.0


def test_independent_per_frame_noise_raises_flicker(real):
    videos, _ = real
    g = torch.Generator().manual_seed(0)
    noisy = (videos + 0.1 * torch.randn(videos.shape, generator=g)).clamp(0, 1)
    assert flicker_relative(noisy, videos) > 2.0
    assert flicker_relative(videos, videos) == pytest.approx(1.0)
    frozen = videos[:, :1].expand_as(videos)
    assert float(flicker(frozen).max()) == 0.0


def test_real_motion_is_smooth_and_never_teleports(real):
    videos, _ = real
    assert teleportation_rate(videos) == 0.0
    # constant velocity except at bounces and pixel rounding: well under 1 px/frame² on average
    assert float(smoothness(videos).mean()) < 1.0


def test_teleportation_detects_an_injected_jump(real):
    videos, _ = real
    c = centroid_tracks(videos)  # [B, T, 2]
    jumped = videos.clone()
    for i in range(4):  # from frame 8 on, video i shows the video whose digit is farthest away
        far = int((c[:, 8] - c[i, 7]).norm(dim=-1).argmax())
        assert float((c[far, 8] - c[i, 7]).norm()) > 16
        jumped[i, 8:] = videos[far, 8:]
    rate = teleportation_rate(jumped)
    transitions = 32 * 15
    assert rate == pytest.approx(4 / transitions)
    assert smoothness_relative(jumped, videos) > 1.2


def test_shuffled_frames_are_rough_and_teleport(real):
    videos, _ = real
    g = torch.Generator().manual_seed(1)
    shuffled = videos[:, torch.randperm(16, generator=g)]
    assert teleportation_rate(shuffled) > 0.2
    assert smoothness_relative(shuffled, videos) > 5


def test_psnr_and_ssim_of_identical_frames_are_perfect(real):
    videos, _ = real
    assert torch.isinf(psnr(videos, videos)).all()
    assert mean_psnr(videos, videos) == 100.0
    assert torch.allclose(ssim(videos, videos), torch.ones(32, 16, dtype=torch.float64))


def test_psnr_of_known_noise_and_ssim_drops_with_noise(real):
    videos, _ = real
    off = (videos * 0.5 + 0.25)[:2, :2]  # every pixel moved by a known amount
    ref = videos[:2, :2]
    mse = ((off - ref) ** 2).flatten(2).mean(2)
    assert torch.allclose(psnr(off, ref), 10 * torch.log10(1 / mse.double()))
    g = torch.Generator().manual_seed(2)
    noisy = (ref + 0.2 * torch.randn(ref.shape, generator=g)).clamp(0, 1)
    s = ssim(noisy, ref)
    assert (s < 0.9).all() and (s > -1).all()


def test_fidelity_helpers_score_given_frames(real):
    videos, _ = real
    i2v = first_frame_fidelity(videos, videos[:, 0])
    assert i2v["first_frame_psnr"] == 100.0 and i2v["first_frame_ssim"] == pytest.approx(1.0)
    ends = end_frames_fidelity(videos, videos[:, 0], videos[:, -1])
    assert ends["end_frames_ssim"] == pytest.approx(1.0)
    wrong = end_frames_fidelity(videos, videos[:, -1], videos[:, 0])
    assert wrong["end_frames_psnr"] < 20 and math.isfinite(wrong["end_frames_psnr"])


def test_bad_inputs_are_value_errors():
    with pytest.raises(ValueError, match=r"\[B, T, C, H, W\]"):
        flicker(torch.rand(16, 1, 64, 64))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        flicker(torch.rand(1, 4, 1, 8, 8) * 2 - 1)
    with pytest.raises(ValueError, match="same shape"):
        psnr(torch.rand(1, 2, 1, 8, 8), torch.rand(1, 3, 1, 8, 8))
    with pytest.raises(ValueError, match="3 frames"):
        smoothness(torch.rand(1, 2, 1, 8, 8))
