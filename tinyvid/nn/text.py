"""A tiny text encoder for the closed prompt grammar ("a 7 moving up-left").

Token ids come from ``tinyvid.text.tokenize`` (0 = padding). The encoder is trained together
with the video model (there is no pretrained CLIP/T5 to fetch here), so it only has to tell
digits, directions and speeds apart: an embedding and two small transformer layers suffice.

Classifier-free guidance (Ho & Salimans 2022) needs a "null prompt": a row of all padding
(``Cond.null_text()`` or ``tokens=None``) maps to a learned null vector, and training drops
prompts to it with some probability.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from tinyvid.nn.attention import SelfAttention
from tinyvid.text import MAX_TOKENS, VOCAB


@dataclass
class TextEncoderConfig:
    vocab_size: int = len(VOCAB)  # the prompt grammar's words, index 0 = "<pad>"
    max_len: int = MAX_TOKENS  # the longest prompt of the grammar fits
    dim: int = 64  # the grammar has ~25 words; 64 features is plenty
    depth: int = 2  # two layers let "moving" + "left" combine into one direction feature
    heads: int = 4

    @classmethod
    def tiny(cls) -> TextEncoderConfig:
        return cls(dim=16, depth=1, heads=2)

    @classmethod
    def default(cls) -> TextEncoderConfig:
        return cls()

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | TextEncoderConfig) -> TextEncoderConfig:
        """From JSON; missing fields keep their defaults (so overrides may be partial)."""
        return d if isinstance(d, TextEncoderConfig) else cls(**d)


class TextBlock(nn.Module):
    """Pre-norm transformer layer over prompt tokens ``[B, L, D]`` with a padding mask."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), key_padding_mask=key_padding_mask)  # [B, L, D]
        return x + self.mlp(self.norm2(x))  # [B, L, D]


class TextEncoder(nn.Module):
    """Prompt tokens ``[B, L]`` -> per-token embeddings ``[B, L, D]`` and a pooled vector ``[B, D]``.

    Padding tokens are masked out of attention and zeroed in the per-token output; the pooled
    vector is the mean over real tokens, or the learned ``null`` vector for an all-padding row.
    """

    def __init__(self, config: TextEncoderConfig | None = None):
        super().__init__()
        self.config = config = config or TextEncoderConfig()
        self.token_embedding = nn.Embedding(config.vocab_size, config.dim)
        self.position_embedding = nn.Parameter(torch.randn(config.max_len, config.dim) * 0.02)
        self.blocks = nn.ModuleList(
            TextBlock(config.dim, config.heads) for _ in range(config.depth)
        )
        self.norm = nn.LayerNorm(config.dim)
        self.null = nn.Parameter(torch.zeros(config.dim))

    def null_tokens(self, batch: int, device: torch.device | str | None = None) -> torch.Tensor:
        """The null prompt: ``[batch, max_len]`` of padding."""
        return torch.zeros(batch, self.config.max_len, dtype=torch.long, device=device)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.config
        if tokens.ndim != 2:
            raise ValueError(f"tokens must be [B, L] int64, got shape {tuple(tokens.shape)}")
        B, L = tokens.shape
        if L > cfg.max_len:
            raise ValueError(f"prompt has {L} tokens, the encoder allows at most {cfg.max_len}")
        if tokens.dtype != torch.long:
            raise ValueError(
                f"tokens must be int64 ids from tinyvid.text.tokenize, got {tokens.dtype}"
            )
        if tokens.numel() and (tokens.min() < 0 or tokens.max() >= cfg.vocab_size):
            raise ValueError(
                f"token ids must be in [0, {cfg.vocab_size}), got min {int(tokens.min())} "
                f"max {int(tokens.max())}"
            )
        real = tokens != 0  # [B, L]
        empty = ~real.any(dim=1)  # [B]: null prompts
        # an all-padding row would mask every key (softmax of nothing): let it attend to all
        attend = real | empty[:, None]  # [B, L]
        x = self.token_embedding(tokens) + self.position_embedding[:L]  # [B, L, D]
        for block in self.blocks:
            x = block(x, attend)  # [B, L, D]
        x = self.norm(x) * real[..., None]  # [B, L, D], padding zeroed
        pooled = x.sum(dim=1) / real.sum(dim=1, keepdim=True).clamp(min=1)  # [B, D]
        pooled = torch.where(empty[:, None], self.null.expand(B, -1), pooled)  # [B, D]
        return x, pooled
