"""The evaluation detector's task (:class:`tinyvid.nn.detector.Detector`): classification losses.

Every batch is generated on the fly from ``seed=[seed, step]`` (a mix of one- and two-digit
videos, training glyphs, lightly distorted by random affine maps so the detector generalises
to glyphs it never saw). Held-out accuracy (:func:`evaluate`) is measured on ``split="test"``
glyphs (never used in training) with seeds ``[seed, EVAL_OFFSET + i]``, disjoint from the
training seeds. ``python -m tinyvid train-detector`` (:mod:`tinyvid.cli_train_detector`) trains
with this task, calibrates, measures and ships.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from tinyvid.data import DigitBank, load_digit_bank, moving_mnist
from tinyvid.nn.detector import Detector
from tinyvid.tasks.base import Task

FRAMES_PER_VIDEO = 3  # frames of each training video the frame branch sees

EVAL_OFFSET = 1_000_000  # held-out seeds are [seed, EVAL_OFFSET + i]; training uses [seed, step]


def augmented_bank(bank: DigitBank, seed: int) -> DigitBank:
    """The glyphs under random small affine maps (±12° rotation, ±10 % scale, ±0.15 shear)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(bank.images).float()[:, None] / 255.0  # [N, 1, 28, 28]
    n = len(x)
    angle = (torch.rand(n, generator=g) * 2 - 1) * math.radians(12)  # [N]
    scale = 1 + (torch.rand(n, generator=g) * 2 - 1) * 0.10  # [N]
    shear = (torch.rand(n, generator=g) * 2 - 1) * 0.15  # [N]
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos, -sin + shear, torch.zeros(n)], 1),
            torch.stack([sin, cos, torch.zeros(n)], 1),
        ],
        dim=1,
    )  # [N, 2, 3]: output pixel -> input pixel
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # [N, 28, 28, 2]
    y = F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")  # [N, 1, 28, 28]
    images = (y[:, 0].clamp(0, 1) * 255).round().to(torch.uint8).numpy()  # [N, 28, 28]
    return DigitBank(images, bank.labels)


def digit_target(digits: torch.Tensor, k: int = 10) -> torch.Tensor:
    """``[B, 2]`` digit labels (-1 absent) -> ``[B, k]`` target distribution: one-hot for one
    digit, 1/2 on each of two different digits (softmax cross-entropy learns much faster than
    per-digit sigmoids here)."""
    out = torch.zeros(len(digits), k + 1)
    out.scatter_add_(1, torch.where(digits < 0, k, digits), torch.ones(digits.shape))
    out = out[:, :k]  # [B, k]
    return out / out.sum(dim=1, keepdim=True)  # [B, k]


def losses(det: Detector, videos: torch.Tensor, labels, frames_per_video: int, g) -> dict:
    """Sum of the heads' losses on one batch (direction and speed only where one digit)."""
    B, T = videos.shape[:2]
    # the frame branch sees a few random frames of each video (frames are near-duplicates)
    idx = torch.rand(B, T, generator=g).argsort(1)[:, :frames_per_video]  # [B, k]
    out = det(videos, frame_index=idx)
    target = digit_target(labels.digits)  # [B, 10]
    single = labels.num_digits == 1  # [B]
    loss = {
        "digits": F.cross_entropy(out.digits, target),
        "count": F.cross_entropy(out.count, labels.num_digits - 1),
    }
    if single.any():  # a small batch may hold only two-digit videos: no direction to learn
        loss["direction"] = F.cross_entropy(out.direction[single], labels.directions[single, 0])
        loss["speed"] = F.cross_entropy(out.speed[single], labels.speeds[single])
    frame_target = target[:, None].expand_as(out.frame_digits)  # [B, k, 10]
    loss["frame"] = F.cross_entropy(
        rearrange(out.frame_digits, "b k d -> (b k) d"), rearrange(frame_target, "b k d -> (b k) d")
    )
    return loss


