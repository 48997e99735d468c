"""Train the evaluation detector (:mod:`tinyvid.metrics.detector`) on fresh Moving MNIST.

Every batch is generated on the fly from ``seed=[seed, step]`` (a mix of one- and two-digit
videos, training glyphs, lightly distorted by random affine maps so the detector generalises
to glyphs it never saw). Held-out accuracy is measured on ``split="test"`` glyphs (never used
in training) with seeds ``[seed, EVAL_OFFSET + i]``, disjoint from the training seeds.

    python -m tinyvid train-detector            # ≈ 5 min on 2 idle CPU cores (the trainer's
                                                # `detector` preset, then calibrate and ship)
    python -m tinyvid.metrics.train_detector --steps 200 --out /tmp/det.safetensors   # a smoke run

Writes ``tinyvid/weights/detector.safetensors`` (fp16) and ``detector.json`` in the standard
checkpoint format (:func:`tinyvid.checkpoints.save_model`: kind, config, the rebuild command
and the training record under ``"training"``), and the file's sha256 in ``tinyvid/weights/MANIFEST``.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange

from tinyvid.checkpoints import load_model, save_model, sha256
from tinyvid.data import DigitBank, load_digit_bank, moving_mnist
from tinyvid.metrics.detector import DEFAULT_WEIGHTS
from tinyvid.nn.detector import Detector

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



def main(argv: list[str] | None = None) -> int:
    """Train with the shared trainer (preset ``detector``), then calibrate, measure and ship."""
    from tinyvid.train import load_config, train

    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(
        prog="python -m tinyvid train-detector", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--steps", type=int, default=3000, help="optimizer steps (default 3000)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    ap.add_argument("--eval-videos", type=int, default=1000, help="held-out videos per eval")
    ap.add_argument("--out-dir", default="runs", help="where the training run lives")
    ap.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--no-manifest", action="store_true", help="don't touch MANIFEST")
    ap.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    args = ap.parse_args(argv)
    if args.steps < 1 or args.batch_size < 2:
        raise ValueError(
            f"--steps must be ≥ 1 and --batch-size ≥ 2, got {args.steps}, {args.batch_size}"
        )
    cfg = load_config("detector", {"steps": args.steps, "batch_size": args.batch_size,
                                   "lr": args.lr, "seed": args.seed, "threads": args.threads,
                                   "out_dir": args.out_dir,
                                   "warmup_steps": min(100, max(1, args.steps // 30))})
    t0 = time.time()
    result = train(cfg, resume=not args.fresh)
    train_s = time.time() - t0
    det = load_model(result["run_dir"] / "model.safetensors", check_hash=False)  # the EMA
    acc = evaluate(det, args.seed, n=args.eval_videos)  # recalibrates BatchNorm first
    print(f"trained {args.steps} steps in {train_s:.0f}s")
    print(
        f"held-out ({args.eval_videos} single-digit + {args.eval_videos} two-digit "
        "test-glyph videos): " + ", ".join(f"{k} {x:.4f}" for k, x in acc.items()),
        flush=True,
    )
    record = {
        "command": ("python -m tinyvid train-detector " + shlex.join(argv)).strip(),
        "trainer_preset": "detector",
        "seed": args.seed,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "train_seconds": round(train_s, 1),
        "threads": args.threads,
        "held_out": {k: round(x, 4) for k, x in acc.items()},
        "held_out_videos": args.eval_videos,
    }
    path = save_model(det.eval(), args.out, fp16=True, rebuild=record["command"],
                      extra={"training": record}, manifest=not args.no_manifest)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), sha256 {sha256(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
