"""The diffusion models' tasks, in the frozen autoencoder's latent space.

- ``image``: a text-conditioned model of single frames (T = 1): prompt dropout only;
- ``video``: the masked-conditional text-to-video model (every generation mode at once: a
  random known-frames mask per video, prompt dropout for classifier-free guidance);
- ``svd_i2v``: SVD-style image-to-video, fine-tuned from the video model: the noise-augmented
  first frame conditions every frame, and every frame is generated.

Without an autoencoder (tests, tiny presets) the pixels are folded 4×4 into
``STAND_IN_CHANNELS`` channels and rescaled to ``[-1, 1]``: a crude but invertible latent.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from tinyvid.checkpoints import load_model, read_config
from tinyvid.diffusion.losses import (
    MaskConfig,
    NoiseAugConfig,
    diffusion_loss,
    drop_prompt,
    flow_matching_loss,
    svd_training_cond,
    training_cond,
)
from tinyvid.diffusion.samplers import default_sampler, sample
from tinyvid.diffusion.schedules import NoiseSchedule
from tinyvid.nn.cond import Cond
from tinyvid.tasks.base import Task
from tinyvid.text import tokenize

STAND_IN_CHANNELS = 16  # without an autoencoder, pixels folded 4×4: [1, 64, 64] -> [16, 16, 16]


class DiffusionTask(Task):
    """Noise, predict, compare: flow matching or eps/v diffusion on latent videos."""

    def __init__(self, cfg, device: torch.device) -> None:
        super().__init__(cfg, device)
        self.schedule = NoiseSchedule(cfg.schedule)
        self.autoencoder = None
        if cfg.autoencoder:
            self.autoencoder = load_model(cfg.autoencoder, device=device).requires_grad_(False)

    @classmethod
    def model_overrides(cls, cfg) -> dict:
        """The model works in the autoencoder's latent space: match its channels."""
        if cfg.autoencoder:
            return {"latent_channels": read_config(cfg.autoencoder)["config"]["latent_channels"]}
        return {"latent_channels": STAND_IN_CHANNELS}

    def latents(self, videos: torch.Tensor) -> torch.Tensor:
        """Pixels ``[B, T, 1, 64, 64]`` -> latents ``[B, T, c, h, w]``."""
        if self.autoencoder is not None:
            with torch.no_grad():
                return self.autoencoder.encode_video(videos)
        return rearrange(videos * 2 - 1, "b t c (h p) (w q) -> b t (c p q) h w", p=4, q=4)

    def pixels(self, z: torch.Tensor) -> torch.Tensor:
        """Latents ``[B, T, c, h, w]`` -> pixels ``[B, T, 1, 64, 64]`` in ``[0, 1]``."""
        if self.autoencoder is not None:
            return self.autoencoder.decode_video(z)
        out = rearrange(z, "b t (c p q) h w -> b t c (h p) (w q)", p=4, q=4)
        return ((out + 1) / 2).clamp(0, 1)

    def cond(self, x0: torch.Tensor, tokens: torch.Tensor, g: torch.Generator) -> Cond:
        """The conditioning of one training batch."""
        raise NotImplementedError

    def loss(self, model: nn.Module, batch, g: torch.Generator) -> torch.Tensor:
        videos, _, captions = batch
        x0 = self.latents(videos.to(self.device, non_blocking=True))  # [B, T, c, h, w]
        cond = self.cond(x0, tokenize(captions).to(self.device), g)  # tokens [B, L]
        if self.cfg.objective == "flow":
            return flow_matching_loss(model, x0, cond, generator=g, time_shift=self.cfg.time_shift,
                                      noise_shared=self.cfg.noise_shared)
        return diffusion_loss(model, x0, cond, self.schedule, self.cfg.objective, generator=g)

    def preview_videos(self, ema, videos, captions):
        shape = tuple(self.latents(videos[:1]).shape[1:])
        cond = Cond(tokens=tokenize(captions).to(self.device))
        z = sample(ema, (len(videos), *shape), cond, sampler=default_sampler(self.cfg.objective),
                   steps=12, guidance=3.0, objective=self.cfg.objective, schedule=self.schedule,
                   generator=torch.Generator().manual_seed(0))
        return self.pixels(z)


class ImageTask(DiffusionTask):
    """Single frames: no known frames, only prompt dropout."""

    def cond(self, x0, tokens, g):
        return Cond(tokens=drop_prompt(tokens, self.cfg.p_uncond, g))


class VideoTask(DiffusionTask):
    """A random known-frames mask per video (t2v, i2v, extension, interpolation) + prompt dropout."""

    def __init__(self, cfg, device: torch.device) -> None:
        super().__init__(cfg, device)
        self.mask_config = MaskConfig(**cfg.mask)

    @classmethod
    def check(cls, cfg) -> None:
        if cfg.num_frames < 3:
            raise ValueError(f"the video task needs num_frames ≥ 3, got {cfg.num_frames}")

    def cond(self, x0, tokens, g):
        return training_cond(x0, tokens, self.mask_config, self.cfg.p_uncond, g)


class SVDImageToVideoTask(DiffusionTask):
    """SVD-style image-to-video (Blattmann et al. 2023): frame 0's latent, noise-augmented with
    ``sigma`` drawn per clip from ``cfg.noise_aug``, conditions every frame; all frames are
    generated and scored (no known-frames mask); prompt dropout as for the video task."""

    def __init__(self, cfg, device: torch.device) -> None:
        super().__init__(cfg, device)
        self.noise_aug = NoiseAugConfig.from_dict(cfg.noise_aug)

    @classmethod
    def check(cls, cfg) -> None:
        NoiseAugConfig.from_dict(cfg.noise_aug)
        if cfg.model_kind != "svd_video_unet":
            raise ValueError(f"the svd_i2v task trains model_kind 'svd_video_unet', got {cfg.model_kind!r}")
        if cfg.objective != "flow":
            raise ValueError(f"the svd_i2v task trains a flow model (objective 'flow'), got {cfg.objective!r}")
        if cfg.num_frames < 2:
            raise ValueError(f"the svd_i2v task needs num_frames ≥ 2, got {cfg.num_frames}")

    def cond(self, x0, tokens, g):
        return svd_training_cond(x0, tokens, self.noise_aug, self.cfg.p_uncond, g)

    def preview_videos(self, ema, videos, captions):
        z = self.latents(videos)  # [B, T, c, h, w]
        sigma = torch.full((len(videos),), self.noise_aug.median(), device=self.device)  # [B]
        cond = Cond(tokens=tokenize(captions).to(self.device), image=z[:, 0], aug_level=sigma)
        out = sample(ema, tuple(z.shape), cond, sampler="heun", steps=6, guidance=3.0,
                     objective="flow", generator=torch.Generator().manual_seed(0))
        return self.pixels(out)
