"""Reference solutions for lesson 07 (DiT, spacetime patches and the state of the art)."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from einops import rearrange


def patchify(video: torch.Tensor, patch_frames: int, patch_size: int) -> torch.Tensor:
    """[B, T, C, H, W] -> [B, T/pt, (H/p)*(W/p), pt*p*p*C]: one token per spacetime patch."""
    return rearrange(
        video, "b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)",
        pt=patch_frames, p=patch_size, q=patch_size,
    )  # [B, T/pt, H/p*W/p, pt*p*p*C]


def unpatchify(tokens: torch.Tensor, patch_frames: int, patch_size: int, height: int) -> torch.Tensor:
    """[B, T', N, pt*p*p*C] -> [B, T'*pt, C, H, W]; the patch grid is H/p rows of N/(H/p) patches."""
    return rearrange(
        tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)",
        h=height // patch_size, pt=patch_frames, p=patch_size, q=patch_size,
    )  # [B, T, C, H, W]


def adaln_zero_step(
    x: torch.Tensor,
    c: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    sublayer: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """One adaLN-Zero residual step on tokens [B, L, D] conditioned on c [B, D]."""
    shift, scale, gate = (F.silu(c) @ weight.T + bias).chunk(3, dim=-1)  # each [B, D]
    h = F.layer_norm(x, (x.shape[-1],), eps=1e-6)  # [B, L, D], no learned gain or bias
    h = h * (1 + scale[:, None]) + shift[:, None]  # [B, L, D]: scale 0 leaves the norm alone
    return x + gate[:, None] * sublayer(h)  # [B, L, D]: gate 0 makes the step the identity


def token_count(
    num_frames: int,
    height: int,
    width: int,
    vae_time: int,
    vae_space: int,
    patch_time: int,
    patch_space: int,
) -> int:
    """Tokens of one clip after the autoencoder and the spacetime patches, rounding up."""

    def up(a: int, b: int) -> int:
        return -(-a // b)  # ceil(a / b) in integers

    t = up(up(num_frames, vae_time), patch_time)
    h = up(up(height, vae_space), patch_space)
    w = up(up(width, vae_space), patch_space)
    return t * h * w


def attention_cost(num_tokens: int, dim: int, heads: int, bytes_per_element: int) -> tuple[int, int]:
    """(FLOPs of the attention core, bytes of the stored heads×L×L score matrix) for one layer."""
    flops = 2 * num_tokens * num_tokens * dim  # scores Q·Kᵀ: L×L dot products of length dim
    flops += 2 * num_tokens * num_tokens * dim  # weighted sum of the values
    return flops, heads * num_tokens * num_tokens * bytes_per_element
