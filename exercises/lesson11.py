"""Lesson 11 (capstone: interpolation vs optical flow): cross-fade, backward warping, smoothness."""

from __future__ import annotations

import torch

from exercises.cases import rand_video, randint
from exercises.compare import Close
from exercises.core import Case, exercise
from exercises.solutions import lesson11 as solutions


# -------------------------------------------------------------------------------- cross_fade
def _fade_spec(first, last, num_frames):
    frames = []
    for k in range(num_frames):
        s = k / (num_frames - 1)
        frames.append((1 - s) * first + s * last)
    return torch.stack(frames, dim=1)


def _fade_with(weights):
    def fade(first, last, num_frames):
        s = weights(num_frames).to(first.dtype)[None, :, None, None, None]
        return (1 - s) * first[:, None] + s * last[:, None]

    return fade


def _frames(gen, B, C, H, W):
    return rand_video(gen, (B, 1, C, H, W))[:, 0]  # [B, C, H, W]


@exercise(
    lesson="11",
    solution=solutions.cross_fade,
    points=1,
    difficulty=1,
    minutes=5,
    compare=Close(atol=1e-6, rtol=1e-5),
    spec=_fade_spec,
    hints=[
        "Frame k mixes the two ends with a weight s that grows from 0 at k = 0 to 1 at the last "
        "frame: (1 - s) · first + s · last. Both given frames must come out unchanged.",
        "There are num_frames - 1 steps between the first and the last frame, so s = k / "
        "(num_frames - 1); torch.linspace(0, 1, num_frames) gives all of them. Broadcast s "
        "over [B, T, C, H, W] by giving it shape [1, T, 1, 1, 1] and the frames a time axis.",
    ],
    mistakes=[
        ("your weights run the wrong way: frame 0 must be `first` (weight 1 on first, 0 on last)",
         lambda a, b, n: _fade_with(lambda n: torch.linspace(1, 0, n))(a, b, n)),
        ("you used s = k / num_frames: the last frame never reaches `last`; divide by "
         "num_frames - 1",
         lambda a, b, n: _fade_with(lambda n: torch.arange(n) / n)(a, b, n)),
        ("you made 16 frames whatever num_frames says: use the argument",
         lambda a, b, n: _fade_with(lambda n: torch.linspace(0, 1, 16))(a, b, n)),
        ("you left out the two given frames: the clip starts with `first` and ends with `last`",
         lambda a, b, n: _fade_with(lambda n: torch.linspace(0, 1, n + 2)[1:-1])(a, b, n)),
    ],
)
def cross_fade(gen: torch.Generator):
    """Random frames; several clip lengths (2, odd, 16, long); channels; batch 1."""
    yield Case(_frames(gen, 2, 1, 8, 8), _frames(gen, 2, 1, 8, 8), 16, label="16 frames")
    yield Case(_frames(gen, 3, 1, 6, 5), _frames(gen, 3, 1, 6, 5), 5, label="5 frames, odd sizes")
    yield Case(_frames(gen, 1, 2, 4, 4), _frames(gen, 1, 2, 4, 4), 2,
               label="2 frames: only the given ones")
    n = randint(gen, 20, 30)
    yield Case(_frames(gen, 2, 1, 5, 7), _frames(gen, 2, 1, 5, 7), n, label=f"{n} frames")
    yield Case(torch.zeros(1, 1, 4, 4), torch.ones(1, 1, 4, 4), 9,
               label="black to white in 9 frames (frame k is k/8 grey)")


# ----------------------------------------------------------------------------- warp_backward
def _warp_spec(image, flow):
    B, C, H, W = image.shape
    out = torch.zeros_like(image)

    def px(b, yy, xx):
        if 0 <= yy < H and 0 <= xx < W:
            return image[b, :, yy, xx]
        return torch.zeros(C, dtype=image.dtype)

    for b in range(B):
        for i in range(H):
            for j in range(W):
                x = j + float(flow[b, i, j, 0])
                y = i + float(flow[b, i, j, 1])
                x0, y0 = int(torch.floor(torch.tensor(x))), int(torch.floor(torch.tensor(y)))
                ax, ay = x - x0, y - y0
                out[b, :, i, j] = (
                    (1 - ax) * (1 - ay) * px(b, y0, x0) + ax * (1 - ay) * px(b, y0, x0 + 1)
                    + (1 - ax) * ay * px(b, y0 + 1, x0) + ax * ay * px(b, y0 + 1, x0 + 1)
                )
    return out


def _warp_with(sign=1.0, swap=False, mode="bilinear", norm=lambda n: n - 1, corners=True):
    import torch.nn.functional as F

    def warp(image, flow):
        B, C, H, W = image.shape
        ys, xs = torch.meshgrid(torch.arange(H, dtype=image.dtype),
                                torch.arange(W, dtype=image.dtype), indexing="ij")
        dx, dy = (flow[..., 1], flow[..., 0]) if swap else (flow[..., 0], flow[..., 1])
        x, y = xs + sign * dx, ys + sign * dy
        grid = torch.stack([2 * x / norm(W) - 1, 2 * y / norm(H) - 1], dim=-1)
        return F.grid_sample(image, grid, mode=mode, padding_mode="zeros", align_corners=corners)

    return warp


def _shift(B, C, H, W, dx, dy):
    flow = torch.zeros(B, H, W, 2)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


