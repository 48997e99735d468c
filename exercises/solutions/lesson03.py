"""Reference solutions for lesson 03 (factorized space-time attention)."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from einops import rearrange

from tinyvid.nn.layers import sinusoidal_embedding


def spatial_attention(x: torch.Tensor, w_qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head self-attention among the H·W positions of each frame, frames kept apart."""
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c")  # [B*T, H*W, C]
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)  # each [B*T, H*W, C]
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)  # [B*T, heads, H*W, C/heads]
    out = rearrange(out, "n h l d -> n l (h d)")  # [B*T, H*W, C]
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)  # [B, T, C, H, W]


def temporal_attention(x: torch.Tensor, w_qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head self-attention among the T frames at each position, positions kept apart."""
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")  # [B*H*W, T, C]
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)  # each [B*H*W, T, C]
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)  # [B*H*W, heads, T, C/heads]
    out = rearrange(out, "n h l d -> n l (h d)")  # [B*H*W, T, C]
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)  # [B, T, C, H, W]


def temporal_attention_with_positions(
    x: torch.Tensor, w_qkv: torch.Tensor, heads: int
) -> torch.Tensor:
    """Temporal attention that knows frame order: frame t's tokens get position t added first."""
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")  # [B*H*W, T, C]
    tokens = tokens + sinusoidal_embedding(torch.arange(T), C).to(x.dtype)  # [T, C] broadcast
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)  # each [B*H*W, T, C], all carry positions
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)  # [B*H*W, heads, T, C/heads]
    out = rearrange(out, "n h l d -> n l (h d)")  # [B*H*W, T, C]
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)  # [B, T, C, H, W]


def factorized_block(
    x: torch.Tensor,
    spatial: Callable[[torch.Tensor], torch.Tensor],
    temporal: Callable[[torch.Tensor], torch.Tensor],
    norm1: Callable[[torch.Tensor], torch.Tensor],
    norm2: Callable[[torch.Tensor], torch.Tensor],
) -> torch.Tensor:
    """Pre-norm residual: spatial step, then temporal step, each with its own norm."""
    x = x + spatial(norm1(x))  # [B, T, C, H, W], residual added to the input, not to norm1(x)
    return x + temporal(norm2(x))  # [B, T, C, H, W]


def attention_flops(T: int, H: int, W: int, D: int) -> tuple[int, int]:
    """FLOPs of the attention core (scores and weighted sum) for one video, full vs factorized."""
    N = H * W  # tokens per frame
    full = 4 * (T * N) ** 2 * D  # one sequence of T*N tokens
    spatial = T * 4 * N**2 * D  # T sequences of N tokens
    temporal = N * 4 * T**2 * D  # N sequences of T tokens
    return full, spatial + temporal
