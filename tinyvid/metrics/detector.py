"""The shipped evaluation detector, loaded once per process.

The network is :class:`tinyvid.nn.detector.Detector` (re-exported here, with its config and
the video check the metrics share); its weights are ``tinyvid/weights/detector.safetensors``,
saved and loaded by :mod:`tinyvid.checkpoints` like every other model, hash-checked against
``MANIFEST``. Trained by ``python -m tinyvid train-detector`` (:mod:`tinyvid.tasks.detector`).
"""

from __future__ import annotations

from tinyvid import inputs
from tinyvid.checkpoints import WEIGHTS_DIR, load_model
from tinyvid.nn.detector import Detector, DetectorConfig, DetectorOutput

DEFAULT_WEIGHTS = WEIGHTS_DIR / "detector.safetensors"

__all__ = [
    "DEFAULT_WEIGHTS",
    "Detector",
    "DetectorConfig",
    "DetectorOutput",
    "check_videos",
    "default_detector",
]

_CACHE: dict[str, Detector] = {}


def check_videos(videos, min_frames: int = 1, name: str = "videos") -> None:
    """Raise a ``ValueError`` unless ``videos`` is ``[B, T, 1, 64, 64]`` float in ``[0, 1]``."""
    inputs.check_videos(videos, min_frames=min_frames, name=name, frame_shape=(1, 64, 64))


def default_detector() -> Detector:
    """The shipped detector (``tinyvid/weights/detector.safetensors``), loaded once per process."""
    if "default" not in _CACHE:
        _CACHE["default"] = load_model(DEFAULT_WEIGHTS)
    return _CACHE["default"]