@exercise(
    lesson="11",
    solution=solutions.warp_backward,
    points=2,
    difficulty=2,
    minutes=12,
    compare=Close(atol=1e-4, rtol=1e-4),
    spec=_warp_spec,
    hints=[
        "Backward warping: every output pixel (y, x) reads the input at (y + dy, x + dx), where "
        "flow[..., 0] is dx (along columns) and flow[..., 1] is dy (along rows). Build the grid "
        "of source positions, then sample the image there bilinearly (F.grid_sample).",
        "grid_sample wants positions scaled to [-1, 1], x first: with align_corners=True pixel "
        "0 maps to -1 and pixel W - 1 to +1, so x_norm = 2 x / (W - 1) - 1 (same for y with H). "
        "padding_mode='zeros' reads 0 outside the image.",
    ],
    mistakes=[
        ("you warped forward (subtracted the flow): backward warping reads the input at "
         "position + flow",
         _warp_with(sign=-1.0)),
        ("you swapped dx and dy: flow[..., 0] moves along columns (x), flow[..., 1] along rows (y)",
         _warp_with(swap=True)),
        ("you sampled the nearest pixel: sub-pixel flow needs bilinear interpolation",
         _warp_with(mode="nearest")),
        ("your grid is off by half a pixel: with align_corners=True scale x by 2 / (W - 1), "
         "not 2 / W",
         _warp_with(norm=lambda n: n)),
    ],
)
def warp_backward(gen: torch.Generator):
    """Integer and sub-pixel shifts, non-square images, channels, random flow fields."""
    img = rand_video(gen, (2, 1, 1, 8, 10))[:, 0]  # [2, 1, 8, 10]
    yield Case(img, _shift(2, 1, 8, 10, 2.0, 0.0), label="shift by 2 px along x (integer flow)")
    yield Case(img, _shift(2, 1, 8, 10, 0.0, -1.0), label="shift by -1 px along y")
    yield Case(img, _shift(2, 1, 8, 10, 0.5, 1.25), label="sub-pixel shift (0.5, 1.25)")
    img3 = rand_video(gen, (1, 1, 3, 6, 7))[:, 0]  # [1, 3, 6, 7]
    flow = (torch.rand(1, 6, 7, 2, generator=gen) - 0.5) * 4
    yield Case(img3, flow, label="3 channels, a random flow field")
    H, W = randint(gen, 5, 9), randint(gen, 10, 14)
    img4 = rand_video(gen, (2, 1, 1, H, W))[:, 0]
    yield Case(img4, (torch.rand(2, H, W, 2, generator=gen) - 0.5) * 6,
               label=f"{H}×{W}, large random flow (reads outside the image)")


# ---------------------------------------------------------------------------- track_smoothness
def _smooth_spec(tracks):
    B, T, _ = tracks.shape
    out = torch.zeros(B, dtype=tracks.dtype)
    for b in range(B):
        total = 0.0
        for t in range(1, T - 1):
            a = tracks[b, t + 1] - 2 * tracks[b, t] + tracks[b, t - 1]
            total += float((a[0] ** 2 + a[1] ** 2) ** 0.5)
        out[b] = total / (T - 2)
    return out


def _acc(tracks):
    return tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]  # [B, T-2, 2]


def _line(B, T, v):
    t = torch.arange(T, dtype=torch.float32)[None, :, None]
    return (torch.tensor([10.0, 20.0]) + t * torch.tensor(v)).expand(B, T, 2).clone()


def _bounce(T, at):
    x = torch.tensor([float(k if k <= at else 2 * at - k) for k in range(T)]) * 3
    return torch.stack([x, torch.full((T,), 5.0)], dim=-1)[None]  # [1, T, 2]


@exercise(
    lesson="11",
    solution=solutions.track_smoothness,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-4, rtol=1e-4),
    spec=_smooth_spec,
    hints=[
        "Smooth motion means constant velocity, so look at how the velocity changes: the "
        "acceleration at frame t is c_{t+1} - 2 c_t + c_{t-1} (the difference of two "
        "consecutive differences). A straight line at constant speed scores 0.",
        "Take the Euclidean length of each acceleration 2-vector (x, y) with .norm(dim=-1), then "
        "average over the T - 2 frames that have a neighbour on both sides, per track.",
    ],
    mistakes=[
        ("you measured speed (first differences): constant motion must score 0; use the "
         "second difference c_{t+1} - 2 c_t + c_{t-1}",
         lambda tr: (tr[:, 1:] - tr[:, :-1]).norm(dim=-1).mean(1)),
        ("you added |ax| + |ay|: the acceleration's size is its Euclidean length (.norm(dim=-1))",
         lambda tr: _acc(tr).abs().sum(-1).mean(1)),
        ("you squared the lengths: average the lengths themselves",
         lambda tr: (_acc(tr) ** 2).sum(-1).mean(1)),
        ("you averaged over T frames: only the T - 2 inner frames have an acceleration",
         lambda tr: _acc(tr).norm(dim=-1).sum(1) / tr.shape[1]),
    ],
)
def track_smoothness(gen: torch.Generator):
    """Constant velocity (0), a bounce, random tracks, diagonal axes, T = 3."""
    yield Case(_line(2, 10, [3.0, -1.5]), label="constant velocity: acceleration 0")
    yield Case(_bounce(12, 6), label="a bounce off a wall at frame 6")
    yield Case(torch.rand(3, 16, 2, generator=gen) * 40, label="random tracks, 16 frames")
    yield Case(torch.rand(2, 3, 2, generator=gen) * 10, label="T = 3: one acceleration each")
    T = randint(gen, 5, 9)
    yield Case(torch.cumsum(torch.rand(1, T, 2, generator=gen), dim=1) * 4,
               label=f"a wandering track, {T} frames (both axes move)")
