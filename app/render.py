"""Turning tensors into what the page shows: preview grids, mp4 files, readouts, flicker data."""

from __future__ import annotations

import functools
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from tinyvid.metrics.temporal import flicker
from tinyvid.text import DIRECTIONS, SPEEDS, parse
from tinyvid.viz import save_video

PREVIEW_COLS = 8  # frames per row of the live preview
PREVIEW_SCALE = 2  # 64 px frames shown at 128 px
KEEP_FILES_S = 3600  # written videos older than this are deleted
KEEP_PREVIEWS_S = 600  # previews are copied into gradio's cache at once; ours go sooner


def preview_grid(
    video: torch.Tensor, cols: int = PREVIEW_COLS, scale: int = PREVIEW_SCALE
) -> np.ndarray:
    """One video ``[T, 1, H, W]`` (or ``[1, T, 1, H, W]``) as a uint8 grid image, ``cols`` frames a row."""
    v = video[0] if video.ndim == 5 else video  # [T, 1, H, W]
    T, _, H, W = v.shape
    cols = min(cols, T)
    rows = -(-T // cols)
    gap = 2
    frames = (v[:, 0].clamp(0, 1) * 255).round().to(torch.uint8).numpy()  # [T, H, W]
    frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)  # [T, sH, sW]
    h, w = H * scale, W * scale
    grid = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), 40, np.uint8)
    for t in range(T):
        r, c = divmod(t, cols)
        grid[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = frames[t]
    return grid


def side_by_side(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Two videos ``[1, T, 1, H, W]`` as one ``[2, T, 1, H, W]`` batch (``save_video`` tiles it)."""
    return torch.cat([a, b], dim=0)


class Outbox:
    """A folder for the videos the app writes; files older than an hour are removed."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def mp4(self, video: torch.Tensor, fps: float, stem: str = "tinyvid") -> str:
        self._sweep()
        path = self.folder / f"{stem}-{uuid.uuid4().hex[:10]}.mp4"
        return str(save_video(video, path, fps=fps, scale=4))

    def png(self, image: np.ndarray, stem: str = "preview") -> str:
        """A preview grid as a file of its own.

        Handing gradio a file (not an array) matters under load: gradio copies files into its
        cache atomically, but writes arrays in place, so two users whose previews happen to be
        identical could read a half-written file.
        """
        path = self.folder / f"{stem}-{uuid.uuid4().hex[:10]}.png"
        Image.fromarray(image).save(path, compress_level=1)
        return str(path)

    def _sweep(self) -> None:
        now = time.time()
        for pattern, keep in (("*.mp4", KEEP_FILES_S), ("*.png", KEEP_PREVIEWS_S)):
            for p in self.folder.glob(pattern):
                try:
                    if now - p.stat().st_mtime > keep:
                        p.unlink()
                except OSError:  # another request removed it first
                    pass


# --- numbers the page prints ----------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def real_flicker(num_frames: int) -> float:
    """Mean flicker of real Moving MNIST clips of this length (the level to compare with)."""
    from tinyvid.data import moving_mnist

    videos, _, _ = moving_mnist(64, seed=12345, num_frames=max(2, num_frames), num_digits=(1, 2))
    return float(flicker(videos).mean())


def flicker_value(video: torch.Tensor) -> float:
    return float(flicker(video[:1]).mean()) if video.shape[1] >= 2 else float("nan")


def flicker_text(video: torch.Tensor) -> str:
    value = flicker_value(video)
    if value != value:
        return "flicker: needs 2 frames or more"
    real = real_flicker(video.shape[1])
    return f"flicker {value:.4f} (real clips: {real:.4f}, ×{value / real:.2f})"


def flicker_table(videos: dict[str, torch.Tensor]) -> pd.DataFrame:
    """Mean ``|x_t − x_{t−1}|`` per frame pair for each named video, plus the real level."""
    rows = []
    T = 2
    for name, v in videos.items():
        v = v[0] if v.ndim == 5 else v  # [T, 1, H, W]
        T = max(T, v.shape[0])
        diffs = (v[1:] - v[:-1]).abs().mean(dim=(1, 2, 3))  # [T-1]
        rows += [{"frame": t + 1, "change": float(d), "video": name} for t, d in enumerate(diffs)]
    real = real_flicker(T)
    rows += [{"frame": t, "change": real, "video": "real clips (mean)"} for t in range(1, T)]
    return pd.DataFrame(rows)


def flicker_axis_top(table: pd.DataFrame, headroom: float = 1.2) -> float:
    """The top of the flicker figure's y axis: ``headroom`` × the highest value, rounded up
    to a round number (2 significant digits), so every line sits below the top edge."""
    top = float(table["change"].max()) * headroom if len(table) else 0.0
    if not np.isfinite(top) or top <= 0:
        return 1.0
    unit = 10 ** (np.floor(np.log10(top)) - 1)
    return float(np.ceil(top / unit) * unit)


def detector_text(detector, video: torch.Tensor, prompt: str = "") -> str:
    """What the detector reads back (digit, direction), and whether it matches the prompt."""
    if detector is None:
        return "detector not available"
    if video.shape[1] < 2:
        return "detector: needs 2 frames or more"
    with torch.inference_mode():
        pred = detector.predict(video[:1].float())
    if int(pred["num_digits"][0]) == 2:
        a, b = (int(x) for x in pred["digits"][0])
        seen = f"a {a} and a {b} bouncing"
    else:
        speed = " slowly" if SPEEDS[int(pred["speed"][0])] == "slow" else ""
        seen = f"a {int(pred['digit'][0])} moving {DIRECTIONS[int(pred['direction'][0])]}{speed}"
    text = f"detector reads: “{seen}”"
    if prompt:
        asked = parse(prompt)
        if len(asked.digits) == 2:
            ok = int(pred["num_digits"][0]) == 2 and sorted(
                int(x) for x in pred["digits"][0]
            ) == sorted(asked.digits)
        else:  # one digit asked: a reading of two digits is not a match, whatever they are
            ok = (
                int(pred["num_digits"][0]) == 1
                and int(pred["digit"][0]) == asked.digits[0]
                and DIRECTIONS[int(pred["direction"][0])] == asked.direction
            )
        text += " ✓ matches the prompt" if ok else " ✗ not what the prompt asked"
    return text
