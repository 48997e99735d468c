"""Attention over videos: within a frame, across frames, factorized, and full space-time.

Every block takes and returns ``[B, T, C, H, W]`` and is a pre-norm residual block,
``x + Attention(LayerNorm(x))``: the residual is added to the *input*, not to the normalised
tensor (the seed's version adds it to the normalised one; see ``tinyvid.nn.seed_bugs``).
All of them run on ``F.scaled_dot_product_attention``, which picks a fused kernel on CPU and GPU.

Which tokens attend to which is the whole difference between the blocks:

- ``SpatialAttention``: the ``H*W`` positions of one frame (an image model applied per frame).
- ``TemporalAttention``: the ``T`` frames at one position (a 1-D model per pixel track).
- ``FactorizedSpaceTimeAttention``: spatial then temporal, cost ``O(T·(HW)² + HW·T²)``
  (Ho et al. 2022 "Video Diffusion Models"; Bertasius et al. 2021 TimeSformer "divided" attention).
- ``FullSpaceTimeAttention``: all ``T*H*W`` tokens at once, cost ``O((T·HW)²)``: the baseline
  (Arnab et al. 2021 ViViT model 1; Sora's DiT attends over spacetime patches this way).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from tinyvid.nn.layers import check_video, sinusoidal_embedding, zero_init


class SelfAttention(nn.Module):
    """Multi-head self-attention over token sequences ``[N, L, D] -> [N, L, D]`` (no residual).

    ``N`` independent sequences of ``L`` tokens: which axis of the video becomes ``N`` and which
    becomes ``L`` is decided by the caller. ``zero_init_out=True`` zeroes the output projection so
    the branch outputs exactly 0 at initialisation (used when inserting layers into a trained model).
    """

    def __init__(self, dim: int, heads: int = 4, zero_init_out: bool = False):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim={dim} must be divisible by heads={heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        if zero_init_out:
            zero_init(self.out)

    def forward(
        self,
        x: torch.Tensor,
        is_causal: bool = False,
        key_padding_mask: torch.Tensor | None = None,
        first_of: int = 0,
    ) -> torch.Tensor:
        """``key_padding_mask``: optional bool ``[N, L]``, True where a token may be attended to.

        ``first_of=T``: the ``N = B*T`` sequences are the frames of ``B`` videos, and each one
        also attends to the keys and values of its video's frame 0 (cross-frame attention,
        Khachatryan et al. 2023 Text2Video-Zero; Wu et al. 2023 Tune-A-Video): no new weights.
        """
        qkv = self.qkv(x)  # [N, L, 3*D]
        q, k, v = rearrange(qkv, "n l (three h d) -> three n h l d", three=3, h=self.heads)
        # q, k, v: [N, heads, L, D/heads]
        if first_of:
            k, v = (torch.cat([a, _first_frame(a, first_of)], dim=2) for a in (k, v))
            # k, v: [N, heads, 2L, D/heads]
        mask = None
        if key_padding_mask is not None:
            mask = rearrange(key_padding_mask, "n l -> n 1 1 l")  # [N, 1, 1, L]
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)
        o = rearrange(o, "n h l d -> n l (h d)")  # [N, L, D]
        return self.out(o)


def _first_frame(a: torch.Tensor, frames: int) -> torch.Tensor:
    """``[B*T, ...]`` -> each video's frame 0, repeated for its ``T`` frames: ``[B*T, ...]``."""
    a = rearrange(a, "(b t) ... -> b t ...", t=frames)  # [B, T, ...]
    return rearrange(a[:, :1].expand_as(a), "b t ... -> (b t) ...")  # [B*T, ...]


class _PreNormAttention(nn.Module):
    """A residual pre-norm self-attention block over ``dim``-channel videos; each subclass says
    which tokens attend to each other (how its ``forward`` cuts ``[B, T, C, H, W]`` up)."""

    def __init__(self, dim: int, heads: int = 4, zero_init_out: bool = False):
        super().__init__()
        self.dim = dim
        self.norm = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, zero_init_out=zero_init_out)


class SpatialAttention(_PreNormAttention):
    """Each frame attends within itself: ``[B, T, C, H, W] -> [B, T, C, H, W]``.

    Tokens are the ``H*W`` positions of one frame, frames never see each other: this is the
    image model's attention, applied to ``B*T`` images. Positions come from the surrounding
    model (U-Net convolutions or DiT's patch position embedding).

    ``cross_frame=True``: every frame also attends to frame 0's keys and values (see
    :meth:`SelfAttention.forward`), a path that carries the first frame's appearance to every
    frame with the image model's own weights.
    """

    def __init__(self, dim: int, heads: int = 4, zero_init_out: bool = False,
                 cross_frame: bool = False):
        super().__init__(dim, heads, zero_init_out)
        self.cross_frame = cross_frame

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.dim)
        B, T, C, H, W = x.shape
        tokens = rearrange(x, "b t c h w -> (b t) (h w) c")  # [B*T, H*W, C]
        first_of = T if self.cross_frame else 0
        tokens = tokens + self.attn(self.norm(tokens), first_of=first_of)  # [B*T, H*W, C]
        return rearrange(tokens, "(b t) (h w) c -> b t c h w", b=B, h=H)  # [B, T, C, H, W]


