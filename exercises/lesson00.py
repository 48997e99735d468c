"""Lesson 00 (welcome; why video is hard): the worked example and the graded exercises."""

from __future__ import annotations

import math

import torch

from exercises.cases import rand_video, randint
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
        "Multiply all five sizes of video.shape together (a tensor can also count its own "
        "values: look for the method that gives its number of elements).",
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
        "Give flip only the time axis, and return its result (a new tensor). NumPy's "
        "video[:, ::-1] does not work in torch: negative steps are not allowed.",
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


# ------------------------------------------------------------------ why video is hard: costs
@exercise(
    lesson="00",
    solution=solutions.pixel_count,
    points=1,
    difficulty=1,
    minutes=3,
    compare=exact(),
    spec=lambda seconds, fps, height, width: sum(
        height * width for _ in range(seconds * fps)
    ),
    hints=[
        "First count the frames: a clip of `seconds` seconds at `fps` frames per second.",
        "Frames = seconds * fps; each frame has height * width pixels.",
        "Multiply the number of frames by the pixels of one frame, with integer arithmetic "
        "only (no /, no float factors), so the result stays a Python int.",
    ],
    mistakes=[
        ("you used the seconds as the number of frames (forgot × fps)",
         lambda s, f, h, w: s * h * w),
        ("you counted the pixels of a single frame (forgot the frames)", lambda s, f, h, w: h * w),
        ("you multiplied by 3 colour channels: that counts values, not pixels",
         lambda s, f, h, w: 3 * s * f * h * w),
        ("you added height and width instead of multiplying them",
         lambda s, f, h, w: s * f * (h + w)),
    ],
)
def pixel_count(gen: torch.Generator):
    """The seed's 1080p clip; one frame; odd and non-square sizes; 4K."""
    yield Case(10, 30, 1080, 1920, label="10 s of 1080p at 30 fps (the seed's example)")
    yield Case(1, 1, 64, 64, label="one frame (1 s at 1 fps)")
    yield Case(3, 24, 7, 13, label="odd, non-square frames")
    yield Case(60, 60, 2160, 3840, label="a minute of 4K at 60 fps")
    yield Case(randint(gen, 1, 20), randint(gen, 1, 30), randint(gen, 1, 99), randint(gen, 1, 99),
               label="random sizes")


_DTYPES = {torch.float32: 4, torch.float16: 2, torch.bfloat16: 2, torch.uint8: 1, torch.float64: 8}


@exercise(
    lesson="00",
    solution=solutions.video_bytes,
    points=1,
    difficulty=1,
    minutes=4,
    compare=exact(),
    spec=lambda shape, dtype: _DTYPES[dtype] * math.prod(shape),
    errors=[
        ("finfo", "torch.finfo describes floating-point dtypes only, and uint8 is an integer "
                  "dtype (torch.iinfo describes those). A rule that works for every dtype: ask "
                  "a one-value tensor of that dtype for the size of one element."),
    ],
    hints=[
        "Bytes = (how many values) × (bytes per value). The shape gives the first, the dtype the second.",
        "Multiply all the sizes in `shape` (math.prod). Bytes per value: float32 4, float16 2, uint8 1; "
        "torch can tell you: torch.empty((), dtype=dtype).element_size().",
        "math.prod gives a Python int (np.prod gives a NumPy integer, which is not an int). "
        "torch.finfo only knows floating-point dtypes: for a rule that covers uint8 too, ask a "
        "one-value tensor of that dtype how many bytes one of its elements takes.",
    ],
    mistakes=[
        ("you assumed 4 bytes per value whatever the dtype (float32)",
         lambda shape, dtype: 4 * math.prod(shape)),
        ("you counted bits, not bytes (8 bits in a byte)",
         lambda shape, dtype: 8 * _DTYPES[dtype] * math.prod(shape)),
        ("you returned the number of values, not bytes", lambda shape, dtype: math.prod(shape)),
        ("you left out the batch (the first size of the shape)",
         lambda shape, dtype: _DTYPES[dtype] * math.prod(shape[1:])),
    ],
)
def video_bytes(gen: torch.Generator):
    """Real video sizes at float32, float16 and uint8; one frame; batch 1 with odd sizes."""
    yield Case((1, 300, 3, 1080, 1920), torch.float32, label="10 s of 1080p RGB, float32")
    yield Case((1, 300, 3, 1080, 1920), torch.float16, label="the same in float16")
    yield Case((4, 16, 1, 64, 64), torch.uint8, label="a Moving MNIST batch as uint8")
    yield Case((2, 1, 3, 5, 7), torch.bfloat16, label="T = 1, bfloat16, odd sizes")
    yield Case((randint(gen, 2, 5), randint(gen, 2, 30), 4, 64, 64), torch.float32,
               label="random latent batch, float32")


