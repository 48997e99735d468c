"""Ship a trained frame autoencoder: fit its latent scaling factor, measure it, write it.

Reads the EMA weights a ``python -m tinyvid train autoencoder`` run left in
``RUN/model.safetensors``, sets ``scaling_factor = 1 / std(latent)`` on training-glyph
videos (so the diffusion models see unit-variance latents), measures reconstruction PSNR on
held-out glyphs (``split="test"``) and the latent's statistics, and writes
``tinyvid/weights/autoencoder.safetensors`` + ``.json`` (figures included) + its MANIFEST line.

    .venv/bin/python scripts/export_autoencoder.py runs/autoencoder
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from tinyvid.checkpoints import WEIGHTS_DIR, load_model, save_model
from tinyvid.data import moving_mnist

REBUILD = ("python -m tinyvid train autoencoder && "
           "python scripts/export_autoencoder.py runs/autoencoder")


@torch.no_grad()
def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", type=Path)
    p.add_argument("--videos", type=int, default=256, help="held-out videos to measure on")
    args = p.parse_args()
    model = load_model(args.run / "model.safetensors", check_hash=False)
    fit, _, _ = moving_mnist(args.videos, seed=[7, 1], num_digits=(1, 2))
    scale = model.fit_scaling_factor(fit)
    test, _, _ = moving_mnist(args.videos, seed=[7, 2], num_digits=(1, 2), split="test")
    z = model.encode_video(test)  # [N, T, c, h, w], scaled
    recon = model.decode_video(z)
    mse = (recon - test).pow(2).flatten(1).mean(1)  # per video
    psnr = (10 * torch.log10(1 / mse.clamp_min(1e-10))).mean().item()
    # smoothness of the latent along time: how much it changes between frames vs its spread
    dz = (z[:, 1:] - z[:, :-1]).pow(2).mean().sqrt().item()
    log = [json.loads(x) for x in (args.run / "log.jsonl").read_text().splitlines()]
    cfg = json.loads((args.run / "config.json").read_text())
    figures = {
        "psnr_db_held_out": round(psnr, 2),
        "scaling_factor": round(scale, 5),
        "latent_mean": round(z.mean().item(), 4),
        "latent_std": round(z.std().item(), 4),
        "latent_frame_to_frame_rms": round(dz, 4),
        "latent_shape": list(model.config.latent_shape),
        "held_out_videos": args.videos,
        "train_steps": cfg["steps"],
        "train_seconds": round(log[-1]["time"] - log[0]["time"], 0) if len(log) > 1 else None,
    }
    path = save_model(model, WEIGHTS_DIR / "autoencoder", rebuild=REBUILD,
                      extra={"figures": figures, "train_config": cfg})
    print(json.dumps(figures, indent=2))
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
