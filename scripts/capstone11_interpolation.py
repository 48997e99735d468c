"""Capstone 11: video interpolation by diffusion vs a cross-fade vs optical flow.

    python scripts/capstone11_interpolation.py            # the full run (minutes on 2 cores)
    python scripts/capstone11_interpolation.py --quick    # the same files at a small scale

Given the first and last frames of held-out Moving MNIST clips, fill in the 14 frames between
them three ways: the shipped video model (``pipe.interpolate``, without and with the clip's caption), a linear
cross-fade
and Farnebäck optical flow with flow-warped blending (``tinyvid.baselines``). Score each against
the real middle frames (PSNR, SSIM) and as motion (smoothness, teleportation), on four kinds of
clip: a slow glide, a normal-speed glide, a bounce inside the gap, two digits crossing.

Writes ``scripts/results/capstone11/results.json`` (figures, machine, wall time, seeds) and
``examples.png`` (one clip of each kind, every method). Lesson 11 loads both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

import tinyvid
from tinyvid.baselines import cross_fade, flow_interpolate
from tinyvid.data import moving_mnist
from tinyvid.metrics import temporal
from tinyvid.metrics.quality import psnr, ssim

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scripts" / "results" / "capstone11"
T = 16
CASES = {
    "slow glide": "one digit at 1.5 px/frame, no bounce between the ends",
    "glide": "one digit at 3 px/frame, no bounce between the ends",
    "bounce in the gap": "one digit at 3 px/frame that bounces off a wall between the ends",
    "two digits crossing": "two digits whose paths pass within 12 px of each other mid-clip",
}
METHODS = ("diffusion", "diffusion + caption", "cross-fade", "optical flow")


def _bounces(track: np.ndarray) -> np.ndarray:
    """``[B, T, 2]`` positions -> ``[B]`` whether the velocity reverses in x or y mid-clip."""
    v = np.diff(track, axis=1)  # [B, T-1, 2]
    flip = (np.sign(v[:, 1:]) * np.sign(v[:, :-1])) < 0  # [B, T-2, 2]
    return flip[:, 1:-1].any(axis=(1, 2))  # ignore a reversal at the very first or last step


def pick_clips(case: str, n: int, seed: int) -> tuple[torch.Tensor, list[str]]:
    """``n`` held-out clips ``[n, T, 1, 64, 64]`` of one kind and their captions (seeded)."""
    two = case == "two digits crossing"
    speed = "slow" if case == "slow glide" else "normal"
    videos, labels, captions = moving_mnist(
        40 * n, seed=seed, num_frames=T, split="test", num_digits=2 if two else 1,
        speeds=speed,
    )
    pos = labels.positions.numpy()  # [B, T, 2 digits, 2 (x, y)]
    if two:
        gap = np.linalg.norm(pos[:, :, 0] - pos[:, :, 1], axis=-1)  # [B, T]
        keep = (gap[:, 3:13].min(axis=1) < 12) & (gap[:, [0, -1]].min(axis=1) > 20)
    else:
        bounce = _bounces(pos[:, :, 0])
        keep = bounce if case == "bounce in the gap" else ~bounce
    idx = np.flatnonzero(keep)[:n]
    if len(idx) < n:
        raise RuntimeError(f"only {len(idx)} clips of kind {case!r} in the pool; raise the pool size")
    return videos[torch.from_numpy(idx)], [captions[i] for i in idx]


def interpolations(pipe, videos: torch.Tensor, captions: list[str], seed: int) -> dict[str, torch.Tensor]:
    first, last = videos[:, 0], videos[:, -1]  # [B, 1, 64, 64]
    return {
        "diffusion": pipe.interpolate(first, last, num_frames=T, seed=seed),
        "diffusion + caption": pipe.interpolate(first, last, num_frames=T, prompt=captions, seed=seed),
        "cross-fade": cross_fade(first, last, T),
        "optical flow": flow_interpolate(first, last, T),
    }


def scores(fake: torch.Tensor, real: torch.Tensor) -> dict[str, float]:
    mid = slice(1, T - 1)  # the frames that were not given
    return {
        "psnr_db": float(psnr(fake[:, mid], real[:, mid]).clamp(max=100).mean()),
        "ssim": float(ssim(fake[:, mid], real[:, mid]).mean()),
        "smoothness": float(temporal.smoothness(fake).mean()),
        "teleportation": float(temporal.teleportation_rate(fake)),
    }


def examples_figure(rows: dict[str, dict[str, torch.Tensor]], path: Path) -> None:
    every = 3
    frames = list(range(0, T, every)) + ([T - 1] if (T - 1) % every else [])
    fig, axes = plt.subplots(
        len(rows) * 5, len(frames), figsize=(len(frames) * 0.95, len(rows) * 5 * 0.95)
    )
    for r, (case, vids) in enumerate(rows.items()):
        for m, name in enumerate(("real", *METHODS)):
            for c, t in enumerate(frames):
                ax = axes[5 * r + m, c]
                ax.imshow(vids[name][0, t, 0].numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if c == 0:
                    ax.set_ylabel(f"{case}\n{name}" if m == 0 else name, fontsize=7)
                if r == 0 and m == 0:
                    ax.set_title(f"frame {t}", fontsize=7)
    fig.suptitle("Interpolation: frames 1-14 made from frames 0 and 15 (given)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 clips per kind, 1 seed")
    ap.add_argument("--clips", type=int, default=None, help="clips per kind (default 24, quick 3)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    n = args.clips or (3 if args.quick else 24)
    seeds = [0] if args.quick else [0, 1]
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pipe = tinyvid.load_pipeline()
    results, examples = {}, {}
    for k, case in enumerate(CASES):
        real, captions = pick_clips(case, n, seed=100 + k)
        per_seed = []
        for seed in seeds:
            fakes = interpolations(pipe, real, captions, seed)
            per_seed.append({m: scores(v, real) for m, v in fakes.items()})
            if seed == seeds[0]:
                examples[case] = {"real": real, **fakes}
        results[case] = {
            "what": CASES[case],
            "real": {"smoothness": float(temporal.smoothness(real).mean()),
                     "teleportation": float(temporal.teleportation_rate(real))},
            # diffusion is random: mean and spread (max - min) over seeds; baselines are deterministic
            **{m: {key: float(np.mean([s[m][key] for s in per_seed])) for key in per_seed[0][m]}
               for m in METHODS},
            "spread_over_seeds": {
                m: {key: float(np.ptp([s[m][key] for s in per_seed])) for key in per_seed[0][m]}
                for m in METHODS if m.startswith("diffusion")
            },
        }
        print(f"{case}: " + ", ".join(
            f"{m} PSNR {results[case][m]['psnr_db']:.1f} dB SSIM {results[case][m]['ssim']:.3f}"
            for m in METHODS))
    examples_figure(examples, args.out / "examples.png")
    record = {
        "scale": "quick" if args.quick else "full",
        "clips_per_kind": n,
        "diffusion_seeds": seeds,
        "frames": T,
        "machine": f"{os.cpu_count()} CPU cores ({platform.machine()}), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads",
        "wall_time_s": round(time.perf_counter() - start, 1),
        "command": "python scripts/capstone11_interpolation.py" + (" --quick" if args.quick else ""),
        "results": results,
    }
    (args.out / "results.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {args.out / 'results.json'} and examples.png in {record['wall_time_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
