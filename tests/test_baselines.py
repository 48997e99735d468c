"""Interpolation baselines: cross-fade, backward warping, optical-flow interpolation."""

from __future__ import annotations

import pytest
import torch

from tinyvid.baselines import cross_fade, farneback_flow, flow_interpolate, warp_backward
from tinyvid.data import moving_mnist
from tinyvid.metrics.quality import psnr


def test_cross_fade_keeps_the_given_frames_and_blends_linearly():
    a, b = torch.zeros(2, 1, 8, 8), torch.ones(2, 1, 8, 8)
    v = cross_fade(a, b, 5)  # [2, 5, 1, 8, 8]
    assert v.shape == (2, 5, 1, 8, 8)
    torch.testing.assert_close(v[:, :, 0, 0, 0], torch.tensor([[0, 0.25, 0.5, 0.75, 1.0]] * 2))


def test_cross_fade_refuses_bad_input():
    with pytest.raises(ValueError, match="num_frames"):
        cross_fade(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), 1)
    with pytest.raises(ValueError, match=r"\[B, 1, H, W\]"):
        cross_fade(torch.zeros(4, 4), torch.zeros(4, 4), 5)


def test_backward_warp_by_an_integer_flow_shifts_the_image():
    img = torch.rand(1, 1, 6, 9)
    flow = torch.zeros(1, 6, 9, 2)
    flow[..., 0] = 2  # every pixel reads 2 columns to its right
    out = warp_backward(img, flow)
    torch.testing.assert_close(out[..., :7], img[..., 2:])
    assert out[..., 7:].abs().max() == 0  # read from outside the image: 0


def test_farneback_follows_a_small_translation():
    v, labels, _ = moving_mnist(1, seed=0, speeds="slow", split="test")
    a, b = v[:, 0], v[:, 2]  # 3 px apart
    flow = farneback_flow(a, b)[0]  # [64, 64, 2]
    ink = a[0, 0] > 0.5
    want = labels.positions[0, 2, 0] - labels.positions[0, 0, 0]  # [2] (dx, dy)
    got = torch.stack([flow[..., 0][ink].median(), flow[..., 1][ink].median()])
    assert (got - want).abs().max() < 1.0, (got, want)


def test_flow_interpolation_beats_a_cross_fade_on_a_short_glide():
    v, _, _ = moving_mnist(4, seed=1, speeds="slow", split="test", num_frames=6)
    first, last = v[:, 0], v[:, -1]
    flow = flow_interpolate(first, last, 6)
    fade = cross_fade(first, last, 6)
    torch.testing.assert_close(flow[:, [0, -1]], v[:, [0, -1]])
    mid = slice(1, 5)
    assert psnr(flow[:, mid], v[:, mid]).mean() > psnr(fade[:, mid], v[:, mid]).mean() + 1.0
