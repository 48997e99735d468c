"""Export the shipped video pipeline to ONNX, for the course website's in-browser generator.

Two graphs, both float32:

- ``denoiser.onnx``: ``(x [2, T, c, h, w], t [2], tokens [2, L] int64) -> prediction`` of the
  video model for text-to-video (no known frames). The page runs the prompt and the null prompt
  as one batch of 2, exactly as :func:`tinyvid.diffusion.samplers.model_predict` does.
- ``decoder.onnx``: ``latents [T, c, h, w] -> frames [T, 1, 64, 64]`` in [0, 1] (clamped).

Shapes are fixed (one clip of the pipeline's default length): that is all the page samples.

``generator.json`` beside them carries what the page needs to sample as the library does: the
sampler settings, the latent shape, and the prompt grammar (vocabulary, directions, messages).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

from tinyvid.nn.cond import Cond
from tinyvid.text import DIGIT_WORDS, DIRECTIONS, GRAMMAR, MAX_TOKENS, PAD, VOCAB

OPSET = 18


class _Denoiser(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, t, tokens):
        return self.model(x, t, Cond(tokens=tokens))  # [N, T, c, h, w]


class _Decoder(nn.Module):
    def __init__(self, autoencoder):
        super().__init__()
        self.autoencoder = autoencoder

    def forward(self, latents):
        return self.autoencoder.decode(latents).clamp(0, 1)  # [N, 1, 64, 64]


def example_inputs(pipe, batch: int = 2) -> dict[str, torch.Tensor]:
    """Inputs of the denoiser's shapes (seeded): ``x``, ``t`` and ``tokens``."""
    c, h, w = pipe.latent_shape
    g = torch.Generator().manual_seed(0)
    T = pipe.config.num_frames
    return {
        "x": torch.randn(batch, T, c, h, w, generator=g),
        "t": torch.rand(batch, generator=g),
        "tokens": torch.randint(0, len(VOCAB), (batch, MAX_TOKENS), generator=g),
    }


def page_config(pipe) -> dict:
    """What the page needs besides the two graphs (sampler defaults, shapes, grammar)."""
    cfg = pipe.config
    if cfg.objective != "flow" or cfg.sampler not in ("heun", "euler"):
        raise ValueError(
            f"the in-browser sampler integrates a flow model with euler or heun; this pipeline "
            f"has objective {cfg.objective!r} and sampler {cfg.sampler!r}"
        )
    return {
        "objective": cfg.objective,
        "sampler": cfg.sampler,
        "steps": cfg.steps,
        "guidance": cfg.guidance,
        "num_frames": cfg.num_frames,
        "fps": cfg.fps,
        "latent_shape": list(pipe.latent_shape),
        "image_size": pipe.image_size,
        "vocab": list(VOCAB),
        "pad": PAD,
        "max_tokens": MAX_TOKENS,
        "digits": list(DIGIT_WORDS),
        "directions": list(DIRECTIONS),
        "grammar": GRAMMAR,
    }


def export_onnx(pipe, folder: str | Path) -> dict[str, Path]:
    """Write ``denoiser.onnx``, ``decoder.onnx`` and ``generator.json`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pipe = pipe.to("cpu")
    model = _Denoiser(pipe.model.float().eval())
    decoder = _Decoder(pipe.autoencoder.float().eval())
    ex = example_inputs(pipe)
    c, h, w = pipe.latent_shape
    paths = {
        "denoiser": folder / "denoiser.onnx",
        "decoder": folder / "decoder.onnx",
        "config": folder / "generator.json",
    }
    # tracing warns about the models' input checks, which the fixed shapes make constant
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (ex["x"], ex["t"], ex["tokens"]),
            str(paths["denoiser"]),
            input_names=["x", "t", "tokens"],
            output_names=["prediction"],
            opset_version=OPSET,
            dynamo=False,
        )
        torch.onnx.export(
            decoder,
            (torch.zeros(pipe.config.num_frames, c, h, w),),
            str(paths["decoder"]),
            input_names=["latents"],
            output_names=["frames"],
            opset_version=OPSET,
            dynamo=False,
        )
    paths["config"].write_text(json.dumps(page_config(pipe), indent=1) + "\n")
    return paths
