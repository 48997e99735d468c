"""Equal-budget ablation: what makes the video model keep its digit's shape from frame to frame?

    python scripts/ablate_consistency.py                      # every arm, the default budget
    python scripts/ablate_consistency.py --arms plain,spacetime --steps 600 --batch 16
    python scripts/ablate_consistency.py --quick              # tiny models, seconds (tests)

Every arm is a fine-tune of the shipped video model (``tinyvid/weights/default_video``) on the
faithful captions, with the same steps, batch, learning rate, data seeds and evaluation prompts;
only the design change differs. ``plain`` is the same architecture continued, so every other
arm is compared with it; ``shipped`` is the starting point, evaluated without training, and
``shift-N`` the shipped model sampled with a time shift only (no training):

- ``spacetime``: full ``T·h·w`` attention at the 4×4 level, zero-initialised (CogVideoX);
- ``cross-frame``: spatial attention also reads frame 0's keys and values (Text2Video-Zero);
- ``shared-noise``: noise correlated across frames (0.5) in training and sampling (PYoCo);
- ``shift``: training and sampling times shifted towards noise (×3, SD3 / Open-Sora).

Each arm runs as its own process (``--parallel`` at once, one torch thread each), so the
budget is counted in steps, not in wall time a busy machine would distort; the CPU seconds
each arm used are recorded beside it. Writes ``scripts/results/ablation/ablation.json`` (one
entry per arm, with the shipped weights' sha256) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "scripts" / "results" / "ablation"

# name -> (TrainConfig overrides, sampling-only PipelineConfig overrides); None: no training
ARMS: dict[str, tuple[dict | None, dict]] = {
    "shipped": (None, {}),
    "shift-3": (None, {"time_shift": 3.0}),
    "plain": ({}, {}),
    "spacetime": ({"model": {"spacetime_attention": True},
                   "lr_mult": {f"{s}.temporal_spacetime": 5 for s in ("down.1", "mid", "up.1")}}, {}),
    "cross-frame": ({"model": {"cross_frame": True}}, {}),
    "shared-noise": ({"noise_shared": 0.5}, {"noise_shared": 0.5}),
    "shift": ({"time_shift": 3.0}, {"time_shift": 3.0}),
}
DEFAULT_ARMS = "shipped,shift-3,plain,spacetime,cross-frame,shared-noise,shift"


def train_config(arm: str, args) -> dict:
    """The fine-tune every arm shares (the faithful-caption continuation of FIGURES.md, at a
    faster EMA for the short budget), plus the arm's change."""
    weights = ROOT / "tinyvid" / "weights"
    base = dict(
        name=arm, out_dir=str(args.runs), seed=0, threads=1, steps=args.steps,
        batch_size=args.batch, lr=3e-5, temporal_lr_mult=2.0, warmup_steps=min(20, args.steps // 5),
        ema_decay=0.99, ckpt_every=max(10, args.steps // 4), log_every=max(1, args.steps // 20),
        preview_every=-1, init_from=str(weights / "default_video.safetensors"),
        autoencoder=str(weights / "default_autoencoder.safetensors"),
    )
    if args.quick:  # a tiny stand-in of the same kind: no autoencoder, no shipped weights
        base.update(model_preset="tiny", init_from="", autoencoder="", num_frames=4,
                    num_digits=[1], warmup_steps=1)
    return base | (ARMS[arm][0] or {})


def run_arm(arm: str, args) -> dict:
    """Train (unless a sampling-only arm) and evaluate one arm, in this process."""
    import torch

    torch.set_num_threads(1)
    from tinyvid.checkpoints import load_model, sha256
    from tinyvid.metrics.evaluate import (
        evaluate_image_to_video,
        evaluate_text_to_video,
        pipeline_generators,
    )
    from tinyvid.metrics.prompt import eval_prompts
    from tinyvid.pipelines import load_pipeline, random_pipeline
    from tinyvid.train import load_config, train

    train_over, sample_over = ARMS[arm]
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if args.quick:
        pipe = random_pipeline("tiny")
    else:
        pipe = load_pipeline(device="cpu")
    result: dict = {"arm": arm, "train": train_over, "sampling": sample_over}
    if train_over is not None:
        cfg = load_config("video-unet", train_config(arm, args))
        out = train(cfg, progress=not args.quiet)
        model = load_model(Path(out["run_dir"]) / "model.safetensors", check_hash=False)
        pipe.model = model.eval()
        result.update(steps=cfg.steps, batch=cfg.batch_size, final_loss=out["loss"])
    result["train_cpu_s"] = round(time.process_time() - cpu0, 1)
    result["train_wall_s"] = round(time.perf_counter() - wall0, 1)
    pipe.config = replace(pipe.config, **sample_over)
    if args.quick:
        return result | {"evaluated": False}

    prompts = eval_prompts(args.prompts, seed=1)  # seed 1: not the project eval's prompt set
    t2v, i2v, _ = pipeline_generators(pipe)
    details: dict = {}
    rows = evaluate_text_to_video(t2v, prompts, autoencoder=pipe.autoencoder, details=details)
    rows += evaluate_image_to_video(i2v, prompts, autoencoder=pipe.autoencoder)
    figures = {f"{r.mode}.{r.metric}": r.value for r in rows}
    floors = {f"{r.mode}.{r.metric}": r.floor for r in rows if r.floor is not None}
    slow = [g for g in details["t2v"]["groups"] if g["group"] == "speed" and g["name"] == "slow"]
    diag = [g for g in details["t2v"]["groups"] if g["name"] == "diagonal"]
    figures["t2v.direction_slow"] = slow[0]["direction_accuracy"] if slow else None
    figures["t2v.direction_diagonal"] = diag[0]["direction_accuracy"] if diag else None
    return result | {
        "evaluated": True, "prompts": len(prompts), "figures": figures, "floors": floors,
        "eval_wall_s": round(time.perf_counter() - wall0 - result["train_wall_s"], 1),
        "shipped_sha256": sha256(ROOT / "tinyvid" / "weights" / "default_video.safetensors"),
    }


COLUMNS = [  # (header, key in figures, format)
    ("shape t2v", "t2v.shape_change", "{:.3f}"), ("shape i2v", "i2v.shape_change", "{:.3f}"),
    ("digit", "t2v.digit_accuracy", "{:.1%}"), ("direction", "t2v.direction_accuracy", "{:.1%}"),
    ("dir. slow", "t2v.direction_slow", "{:.1%}"), ("no digit", "t2v.no_digit_rate", "{:.1%}"),
    ("FVD", "t2v.fvd", "{:.0f}"), ("s/video", "t2v.seconds_per_video", "{:.2f}"),
]


def table(results: list[dict]) -> str:
    head = ["arm", "steps × batch", "CPU min"] + [c[0] for c in COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        fig = r.get("figures", {})
        cells = [r["arm"], f"{r['steps']} × {r['batch']}" if "steps" in r else "0",
                 f"{r['train_cpu_s'] / 60:.1f}"]
        cells += [fmt.format(fig[k]) if fig.get(k) is not None else "—" for _, k, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arms", default=DEFAULT_ARMS, help=f"comma-separated, from: {', '.join(ARMS)}")
    ap.add_argument("--steps", type=int, default=300, help="fine-tuning steps per arm")
    ap.add_argument("--batch", type=int, default=16, help="clips per step")
    ap.add_argument("--prompts", type=int, default=48, help="held-out evaluation prompts")
    ap.add_argument("--parallel", type=int, default=2, help="arms at once (one thread each)")
    ap.add_argument("--runs", type=Path, default=ROOT / "runs" / "ablation", help="run folders")
    ap.add_argument("--out", type=Path, default=RESULTS / "ablation.json")
    ap.add_argument("--quick", action="store_true", help="tiny models, a few steps, no eval")
    ap.add_argument("--quiet", action="store_true", help="no progress bars")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a worker: run this arm
    args = ap.parse_args(argv)
    if args.quick:
        args.steps, args.batch = min(args.steps, 4), min(args.batch, 2)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        ap.error(f"unknown arm(s) {unknown}; known: {', '.join(ARMS)}")
    if args.steps < 1 or args.batch < 1 or args.prompts < 1 or args.parallel < 1:
        ap.error("--steps, --batch, --prompts and --parallel must be ≥ 1")

    if args.one:  # worker: one arm, its result as JSON on stdout's last line
        print(json.dumps(run_arm(args.one, args)))
        return 0

    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH")] if p))
    passed = [f"--steps={args.steps}", f"--batch={args.batch}", f"--prompts={args.prompts}",
              f"--runs={args.runs}"] + (["--quick"] if args.quick else [])
    pending, running, results, merged = list(arms), {}, {}, {}
    while pending or running:
        while pending and len(running) < args.parallel:
            arm = pending.pop(0)
            cmd = [sys.executable, __file__, *passed, "--one", arm, "--quiet"]
            running[arm] = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
            print(f"started {arm}", file=sys.stderr)
        time.sleep(0.5)
        for arm, proc in list(running.items()):
            if proc.poll() is None:
                continue
            out = proc.stdout.read().strip().splitlines()
            del running[arm]
            if proc.returncode != 0 or not out:
                raise SystemExit(f"arm {arm} failed (exit {proc.returncode})")
            results[arm] = json.loads(out[-1])
            print(f"finished {arm}: {results[arm]['train_cpu_s']:.0f} CPU s", file=sys.stderr)
            merged = write_results(args, passed, results)  # after every arm: nothing is lost
    print(table([merged[a] for a in arms]))
    print(f"wrote {args.out}")
    return 0


def write_results(args, passed: list[str], results: dict) -> dict:
    """Merge ``results`` into ``args.out`` (arms run earlier with the same budget are kept)."""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.out.read_text()) if args.out.is_file() and not args.quick else {}
    if previous.get("steps") != args.steps or previous.get("batch") != args.batch:
        previous = {}  # another budget: not comparable
    merged = {**previous.get("arms", {}), **results}
    args.out.write_text(json.dumps({
        "command": "python scripts/ablate_consistency.py " + " ".join(
            [f"--arms={args.arms}", *passed[:3], f"--parallel={args.parallel}"]),
        "machine": f"{os.cpu_count()} CPU cores, one torch thread per arm, {args.parallel} arms at once",
        "steps": args.steps, "batch": args.batch, "prompts": args.prompts,
        "arms": merged}, indent=2) + "\n")
    return merged


if __name__ == "__main__":
    sys.exit(main())
