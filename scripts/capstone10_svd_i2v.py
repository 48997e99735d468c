"""Capstone 10: SVD-style image-to-video, fine-tuned from the shipped video model.

    python scripts/capstone10_svd_i2v.py            # the full run (three ~7-minute fine-tunes)
    python scripts/capstone10_svd_i2v.py --quick    # the same files at a tiny scale (< 2 min)

Stable Video Diffusion (Blattmann et al. 2023) conditions a video model on an image by
concatenating the image's latent to every frame, adding a global image embedding, and
noise-augmenting the image during training with the noise level given to the model
(``tinyvid.nn.svd``). Here three arms are fine-tuned from the shipped masked video model
(``tinyvid/weights/default_video.safetensors``), identical but for the noise augmentation of
the conditioning frame: none (sigma = 0), small and large (log-normal sigma; the shipped
autoencoder's latents have std ~1.0, measured below and recorded). They are compared on the
same held-out one-digit test clips, with the same starting noise, against

- the seed's image-to-video: paste the first frame's latent and update only the other frames
  (``seed_flow_loop(first_latent=..., time="fixed")``) on the shipped model;
- the shipped masked model (``load_pipeline("default").image_to_video`` with the caption).

The noise-augmented arms are also sampled at other inference noise levels (a small sweep).
``start_loss`` records how far the conversion moves the start: the shipped model was trained
with the image only on frame 0 (``known * mask``), so the image on every frame is new to it.
Arms train in separate processes (``--parallel``), one thread each.

Writes ``scripts/results/capstone10/results.json`` (setup, machine, training logs and times,
scores per method, the sweep) and ``examples.png`` (two clips, every method). Capstone 10's
notebook loads both.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

from tinyvid import load_pipeline
from tinyvid.checkpoints import load_model
from tinyvid.data import moving_mnist
from tinyvid.diffusion.losses import (
    MaskConfig,
    NoiseAugConfig,
    flow_matching_loss,
    svd_training_cond,
    training_cond,
)
from tinyvid.diffusion.seed_bugs import seed_flow_loop
from tinyvid.metrics import temporal
from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.evaluate import identity_kept
from tinyvid.metrics.quality import psnr
from tinyvid.metrics.shape import centroid_tracks, no_digit_rate, shape_change
from tinyvid.nn.svd import svd_from_video_unet
from tinyvid.pipelines import svd_image_to_video
from tinyvid.text import tokenize
from tinyvid.train import load_config, train

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scripts" / "results" / "capstone10"
RUNS = ROOT / "runs" / "capstone10"
VIDEO = "tinyvid/weights/default_video.safetensors"
AUTOENCODER = "tinyvid/weights/default_autoencoder.safetensors"
T = 16
CLIP_SEED = [10, 2023]  # the held-out eval clips: moving_mnist(split="test", num_digits=1)
GEN_SEED = 0  # starting noise of every method (the same noise for all)
STEPS, GUIDANCE = 12, 4.0  # Heun steps and guidance of the shipped pipeline, for every method
LOG_STD = 0.5  # spread of log sigma in both augmented arms (SVD: 0.5)
# sigma medians as fractions of the latent std (~1.0): small ~0.03x, large ~0.4x
ARMS = {
    "none": {},
    "small": {"log_mean": round(math.log(0.03), 3), "log_std": LOG_STD},
    "large": {"log_mean": round(math.log(0.4), 3), "log_std": LOG_STD},
}
SWEEP_ARMS = ("small", "large")  # sampled at every arm's inference sigma, not only their own


def median_sigma(noise_aug: dict) -> float:
    return round(math.exp(noise_aug["log_mean"]), 4) if noise_aug else 0.0


SIGMAS = {arm: median_sigma(cfg) for arm, cfg in ARMS.items()}  # inference sigma of each arm


# --------------------------------------------------------------------------------------------
# the eval clips and the metrics
# --------------------------------------------------------------------------------------------
def eval_clips(n: int):
    """``n`` held-out one-digit clips ``[n, T, 1, 64, 64]``, their labels and captions."""
    return moving_mnist(n, seed=CLIP_SEED, num_frames=T, split="test", num_digits=1)


def _direction_match(videos: torch.Tensor, real: torch.Tensor, frames: int = 4) -> float:
    """Share of clips whose centroid moves over frames 0..``frames`` within 22.5° of the real
    clip's (the eight captioned directions are 45° apart); still clips count as wrong."""
    track, real_track = centroid_tracks(videos), centroid_tracks(real)  # [B, T, 2] each
    d = track[:, frames] - track[:, 0]  # [B, 2]
    want = real_track[:, frames] - real_track[:, 0]  # [B, 2]
    cos = torch.nn.functional.cosine_similarity(d, want, dim=-1, eps=1e-6)  # [B]
    return float((cos > math.cos(math.pi / 8)).double().mean())


