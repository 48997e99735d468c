"""Reference solutions for lesson 00 (welcome)."""

import torch


def count_values(video: torch.Tensor) -> int:
    """How many numbers a video ``[B, T, C, H, W]`` holds: B·T·C·H·W."""
    return video.numel()


def reverse_time(video: torch.Tensor) -> torch.Tensor:
    """Play a video backwards: frame t of the output is frame T-1-t of the input."""
    return video.flip(dims=[1])  # [B, T, C, H, W], axis 1 is time
