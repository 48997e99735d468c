"""Temporal metrics: flicker, motion smoothness and teleportation, read off the pixels.

All take pixel videos ``[B, T, C, H, W]`` in ``[0, 1]`` (Moving MNIST has ``C = 1``) and need
no network. They are meant to be read *relative to real videos*: real Moving MNIST already
changes between frames (the digits move) and already accelerates (bounces), so the question
is "how far from real", not "how close to zero".

- **flicker**: temporal total variation, the mean ``|x_t - x_{t-1}|`` over pixels and frame
  pairs. Independent per-frame noise or per-frame re-generation (an image model run frame by
  frame) raises it; a frozen video has 0.
- **smoothness**: mean acceleration of the digits' centre of mass (intensity-weighted
  centroid), ``|c_{t+1} - 2 c_t + c_{t-1}|`` in pixels per frame². Constant-velocity motion
  has 0 except at bounces.
- **teleportation rate**: the share of frame transitions in which the centroid jumps more than
  a threshold (8 px by default; Moving MNIST digits move at most 3 px per frame, bounces
  included), i.e. content that vanishes in one place and reappears in another.
"""

from __future__ import annotations

import torch

from tinyvid.inputs import check_videos
from tinyvid.nn.detector import centroid_tracks  # the detector reads it too

JUMP_PX = 8.0  # default teleportation threshold: real digits move ≤ 3 px (≈ 4.3 px diagonally)


def check_pixel_videos(videos: torch.Tensor, min_frames: int = 1, name: str = "videos") -> None:
    """Raise a ``ValueError`` unless ``videos`` is ``[B, T, C, H, W]`` float in ``[0, 1]``."""
    check_videos(videos, min_frames=min_frames, name=name)


def relative_to_real(value: float, real_value: float) -> float:
    """``value / real_value``: 1.0 means "as real videos"; ``inf`` if real is 0 and value isn't."""
    if real_value == 0:
        return 1.0 if value == 0 else float("inf")
    return float(value) / float(real_value)


# ---------------------------------------------------------------------------------------------
# flicker
# ---------------------------------------------------------------------------------------------
def flicker(videos: torch.Tensor) -> torch.Tensor:
    """Temporal total variation of each video: mean ``|x_t - x_{t-1}|``, ``[B]``, in ``[0, 1]``."""
    check_pixel_videos(videos, min_frames=2)
    diff = (videos[:, 1:] - videos[:, :-1]).abs()  # [B, T-1, C, H, W]
    return diff.flatten(1).mean(dim=1)  # [B]


def flicker_relative(generated: torch.Tensor, real: torch.Tensor) -> float:
    """Mean flicker of ``generated`` over mean flicker of ``real`` (1.0 = real level)."""
    return relative_to_real(float(flicker(generated).mean()), float(flicker(real).mean()))


# ---------------------------------------------------------------------------------------------
# centroid tracks: smoothness and teleportation
# ---------------------------------------------------------------------------------------------
def smoothness(videos: torch.Tensor, background: float = 0.1) -> torch.Tensor:
    """Mean centroid acceleration ``|c_{t+1} - 2 c_t + c_{t-1}|`` per video, ``[B]`` px/frame².

    Lower is smoother; real Moving MNIST is not 0 (bounces, integer pixel positions), so
    compare with :func:`smoothness_relative`. Needs ``T >= 3``.
    """
    check_pixel_videos(videos, min_frames=3)
    c = centroid_tracks(videos, background)  # [B, T, 2]
    acc = c[:, 2:] - 2 * c[:, 1:-1] + c[:, :-2]  # [B, T-2, 2]
    return acc.norm(dim=-1).mean(dim=1)  # [B]


def smoothness_relative(generated: torch.Tensor, real: torch.Tensor) -> float:
    """Mean acceleration of ``generated`` over that of ``real`` (1.0 = as smooth as real)."""
    return relative_to_real(float(smoothness(generated).mean()), float(smoothness(real).mean()))


def centroid_jumps(videos: torch.Tensor, background: float = 0.1) -> torch.Tensor:
    """Centroid displacement between consecutive frames, ``[B, T-1]`` in pixels."""
    check_pixel_videos(videos, min_frames=2)
    c = centroid_tracks(videos, background)  # [B, T, 2]
    return (c[:, 1:] - c[:, :-1]).norm(dim=-1)  # [B, T-1]


def teleportation_rate(
    videos: torch.Tensor, threshold: float = JUMP_PX, background: float = 0.1
) -> float:
    """Share of frame transitions whose centroid jumps more than ``threshold`` px, in ``[0, 1]``."""
    if threshold <= 0:
        raise ValueError(f"threshold must be a positive number of pixels, got {threshold}")
    jumps = centroid_jumps(videos, background)  # [B, T-1]
    return float((jumps > threshold).double().mean())


def flicker_map(videos: torch.Tensor) -> torch.Tensor:
    """Per-pixel flicker ``[B, C, H, W]``: mean ``|x_t - x_{t-1}|`` over time (for heat maps)."""
    check_pixel_videos(videos, min_frames=2)
    diff = (videos[:, 1:] - videos[:, :-1]).abs()  # [B, T-1, C, H, W]
    return diff.mean(dim=1)  # [B, C, H, W]
