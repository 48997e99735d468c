"""Small pieces every model shares: shape checks, timestep embedding, norms, ``modulate``.

Kept in one place so that the attention, U-Net and DiT files read as the idea they teach.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def check_video(x: torch.Tensor, channels: int | None = None, name: str = "x") -> None:
    """Raise a ``ValueError`` unless ``x`` is a ``[B, T, C, H, W]`` video (with ``C == channels``)."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor [B, T, C, H, W], got {type(x).__name__}")
    if x.ndim != 5:
        raise ValueError(
            f"{name} must be a video [B, T, C, H, W] (5 dims), got shape {tuple(x.shape)} "
            f"({x.ndim} dims); add a frame axis with x.unsqueeze(1) for images"
        )
    if channels is not None and x.shape[2] != channels:
        raise ValueError(
            f"{name} has {x.shape[2]} channels (shape {tuple(x.shape)}, axis 2 of [B, T, C, H, W]); "
            f"this block expects {channels}"
        )


def with_tuples(d: dict, keys: tuple[str, ...]) -> dict:
    """A copy of the config dict ``d`` with its ``keys`` made tuples (JSON stores lists)."""
    return {k: tuple(v) if k in keys else v for k, v in d.items()}


def check_time(t: torch.Tensor, batch: int) -> torch.Tensor:
    """Return diffusion time as a float ``[B]`` tensor, or raise a ``ValueError``.

    A Python float or a 0-d tensor is broadcast to the batch (one time per video, never per frame).
    """
    t = torch.as_tensor(t, dtype=torch.float32)
    if t.ndim == 0:
        t = t.expand(batch)  # [B]
    if t.ndim != 1 or t.shape[0] != batch:
        raise ValueError(
            f"t must be a [B] = [{batch}] tensor of times in [0, 1] (one per video), "
            f"got shape {tuple(t.shape)}"
        )
    return t


def num_groups(channels: int, max_groups: int = 8) -> int:
    """Largest group count ``<= max_groups`` that divides ``channels`` (GroupNorm needs one)."""
    for g in range(min(max_groups, channels), 0, -1):
        if channels % g == 0:
            return g
    return 1


def group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 8 groups: our channel counts are small (Wu & He 2018)."""
    return nn.GroupNorm(num_groups(channels), channels)


def sinusoidal_embedding(
    positions: torch.Tensor, dim: int, max_period: float = 10_000.0
) -> torch.Tensor:
    """Sin/cos features of ``positions`` ``[N]`` -> ``[N, dim]`` (Vaswani et al. 2017, sec. 3.5)."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period)
        * torch.arange(half, dtype=torch.float32, device=positions.device)
        / half
    )  # [dim/2]
    angles = positions.float()[:, None] * freqs[None]  # [N, dim/2]
    emb = torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)  # [N, 2*(dim/2)]
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)  # [N, dim]
    return emb


class TimestepEmbedder(nn.Module):
    """Continuous diffusion time ``t`` ``[B]`` in ``[0, 1]`` -> conditioning vector ``[B, dim]``.

    Sinusoidal features of ``1000 * t`` (so the frequencies match the usual integer-step
    embedding of DDPM, Ho et al. 2020) followed by a two-layer MLP, as in DiT (Peebles & Xie 2023).
    """

    def __init__(self, dim: int, freq_dim: int = 128):
        super().__init__()
        self.freq_dim = freq_dim
        self.mlp = nn.Sequential(nn.Linear(freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        freqs = sinusoidal_embedding(1000.0 * t, self.freq_dim)  # [B, freq_dim]
        return self.mlp(freqs.to(self.mlp[0].weight.dtype))  # [B, dim]


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """adaLN's affine: ``x * (1 + scale) + shift`` with per-sample ``shift, scale`` ``[B, D]``.

    ``x`` is ``[B, ..., D]``; the conditioning broadcasts over every token (DiT, eq. in sec. 3.2).
    """
    extra = x.ndim - 2
    shift = shift.reshape(shift.shape[0], *([1] * extra), shift.shape[-1])  # [B, 1.., D]
    scale = scale.reshape(scale.shape[0], *([1] * extra), scale.shape[-1])  # [B, 1.., D]
    return torch.addcmul(shift, x, 1 + scale)  # x * (1 + scale) + shift, one fused op


def zero_init(module: nn.Module) -> nn.Module:
    """Set every parameter of ``module`` to zero and return it (the output layer of a new branch)."""
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


def known_frames_input(
    x_t: torch.Tensor, known_mask: torch.Tensor | None, known: torch.Tensor | None
):
    """Stack the known frames and their mask onto the noisy video as extra channels.

    ``x_t`` ``[B, T, c, h, w]``, ``known_mask`` ``[B, T]`` (1 = frame given), ``known``
    ``[B, T, c, h, w]`` -> ``[B, T, 2c+1, h, w]`` = ``(x_t, known * mask, mask)``. Missing
    ``known_mask``/``known`` mean "no frame known" (text-to-video): zeros. This is how one
    masked model serves T2V, I2V, extension and interpolation (Voleti et al. 2022 MCVD;
    Blattmann et al. 2023 SVD concatenates the conditioning frame the same way).
    """
    B, T, c, h, w = x_t.shape
    if known_mask is None:
        mask = x_t.new_zeros(B, T)  # [B, T]
    else:
        if tuple(known_mask.shape) != (B, T):
            raise ValueError(
                f"cond.known_mask must be [B, T] = [{B}, {T}], got {tuple(known_mask.shape)}"
            )
        mask = known_mask.to(x_t.dtype)  # [B, T]
    if known is None:
        if known_mask is not None and bool(mask.any()):
            raise ValueError("cond.known_mask marks known frames but cond.known is None")
        known = torch.zeros_like(x_t)  # [B, T, c, h, w]
    elif tuple(known.shape) != tuple(x_t.shape):
        raise ValueError(
            f"cond.known must have the shape of x_t {tuple(x_t.shape)}, got {tuple(known.shape)}"
        )
    mask = mask[:, :, None, None, None]  # [B, T, 1, 1, 1]
    mask_channel = mask.expand(B, T, 1, h, w)  # [B, T, 1, h, w]
    return torch.cat([x_t, known.to(x_t.dtype) * mask, mask_channel], dim=2)  # [B, T, 2c+1, h, w]
