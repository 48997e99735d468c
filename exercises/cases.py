"""Helpers for case generators: random videos and shapes from a seeded ``torch.Generator``."""

from __future__ import annotations

import torch


def randint(gen: torch.Generator, low: int, high: int) -> int:
    """A random int in ``[low, high]`` (both included)."""
    return int(torch.randint(low, high + 1, (1,), generator=gen))


def video_shape(
    gen: torch.Generator,
    batch: tuple[int, int] = (1, 3),
    frames: tuple[int, int] = (2, 8),
    channels: tuple[int, int] = (1, 3),
    size: tuple[int, int] = (3, 12),
) -> tuple[int, int, int, int, int]:
    """A random ``(B, T, C, H, W)``; H and W drawn separately, so frames are often not square."""
    return (
        randint(gen, *batch),
        randint(gen, *frames),
        randint(gen, *channels),
        randint(gen, *size),
        randint(gen, *size),
    )


def rand_video(
    gen: torch.Generator, shape: tuple[int, ...] | None = None, **ranges
) -> torch.Tensor:
    """A random float32 video in ``[0, 1]``, of ``shape`` or of a random ``video_shape``."""
    shape = shape if shape is not None else video_shape(gen, **ranges)
    return torch.rand(shape, generator=gen)
