"""Frame autoencoder: 64×64×1 frames <-> a small latent (8×8×8 by default, 16×16×4 in ``tiny``).

Latent diffusion (Rombach et al. 2022) moves the expensive denoising into a compressed space;
video models such as Stable Video Diffusion (Blattmann et al. 2023) encode frame by frame with
an image autoencoder, which is what ``encode_video``/``decode_video`` do on ``[B, T, C, H, W]``.
Ours is a plain deterministic conv autoencoder trained with a reconstruction loss; on Moving
MNIST that already gives a smooth latent (the shipped one: 34.5 dB held-out PSNR, see
``tinyvid/weights/README.md``).

The latent is multiplied by ``config.scaling_factor`` so the diffusion model sees roughly unit
variance (Stable Diffusion's 0.18215 plays the same role); ``fit_scaling_factor`` measures it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from tinyvid.nn.layers import check_video, group_norm, with_tuples


@dataclass
class AutoencoderConfig:
    in_channels: int = 1  # Moving MNIST is grey
    image_size: int = 64  # frames are 64x64
    channels: tuple[int, ...] = (16, 32, 64)  # width per level; each level halves H and W
    latent_channels: int = 8  # 3 halvings: 64x64x1 -> 8x8x8 (= 512 numbers, 8x compression)
    scaling_factor: float = 1.0  # multiplies the latent; set by fit_scaling_factor after training

    @classmethod
    def tiny(cls) -> AutoencoderConfig:
        """For tests: two levels, 64x64x1 -> 16x16x4."""
        return cls(channels=(8, 16), latent_channels=4)

    @classmethod
    def default(cls) -> AutoencoderConfig:
        return cls()

    @property
    def latent_shape(self) -> tuple[int, int, int]:
        """``(c, h, w)`` of one frame's latent."""
        side = self.image_size // 2 ** len(self.channels)
        return (self.latent_channels, side, side)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> AutoencoderConfig:
        return cls(**with_tuples(d, ("channels",)))


class ConvResBlock(nn.Module):
    """``[N, C_in, H, W] -> [N, C_out, H, W]``: two GroupNorm-SiLU-conv3x3 with a skip."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.body = nn.Sequential(
            group_norm(in_channels),
            nn.SiLU(),
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
            group_norm(out_channels),
            nn.SiLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1),
        )
        self.skip = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Conv2d(in_channels, out_channels, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)  # [N, C_out, H, W]


class FrameAutoencoder(nn.Module):
    """Encode/decode frames; videos go through frame by frame.

    Public boundary: pixel videos ``[B, T, 1, 64, 64]`` in ``[0, 1]`` and latent videos
    ``[B, T, c, h, w]``. Inside, pixels are mapped to ``[-1, 1]``.
    """

    def __init__(self, config: AutoencoderConfig | None = None):
        super().__init__()
        self.config = config = config or AutoencoderConfig()
        ch = config.channels
        if config.image_size % 2 ** len(ch):
            raise ValueError(
                f"image_size={config.image_size} must be divisible by 2**len(channels)={2 ** len(ch)}"
            )
        enc = [nn.Conv2d(config.in_channels, ch[0], 3, padding=1)]
        for a, b in zip((ch[0],) + ch[:-1], ch):
            enc += [ConvResBlock(a, b), nn.Conv2d(b, b, 3, stride=2, padding=1)]  # halves H, W
        enc += [group_norm(ch[-1]), nn.SiLU(), nn.Conv2d(ch[-1], config.latent_channels, 1)]
        self.encoder = nn.Sequential(*enc)

        dec = [nn.Conv2d(config.latent_channels, ch[-1], 3, padding=1)]
        for a, b in zip(ch[::-1], ch[::-1][1:] + (ch[0],)):
            dec += [ConvResBlock(a, b), nn.Upsample(scale_factor=2.0, mode="nearest")]
            dec += [nn.Conv2d(b, b, 3, padding=1)]
        dec += [group_norm(ch[0]), nn.SiLU(), nn.Conv2d(ch[0], config.in_channels, 3, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def _check_frames(self, frames: torch.Tensor) -> None:
        cfg = self.config
        expected = (cfg.in_channels, cfg.image_size, cfg.image_size)
        if frames.ndim != 4 or tuple(frames.shape[1:]) != expected:
            raise ValueError(
                f"frames must be [N, {', '.join(map(str, expected))}], got {tuple(frames.shape)}"
            )

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """``[N, 1, 64, 64]`` in ``[0, 1]`` -> scaled latent ``[N, c, h, w]``."""
        self._check_frames(frames)
        z = self.encoder(frames * 2 - 1)  # [N, c, h, w]
        return z * self.config.scaling_factor

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latent ``[N, c, h, w]`` -> frames ``[N, 1, 64, 64]``, about ``[0, 1]`` (not clamped)."""
        c, h, w = self.config.latent_shape
        if latents.ndim != 4 or latents.shape[1] != c:
            raise ValueError(f"latents must be [N, {c}, h, w], got {tuple(latents.shape)}")
        y = self.decoder(latents / self.config.scaling_factor)  # [N, 1, 64, 64] in ~[-1, 1]
        return (y + 1) / 2

    def encode_video(self, video: torch.Tensor) -> torch.Tensor:
        """``[B, T, 1, 64, 64]`` in ``[0, 1]`` -> latent video ``[B, T, c, h, w]``."""
        check_video(video, self.config.in_channels, name="video")
        T = video.shape[1]
        z = self.encode(rearrange(video, "b t c h w -> (b t) c h w"))  # [B*T, c, h, w]
        return rearrange(z, "(b t) c h w -> b t c h w", t=T)  # [B, T, c, h, w]

    def decode_video(self, latents: torch.Tensor, clamp: bool = True) -> torch.Tensor:
        """Latent video ``[B, T, c, h, w]`` -> ``[B, T, 1, 64, 64]`` in ``[0, 1]``."""
        check_video(latents, self.config.latent_channels, name="latents")
        T = latents.shape[1]
        x = self.decode(rearrange(latents, "b t c h w -> (b t) c h w"))  # [B*T, 1, 64, 64]
        x = rearrange(x, "(b t) c h w -> b t c h w", t=T)  # [B, T, 1, 64, 64]
        return x.clamp(0, 1) if clamp else x

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """Reconstruction for training: ``[B, T, 1, 64, 64] -> [B, T, 1, 64, 64]`` (not clamped)."""
        return self.decode_video(self.encode_video(video), clamp=False)

    def loss(self, video: torch.Tensor) -> torch.Tensor:
        """Mean squared reconstruction error in pixel units of ``[0, 1]``."""
        return F.mse_loss(self(video), video)

    @torch.no_grad()
    def fit_scaling_factor(self, video: torch.Tensor) -> float:
        """Set ``config.scaling_factor = 1 / std(unscaled latent)`` over ``video``; return it."""
        self.config.scaling_factor = 1.0
        std = self.encode_video(video).std().item()
        self.config.scaling_factor = 1.0 / max(std, 1e-8)
        return self.config.scaling_factor
