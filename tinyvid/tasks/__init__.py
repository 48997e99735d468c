"""What each trainable thing needs from the training loop, in one place per thing.

A task turns the training config into batches, a loss and a preview:

- ``autoencoder``: the frame autoencoder, reconstruction loss on Moving MNIST frames;
- ``image``: a text-conditioned latent diffusion model on single frames (T = 1), the model the
  flicker lesson applies frame by frame and the starting point for inflation;
- ``video``: the masked-conditional text-to-video model (every generation mode at once);
- ``svd_i2v``: SVD-style image-to-video fine-tuned from the video model (noise-augmented
  first frame on every frame, all frames generated);
- ``detector``: the evaluation detector: classification losses on distorted glyphs and random
  clip lengths.

:mod:`tinyvid.train` looks the task up in :data:`TASKS` and runs its generic loop.
"""

from __future__ import annotations

from tinyvid.tasks.autoencoder import AutoencoderTask
from tinyvid.tasks.base import Task
from tinyvid.tasks.detector import DetectorTask
from tinyvid.tasks.diffusion import (
    STAND_IN_CHANNELS,
    DiffusionTask,
    ImageTask,
    SVDImageToVideoTask,
    VideoTask,
)

TASKS: dict[str, type[Task]] = {
    "autoencoder": AutoencoderTask,
    "image": ImageTask,
    "video": VideoTask,
    "svd_i2v": SVDImageToVideoTask,
    "detector": DetectorTask,
}

__all__ = [
    "STAND_IN_CHANNELS",
    "TASKS",
    "AutoencoderTask",
    "DetectorTask",
    "DiffusionTask",
    "ImageTask",
    "SVDImageToVideoTask",
    "Task",
    "VideoTask",
]
