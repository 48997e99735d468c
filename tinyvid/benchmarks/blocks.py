"""Forward time and FLOPs of every building block (``python -m tinyvid bench blocks``).

Blocks run at the default latent video size (16 frames of 8×8×8 latents, model width 128,
batch 2 = one guided sampling step); the main video model (``DiT(DiTConfig.default())``) and
the inflated U-Net run at batch 8. Achieved GFLOP/s is printed next to this machine's fp32
matmul GFLOP/s, measured in the same process with the same thread count; the acceptance bar is
the main model reaching >= 30 % of it. Times are medians, in ``torch.inference_mode``, fp32.
FLOPs come from ``tinyvid.nn.cost`` (multiply-add = 2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from tinyvid.benchmarks import machine, write_json
from tinyvid.nn import (
    AutoencoderConfig,
    Cond,
    Conv2Plus1dBlock,
    Conv3dBlock,
    DiT,
    DiTBlock,
    DiTConfig,
    FactorizedSpaceTimeAttention,
    FrameAutoencoder,
    FullSpaceTimeAttention,
    ImageUNet,
    SpatialAttention,
    TemporalAttention,
    TextEncoder,
    TextEncoderConfig,
    UNetConfig,
    inflate,
)
from tinyvid.nn.measure import count_flops


def median_seconds(fn, min_time: float, max_repeats: int = 50) -> float:
    """Median wall time of ``fn()`` after two warm-up calls, over >= 3 calls / ``min_time`` s."""
    fn()
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_time and len(times) < max_repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matmul_gflops(size: int, min_time: float) -> float:
    """fp32 dense ``size × size`` matmul throughput."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    seconds = median_seconds(lambda: a @ b, min_time)
    return 2 * size**3 / seconds / 1e9


class _Call(torch.nn.Module):
    """Wraps a bound method (``decode_video``) so it can be measured like a module."""

    def __init__(self, owner: torch.nn.Module, method: str):
        super().__init__()
        self.owner, self.method = owner, method

    def forward(self, *args):
        return getattr(self.owner, self.method)(*args)


