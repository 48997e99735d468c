"""Losses: one t per video, loss only on the frames to generate, training masks, prompt dropout."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tinyvid.diffusion.losses import (
    MaskConfig,
    diffusion_loss,
    drop_prompt,
    flow_matching_loss,
    known_mask_for,
    masked_mse,
    random_known_mask,
    training_cond,
)
from tinyvid.diffusion.schedules import NoiseSchedule
from tinyvid.nn.cond import Cond

B, T, C, H, W = 3, 6, 2, 4, 4


class Spy(nn.Module):
    """Records its inputs and returns a fixed output (zeros unless told)."""

    def __init__(self, out=None):
        super().__init__()
        self.out, self.seen = out, []

    def forward(self, x_t, t, cond):
        self.seen.append((x_t.clone(), t.clone()))
        return torch.zeros_like(x_t) if self.out is None else self.out


def test_diffusion_loss_shares_one_t_across_all_frames_of_a_video():
    sch = NoiseSchedule("cosine")
    x0 = torch.ones(B, T, C, H, W)
    spy = Spy()
    diffusion_loss(
        spy, x0, None, sch, noise=torch.zeros_like(x0), generator=torch.Generator().manual_seed(0)
    )
    x_t, t = spy.seen[0]
    assert t.shape == (B,) and t.dtype == torch.float32
    assert len(set(t.tolist())) == B  # different videos get different times
    for b in range(B):  # with x0 = 1 and no noise, x_t = alpha(t_b) in every frame and pixel
        assert torch.allclose(x_t[b], sch.alpha_bar(t[b]).sqrt().expand(T, C, H, W))


def test_flow_loss_shares_one_t_across_all_frames_of_a_video():
    x1 = torch.ones(B, T, C, H, W)
    spy = Spy()
    flow_matching_loss(
        spy, x1, None, noise=torch.zeros_like(x1), generator=torch.Generator().manual_seed(0)
    )
    x_t, t = spy.seen[0]
    assert t.shape == (B,)
    for b in range(B):  # x_t = (1 - t) * 0 + t * 1
        assert torch.allclose(x_t[b], t[b].expand(T, C, H, W))


def _cond_first_two_known():
    mask = torch.zeros(B, T)
    mask[:, :2] = 1
    return Cond(known_mask=mask, known=torch.zeros(B, T, C, H, W))


@pytest.mark.parametrize("target", ["eps", "v"])
def test_diffusion_loss_counts_only_frames_the_model_must_generate(target):
    sch = NoiseSchedule("linear")
    g = torch.Generator().manual_seed(1)
    x0, noise = torch.randn(B, T, C, H, W, generator=g), torch.randn(B, T, C, H, W, generator=g)
    t = torch.rand(B, generator=g)
    want = noise if target == "eps" else sch.v_target(x0, noise, t)
    cond = _cond_first_two_known()
    wrong_on_known = want.clone()
    wrong_on_known[:, :2] += 100.0
    loss = diffusion_loss(Spy(wrong_on_known), x0, cond, sch, target, t=t, noise=noise)
    assert loss.item() == pytest.approx(0.0, abs=1e-10)
    wrong_on_unknown = want.clone()
    wrong_on_unknown[:, 2:] += 1.0  # squared error 1 everywhere it counts
    loss = diffusion_loss(Spy(wrong_on_unknown), x0, cond, sch, target, t=t, noise=noise)
    assert loss.item() == pytest.approx(1.0, rel=1e-5)
    # without a mask every frame counts: 4 of 6 frames wrong by 1
    loss = diffusion_loss(Spy(wrong_on_unknown), x0, None, sch, target, t=t, noise=noise)
    assert loss.item() == pytest.approx(4 / 6, rel=1e-5)


def test_flow_loss_regresses_the_velocity_on_unknown_frames():
    g = torch.Generator().manual_seed(2)
    x1, x0 = torch.randn(B, T, C, H, W, generator=g), torch.randn(B, T, C, H, W, generator=g)
    out = x1 - x0
    out[:, :2] = 0  # wrong only where frames are known
    assert flow_matching_loss(Spy(out), x1, _cond_first_two_known(), noise=x0).item() < 1e-10
    assert flow_matching_loss(Spy(out), x1, None, noise=x0).item() > 0.1


def test_all_frames_known_gives_zero_loss_with_a_gradient():
    net = nn.Conv3d(C, C, 1)
    model = lambda x, t, c: net(x.transpose(1, 2)).transpose(1, 2)
    cond = Cond(known_mask=torch.ones(B, T), known=torch.zeros(B, T, C, H, W))
    loss = diffusion_loss(model, torch.randn(B, T, C, H, W), cond)
    assert loss.item() == 0.0 and torch.isfinite(loss)
    loss.backward()
    assert net.weight.grad is not None and torch.isfinite(net.weight.grad).all()


def test_masked_mse_checks_the_mask_shape():
    with pytest.raises(ValueError, match=r"\[B, T\]"):
        masked_mse(torch.zeros(B, T, C, H, W), torch.zeros(B, T, C, H, W), torch.zeros(B, T + 1))


def test_losses_reject_non_video_input():
    with pytest.raises(ValueError, match="target must be one of"):
        diffusion_loss(Spy(), torch.zeros(B, T, C, H, W), target="x0")
    with pytest.raises(ValueError, match=r"\[B, T, c, h, w\]"):
        flow_matching_loss(Spy(), torch.zeros(B, C, H, W))


def test_same_generator_seed_gives_the_same_loss():
    x0 = torch.randn(B, T, C, H, W)
    model = lambda x, t, c: x * t[:, None, None, None, None]
    a = diffusion_loss(model, x0, generator=torch.Generator().manual_seed(5))
    b = diffusion_loss(model, x0, generator=torch.Generator().manual_seed(5))
    c = diffusion_loss(model, x0, generator=torch.Generator().manual_seed(6))
    assert a == b and a != c


def test_known_mask_for_each_mode():
    assert known_mask_for("t2v", 5).tolist() == [0, 0, 0, 0, 0]
    assert known_mask_for("i2v", 5).tolist() == [1, 0, 0, 0, 0]
    assert known_mask_for("extend", 5, context=3).tolist() == [1, 1, 1, 0, 0]
    assert known_mask_for("interpolate", 5).tolist() == [1, 0, 0, 0, 1]
    with pytest.raises(ValueError, match="unknown mode 'outpaint'"):
        known_mask_for("outpaint", 5)


def test_random_known_mask_draws_modes_at_the_configured_rates():
    g = torch.Generator().manual_seed(0)
    only_i2v = random_known_mask(8, 16, MaskConfig(0, 1, 0, 0), g)
    assert (only_i2v == known_mask_for("i2v", 16)).all()
    only_interp = random_known_mask(8, 16, MaskConfig(0, 0, 0, 1), g)
    assert (only_interp == known_mask_for("interpolate", 16)).all()
    ext = random_known_mask(200, 16, MaskConfig(0, 0, 1, 0, min_context=2, max_context=5), g)
    k = ext.sum(1)
    assert k.min() == 2 and k.max() == 5
    assert (ext == (torch.arange(16) < k[:, None]).float()).all()  # always a prefix
    m = random_known_mask(4000, 16, MaskConfig(), g)
    t2v = (m.sum(1) == 0).float().mean().item()
    interp = ((m[:, 0] == 1) & (m[:, -1] == 1) & (m.sum(1) == 2)).float().mean().item()
    assert t2v == pytest.approx(0.4, abs=0.03) and interp == pytest.approx(0.15, abs=0.03)


def test_prompt_dropout_and_training_cond():
    tokens = torch.randint(1, 9, (500, 8))
    g = torch.Generator().manual_seed(0)
    assert torch.equal(drop_prompt(tokens, 0.0, g), tokens)
    assert (drop_prompt(tokens, 1.0, g) == 0).all()
    dropped = (drop_prompt(tokens, 0.2, g) == 0).all(1).float().mean().item()
    assert dropped == pytest.approx(0.2, abs=0.06)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        drop_prompt(tokens, 1.5)
    x0 = torch.randn(4, T, C, H, W)
    cond = training_cond(x0, tokens[:4], MaskConfig(0, 1, 0, 0), p_uncond=0.0, generator=g)
    assert torch.equal(cond.known[:, 0], x0[:, 0]) and (cond.known[:, 1:] == 0).all()
    assert torch.equal(cond.tokens, tokens[:4])