class TemporalAttention(_PreNormAttention):
    """Each position attends across frames: ``[B, T, C, H, W] -> [B, T, C, H, W]``.

    Tokens are the ``T`` frames at one ``(h, w)``; positions never see each other. Attention is
    blind to order (shuffle the frames and the output is shuffled the same way), so a sinusoidal
    frame-index embedding (``frame_embedding=True``) is added to the normalised tokens that the
    ``qkv`` projection reads: queries, keys *and values* carry it; the residual stream itself
    does not (``x + attn(norm(x) + pos)``). We use fixed sinusoids rather than learned vectors:
    they add no parameters and work for any number of frames, e.g. when extending a video past
    the length seen in training. ``causal=True`` lets frame ``i`` see only frames ``<= i`` (autoregressive
    extension). ``zero_init_out=True`` makes the block the identity at initialisation, which is
    how ``tinyvid.nn.unet.inflate`` inserts it into a trained image model (Blattmann et al. 2023
    "Align your Latents"; Guo et al. 2023 AnimateDiff).
    """

    def __init__(
        self,
        dim: int,
        heads: int = 4,
        causal: bool = False,
        frame_embedding: bool = True,
        zero_init_out: bool = False,
    ):
        super().__init__(dim, heads, zero_init_out)
        self.causal = causal
        self.frame_embedding = frame_embedding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.dim)
        B, T, C, H, W = x.shape
        tokens = rearrange(x, "b t c h w -> (b h w) t c")  # [B*H*W, T, C]
        h = self.norm(tokens)  # [B*H*W, T, C]
        if self.frame_embedding:
            frames = torch.arange(T, device=x.device)
            h = h + sinusoidal_embedding(frames, C).to(h.dtype)  # [B*H*W, T, C]
        tokens = tokens + self.attn(h, is_causal=self.causal)  # [B*H*W, T, C]
        return rearrange(tokens, "(b h w) t c -> b t c h w", b=B, h=H)  # [B, T, C, H, W]


class FactorizedSpaceTimeAttention(nn.Module):
    """Spatial attention, then temporal attention, each with its own norm and residual.

    ``[B, T, C, H, W] -> [B, T, C, H, W]``. After both steps every token has (indirectly) seen
    every other token, at a cost of ``T·(HW)² + HW·T²`` attention scores instead of
    ``(T·HW)²`` (Ho et al. 2022; TimeSformer's divided space-time attention).
    """

    def __init__(self, dim: int, heads: int = 4, causal: bool = False):
        super().__init__()
        self.spatial = SpatialAttention(dim, heads)
        self.temporal = TemporalAttention(dim, heads, causal=causal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.spatial(x))  # [B, T, C, H, W]


class FullSpaceTimeAttention(_PreNormAttention):
    """Every one of the ``T*H*W`` tokens attends to every other: the expensive baseline.

    ``[B, T, C, H, W] -> [B, T, C, H, W]``. Quadratic in ``T*H*W``; exact where factorized is an
    approximation. Positions must come from the surrounding model (DiT adds spacetime position
    embeddings to its patches); ``frame_embedding=True`` adds the sinusoidal frame index to
    the normalised tokens, as :class:`TemporalAttention` does, so a U-Net's tokens know their
    frame. With ``zero_init_out=True`` the block starts as the identity: CogVideoX's argument
    (Yang et al. 2024, sec. 2.2) that full 3D attention keeps a moving object consistent
    where factorized attention lets it morph, added to a trained model without changing it.
    """

    def __init__(self, dim: int, heads: int = 4, zero_init_out: bool = False,
                 frame_embedding: bool = False):
        super().__init__(dim, heads, zero_init_out)
        self.frame_embedding = frame_embedding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_video(x, self.dim)
        B, T, C, H, W = x.shape
        h = self.norm(rearrange(x, "b t c h w -> b t (h w) c"))  # [B, T, H*W, C]
        if self.frame_embedding:
            pos = sinusoidal_embedding(torch.arange(T, device=x.device), C).to(h.dtype)  # [T, C]
            h = h + rearrange(pos, "t c -> t 1 c")  # [B, T, H*W, C]
        tokens = rearrange(x, "b t c h w -> b (t h w) c")  # [B, T*H*W, C]
        tokens = tokens + self.attn(rearrange(h, "b t l c -> b (t l) c"))  # [B, T*H*W, C]
        return rearrange(tokens, "b (t h w) c -> b t c h w", t=T, h=H)  # [B, T, C, H, W]
