"""Checking and converting what people type, upload and draw, before any model runs.

Every function here raises ``ValueError`` with a message meant for the person at the browser
(the handlers turn it into ``gr.Error``), or returns the converted value plus a list of notes
("resized 640×480 to 64×64") that the page shows next to the result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from tinyvid.text import DIGIT_WORDS, GRAMMAR, parse

SIZE = 64  # Moving MNIST frames are 64×64 grey
MAX_PIXELS = 4096 * 4096  # larger uploads are refused, not resized (decoding them costs too much)
MAX_UPLOAD_FRAMES = 64  # frames read from an uploaded video (the last ones are kept)

# hard limits of the app (the sliders show the same ranges)
STEPS_RANGE = (1, 100)
GUIDANCE_RANGE = (0.0, 15.0)
FPS_RANGE = (1.0, 30.0)
NEW_FRAMES_RANGE = (1, 32)


@dataclass
class Frame:
    """A converted upload: ``pixels`` ``[1, 64, 64]`` float in [0, 1] and what was changed."""

    pixels: torch.Tensor
    notes: list[str]


# --- numbers --------------------------------------------------------------------------------


def integer(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]`` (sliders send floats such as ``12.0``)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a whole number from {lo} to {hi}, got {value!r}"
        ) from None
    if not math.isfinite(x) or x != round(x):
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")
    if not lo <= x <= hi:
        raise ValueError(f"{name} = {int(x)} is out of range: choose {lo} to {hi}")
    return int(x)


def number(value, name: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number from {lo:g} to {hi:g}, got {value!r}") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ValueError(f"{name} = {value!r} is out of range: choose {lo:g} to {hi:g}")
    return x


def seed(value, randomize: bool, rng: np.random.Generator | None = None) -> int:
    """The seed to use: ``value``, or a fresh random one when ``randomize`` (or ``value`` < 0)."""
    if randomize or value is None or (isinstance(value, (int, float)) and value < 0):
        rng = rng or np.random.default_rng()
        return int(rng.integers(0, 2**31 - 1))
    return integer(value, "seed", 0, 2**63 - 1)


# --- prompts --------------------------------------------------------------------------------


def prompt(text, required: bool) -> str:
    """A prompt the model understands, or ``""`` when none is needed and none was given.

    Errors say what was wrong in words a learner can act on: an unknown word names the
    closest known ones; more than two digits, or a number that is not a single digit, say
    what the model knows.
    """
    text = "" if text is None else str(text)
    if not text.strip():
        if required:
            raise ValueError(
                f"Type a prompt first, for example 'a 7 moving up-left'. Prompts look like {GRAMMAR}."
            )
        return ""
    tokens = text.lower().replace(",", " ").replace(".", " ").split()
    numbers = [w for w in tokens if re.fullmatch(r"-?\d+", w)]
    for w in numbers:
        if w not in DIGIT_WORDS:
            raise ValueError(f"'{w}' is not a single digit: the model knows the digits 0 to 9.")
    if len(numbers) > 2:
        raise ValueError(
            f"Too many digits ({len(numbers)}): the model knows videos with one or two digits, "
            f"e.g. 'a 3 and a 5 bouncing'."
        )
    parse(text)  # unknown word -> "did you mean ..." with the nearest words; bad order -> grammar
    return text.strip()


# --- images ---------------------------------------------------------------------------------


def _open(source) -> Image.Image:
    if source is None:
        raise ValueError("no image given")
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, np.ndarray):
        arr = source
        if arr.dtype != np.uint8:
            arr = np.clip(arr * (255 if arr.max() <= 1 else 1), 0, 255).astype(np.uint8)
        return Image.fromarray(arr)
    if isinstance(source, dict):  # a sketchpad or image-editor value
        source = source.get("composite") or source.get("path") or source.get("background")
        return _open(source)
    path = Path(str(source))
    try:
        img = Image.open(path)
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise ValueError(
                f"The image is too large ({w}×{h} pixels); upload one of at most "
                f"{int(math.sqrt(MAX_PIXELS))}×{int(math.sqrt(MAX_PIXELS))}."
            )
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError(
            f"'{path.name}' is not an image this app can read; upload a PNG, JPEG, GIF or WebP."
        ) from None
    return img


def frame(source, name: str = "image") -> Frame:
    """Any image -> a 64×64 grey frame ``[1, 64, 64]`` in [0, 1], with notes on what changed.

    Transparent pixels become black (the background of Moving MNIST); colour becomes grey;
    dark-on-light drawings are inverted (digits are white on black); other sizes are padded
    to a square and resized to 64×64.
    """
    img = _open(source)
    notes: list[str] = []
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise ValueError(f"The {name} is too large ({w}×{h} pixels); upload a smaller one.")
    if w < 1 or h < 1:
        raise ValueError(f"The {name} is empty.")
    img = ImageOps.exif_transpose(img)
    if img.mode in ("P", "PA"):
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255  # [H, W, 4]
        alpha = rgba[..., 3]
        if alpha.min() < 1:
            on_black = rgba[..., :3] * alpha[..., None]  # [H, W, 3]
            if alpha.max() > 0 and on_black.max() < 0.2:  # dark strokes on a transparent canvas
                arr = alpha
                notes.append(
                    f"the {name}'s transparent background became black and its strokes white"
                )
            else:
                arr = on_black
                notes.append(f"the {name}'s transparent pixels became black")
        else:
            arr = rgba[..., :3]
    else:
        arr = np.asarray(img.convert("RGB"), dtype=np.float32) / 255  # [H, W, 3]
    if arr.ndim == 3:
        if np.ptp(arr, axis=-1).max() > 0.03:  # video codecs tint grey a little
            notes.append(f"the colour {name} was turned grey")
        arr = arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # [H, W] luminance
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    if border.mean() > 0.5:
        arr = 1 - arr
        notes.append(f"the {name} was inverted (digits are white on black)")
    if (h, w) != (SIZE, SIZE):
        side = max(h, w)
        square = np.zeros((side, side), dtype=np.float32)
        top, left = (side - h) // 2, (side - w) // 2
        square[top : top + h, left : left + w] = arr
        resized = Image.fromarray((square * 255).round().astype(np.uint8), "L").resize(
            (SIZE, SIZE), Image.Resampling.LANCZOS if side > SIZE else Image.Resampling.BILINEAR
        )
        arr = np.asarray(resized, dtype=np.float32) / 255
        notes.append(f"the {name} was resized from {w}×{h} to {SIZE}×{SIZE}")
    pixels = torch.from_numpy(np.ascontiguousarray(arr)).clamp(0, 1)[None]  # [1, 64, 64]
    return Frame(pixels, notes)


def video_file(path, min_frames: int) -> tuple[torch.Tensor, list[str]]:
    """A video file -> ``[T, 1, 64, 64]`` in [0, 1] (at most the last 64 frames), with notes."""
    if path is None:
        raise ValueError("Pick an example clip or upload a short video to extend.")
    path = Path(str(path))
    frames: list[np.ndarray] = []
    if path.suffix.lower() in (".gif", ".png", ".webp"):
        try:
            img = Image.open(path)
            for i in range(getattr(img, "n_frames", 1)):
                img.seek(i)
                frames.append(np.asarray(img.convert("RGB")))
        except (UnidentifiedImageError, OSError):
            raise ValueError(f"'{path.name}' is not a video this app can read.") from None
    else:
        import imageio_ffmpeg

        try:
            reader = imageio_ffmpeg.read_frames(str(path))
            meta = next(reader)
            w, h = meta["size"]
            if w * h > MAX_PIXELS:
                raise ValueError(f"The video is too large ({w}×{h} pixels); upload a smaller one.")
            for raw in reader:
                frames.append(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
                if len(frames) > 4 * MAX_UPLOAD_FRAMES:
                    frames = frames[-MAX_UPLOAD_FRAMES:]
            reader.close()
        except (RuntimeError, OSError, StopIteration, KeyError):
            raise ValueError(
                f"'{path.name}' is not a video this app can read; upload an mp4, webm or gif."
            ) from None
    notes = []
    if len(frames) > MAX_UPLOAD_FRAMES:
        notes.append(f"kept the last {MAX_UPLOAD_FRAMES} of its {len(frames)} frames")
        frames = frames[-MAX_UPLOAD_FRAMES:]
    if len(frames) < min_frames:
        raise ValueError(
            f"The video has {len(frames)} frame(s); extending needs at least {min_frames} "
            f"(the context frames)."
        )
    converted = [frame(f, "video") for f in frames]
    notes += sorted({n for c in converted for n in c.notes})
    return torch.stack([c.pixels for c in converted]), notes  # [T, 1, 64, 64]
