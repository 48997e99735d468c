"""What the app samples with: the video pipeline, the per-frame image model, the detector.

Loaded once per process. Until the shipped weights exist, the app runs an untrained pipeline
of the shipped architecture and says so in a banner; until a trained image model exists, the
flicker lab uses the video model on one frame at a time as its stand-in and says so too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import torch

from tinyvid.checkpoints import load_model
from tinyvid.metrics.detector import DEFAULT_WEIGHTS
from tinyvid.pipelines import WEIGHTS_DIR, VideoPipeline, load_pipeline, random_pipeline

log = logging.getLogger("app")

UNTRAINED_BANNER = "untrained demo weights: the shipped model is not built yet"
IMAGE_PIPELINE_NAME = "image"  # tinyvid/weights/image_{video,autoencoder}.safetensors, when shipped


@dataclass
class Models:
    video: VideoPipeline
    image: VideoPipeline  # samples one frame per call: a trained image model, or the stand-in
    image_label: str  # how the flicker lab names the per-frame model
    banner: str  # "" when the shipped weights are loaded
    detector: torch.nn.Module | None  # reads digit and direction back; None when not built


def per_frame(pipe: VideoPipeline) -> VideoPipeline:
    """The video model asked for one frame at a time (the shortest clip its patches allow)."""
    pf = pipe.patch_frames
    cfg = replace(pipe.config, min_frames=pf, num_frames=pf, max_frames=pf)
    return VideoPipeline(pipe.autoencoder, pipe.model, cfg, pipe.tokenizer)


def load_detector_if_built() -> torch.nn.Module | None:
    if not DEFAULT_WEIGHTS.is_file():
        return None
    try:
        return load_model(DEFAULT_WEIGHTS)
    except (OSError, ValueError, RuntimeError, KeyError) as e:  # a half-written or stale file
        log.warning("detector not loaded: %s", e)
        return None


def load_models(
    pipeline: VideoPipeline | None = None,
    image_pipeline: VideoPipeline | None = None,
    detector: torch.nn.Module | None | str = "auto",
    banner: str | None = None,
) -> Models:
    """The shipped models, or what stands in for each (``pipeline`` etc. override them)."""
    if pipeline is None:
        try:
            pipeline, default_banner = load_pipeline(), ""
        except (FileNotFoundError, ValueError) as e:
            log.warning("shipped pipeline not loaded (%s); using untrained weights", e)
            pipeline, default_banner = random_pipeline("default"), UNTRAINED_BANNER
        banner = default_banner if banner is None else banner
    banner = banner or ""

    if (
        image_pipeline is None
        and (WEIGHTS_DIR / f"{IMAGE_PIPELINE_NAME}_video.safetensors").is_file()
    ):
        try:
            image_pipeline = load_pipeline(IMAGE_PIPELINE_NAME)
        except (FileNotFoundError, ValueError) as e:
            log.warning("image model not loaded (%s); using the per-frame stand-in", e)
    if image_pipeline is not None:
        image, label = per_frame(image_pipeline), "image model, frame by frame"
    else:
        image = per_frame(pipeline)
        label = "stand-in image model: the video model asked for 1 frame at a time"

    if detector == "auto":
        detector = load_detector_if_built()
    return Models(pipeline, image, label, banner, detector)
