"""The frame autoencoder's task: reconstruct Moving MNIST frames (pixels in ``[0, 1]``)."""

from __future__ import annotations

import torch
from torch import nn

from tinyvid.tasks.base import Task


class AutoencoderTask(Task):
    def loss(self, model: nn.Module, batch, g: torch.Generator) -> torch.Tensor:
        videos = batch[0].to(self.device, non_blocking=True)  # [B, T, 1, 64, 64]
        return nn.functional.mse_loss(model(videos), videos)  # reconstruction

    def preview_videos(self, ema, videos, captions):
        return torch.cat([videos, ema.decode_video(ema.encode_video(videos))], dim=0)
