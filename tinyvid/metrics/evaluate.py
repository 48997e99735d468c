"""``python -m tinyvid eval``: score a generator (or real data) on a fixed, seeded prompt set.

    python -m tinyvid eval --real-vs-real            # the floor figures, real data only
    python -m tinyvid eval --quick                   # the shipped pipeline, CI-sized
    python -m tinyvid eval --prompts my_prompts.txt --json out.json

Every figure is printed beside its **real floor** (what real videos score against another
real set of the same size and labels) in a markdown table: metric, value, real floor, sample
count, seconds. The generation side is any ``generate(prompts, seeds) -> videos`` callable
(and the image-to-video / interpolation counterparts), so the whole path is testable with fake
generators; :func:`pipeline_generators` wraps ``tinyvid.pipelines.load_pipeline()``.

FVD and FID here use our own Moving-MNIST detector (:class:`tinyvid.nn.detector.Detector`), not
I3D / Inception: they compare tinyvid models with each other, not with published numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from tinyvid.checkpoints import WEIGHTS_DIR, load_model
from tinyvid.metrics.detector import Detector, check_videos, default_detector
from tinyvid.metrics.fvd import frame_fid, fvd
from tinyvid.metrics.prompt import (
    breakdown_text,
    eval_prompts,
    prompt_accuracy,
    prompt_breakdown,
    read_prompts,
    real_videos_for_prompts,
)
from tinyvid.metrics.quality import end_frames_fidelity, first_frame_fidelity, mean_psnr
from tinyvid.metrics.shape import no_digit_rate, shape_change
from tinyvid.metrics.temporal import flicker, smoothness, teleportation_rate
from tinyvid.text import parse

TextToVideo = Callable[[list[str], list[int]], torch.Tensor]  # prompts, seeds -> [B, T, 1, 64, 64]
ImageToVideo = Callable[[torch.Tensor, list[str], list[int]], torch.Tensor]  # images [B, 1, 64, 64]
Interpolate = Callable[
    [torch.Tensor, torch.Tensor, list[str], list[int]], torch.Tensor
]  # first, last [B, 1, 64, 64], the clips' captions, seeds

# seed bases: generated samples, the real reference set, the second real set (floor)
GEN_SEED, REF_SEED, FLOOR_SEED = 0, 10_000, 20_000
NUM_FRAMES = 16


@dataclass
class Row:
    """One line of the report."""

    mode: str  # "real", "t2v", "i2v", "interp"
    metric: str
    value: float
    floor: float | None  # the same metric for real videos (None where it has no meaning)
    n: int  # sample count
    seconds: float

    @property
    def key(self) -> str:
        return self.metric if self.mode in ("t2v", "real") else f"{self.mode}_{self.metric}"


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _temporal_rows(mode: str, videos: torch.Tensor, real: torch.Tensor, gen_s: float) -> list[Row]:
    n = len(videos)
    (fl, fl_real), s1 = _timed(lambda: (float(flicker(videos).mean()), float(flicker(real).mean())))
    (sm, sm_real), s2 = _timed(
        lambda: (float(smoothness(videos).mean()), float(smoothness(real).mean()))
    )
    (tp, tp_real), s3 = _timed(lambda: (teleportation_rate(videos), teleportation_rate(real)))
    return [
        Row(mode, "flicker", fl, fl_real, n, s1),
        Row(mode, "smoothness_px", sm, sm_real, n, s2),
        Row(mode, "teleportation_rate", tp, tp_real, n, s3),
    ]


def _single_digit(prompts: Sequence[str]) -> torch.Tensor:
    """``[B]`` bool: the prompt asks for one digit."""
    return torch.tensor([len(parse(p).digits) == 1 for p in prompts])


@torch.no_grad()
def autoencoded(videos: torch.Tensor, autoencoder) -> torch.Tensor:
    """``videos`` encoded and decoded frame by frame: what a latent model at best can draw."""
    dev = next(autoencoder.parameters()).device
    out = autoencoder.decode_video(autoencoder.encode_video(videos.to(dev)))  # [B, T, 1, H, W]
    return out.float().clamp(0, 1).cpu()


def _shape_rows(mode: str, videos: torch.Tensor, real: torch.Tensor, prompts: Sequence[str],
                autoencoder=None) -> list[Row]:
    """Shape change (one-digit clips) and the no-digit rate (all clips). The shape change's floor
    is real clips through the ``autoencoder`` when one is given (real clips score 0 exactly)."""
    single = _single_digit(prompts)
    rows = []
    if single.any():
        floor_videos = real[single] if autoencoder is None else autoencoded(real[single], autoencoder)
        (sc, sc_floor), s = _timed(lambda: (float(shape_change(videos[single]).mean()),
                                            float(shape_change(floor_videos).mean())))
        rows.append(Row(mode, "shape_change", sc, sc_floor, int(single.sum()), s))
    (nd, nd_real), s = _timed(lambda: (no_digit_rate(videos), no_digit_rate(real)))
    rows.append(Row(mode, "no_digit_rate", nd, nd_real, len(videos), s))
    return rows


def _fvd_rows(mode, videos, reference, second_real, det, floor_cache: dict) -> list[Row]:
    n = len(videos)
    key = (mode, n)
    if key not in floor_cache:
        floor_cache[key] = (
            fvd(reference, second_real, det),
            frame_fid(reference, second_real, det),
        )
    fvd_floor, fid_floor = floor_cache[key]
    v, s1 = _timed(lambda: fvd(reference, videos, det))
    f, s2 = _timed(lambda: frame_fid(reference, videos, det))
    return [Row(mode, "fvd", v, fvd_floor, n, s1), Row(mode, "frame_fid", f, fid_floor, n, s2)]


def evaluate_real_vs_real(prompts: Sequence[str], detector: Detector | None = None,
                          autoencoder=None, details: dict | None = None) -> list[Row]:
    """The floor: two disjoint real sets for the same prompts, and the detector on real videos.
    With an ``autoencoder``, also the shape change of real clips through it (its floor); with a
    ``details`` dict, ``details["real"]`` gets the detector's accuracy breakdown on real videos."""
    det = detector if detector is not None else default_detector()
    a, s0 = _timed(lambda: real_videos_for_prompts(prompts, seed=REF_SEED, num_frames=NUM_FRAMES))
    b = real_videos_for_prompts(prompts, seed=FLOOR_SEED, num_frames=NUM_FRAMES)
    n = len(prompts)
    rows = []
    acc, s = _timed(lambda: prompt_accuracy(b, prompts, det))
    rows += [Row("real", k, v, None, n, s) for k, v in acc.items() if not math.isnan(v)]
    if details is not None:
        details["real"] = prompt_breakdown(b, prompts, det)
    v, s = _timed(lambda: fvd(a, b, det))
    rows.append(Row("real", "fvd", v, None, n, s))
    v, s = _timed(lambda: frame_fid(a, b, det))
    rows.append(Row("real", "frame_fid", v, None, n, s))
    v, s = _timed(lambda: float(flicker(b).mean()))
    rows.append(Row("real", "flicker", v, None, n, s))
    v, s = _timed(lambda: float(smoothness(b).mean()))
    rows.append(Row("real", "smoothness_px", v, None, n, s))
    v, s = _timed(lambda: teleportation_rate(b))
    rows.append(Row("real", "teleportation_rate", v, None, n, s))
    rows += [Row("real", r.metric, r.value, None, r.n, r.seconds) for r in _shape_rows("real", b, b, prompts)]
    single = _single_digit(prompts)
    if autoencoder is not None and single.any():
        v, s = _timed(lambda: float(shape_change(autoencoded(b[single], autoencoder)).mean()))
        rows.append(Row("real", "shape_change_autoencoder", v, None, int(single.sum()), s))
    return rows


