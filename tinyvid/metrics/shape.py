"""Shape consistency: does a digit keep its glyph from frame to frame, wherever it moves?

A real Moving MNIST digit is rigid: cut out around its centre of ink, frame t and frame t−1
show the same 28×28 glyph. A generator can draw a recognisable digit that moves without
teleporting and still let it *morph* (a 9 that starts as a 0); flicker and teleportation do
not see that, because the ink stays where it should be. So:

- **shape change** of a frame pair: crop 28×28 around each frame's centre of ink (the
  intensity-weighted centroid of :func:`tinyvid.metrics.temporal.centroid_tracks`, rounded to a
  pixel; faint pixels at or below ``background`` are zeroed), align the crops up to ±1 px more
  (rounding of the centroid), and take the L1 difference over the mean ink of the two crops::

      change_t = min over s in {-1, 0, 1}² of  Σ|crop_t − shift_s(crop_{t−1})| / ((Σcrop_t + Σshift_s(crop_{t−1})) / 2)

  In ``[0, 2]``: 0 is the same glyph (translation does not count: the crops follow the ink),
  2 is no common ink at all, which is also what a digit that vanishes (or appears) scores.
  Two empty frames score 0: nothing changed; :func:`no_digit` flags such videos.
- :func:`shape_change` is its mean over a video's frame pairs, ``[B]``. It is meant for
  one-digit videos: two digits that drift apart change the shape of the pair.
- **no digit**: a frame shows a digit when at least ``DIGIT_MIN_PIXELS`` pixels are brighter
  than 0.5 (the thinnest real glyph in the shipped digit bank has 23); a video has no digit
  when fewer than half of its frames show one. :func:`no_digit_rate` is the share of such videos.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from tinyvid.metrics.temporal import centroid_tracks, check_pixel_videos

CROP = 28  # a Moving MNIST digit's box
SLACK = 1  # ±px of extra alignment between consecutive crops (centroid rounding)
DIGIT_MIN_PIXELS = 12  # half the thinnest real glyph's count of pixels above 0.5 (23)


def centred_crops(videos: torch.Tensor, size: int = CROP, margin: int = 0,
                  background: float = 0.1) -> torch.Tensor:
    """``[B, T, size + 2·margin, size + 2·margin]`` crops centred on each frame's centre of ink.

    Channels are averaged, pixels at or below ``background`` set to 0; outside the canvas is 0.
    An empty frame is cropped around the canvas centre (and is all zeros).
    """
    check_pixel_videos(videos)
    B, T, C, H, W = videos.shape
    frames = videos.float().mean(dim=2)  # [B, T, H, W]
    frames = torch.where(frames > background, frames, torch.zeros(()))  # [B, T, H, W]
    side, pad = size + 2 * margin, size // 2 + margin + 1
    padded = F.pad(frames, (pad, pad, pad, pad))  # [B, T, H + 2·pad, W + 2·pad]
    corner = centroid_tracks(videos, background).round().long() - size // 2 - margin + pad  # [B, T, xy]
    offs = torch.arange(side)
    rows = (corner[..., 1, None] + offs)[..., :, None]  # [B, T, side, 1]
    cols = (corner[..., 0, None] + offs)[..., None, :]  # [B, T, 1, side]
    b = torch.arange(B)[:, None, None, None]
    t = torch.arange(T)[None, :, None, None]
    return padded[b, t, rows, cols]  # [B, T, side, side]


def shape_change_per_pair(videos: torch.Tensor, background: float = 0.1) -> torch.Tensor:
    """``[B, T-1]`` shape change of each consecutive frame pair, in ``[0, 2]`` (module docstring)."""
    check_pixel_videos(videos, min_frames=2)
    now = centred_crops(videos[:, 1:], background=background)  # [B, T-1, 28, 28]
    before = centred_crops(videos[:, :-1], margin=SLACK, background=background)  # [B, T-1, 30, 30]
    k = 2 * SLACK + 1
    shifted = torch.stack([before[..., dy:dy + CROP, dx:dx + CROP]
                           for dy in range(k) for dx in range(k)], dim=2)  # [B, T-1, k², 28, 28]
    diff = (now[:, :, None] - shifted).abs().sum(dim=(-2, -1))  # [B, T-1, k²]
    ink = (now.sum(dim=(-2, -1))[..., None] + shifted.sum(dim=(-2, -1))) / 2  # [B, T-1, k²]
    ratio = torch.where(ink > 0, diff / ink.clamp(min=1e-8), torch.zeros(()))  # [B, T-1, k²]
    return ratio.min(dim=-1).values  # [B, T-1]


def shape_change(videos: torch.Tensor, background: float = 0.1) -> torch.Tensor:
    """Mean shape change over each video's frame pairs, ``[B]`` in ``[0, 2]``; 0 = a rigid glyph."""
    return shape_change_per_pair(videos, background).mean(dim=1)  # [B]


def digit_frames(videos: torch.Tensor, min_pixels: int = DIGIT_MIN_PIXELS) -> torch.Tensor:
    """``[B, T]`` bool: the frame shows a digit (at least ``min_pixels`` pixels above 0.5)."""
    check_pixel_videos(videos)
    if min_pixels < 1:
        raise ValueError(f"min_pixels must be a positive pixel count, got {min_pixels}")
    bright = (videos.float().mean(dim=2) > 0.5).sum(dim=(-2, -1))  # [B, T]
    return bright >= min_pixels


def no_digit(videos: torch.Tensor, min_pixels: int = DIGIT_MIN_PIXELS) -> torch.Tensor:
    """``[B]`` bool: fewer than half of the video's frames show a digit."""
    shown = digit_frames(videos, min_pixels).float().mean(dim=1)  # [B]
    return shown < 0.5


def no_digit_rate(videos: torch.Tensor, min_pixels: int = DIGIT_MIN_PIXELS) -> float:
    """Share of videos with no digit (:func:`no_digit`), in ``[0, 1]``."""
    return float(no_digit(videos, min_pixels).double().mean())