@torch.no_grad()
def scores(videos: torch.Tensor, real: torch.Tensor, digits: torch.Tensor, det) -> dict:
    """Every figure of one method on the eval clips. ``videos, real: [B, T, 1, 64, 64]``."""
    images = real[:, 0]  # [B, 1, 64, 64]: the given frame
    reads = det.frame_logits(videos).argmax(-1)  # [B, T]
    per_frame = (reads == digits[:, None]).float().mean(0)  # [T]
    speed = temporal.centroid_jumps(videos)  # [B, T-1] px
    return {
        "identity_kept": identity_kept(videos, images, det),
        "digit_read_share": float(per_frame.mean()),
        "digit_read_per_frame": [round(float(x), 4) for x in per_frame],
        "shape_change": float(shape_change(videos).mean()),
        "flicker": float(temporal.flicker(videos).mean()),
        "teleportation": temporal.teleportation_rate(videos),
        "speed_px_per_frame": float(speed.mean()),
        "direction_match": _direction_match(videos, real),
        "first_frame_psnr_db": float(psnr(videos[:, :1], images[:, None]).clamp(max=100).mean()),
        "no_digit_rate": no_digit_rate(videos),
    }


# --------------------------------------------------------------------------------------------
# the jobs: each runs in its own process with one thread
# --------------------------------------------------------------------------------------------
def _setup_thread(threads: int) -> None:
    torch.set_num_threads(threads)


def seconds_per_step(log: list[dict], fallback: float) -> float:
    """Training speed from the log's wall-clock stamps (leaves out loading, saving, preview)."""
    if len(log) < 2 or log[-1]["step"] == log[0]["step"]:
        return fallback
    return (log[-1]["time"] - log[0]["time"]) / (log[-1]["step"] - log[0]["step"])


def train_arm(arm: str, args: dict) -> dict:
    """Fine-tune one arm, then sample the eval clips at its inference sigma(s)."""
    _setup_thread(args["threads"])
    run_dir = Path(args["runs"]) / f"{args['scale']}-{arm}"
    shutil.rmtree(run_dir, ignore_errors=True)  # a fresh run: honest times, no stale resume
    cfg = load_config("svd-i2v", {
        "name": run_dir.name, "out_dir": str(run_dir.parent), "noise_aug": ARMS[arm],
        "steps": args["steps"], "batch_size": args["batch"], "lr": args["lr"],
        "warmup_steps": args["warmup"], "seed": args["seed"], "threads": args["threads"],
        "log_every": args["log_every"], "ckpt_every": args["steps"], "device": "cpu",
        "init_from": VIDEO, "autoencoder": AUTOENCODER,
    })
    start = time.perf_counter()
    out = train(cfg, resume=False, progress=False)
    train_s = time.perf_counter() - start
    log = [json.loads(x) for x in (run_dir / "log.jsonl").read_text().splitlines()]
    model = load_model(run_dir / "model.safetensors", check_hash=False).eval()
    ae = load_model(AUTOENCODER).eval()
    videos, _, captions = eval_clips(args["clips"])
    sigmas = sorted(set(SIGMAS.values())) if arm in SWEEP_ARMS else [SIGMAS[arm]]
    samples, gen_s = {}, {}
    for sigma in sigmas:
        t0 = time.perf_counter()
        samples[sigma] = svd_image_to_video(model, ae, videos[:, 0], captions, aug_level=sigma,
                                            steps=args["sample_steps"], guidance=GUIDANCE,
                                            seed=GEN_SEED)
        gen_s[sigma] = time.perf_counter() - t0
    return {
        "arm": arm,
        "training": {
            "steps": cfg.steps, "train_seconds": round(train_s, 1),
            "seconds_per_step": round(seconds_per_step(log, out["seconds"] / cfg.steps), 3),
            "clips_seen": cfg.steps * cfg.batch_size,
            "loss_log": [{"step": r["step"], "loss": round(r["loss"], 5)} for r in log],
        },
        "samples": samples,
        "seconds_per_clip": {s: round(v / args["clips"], 3) for s, v in gen_s.items()},
    }