def evaluate_text_to_video(
    generate: TextToVideo,
    prompts: Sequence[str],
    detector: Detector | None = None,
    floor_cache=None,
    autoencoder=None,
    details: dict | None = None,
) -> list[Row]:
    """Prompt accuracy, FVD, per-frame FID, flicker, smoothness, teleportation, shape change and
    the no-digit rate of T2V samples (``autoencoder``: the generator's, for the shape floor).
    With a ``details`` dict, ``details["t2v"]`` and ``details["real"]`` get the accuracy
    breakdowns (:func:`tinyvid.metrics.prompt.prompt_breakdown`) of the samples and of real clips."""
    det = detector if detector is not None else default_detector()
    floor_cache = {} if floor_cache is None else floor_cache
    prompts = list(prompts)
    seeds = [GEN_SEED + i for i in range(len(prompts))]
    videos, gen_s = _timed(lambda: generate(prompts, seeds))
    check_videos(videos, min_frames=3, name="generated videos")
    if len(videos) != len(prompts):
        raise ValueError(f"the generator returned {len(videos)} videos for {len(prompts)} prompts")
    reference = real_videos_for_prompts(prompts, seed=REF_SEED, num_frames=videos.shape[1])
    second = real_videos_for_prompts(prompts, seed=FLOOR_SEED, num_frames=videos.shape[1])
    n = len(prompts)
    acc, s = _timed(lambda: prompt_accuracy(videos, prompts, det))
    real_acc = prompt_accuracy(second, prompts, det)
    if details is not None:
        details["t2v"] = prompt_breakdown(videos, prompts, det)
        details["real"] = prompt_breakdown(second, prompts, det)
    rows = [Row("t2v", "seconds_per_video", gen_s / n, None, n, gen_s)]
    rows += [Row("t2v", k, v, real_acc[k], n, s) for k, v in acc.items() if not math.isnan(v)]
    rows += _fvd_rows("t2v", videos, reference, second, det, floor_cache)
    rows += _temporal_rows("t2v", videos, second, gen_s)
    rows += _shape_rows("t2v", videos, second, prompts, autoencoder)
    return rows


