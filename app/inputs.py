"""Checking and converting what people type, upload and draw, before any model runs.

Every function here raises ``ValueError`` with a message meant for the person at the browser
(the handlers turn it into ``gr.Error``), or returns the converted value plus a list of notes
("resized 640×480 to 64×64") that the page shows next to the result.
"""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from tinyvid.inputs import integer  # the one integer check, shared with the library
from tinyvid.text import DIGIT_WORDS, GRAMMAR, parse

SIZE = 64  # Moving MNIST frames are 64×64 grey
MAX_PIXELS = 4096 * 4096  # larger uploads are refused, not resized (decoding them costs too much)
MAX_UPLOAD_FRAMES = 64  # frames read from an uploaded video (the last ones are kept)
MAX_PROMPT = 200  # characters; the textboxes stop there, and so does the server
MIN_SIDE = 8  # pixels: a smaller picture cannot hold a digit
MIN_CONTRAST = 0.1  # the least a stroke must stand out from the background (0..1)
DIGIT_BOX, FIELD = 20, 28  # MNIST: a digit fits a 20×20 box, centred in a 28×28 field

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
    if len(text) > MAX_PROMPT:
        raise ValueError(
            f"The prompt is {len(text):,} characters long; the limit is {MAX_PROMPT}. "
            "Prompts are short, e.g. 'a 7 moving up-left'."
        )
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


def _too_large(pixels: int, name: str) -> ValueError:
    side = int(math.isqrt(MAX_PIXELS))
    return ValueError(
        f"The {name} is too large ({pixels / 1e6:.0f} megapixels); the limit is {side}×{side} "
        f"({MAX_PIXELS / 1e6:.1f} megapixels). Upload a smaller one."
    )


def _open(source, name: str) -> Image.Image | np.ndarray:
    if source is None:
        raise ValueError(f"no {name} given")
    if isinstance(source, (Image.Image, np.ndarray)):
        return source
    if isinstance(source, dict):  # a sketchpad or image-editor value
        source = source.get("composite") or source.get("path") or source.get("background")
        return _open(source, name)
    path = Path(str(source))
    try:
        img = Image.open(path)
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise _too_large(w * h, name)
        img.load()
    except Image.DecompressionBombError as e:  # PIL refuses before it tells us the size
        found = re.search(r"\((\d+) pixels\)", str(e))
        raise _too_large(int(found.group(1)) if found else MAX_PIXELS + 1, name) from None
    except (UnidentifiedImageError, OSError):
        raise ValueError(
            f"'{path.name}' is not an image this app can read; upload a PNG, JPEG, GIF or WebP."
        ) from None
    return img


def _unit_range(arr: np.ndarray) -> tuple[np.ndarray, str]:
    """Pixel values scaled to [0, 1] by the image's bit depth (and the depth, for the notes)."""
    if arr.dtype == np.bool_:
        return arr.astype(np.float32), "1-bit"
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255, "8-bit"
    if arr.dtype == np.uint16 or (arr.dtype.kind in "iu" and arr.max(initial=0) > 255):
        return np.clip(arr.astype(np.float32) / 65535, 0, 1), "16-bit"
    if arr.dtype.kind in "iu":
        return np.clip(arr.astype(np.float32) / 255, 0, 1), "8-bit"
    arr = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if arr.max(initial=0) > 1:  # floats in 0..255
        return np.clip(arr / 255, 0, 1), "8-bit"
    return np.clip(arr, 0, 1), "float"


