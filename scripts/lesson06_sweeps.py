"""Lesson 06's slow measurements, written to JSON that the notebook loads.

Three parts, each its own file in ``--out`` (default ``scripts/results/lesson06/``):

- ``guidance.json``: text-to-video at several classifier-free guidance weights on the same
  prompts and the same starting noise: prompt accuracy (detector read-back), FVD against real
  clips of the same prompts (with the real-vs-real floor at the same sample count), flicker,
  teleportation, and the share of near-empty samples.
- ``i2v.json``: image-to-video on the same first frames and seeds, two ways: the seed's
  "paste the first frame's latent and update only the others" loop (the model is not told
  which frame is given; ``tinyvid.diffusion.seed_bugs.seed_flow_loop``) and the pipeline's
  masked-conditional ``image_to_video``. Identity kept (last frame), per-frame identity,
  flicker, teleportation, the jump between frames 0 and 1.
- ``extend.json``: autoregressive extension of real 16-frame clips to 96 frames with
  several context lengths (overlaps), and real 96-frame clips of the same captions: ink,
  digit read-back and speed for every frame, averaged over the clips.

Run from the repository root (the notebook prints the command it was made with)::

    python scripts/lesson06_sweeps.py --threads 1

Timing figures in the files are wall times on the machine that ran it (it may have been shared).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from tinyvid import load_pipeline
from tinyvid.data import moving_mnist
from tinyvid.diffusion.seed_bugs import seed_flow_loop
from tinyvid.metrics import temporal
from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.evaluate import identity_kept
from tinyvid.metrics.fvd import fvd
from tinyvid.metrics.prompt import eval_prompts, prompt_accuracy, real_videos_for_prompts

OUT = Path(__file__).resolve().parent / "results" / "lesson06"
GUIDANCES = (0.0, 1.0, 2.0, 4.0, 8.0)
CONTEXTS = (1, 4, 8, 12)
EMPTY_INK = 0.01  # a frame with mean pixel value below this shows (almost) no digit


def empty_share(videos: torch.Tensor) -> float:
    """Share of videos with more than half of their frames below ``EMPTY_INK`` mean ink."""
    ink = videos.mean(dim=(2, 3, 4))  # [B, T]
    return ((ink < EMPTY_INK).float().mean(dim=1) > 0.5).float().mean().item()


def per_frame_drift(videos: torch.Tensor, digits: torch.Tensor, detector) -> dict[str, list[float]]:
    """Ink, the clip's digit read back (share of clips, and mean probability), speed, per frame.

    videos ``[B, T, 1, 64, 64]``, digits ``[B]``. Speed at frame t is the centre-of-mass step
    from frame t - 1 (px/frame; frame 0 has none and repeats frame 1's value).
    """
    with torch.no_grad():
        probs = detector.frame_logits(videos).softmax(-1)  # [B, T, 10]
    reads = probs.argmax(-1)  # [B, T]
    p_digit = probs.gather(-1, digits[:, None, None].expand(-1, probs.shape[1], 1))[..., 0]  # [B, T]
    steps = temporal.centroid_jumps(videos)  # [B, T-1] px
    speed = torch.cat([steps[:, :1], steps], dim=1)  # [B, T]
    return {
        "ink": videos.mean(dim=(2, 3, 4)).mean(0).tolist(),
        "digit_read": (reads == digits[:, None]).float().mean(0).tolist(),
        "p_digit": p_digit.mean(0).tolist(),
        "speed_px": speed.mean(0).tolist(),
        "speed_px_median": speed.median(dim=0).values.tolist(),
    }


def run_guidance(pipe, det, n: int, seed: int) -> dict:
    prompts = eval_prompts(n, seed=seed)
    reference = real_videos_for_prompts(prompts, seed=[seed, 10_000])  # [n, 16, 1, 64, 64]
    second = real_videos_for_prompts(prompts, seed=[seed, 20_000])
    real_acc = prompt_accuracy(second, prompts, det)
    rows = []
    for w in GUIDANCES:
        t0 = time.perf_counter()
        videos = pipe.text_to_video(prompts, guidance=w, seed=seed)  # same noise for every w
        secs = time.perf_counter() - t0
        acc = prompt_accuracy(videos, prompts, det)
        rows.append({
            "guidance": w,
            **acc,
            "fvd": fvd(reference, videos, det),
            "flicker": temporal.flicker(videos).mean().item(),
            "teleportation": temporal.teleportation_rate(videos),
            "empty_share": empty_share(videos),
            "seconds": secs,
        })
        print(f"guidance {w}: {rows[-1]}", flush=True)
    return {
        "prompts": prompts,
        "rows": rows,
        "real": {**real_acc, "fvd_floor": fvd(reference, second, det),
                 "flicker": temporal.flicker(second).mean().item(),
                 "empty_share": empty_share(second)},
    }


def run_i2v(pipe, det, n: int, seed: int, steps: int, guidance: float) -> dict:
    source, labels, prompts = moving_mnist(n, seed=[seed, 30_000], num_digits=1, split="test")
    images = source[:, 0]  # [n, 1, 64, 64]
    digits = labels.digits[:, 0]  # [n]
    out = {"prompts": prompts, "guidance": guidance, "seed_loop_steps": steps}
    with torch.inference_mode():
        t0 = time.perf_counter()
        first = pipe.autoencoder.encode_video(images[:, None])[:, 0]  # [n, c, h, w]
        lat = seed_flow_loop(pipe.model, (n, 16, *pipe.latent_shape), tokens=pipe.tokenizer(prompts),
                             num_steps=steps, time="fixed", first_latent=first, guidance=guidance,
                             generator=torch.Generator().manual_seed(seed))
        pasted = pipe.autoencoder.decode_video(lat).float().clamp(0, 1)  # [n, 16, 1, 64, 64]
        secs_seed = time.perf_counter() - t0
    t0 = time.perf_counter()
    masked = pipe.image_to_video(images, prompt=prompts, guidance=guidance, seed=seed)
    secs_masked = time.perf_counter() - t0
    for name, videos, secs in [("seed_paste", pasted, secs_seed), ("masked", masked, secs_masked),
                               ("real", source, 0.0)]:
        jumps = temporal.centroid_jumps(videos)  # [n, 15]
        out[name] = {
            "identity_kept": identity_kept(videos, images, det),
            "flicker": temporal.flicker(videos).mean().item(),
            "teleportation": temporal.teleportation_rate(videos),
            "jump_0_to_1_px": jumps[:, 0].mean().item(),
            "jump_later_px": jumps[:, 1:].mean().item(),
            "empty_share": empty_share(videos),
            "per_frame": per_frame_drift(videos, digits, det),
            "seconds": secs,
        }
        print(f"i2v {name}: { {k: v for k, v in out[name].items() if k != 'per_frame'} }", flush=True)
    return out


def run_extend(pipe, det, n: int, seed: int, total: int, contexts=CONTEXTS) -> dict:
    long, labels, prompts = moving_mnist(n, seed=[seed, 40_000], num_digits=1, split="test",
                                         num_frames=total)  # [n, total, 1, 64, 64]
    start = long[:, :16]  # the given clip: the first 16 frames of a real one
    digits = labels.digits[:, 0]
    out = {"prompts": prompts, "frames": total, "real": per_frame_drift(long, digits, det)}
    for c in contexts:
        t0 = time.perf_counter()
        videos = pipe.extend(start, num_new_frames=total - 16, context=c, prompt=prompts, seed=seed)
        secs = time.perf_counter() - t0
        out[f"context_{c}"] = {**per_frame_drift(videos, digits, det),
                               "teleportation": temporal.teleportation_rate(videos),
                               "empty_share_new": empty_share(videos[:, 16:]),
                               "seconds": secs}
        print(f"extend context {c}: {secs:.0f} s", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="guidance,i2v,extend", help="comma-separated: guidance, i2v, extend")
    ap.add_argument("--prompts", type=int, default=16, help="text-to-video prompts per guidance weight")
    ap.add_argument("--images", type=int, default=12, help="first frames for image-to-video")
    ap.add_argument("--clips", type=int, default=6, help="clips to extend")
    ap.add_argument("--frames", type=int, default=96, help="length of the extended clips")
    ap.add_argument("--contexts", default=",".join(map(str, CONTEXTS)),
                    help="comma-separated context lengths (known frames per window) for extend")
    ap.add_argument("--seed-steps", type=int, default=24,
                    help="Euler steps of the seed's loop (24 = the model calls of 12 Heun steps)")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    pipe, det = load_pipeline(device="cpu"), default_detector()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - {"guidance", "i2v", "extend"}
    if unknown:
        raise SystemExit(f"unknown parts {sorted(unknown)}; allowed: guidance, i2v, extend")
    for part in parts:
        t0 = time.perf_counter()
        if part == "guidance":
            result = run_guidance(pipe, det, args.prompts, args.seed)
        elif part == "i2v":
            result = run_i2v(pipe, det, args.images, args.seed, args.seed_steps, pipe.config.guidance)
        else:
            contexts = [int(c) for c in args.contexts.split(",")]
            result = run_extend(pipe, det, args.clips, args.seed, args.frames, contexts)
        result["meta"] = {
            "command": "python scripts/lesson06_sweeps.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "torch": torch.__version__, "threads": args.threads, "machine": platform.machine(),
            "wall_seconds": time.perf_counter() - t0,
        }
        path = args.out / f"{part}.json"
        path.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {path} ({result['meta']['wall_seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
