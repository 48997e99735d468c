"""Capstone 09: temporal layers added to the pretrained image model, fine-tuned vs from scratch.

    python scripts/capstone09_inflate.py            # the full run: ~45 minutes on 2 busy CPU cores
    python scripts/capstone09_inflate.py --quick    # the same files at toy scale, ~1-2 minutes

The seed's exercise 1, measured. Three arms, each trained ``--steps`` steps on the same data
stream (Moving MNIST, 16 frames, text-to-video only), batch, learning rate, schedule and EMA,
once per seed in ``--seeds``:

- ``finetune_all``: the shipped image model (``tinyvid/weights/image_video.safetensors``)
  inflated (``tinyvid.nn.unet.inflate``: temporal conv + temporal attention with zero output
  projections, so step 0 *is* the image model on every frame), then every parameter trains;
- ``finetune_temporal``: the same start, but the image model's weights are frozen and only the
  temporal layers train (``train_only="temporal"``; AnimateDiff's recipe);
- ``scratch``: the same ``VideoUNet`` architecture from a random initialisation.

"Equal compute" here means equal steps, batch and data; the wall time of every run is
recorded beside it (a frozen step skips the weight gradients of the image layers, so it is
cheaper). Then every model, and two references (the image model applied per frame, i.e. every
inflated arm at step 0, and the shipped video model, trained on a GPU from the same image
model), is scored the same way: a held-out flow-matching loss on fixed clips, noise and times,
and ``tinyvid.metrics.evaluate.evaluate_text_to_video`` on ``--prompts`` prompts of the
built-in set (prompt accuracy, FVD and per-frame FID with tinyvid's detector, flicker,
smoothness, teleportation, shape change; each beside its real floor at the same sample count).

Writes ``results.json`` and ``examples.png`` into ``--out`` (``scripts/results/capstone09``);
lesson 09 reads them. Two arms train at once (``--parallel``), each on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

import torch

from tinyvid import checkpoints
from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.evaluate import evaluate_text_to_video, pipeline_generators, report
from tinyvid.metrics.prompt import eval_prompts
from tinyvid.nn.cond import Cond
from tinyvid.nn.unet import inflate
from tinyvid.pipelines import PipelineConfig, VideoPipeline, load_pipeline
from tinyvid.tasks import TASKS
from tinyvid.text import tokenize
from tinyvid.train import load_config, train

IMAGE_MODEL = "tinyvid/weights/image_video.safetensors"
ARMS = {
    "finetune_all": ("the shipped image model inflated (identity temporal layers); every parameter trains",
                     {"init_from": IMAGE_MODEL, "train_only": ""}),
    "finetune_temporal": ("the shipped image model inflated; its weights frozen, only the temporal layers train",
                          {"init_from": IMAGE_MODEL, "train_only": "temporal"}),
    "scratch": ("the same VideoUNet architecture from a random initialisation; every parameter trains",
                {"init_from": "", "train_only": ""}),
}
METRICS = {  # what the notebook tabulates, and which way is better
    "held_out_loss": (True, "flow-matching loss on fixed held-out clips, noise and times"),
    "fvd": (True, "Fréchet video distance, tinyvid's detector"),
    "frame_fid": (True, "per-frame Fréchet distance, the detector's frame branch"),
    "digit_accuracy": (False, "share of videos read back as the prompted digit(s)"),
    "direction_accuracy": (False, "share of one-digit videos moving the prompted way"),
    "flicker": (None, "mean |x_t - x_(t-1)|; closest to real is best"),
    "teleportation_rate": (True, "share of frame steps where the digit's centre jumps"),
    "smoothness_px": (True, "mean |acceleration| of the digit's centre, px/frame²"),
    "shape_change": (True, "how much a one-digit clip's glyph changes from frame to frame"),
}
SAMPLE_PROMPTS = ["a 3 moving right", "a 7 moving up-left"]
T2V_ONLY = {"t2v": 1.0, "i2v": 0.0, "extend": 0.0, "interpolate": 0.0}


def arm_config(arm: str, seed: int, args) -> dict:
    """The trainer overrides of one run: only ``init_from``/``train_only`` differ between arms."""
    return {
        "name": f"c09-{arm}-s{seed}", "out_dir": str(args.runs), **ARMS[arm][1], "steps": args.steps,
        "lr": args.lr, "batch_size": args.batch, "warmup_steps": args.warmup, "log_every": args.log_every,
        "ckpt_every": max(args.steps // 4, 1), "seed": seed, "threads": 1, "device": "cpu",
        "mask": T2V_ONLY, "ema_decay": args.ema, "temporal_lr_mult": 1.0,
        "preview_every": -1 if args.quick else 0,
    }


def run_arm(arm: str, seed: int, overrides: dict) -> dict:
    """Train one run (in a worker process); its timing, loss log and weights path."""
    torch.set_num_threads(1)
    cfg = load_config("video-unet", overrides)
    t0 = time.perf_counter()
    result = train(cfg, resume=False, progress=False)  # a fresh run: honest wall times
    seconds = time.perf_counter() - t0
    run_dir = Path(result["run_dir"])
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line]
    return {
        "arm": arm, "seed": seed, "steps": int(result["step"]), "train_seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(1, int(result["step"])), 3),
        "clips_seen": int(result["step"]) * cfg.batch_size,
        "loss_log": [[r["step"], round(r["loss"], 5)] for r in log],
        "weights": str(run_dir / "model.safetensors"),
    }


def identity_at_step0() -> dict:
    """The inflated model against the image model on the same frames: equal to the last bit?"""
    image = checkpoints.load_model(IMAGE_MODEL).float().eval()
    video = inflate(image).eval()
    c = image.config.latent_channels
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, c, 8, 8, generator=g)  # [B, T, c, h, w]
    cond = Cond(tokens=tokenize(["a 3 moving right", "a 7 moving up-left"]))
    t = torch.tensor([0.3, 0.8])
    with torch.no_grad():
        a, b = image(x, t, cond), video(x, t, cond)  # [B, T, c, h, w] each
    n_image = sum(p.numel() for p in image.parameters())
    n_video = sum(p.numel() for p in video.parameters())
    return {"max_abs_diff": float((a - b).abs().max()), "bitwise_equal": bool(torch.equal(a, b)),
            "params": {"image_model": n_image, "temporal_added": n_video - n_image, "video_model": n_video}}


def score(model, name: str, args, task, autoencoder, detector, prompts, floor_cache, samples) -> dict:
    pipe = VideoPipeline(autoencoder, model.float().eval(), PipelineConfig(objective="flow", guidance=args.guidance,
                                                                          steps=args.sample_steps))
    t2v, _, _ = pipeline_generators(pipe)
    rows = evaluate_text_to_video(t2v, prompts, detector, floor_cache, autoencoder=autoencoder)
    out = report(rows, {})
    scores = {k: v for k, v in out.items() if k in METRICS}
    scores["held_out_loss"] = round(task.held_out_loss(model, clip_seed=909, noise_seed=20_000, batches=args.loss_batches,
                                                         batch_size=args.batch), 5)
    samples[name] = t2v(SAMPLE_PROMPTS, [0] * len(SAMPLE_PROMPTS))  # [2, 16, 1, 64, 64]
    print(f"{name}: digit {scores.get('digit_accuracy', float('nan')):.3f}, fvd {scores['fvd']:.1f}, "
          f"held-out loss {scores['held_out_loss']:.4f}", file=sys.stderr)
    return scores, out["floors"]


def examples_figure(samples: dict, path: Path, every: int = 3) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(samples)
    frames = list(range(0, 16, every))
    fig, axes = plt.subplots(len(names) * len(SAMPLE_PROMPTS), len(frames),
                             figsize=(1.1 * len(frames) + 1.6, 1.1 * len(names) * len(SAMPLE_PROMPTS)), dpi=70)
    for i, (p, name) in enumerate((p, n) for p in range(len(SAMPLE_PROMPTS)) for n in names):
        for j, f in enumerate(frames):
            ax = axes[i, j]
            ax.imshow(samples[name][p, f, 0].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"frame {f}", fontsize=8)
            if j == 0:
                ax.set_ylabel(f"{name}\n'{SAMPLE_PROMPTS[p]}'", fontsize=6, rotation=0, ha="right", va="center")
    fig.suptitle("Text-to-video samples, same prompt and seed for every model (seed 0 runs)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="toy scale: the same files in ~1-2 minutes")
    ap.add_argument("--steps", type=int, default=300, help="training steps of every run")
    ap.add_argument("--batch", type=int, default=8, help="clips of 16 frames per step")
    ap.add_argument("--lr", type=float, default=2e-4, help="peak learning rate, every arm")
    ap.add_argument("--warmup", type=int, default=20, help="warm-up steps, every arm")
    ap.add_argument("--ema", type=float, default=0.995, help="EMA decay, every arm")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="one run per arm per seed")
    ap.add_argument("--prompts", type=int, default=32, help="evaluation prompts per model")
    ap.add_argument("--sample-steps", type=int, default=12, help="Heun steps per sample, every model")
    ap.add_argument("--guidance", type=float, default=4.0, help="classifier-free guidance, every model")
    ap.add_argument("--parallel", type=int, default=2, help="runs trained at once (one thread each)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for the evaluation")
    ap.add_argument("--runs", type=Path, default=Path("runs/capstone09"))
    ap.add_argument("--out", type=Path, default=Path("scripts/results/capstone09"))
    args = ap.parse_args(argv)
    if args.quick:
        args.steps, args.batch, args.warmup, args.prompts, args.sample_steps = 3, 2, 1, 3, 2
        if args.runs == Path("runs/capstone09"):
            args.runs = args.out / "runs"
    args.log_every = max(1, min(10, args.steps // 4))
    args.loss_batches = 1 if args.quick else 4
    args.out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    # 1. step 0: the inflated model is the image model on every frame
    identity = identity_at_step0()
    print(f"step 0: max |video - image| = {identity['max_abs_diff']}, bitwise equal: "
          f"{identity['bitwise_equal']}", file=sys.stderr)

    # 2. train every arm and seed, two runs at a time
    jobs = [(arm, seed) for seed in args.seeds for arm in ARMS]
    with ProcessPoolExecutor(max_workers=args.parallel, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(run_arm, arm, seed, arm_config(arm, seed, args)) for arm, seed in jobs]
        runs = [f.result() for f in futures]
    train_wall = time.perf_counter() - t_start

    # 3. score every model and the two references the same way
    torch.set_num_threads(args.threads)
    task = TASKS["video"](load_config("video-unet", {"device": "cpu", "mask": T2V_ONLY}), torch.device("cpu"))
    autoencoder = task.autoencoder
    detector = default_detector()
    prompts = eval_prompts(args.prompts, seed=0)
    floor_cache: dict = {}
    samples: dict = {}
    counts = identity["params"]  # inflation adds exactly the temporal layers (inflate checks it)
    trainable = {arm: counts["temporal_added"] if ARMS[arm][1]["train_only"] == "temporal"
                 else counts["video_model"] for arm in ARMS}
    arms = {arm: {"what": what, "trainable_params": trainable[arm], "runs": []}
            for arm, (what, _) in ARMS.items()}
    floors: dict = {}
    for run in runs:
        model = checkpoints.load_model(run.pop("weights"), check_hash=False)
        name = f"{run['arm']} (seed {run['seed']})"
        run["scores"], floors = score(model, name, args, task, autoencoder, detector, prompts,
                                      floor_cache, samples)
        if run["seed"] != args.seeds[0]:
            samples.pop(name)
        arms[run.pop("arm")]["runs"].append(run)
    image = inflate(checkpoints.load_model(IMAGE_MODEL)).float()
    shipped = load_pipeline("default", device="cpu").model.float()
    references = {
        "image_per_frame": {"what": "the shipped image model on every frame = each inflated arm at step 0",
                            "model": image},
        "shipped_video": {"what": "the shipped video model: the same image model inflated and trained on "
                                  "one H200 for ~717 k clips (tinyvid/weights/RESULTS.md)", "model": shipped},
    }
    for name, ref in references.items():
        ref["scores"], _ = score(ref.pop("model"), name, args, task, autoencoder, detector, prompts,
                                 floor_cache, samples)
    examples_figure(samples, args.out / "examples.png")

    # 4. write
    out = {
        "command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "scale": "quick" if args.quick else "full",
        "wall_seconds": round(time.perf_counter() - t_start, 1),
        "train_wall_seconds": round(train_wall, 1),
        "machine": {"cpu_cores": os.cpu_count(), "torch_threads": 1, "eval_threads": args.threads,
                    "torch": torch.__version__, "python": platform.python_version(),
                    "platform": platform.platform(),
                    "note": f"{args.parallel} runs trained at once, one thread each"},
        "setup": {"steps": args.steps, "batch_size": args.batch, "num_frames": 16, "lr": args.lr,
                  "warmup_steps": args.warmup, "ema_decay": args.ema, "seeds": args.seeds,
                  "objective": "flow", "modes": "text-to-video only",
                  "sampler": {"name": "heun", "steps": args.sample_steps, "guidance": args.guidance},
                  "eval_prompts": args.prompts, "held_out_clips": args.loss_batches * args.batch,
                  "data": "Moving MNIST 16 frames, 1-2 digits, shipped autoencoder latent 8x8x8",
                  "parallel": args.parallel},
        "identity_at_step0": identity,
        "arms": arms,
        "references": references,
        "real_floor": {k: v for k, v in floors.items() if k in METRICS},
        "metrics": {k: {"lower_is_better": lower, "what": what} for k, (lower, what) in METRICS.items()},
    }
    (args.out / "results.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out / 'results.json'} and examples.png in {out['wall_seconds']:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
