"""Plausible wrong answers for lesson 11's exercises, with a phrase the check must say."""

import torch
import torch.nn.functional as F


# --- cross_fade
def _fade(weights):
    def fade(first, last, num_frames):
        s = weights(num_frames).to(first.dtype)[None, :, None, None, None]
        return (1 - s) * first[:, None] + s * last[:, None]

    return fade


# --- warp_backward
def _warp(sign=1.0, swap=False, mode="bilinear", w_norm=lambda n: n - 1, padding="zeros",
          y_by_width=False):
    """The reference with one part changed (``y_by_width``: both axes scaled by the width)."""
    def warp(image, flow):
        B, C, H, W = image.shape
        ys, xs = torch.meshgrid(torch.arange(H, dtype=image.dtype),
                                torch.arange(W, dtype=image.dtype), indexing="ij")
        dx, dy = (flow[..., 1], flow[..., 0]) if swap else (flow[..., 0], flow[..., 1])
        x, y = xs + sign * dx, ys + sign * dy
        grid = torch.stack([2 * x / w_norm(W) - 1, 2 * y / w_norm(W if y_by_width else H) - 1], -1)
        return F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=True)

    return warp


# --- track_smoothness
def _acc(tr):
    return tr[:, 2:] - 2 * tr[:, 1:-1] + tr[:, :-2]


MUTANTS = {
    "cross_fade": [
        ("weights reversed", _fade(lambda n: torch.linspace(1, 0, n)), "wrong way"),
        ("s = k / T", _fade(lambda n: torch.arange(n) / n), "num_frames - 1"),
        ("16 frames hard-coded", _fade(lambda n: torch.linspace(0, 1, 16)), "argument"),
        ("given frames left out", _fade(lambda n: torch.linspace(0, 1, n + 2)[1:-1]), "given"),
        ("weights on the wrong axis (batch)",
         lambda a, b, n: (1 - torch.linspace(0, 1, n)[:, None, None, None, None]) * a[None]
         + torch.linspace(0, 1, n)[:, None, None, None, None] * b[None], "shape"),
    ],
    "warp_backward": [
        ("forward warp", _warp(sign=-1.0), "forward"),
        ("dx and dy swapped", _warp(swap=True), "swapped"),
        ("nearest neighbour", _warp(mode="nearest"), "bilinear"),
        ("grid normalised by W, not W - 1", _warp(w_norm=lambda n: n), "half a pixel"),
        ("border padding instead of zeros", _warp(padding="border"), "case"),
        ("both axes normalised by the width", _warp(y_by_width=True), "case"),
    ],
    "track_smoothness": [
        ("speed instead of acceleration",
         lambda tr: (tr[:, 1:] - tr[:, :-1]).norm(dim=-1).mean(1), "second difference"),
        ("L1 length", lambda tr: _acc(tr).abs().sum(-1).mean(1), "euclidean"),
        ("squared length", lambda tr: (_acc(tr) ** 2).sum(-1).mean(1), "squared"),
        ("divided by T", lambda tr: _acc(tr).norm(dim=-1).sum(1) / tr.shape[1], "T - 2"),
        ("one number for the batch", lambda tr: _acc(tr).norm(dim=-1).mean(), "shape"),
        ("averaged over the axes, not the frames",
         lambda tr: _acc(tr).norm(dim=1).mean(-1), "case"),
    ],
}
