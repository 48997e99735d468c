"""Lesson 00 (welcome): the worked example and the first exercise."""

from __future__ import annotations

import torch

from exercises.cases import rand_video
from exercises.compare import exact
from exercises.core import Case, exercise
from exercises.solutions import lesson00 as solutions


@exercise(
    lesson="00",
    solution=solutions.count_values,
    points=0,
    difficulty=1,
    minutes=2,
    example=True,
    compare=exact(),
    hints=[
        "A video tensor has five axes [B, T, C, H, W]; every one of them multiplies the count.",
        "Multiply all five sizes of video.shape together, or ask the tensor: video.numel().",
    ],
    mistakes=[
        (
            "frames times pixels of one frame, forgetting batch and channels",
            lambda v: v.shape[1] * v.shape[3] * v.shape[4],
        ),
        ("only the first axis: len(video) is the batch size", lambda v: len(v)),
    ],
    spec=lambda video: sum(1 for _ in video.flatten().tolist()),
)
def count_values(gen: torch.Generator):
    """Random videos; batch 1; one frame; several channels; odd sizes."""
    yield Case(rand_video(gen), label="random shape")
    yield Case(rand_video(gen, (1, 4, 1, 5, 7)), label="batch 1")
    yield Case(rand_video(gen, (2, 1, 1, 6, 6)), label="T = 1")
    yield Case(rand_video(gen, (2, 3, 3, 5, 9)), label="3 channels, odd sizes")


def _reverse_time_spec(video: torch.Tensor) -> torch.Tensor:
    """Frame by frame, the slow obvious way."""
    T = video.shape[1]
    return torch.stack([video[:, T - 1 - t] for t in range(T)], dim=1)


@exercise(
    lesson="00",
    solution=solutions.reverse_time,
    points=1,
    difficulty=1,
    minutes=3,
    compare=exact(),
    spec=_reverse_time_spec,
    hints=[
        "Time is axis 1 of a [B, T, C, H, W] video; only that axis changes order.",
        "torch.flip(x, dims=[d]) reverses axis d and returns a new tensor.",
        "video.flip(dims=[1]). (NumPy's video[:, ::-1] is not allowed in torch: negative steps.)",
    ],
    mistakes=[
        ("you reversed the batch (axis 0) instead of time (axis 1)", lambda v: v.flip(0)),
        ("you reversed the width (the last axis): a mirror image, not time", lambda v: v.flip(-1)),
        ("you reversed the height (axis 3): an upside-down video", lambda v: v.flip(3)),
        ("you reversed every axis", lambda v: v.flip(dims=list(range(v.dim())))),
    ],
)
def reverse_time(gen: torch.Generator):
    """Random videos; one frame; batch 1 with an odd number of frames; several channels."""
    yield Case(rand_video(gen), label="random shape")
    yield Case(rand_video(gen, (3, 1, 1, 4, 4)), label="T = 1 (nothing to reverse)")
    yield Case(rand_video(gen, (1, 5, 1, 7, 3)), label="batch 1, odd T and sizes")
    yield Case(rand_video(gen, (2, 6, 3, 5, 5)), label="3 channels")
