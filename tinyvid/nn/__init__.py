"""Building blocks of tinyvid's video models (see README.md in this folder).

Every block takes and returns ``[B, T, C, H, W]``; every model follows
``model(x_t [B, T, c, h, w], t [B], cond: Cond) -> [B, T, c, h, w]``.
"""

from tinyvid.nn.attention import (
    FactorizedSpaceTimeAttention,
    FullSpaceTimeAttention,
    SelfAttention,
    SpatialAttention,
    TemporalAttention,
)
from tinyvid.nn.autoencoder import AutoencoderConfig, FrameAutoencoder
from tinyvid.nn.cond import Cond
from tinyvid.nn.conv import Conv2Plus1dBlock, Conv3dBlock, TemporalConv, TemporalConvBlock
from tinyvid.nn.dit import DiT, DiTBlock, DiTConfig, patchify, unpatchify
from tinyvid.nn.measure import Cost, cost
from tinyvid.nn.text import TextEncoder, TextEncoderConfig
from tinyvid.nn.unet import ImageUNet, UNetConfig, VideoUNet, inflate, is_temporal

__all__ = [
    "AutoencoderConfig",
    "Cond",
    "Conv2Plus1dBlock",
    "Conv3dBlock",
    "Cost",
    "DiT",
    "DiTBlock",
    "DiTConfig",
    "FactorizedSpaceTimeAttention",
    "FrameAutoencoder",
    "FullSpaceTimeAttention",
    "ImageUNet",
    "SelfAttention",
    "SpatialAttention",
    "TemporalAttention",
    "TemporalConv",
    "TemporalConvBlock",
    "TextEncoder",
    "TextEncoderConfig",
    "UNetConfig",
    "VideoUNet",
    "cost",
    "inflate",
    "is_temporal",
    "patchify",
    "unpatchify",
]