def _grey(img: Image.Image | np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """An image as grey ``[H, W]`` float in [0, 1]: scaled by its bit depth (a 16-bit PNG's
    65535 is white, not 255), transparent pixels on black, colour as luminance."""
    notes: list[str] = []
    if isinstance(img, Image.Image):
        img = ImageOps.exif_transpose(img)
        if img.mode in ("P", "PA", "1", "CMYK", "YCbCr", "LAB", "HSV"):
            img = img.convert("RGBA" if img.mode in ("P", "PA") else "RGB")
        elif img.mode in ("LA", "La", "RGBa"):
            img = img.convert("RGBA")
        elif img.mode.startswith("I;16"):  # 16-bit grey: numpy reads it as uint16
            img = np.asarray(img).astype(np.uint16)
        else:
            img = np.asarray(img)
        if isinstance(img, Image.Image):
            img = np.asarray(img)
    arr, depth = _unit_range(np.asarray(img))
    if depth == "16-bit":
        notes.append(f"the 16-bit {name} was scaled to its full range (65535 is white)")
    if arr.ndim == 3 and arr.shape[-1] in (2, 4):  # grey or colour with alpha
        alpha = arr[..., -1]
        colour = arr[..., :-1]
        if alpha.min() < 1:
            on_black = colour * alpha[..., None]  # [H, W, C]
            if alpha.max() > 0 and on_black.max() < 0.2:  # dark strokes on a transparent canvas
                arr = alpha
                notes.append(
                    f"the {name}'s transparent background became black and its strokes white"
                )
            else:
                arr = on_black
                notes.append(f"the {name}'s transparent pixels became black")
        else:
            arr = colour
    if arr.ndim == 3:
        if arr.shape[-1] == 3:
            if np.ptp(arr, axis=-1).max() > 0.03:  # video codecs tint grey a little
                notes.append(f"the colour {name} was turned grey")
            arr = arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # [H, W] luminance
        else:
            arr = arr.mean(axis=-1)  # [H, W]
    if arr.ndim != 2:
        raise ValueError(f"The {name} has shape {tuple(arr.shape)}; expected a 2-D picture.")
    return np.ascontiguousarray(arr, dtype=np.float32), notes


def _ink(arr: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """Light strokes on a black background, the way MNIST digits are.

    The border decides the polarity (a digit is drawn inside the picture, so the border is
    background); the background's level is subtracted (a photo's paper is not black) and the
    strokes are stretched to full white. A picture with nothing that stands out is refused.
    """
    notes: list[str] = []
    border = np.concatenate(
        [arr[..., 0, :], arr[..., -1, :], arr[..., :, 0], arr[..., :, -1]], axis=None
    )  # the edges of every frame
    if np.median(border) > 0.5:
        arr, border = 1 - arr, 1 - border
        notes.append(f"the {name} was inverted (digits are white on black)")
    background = float(np.median(border))
    noise = float(np.median(np.abs(border - background)))
    level = min(background + 3 * noise, 1.0)
    peak = float(arr.max()) - level
    if peak < MIN_CONTRAST:
        raise ValueError(
            f"The {name} is blank: nothing in it stands out from its background, so there is no "
            "digit to animate. Use a light digit on a dark background (or dark on light)."
        )
    if level > 0.03 or peak < 0.9:
        notes.append(
            f"the {name}'s background (grey {round(level * 255)}/255) was made black and its "
            "strokes full white"
        )
    return np.clip((arr - level) / peak, 0, 1), notes


def _resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``arr`` ``[H, W]`` in [0, 1] resized to ``size`` = (width, height), anti-aliased."""
    h, w = arr.shape
    img = Image.fromarray(arr.astype(np.float32), "F")
    shrink = size[0] < w or size[1] < h
    out = img.resize(size, Image.Resampling.LANCZOS if shrink else Image.Resampling.BILINEAR)
    return np.clip(np.asarray(out, dtype=np.float32), 0, 1)


def _centre_of_mass(arr: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(arr.shape)
    total = arr.sum()
    return float((ys * arr).sum() / total), float((xs * arr).sum() / total)


def _as_mnist_digit(arr: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """The digit in ``arr`` placed the way MNIST digits were made, then on the 64×64 canvas.

    MNIST (LeCun et al. 1998): the digit is cropped to its strokes, scaled to fit a 20×20 box
    (aspect ratio kept, anti-aliased) and moved so that its centre of mass is the centre of a
    28×28 field. That field goes onto the 64×64 canvas where the digit was in the upload (so
    a first and a last frame keep their places), kept whole inside the canvas.
    """
    h, w = arr.shape
    side = max(h, w)
    cy, cx = _centre_of_mass(arr)
    cy, cx = cy + (side - h) / 2, cx + (side - w) / 2  # in the upload padded to a square
    rows, cols = np.nonzero(arr > 0.05)
    crop = arr[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]  # [h', w']
    scale = DIGIT_BOX / max(crop.shape)
    box = _resize(
        crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    )
    field = np.zeros((FIELD, FIELD), np.float32)
    by, bx = _centre_of_mass(box) if box.sum() > 0 else (box.shape[0] / 2, box.shape[1] / 2)
    top = int(np.clip(round(FIELD / 2 - by), 0, FIELD - box.shape[0]))
    left = int(np.clip(round(FIELD / 2 - bx), 0, FIELD - box.shape[1]))
    field[top : top + box.shape[0], left : left + box.shape[1]] = box
    y0 = int(np.clip(round(cy / side * SIZE - FIELD / 2), 0, SIZE - FIELD))
    x0 = int(np.clip(round(cx / side * SIZE - FIELD / 2), 0, SIZE - FIELD))
    canvas = np.zeros((SIZE, SIZE), np.float32)
    canvas[y0 : y0 + FIELD, x0 : x0 + FIELD] = field
    note = (
        f"the {name} ({w}×{h}) was made an MNIST digit: cropped to its strokes, scaled to fit "
        f"{DIGIT_BOX}×{DIGIT_BOX}, centred by its centre of mass in {FIELD}×{FIELD}, and placed "
        f"on the {SIZE}×{SIZE} canvas with its centre at x={x0 + FIELD // 2}, y={y0 + FIELD // 2}"
    )
    return canvas, [note]


def _square(arr: np.ndarray, name: str) -> tuple[np.ndarray, list[str]]:
    """A video frame padded to a square and resized to 64×64 (the content keeps its layout)."""
    h, w = arr.shape
    if (h, w) == (SIZE, SIZE):
        return arr, []
    side = max(h, w)
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - h) // 2, (side - w) // 2
    square[top : top + h, left : left + w] = arr
    return _resize(square, (SIZE, SIZE)), [f"the {name} was resized from {w}×{h} to {SIZE}×{SIZE}"]


def frame(source, name: str = "image", digit: bool = True) -> Frame:
    """An uploaded or drawn picture -> a 64×64 frame ``[1, 64, 64]`` in [0, 1], with notes.

    The picture is read at its bit depth, made grey (transparent pixels black) and made light
    on black with a black background (:func:`_ink`). A 64×64 picture is a frame already and
    keeps its layout; any other size is taken as one digit and made the MNIST way
    (:func:`_as_mnist_digit`). ``digit=False`` (frames of a video) pads and resizes instead.
    Pictures too small or too blank to hold a digit are refused with a ``ValueError``.
    """
    img = _open(source, name)
    w, h = img.size if isinstance(img, Image.Image) else (img.shape[1], img.shape[0])
    if w * h > MAX_PIXELS:
        raise _too_large(w * h, name)
    if min(w, h) < MIN_SIDE:
        raise ValueError(
            f"The {name} is {w}×{h} pixels: too small to hold a digit. Upload one of at least "
            f"{MIN_SIDE}×{MIN_SIDE} (digits are drawn in 28×28)."
        )
    arr, notes = _grey(img, name)
    arr, more = _ink(arr, name)
    notes += more
    if (h, w) != (SIZE, SIZE):
        arr, more = _as_mnist_digit(arr, name) if digit else _square(arr, name)
        notes += more
    pixels = torch.from_numpy(np.ascontiguousarray(arr)).clamp(0, 1)[None]  # [1, 64, 64]
    return Frame(pixels, notes)


def _video_frames(path: Path) -> tuple[deque, int]:
    """The last ``MAX_UPLOAD_FRAMES`` frames of a video file (RGB uint8) and how many it has."""
    kept: deque = deque(maxlen=MAX_UPLOAD_FRAMES)
    count = 0
    if path.suffix.lower() in (".gif", ".png", ".webp"):
        try:
            img = Image.open(path)
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise _too_large(w * h, "video")
            for i in range(getattr(img, "n_frames", 1)):
                img.seek(i)
                kept.append(np.asarray(img.convert("RGB")))
                count += 1
        except Image.DecompressionBombError:
            raise _too_large(MAX_PIXELS + 1, "video") from None
        except (UnidentifiedImageError, OSError):
            raise ValueError(f"'{path.name}' is not a video this app can read.") from None
        return kept, count
    import imageio_ffmpeg

    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        if w * h > MAX_PIXELS:
            raise _too_large(w * h, "video")
        for raw in reader:
            kept.append(np.frombuffer(raw, np.uint8).reshape(h, w, 3))
            count += 1
        reader.close()
    except (RuntimeError, OSError, StopIteration, KeyError):
        raise ValueError(
            f"'{path.name}' is not a video this app can read; upload an mp4, webm or gif."
        ) from None
    return kept, count


def video_file(path, min_frames: int) -> tuple[torch.Tensor, list[str]]:
    """A video file -> ``[T, 1, 64, 64]`` in [0, 1] (at most the last 64 frames), with notes.

    Polarity and background level are decided for the clip as a whole (a frame-by-frame
    decision would make the clip flicker), then each frame is padded and resized to 64×64.
    """
    if path is None:
        raise ValueError("Pick an example clip or upload a short video to extend.")
    path = Path(str(path))
    frames, count = _video_frames(path)
    notes = []
    if count > len(frames):
        notes.append(f"kept the last {len(frames)} of its {count} frames")
    if len(frames) < min_frames:
        raise ValueError(
            f"The video has {len(frames)} frame(s); extending needs at least {min_frames} "
            f"(the context frames)."
        )
    grey = [_grey(f, "video") for f in frames]
    clip, more = _ink(np.stack([g for g, _ in grey]), "video")  # [T, H, W]
    notes += sorted({n for _, ns in grey for n in ns}) + more
    resized = [_square(f, "video") for f in clip]
    notes += resized[0][1]
    pixels = torch.from_numpy(np.stack([f for f, _ in resized]))  # [T, 64, 64]
    return pixels.clamp(0, 1)[:, None], notes  # [T, 1, 64, 64]
