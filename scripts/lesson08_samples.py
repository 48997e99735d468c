"""Generate and score the shipped video model's samples that lesson 08 (evaluation) reads.

    python scripts/lesson08_samples.py                 # 512 prompts, about 8-15 min on 1 CPU thread
    python scripts/lesson08_samples.py --num 64 --out /tmp/l08   # a quick try

Text-to-video samples of the shipped ``default`` pipeline (its default sampler, steps and
guidance) on the built-in held-out prompt set (``eval_prompts(N, seed=0)``; its first 160
prompts are the set of ``tinyvid/weights/RESULTS.md``), generated in batches of
``--batch`` prompts with seed ``GEN_SEED_BASE + batch index``. Written to ``--out``:

- ``samples.json``: the prompts, what the detector reads back from each sample (digit,
  direction, speed, count), each sample's flicker, smoothness and largest centroid jump, the
  run's configuration (command, seeds, detector sha256, seconds);
- ``features.npz``: the detector's video features of every sample (``video [N, 64]``,
  float32: what FVD compares) and its per-frame features (``frame [N*T, 64]``, float16 to keep
  the file small: what per-frame FID compares); and, scored by the same detector, the video
  features of two real sets for the same prompts (``real_ref`` and ``real_floor``, ``[N, 64]``,
  test glyphs, the seeds ``python -m tinyvid eval`` uses for its reference and floor sets), so
  every FVD from this file is self-consistent even if the shipped detector is retrained;
- ``videos.npz``: the first ``--keep`` samples as uint8 ``[K, T, 1, 64, 64]``, to look at.

``--add-real`` only (re)computes the two real sets' features into an existing
``features.npz`` (seconds), for a run made before they were stored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tinyvid import load_pipeline
from tinyvid.checkpoints import sha256
from tinyvid.metrics.detector import DEFAULT_WEIGHTS, default_detector
from tinyvid.metrics.evaluate import FLOOR_SEED, REF_SEED
from tinyvid.metrics.prompt import eval_prompts, real_videos_for_prompts
from tinyvid.metrics.temporal import centroid_jumps, flicker, smoothness
from tinyvid.text import DIRECTIONS, SPEEDS

ROOT = Path(__file__).resolve().parents[1]
GEN_SEED_BASE = 1000  # batch k is generated with seed GEN_SEED_BASE + k
NUM_FRAMES = 16


def real_features(prompts: list[str], det) -> dict[str, np.ndarray]:
    """Video features of the real reference set and of a second real set (the floor)."""
    out = {}
    for key, seed in (("real_ref", REF_SEED), ("real_floor", FLOOR_SEED)):
        real = real_videos_for_prompts(prompts, seed=seed, num_frames=NUM_FRAMES)  # [N, T, 1, 64, 64]
        out[key] = det.features(real).float().numpy()  # [N, 64]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--num", type=int, default=512, help="number of prompts (samples)")
    ap.add_argument("--batch", type=int, default=16, help="prompts generated together")
    ap.add_argument("--keep", type=int, default=24, help="samples saved as videos")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--out", type=Path, default=ROOT / "scripts" / "results" / "lesson08")
    ap.add_argument("--add-real", action="store_true", help="only add the real sets' features")
    args = ap.parse_args(argv)
    if args.num < 2 or args.batch < 1 or args.keep < 0:
        raise SystemExit("--num must be ≥ 2, --batch ≥ 1 and --keep ≥ 0")
    torch.set_num_threads(args.threads)

    # 1. prompts, detector, pipeline
    prompts = eval_prompts(args.num, seed=0)
    det = default_detector()
    if args.add_real:
        record = json.loads((args.out / "samples.json").read_text())
        if record["prompts"] != prompts or record["config"]["detector_sha256"] != sha256(DEFAULT_WEIGHTS):
            raise SystemExit("--add-real needs the same --num and the detector the samples were scored with")
        with np.load(args.out / "features.npz") as f:
            stored = {k: f[k] for k in ("video", "frame")}
        np.savez_compressed(args.out / "features.npz", **stored, **real_features(prompts, det))
        print(f"added the real sets' features to {args.out / 'features.npz'}")
        return 0
    pipe = load_pipeline("default", device="cpu")

    # 2. generate, batch by batch
    t0 = time.perf_counter()
    chunks = []
    for k, i in enumerate(range(0, args.num, args.batch)):
        batch = prompts[i : i + args.batch]
        v = pipe.text_to_video(batch, num_frames=NUM_FRAMES, seed=GEN_SEED_BASE + k)  # [b, T, 1, 64, 64]
        chunks.append(v.float().cpu().clamp(0, 1))
        print(f"{i + len(batch)}/{args.num} generated, {time.perf_counter() - t0:.0f} s", flush=True)
    videos = torch.cat(chunks)  # [N, T, 1, 64, 64]
    gen_seconds = time.perf_counter() - t0

    # 3. score: detector features and read-back, temporal metrics
    video_features = det.features(videos).float().numpy()  # [N, 64]
    frame_features = det.frame_features(videos).half().numpy()  # [N*T, 64]
    pred = det.predict(videos)
    record = {
        "prompts": prompts,
        "read_digit": pred["digit"].tolist(),
        "read_digits": pred["digits"].tolist(),
        "read_num_digits": pred["num_digits"].tolist(),
        "read_direction": [DIRECTIONS[j] for j in pred["direction"].tolist()],
        "read_speed": [SPEEDS[j] for j in pred["speed"].tolist()],
        "flicker": flicker(videos).tolist(),
        "smoothness_px": smoothness(videos).tolist(),
        "max_jump_px": centroid_jumps(videos).amax(dim=1).tolist(),
        "config": {
            "command": "python scripts/lesson08_samples.py " + " ".join(sys.argv[1:] if argv is None else argv),
            "num": args.num,
            "batch": args.batch,
            "seeds": f"batch k uses seed {GEN_SEED_BASE} + k",
            "prompt_set": "tinyvid.metrics.prompt.eval_prompts(num, seed=0)",
            "pipeline": "default (shipped), its default sampler, steps and guidance, CPU",
            "num_frames": NUM_FRAMES,
            "detector_sha256": sha256(DEFAULT_WEIGHTS),
            "threads": args.threads,
            "generation_seconds": round(gen_seconds, 1),
        },
    }

    # 4. write
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "samples.json").write_text(json.dumps(record) + "\n")
    np.savez_compressed(
        args.out / "features.npz", video=video_features, frame=frame_features, **real_features(prompts, det)
    )
    kept = (videos[: args.keep] * 255).round().to(torch.uint8).numpy()  # [K, T, 1, 64, 64]
    np.savez_compressed(args.out / "videos.npz", videos=kept)
    print(f"wrote {args.out} ({args.num} samples, {gen_seconds:.0f} s of generation)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
