"""A small latent image U-Net and its video inflation.

``ImageUNet`` is an image diffusion model applied to every frame on its own: ResBlocks with a
time(+text) embedding (Ho et al. 2020; Dhariwal & Nichol 2021) and spatial attention at the
low resolutions only (where ``H*W`` is small enough). ``inflate(image_unet)`` returns a
``VideoUNet`` with the same weights plus a temporal conv after every ResBlock and a temporal
attention after every stage, whose output layers start at zero. At initialisation the video
model therefore *is* the image model applied per frame; fine-tuning on video then only has to
learn motion (Singer et al. 2023 Make-A-Video; Blattmann et al. 2023 "Align your Latents";
the seed's exercise 1).

Both follow the one model contract: ``model(x_t [B, T, c, h, w], t [B], cond) -> [B, T, c, h, w]``.
Known frames enter as extra input channels (``known * mask``, ``mask``), the prompt through the
pooled text embedding added to the time embedding.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from einops import rearrange, repeat
from torch import nn

from tinyvid.nn.attention import FullSpaceTimeAttention, SpatialAttention, TemporalAttention
from tinyvid.nn.cond import Cond
from tinyvid.nn.conv import TemporalConvBlock
from tinyvid.nn.layers import (
    TimestepEmbedder,
    check_time,
    check_video,
    group_norm,
    known_frames_input,
    with_tuples,
)
from tinyvid.nn.text import TextEncoder, TextEncoderConfig


@dataclass
class UNetConfig:
    latent_channels: int = 8  # c of the autoencoder's latent (8x8x8 by default)
    channels: tuple[int, ...] = (64, 128)  # width per resolution level; 8x8 -> 4x4 latent
    num_res_blocks: int = 1  # ResBlocks per stage: one keeps the model at ~1.5 M parameters
    attention_levels: tuple[int, ...] = (1,)  # levels with spatial attention: low res only
    heads: int = 4  # attention heads, spatial and temporal
    emb_dim: int = 128  # width of the time + text embedding fed to every ResBlock
    # video models only (inflation leaves both off: the shipped model predates them)
    spacetime_attention: bool = False  # full T*h*w attention at the lowest resolution (zero-init)
    cross_frame: bool = False  # spatial attention also reads frame 0's keys and values
    text: TextEncoderConfig = field(default_factory=TextEncoderConfig)

    @classmethod
    def tiny(cls) -> UNetConfig:
        """For tests: a few thousand parameters, runs in milliseconds."""
        return cls(
            latent_channels=4,
            channels=(8, 16),
            heads=2,
            emb_dim=16,
            text=TextEncoderConfig.tiny(),
        )

    @classmethod
    def default(cls) -> UNetConfig:
        return cls()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> UNetConfig:
        d = with_tuples(d, ("channels", "attention_levels"))
        d["text"] = TextEncoderConfig.from_dict(d.get("text", {}))
        return cls(**d)


class ResBlock(nn.Module):
    """Image ResBlock on frames ``[N, C_in, H, W] -> [N, C_out, H, W]``, ``N = B*T``.

    GroupNorm, SiLU, 3x3 conv, add the embedding (time + text) per channel, GroupNorm, SiLU,
    3x3 conv, plus a skip (1x1 conv when the width changes). Ho et al. 2020, appendix B.
    """

    def __init__(self, in_channels: int, out_channels: int, emb_dim: int):
        super().__init__()
        self.norm1 = group_norm(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.emb = nn.Linear(emb_dim, out_channels)
        self.norm2 = group_norm(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.act = nn.SiLU()
        self.skip = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Conv2d(in_channels, out_channels, 1)
        )

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.act(self.norm1(x)))  # [N, C_out, H, W]
        h = h + rearrange(self.emb(self.act(emb)), "n c -> n c 1 1")  # [N, C_out, H, W]
        h = self.conv2(self.act(self.norm2(h)))  # [N, C_out, H, W]
        return self.skip(x) + h  # [N, C_out, H, W]


class UNetStage(nn.Module):
    """ResBlocks (+ spatial attention) at one resolution, optionally with temporal layers.

    ``[B, T, C_in, H, W] -> [B, T, C_out, H, W]``. With ``temporal=True`` a zero-initialised
    ``TemporalConvBlock`` follows each ResBlock and a zero-initialised ``TemporalAttention``
    closes the stage, so the temporal layers are the identity until trained.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_res_blocks: int,
        emb_dim: int,
        attention: bool,
        heads: int,
        temporal: bool,
        spacetime: bool = False,
        cross_frame: bool = False,
    ):
        super().__init__()
        widths = [in_channels] + [out_channels] * num_res_blocks
        self.res = nn.ModuleList(ResBlock(a, b, emb_dim) for a, b in zip(widths, widths[1:]))
        self.attn = (
            SpatialAttention(out_channels, heads, cross_frame=cross_frame) if attention else None
        )
        self.temporal_convs = (
            nn.ModuleList(TemporalConvBlock(out_channels) for _ in range(num_res_blocks))
            if temporal
            else None
        )
        self.temporal_attn = (
            TemporalAttention(out_channels, heads, zero_init_out=True) if temporal else None
        )
        # named temporal_*: a temporal layer for is_temporal (lr factor, train_only)
        self.temporal_spacetime = (
            FullSpaceTimeAttention(out_channels, heads, zero_init_out=True, frame_embedding=True)
            if temporal and spacetime
            else None
        )

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        B, T, C, H, W = x.shape
        for i, res in enumerate(self.res):
            h = res(rearrange(x, "b t c h w -> (b t) c h w"), emb)  # [B*T, C_out, H, W]
            x = rearrange(h, "(b t) c h w -> b t c h w", t=T)  # [B, T, C_out, H, W]
            if self.temporal_convs is not None:
                x = self.temporal_convs[i](x)  # [B, T, C_out, H, W]
        if self.attn is not None:
            x = self.attn(x)  # [B, T, C_out, H, W]
        if self.temporal_attn is not None:
            x = self.temporal_attn(x)  # [B, T, C_out, H, W]
        if self.temporal_spacetime is not None:
            x = self.temporal_spacetime(x)  # [B, T, C_out, H, W]
        return x


