"""Interpolation without a generative model: the baselines video interpolation is judged against.

Given the first and last frames of a clip, fill in the frames between them:

- :func:`cross_fade`: blend the two frames linearly in time. No motion at all: the digit fades
  out where it was and in where it ends.
- :func:`flow_interpolate`: estimate optical flow between the two frames (Farnebäck 2003, via
  OpenCV), then warp both frames part of the way along it and blend (the linear flow
  approximations of Jiang et al. 2018, "Super SloMo", eq. 4). Motion, if the flow is right.

Videos are ``[B, T, 1, H, W]`` floats in [0, 1]; frames ``[B, 1, H, W]``. Flow fields are
``[B, H, W, 2]`` pixels, ``(dx, dy)``: the convention of OpenCV's ``calcOpticalFlowFarneback``,
where ``prev(y, x) ≈ next(y + dy, x + dx)``.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange


def check_frames(x, name: str) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[1] != 1:
        shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a tensor of frames [B, 1, H, W], got {shape}")


def cross_fade(first: torch.Tensor, last: torch.Tensor, num_frames: int) -> torch.Tensor:
    """``[B, T, 1, H, W]``: frame k is ``(1 - s) first + s last`` with ``s = k / (T - 1)``."""
    check_frames(first, "first")
    check_frames(last, "last")
    if num_frames < 2:
        raise ValueError(f"num_frames must be >= 2 (the first and the last frame), got {num_frames}")
    s = torch.linspace(0, 1, num_frames, dtype=first.dtype)  # [T]
    s = rearrange(s, "t -> 1 t 1 1 1")  # [1, T, 1, 1, 1]
    return (1 - s) * first[:, None] + s * last[:, None]  # [B, T, 1, H, W]


def warp_backward(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward warping: ``out(y, x) = image(y + dy(y, x), x + dx(y, x))``, bilinear.

    image: ``[B, C, H, W]``; flow: ``[B, H, W, 2]`` as ``(dx, dy)`` pixels. Every output pixel
    looks up where it comes from, so the result has no holes (forward warping, pushing each
    source pixel to where it goes, leaves holes and collisions). Outside the image reads 0.
    """
    B, C, H, W = image.shape
    if flow.shape != (B, H, W, 2):
        raise ValueError(f"flow must be [B, H, W, 2] = {[B, H, W, 2]}, got {list(flow.shape)}")
    ys, xs = torch.meshgrid(
        torch.arange(H, dtype=image.dtype), torch.arange(W, dtype=image.dtype), indexing="ij"
    )  # [H, W] each
    x = xs + flow[..., 0]  # [B, H, W]: the column each output pixel reads
    y = ys + flow[..., 1]  # [B, H, W]: the row
    grid = torch.stack([2 * x / (W - 1) - 1, 2 * y / (H - 1) - 1], dim=-1)  # [B, H, W, 2] in [-1, 1]
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def farneback_flow(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Dense optical flow from frames ``a`` to ``b`` (``[B, 1, H, W]``) -> ``[B, H, W, 2]``.

    OpenCV's Farnebäck with a 4-level pyramid and a wide window: Moving MNIST digits travel up
    to 45 px between the ends of a clip, more than a small window can follow.
    """
    check_frames(a, "a")
    check_frames(b, "b")
    to_u8 = lambda x: (x[0].clamp(0, 1).numpy() * 255).round().astype(np.uint8)  # [H, W]
    flows = [
        cv2.calcOpticalFlowFarneback(
            to_u8(x), to_u8(y), None, pyr_scale=0.5, levels=4, winsize=21, iterations=5,
            poly_n=7, poly_sigma=1.5, flags=cv2.OPTFLOW_FARNEBACK_GAUSSIAN,
        )
        for x, y in zip(a.cpu(), b.cpu())
    ]
    return torch.from_numpy(np.stack(flows)).to(a.dtype)  # [B, H, W, 2]


def flow_interpolate(first: torch.Tensor, last: torch.Tensor, num_frames: int) -> torch.Tensor:
    """``[B, T, 1, H, W]`` by flow warping: frame ``s`` blends both ends warped to time ``s``.

    With ``F01`` the flow first -> last and ``F10`` last -> first, the flows from time ``s`` to
    the ends are approximated as (Super SloMo, eq. 4)
    ``F_s0 = -(1 - s) s F01 + s² F10`` and ``F_s1 = (1 - s)² F01 - s (1 - s) F10``, and
    ``frame_s = (1 - s) warp(first, F_s0) + s warp(last, F_s1)``.
    """
    fade = cross_fade(first, last, num_frames)  # checks the inputs
    f01 = farneback_flow(first, last)  # [B, H, W, 2]
    f10 = farneback_flow(last, first)
    frames = []
    for s in torch.linspace(0, 1, num_frames).tolist():
        fs0 = -(1 - s) * s * f01 + s * s * f10
        fs1 = (1 - s) ** 2 * f01 - s * (1 - s) * f10
        frames.append((1 - s) * warp_backward(first, fs0) + s * warp_backward(last, fs1))
    out = torch.stack(frames, dim=1).clamp(0, 1)  # [B, T, 1, H, W]
    out[:, 0], out[:, -1] = fade[:, 0], fade[:, -1]  # the given frames, exactly
    return out
