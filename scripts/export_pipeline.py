"""Ship a trained diffusion model as a pipeline ``tinyvid/weights/NAME_video`` (+ its autoencoder).

Takes the EMA weights a ``python -m tinyvid train image-unet|video-unet|video-dit`` run left in
``RUN/model.safetensors``, the autoencoder it was trained with, and the objective and clip
length of its config, and writes them with :func:`tinyvid.pipelines.save_pipeline` (fp16
weights, sha256 in MANIFEST). ``load_pipeline(NAME)`` then reads them. The shipped pipelines
share one autoencoder file, ``default_autoencoder`` (``--autoencoder`` names another).

    .venv/bin/python scripts/export_pipeline.py runs/image-unet image   # the per-frame image model
    .venv/bin/python scripts/export_pipeline.py runs/video-unet default # the shipped video model

A run still in progress has no ``model.safetensors`` yet: ``--from-last`` ships the EMA weights
of its latest checkpoint (``RUN/last.safetensors``) instead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tinyvid.checkpoints import load_model
from tinyvid.pipelines import WEIGHTS_DIR, PipelineConfig, VideoPipeline, save_pipeline


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path)
    p.add_argument("name", help="pipeline name: default (the video model) or image")
    p.add_argument("--steps", type=int, default=12, help="default sampling steps")
    p.add_argument("--guidance", type=float, default=3.0)
    p.add_argument("--folder", type=Path, default=WEIGHTS_DIR,
                   help="where to write the files and MANIFEST (default: tinyvid/weights)")
    p.add_argument("--rebuild", default="",
                   help="the command that rebuilds these weights, recorded in the JSON")
    p.add_argument("--autoencoder", default="default_autoencoder",
                   help="name of the autoencoder file, shared by pipelines that use the same one")
    p.add_argument("--from-last", action="store_true",
                   help="ship the EMA of the latest checkpoint of a run still in progress")
    args = p.parse_args()
    cfg = json.loads((args.run / "config.json").read_text())
    if args.from_last:
        from tinyvid.train import load_ema

        model, step = load_ema(args.run / "last.safetensors")
        print(f"EMA weights of step {step}")
    else:
        model = load_model(args.run / "model.safetensors", check_hash=False)
    autoencoder = load_model(cfg["autoencoder"])
    frames = cfg["num_frames"]
    if cfg["task"] == "image":  # a per-frame model: any clip length, frames drawn independently
        pipe_cfg = PipelineConfig(objective=cfg["objective"], schedule=cfg["schedule"],
                                  steps=args.steps, guidance=args.guidance, num_frames=16,
                                  min_frames=1, max_frames=64)
    else:
        pipe_cfg = PipelineConfig(objective=cfg["objective"], schedule=cfg["schedule"],
                                  steps=args.steps, guidance=args.guidance, num_frames=frames,
                                  min_frames=frames, max_frames=frames)
    rebuild = args.rebuild or f"python -m tinyvid train {cfg['name']} && python scripts/export_pipeline.py {args.run} {args.name}"
    paths = save_pipeline(VideoPipeline(autoencoder, model, pipe_cfg), args.folder, args.name,
                          fp16=True, rebuild=rebuild, autoencoder=args.autoencoder)
    for kind, path in paths.items():
        print(f"{kind}: {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
