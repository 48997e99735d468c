"""The seed's sampling loop hands the model its loop index as time: garbage on a known model."""

from __future__ import annotations

import pytest
import torch

from tinyvid.diffusion.samplers import sample
from tinyvid.diffusion.seed_bugs import seed_ddim_loop
from tinyvid.diffusion.toy import GaussianDenoiser

MU, STD = 1.5, 0.3
SHAPE = (500, 2, 1, 2, 4)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _matches_target(x):
    return abs(x.mean().item() - MU) < 0.03 and abs(x.std().item() - STD) < 0.03


@pytest.mark.parametrize("time_scale", [1.0, 1000.0], ids=["trained-on-0..1", "trained-on-0..999"])
def test_seed_loop_index_as_time_gives_garbage_and_our_sampler_does_not(time_scale):
    model = GaussianDenoiser(MU, STD, "eps", time_scale=time_scale)
    buggy = seed_ddim_loop(model, SHAPE, num_steps=50, generator=gen())
    assert not _matches_target(buggy)
    # the model trained on 0..999 sees t = 0..49 and believes every step is almost clean
    if time_scale == 1000.0:
        seen = torch.cat(model.calls)
        assert seen.max() <= 0.049 + 1e-6
    # our sampler only ever hands out the training convention; wrap the 0..999 model to read it
    ours_model = model if time_scale == 1.0 else (lambda x, t, c: model(x, t * time_scale, c))
    ours = sample(ours_model, SHAPE, sampler="ddim", steps=50, generator=gen())
    assert _matches_target(ours)


def test_fixing_the_one_line_makes_the_seed_loop_agree_with_sample():
    model = GaussianDenoiser(MU, STD, "eps")
    fixed = seed_ddim_loop(model, SHAPE, num_steps=50, generator=gen(), fixed=True)
    ours = sample(model, SHAPE, sampler="ddim", steps=50, generator=gen())
    assert torch.allclose(fixed, ours, atol=1e-4)