def _per_frame(module: nn.Module, x: torch.Tensor, **kwargs) -> torch.Tensor:
    """Apply an image module to every frame: ``[B, T, C, H, W] -> [B, T, C', H', W']``."""
    T = x.shape[1]
    y = module(rearrange(x, "b t c h w -> (b t) c h w"), **kwargs)  # [B*T, C', H', W']
    return rearrange(y, "(b t) c h w -> b t c h w", t=T)  # [B, T, C', H', W']


class Upsample(nn.Module):
    """Nearest-neighbour upsampling to the skip connection's size, then a 3x3 conv.

    Upsampling to an explicit size (not "x2") lets odd latent sizes round-trip through the
    stride-2 downsampling.
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1)

    def forward(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return self.conv(F.interpolate(x, size=size, mode="nearest"))  # [N, C_out, *size]


class ImageUNet(nn.Module):
    """Latent image U-Net applied to each frame: ``[B, T, c, h, w] -> [B, T, c, h, w]``.

    Frames never interact (use ``T = 1`` for images). Input channels are ``2c + 1``: the noisy
    latent, the known frames (masked) and the mask; an image model trained with an empty mask
    can later be inflated and trained with known frames without changing its first layer.
    """

    temporal_layers = False

    def __init__(self, config: UNetConfig | None = None):
        super().__init__()
        self.config = config = config or UNetConfig()
        c, ch, E = config.latent_channels, config.channels, config.emb_dim
        levels = len(ch)
        video = self.temporal_layers
        stage = lambda a, b, n, attn, lowest=False: UNetStage(
            a, b, n, E, attn, config.heads, video, spacetime=video and lowest
            and config.spacetime_attention, cross_frame=video and config.cross_frame
        )

        self.text = TextEncoder(config.text)
        self.time_embed = TimestepEmbedder(E)
        self.text_proj = nn.Linear(config.text.dim, E)
        self.input = nn.Conv2d(2 * c + 1, ch[0], 3, padding=1)
        self.down = nn.ModuleList(
            stage(ch[max(i - 1, 0)], ch[i], config.num_res_blocks, i in config.attention_levels,
                  i == levels - 1)
            for i in range(levels)
        )
        self.downsample = nn.ModuleList(
            nn.Conv2d(ch[i], ch[i], 3, stride=2, padding=1) for i in range(levels - 1)
        )
        self.mid = stage(ch[-1], ch[-1], 1, True, True)
        self.upsample = nn.ModuleList(Upsample(ch[i + 1], ch[i]) for i in range(levels - 1))
        self.up = nn.ModuleList(
            stage(2 * ch[i], ch[i], config.num_res_blocks, i in config.attention_levels,
                  i == levels - 1)
            for i in range(levels)
        )
        self.out_norm = group_norm(ch[0])
        # not zero-initialised: an all-zero output would make "inflated == image model" vacuous
        self.out = nn.Conv2d(ch[0], c, 3, padding=1)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond | None = None) -> torch.Tensor:
        c = self.config.latent_channels
        check_video(x_t, c, name="x_t")
        B, T, _, h, w = x_t.shape
        t = check_time(t, B).to(x_t.device)
        cond = cond or Cond()
        emb = self.embed(t, cond, B)  # [B, E]
        x = known_frames_input(x_t, cond.known_mask, cond.known)  # [B, T, 2c+1, h, w]
        return self.trunk(x, emb)  # [B, T, c, h, w]

    def embed(self, t: torch.Tensor, cond: Cond, batch: int) -> torch.Tensor:
        """Time + pooled prompt -> one embedding per video, ``[B, E]``."""
        tokens = cond.tokens if cond.tokens is not None else self.text.null_tokens(batch, t.device)
        _, pooled = self.text(tokens)  # [B, D_text]
        return self.time_embed(t) + self.text_proj(pooled)  # [B, E]

    def trunk(self, x: torch.Tensor, emb: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        """The U-Net on assembled input channels: ``[B, T, 2c+1, h, w]``, ``[B, E]`` -> ``[B, T, c, h, w]``.

        ``extra`` ``[B, T, ch0, h, w]`` is added to the first conv's output (a subclass's own
        input path)."""
        T = x.shape[1]
        emb = repeat(emb, "b e -> (b t) e", t=T)  # [B*T, E]
        x = _per_frame(self.input, x)  # [B, T, ch0, h, w]
        if extra is not None:
            x = x + extra  # [B, T, ch0, h, w]

        # down, middle, up with skip connections
        skips = []
        for i, stage in enumerate(self.down):
            x = stage(x, emb)  # [B, T, ch_i, h_i, w_i]
            skips.append(x)
            if i < len(self.downsample):
                x = _per_frame(self.downsample[i], x)  # [B, T, ch_i, ceil(h_i/2), ceil(w_i/2)]
        x = self.mid(x, emb)  # [B, T, ch_last, h_last, w_last]
        for i in reversed(range(len(self.up))):
            skip = skips[i]
            if i < len(self.upsample):
                x = _per_frame(self.upsample[i], x, size=skip.shape[-2:])  # [B, T, ch_i, h_i, w_i]
            x = torch.cat([x, skip], dim=2)  # [B, T, 2*ch_i, h_i, w_i]
            x = self.up[i](x, emb)  # [B, T, ch_i, h_i, w_i]

        # back to latent channels
        x = _per_frame(self.out_norm, x)
        return _per_frame(self.out, F.silu(x))  # [B, T, c, h, w]


class VideoUNet(ImageUNet):
    """``ImageUNet`` plus temporal conv and temporal attention in every stage.

    ``[B, T, c, h, w] -> [B, T, c, h, w]``. Build it with ``inflate(image_unet)`` to start from a
    trained image model, or directly from a config to train from scratch.
    """

    temporal_layers = True


def is_temporal(name: str) -> bool:
    """Whether the parameter (or module) called ``name`` belongs to a temporal layer.

    The temporal layers inflation adds are the only modules named ``temporal_*``
    (``...down.0.temporal_convs.0.conv.weight``); everything else came from the image model.
    Freezing the rest and training only these is AnimateDiff's recipe (Guo et al. 2023).
    """
    return any(part.startswith("temporal") for part in name.split("."))


def inflate(image_unet: ImageUNet) -> VideoUNet:
    """Return a ``VideoUNet`` carrying ``image_unet``'s weights and identity temporal layers.

    Every parameter of the image net is copied; the new temporal layers have zero output
    projections, so ``inflate(m)(x, t, cond)`` equals ``m(x, t, cond)`` (``m`` applied per frame)
    until the first optimiser step.
    """
    if not isinstance(image_unet, ImageUNet) or isinstance(image_unet, VideoUNet):
        raise ValueError(f"inflate expects an ImageUNet, got {type(image_unet).__name__}")
    video = VideoUNet(copy.deepcopy(image_unet.config))
    missing, unexpected = video.load_state_dict(image_unet.state_dict(), strict=False)
    not_temporal = [k for k in missing if not is_temporal(k)]
    if unexpected or not_temporal:  # the two classes must differ only in temporal layers
        raise RuntimeError(f"inflate: unexpected keys {unexpected}, missing {not_temporal}")
    param = next(image_unet.parameters())
    return video.to(device=param.device, dtype=param.dtype).train(image_unet.training)
