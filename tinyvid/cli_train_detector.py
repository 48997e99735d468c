"""``python -m tinyvid train-detector``: train the evaluation detector, calibrate, measure, ship.

    python -m tinyvid train-detector            # ≈ 5 min on 2 idle CPU cores (the trainer's
                                                # `detector` preset, then calibrate and ship)
    python -m tinyvid train-detector --steps 200 --out /tmp/det.safetensors   # a smoke run

Trains :class:`tinyvid.tasks.detector.DetectorTask` with the shared loop (:mod:`tinyvid.train`),
recomputes the BatchNorm statistics, measures held-out accuracy, and writes
``tinyvid/weights/detector.safetensors`` (fp16) and ``detector.json`` in the standard checkpoint
format (:func:`tinyvid.checkpoints.save_model`: kind, config, the rebuild command and the
training record under ``"training"``), with the file's sha256 in ``tinyvid/weights/MANIFEST``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from tinyvid.checkpoints import load_model, save_model, sha256
from tinyvid.metrics.detector import DEFAULT_WEIGHTS
from tinyvid.tasks.detector import evaluate
from tinyvid.train import load_config, train


def main(argv: list[str] | None = None) -> int:
    """Train with the shared trainer (preset ``detector``), then calibrate, measure and ship."""
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