def cases(batch: int, model_batch: int, frames: int):
    """``(name, module, inputs)`` for every block and model measured."""
    dim, side, c = 128, 8, 8
    video = torch.randn(batch, frames, dim, side, side)  # [B, T, C, h, w]
    tokens = torch.randn(batch, frames, side * side, dim)  # [B, T, N, D]
    emb = torch.randn(batch, dim)
    prompt = torch.randint(1, 25, (batch, 8))
    ae = FrameAutoencoder(AutoencoderConfig.default())
    latents = torch.randn(batch, frames, c, side, side)
    yield "SpatialAttention", SpatialAttention(dim), (video,)
    yield "TemporalAttention", TemporalAttention(dim), (video,)
    yield "FactorizedSpaceTimeAttention", FactorizedSpaceTimeAttention(dim), (video,)
    yield "FullSpaceTimeAttention", FullSpaceTimeAttention(dim), (video,)
    yield "Conv3dBlock", Conv3dBlock(dim, dim), (video,)
    yield "Conv2Plus1dBlock", Conv2Plus1dBlock(dim, dim), (video,)
    yield "DiTBlock factorized", DiTBlock(dim, 4, attention="factorized"), (tokens, emb)
    yield "DiTBlock full", DiTBlock(dim, 4, attention="full"), (tokens, emb)
    yield "TextEncoder", TextEncoder(TextEncoderConfig.default()), (prompt,)
    yield (
        "FrameAutoencoder.encode_video",
        _Call(ae, "encode_video"),
        (torch.rand(batch, frames, 1, 64, 64),),
    )
    yield "FrameAutoencoder.decode_video", _Call(ae, "decode_video"), (latents,)

    x = torch.randn(batch, frames, c, side, side)
    t = torch.rand(batch)
    cond = Cond(tokens=torch.randint(1, 25, (batch, 8)))
    yield "DiT default, one guided step", DiT(DiTConfig.default()), (x, t, cond)

    x = torch.randn(model_batch, frames, c, side, side)
    t = torch.rand(model_batch)
    cond = Cond(tokens=torch.randint(1, 25, (model_batch, 8)))
    yield "DiT default (main video model)", DiT(DiTConfig.default()), (x, t, cond)
    yield "DiT default, full attention", DiT(DiTConfig.default(attention="full")), (x, t, cond)
    yield "VideoUNet default (inflated)", inflate(ImageUNet(UNetConfig.default())), (x, t, cond)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="tinyvid bench blocks", description=__doc__)
    p.add_argument("--batch", type=int, default=2, help="videos per block call (2 = a guided step)")
    p.add_argument("--model-batch", type=int, default=8, help="videos per full-model call")
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--min-time", type=float, default=1.0, help="seconds to time each case")
    p.add_argument("--matmul-size", type=int, default=1024)
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    results: dict[str, dict] = {}
    with torch.inference_mode():
        peak = matmul_gflops(args.matmul_size, args.min_time)
        print(f"fp32 matmul {args.matmul_size}x{args.matmul_size}: {peak:.1f} GFLOP/s")
        print(
            f"{'block':<32} {'batch':>5} {'params':>9} {'GFLOP':>8} {'ms':>9} {'GFLOP/s':>8} {'% mm':>5}"
        )
        for name, module, inputs in cases(args.batch, args.model_batch, args.frames):
            module.eval()
            flops = count_flops(module, *inputs)
            seconds = median_seconds(lambda m=module, i=inputs: m(*i), args.min_time)
            rate = flops / seconds / 1e9
            params = sum(q.numel() for q in module.parameters())
            results[name] = {
                "batch": inputs[0].shape[0],
                "params": params,
                "gflop": round(flops / 1e9, 4),
                "ms": round(seconds * 1e3, 3),
                "gflop_per_s": round(rate, 1),
                "fraction_of_matmul": round(rate / peak, 3),
            }
            print(
                f"{name:<32} {inputs[0].shape[0]:>5} {params:>9,} {flops / 1e9:>8.3f} "
                f"{seconds * 1e3:>9.2f} {rate:>8.1f} {100 * rate / peak:>4.0f}%"
            )
        matmul_after = matmul_gflops(args.matmul_size, args.min_time)

    main_model = results["DiT default (main video model)"]
    ratio = main_model["gflop_per_s"] / peak
    verdict = "meets" if ratio >= 0.30 else "misses"
    print(
        f"main video model at batch {args.model_batch}: {main_model['gflop_per_s']:.1f} GFLOP/s = "
        f"{100 * ratio:.0f}% of fp32 matmul {peak:.1f} GFLOP/s ({verdict} the 30% bar; "
        f"matmul re-measured after the run: {matmul_after:.1f} GFLOP/s)"
    )
    step = results["DiT default, one guided step"]["ms"]
    decode = results["FrameAutoencoder.decode_video"]["ms"] / args.batch
    print(
        f"one {args.frames}-frame video, 25 guided steps of the main model + decoding: "
        f"{(25 * step + decode) / 1e3:.2f} s (target <= 3 s on 2 cores)"
    )
    m = machine()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {m['cpu_cores']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
        f"load average {load:.2f} (other processes on the cores slow every figure down)"
    )
    figures = {
        "benchmark": "blocks",
        "frames": args.frames,
        "latent": [8, 8, 8],
        "matmul_gflop_per_s": round(peak, 1),
        "matmul_gflop_per_s_after": round(matmul_after, 1),
        "main_model_fraction_of_matmul": round(ratio, 3),
        "video_25_guided_steps_s": round((25 * step + decode) / 1e3, 3),
        "load_average": round(load, 2),
        "results": results,
    }
    write_json(args.json, figures)
    return figures


if __name__ == "__main__":
    main()
