"""How fast Moving MNIST videos are made (``python -m tinyvid bench data``)."""

from __future__ import annotations

import argparse
import time

from tinyvid.benchmarks import machine, write_json
from tinyvid.data import moving_mnist


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="tinyvid bench data", description=__doc__)
    p.add_argument("--videos", type=int, default=4096, help="videos to make in all")
    p.add_argument("--batch", type=int, default=256, help="videos per call")
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args(argv)

    moving_mnist(8, seed=0, num_frames=args.frames)  # load the glyphs once, outside the timing
    results = {}
    for name, digits in (("one digit", 1), ("one or two digits", (1, 2))):
        calls = max(1, args.videos // args.batch)
        start = time.perf_counter()
        for k in range(calls):
            moving_mnist(args.batch, seed=k, num_frames=args.frames, num_digits=digits)
        seconds = time.perf_counter() - start
        rate = calls * args.batch / seconds
        results[name] = {"videos_per_s": round(rate, 1), "videos": calls * args.batch}
        print(f"{name:>18}: {rate:8.0f} videos/s  ({args.frames}×64×64, batch {args.batch}, "
              f"{calls * args.batch} videos in {seconds:.2f} s)")
    m = machine()
    print(f"machine: {m['cpu_cores']} cores, torch {m['torch']} ({m['torch_threads']} threads)")
    write_json(args.json, {"benchmark": "data", "frames": args.frames, "results": results})
    return results


if __name__ == "__main__":
    main()
