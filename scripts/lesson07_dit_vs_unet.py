"""Lesson 07: our DiT against our video U-Net, trained from scratch at equal steps and batch.

    python scripts/lesson07_dit_vs_unet.py                      # ~40 minutes on 2 busy CPU cores
    python scripts/lesson07_dit_vs_unet.py --steps 20 --prompts 8 --out /tmp/l07   # a smoke run

Two (or three) training runs, all from scratch on the shipped frame autoencoder's latent, flow matching,
the same data stream, seed, batch, learning rate and schedule (warm-up, cosine decay over the
run), EMA and everything else the DiT's ``video`` preset sets:

- ``dit``: the DiT (spacetime patches, adaLN-Zero) for ``--steps`` steps;
- ``unet``: the video U-Net (not inflated from the image model) for the same ``--steps`` steps;
- ``unet_equal_time`` (with ``--equal-time``): the video U-Net again, given the DiT's wall time
  instead of its step count (the trainer's ``time_budget_s``), because a U-Net step is cheaper.

Each run is also capped at ``--max-minutes`` (the trainer then shortens the DiT's schedule; choose
``--steps`` that fit, so that both arms run the same schedule). Then every model (and the shipped video model,
trained on a GPU for ~700 k clips, as the reference for "trained") is scored the same way:
a held-out flow-matching loss (fixed test clips, noise, times and masks), and
``tinyvid.metrics.evaluate.evaluate_text_to_video`` on ``--prompts`` prompts of the built-in
set (prompt accuracy, FVD and per-frame FID with tinyvid's detector, flicker, smoothness,
teleportation; each beside its real floor at the same sample count). The JSON and a few
sample clips go to ``--out``; lesson 07 reads them.

The presets are found by what they train (task ``video`` and the model kind), not by name,
so renaming a preset needs no change here; the names used are recorded in the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from tinyvid import checkpoints
from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.evaluate import evaluate_text_to_video, pipeline_generators, report
from tinyvid.metrics.prompt import eval_prompts
from tinyvid.nn import cost
from tinyvid.nn.cond import Cond
from tinyvid.pipelines import PipelineConfig, VideoPipeline, load_pipeline
from tinyvid.tasks import TASKS
from tinyvid.train import PRESETS, load_config, train

# the architectures compared, by the model kind their training preset builds
ARCHITECTURES = {"dit": "dit", "unet": "video_unet"}
SAMPLE_PROMPTS = ["a 3 moving right", "a 7 moving up-left", "a 5 moving down"]


def preset_for(model_kind: str) -> str:
    """The name of the full-size video preset that trains ``model_kind``."""
    names = [
        name
        for name, p in PRESETS.items()
        if p.get("task") == "video" and p.get("model_kind") == model_kind and not name.startswith("tiny")
    ]
    if not names:
        raise ValueError(f"no video preset trains model_kind={model_kind!r}; presets: {sorted(PRESETS)}")
    return names[0]


def run_arm(name: str, model_kind: str, args, steps: int, budget_s: float) -> dict:
    """Train one arm from scratch; its config, timing and loss log."""
    preset = preset_for(model_kind)
    overrides = {
        "name": name, "out_dir": str(args.runs), "init_from": "", "steps": steps, "lr": args.lr,
        "batch_size": args.batch, "warmup_steps": args.warmup, "log_every": 10,
        "ckpt_every": 10_000, "seed": 0, "threads": args.threads, "device": args.device,
        "time_budget_s": budget_s, "workers": 0 if args.device == "cpu" else 4,
    }
    cfg = load_config(preset, overrides)
    t0 = time.perf_counter()
    result = train(cfg, resume=False, progress=False)
    seconds = time.perf_counter() - t0
    run_dir = Path(result["run_dir"])
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line]
    return {
        "preset": preset, "model_kind": model_kind, "steps": int(result["step"]),
        "batch_size": cfg.batch_size, "lr": cfg.lr, "warmup_steps": cfg.warmup_steps,
        "ema_decay": cfg.ema_decay, "clips_seen": int(result["step"]) * cfg.batch_size,
        "train_seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(1, int(result["step"])), 3),
        "loss_log": [[r["step"], round(r["loss"], 5)] for r in log],
        "weights": str(run_dir / "model.safetensors"),
    }


def forward_cost(model) -> dict:
    """FLOPs and parameters of one forward on one 16-frame latent clip, and its median time."""
    c = model.config.latent_channels
    x = torch.randn(1, 16, c, 8, 8)
    t = torch.full((1,), 0.5)
    with torch.no_grad():
        measured = cost(model, x, t, Cond())
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            model(x, t, Cond())
            times.append(time.perf_counter() - t0)
    return {"params": measured.params, "gflops_per_forward": round(measured.flops / 1e9, 3),
            "forward_ms_median": round(1000 * float(np.median(times)), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60, help="training steps of the equal-step arms")
    ap.add_argument("--lr", type=float, default=3e-4, help="peak learning rate, every arm")
    ap.add_argument("--warmup", type=int, default=10, help="warm-up steps, every arm")
    ap.add_argument("--batch", type=int, default=16, help="clips of 16 frames per step")
    ap.add_argument("--max-minutes", type=float, default=30.0, help="cap on each arm's training")
    ap.add_argument("--prompts", type=int, default=32, help="evaluation prompts per model")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    ap.add_argument("--device", default="cpu", help="where to train (evaluation runs on the CPU)")
    ap.add_argument("--guidance", type=float, default=3.0, help="classifier-free guidance, all models")
    ap.add_argument("--runs", type=Path, default=Path("runs/lesson07"))
    ap.add_argument("--out", type=Path, default=Path("scripts/results/lesson07"))
    ap.add_argument("--equal-time", action="store_true",
                    help="also train the U-Net for the DiT's wall time (a third arm)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    cap = 60 * args.max_minutes

    # 1. train
    arms = {"dit": run_arm("l07-dit", ARCHITECTURES["dit"], args, args.steps, cap)}
    # the U-Net gets exactly the steps the DiT made (the cap may have cut the DiT's)
    arms["unet"] = run_arm("l07-unet", ARCHITECTURES["unet"], args, arms["dit"]["steps"], cap)
    if args.equal_time:
        budget = min(cap, arms["dit"]["train_seconds"])
        arms["unet_equal_time"] = run_arm("l07-unet-time", ARCHITECTURES["unet"], args,
                                          100 * args.steps, budget)
        arms["unet_equal_time"]["time_budget_s"] = budget

    # 2. score every model the same way, the shipped one as the "trained" reference
    task = TASKS["video"](load_config(preset_for("dit"), {"device": "cpu"}), torch.device("cpu"))
    autoencoder = task.autoencoder  # the latent space every arm was trained in
    pipe_cfg = PipelineConfig(objective="flow", guidance=args.guidance, steps=12)
    models = {name: checkpoints.load_model(arm["weights"], check_hash=False) for name, arm in arms.items()}  # on the CPU
    models["shipped_unet"] = load_pipeline("default", device="cpu").model.float()
    detector = default_detector()
    prompts = eval_prompts(args.prompts, seed=0)
    floor_cache: dict = {}
    scores, samples = {}, {}
    for name, model in models.items():
        pipe = VideoPipeline(autoencoder, model.eval(), pipe_cfg)
        t2v, _, _ = pipeline_generators(pipe)
        rows = evaluate_text_to_video(t2v, prompts, detector, floor_cache)
        scores[name] = report(rows, {}) | {"held_out_loss": round(task.held_out_loss(model, clip_seed=777, noise_seed=10_000), 5)}
        scores[name].pop("rows")
        scores[name].pop("config")
        scores[name]["forward"] = forward_cost(model)
        clips = t2v(SAMPLE_PROMPTS, [0] * len(SAMPLE_PROMPTS))  # [3, 16, 1, 64, 64]
        samples[name] = (clips[:, :, 0] * 255).round().clamp(0, 255).to(torch.uint8).numpy()
        print(f"{name}: digit {scores[name]['digit_accuracy']:.3f}, fvd {scores[name]['fvd']:.1f}, "
              f"held-out loss {scores[name]['held_out_loss']:.4f}", file=sys.stderr)

    # 3. write
    for arm in arms.values():
        arm.pop("weights")
    out = {
        "command": "python " + " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "machine": {"cpu_cores": os.cpu_count(), "torch_threads": args.threads, "train_device": args.device,
                    "torch": torch.__version__, "python": platform.python_version(),
                    "platform": platform.platform(), "note": "shared machine, timings under load"},
        "data": "Moving MNIST 16 frames, 1-2 digits, shipped autoencoder latent 8x8x8",
        "objective": "flow", "sampler": {"name": pipe_cfg.sampler, "steps": pipe_cfg.steps,
                                         "guidance": args.guidance},
        "eval_prompts": args.prompts, "sample_prompts": SAMPLE_PROMPTS,
        "shipped_unet_training": "scripts/train_gpu.sh on one H200: ~717 k clips (tinyvid/weights/RESULTS.md)",
        "arms": arms, "scores": scores,
    }
    (args.out / "dit_vs_unet.json").write_text(json.dumps(out, indent=1) + "\n")
    np.savez_compressed(args.out / "samples.npz", prompts=np.array(SAMPLE_PROMPTS), **samples)
    print(f"wrote {args.out / 'dit_vs_unet.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
