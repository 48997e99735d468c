"""How long a single digit moves as its caption says before its first bounce.

    python scripts/caption_faithfulness.py                 # 4,000 clips, seed 7, T = 16
    python scripts/caption_faithfulness.py --min-run 0     # start drawn uniformly (the original dataset)

A frame step "moves as captioned" when each coordinate of the digit's displacement has the
sign of the captioned velocity (:meth:`tinyvid.data.VideoLabels.captioned_steps`); the run is
the number of such steps before the first one that does not.
"""

from __future__ import annotations

import argparse

from tinyvid.data import default_min_run, moving_mnist
from tinyvid.text import SPEEDS


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=4000, help="single-digit clips")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--min-run", type=int, default=None, help="default: tinyvid.data.default_min_run")
    args = p.parse_args()
    run_asked = default_min_run(args.frames) if args.min_run is None else args.min_run
    _, labels, _ = moving_mnist(args.n, seed=args.seed, num_frames=args.frames, num_digits=1,
                                min_run=args.min_run)
    ok, run = labels.captioned_steps(), labels.captioned_run()  # [B, T-1], [B]
    print(f"{args.n} single-digit clips, seed {args.seed}, {args.frames} frames, min_run {run_asked}")
    for k, name in enumerate(SPEEDS):
        sel = labels.speeds == k
        r = run[sel].float()
        print(f"  {name:6s} ({int(sel.sum())} clips): breaks within the first step {(r < 1).float().mean():6.1%}, "
              f"within 3 steps {(r < 3).float().mean():6.1%}; shortest run {int(r.min())} steps, "
              f"median {r.median():.0f}; steps moving as captioned {ok[sel].float().mean():6.1%}")


if __name__ == "__main__":
    main()
