"""The seed's loops on a flow model: the loop index as time is garbage, the fixed time works,
and the seed's image-to-video keeps its pasted first frame without telling the model."""

from __future__ import annotations

import pytest
import torch

from tinyvid.diffusion.samplers import sample
from tinyvid.diffusion.seed_bugs import seed_flow_loop
from tinyvid.diffusion.toy import GaussianDenoiser

MU, STD = 1.5, 0.3
SHAPE = (400, 3, 1, 2, 4)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _matches_target(x, tol=0.05):
    return abs(x.mean().item() - MU) < tol and abs(x.std().item() - STD) < tol


def test_fixed_time_samples_the_data_and_the_loop_index_does_not():
    model = GaussianDenoiser(MU, STD, "flow")
    fixed = seed_flow_loop(model, SHAPE, num_steps=50, time="fixed", generator=gen())
    assert _matches_target(fixed)
    seen = torch.cat(model.calls)
    assert seen.min() == 0 and seen.max() == pytest.approx(49 / 50)  # the flow times of the grid
    # the same Euler steps as our sampler
    ours = sample(model, SHAPE, sampler="euler", objective="flow", steps=50, generator=gen())
    assert torch.allclose(fixed, ours, atol=1e-4)
    for wrong in ("index", "index_fraction"):
        model.calls.clear()
        buggy = seed_flow_loop(model, SHAPE, num_steps=50, time=wrong, generator=gen())
        assert not _matches_target(buggy, tol=0.1), wrong
    assert torch.cat(model.calls).max() == pytest.approx(49 / 50)  # index_fraction: 49/50 first


def test_the_loop_index_is_what_the_model_is_told():
    model = GaussianDenoiser(MU, STD, "flow")
    seed_flow_loop(model, (2, 2, 1, 1, 1), num_steps=5, time="index", generator=gen())
    told = [float(c[0]) for c in model.calls]
    assert told == [4.0, 3.0, 2.0, 1.0, 0.0]


def test_seed_image_to_video_keeps_the_pasted_frame_and_moves_the_others():
    model = GaussianDenoiser(MU, STD, "flow")
    first = torch.full((SHAPE[0], *SHAPE[2:]), -7.0)
    out = seed_flow_loop(model, SHAPE, num_steps=20, time="fixed", first_latent=first, generator=gen())
    assert torch.equal(out[:, 0], first)  # never updated
    assert _matches_target(out[:, 1:])


def test_bad_arguments_are_refused():
    model = GaussianDenoiser(MU, STD, "flow")
    with pytest.raises(ValueError, match="time must be one of"):
        seed_flow_loop(model, SHAPE, time="loop")
    with pytest.raises(ValueError, match="num_steps"):
        seed_flow_loop(model, SHAPE, num_steps=0)
    with pytest.raises(ValueError, match="first_latent"):
        seed_flow_loop(model, SHAPE, first_latent=torch.zeros(2, 1, 2, 4))