@torch.no_grad()
def recalibrate_batchnorm(det: Detector, seed: int, batches: int = 20, batch: int = 32) -> None:
    """Recompute the frame branch's BatchNorm statistics with the final weights: a plain
    average over fresh frames (training-time running averages lag behind the weights)."""
    norms = [m for m in det.frame.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    det.frame.train()
    for k in range(batches):
        v, _, _ = moving_mnist(
            batch, seed=[seed, 3 * EVAL_OFFSET + k], num_frames=4, num_digits=(1, 2)
        )
        det.frame(rearrange(v * 2 - 1, "b t c h w -> (b t) c h w"))  # [B*4, D]
    for m in norms:
        m.momentum = 0.1


@torch.no_grad()
def evaluate(det: Detector, seed: int, n: int = 1000, batch: int = 100) -> dict[str, float]:
    """Held-out accuracy on test-split glyphs with seeds disjoint from training."""
    recalibrate_batchnorm(det, seed)
    det.eval()
    hits = {"digit": 0, "direction": 0, "speed": 0, "frame_digit": 0, "two_digits": 0, "count": 0}
    frames = 0
    for i in range(0, n, batch):
        b = min(batch, n - i)  # the last batch may be short
        v, lab, _ = moving_mnist(b, seed=[seed, EVAL_OFFSET + i], split="test", num_digits=1)
        p = det.predict(v)
        hits["digit"] += int((p["digit"] == lab.digits[:, 0]).sum())
        hits["direction"] += int((p["direction"] == lab.directions[:, 0]).sum())
        hits["speed"] += int((p["speed"] == lab.speeds).sum())
        hits["count"] += int((p["num_digits"] == 1).sum())
        fl = det.frame_logits(v).argmax(-1)  # [B, T]
        hits["frame_digit"] += int((fl == lab.digits[:, :1]).sum())
        frames += fl.numel()
        v2, lab2, _ = moving_mnist(
            b, seed=[seed, 2 * EVAL_OFFSET + i], split="test", num_digits=2
        )
        p2 = det.predict(v2)
        same = (p2["digits"].sort(1).values == lab2.digits.sort(1).values).all(1)  # [B]
        hits["two_digits"] += int(same.sum())
        hits["count"] += int((p2["num_digits"] == 2).sum())
    det.train()
    return {
        "digit_accuracy": hits["digit"] / n,
        "direction_accuracy": hits["direction"] / n,
        "speed_accuracy": hits["speed"] / n,
        "frame_digit_accuracy": hits["frame_digit"] / frames,
        "two_digit_accuracy": hits["two_digits"] / n,
        "count_accuracy": hits["count"] / (2 * n),
    }


_BANK_CACHE: dict = {}  # the augmented glyph bank of the current block of 100 batches


def detector_batch(batch_size: int, seed: int, k: int):
    """Training batch ``k``: ``moving_mnist(seed=[seed, k])`` on distorted glyphs (redrawn every
    100 batches), one or two digits, and for a third of the batches a shorter clip (6-15 frames)
    so the detector handles any T. Depends on ``(seed, k)`` only, so training resumes exactly."""
    key = seed * 100_003 + (k // 100) * 100
    if _BANK_CACHE.get("key") != key:
        _BANK_CACHE.update(key=key, bank=augmented_bank(load_digit_bank("train"), seed=key))
    rng = np.random.default_rng([seed, k, 7])
    T = 16 if rng.random() > 1 / 3 else int(rng.integers(6, 17))
    return moving_mnist(batch_size, seed=[seed, k], num_frames=T, num_digits=(1, 2),
                        bank=_BANK_CACHE["bank"])


class DetectorTask(Task):
    """Batches of :func:`detector_batch` (made in this process: its glyph bank is cached here)
    and the sum of the heads' :func:`losses`; no preview (held-out accuracy is its figure)."""

    def batches(self, start, world, rank, workers=0, pin=False):
        cfg = self.cfg
        k = start * world + rank
        while True:
            yield detector_batch(cfg.batch_size, cfg.seed, k)
            k += world

    def preview(self, ema, path, seed=0):
        return None  # nothing to look at

    def loss(self, model, batch, g):
        videos, labels, _ = batch
        videos = videos.to(self.device, non_blocking=True)
        return sum(losses(model, videos, labels, FRAMES_PER_VIDEO, g).values())
