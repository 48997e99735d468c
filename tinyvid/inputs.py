"""The one place for boundary checks: videos, images, frames, steps, guidance, seeds, devices.

Pipelines, metrics, the CLI and the app call these before any model runs, so one kind of bad
input gets one message everywhere: a ``ValueError`` saying what was wrong and what is allowed.
Pixel videos cross the public API as float ``[B, T, C, H, W]`` in ``[0, 1]``; values a hair
outside (``RANGE_TOLERANCE``, rounding in a decoder or a resize) are accepted and clamped.

This module imports nothing from tinyvid: everything else may import it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from einops import rearrange

RANGE_TOLERANCE = 1e-3  # pixel values in [-tol, 1 + tol] are accepted (and clamped where converted)
MAX_STEPS = 1000  # sampling steps
MAX_SEED = 2**63 - 1


# --- numbers ---------------------------------------------------------------------------------
def integer(value, name: str, lo: int, hi: int | None = None) -> int:
    """``value`` as an ``int`` in ``[lo, hi]`` (``hi=None``: no upper bound).

    The one integer check of tinyvid, for the library and the app alike: ints (Python or
    numpy) and whole floats such as ``12.0`` (number boxes and sliders send floats) are
    accepted; bools, strings, fractions, NaN and infinities are refused.
    """
    whole = isinstance(value, (int, np.integer)) or (
        isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value)
    )
    if isinstance(value, (bool, np.bool_)) or not whole:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        allowed = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name}={value} is out of range; allowed: {allowed}")
    return value


def steps(value) -> int:
    """Sampling steps: an integer in ``[1, MAX_STEPS]``."""
    return integer(value, "steps", 1, MAX_STEPS)


def guidance(value) -> float:
    """Classifier-free guidance weight: a finite number ``>= 0`` (1 = no guidance)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"guidance must be a number >= 0 (1 = no guidance), got {value!r}")
    return float(value)


def positive(value, name: str) -> float:
    """A finite number ``> 0`` (a time shift, a scale)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def seed(value) -> int:
    """A seed: an integer in ``[0, 2**63 - 1]``."""
    return integer(value, "seed", 0, MAX_SEED)


def generator(seed_value=None, gen: torch.Generator | None = None) -> torch.Generator | None:
    """The CPU generator for ``seed=`` (checked), or the given ``generator=``; never both."""
    if seed_value is not None and gen is not None:
        raise ValueError("pass seed= or generator=, not both")
    if seed_value is not None:
        return torch.Generator("cpu").manual_seed(seed(seed_value))
    return gen


# --- pixels ----------------------------------------------------------------------------------
def as_float_tensor(x, name: str) -> torch.Tensor:
    """A float tensor from a tensor or numpy array (integers are refused: pixels are in [0, 1])."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(
            f"{name} must be float in [0, 1], got dtype {x.dtype} (divide uint8 images by 255)"
        )
    return x


def check_range(x: torch.Tensor, name: str) -> None:
    """Raise unless every value of ``x`` is finite and in ``[0, 1]`` (within the tolerance)."""
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf; pixel values must be in [0, 1]")
    lo, hi = float(x.min()), float(x.max())
    if lo < -RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
        raise ValueError(
            f"{name} values must be in [0, 1], got min {lo:.3g}, max {hi:.3g}; "
            "convert model outputs in [-1, 1] with (x + 1) / 2"
        )


def _frame(frame_shape: tuple[int, int, int] | None) -> str:
    return "C, H, W" if frame_shape is None else ", ".join(map(str, frame_shape))


def check_videos(
    videos,
    min_frames: int = 1,
    name: str = "videos",
    frame_shape: tuple[int, int, int] | None = None,
) -> None:
    """Raise a ``ValueError`` unless ``videos`` is a float tensor ``[B, T, C, H, W]`` in
    ``[0, 1]`` with ``B >= 1``, ``T >= min_frames`` and, when given, ``(C, H, W) == frame_shape``."""
    if not isinstance(videos, torch.Tensor):
        raise ValueError(
            f"{name} must be a torch.Tensor [B, T, {_frame(frame_shape)}], "
            f"got {type(videos).__name__}"
        )
    if videos.ndim != 5 or (frame_shape is not None and tuple(videos.shape[2:]) != frame_shape):
        raise ValueError(
            f"{name} must be a video batch [B, T, {_frame(frame_shape)}], "
            f"got shape {tuple(videos.shape)}"
        )
    if videos.shape[0] < 1 or videos.shape[1] < min_frames:
        raise ValueError(
            f"{name} needs at least 1 video and {min_frames} frame{'s' * (min_frames != 1)}, "
            f"got shape {tuple(videos.shape)}"
        )
    if not videos.is_floating_point():
        raise ValueError(f"{name} must be a float tensor in [0, 1], got dtype {videos.dtype}")
    check_range(videos, name)


def as_videos(video, name: str, frame_shape: tuple[int, int, int]) -> torch.Tensor:
    """``[T, C, H, W]`` or ``[B, T, C, H, W]`` (tensor or numpy) -> float ``[B, T, C, H, W]`` in [0, 1]."""
    x = as_float_tensor(video, name).float()
    if x.ndim == 4:
        x = rearrange(x, "t c h w -> 1 t c h w")  # [1, T, C, H, W]
    shape = _frame(frame_shape)
    if x.ndim != 5 or tuple(x.shape[2:]) != frame_shape:
        raise ValueError(
            f"{name} must be [T, {shape}] or [B, T, {shape}], got shape {list(x.shape)}"
        )
    check_videos(x, name=name)
    return x.clamp(0, 1)


def as_images(image, name: str, frame_shape: tuple[int, int, int]) -> torch.Tensor:
    """``[H, W]``, ``[C, H, W]`` or ``[B, C, H, W]`` -> float ``[B, C, H, W]`` in [0, 1]."""
    x = as_float_tensor(image, name).float()
    if x.ndim == 2:
        x = rearrange(x, "h w -> 1 1 h w")  # [1, 1, H, W]
    elif x.ndim == 3:
        x = rearrange(x, "c h w -> 1 c h w")  # [1, C, H, W]
    C, H, W = frame_shape
    if x.ndim != 4 or tuple(x.shape[1:]) != frame_shape:
        raise ValueError(
            f"{name} must be [{C}, {H}, {W}] or [B, {C}, {H}, {W}] (or [{H}, {W}]), "
            f"got shape {list(x.shape)}"
        )
    check_range(x, name)
    return x.clamp(0, 1)


# --- devices ---------------------------------------------------------------------------------
def device(name: str | torch.device | None = "auto") -> torch.device:
    """``None`` or ``"auto"``: CUDA if present, then Apple MPS, else CPU; otherwise ``name``."""
    if name is not None and str(name) != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
