"""Attention blocks: which tokens see which, costs, and the seed's batch_first mistake."""

from __future__ import annotations

import math

import pytest
import torch
from einops import rearrange
from torch import nn

from tinyvid.nn import (
    FactorizedSpaceTimeAttention,
    FullSpaceTimeAttention,
    SpatialAttention,
    TemporalAttention,
    cost,
)
from tinyvid.nn.seed_bugs import SeedSpatioTemporalAttention

C = 16


def changed(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per (b, t, h, w) position: did any channel change? ``[B, T, C, H, W] -> [B, T, H, W]``."""
    return ((a - b).abs() > 1e-6).any(dim=2)


def perturb(x: torch.Tensor, index) -> torch.Tensor:
    y = x.clone()
    y[index] += torch.randn_like(y[index])
    return y


@pytest.fixture
def video():
    torch.manual_seed(0)
    return torch.randn(2, 5, C, 3, 4)


@torch.no_grad()
def test_spatial_attention_mixes_only_within_a_frame(video):
    block = SpatialAttention(C, heads=2)
    out = block(video)
    diff = changed(out, block(perturb(video, (0, 2, slice(None), 1, 1))))  # frame 2, pixel (1, 1)
    assert diff[0, 2].all()  # every position of that frame sees the change
    diff[0, 2] = False
    assert not diff.any()  # no other frame, no other video


@torch.no_grad()
def test_temporal_attention_mixes_only_across_frames_at_one_position(video):
    block = TemporalAttention(C, heads=2)
    out = block(video)
    diff = changed(
        out, block(perturb(video, (1, 3, slice(None), 2, 0)))
    )  # video 1, frame 3, (2, 0)
    assert diff[1, :, 2, 0].all()  # every frame at that position sees it
    diff[1, :, 2, 0] = False
    assert not diff.any()


@torch.no_grad()
def test_causal_temporal_attention_never_looks_ahead(video):
    block = TemporalAttention(C, heads=2, causal=True)
    diff = changed(block(video), block(perturb(video, (0, 2))))  # all of frame 2
    assert not diff[:, :2].any()  # frames before 2 unchanged
    assert diff[0, 2:].all()


@torch.no_grad()
def test_frame_embedding_makes_temporal_attention_order_aware(video):
    perm = torch.tensor([4, 0, 3, 1, 2])
    blind = TemporalAttention(C, heads=2, frame_embedding=False)
    torch.testing.assert_close(blind(video[:, perm]), blind(video)[:, perm])
    aware = TemporalAttention(C, heads=2, frame_embedding=True)
    assert not torch.allclose(aware(video[:, perm]), aware(video)[:, perm], atol=1e-4)


@torch.no_grad()
def test_factorized_attention_reaches_every_token_in_two_steps(video):
    block = FactorizedSpaceTimeAttention(C, heads=2)
    diff = changed(block(video), block(perturb(video, (0, 1, slice(None), 0, 0))))
    assert diff[0].all()  # spatial spreads to the frame, temporal to every frame
    assert not diff[1].any()  # never to another video


def mha_reference(block: FullSpaceTimeAttention, x: torch.Tensor) -> torch.Tensor:
    """The same weights in ``nn.MultiheadAttention(batch_first=True)`` over flattened tokens."""
    mha = nn.MultiheadAttention(C, block.attn.heads, batch_first=True)
    mha.in_proj_weight.copy_(block.attn.qkv.weight)
    mha.in_proj_bias.copy_(block.attn.qkv.bias)
    mha.out_proj.weight.copy_(block.attn.out.weight)
    mha.out_proj.bias.copy_(block.attn.out.bias)
    tokens = rearrange(x, "b t c h w -> b (t h w) c")
    h = block.norm(tokens)
    out = tokens + mha(h, h, h, need_weights=False)[0]
    return rearrange(out, "b (t h w) c -> b t c h w", t=x.shape[1], h=x.shape[3])


def softmax_reference(block: FullSpaceTimeAttention, x: torch.Tensor) -> torch.Tensor:
    """Slow, obviously-correct attention: softmax(q kᵀ / √d) v over all T·H·W tokens."""
    tokens = rearrange(x, "b t c h w -> b (t h w) c")
    q, k, v = block.attn.qkv(block.norm(tokens)).chunk(3, dim=-1)
    heads = block.attn.heads
    q, k, v = (rearrange(z, "b l (h d) -> b h l d", h=heads) for z in (q, k, v))
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
    out = tokens + block.attn.out(rearrange(weights @ v, "b h l d -> b l (h d)"))
    return rearrange(out, "b (t h w) c -> b t c h w", t=x.shape[1], h=x.shape[3])


@torch.no_grad()
def test_full_attention_equals_attention_over_flattened_tokens(video):
    block = FullSpaceTimeAttention(C, heads=4)
    out = block(video)
    torch.testing.assert_close(out, softmax_reference(block, video), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out, mha_reference(block, video), atol=1e-5, rtol=1e-5)
    diff = changed(out, block(perturb(video, (0, 0, slice(None), 0, 0))))
    assert diff[0].all() and not diff[1].any()  # one step reaches every token of the video


def test_factorized_costs_less_than_full_and_the_gap_grows_with_tokens():
    ratios = []
    for T, side in [(2, 2), (4, 4), (8, 8), (16, 8)]:
        x = torch.randn(1, T, C, side, side)
        fact = cost(FactorizedSpaceTimeAttention(C, heads=2), x).flops
        full = cost(FullSpaceTimeAttention(C, heads=2), x).flops
        ratios.append(full / fact)
    assert ratios[-1] > 1  # 1,024 tokens: full is more expensive
    assert all(a < b for a, b in zip(ratios, ratios[1:]))  # and ever more so as T·H·W grows


@pytest.mark.parametrize(
    "block",
    [SpatialAttention, TemporalAttention, FactorizedSpaceTimeAttention, FullSpaceTimeAttention],
)
@pytest.mark.parametrize("shape", [(2, 1, C, 4, 4), (1, 3, C, 5, 3)])  # T = 1; odd H, W
def test_attention_blocks_keep_shape_for_single_frames_and_odd_sizes(block, shape):
    x = torch.randn(*shape)
    assert block(C, heads=2)(x).shape == x.shape


@pytest.mark.parametrize(
    "block",
    [SpatialAttention, TemporalAttention, FactorizedSpaceTimeAttention, FullSpaceTimeAttention],
)
def test_attention_blocks_reject_wrong_rank_and_channels(block):
    m = block(C, heads=2)
    with pytest.raises(ValueError, match=r"5 dims"):
        m(torch.randn(2, C, 4, 4))
    with pytest.raises(ValueError, match=rf"has 8 channels.*expects {C}"):
        m(torch.randn(1, 2, 8, 4, 4))


@torch.no_grad()
def test_seed_attention_with_batch_first_false_attends_over_the_wrong_axis():
    """The seed's nn.MultiheadAttention reads [(b t), (h w), c] as [sequence, batch, c]."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 2, 2, C)  # [B, T, H, W, C] as in the seed
    y = x.clone()
    y[0, 0, 0, 0] += torch.randn(C)  # one token: video 0, frame 0, pixel (0, 0)

    seed = SeedSpatioTemporalAttention(C, heads=2)  # batch_first=False, the default
    diff = (seed.spatial(x) - seed.spatial(y)).abs().amax(-1) > 1e-6  # [B, T, H, W]
    assert diff[1, 2, 0, 0]  # "spatial" attention reached another video's frame...
    assert not diff[0, 0, 1, 1]  # ...but not another pixel of the same frame
    whole = (seed(x) - seed(y)).abs().amax(-1) > 1e-6
    assert whole[1].any()  # videos in a batch leak into each other

    fixed = SeedSpatioTemporalAttention(C, heads=2, batch_first=True)
    diff = (fixed.spatial(x) - fixed.spatial(y)).abs().amax(-1) > 1e-6
    assert diff[0, 0].all()  # the whole frame, and only that frame
    diff[0, 0] = False
    assert not diff.any()
    assert not ((fixed(x) - fixed(y)).abs() > 1e-6)[1].any()
