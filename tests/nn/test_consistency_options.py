"""The temporal-consistency options of the video model (the ablation's arms)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from tinyvid.diffusion.samplers import FlowHeunSampler, iter_sample
from tinyvid.diffusion.schedules import shift_noise_level, video_noise
from tinyvid.nn.attention import SpatialAttention
from tinyvid.nn.unet import UNetConfig, VideoUNet
from tinyvid.train import with_overrides


def test_video_noise_correlates_frames_by_shared_and_keeps_unit_variance():
    g = torch.Generator().manual_seed(0)
    x = video_noise((4000, 2, 1, 2, 2), 0.6, g)  # [B, T, c, h, w]
    a, b = x[:, 0].flatten(), x[:, 1].flatten()
    assert abs(float(torch.corrcoef(torch.stack([a, b]))[0, 1]) - 0.6) < 0.03
    assert abs(float(x.std()) - 1.0) < 0.02
    iid = video_noise((4000, 2, 1, 2, 2), 0.0, torch.Generator().manual_seed(0))
    assert abs(float(torch.corrcoef(torch.stack([iid[:, 0].flatten(), iid[:, 1].flatten()]))[0, 1])) < 0.03
    with pytest.raises(ValueError, match="shared"):
        video_noise((1, 2, 1, 2, 2), 1.0)


def test_time_shift_moves_noise_levels_towards_noise_and_keeps_the_ends():
    sigma = torch.linspace(0, 1, 11)
    shifted = shift_noise_level(sigma, 3.0)
    assert shifted[0] == 0 and shifted[-1] == 1
    assert bool((shifted[1:-1] > sigma[1:-1]).all())
    assert torch.equal(shift_noise_level(sigma, 1.0), sigma)
    grid = FlowHeunSampler().timesteps(4, shift=3.0)  # flow: t = 1 is data
    assert grid[0] == 0 and grid[-1] == 1 and bool((grid[1:-1] < torch.linspace(0, 1, 5)[1:-1]).all())


def test_cross_frame_attention_lets_frame_0_change_the_others_only():
    torch.manual_seed(0)
    attn = SpatialAttention(8, 2, cross_frame=True)
    x = torch.randn(2, 3, 8, 4, 4)
    y = attn(x)
    x2 = x.clone()
    x2[:, 0] += torch.randn_like(x2[:, 0])
    y2 = attn(x2)
    assert (y2[:, 1:] - y[:, 1:]).abs().max() > 1e-3  # frames 1.. read frame 0
    x3 = x.clone()
    x3[:, 2] += torch.randn_like(x3[:, 2])
    assert torch.allclose(attn(x3)[:, :2], y[:, :2], atol=1e-6)  # frame 2 reaches nobody
    plain = SpatialAttention(8, 2)
    plain.load_state_dict(attn.state_dict())
    assert torch.allclose(plain(x)[:, 0], y[:, 0], atol=1e-5)  # frame 0 attends as before


def test_spacetime_attention_added_to_a_trained_video_model_starts_as_it():
    torch.manual_seed(0)
    model = VideoUNet(UNetConfig.tiny()).eval()
    for p in model.parameters():  # a "trained" model: no zero layers left
        p.data.normal_(0, 0.1)
    bigger = with_overrides(model, {"spacetime_attention": True}).eval()
    assert any("temporal_spacetime" in k for k in bigger.state_dict())
    x, t = torch.randn(2, 4, 4, 8, 8), torch.rand(2)
    with torch.no_grad():
        assert torch.allclose(bigger(x, t), model(x, t), atol=1e-6)
    with pytest.raises(ValueError, match="change existing weights"):
        with_overrides(model, {"channels": (8, 32)})


def test_shifted_sampling_runs_and_differs_from_unshifted():
    torch.manual_seed(0)
    model = VideoUNet(dataclasses.replace(UNetConfig.tiny(), cross_frame=True)).eval()
    shape = (1, 4, 4, 8, 8)
    kw = dict(sampler="heun", objective="flow", steps=3)
    with torch.no_grad():
        a = list(iter_sample(model, shape, generator=torch.Generator().manual_seed(0), **kw))[-1][2]
        b = list(iter_sample(model, shape, generator=torch.Generator().manual_seed(0),
                             time_shift=3.0, noise_shared=0.5, **kw))[-1][2]
    assert a.shape == b.shape == shape and not torch.allclose(a, b)
