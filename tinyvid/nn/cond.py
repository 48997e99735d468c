"""The conditioning every video model takes: ``model(x_t, t, cond) -> prediction``.

One masked-conditional model serves all four generation modes (DESIGN.md): what changes
between text-to-video, image-to-video, extension and interpolation is only which frames are
known, so the mode is data (``known_mask``), not code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch


@dataclass
class Cond:
    """Conditioning for one batch of videos.

    tokens:     ``[B, L]`` int64 prompt tokens (``tinyvid.text.tokenize``); all padding is the
                null prompt used for classifier-free guidance. ``None`` means null prompt.
    known_mask: ``[B, T]`` float, 1 where a frame is given (first frame for image-to-video,
                first and last for interpolation, ...), 0 where the model must generate it.
                ``None`` means no frame is known (text-to-video).
    known:      ``[B, T, c, h, w]`` latents of the known frames (zeros where unknown).
    image:      ``[B, c, h, w]`` the conditioning frame's latent, already noise-augmented, for
                the SVD-style image-to-video model (``tinyvid.nn.svd``); ``None`` elsewhere.
    aug_level:  ``[B]`` float, the noise level ``sigma`` added to ``image`` (SVD's
                micro-conditioning); ``None`` means 0.
    """

    tokens: torch.Tensor | None = None
    known_mask: torch.Tensor | None = None
    known: torch.Tensor | None = None
    image: torch.Tensor | None = None
    aug_level: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> Cond:
        move = lambda x: None if x is None else x.to(device)
        return Cond(*(move(getattr(self, f.name)) for f in fields(self)))

    def null_text(self) -> Cond:
        """The same conditioning with the prompt dropped (for classifier-free guidance)."""
        return replace(self, tokens=None if self.tokens is None else torch.zeros_like(self.tokens))

    @staticmethod
    def cat(a: Cond, b: Cond) -> Cond:
        """Stack two conditionings along the batch (guided sampling runs both in one pass)."""

        def join(x, y):
            if x is None and y is None:
                return None
            if x is None or y is None:
                raise ValueError("cannot concatenate a Cond with a field set in one and not the other")
            return torch.cat([x, y], dim=0)

        return Cond(*(join(getattr(a, f.name), getattr(b, f.name)) for f in fields(Cond)))
