"""Reference solutions for lesson 01 (video tensors)."""

from collections.abc import Callable

import torch
from einops import rearrange

from tinyvid.data import VideoLabels
from tinyvid.text import DIRECTIONS, SPEEDS


def bounce_step(
    pos: torch.Tensor, vel: torch.Tensor, limit: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One frame of motion with reflection at the walls 0 and ``limit`` (each axis on its own)."""
    new_pos = pos + vel  # [..., 2]
    below, above = new_pos < 0, new_pos > limit  # exactly on a wall is not past it
    new_pos = torch.where(below, -new_pos, new_pos)  # mirror in the wall at 0
    new_pos = torch.where(above, 2 * limit - new_pos, new_pos)  # mirror in the wall at limit
    new_vel = torch.where(below | above, -vel, vel)  # a bounce reverses that component only
    return new_pos, new_vel


def apply_per_frame(
    fn: Callable[[torch.Tensor], torch.Tensor], video: torch.Tensor
) -> torch.Tensor:
    """Run an image function on every frame: ``[B, T, C, H, W] -> [B, T, C', H', W']``."""
    B = video.shape[0]
    frames = rearrange(video, "b t c h w -> (b t) c h w")  # [B*T, C, H, W]
    out = fn(frames)  # [B*T, C', H', W']
    return rearrange(out, "(b t) c h w -> b t c h w", b=B)  # [B, T, C', H', W']


def temporal_crop(video: torch.Tensor, start: int, length: int, stride: int = 1) -> torch.Tensor:
    """Frames ``start, start + stride, ...``, ``length`` of them: ``[B, length, C, H, W]``."""
    stop = start + (length - 1) * stride + 1  # one past the last frame taken
    return video[:, start:stop:stride]  # [B, length, C, H, W]


def make_captions(labels: VideoLabels) -> list[str]:
    """The prompt of every video in a batch, from its labels (the grammar of tinyvid.text)."""

    def a(digit: int) -> str:
        return f"{'an' if digit == 8 else 'a'} {digit}"  # "an 8", "a 7"

    captions = []
    for i in range(len(labels.digits)):
        first, second = labels.digits[i].tolist()
        if int(labels.num_digits[i]) == 2:
            captions.append(f"{a(first)} and {a(second)} bouncing")
        else:
            text = f"{a(first)} moving {DIRECTIONS[int(labels.directions[i, 0])]}"
            if SPEEDS[int(labels.speeds[i])] == "slow":
                text += " slowly"
            captions.append(text)
    return captions