@torch.no_grad()
def identity_kept(videos: torch.Tensor, images: torch.Tensor, detector: Detector) -> float:
    """Share of videos whose last frame reads (detector frame branch) as the same digit as
    the given first frame: does image-to-video keep the digit it was shown to the end?
    Meant for one-digit clips (the frame branch reads one digit per frame); NaN when empty."""
    if len(videos) == 0:
        return float("nan")
    first = detector.frame_logits(images[:, None]).argmax(-1)[:, 0]  # [B]
    last = detector.frame_logits(videos[:, -1:]).argmax(-1)[:, 0]  # [B]
    return (first == last).float().mean().item()


def evaluate_image_to_video(
    generate: ImageToVideo,
    prompts: Sequence[str],
    detector: Detector | None = None,
    floor_cache=None,
    autoencoder=None,
) -> list[Row]:
    """I2V from the first frame of real test videos: first-frame PSNR/SSIM, FVD, temporal rows."""
    det = detector if detector is not None else default_detector()
    floor_cache = {} if floor_cache is None else floor_cache
    prompts = list(prompts)
    n = len(prompts)
    source = real_videos_for_prompts(prompts, seed=[FLOOR_SEED, 7], num_frames=NUM_FRAMES)
    images = source[:, 0]  # [B, 1, 64, 64]
    seeds = [GEN_SEED + i for i in range(n)]
    videos, gen_s = _timed(lambda: generate(images, prompts, seeds))
    check_videos(videos, min_frames=3, name="generated videos")
    reference = real_videos_for_prompts(prompts, seed=REF_SEED, num_frames=videos.shape[1])
    fid, s = _timed(lambda: first_frame_fidelity(videos, images))
    # one digit per frame: the frame branch reads one digit, so two-digit clips are left out
    single = _single_digit(prompts)
    kept, s_kept = _timed(lambda: identity_kept(videos[single], images[single], det))
    kept_real = identity_kept(source[single], images[single], det)
    rows = [Row("i2v", "seconds_per_video", gen_s / n, None, n, gen_s)]
    rows += [Row("i2v", k, v, None, n, s) for k, v in fid.items()]
    if single.any():
        rows.append(Row("i2v", "identity_kept", kept, kept_real, int(single.sum()), s_kept))
    rows += _fvd_rows("i2v", videos, reference, source, det, floor_cache)
    rows += _temporal_rows("i2v", videos, source, gen_s)
    rows += _shape_rows("i2v", videos, source, prompts, autoencoder)
    return rows


