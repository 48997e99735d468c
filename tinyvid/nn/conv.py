"""Convolutions over videos: full 3D, factorized (2+1)D, and a temporal conv that starts as identity.

Every block takes and returns ``[B, T, C, H, W]``; ``nn.Conv3d`` wants ``[B, C, T, H, W]``,
so the blocks rearrange inside (shape comments say where).
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from tinyvid.nn.layers import check_video, group_norm, zero_init


class Conv3dBlock(nn.Module):
    """3×3×3 convolution, GroupNorm, SiLU: ``[B, T, C_in, H, W] -> [B, T, C_out, H, W]``.

    One kernel sees a 3-frame, 3×3-pixel neighbourhood (Tran et al. 2015 C3D). ``27·C_in·C_out``
    weights. Frames are zero-padded at both ends, so ``T`` and ``H, W`` (odd or even) are kept.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.in_channels = in_channels
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size=3, padding=1)
        self.norm = group_norm(out_channels)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.in_channels)
        x = rearrange(x, "b t c h w -> b c t h w")  # [B, C_in, T, H, W]
        x = self.act(self.norm(self.conv(x)))  # [B, C_out, T, H, W]
        return rearrange(x, "b c t h w -> b t c h w")  # [B, T, C_out, H, W]


class Conv2Plus1dBlock(nn.Module):
    """(2+1)D convolution: 1×3×3 spatial then 3×1×1 temporal, each with its own norm and SiLU.

    ``[B, T, C_in, H, W] -> [B, T, C_out, H, W]``. Factorizing the 3×3×3 kernel (Tran et al.
    2018, R(2+1)D) costs ``9·C_in·C_mid + 3·C_mid·C_out`` weights instead of ``27·C_in·C_out``
    and adds a non-linearity between space and time. ``mid_channels`` defaults to ``C_out``
    (R(2+1)D instead picks it to match the 3D block's parameter count). The two convs see
    different feature statistics, so each gets its own GroupNorm (the seed shares one).
    """

    def __init__(self, in_channels: int, out_channels: int, mid_channels: int | None = None):
        super().__init__()
        mid = mid_channels or out_channels
        self.in_channels = in_channels
        self.spatial = nn.Conv3d(in_channels, mid, kernel_size=(1, 3, 3), padding=(0, 1, 1))
        self.norm1 = group_norm(mid)
        self.temporal = nn.Conv3d(mid, out_channels, kernel_size=(3, 1, 1), padding=(1, 0, 0))
        self.norm2 = group_norm(out_channels)
        self.act = nn.SiLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.in_channels)
        x = rearrange(x, "b t c h w -> b c t h w")  # [B, C_in, T, H, W]
        x = self.act(self.norm1(self.spatial(x)))  # [B, C_mid, T, H, W]
        x = self.act(self.norm2(self.temporal(x)))  # [B, C_out, T, H, W]
        return rearrange(x, "b c t h w -> b t c h w")  # [B, T, C_out, H, W]


class TemporalConv(nn.Module):
    """A 3×1×1 convolution over frames at each pixel; ``identity_init`` makes it the identity.

    ``[B, T, C, H, W] -> [B, T, C, H, W]``. With ``identity_init=True`` the kernel is a Dirac
    delta (centre tap = identity matrix, other taps and bias 0), so a freshly inserted layer
    passes every frame through unchanged: Make-A-Video's initialisation of its pseudo-3D
    convolutions (Singer et al. 2023, sec. 3.2).
    """

    def __init__(self, channels: int, kernel_size: int = 3, identity_init: bool = True):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd to keep T frames, got {kernel_size}")
        self.channels = channels
        self.conv = nn.Conv3d(
            channels, channels, kernel_size=(kernel_size, 1, 1), padding=(kernel_size // 2, 0, 0)
        )
        if identity_init:
            nn.init.dirac_(self.conv.weight)
            nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.channels)
        x = rearrange(x, "b t c h w -> b c t h w")  # [B, C, T, H, W]
        return rearrange(self.conv(x), "b c t h w -> b t c h w")  # [B, T, C, H, W]


class TemporalConvBlock(nn.Module):
    """Residual temporal conv ``x + Conv_t(SiLU(GroupNorm(x)))`` with the conv zero-initialised.

    ``[B, T, C, H, W] -> [B, T, C, H, W]``. Identity at initialisation because the residual
    branch outputs 0 (the zero-init used by Blattmann et al. 2023 and AnimateDiff when adding
    temporal layers to a pretrained image model); ``tinyvid.nn.unet.inflate`` inserts it after
    every spatial ResBlock.
    """

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.channels = channels
        self.norm = group_norm(channels)
        self.act = nn.SiLU()
        self.conv = TemporalConv(channels, kernel_size, identity_init=False)
        zero_init(self.conv)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.channels)
        B, T, C, H, W = x.shape
        h = rearrange(x, "b t c h w -> (b t) c h w")  # [B*T, C, H, W]
        h = self.act(self.norm(h))  # GroupNorm per frame, as in the image model
        h = rearrange(h, "(b t) c h w -> b t c h w", t=T)  # [B, T, C, H, W]
        return x + self.conv(h)  # [B, T, C, H, W]
