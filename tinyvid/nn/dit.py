"""DiT over spacetime patches with adaLN-Zero conditioning: Sora's recipe at toy scale.

A latent video ``[B, T, c, h, w]`` is cut into non-overlapping ``pt × p × p`` spacetime patches
(Brooks et al. 2024 "Video generation models as world simulators"; Arnab et al. 2021 ViViT
"tubelets"), each patch becomes one token, and a stack of transformer blocks denoises the
tokens. Time and the pooled prompt condition every block through adaptive LayerNorm whose
gates start at zero, so each block starts as the identity (Peebles & Xie 2023, "adaLN-Zero").

Blocks attend either ``"factorized"`` (spatial attention then temporal attention, each with its
own adaLN modulation; Ma et al. 2024 Latte) or ``"full"`` (all tokens of the video at once).

Same contract as every video model: ``DiT(x_t [B, T, c, h, w], t [B], cond) -> [B, T, c, h, w]``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from einops import rearrange
from torch import nn

from tinyvid.nn.attention import SelfAttention
from tinyvid.nn.cond import Cond
from tinyvid.nn.layers import (
    TimestepEmbedder,
    check_time,
    check_video,
    known_frames_input,
    modulate,
    sinusoidal_embedding,
)
from tinyvid.nn.text import TextEncoder, TextEncoderConfig

ATTENTION_KINDS = {"factorized": ("spatial", "temporal"), "full": ("full",)}


@dataclass
class DiTConfig:
    latent_channels: int = 8  # c of the autoencoder latent (8x8x8 by default)
    patch_size: int = 1  # p: an 8x8 latent with p=1 gives 64 tokens per frame
    patch_frames: int = 1  # pt: frames per patch; 1 keeps every frame's own tokens
    dim: int = 128  # token width; 128 x 4 blocks is 1.8 M parameters
    depth: int = 4  # transformer blocks
    heads: int = 4  # 32 features per head
    mlp_ratio: float = 4.0  # MLP hidden width = mlp_ratio * dim, as in ViT/DiT
    attention: str = "factorized"  # "factorized" (space then time) or "full" (all tokens)
    text: TextEncoderConfig = field(default_factory=TextEncoderConfig)

    def __post_init__(self):
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f"attention={self.attention!r}; allowed: {sorted(ATTENTION_KINDS)}")
        if self.dim % self.heads:
            raise ValueError(f"dim={self.dim} must be divisible by heads={self.heads}")

    @classmethod
    def tiny(cls, **overrides) -> DiTConfig:
        """For tests: width 32, 2 blocks, ~60 k parameters."""
        return cls(
            **{
                "latent_channels": 4,
                "dim": 32,
                "depth": 2,
                "heads": 2,
                "text": TextEncoderConfig.tiny(),
            }
            | overrides
        )

    @classmethod
    def default(cls, **overrides) -> DiTConfig:
        """The ``video-dit`` training preset's size: width 128, 4 factorized blocks (1.8 M
        parameters), close to the shipped video model (a ``VideoUNet``, 2.1 M)."""
        return cls(**overrides)

    @classmethod
    def large(cls, **overrides) -> DiTConfig:
        """Width 192, 6 blocks: ~5.8 M parameters, 2 M of them adaLN regressions that run once per
        video, not per token; ~2.5x the default's FLOPs."""
        return cls(**{"dim": 192, "depth": 6, "heads": 6} | overrides)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> DiTConfig:
        d = dict(d)
        d["text"] = TextEncoderConfig.from_dict(d.get("text", {}))
        return cls(**d)


def patchify(x: torch.Tensor, patch_frames: int, patch_size: int) -> torch.Tensor:
    """Cut ``[B, T, C, H, W]`` into ``pt × p × p`` patches: ``-> [B, T/pt, (H/p)*(W/p), pt*p*p*C]``."""
    check_video(x)
    B, T, C, H, W = x.shape
    pt, p = patch_frames, patch_size
    if T % pt or H % p or W % p:
        raise ValueError(
            f"video of shape {tuple(x.shape)} does not split into {pt}x{p}x{p} patches: "
            f"T={T} must be a multiple of patch_frames={pt}, H={H} and W={W} of patch_size={p}"
        )
    return rearrange(
        x, "b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)", pt=pt, p=p, q=p
    )  # [B, T/pt, H/p*W/p, pt*p*p*C]


