"""Training-step throughput of a trainer config (``python -m tinyvid bench train``).

Times full optimisation steps (data, latents, loss, backward, AdamW, EMA) of the trainer's own
:class:`tinyvid.tasks.Task`, and counts the FLOPs of the forward and backward pass with
PyTorch's flop counter, so the figure is achieved GFLOP/s (TFLOP/s on a GPU), comparable with
the machine's matmul throughput. Use it to plan a training budget.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from tinyvid import inputs
from tinyvid.benchmarks import machine, write_json
from tinyvid.tasks import TASKS
from tinyvid.train import PRESETS, build_model, ema_update, load_config


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="tinyvid bench train", description=__doc__.split("\n\n")[0])
    p.add_argument("config", nargs="?", default="video-unet", help=f"preset ({', '.join(PRESETS)}) or TOML")
    p.add_argument("--batch", type=int, default=None, help="override the config's batch size")
    p.add_argument("--steps", type=int, default=5, help="timed steps (after 2 warm-up steps)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = {"device": args.device}
    if args.batch:
        overrides["batch_size"] = args.batch
    cfg = load_config(args.config, overrides)
    if cfg.autoencoder and not __import__("pathlib").Path(cfg.autoencoder).exists():
        print(f"{cfg.autoencoder} not found: timing with the stand-in latent (pixels folded 4×4)")
        cfg.autoencoder = ""
    device = inputs.device(cfg.device)
    torch.manual_seed(0)
    model = build_model(cfg).to(device).train()
    ema = copy.deepcopy(model).requires_grad_(False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    task = TASKS[cfg.task](cfg, device)
    autocast = device.type == "cuda" and cfg.amp
    stream = task.batches(0, 1, 0)
    batches = [next(stream) for _ in range(args.steps + 2)]

    def step(k: int) -> float:
        g = torch.Generator().manual_seed(k)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = task.loss(model, batches[k], g)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        ema_update(ema, model, cfg.ema_decay, k)
        return loss.item()

    with FlopCounterMode(display=False) as counter:
        step(0)
    flops = counter.get_total_flops()
    step(1)
    times = []
    for k in range(2, args.steps + 2):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        step(k)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    rate = flops / seconds
    unit, scale = ("TFLOP/s", 1e12) if device.type == "cuda" else ("GFLOP/s", 1e9)
    params = sum(q.numel() for q in model.parameters())
    m = machine()
    print(f"config {args.config}: task {cfg.task}, {cfg.model_kind} ({params / 1e6:.2f} M parameters), "
          f"batch {cfg.batch_size} × {cfg.num_frames} frames, {device.type}")
    print(f"{seconds * 1000:.0f} ms per step = {cfg.batch_size / seconds:.1f} videos/s; "
          f"{flops / 1e9:.1f} GFLOP per step (forward + backward) = {rate / scale:.2f} {unit}")
    print(f"machine: {m.get('gpu') or str(m['cpu_cores']) + ' cores'}, torch {m['torch']} "
          f"({m['torch_threads']} threads)")
    figures = {"benchmark": "train", "config": args.config, "model_kind": cfg.model_kind,
               "params": params, "batch_size": cfg.batch_size, "num_frames": cfg.num_frames,
               "seconds_per_step": round(seconds, 4), "videos_per_s": round(cfg.batch_size / seconds, 2),
               "gflop_per_step": round(flops / 1e9, 2), "achieved_gflops": round(rate / 1e9, 2)}
    write_json(args.json, figures)
    return figures


if __name__ == "__main__":
    main()