@torch.no_grad()
def baselines(args: dict) -> dict:
    """The shipped model two ways: the seed's paste loop and the masked pipeline."""
    _setup_thread(args["threads"])
    pipe = load_pipeline("default", device="cpu")
    videos, _, captions = eval_clips(args["clips"])
    images = videos[:, 0]  # [B, 1, 64, 64]
    n = len(images)
    t0 = time.perf_counter()
    first = pipe.autoencoder.encode_video(images[:, None])[:, 0]  # [B, c, h, w]
    # Euler with twice the steps: the same number of model calls as Heun's 12 steps
    lat = seed_flow_loop(pipe.model, (n, T, *pipe.latent_shape), tokens=pipe.tokenizer(captions),
                         num_steps=2 * args["sample_steps"], time="fixed", first_latent=first,
                         guidance=GUIDANCE, generator=torch.Generator().manual_seed(GEN_SEED))
    pasted = pipe.autoencoder.decode_video(lat).float().clamp(0, 1)  # [B, T, 1, 64, 64]
    t1 = time.perf_counter()
    masked = pipe.image_to_video(images, prompt=captions, steps=args["sample_steps"],
                                 guidance=GUIDANCE, seed=GEN_SEED)
    t2 = time.perf_counter()
    return {"samples": {"seed paste": pasted, "masked": masked},
            "seconds_per_clip": {"seed paste": round((t1 - t0) / n, 3),
                                 "masked": round((t2 - t1) / n, 3)}}


def _job(kind: str, args: dict) -> dict:
    return baselines(args) if kind == "baselines" else train_arm(kind, args)