def evaluate_interpolation(
    generate: Interpolate,
    prompts: Sequence[str],
    detector: Detector | None = None,
    floor_cache=None,
    autoencoder=None,
) -> list[Row]:
    """Interpolation between the end frames of real test videos, given their captions as
    image-to-video is: end-frame PSNR/SSIM, PSNR of the in-between frames against the real
    ones, FVD and temporal rows."""
    det = detector if detector is not None else default_detector()
    floor_cache = {} if floor_cache is None else floor_cache
    prompts = list(prompts)
    n = len(prompts)
    source = real_videos_for_prompts(prompts, seed=[FLOOR_SEED, 8], num_frames=NUM_FRAMES)
    first, last = source[:, 0], source[:, -1]  # [B, 1, 64, 64] each
    seeds = [GEN_SEED + i for i in range(n)]
    videos, gen_s = _timed(lambda: generate(first, last, prompts, seeds))
    check_videos(videos, min_frames=3, name="generated videos")
    if videos.shape != source.shape:
        raise ValueError(
            f"interpolation must return {tuple(source.shape)}, got {tuple(videos.shape)}"
        )
    reference = real_videos_for_prompts(prompts, seed=REF_SEED, num_frames=NUM_FRAMES)
    ends, s = _timed(lambda: end_frames_fidelity(videos, first, last))
    mid = mean_psnr(videos[:, 1:-1], source[:, 1:-1])
    rows = [Row("interp", "seconds_per_video", gen_s / n, None, n, gen_s)]
    rows += [Row("interp", k, v, None, n, s) for k, v in ends.items()]
    rows.append(Row("interp", "middle_frames_psnr", mid, None, n, s))
    rows += _fvd_rows("interp", videos, reference, source, det, floor_cache)
    rows += _temporal_rows("interp", videos, source, gen_s)
    rows += _shape_rows("interp", videos, source, prompts, autoencoder)
    return rows


# ---------------------------------------------------------------------------------------------
# the pipeline as generators
# ---------------------------------------------------------------------------------------------
def pipeline_generators(pipe, steps: int | None = None, guidance: float | None = None):
    """Wrap a :mod:`tinyvid.pipelines` pipeline as the three generator callables.

    One call per video, each with its own seed, so a video depends only on its prompt (or
    frames) and its seed, not on what else is in the evaluation set.
    """
    kw = {"steps": steps, "guidance": guidance}
    kw = {k: v for k, v in kw.items() if v is not None}

    def t2v(prompts, seeds):
        videos = [
            pipe.text_to_video(p, num_frames=NUM_FRAMES, seed=s, **kw)
            for p, s in zip(prompts, seeds)
        ]
        return torch.cat(videos).float().cpu()  # [B, T, 1, 64, 64]

    def i2v(images, prompts, seeds):
        videos = [
            pipe.image_to_video(im, prompt=p, num_frames=NUM_FRAMES, seed=s, **kw)
            for im, p, s in zip(images, prompts, seeds)
        ]
        return torch.cat(videos).float().cpu()  # [B, T, 1, 64, 64]

    def interp(first, last, prompts, seeds):
        videos = [
            pipe.interpolate(f, la, num_frames=NUM_FRAMES, prompt=p, seed=s, **kw)
            for f, la, p, s in zip(first, last, prompts, seeds)
        ]
        return torch.cat(videos).float().cpu()  # [B, T, 1, 64, 64]

    return t2v, i2v, interp


def _shipped_autoencoder():
    """The shipped frame autoencoder, or None where its weights are absent."""
    path = WEIGHTS_DIR / "autoencoder.safetensors"
    return load_model(path).eval() if path.is_file() else None


def _load_pipeline(name: str | None):
    try:
        from tinyvid.pipelines import load_pipeline
    except ImportError as e:
        raise SystemExit(
            "tinyvid.pipelines.load_pipeline is not available yet, so there is no generator to "
            f"evaluate ({e}). `python -m tinyvid eval --real-vs-real` works without it."
        ) from e
    try:
        return load_pipeline(name) if name else load_pipeline()
    except FileNotFoundError as e:
        raise SystemExit(
            f"no pipeline weights to evaluate: {e}\n"
            "`python -m tinyvid eval --real-vs-real` works without them."
        ) from e


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    if isinstance(x, float) and (math.isinf(x) or math.isnan(x)):
        return str(x)
    return f"{x:.4g}" if abs(x) < 1000 else f"{x:.1f}"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| mode | metric | value | real floor | samples | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.mode} | {r.metric} | {_fmt(r.value)} | {_fmt(r.floor)} "
            f"| {r.n} | {r.seconds:.1f} |"
        )
    return "\n".join(lines)


