"""FVD and per-frame FID with our own Moving-MNIST detector, and the real-vs-real floor.

- **FVD** (Unterthiner et al. 2018, "Towards Accurate Generative Models of Video"): the
  Fréchet distance between Gaussians fitted to *video* features of real and generated
  videos. It sees motion: shuffled frames, frozen videos or wrong directions raise it.
- **Per-frame FID** (Heusel et al. 2017): the same distance over *single-frame* features of all
  frames pooled together. It sees only what frames look like, not how they follow each other.

Features come from :mod:`tinyvid.metrics.detector`, a small network trained on Moving MNIST,
not I3D / Inception: **the numbers are not comparable with published FVD/FID**, only with
other numbers from the same detector file, the same sample count and the same real set.

Fréchet distances estimated from N samples are biased upwards (more for small N), so a value
means something only beside the **real-vs-real floor**: the same distance between two disjoint
sets of N real videos with the same label distribution (:func:`real_vs_real_floor`).
"""

from __future__ import annotations

import torch

from tinyvid.data import moving_mnist
from tinyvid.metrics.detector import Detector, check_videos, default_detector
from tinyvid.metrics.frechet import frechet_distance_from_features


def _detector(detector: Detector | None) -> Detector:
    return detector if detector is not None else default_detector()


def fvd(real: torch.Tensor, generated: torch.Tensor, detector: Detector | None = None) -> float:
    """Fréchet Video Distance (ours) between ``real`` and ``generated`` ``[B, T, 1, 64, 64]``.

    ≥ 0; lower is better; read it beside :func:`real_vs_real_floor` at the same sample count.
    """
    check_videos(real, min_frames=2, name="real")
    check_videos(generated, min_frames=2, name="generated")
    det = _detector(detector)
    return frechet_distance_from_features(det.features(real), det.features(generated))


def frame_fid(
    real: torch.Tensor, generated: torch.Tensor, detector: Detector | None = None
) -> float:
    """Per-frame FID (ours): Fréchet distance of the detector's frame features, frames pooled."""
    check_videos(real, name="real")
    check_videos(generated, name="generated")
    det = _detector(detector)
    return frechet_distance_from_features(det.frame_features(real), det.frame_features(generated))


def real_videos(n: int, seed: int, num_frames: int = 16, split: str = "test") -> torch.Tensor:
    """``n`` real videos, an even mix of one and two digits, from held-out (test) glyphs."""
    videos, _, _ = moving_mnist(n, seed=seed, num_frames=num_frames, num_digits=(1, 2), split=split)
    return videos  # [n, T, 1, 64, 64]


def real_vs_real_floor(
    n: int = 256,
    seed: int = 0,
    num_frames: int = 16,
    detector: Detector | None = None,
    sets: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> dict[str, float]:
    """FVD and per-frame FID between two disjoint real sets of ``n`` videos (seeds
    ``[seed, 0]`` and ``[seed, 1]``, test glyphs), or between the two given ``sets``.

    What a perfect generator would score with this sample count: the noise floor.
    """
    if sets is None:
        a = real_videos(n, seed=[seed, 0], num_frames=num_frames)  # [n, T, 1, 64, 64]
        b = real_videos(n, seed=[seed, 1], num_frames=num_frames)  # [n, T, 1, 64, 64]
    else:
        a, b = sets
    det = _detector(detector)
    return {"fvd": fvd(a, b, det), "frame_fid": frame_fid(a, b, det)}
