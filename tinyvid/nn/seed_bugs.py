"""The seed document's versions of two blocks, kept on purpose to teach their bugs.

Do not build models from these. Lessons 03 and 04 run them next to ``tinyvid.nn``'s blocks.

1. ``SeedSpatioTemporalAttention`` uses ``nn.MultiheadAttention`` with its default
   ``batch_first=False``, so it reads ``[(b t), (h w), c]`` as ``[sequence, batch, c]``:
   the "spatial" step attends over frames *and other videos of the batch* at one position,
   and the "temporal" step attends over positions *and videos* within one frame. It also adds
   the residual to the normalised tensor instead of to the input. Pass ``batch_first=True`` to
   see the axes fixed (the residual stays as the seed wrote it).
2. ``SeedTemporal3DConvBlock`` reuses one ``GroupNorm`` after both the spatial and the temporal
   convolution, so two different feature distributions share one set of statistics' affine
   parameters; ``tinyvid.nn.conv.Conv2Plus1dBlock`` gives each conv its own norm.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn


class SeedSpatioTemporalAttention(nn.Module):
    """The seed's factorized attention on ``[B, T, H, W, C]`` (channels last, as in the seed)."""

    def __init__(self, dim: int, heads: int = 8, batch_first: bool = False):
        super().__init__()
        self.spatial_attn = nn.MultiheadAttention(dim, heads, batch_first=batch_first)
        self.temporal_attn = nn.MultiheadAttention(dim, heads, batch_first=batch_first)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)

    def spatial(self, x: torch.Tensor) -> torch.Tensor:
        """The "within each frame" step: ``[B, T, H, W, C] -> [B, T, H, W, C]``."""
        B, T, H, W, C = x.shape
        s = rearrange(x, "b t h w c -> (b t) (h w) c")  # [B*T, H*W, C]
        s = self.norm1(s)
        s = s + self.spatial_attn(s, s, s, need_weights=False)[0]  # residual on the normed tensor
        return rearrange(s, "(b t) (h w) c -> b t h w c", b=B, h=H)  # [B, T, H, W, C]

    def temporal(self, x: torch.Tensor) -> torch.Tensor:
        """The "across frames" step: ``[B, T, H, W, C] -> [B, T, H, W, C]``."""
        B, T, H, W, C = x.shape
        s = rearrange(x, "b t h w c -> (b h w) t c")  # [B*H*W, T, C]
        s = self.norm2(s)
        s = s + self.temporal_attn(s, s, s, need_weights=False)[0]
        return rearrange(s, "(b h w) t c -> b t h w c", b=B, h=H)  # [B, T, H, W, C]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.spatial(x))  # [B, T, H, W, C]


class SeedTemporal3DConvBlock(nn.Module):
    """The seed's (2+1)D block on ``[B, C, T, H, W]``: one GroupNorm shared by both convs."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.spatial_conv = nn.Conv3d(in_channels, out_channels, (1, 3, 3), padding=(0, 1, 1))
        self.temporal_conv = nn.Conv3d(out_channels, out_channels, (3, 1, 1), padding=(1, 0, 0))
        self.norm = nn.GroupNorm(8, out_channels)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.norm(self.spatial_conv(x)))  # [B, C_out, T, H, W]
        return self.act(self.norm(self.temporal_conv(x)))  # same norm again: the bug