def report(rows: Sequence[Row], config: dict, breakdown: dict | None = None) -> dict:
    """JSON-ready figures: flat ``{key: value}`` (T2V/real metrics unprefixed, e.g.
    ``digit_accuracy``; others ``i2v_...``, ``interp_...``), plus the rows with floors and,
    when given, the prompt-accuracy ``breakdown`` (``{"t2v": ..., "real": ...}``)."""
    out = {
        **{r.key: r.value for r in rows},
        "floors": {r.key: r.floor for r in rows if r.floor is not None},
        "rows": [asdict(r) for r in rows],
        "config": config,
    }
    if breakdown:
        out["breakdown"] = breakdown
    return out


def breakdown_report(breakdown: dict) -> str:
    """The breakdown as text: the samples' (beside real clips') or, real-vs-real, the real ones'."""
    if not breakdown:
        return ""
    main_key = "t2v" if "t2v" in breakdown else "real"
    real = breakdown.get("real") if main_key == "t2v" else None
    who = "text-to-video samples" if main_key == "t2v" else "the detector on real clips"
    return (f"\nprompt accuracy of {who}, single-digit prompts\n\n"
            + breakdown_text(breakdown[main_key], real))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m tinyvid eval", description=__doc__.split("\n")[0])
    ap.add_argument("--real-vs-real", action="store_true", help="only the real-data floor figures")
    ap.add_argument("--quick", action="store_true", help="CI-sized: 32 prompts (default 160)")
    ap.add_argument("--num-prompts", type=int, default=None, help="size of the built-in prompt set")
    ap.add_argument(
        "--prompts", type=Path, default=None, help="text-to-video prompts, one per line"
    )
    ap.add_argument("--modes", default="t2v,i2v,interp", help="comma-separated: t2v, i2v, interp")
    ap.add_argument(
        "--checkpoint",
        default=None,
        help="pipeline name in tinyvid/weights (default: the shipped 'default')",
    )
    ap.add_argument(
        "--detector", type=Path, default=None, help="detector weights (default: shipped)"
    )
    ap.add_argument(
        "--steps", type=int, default=None, help="sampling steps (default: the pipeline's)"
    )
    ap.add_argument(
        "--guidance", type=float, default=None, help="guidance scale (default: the pipeline's)"
    )
    ap.add_argument("--seed", type=int, default=0, help="seed of the built-in prompt set")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in ("t2v", "i2v", "interp")]
    if bad:
        raise SystemExit(f"unknown mode(s) {bad}; allowed: t2v, i2v, interp")

    # 1. prompts and detector
    n = args.num_prompts or (32 if args.quick else 160)
    prompts = read_prompts(args.prompts) if args.prompts else eval_prompts(n, seed=args.seed)
    if args.prompts:
        modes = ["t2v"]  # a prompt file evaluates text-to-video
    det = load_model(args.detector) if args.detector else default_detector()
    config = {
        "prompts": len(prompts),
        "prompt_file": str(args.prompts) if args.prompts else None,
        "seed": args.seed,
        "detector": str(args.detector or "shipped"),
        "frames": NUM_FRAMES,
    }

    # 2. real floor, or the generator's figures
    t0 = time.perf_counter()
    breakdown: dict = {}
    if args.real_vs_real:
        rows = evaluate_real_vs_real(prompts, det, _shipped_autoencoder(), details=breakdown)
        config["mode"] = "real-vs-real"
    else:
        pipe = _load_pipeline(args.checkpoint)
        t2v, i2v, interp = pipeline_generators(pipe, args.steps, args.guidance)
        config.update(
            mode="pipeline",
            checkpoint=args.checkpoint or "shipped",
            steps=args.steps,
            guidance=args.guidance,
        )
        rows, cache = [], {}
        ae = pipe.autoencoder
        if "t2v" in modes:
            rows += evaluate_text_to_video(t2v, prompts, det, cache, autoencoder=ae, details=breakdown)
        if "i2v" in modes:
            rows += evaluate_image_to_video(i2v, prompts, det, cache, autoencoder=ae)
        if "interp" in modes:
            rows += evaluate_interpolation(interp, prompts, det, cache, autoencoder=ae)
    config["total_seconds"] = round(time.perf_counter() - t0, 1)

    # 3. report
    print(markdown_table(rows))
    if breakdown:
        print(breakdown_report(breakdown))
    print(
        f"\n{len(prompts)} prompts, {config['total_seconds']} s. FVD/FID use tinyvid's own "
        "Moving-MNIST detector: not comparable with published I3D/Inception numbers."
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report(rows, config, breakdown), indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