def _matmul_flops(m: int, k: int, n: int) -> int:
    """[m, k] @ [k, n]: m·n dot products of length k, a multiply and an add each."""
    return sum(2 * k for _ in range(m * n))


def _full_attention_flops_spec(T: int, H: int, W: int, dim: int) -> int:
    N = T * H * W
    projections = sum(_matmul_flops(N, dim, dim) for _ in ("q", "k", "v", "out"))
    return projections + _matmul_flops(N, dim, N) + _matmul_flops(N, N, dim)  # Q·Kᵀ, scores·V


def _layer(core, linear):
    """A wrong count built from a wrong core and a wrong count of the linear layers."""
    return lambda T, H, W, dim: core(T * H * W, H * W, dim) + linear(T * H * W, dim)


_CORE = lambda N, n, d: 4 * N**2 * d  # noqa: E731  (right)
_LINEAR = lambda N, d: 8 * N * d**2  # noqa: E731  (right)


@exercise(
    lesson="00",
    solution=solutions.full_attention_flops,
    points=1,
    difficulty=2,
    minutes=6,
    compare=exact(),
    spec=_full_attention_flops_spec,
    hints=[
        "Two parts: the attention core (the formula above, with N = T·H·W tokens), and the "
        "linear layers: the ones that make Q, K and V from the tokens, and the output "
        "projection that mixes the heads' results back.",
        "A linear layer dim -> dim applied to N tokens is an [N, dim] @ [dim, dim] matmul: N·dim "
        "outputs, each a dot product of length dim, at 2 FLOPs per multiply-add. Biases are "
        "not counted.",
        "How many such linear layers does one attention layer have? Count them, add their cost "
        "to the core's, and keep to integer arithmetic so the result is an exact Python int.",
    ],
    mistakes=[
        ("you counted only the attention core: the linear layers that make Q, K, V and the "
         "output projection cost FLOPs too", _layer(_CORE, lambda N, d: 0)),
        ("three linear layers (Q, K, V): the output projection is a fourth",
         _layer(_CORE, lambda N, d: 6 * N * d**2)),
        ("the linear layers counted in multiply-adds: a multiply-add is 2 FLOPs",
         _layer(_CORE, lambda N, d: 4 * N * d**2)),
        ("only one of the core's two matrix products (scores Q·Kᵀ, then scores·V), or a "
         "multiply-add counted as one FLOP", _layer(lambda N, n, d: 2 * N**2 * d, _LINEAR)),
        ("you counted the tokens of one frame only (H·W), not of the whole video",
         lambda T, H, W, dim: 4 * (H * W) ** 2 * dim + 8 * H * W * dim**2),
        ("the core grows with the square of the number of tokens, not linearly",
         _layer(lambda N, n, d: 4 * N * d, _LINEAR)),
        ("you treated the frames as separate sequences (T·(H·W)²): that is spatial attention",
         _layer(lambda N, n, d: 4 * (N // n) * n**2 * d, _LINEAR)),
    ],
)
def full_attention_flops(gen: torch.Generator):
    """Moving MNIST latents; one frame; odd sizes; one token; tokens = 2·dim; random sizes."""
    yield Case(16, 8, 8, 128, label="16 frames of 8×8 latents, width 128")
    yield Case(1, 8, 8, 64, label="T = 1 (one frame: plain image attention)")
    yield Case(5, 3, 7, 16, label="odd, non-square")
    yield Case(1, 1, 1, 1, label="a single token of width 1")
    yield Case(2, 4, 4, 16, label="32 tokens of width 16 (core and linear layers cost the same)")
    yield Case(randint(gen, 2, 8), randint(gen, 1, 8), randint(gen, 1, 8), 8 * randint(gen, 1, 16),
               label="random sizes")
