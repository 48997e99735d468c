"""Schedules, noising and the conversions between eps, x0, v and flow velocity."""

from __future__ import annotations

import pytest
import torch

from tinyvid.diffusion import schedules as S
from tinyvid.diffusion.schedules import NoiseSchedule

KINDS = ["linear", "cosine"]


def _video(seed=0, B=3):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, 4, 2, 5, 5, generator=g), torch.randn(B, 4, 2, 5, 5, generator=g)


@pytest.mark.parametrize("kind", KINDS)
def test_add_noise_at_t0_returns_the_data_and_at_t1_nearly_pure_noise(kind):
    x0, noise = _video()
    sch = NoiseSchedule(kind)
    assert torch.equal(sch.add_noise(x0, noise, torch.zeros(3)), x0)
    x1 = sch.add_noise(x0, noise, torch.ones(3))
    assert sch.alpha_bar(1.0) < 1e-4
    assert (x1 - noise).abs().max() < 0.03  # signal weight sqrt(alpha_bar(1)) < 0.01
    assert torch.corrcoef(torch.stack([x1.flatten(), x0.flatten()]))[0, 1].abs() < 0.02


@pytest.mark.parametrize("kind", KINDS)
def test_alpha_bar_falls_monotonically_from_one(kind):
    ab = NoiseSchedule(kind).alpha_bar(torch.linspace(0, 1, 1001))
    assert ab[0] == 1.0
    assert (ab[1:] <= ab[:-1]).all()
    assert ab[500] < 0.6 and ab[500] > 0.01


def test_linear_schedule_matches_ddpm_discrete_betas():
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    discrete = torch.cumprod(1 - betas, 0)  # alpha_bar after steps 1..1000
    cont = S.linear_schedule().alpha_bar(torch.arange(1, 1001) / 1000).double()
    keep = discrete > 1e-3  # compare where there is signal left
    rel = (cont[keep] - discrete[keep]).abs() / discrete[keep]
    assert rel.max() < 0.04
    assert rel[:500].max() < 0.01


def test_one_time_per_video_is_broadcast_over_frames_and_pixels():
    x0, noise = _video(B=3)
    t = torch.tensor([0.1, 0.5, 0.9])
    sch = NoiseSchedule("cosine")
    xt = sch.add_noise(x0, noise, t)
    for b in range(3):
        assert torch.allclose(xt[b], sch.add_noise(x0[b : b + 1], noise[b : b + 1], t[b])[0])
    with pytest.raises(ValueError, match="one time per video"):
        sch.add_noise(x0, noise, torch.rand(3, 4))


@pytest.mark.parametrize("kind", KINDS)
def test_eps_x0_v_conversions_round_trip(kind):
    x0, eps = _video(1)
    t = torch.tensor([0.05, 0.5, 0.95])
    sch = NoiseSchedule(kind)
    xt = sch.add_noise(x0, eps, t)
    v = sch.v_target(x0, eps, t)
    tol = dict(atol=1e-4, rtol=1e-4)
    assert torch.allclose(sch.eps_to_x0(xt, eps, t), x0, **tol)
    assert torch.allclose(sch.x0_to_eps(xt, x0, t), eps, **tol)
    assert torch.allclose(sch.v_to_x0(xt, v, t), x0, **tol)
    assert torch.allclose(sch.v_to_eps(xt, v, t), eps, **tol)
    assert torch.allclose(sch.x0_eps_to_v(x0, eps, t), v, **tol)
    for target, pred in [("eps", eps), ("v", v)]:
        got_x0, got_eps = sch.to_x0_eps(pred, xt, t, target)
        assert torch.allclose(got_x0, x0, **tol) and torch.allclose(got_eps, eps, **tol)
    with pytest.raises(ValueError, match="'eps' or 'v'"):
        sch.to_x0_eps(eps, xt, t, "flow")


def test_flow_path_conversions_recover_data_and_noise():
    noise, x1 = _video(2)
    t = torch.tensor([0.2, 0.5, 0.8])
    xt = S.flow_interpolate(noise, x1, t)
    u = S.flow_velocity_target(noise, x1)
    assert torch.allclose(S.flow_interpolate(noise, x1, 0.0), noise)
    assert torch.allclose(S.flow_interpolate(noise, x1, 1.0), x1)
    assert torch.allclose(S.velocity_to_x1(u, xt, t), x1, atol=1e-5)
    assert torch.allclose(S.velocity_to_epsilon(u, xt, t), noise, atol=1e-5)
    assert torch.allclose(S.x1_to_velocity(x1, xt, t), u, atol=1e-4)
    assert torch.allclose(S.epsilon_to_velocity(noise, xt, t), u, atol=1e-4)


def test_flow_time_is_diffusion_time_reversed():
    """Flow time t (1 = data) is diffusion time tau = 1 - t with alpha = 1 - tau, sigma = tau."""
    noise, x1 = _video(3)
    t = torch.tensor([0.1, 0.4, 0.7])
    tau = S.flow_to_diffusion_time(t)
    assert torch.allclose(S.diffusion_to_flow_time(tau), t)
    tau_b = S.per_video(tau, x1)
    want = (1 - tau_b) * x1 + tau_b * noise
    assert torch.allclose(S.flow_interpolate(noise, x1, t), want, atol=1e-6)


def test_unknown_schedule_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown schedule kind 'sigmoid'"):
        NoiseSchedule("sigmoid")
