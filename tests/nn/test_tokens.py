"""Token counts of spacetime patches agree with patchify, and attention costs with the counter."""

from __future__ import annotations

import pytest
import torch

from tinyvid.nn import cost, patchify
from tinyvid.nn.attention import SelfAttention
from tinyvid.nn.tokens import attention_cost, spacetime_tokens


@pytest.mark.parametrize("frames,h,w,pt,p", [(16, 8, 8, 1, 1), (8, 6, 4, 2, 2), (12, 9, 6, 4, 3)])
def test_token_count_equals_what_patchify_makes(frames, h, w, pt, p):
    tokens = patchify(torch.zeros(1, frames, 2, h, w), pt, p)  # [1, T', N, D]
    assert spacetime_tokens(frames, h, w, patch_time=pt, patch_space=p) == tokens.shape[1] * tokens.shape[2]


def test_partial_cells_and_patches_round_up():
    # 81 frames through a 4x time autoencoder: 21 latent frames (a causal VAE's 1 + 80/4)
    assert spacetime_tokens(81, 720, 1280, vae_time=4, vae_space=8, patch_space=2) == 21 * 45 * 80
    assert spacetime_tokens(5, 9, 9, vae_time=2, vae_space=2, patch_time=2, patch_space=2) == 2 * 3 * 3


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="patch_time"):
        spacetime_tokens(16, 64, 64, patch_time=0)
    with pytest.raises(ValueError, match="height"):
        spacetime_tokens(16, 64.0, 64)


def test_attention_flops_match_the_flop_counter_minus_projections():
    L, D, heads = 24, 16, 2
    attn = SelfAttention(D, heads)
    counted = cost(attn, torch.randn(1, L, D)).flops
    projections = 2 * L * D * 3 * D + 2 * L * D * D  # qkv and output linears
    flops, score_bytes = attention_cost(L, D, heads, bytes_per_element=4)
    assert counted - projections == flops
    assert score_bytes == heads * L * L * 4
