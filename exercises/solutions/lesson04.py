"""Reference solutions for lesson 04 (3D and (2+1)D convolutions, temporal layers in a U-Net)."""

import torch
import torch.nn.functional as F
from einops import rearrange


def conv2plus1d(x: torch.Tensor, params: dict[str, torch.Tensor], groups: int) -> torch.Tensor:
    """(2+1)D block: 1×3×3 conv, GroupNorm, SiLU, then 3×1×1 conv, its own GroupNorm, SiLU."""
    h = rearrange(x, "b t c h w -> b c t h w")  # [B, C_in, T, H, W]: what conv3d expects
    h = F.conv3d(h, params["spatial.weight"], params["spatial.bias"], padding=(0, 1, 1))
    h = F.silu(F.group_norm(h, groups, params["norm1.weight"], params["norm1.bias"]))
    # h: [B, C_out, T, H, W]
    h = F.conv3d(h, params["temporal.weight"], params["temporal.bias"], padding=(1, 0, 0))
    h = F.silu(F.group_norm(h, groups, params["norm2.weight"], params["norm2.bias"]))
    return rearrange(h, "b c t h w -> b t c h w")  # [B, T, C_out, H, W]


def identity_temporal_kernel(channels: int, kernel_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of a k×1×1 Conv3d that passes every frame through unchanged."""
    weight = torch.zeros(channels, channels, kernel_size, 1, 1)  # [C_out, C_in, k, 1, 1]
    weight[:, :, kernel_size // 2, 0, 0] = torch.eye(channels)  # centre tap: identity matrix
    return weight, torch.zeros(channels)


def inflate_conv(
    weight: torch.Tensor, bias: torch.Tensor, kernel_size: int
) -> dict[str, torch.Tensor]:
    """Parameters of ``s = Conv3d_{1×kh×kw}(x); y = s + TemporalConv(s)`` equal to the 2D conv."""
    C_out = weight.shape[0]
    return {
        "spatial.weight": rearrange(weight, "o i kh kw -> o i 1 kh kw").clone(),  # a 1-frame kernel
        "spatial.bias": bias.clone(),
        "temporal.weight": weight.new_zeros(C_out, C_out, kernel_size, 1, 1),  # zero: branch adds 0
        "temporal.bias": bias.new_zeros(C_out),
    }
