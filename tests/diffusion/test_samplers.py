"""Samplers on a Gaussian toy whose optimal denoiser is known exactly (tinyvid.diffusion.toy)."""

from __future__ import annotations

import pytest
import torch

from tinyvid.diffusion.samplers import ddim_invert, iter_sample, make_sampler, sample
from tinyvid.diffusion.schedules import NoiseSchedule
from tinyvid.diffusion.toy import GaussianDenoiser
from tinyvid.nn.cond import Cond

MU, STD = 1.5, 0.3
SHAPE = (1000, 2, 1, 2, 4)  # 8000 coordinates of N(MU, STD^2)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


CASES = [  # sampler, objective, schedule kind, steps (the variance error falls like 1 / steps)
    ("ddpm", "eps", "linear", 1000),
    ("ddpm", "v", "cosine", 1000),
    ("ddim", "eps", "cosine", 500),
    ("ddim", "v", "linear", 500),
    ("euler", "flow", None, 100),
    ("heun", "flow", None, 25),
]


@pytest.mark.parametrize("sampler,objective,kind,steps", CASES)
def test_samples_match_the_target_gaussian(sampler, objective, kind, steps):
    sch = NoiseSchedule(kind or "cosine")
    model = GaussianDenoiser(MU, STD, objective, sch)
    x = sample(
        model,
        SHAPE,
        sampler=sampler,
        steps=steps,
        generator=gen(),
        objective=objective,
        schedule=sch,
    )
    assert x.shape == SHAPE
    assert x.mean().item() == pytest.approx(MU, abs=0.015)
    assert x.std().item() == pytest.approx(STD, abs=0.012)


def test_ddim_eta_one_matches_the_target_like_ddpm():
    model = GaussianDenoiser(MU, STD, "eps")
    x = sample(model, SHAPE, sampler="ddim", eta=1.0, steps=1000, generator=gen())
    assert x.mean().item() == pytest.approx(MU, abs=0.015)
    assert x.std().item() == pytest.approx(STD, abs=0.012)


def test_ddim_eta0_is_deterministic_given_the_noise_and_ddpm_is_not():
    model = GaussianDenoiser(MU, STD, "eps")
    z = torch.randn(SHAPE, generator=gen(1))
    a = sample(model, SHAPE, sampler="ddim", steps=10, noise=z, generator=gen(2))
    b = sample(model, SHAPE, sampler="ddim", steps=10, noise=z, generator=gen(3))
    assert torch.equal(a, b)
    c = sample(model, SHAPE, sampler="ddpm", steps=10, noise=z, generator=gen(2))
    d = sample(model, SHAPE, sampler="ddpm", steps=10, noise=z, generator=gen(3))
    assert not torch.allclose(c, d)


@pytest.mark.parametrize("objective", ["eps", "v"])
def test_ddim_eta0_is_invertible(objective):
    model = GaussianDenoiser(MU, STD, objective)
    z = torch.randn(SHAPE, generator=gen(4))
    x = sample(model, SHAPE, sampler="ddim", steps=100, noise=z, objective=objective)
    z_back = ddim_invert(model, x, steps=100, objective=objective, refine=2)
    assert (z_back - z).pow(2).mean().sqrt() < 0.02
    assert (z_back - z).abs().max() < 0.05


def test_heun_beats_euler_at_equal_steps_on_a_curved_flow():
    """For Gaussian data the exact ODE flow map is x1 = MU + STD * z; its paths are curved."""
    model = GaussianDenoiser(MU, STD, "flow")
    z = torch.randn(SHAPE, generator=gen(5))
    exact = MU + STD * z
    for steps in (2, 4, 8):
        kw = dict(steps=steps, noise=z, objective="flow")
        err_euler = (sample(model, SHAPE, sampler="euler", **kw) - exact).abs().max()
        err_heun = (sample(model, SHAPE, sampler="heun", **kw) - exact).abs().max()
        assert err_heun < err_euler / 5
    assert err_euler > 0.1  # the flow really is curved: Euler's straight steps miss


@pytest.mark.parametrize(
    "sampler,objective", [("ddpm", "eps"), ("ddim", "v"), ("euler", "flow"), ("heun", "flow")]
)
def test_same_seed_same_sample_different_seed_different_sample(sampler, objective):
    model = GaussianDenoiser(MU, STD, objective)
    run = lambda seed: sample(
        model, (2, 3, 1, 4, 4), sampler=sampler, steps=5, objective=objective, generator=gen(seed)
    )
    assert torch.equal(run(0), run(0))
    assert not torch.allclose(run(0), run(1))


@pytest.mark.parametrize(
    "sampler,objective", [("ddpm", "eps"), ("ddim", "eps"), ("euler", "flow"), ("heun", "flow")]
)
@pytest.mark.parametrize("steps", [1, 3, 7])
def test_model_is_always_called_with_float_t_in_unit_interval(sampler, objective, steps):
    model = GaussianDenoiser(MU, STD, objective)
    sample(
        model, (3, 2, 1, 2, 2), sampler=sampler, steps=steps, objective=objective, generator=gen()
    )
    ts = model.calls
    assert len(ts) == steps * (2 if sampler == "heun" else 1)
    for t in ts:
        assert t.dtype == torch.float32 and t.shape == (3,)
        assert (t >= 0).all() and (t <= 1).all()
        assert (t == t[0]).all()  # the batch is at one noise level
    first = ts[0][0].item()
    assert first == (1.0 if objective != "flow" else 0.0)  # start at pure noise
    if sampler == "ddim":
        assert [t[0].item() for t in ts] == pytest.approx([1 - i / steps for i in range(steps)])