def unpatchify(
    tokens: torch.Tensor, patch_frames: int, patch_size: int, height: int
) -> torch.Tensor:
    """Inverse of ``patchify``: ``[B, T', N, pt*p*p*C] -> [B, T'*pt, C, H, W]``, ``H = height``."""
    pt, p = patch_frames, patch_size
    return rearrange(
        tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)", h=height // p, pt=pt, p=p, q=p
    )  # [B, T, C, H, W]


def spacetime_position_embedding(frames: int, height: int, width: int, dim: int) -> torch.Tensor:
    """Fixed sin-cos positions ``[frames, height*width, dim]``: 2-D (row, column) + frame index.

    Half of ``dim`` encodes the row, half the column (DiT's 2-D sin-cos), and a 1-D sin-cos of
    the frame index is added on top. Fixed functions work for any grid, e.g. odd sizes or more
    frames than seen in training.
    """
    rows = sinusoidal_embedding(torch.arange(height), dim // 2)  # [H, D/2]
    cols = sinusoidal_embedding(torch.arange(width), dim - dim // 2)  # [W, D/2]
    space = torch.cat(
        [
            rows[:, None].expand(height, width, -1),  # [H, W, D/2]
            cols[None, :].expand(height, width, -1),  # [H, W, D/2]
        ],
        dim=-1,
    )  # [H, W, D]
    time = sinusoidal_embedding(torch.arange(frames), dim)  # [T, D]
    space = rearrange(space, "h w d -> 1 (h w) d")  # [1, H*W, D]
    return space + time[:, None]  # [T, H*W, D]


class DiTBlock(nn.Module):
    """Transformer block with adaLN-Zero on tokens ``[B, T', N, D]``, conditioning ``c`` ``[B, D]``.

    For each attention kind (``spatial`` over the ``N`` tokens of a frame, ``temporal`` over the
    ``T'`` frames at one patch position, ``full`` over all ``T'*N``) and then the MLP:
    ``x = x + gate * sublayer(modulate(LayerNorm(x), shift, scale))``, with ``shift, scale,
    gate`` regressed from ``c``. ``initialize_weights`` zeroes that regression, so ``gate = 0``
    and the block is the identity at initialisation (DiT, sec. 3.2).
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: float = 4.0, attention: str = "factorized"):
        super().__init__()
        if attention not in ATTENTION_KINDS:
            raise ValueError(f"attention={attention!r}; allowed: {sorted(ATTENTION_KINDS)}")
        self.kinds = ATTENTION_KINDS[attention]
        self.norms = nn.ModuleList(
            nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6) for _ in self.kinds
        )
        self.attns = nn.ModuleList(SelfAttention(dim, heads) for _ in self.kinds)
        self.norm_mlp = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        # shift, scale, gate for each attention and for the MLP
        self.adaLN_modulation = nn.Sequential(
            nn.SiLU(), nn.Linear(dim, 3 * (len(self.kinds) + 1) * dim)
        )

    @staticmethod
    def attend(attn: SelfAttention, x: torch.Tensor, kind: str) -> torch.Tensor:
        """Run ``attn`` over the axis ``kind`` names: ``[B, T', N, D] -> [B, T', N, D]``."""
        B, T, N, D = x.shape
        if kind == "spatial":
            y = attn(rearrange(x, "b t n d -> (b t) n d"))  # [B*T', N, D]
            return rearrange(y, "(b t) n d -> b t n d", b=B)  # [B, T', N, D]
        if kind == "temporal":
            y = attn(rearrange(x, "b t n d -> (b n) t d"))  # [B*N, T', D]
            return rearrange(y, "(b n) t d -> b t n d", b=B)  # [B, T', N, D]
        y = attn(rearrange(x, "b t n d -> b (t n) d"))  # [B, T'*N, D]
        return rearrange(y, "b (t n) d -> b t n d", t=T)  # [B, T', N, D]

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        mods = self.adaLN_modulation(c).chunk(3 * (len(self.kinds) + 1), dim=1)  # each [B, D]
        for i, kind in enumerate(self.kinds):
            shift, scale, gate = mods[3 * i : 3 * i + 3]
            h = modulate(self.norms[i](x), shift, scale)  # [B, T', N, D]
            y = self.attend(self.attns[i], h, kind)  # [B, T', N, D]
            x = torch.addcmul(x, gate[:, None, None], y)  # x + gate * y, one fused op
        shift, scale, gate = mods[-3:]
        h = modulate(self.norm_mlp(x), shift, scale)  # [B, T', N, D]
        return torch.addcmul(x, gate[:, None, None], self.mlp(h))  # [B, T', N, D]


class FinalLayer(nn.Module):
    """adaLN then a linear map from tokens to patch pixels: ``[B, T', N, D] -> [B, T', N, pt*p*p*c]``."""

    def __init__(self, dim: int, patch_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(dim, patch_dim)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.adaLN_modulation(c).chunk(2, dim=1)  # each [B, D]
        return self.linear(modulate(self.norm(x), shift, scale))  # [B, T', N, pt*p*p*c]


class DiT(nn.Module):
    """Diffusion transformer on latent video: ``(x_t [B, T, c, h, w], t [B], cond) -> [B, T, c, h, w]``.

    Input channels are ``2c + 1`` (noisy latent, masked known frames, mask). ``T`` must be a
    multiple of ``patch_frames`` and ``h, w`` of ``patch_size``.
    """

    def __init__(self, config: DiTConfig | None = None):
        super().__init__()
        self.config = config = config or DiTConfig()
        c, D = config.latent_channels, config.dim
        pt, p = config.patch_frames, config.patch_size
        self.text = TextEncoder(config.text)
        self.patch_embed = nn.Linear(pt * p * p * (2 * c + 1), D)
        self.time_embed = TimestepEmbedder(D)
        self.text_proj = nn.Linear(config.text.dim, D)
        self.blocks = nn.ModuleList(
            DiTBlock(D, config.heads, config.mlp_ratio, config.attention)
            for _ in range(config.depth)
        )
        self.final = FinalLayer(D, pt * p * p * c)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """All of DiT's special initialisation, in one place (Peebles & Xie 2023, sec. 3.2)."""

        # 1. transformer linears: Xavier-uniform, zero bias (as ViT)
        def basic_init(module):
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

        for module in [self.patch_embed, self.text_proj, *self.blocks, self.final]:
            module.apply(basic_init)
        # 2. time embedding MLP: small normal weights
        nn.init.normal_(self.time_embed.mlp[0].weight, std=0.02)
        nn.init.normal_(self.time_embed.mlp[2].weight, std=0.02)
        # 3. adaLN-Zero: every block's shift/scale/gate regression starts at 0 -> identity blocks
        for block in self.blocks:
            nn.init.zeros_(block.adaLN_modulation[-1].weight)
            nn.init.zeros_(block.adaLN_modulation[-1].bias)
        # 4. output layer: 0, so the untrained model predicts 0 (the mean of eps / velocity)
        nn.init.zeros_(self.final.adaLN_modulation[-1].weight)
        nn.init.zeros_(self.final.adaLN_modulation[-1].bias)
        nn.init.zeros_(self.final.linear.weight)
        nn.init.zeros_(self.final.linear.bias)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond | None = None) -> torch.Tensor:
        cfg = self.config
        check_video(x_t, cfg.latent_channels, name="x_t")
        B, T, _, H, W = x_t.shape
        pt, p = cfg.patch_frames, cfg.patch_size
        t = check_time(t, B).to(x_t.device)
        cond = cond or Cond()

        # 1. conditioning vector: time + pooled prompt
        tokens = cond.tokens if cond.tokens is not None else self.text.null_tokens(B, x_t.device)
        _, pooled = self.text(tokens)  # [B, D_text]
        c = self.time_embed(t) + self.text_proj(pooled)  # [B, D]

        # 2. known frames as channels, spacetime patches, positions
        x = known_frames_input(x_t, cond.known_mask, cond.known)  # [B, T, 2c+1, H, W]
        x = self.patch_embed(patchify(x, pt, p))  # [B, T/pt, H/p*W/p, D]
        pos = spacetime_position_embedding(T // pt, H // p, W // p, cfg.dim)  # [T', N, D]
        x = x + pos.to(device=x.device, dtype=x.dtype)  # [B, T', N, D]

        # 3. transformer blocks
        for block in self.blocks:
            x = block(x, c)  # [B, T', N, D]

        # 4. back to latent patches, then to the video
        x = self.final(x, c)  # [B, T', N, pt*p*p*c]
        return unpatchify(x, pt, p, H)  # [B, T, c, H, W]
