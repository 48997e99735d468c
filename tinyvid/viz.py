"""Looking at videos: inline animations, frame grids, side-by-side comparisons, flicker maps,
and files (mp4, gif).

Every function takes videos as ``[B, T, C, H, W]`` (or one video ``[T, C, H, W]``) float in
``[0, 1]``, grey (C = 1) or RGB (C = 3). Inline output is kept small on purpose (an animated
GIF of a few tens of kB), so notebooks that show many videos stay light.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from einops import rearrange

__all__ = [
    "show_video", "compare", "frame_grid", "flicker_heatmap", "save_video", "gif_bytes",
    "player", "VideoHTML",
]


# --------------------------------------------------------------------------------------------
# tensors -> uint8 frames
# --------------------------------------------------------------------------------------------
def _as_batch(video: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Any video-shaped input as float ``[B, T, C, H, W]`` on the CPU."""
    v = torch.as_tensor(video).detach().to("cpu", torch.float32)
    if v.ndim == 3:  # [T, H, W]
        v = v[None, :, None]
    elif v.ndim == 4:  # [T, C, H, W]
        v = v[None]
    if v.ndim != 5:
        raise ValueError(f"expected a video [B, T, C, H, W] or [T, C, H, W], got shape {tuple(v.shape)}")
    if v.shape[2] not in (1, 3):
        raise ValueError(f"videos must have 1 (grey) or 3 (RGB) channels, got C={v.shape[2]} in {tuple(v.shape)}")
    if v.shape[1] < 1:
        raise ValueError("a video needs at least one frame")
    return v


def _tile(videos: torch.Tensor, scale: int, gap: int = 2) -> np.ndarray:
    """Tile a batch into one movie: videos side by side, as uint8 ``[T, H', W', C]``."""
    v = _as_batch(videos).clamp(0, 1)
    if scale > 1:
        v = v.repeat_interleave(scale, dim=-1).repeat_interleave(scale, dim=-2)
    if gap:
        v = torch.nn.functional.pad(v, (0, gap), value=1.0)  # white separator on the right
    frames = rearrange(v, "b t c h w -> t h (b w) c")  # [T, H, B*W, C]
    if gap:
        frames = frames[:, :, :-gap]
    return (frames * 255).round().to(torch.uint8).numpy()


def gif_bytes(video: torch.Tensor, fps: float = 8, scale: int = 3) -> bytes:
    """An animated, looping GIF of a video (a batch is tiled side by side)."""
    from PIL import Image

    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    frames = _tile(video, scale)
    mode = "L" if frames.shape[-1] == 1 else "RGB"
    images = [Image.fromarray(f[..., 0] if mode == "L" else f, mode) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                   duration=int(round(1000 / fps)), loop=0, optimize=True)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# inline display
# --------------------------------------------------------------------------------------------
class VideoHTML:
    """A small HTML snippet Jupyter shows inline (and a one-line text form elsewhere)."""

    def __init__(self, html_text: str, text: str) -> None:
        self.html, self.text = html_text, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _gif_tag(video: torch.Tensor, fps: float, scale: int) -> str:
    data = base64.b64encode(gif_bytes(video, fps, scale)).decode("ascii")
    return f'<img src="data:image/gif;base64,{data}" style="image-rendering: pixelated"/>'


def show_video(video, fps: float = 8, scale: int = 3, title: str | None = None) -> VideoHTML:
    """Play a video (or a batch, side by side) inline as a looping animation.

    >>> show_video(torch.rand(2, 16, 1, 64, 64), title="noise")  # doctest: +ELLIPSIS
    <video 'noise': 2 × 16 frames of 1×64×64>
    """
    v = _as_batch(video)
    B, T, C, H, W = v.shape
    cap = f"<div style='font-family:sans-serif'>{html.escape(title)}</div>" if title else ""
    text = f"<video{' ' + repr(title) if title else ''}: {B} × {T} frames of {C}×{H}×{W}>"
    return VideoHTML(f"<div>{cap}{_gif_tag(v, fps, scale)}</div>", text)


def compare(videos: Mapping[str, torch.Tensor], fps: float = 8, scale: int = 3) -> VideoHTML:
    """Several videos side by side under their titles, playing in step.

    ``compare({"image model, per frame": a, "video model": b})``
    """
    if not videos:
        raise ValueError("compare needs at least one video")
    cells = "".join(
        f"<td style='text-align:center;padding:4px'><div style='font-family:sans-serif'>"
        f"{html.escape(name)}</div>{_gif_tag(_as_batch(v), fps, scale)}</td>"
        for name, v in videos.items()
    )
    return VideoHTML(f"<table><tr>{cells}</tr></table>", f"<compare: {', '.join(videos)}>")


def player(video, scale: int = 3):
    """An ipywidgets frame scrubber: a play button and a slider over the frames of one video."""
    import ipywidgets as widgets
    from PIL import Image

    frames = _tile(_as_batch(video)[:1], scale, gap=0)  # [T, H, W, C]

    def png(t: int) -> bytes:
        f = frames[t]
        buf = io.BytesIO()
        Image.fromarray(f[..., 0] if f.shape[-1] == 1 else f).save(buf, format="PNG")
        return buf.getvalue()

    image = widgets.Image(value=png(0), format="png")
    slider = widgets.IntSlider(0, 0, len(frames) - 1, description="frame")
    play = widgets.Play(value=0, min=0, max=len(frames) - 1, interval=125)
    widgets.jslink((play, "value"), (slider, "value"))
    slider.observe(lambda change: setattr(image, "value", png(change["new"])), names="value")
    return widgets.VBox([image, widgets.HBox([play, slider])])


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------
def _imshow_frame(ax, frame: torch.Tensor, **kw) -> None:
    img = frame.permute(1, 2, 0).numpy()  # [H, W, C]
    ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1, **kw)
    ax.set_xticks([])
    ax.set_yticks([])