def test_on_step_sees_every_step_and_a_clean_estimate():
    model = GaussianDenoiser(MU, STD, "eps")
    seen = []
    x = sample(
        model,
        (2, 3, 1, 4, 4),
        steps=6,
        generator=gen(),
        on_step=lambda s, n, x0: seen.append((s, n, x0)),
    )
    assert [(s, n) for s, n, _ in seen] == [(i, 6) for i in range(1, 7)]
    assert all(x0.shape == x.shape for _, _, x0 in seen)
    assert torch.allclose(seen[-1][2], x, atol=1e-5)  # the last estimate is the sample
    # the estimate is near the data mean from the first step on
    assert abs(seen[0][2].mean().item() - MU) < 0.3


class PromptModel(torch.nn.Module):
    """Predicts 1 for a prompt and 0 for the null prompt; counts forward passes and batch sizes."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def forward(self, x, t, cond):
        self.batches.append(x.shape[0])
        on = (cond.tokens != 0).any(1).float()  # [B]
        return on[:, None, None, None, None].expand_as(x).clone()


def test_classifier_free_guidance_is_one_batched_forward():
    from tinyvid.diffusion.samplers import model_predict

    model = PromptModel()
    x = torch.zeros(2, 3, 1, 2, 2)
    cond = Cond(tokens=torch.tensor([[3, 4], [5, 0]]))
    out = model_predict(model, x, 0.5, cond, guidance=3.0)
    assert model.batches == [4]  # prompt and null prompt together
    assert torch.allclose(out, torch.full_like(x, 3.0))  # u + w (c - u) = 0 + 3 (1 - 0)
    model.batches.clear()
    out = model_predict(model, x, 0.5, cond, guidance=1.0)
    assert model.batches == [2] and torch.allclose(out, torch.ones_like(x))
    out = model_predict(model, x, 0.5, cond, guidance=0.0)
    assert torch.allclose(out, torch.zeros_like(x))  # w = 0: the unconditional model
    sample(model, (2, 3, 1, 2, 2), cond, steps=4, guidance=2.0, generator=gen())
    assert model.batches[-4:] == [4, 4, 4, 4]


@pytest.mark.parametrize(
    "sampler,objective", [("ddpm", "eps"), ("ddim", "v"), ("euler", "flow"), ("heun", "flow")]
)
def test_known_frames_come_out_exactly_with_replacement(sampler, objective):
    B, T = 2, 5
    known = torch.randn(B, T, 1, 3, 3, generator=gen(7))
    mask = torch.zeros(B, T)
    mask[:, 0] = 1
    mask[1, -1] = 1
    cond = Cond(known_mask=mask, known=known * mask[:, :, None, None, None])
    model = GaussianDenoiser(MU, STD, objective)
    kw = dict(sampler=sampler, objective=objective, steps=6)
    x = sample(model, known.shape, cond, replace_known=True, generator=gen(), **kw)
    assert torch.equal(x[:, 0], known[:, 0]) and torch.equal(x[1, -1], known[1, -1])
    assert not torch.allclose(x[0, -1], known[0, -1])
    # conditioning only: the toy model ignores cond, so known frames are just samples
    y = sample(model, known.shape, cond, replace_known=False, generator=gen(), **kw)
    assert not torch.allclose(y[:, 0], known[:, 0], atol=0.1)


def test_replacement_keeps_known_frames_at_the_current_noise_level():
    sch = NoiseSchedule("cosine")
    known = torch.full((1, 4, 1, 2, 2), 2.0)
    mask = torch.tensor([[1.0, 0, 0, 0]])
    cond = Cond(known_mask=mask, known=known * mask[:, :, None, None, None])
    z = torch.randn(known.shape, generator=gen(8))
    steps = list(
        iter_sample(
            GaussianDenoiser(MU, STD, "eps", sch),
            known.shape,
            cond,
            steps=4,
            noise=z,
            replace_known=True,
        )
    )
    x_mid = steps[1][2]  # after step 2 of 4: t = 0.5
    assert torch.allclose(x_mid[:, 0], sch.add_noise(known, z, 0.5)[:, 0])
    assert torch.equal(steps[1][3][:, 0], known[:, 0])  # the preview shows the given frame


def test_impossible_combinations_and_bad_arguments_are_value_errors():
    with pytest.raises(
        ValueError, match="sampler 'euler' cannot sample a model trained with objective 'eps'"
    ):
        make_sampler("euler", "eps")
    with pytest.raises(ValueError, match="sampler 'ddim' cannot sample .* 'flow'.*'euler', 'heun'"):
        make_sampler("ddim", "flow")
    with pytest.raises(ValueError, match="unknown sampler 'dpm'"):
        make_sampler("dpm", "eps")
    with pytest.raises(ValueError, match="objective must be one of .* got 'x0'"):
        make_sampler("ddim", "x0")
    model = GaussianDenoiser(MU, STD, "eps")
    with pytest.raises(ValueError, match=r"steps=0 is out of range; allowed: >= 1"):
        sample(model, (1, 2, 1, 2, 2), steps=0)
    with pytest.raises(ValueError, match="guidance must be a number >= 0"):
        sample(model, (1, 2, 1, 2, 2), guidance=-1.0)
    with pytest.raises(ValueError, match=r"shape must be \[B, T, c, h, w\]"):
        sample(model, (1, 2, 2, 2))
    with pytest.raises(ValueError, match="replace_known=True needs"):
        sample(model, (1, 2, 1, 2, 2), replace_known=True)
    with pytest.raises(ValueError, match="eta must be >= 0"):
        make_sampler("ddim", "eps", eta=-0.5)
