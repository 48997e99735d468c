"""``python -m tinyvid sample``: generate a video and save it as .mp4 or .gif.

    python -m tinyvid sample "a 7 moving up-left" --mode t2v --seed 0 -o out.mp4
    python -m tinyvid sample --mode i2v --image digit.png -o animated.mp4
    python -m tinyvid sample --mode extend --video clip.mp4 --new-frames 8 -o longer.mp4
    python -m tinyvid sample --mode interpolate --first a.png --last b.png -o between.mp4

Images and videos are read as greyscale and resized to 64x64 (png/jpg/gif/mp4, or .npy
arrays in [0, 1]). ``--random-weights tiny`` runs an untrained model (noise out) to try the
command before the shipped weights are built.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from tinyvid.diffusion.samplers import SAMPLERS
from tinyvid.pipelines import MODES, SampleOptions, load_pipeline, random_pipeline


def _to_unit(frames: np.ndarray, size: int) -> torch.Tensor:
    """``[T, H, W]`` or ``[T, H, W, C]`` uint8/float frames -> ``[T, 1, size, size]`` in [0, 1]."""
    from PIL import Image

    out = []
    for f in frames:
        f = np.asarray(f)
        if f.dtype != np.uint8:
            f = (np.clip(f.astype(np.float32), 0, 1) * 255).round().astype(np.uint8)
        img = Image.fromarray(f.squeeze()).convert("L").resize((size, size), Image.BOX)
        out.append(torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0))
    return torch.stack(out)[:, None]  # [T, 1, size, size]


def read_frames(path: str | Path, size: int = 64) -> torch.Tensor:
    """Read an image or video file as ``[T, 1, size, size]`` floats in [0, 1] (an image: T = 1)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        arr = np.load(path, allow_pickle=False).astype(np.float32)
        t = torch.from_numpy(arr)
        if t.ndim == 2:
            t = t[None, None]  # [1, 1, H, W]
        elif t.ndim == 3:
            t = t[:, None] if t.shape[0] != 1 else t[None]  # [T, 1, H, W]
        if t.ndim != 4 or t.shape[1] != 1:
            raise ValueError(
                f"{path}: expected [H, W], [T, H, W] or [T, 1, H, W], got {list(arr.shape)}"
            )
        if t.shape[-1] != size or t.shape[-2] != size:
            return _to_unit(t[:, 0].numpy(), size)
        return t
    if suffix == ".mp4":
        import imageio_ffmpeg

        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        w, h = meta["size"]
        frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]
        return _to_unit(np.stack(frames), size)
    if suffix in (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"):
        from PIL import Image, ImageSequence

        with Image.open(path) as im:
            frames = [np.asarray(f.convert("L")) for f in ImageSequence.Iterator(im)]
        return _to_unit(np.stack(frames), size)
    raise ValueError(f"cannot read {path.name!r}: use .png, .jpg, .gif, .mp4 or .npy")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tinyvid sample",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("prompt", nargs="?", default=None, help='e.g. "a 7 moving up-left"')
    p.add_argument("--mode", choices=MODES, default="t2v")
    p.add_argument("-o", "--out", default="tinyvid.mp4", help=".mp4 or .gif")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--sampler", choices=SAMPLERS, default=None, help="default: the model's")
    p.add_argument("--guidance", type=float, default=None, help="classifier-free guidance weight")
    p.add_argument(
        "--frames", type=int, default=None, help="frames to make (t2v, i2v, interpolate)"
    )
    p.add_argument("--image", help="first frame (i2v)")
    p.add_argument("--video", help="video to extend (extend)")
    p.add_argument("--new-frames", type=int, default=8, help="frames to add (extend)")
    p.add_argument(
        "--context", type=int, default=4, help="frames the model sees per window (extend)"
    )
    p.add_argument("--first", help="first frame (interpolate)")
    p.add_argument("--last", help="last frame (interpolate)")
    p.add_argument(
        "--no-replace",
        action="store_true",
        help="condition on known frames only, do not paste them in at each step",
    )
    p.add_argument("--fps", type=float, default=None)
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--weights", default="default", help="name of the shipped pipeline")
    p.add_argument(
        "--weights-dir", default=None, help="folder with the weights (default: tinyvid/weights)"
    )
    p.add_argument(
        "--random-weights",
        choices=("tiny", "default"),
        default=None,
        help="use an untrained model of this size instead of the shipped weights",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    from tqdm import tqdm

    from tinyvid.viz import save_video

    p = build_parser()
    args = p.parse_args(argv)
    need = {"i2v": ["image"], "extend": ["video"], "interpolate": ["first", "last"]}.get(
        args.mode, []
    )
    missing = [f"--{n}" for n in need if getattr(args, n) is None]
    if missing:
        p.error(f"--mode {args.mode} needs {' and '.join(missing)}")
    if args.mode == "t2v" and not args.prompt:
        p.error('--mode t2v needs a prompt, e.g. "a 7 moving up-left"')
    try:
        if args.random_weights:
            pipe = random_pipeline(args.random_weights, device=args.device)
        else:
            pipe = load_pipeline(args.weights, device=args.device, folder=args.weights_dir)
    except FileNotFoundError as err:
        print(f"error: {err}")
        return 2
    size = pipe.image_size
    options = SampleOptions(steps=args.steps, guidance=args.guidance, sampler=args.sampler,
                            seed=args.seed, replace_known=False if args.no_replace else None)
    try:
        mode_inputs = {
            "t2v": lambda: dict(num_frames=args.frames),
            "i2v": lambda: dict(image=read_frames(args.image, size)[0], num_frames=args.frames),
            "extend": lambda: dict(video=read_frames(args.video, size),
                                   num_new_frames=args.new_frames, context=args.context),
            "interpolate": lambda: dict(first=read_frames(args.first, size)[0],
                                        last=read_frames(args.last, size)[0],
                                        num_frames=args.frames),
        }[args.mode]()
        # no previews: only the progress bar
        stream = pipe.stream(args.prompt, mode=args.mode, preview_every=0, options=options,
                             **mode_inputs)
        video = None
        with tqdm(desc=f"sampling ({args.mode})", unit="step", leave=False) as bar:
            for step, total, preview in stream:
                bar.total = total
                bar.update(step - bar.n)
                video = preview  # None until the last step (no previews asked for)
        path = save_video(video[0], args.out, fps=args.fps or pipe.config.fps)
    except ValueError as err:
        p.error(str(err))
    print(f"wrote {path} ({video.shape[1]} frames, seed {args.seed})")
    return 0