def frame_grid(
    videos,
    titles: Sequence[str] | None = None,
    every: int = 1,
    max_frames: int = 16,
    size: float = 0.9,
    suptitle: str | None = None,
):
    """A matplotlib figure with time along x and the batch along y.

    Args:
        videos: ``[B, T, C, H, W]`` (or one video).
        titles: one label per row (e.g. the prompts).
        every: show every n-th frame.
        max_frames: at most this many columns.
        size: inches per frame.
    """
    import matplotlib.pyplot as plt

    v = _as_batch(videos)
    if every < 1:
        raise ValueError(f"every must be ≥ 1, got {every}")
    idx = list(range(0, v.shape[1], every))[:max_frames]
    B = v.shape[0]
    if titles is not None and len(titles) != B:
        raise ValueError(f"{len(titles)} titles for {B} videos")
    label_h = 0.22 if titles is not None else 0.04  # inches above each row for its label
    fig_w, fig_h = size * len(idx), (size + label_h) * B + 0.25 + (0.3 if suptitle else 0)
    fig, axes = plt.subplots(B, len(idx), figsize=(fig_w, fig_h), squeeze=False)
    fig.subplots_adjust(left=0.005, right=0.995, wspace=0.04,
                        bottom=0.25 / fig_h, top=1 - (label_h + (0.3 if suptitle else 0)) / fig_h,
                        hspace=label_h / size)
    for b in range(B):
        for j, t in enumerate(idx):
            _imshow_frame(axes[b, j], v[b, t])
            if b == B - 1:
                axes[b, j].set_xlabel(f"t={t}", fontsize=7, labelpad=1)
        if titles is not None:  # row label above the row's first frame, reading left to right
            axes[b, 0].text(0, 1.04, titles[b], transform=axes[b, 0].transAxes, fontsize=7,
                            ha="left", va="bottom")
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    return fig


def flicker_heatmap(video, title: str | None = None, max_frames: int = 15, per_row: int = 8):
    """Where and when a video changes: ``|x_t − x_{t−1}|`` per frame pair, and its mean over time.

    A video model's differences follow the moving digit (a thin crescent at its edges); frames
    generated independently light up everywhere: that is flicker. Tiles are drawn ``per_row``
    to a row, big enough to see a stroke, on one colour scale (the largest difference shown)
    with its colour bar.
    """
    import matplotlib.pyplot as plt

    v = _as_batch(video)[0]  # [T, C, H, W]
    if v.shape[0] < 2:
        raise ValueError("flicker needs at least two frames")
    diff = (v[1:] - v[:-1]).abs().mean(dim=1)  # [T-1, H, W]
    n = min(len(diff), max_frames)
    cols = min(n, per_row)
    rows = -(-n // cols)
    vmax = max(float(diff[:n].max()), 1e-6)
    fig = plt.figure(figsize=(1.25 * cols + 0.8, 1.55 * rows + 1.9))
    grid = fig.add_gridspec(rows + 1, cols + 1, height_ratios=[1] * rows + [1.3],
                            width_ratios=[1] * cols + [0.08])
    for j in range(n):
        ax = fig.add_subplot(grid[j // cols, j % cols])
        image = ax.imshow(diff[j].numpy(), cmap="magma", vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"frames {j}→{j + 1}", fontsize=7)
    bar = fig.colorbar(image, cax=fig.add_subplot(grid[:rows, cols]))
    bar.set_label("|x_t − x_{t−1}|", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    ax = fig.add_subplot(grid[rows, :cols])
    ax.plot(range(1, len(diff) + 1), diff.mean(dim=(1, 2)).numpy(), marker="o")
    ax.set_xlabel("frame t")
    ax.set_ylabel("mean |x_t − x_{t−1}|", fontsize=8)
    ax.set_ylim(bottom=0)
    if title:  # above everything, with room kept for it
        fig.suptitle(title, fontsize=9)
    fig.tight_layout(pad=0.3, rect=(0, 0, 1, 0.93 if title else 1))
    return fig


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------
def save_video(video, path: str | Path, fps: float = 8, scale: int = 4) -> Path:
    """Write a video (a batch is tiled side by side) to ``.mp4`` (H.264) or ``.gif``.

    The mp4 is yuv420p H.264, which every browser plays; frames are upscaled ``scale`` times
    with nearest neighbour (a 64×64 frame is too small to see) to a multiple of 16 pixels.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".mp4", ".gif"):
        raise ValueError(f"save_video writes .mp4 or .gif, got {path.name!r}")
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp" + suffix)
    if suffix == ".gif":
        tmp.write_bytes(gif_bytes(video, fps, scale))
    else:
        import imageio_ffmpeg

        frames = _tile(video, scale, gap=0)  # [T, H, W, C]
        T, H, W, C = frames.shape
        ph, pw = (-H) % 16, (-W) % 16  # H.264 wants sizes divisible by 16 (macro blocks)
        frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)))
        if C == 1:
            frames = np.repeat(frames, 3, axis=-1)
        writer = imageio_ffmpeg.write_frames(
            str(tmp), (W + pw, H + ph), fps=fps, codec="libx264", pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p", quality=8, macro_block_size=1,
            output_params=["-movflags", "+faststart"],
        )
        writer.send(None)
        for f in frames:
            writer.send(np.ascontiguousarray(f))
        writer.close()
    tmp.replace(path)
    return path
