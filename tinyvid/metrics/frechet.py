"""Fréchet distance between two Gaussians fitted to features: the maths under FID and FVD.

For features of two sample sets with means ``mu1, mu2`` and covariances ``S1, S2``
(Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule ...", eq. 6; Dowson &
Landau 1982)::

    d² = |mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr((S1 S2)^½)

FID applies it to Inception features of images, FVD (Unterthiner et al. 2018) to features of
whole videos. ``S1 S2`` is not symmetric, and the usual ``scipy.linalg.sqrtm(S1 @ S2)`` turns
complex or blows up when the covariances are near-singular (fewer samples than feature
dimensions). We use the identity ``tr((S1 S2)^½) = tr((A S2 A)^½)`` with ``A = S1^½``: ``A S2 A``
is symmetric positive semi-definite, so both square roots come from ``torch.linalg.eigh`` with
eigenvalues clamped at 0. Everything is float64.
"""

from __future__ import annotations

import numpy as np
import torch


def _as_f64(x, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    return x.detach().to("cpu", torch.float64)


def feature_stats(features) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean ``[D]`` and covariance ``[D, D]`` (float64, unbiased) of ``features [N, D]``.

    Needs N ≥ 2.
    """
    f = _as_f64(features, "features")
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"features must be [N, D] with N ≥ 2 samples, got shape {tuple(f.shape)}")
    if not torch.isfinite(f).all():
        raise ValueError("features contain NaN or inf")
    mu = f.mean(dim=0)  # [D]
    centred = f - mu  # [N, D]
    sigma = centred.T @ centred / (f.shape[0] - 1)  # [D, D]
    return mu, sigma


def _psd_sqrt(s: torch.Tensor) -> torch.Tensor:
    """Square root of a symmetric positive semi-definite matrix (negative eigenvalues → 0)."""
    s = (s + s.T) / 2
    w, v = torch.linalg.eigh(s)  # [D], [D, D]
    return (v * w.clamp(min=0).sqrt()) @ v.T  # [D, D]


def trace_sqrt_product(sigma1, sigma2) -> float:
    """``tr((S1 S2)^½)`` for symmetric PSD ``S1, S2``, via the symmetric ``S1^½ S2 S1^½``."""
    s1, s2 = _as_f64(sigma1, "sigma1"), _as_f64(sigma2, "sigma2")
    a = _psd_sqrt(s1)  # [D, D]
    m = a @ s2 @ a  # [D, D], symmetric PSD
    w = torch.linalg.eigvalsh((m + m.T) / 2)  # [D]
    return float(w.clamp(min=0).sqrt().sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (≥ 0, float64).

    This is the number FID/FVD report (the square, as is the convention).
    """
    m1, m2 = _as_f64(mu1, "mu1"), _as_f64(mu2, "mu2")
    s1, s2 = _as_f64(sigma1, "sigma1"), _as_f64(sigma2, "sigma2")
    d = m1.shape[0] if m1.ndim == 1 else -1
    for name, s in (("sigma1", s1), ("sigma2", s2)):
        if s.shape != (d, d):
            raise ValueError(
                f"{name} must be [D, D] = [{d}, {d}] to match mu1 [D], got {tuple(s.shape)}"
            )
    if m2.shape != m1.shape:
        raise ValueError(
            f"mu1 and mu2 must have the same shape [D], got {tuple(m1.shape)} and {tuple(m2.shape)}"
        )
    diff = float(((m1 - m2) ** 2).sum())
    value = diff + float(torch.trace(s1) + torch.trace(s2)) - 2 * trace_sqrt_product(s1, s2)
    return max(value, 0.0)  # rounding can leave -1e-12 for identical inputs


def frechet_distance_from_features(features1, features2) -> float:
    """Fréchet distance between Gaussians fitted to ``features1 [N1, D]``, ``features2 [N2, D]``."""
    return frechet_distance(*feature_stats(features1), *feature_stats(features2))
