"""What every trainable thing gives the training loop: a batch stream, a loss, a preview.

A task is built from the training config (any object with the fields of
:class:`tinyvid.train.TrainConfig`) and the device. The loop in :mod:`tinyvid.train` knows
nothing else about what it trains.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tinyvid.data import MovingMNIST, moving_mnist
from tinyvid.viz import save_video

Batch = Any  # whatever a task's batches() yields and its loss() reads


def _one_thread(_worker: int) -> None:
    torch.set_num_threads(1)  # data workers share the cores with each other


class Task:
    """The default task pieces: Moving MNIST batches, no preview. Subclasses give the loss."""

    def __init__(self, cfg, device: torch.device) -> None:
        self.cfg, self.device = cfg, device

    # -- the config -----------------------------------------------------------------------
    @classmethod
    def check(cls, cfg) -> None:
        """Raise a ``ValueError`` when ``cfg`` cannot train this task."""

    @classmethod
    def model_overrides(cls, cfg) -> dict:
        """Fields of the model config that the task fixes (e.g. latent channels)."""
        return {}

    # -- the data -------------------------------------------------------------------------
    def batches(self, start: int, world: int, rank: int, workers: int = 0,
                pin: bool = False) -> Iterator[Batch]:
        """The training batches from step ``start`` on: batch ``k`` depends on ``(seed, k)`` only.

        ``workers`` > 0 makes them in that many background processes (the same batches, in
        the same order: each worker makes every ``workers``-th one and the loader interleaves).
        """
        cfg = self.cfg
        dataset = MovingMNIST(cfg.batch_size, seed=cfg.seed, start_batch=start * world, rank=rank,
                              world_size=world, num_frames=cfg.num_frames,
                              num_digits=tuple(cfg.num_digits), device=cfg.data_device)
        if not workers:
            return iter(dataset)
        loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers,
                                             pin_memory=pin, prefetch_factor=4,
                                             worker_init_fn=_one_thread)

        def from_workers():
            it = iter(loader)
            try:
                yield from it
            finally:
                del it  # stops the worker processes now, not at garbage collection

        return from_workers()

    # -- the loss and the preview ---------------------------------------------------------
    def loss(self, model: nn.Module, batch: Batch, g: torch.Generator) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def held_out_loss(self, model: nn.Module, clip_seed: int, noise_seed: int, batches: int = 4,
                      batch_size: int = 16, num_digits: tuple[int, ...] = (1, 2)) -> float:
        """The loss on fixed held-out test clips (batch ``k`` from ``[clip_seed, k]``) with fixed
        random draws (noise, times, masks from ``noise_seed + k``): the same number for the same
        model, comparable across models trained on this task."""
        total = 0.0
        for k in range(batches):
            batch = moving_mnist(batch_size, seed=[clip_seed, k], num_frames=self.cfg.num_frames,
                                 num_digits=num_digits, split="test")
            g = torch.Generator().manual_seed(noise_seed + k)
            total += float(self.loss(model, batch, g))
        return total / batches

    def preview_videos(self, ema: nn.Module, videos: torch.Tensor,
                       captions: list[str]) -> torch.Tensor | None:
        """What the preview GIF shows for a few held-out ``videos`` (``None``: no preview)."""
        return None

    @torch.no_grad()
    def preview(self, ema: nn.Module, path: Path, seed: int = 0) -> None:
        """A few samples (or reconstructions) of the EMA model, saved as a GIF at ``path``."""
        videos, _, captions = moving_mnist(4, seed=[seed, 12345], num_frames=self.cfg.num_frames,
                                           split="test", num_digits=1)
        out = self.preview_videos(ema, videos.to(self.device), captions)
        if out is not None:
            save_video(out.float().cpu(), path, fps=8, scale=2)