# --------------------------------------------------------------------------------------------
# the figure
# --------------------------------------------------------------------------------------------
def examples_figure(rows: dict[str, torch.Tensor], captions: list[str], path: Path, clips: int = 2) -> None:
    """Given frame + every 3rd frame, for ``clips`` clips x every method."""
    frames = list(range(0, T, 3))
    names = list(rows)
    R, C = clips * len(names), len(frames) + 1
    fig, axes = plt.subplots(R, C, figsize=(C * 0.8, R * 0.8))
    for k in range(clips):
        for m, name in enumerate(names):
            r = k * len(names) + m
            tiles = [rows["real"][k, 0, 0]] + [rows[name][k, t, 0] for t in frames]
            for c, tile in enumerate(tiles):
                ax = axes[r, c]
                ax.imshow(tile.numpy(), cmap="gray", vmin=0, vmax=1)
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title("given" if c == 0 else f"frame {frames[c - 1]}", fontsize=6)
            axes[r, 0].set_ylabel(f'"{captions[k]}"\n{name}' if m == 0 else name, fontsize=5)
    fig.suptitle("Image-to-video from the given frame: SVD-style arms vs the seed's paste and the "
                 "masked model", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


# --------------------------------------------------------------------------------------------
def latent_std(n: int = 64) -> float:
    """Std of the shipped autoencoder's latents on training clips (sets the sigma scale)."""
    ae = load_model(AUTOENCODER).eval()
    videos, _, _ = moving_mnist(n, seed=[5, 5], num_frames=T, num_digits=(1, 2))
    with torch.no_grad():
        return float(ae.encode_video(videos).std())


@torch.no_grad()
def start_gap(n: int, draws: int = 2) -> dict:
    """Flow loss of the shipped model on its own image-to-video task vs the converted SVD model
    at sigma = 0 before any step (same clips, times and noise): how far the new input assembly
    moves the starting point."""
    ae = load_model(AUTOENCODER).eval()
    parent = load_model(VIDEO).eval()
    svd = svd_from_video_unet(parent).eval()
    videos, _, captions = moving_mnist(n, seed=[77, 1], num_frames=T, split="test", num_digits=1)
    x0, tokens = ae.encode_video(videos), tokenize(captions)  # [n, T, c, h, w], [n, L]
    i2v = MaskConfig(t2v=0, i2v=1, extend=0, interpolate=0)
    losses = {"parent_masked_i2v": 0.0, "converted_svd_sigma0": 0.0}
    for k in range(draws):
        g = torch.Generator().manual_seed(k)
        losses["parent_masked_i2v"] += flow_matching_loss(
            parent, x0, training_cond(x0, tokens, i2v, 0.0, g), generator=g).item() / draws
        g = torch.Generator().manual_seed(k)
        losses["converted_svd_sigma0"] += flow_matching_loss(
            svd, x0, svd_training_cond(x0, tokens, NoiseAugConfig(), 0.0, g), generator=g).item() / draws
    return {k: round(v, 4) for k, v in losses.items()} | {"clips": n, "draws": draws}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 steps, batch 2, 4 clips, 4 sampling steps")
    ap.add_argument("--steps", type=int, default=None, help="fine-tuning steps per arm (full 180: ~7 min "
                    "at ~2.4 s/step, batch 8, one thread, shared CPU)")
    ap.add_argument("--batch", type=int, default=None, help="clips per step (full 8)")
    ap.add_argument("--lr", type=float, default=1e-4, help="peak lr: low for a fine-tune, but the "
                    "converted model starts far from its parent (flow loss ~1.06 vs 0.15)")
    ap.add_argument("--warmup", type=int, default=None, help="warm-up steps (full 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clips", type=int, default=None, help="eval clips (full 32, quick 4)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process")
    ap.add_argument("--parallel", type=int, default=2, help="processes at once (arms + baselines)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--runs", type=Path, default=RUNS, help="training run folders")
    args = ap.parse_args(argv)
    q = args.quick
    job = {
        "scale": "quick" if q else "full",
        "steps": args.steps or (3 if q else 180),
        "batch": args.batch or (2 if q else 8),
        "lr": args.lr,
        "warmup": args.warmup if args.warmup is not None else (1 if q else 20),
        "seed": args.seed,
        "clips": args.clips or (4 if q else 32),
        "threads": args.threads,
        "sample_steps": 4 if q else STEPS,
        "log_every": 1 if q else 10,
        "runs": str(args.runs),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the spawned processes inherit it
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    std = latent_std(16 if q else 64)
    gap = start_gap(8 if q else 32)

    # 1. train the arms and sample every method, `parallel` processes at a time
    kinds = ["large", "small", "none", "baselines"]  # longest first
    with ProcessPoolExecutor(args.parallel, mp_context=get_context("spawn")) as pool:
        results = dict(zip(kinds, pool.map(_job, kinds, [job] * len(kinds))))

    # 2. score everything on the same clips
    det = default_detector()
    real, labels, captions = eval_clips(job["clips"])
    digits = labels.digits[:, 0]  # [B]
    scored = {"real": scores(real, real, digits, det)}
    shown = {"real": real}
    seconds = {}
    for arm in ARMS:
        name = f"svd {arm}"
        shown[name] = results[arm]["samples"][SIGMAS[arm]]
        scored[name] = scores(shown[name], real, digits, det)
        seconds[name] = results[arm]["seconds_per_clip"][SIGMAS[arm]]
    for name, videos in results["baselines"]["samples"].items():
        shown[name] = videos
        scored[name] = scores(videos, real, digits, det)
        seconds[name] = results["baselines"]["seconds_per_clip"][name]
    sweep = {
        f"svd {arm}": {f"sigma={s}": scores(v, real, digits, det) for s, v in results[arm]["samples"].items()}
        for arm in SWEEP_ARMS
    }
    examples_figure(shown, captions, args.out / "examples.png")

    # 3. the record
    record = {
        "command": "python " + " ".join([f"scripts/{Path(__file__).name}", *sys.argv[1:]]),
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpu_cores": os.cpu_count(), "torch_threads": args.threads, "torch": torch.__version__,
            "python": platform.python_version(),
            "note": f"{args.parallel} processes at once, {args.threads} thread(s) each, on a shared CPU",
        },
        "scale": job["scale"],
        "wall_time_s": None,
        "setup": {
            "init_from": VIDEO, "autoencoder": AUTOENCODER, "latent_std": round(std, 4),
            "steps": job["steps"], "batch": job["batch"], "lr": job["lr"], "warmup": job["warmup"],
            "seed": job["seed"], "generation_seed": GEN_SEED, "sample_steps": job["sample_steps"],
            "guidance": GUIDANCE,
            "aug_levels": {arm: {"noise_aug": ARMS[arm], "median_sigma": SIGMAS[arm],
                                 "median_sigma_over_latent_std": round(SIGMAS[arm] / std, 4),
                                 "inference_sigma": SIGMAS[arm]} for arm in ARMS},
            "eval_clips": {"n": job["clips"], "seed": CLIP_SEED, "split": "test", "num_digits": 1,
                           "frames": T},
            "seed_paste": f"seed_flow_loop(time='fixed', first_latent=...), Euler, "
                          f"{2 * job['sample_steps']} steps (as many model calls as Heun's)",
            "metrics": "identity_kept: last frame reads as the given frame's digit; digit_read_share: "
                       "frames read as the clip's digit; direction_match: centroid motion over frames "
                       "0-4 within 22.5 deg of the real clip's; first_frame_psnr_db capped at 100",
        },
        "start_loss": gap,
        "training": {arm: results[arm]["training"] for arm in ARMS},
        "seconds_per_clip": seconds,
        "scores": scored,
        "inference_sigma_sweep": sweep,
    }
    record["wall_time_s"] = round(time.perf_counter() - start, 1)
    (args.out / "results.json").write_text(json.dumps(record, indent=1) + "\n")
    for name, s in scored.items():
        print(f"{name:>11}: kept {s['identity_kept']:.2f} read {s['digit_read_share']:.2f} "
              f"shape {s['shape_change']:.3f} flicker {s['flicker']:.4f} tele {s['teleportation']:.2f} "
              f"speed {s['speed_px_per_frame']:.2f} dir {s['direction_match']:.2f} "
              f"psnr0 {s['first_frame_psnr_db']:.1f} empty {s['no_digit_rate']:.2f}")
    print(f"wrote {args.out / 'results.json'} and examples.png in {record['wall_time_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
