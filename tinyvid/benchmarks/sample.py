"""How fast a video is sampled (``python -m tinyvid bench sample``).

Text-to-video at the pipeline's defaults (sampler, steps, guidance), 16 frames: seconds per
video, time per sampling step, and the achieved GFLOP/s (model and decoder FLOPs counted by
``torch.utils.flop_counter`` on one forward, times the number of forwards). Speed does not
depend on the weights, so without shipped weights it measures an untrained model of the
default architecture and says so.
"""

from __future__ import annotations

import argparse
import time

import torch

from tinyvid.benchmarks import machine, write_json
from tinyvid.diffusion.samplers import make_sampler
from tinyvid.nn.cond import Cond
from tinyvid.pipelines import PipelineConfig, load_pipeline, random_pipeline


def _flops(fn) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    try:
        from tinyvid.nn.measure import CPU_ATTENTION_FLOPS
    except ImportError:  # pragma: no cover
        CPU_ATTENTION_FLOPS = {}
    with (
        torch.inference_mode(),
        FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION_FLOPS) as fc,
    ):
        fn()
    return fc.get_total_flops()


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="tinyvid bench sample", description=__doc__)
    p.add_argument("--weights", default="default", help="shipped pipeline name")
    p.add_argument(
        "--random-weights",
        choices=("tiny", "default"),
        default=None,
        help="measure an untrained model of this size (default: shipped weights, "
        "or the default size untrained when they are missing)",
    )
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--steps", type=int, default=None, help="default: the pipeline's")
    p.add_argument("--sampler", default=None, help="default: the pipeline's")
    p.add_argument("--guidance", type=float, default=None, help="default: the pipeline's")
    p.add_argument("--videos", type=int, default=3, help="timed videos (after one warm-up)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    # 1. the pipeline
    weights = "shipped"
    if args.random_weights:
        pipe, weights = (
            random_pipeline(args.random_weights, device=args.device),
            f"untrained {args.random_weights}",
        )
    else:
        try:
            pipe = load_pipeline(args.weights, device=args.device)
        except FileNotFoundError as err:
            print(f"note: {err}\nnote: measuring an untrained model of the default size instead")
            config = PipelineConfig(min_frames=4, num_frames=16, max_frames=max(16, args.frames))
            pipe, weights = (
                random_pipeline("default", config, device=args.device),
                "untrained default",
            )
    cfg = pipe.config
    steps = args.steps or cfg.steps
    sampler = args.sampler or cfg.sampler
    guidance = cfg.guidance if args.guidance is None else args.guidance
    prompt = "a 7 moving up-left"
    run = lambda seed: pipe.text_to_video(
        prompt, num_frames=args.frames, steps=steps, guidance=guidance, sampler=sampler, seed=seed
    )

    # 2. time it (one warm-up video first: lazy kernel set-up is not sampling speed)
    run(0)
    start = time.perf_counter()
    for k in range(args.videos):
        run(k + 1)
    per_video = (time.perf_counter() - start) / args.videos

    # 3. count the work: model forwards (batch 2 with guidance) + one decode
    calls_per_step = getattr(make_sampler(sampler, cfg.objective), "model_calls", 1)
    batch = 2 if guidance != 1.0 else 1
    c, h, w = pipe.latent_shape
    dev = pipe.device
    x = torch.zeros(batch, args.frames, c, h, w, device=dev)
    cond = Cond(tokens=torch.zeros(batch, 8, dtype=torch.long, device=dev))
    forward = _flops(lambda: pipe.model(x, torch.full((batch,), 0.5, device=dev), cond))
    decode = _flops(lambda: pipe.autoencoder.decode_video(x[:1]))
    flops = steps * calls_per_step * forward + decode
    gflops_per_s = flops / per_video / 1e9

    m = machine()
    print(
        f"T2V {args.frames} frames, {sampler} x {steps} steps, guidance {guidance:g} "
        f"({steps * calls_per_step} model calls on batch {batch}), {weights} weights"
    )
    print(f"  {per_video:.2f} s per video")
    print(f"  {per_video / steps * 1000:.1f} ms per step")
    print(f"  {gflops_per_s:.1f} GFLOP/s achieved ({flops / 1e9:.2f} GFLOP per video)")
    print(
        f"machine: {m['cpu_cores']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
        f"device {dev}"
    )
    figures = {
        "benchmark": "sample",
        "mode": "t2v",
        "frames": args.frames,
        "sampler": sampler,
        "steps": steps,
        "guidance": guidance,
        "weights": weights,
        "device": str(dev),
        "s_per_video": round(per_video, 4),
        "s_per_step": round(per_video / steps, 5),
        "gflop_per_video": round(flops / 1e9, 3),
        "gflop_per_s": round(gflops_per_s, 2),
    }
    write_json(args.json, figures)
    return figures


if __name__ == "__main__":
    main()
