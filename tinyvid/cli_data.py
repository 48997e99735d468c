"""``python -m tinyvid data``: make Moving MNIST videos and save them to look at."""

from __future__ import annotations

import argparse

from tinyvid.data import moving_mnist
from tinyvid.viz import save_video


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tinyvid data", description=__doc__)
    p.add_argument("-n", type=int, default=4, help="number of videos (tiled side by side)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--digits", type=int, nargs="*", default=None,
                   help="force the digit(s) of every video, e.g. --digits 7 or --digits 3 5")
    p.add_argument("--direction", default=None, help="force the direction, e.g. up-left")
    p.add_argument("--two", action="store_true", help="mix in two-digit videos")
    p.add_argument("--fps", type=float, default=8)
    p.add_argument("-o", "--out", default="moving_mnist.gif", help=".gif or .mp4")
    args = p.parse_args(argv)
    digits = None
    if args.digits:
        digits = args.digits[0] if len(args.digits) == 1 else [tuple(args.digits)] * args.n
    try:
        videos, _, captions = moving_mnist(
            args.n, seed=args.seed, num_frames=args.frames, digits=digits,
            directions=args.direction, num_digits=(1, 2) if args.two else 1,
        )
        path = save_video(videos, args.out, fps=args.fps)
    except ValueError as err:
        p.error(str(err))
    for i, c in enumerate(captions):
        print(f"{i}: {c}")
    print(f"wrote {path}")
    return 0
