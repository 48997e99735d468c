"""Fréchet distance: agrees with the textbook scipy.linalg.sqrtm formula, safe when singular."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import linalg

from tinyvid.metrics.frechet import feature_stats, frechet_distance, frechet_distance_from_features


def scipy_frechet(mu1, s1, mu2, s2) -> float:
    covmean = linalg.sqrtm(s1 @ s2)
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def random_cov(rng, d: int) -> np.ndarray:
    a = rng.normal(size=(d, 2 * d))
    return a @ a.T / (2 * d) + 0.1 * np.eye(d)


@pytest.mark.parametrize("d", [1, 3, 16, 64])
def test_frechet_matches_scipy_sqrtm_on_random_gaussians(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_cov(rng, d), random_cov(rng, d)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), rel=1e-7, abs=1e-9)


def test_frechet_of_identical_gaussians_is_zero_and_of_shifted_ones_is_the_squared_shift():
    rng = np.random.default_rng(0)
    s = random_cov(rng, 8)
    mu = rng.normal(size=8)
    assert frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(mu, s, mu + 2.0, s) == pytest.approx(4.0 * 8, rel=1e-9)


def test_frechet_is_finite_and_nonnegative_for_rank_deficient_covariances():
    # fewer samples than dimensions: singular covariances, where sqrtm(S1 @ S2) goes complex
    g = torch.Generator().manual_seed(0)
    a = torch.randn(10, 64, generator=g, dtype=torch.float64)
    b = torch.randn(10, 64, generator=g, dtype=torch.float64) + 0.5
    d = frechet_distance_from_features(a, b)
    assert np.isfinite(d) and d > 0
    assert frechet_distance_from_features(a, a) == pytest.approx(0.0, abs=1e-8)


def test_feature_stats_are_numpy_mean_and_unbiased_covariance():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(50, 5))
    mu, sigma = feature_stats(torch.from_numpy(f).float())
    assert mu.dtype == torch.float64
    np.testing.assert_allclose(mu.numpy(), f.mean(0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(sigma.numpy(), np.cov(f, rowvar=False), rtol=1e-5, atol=1e-6)


def test_bad_shapes_are_value_errors_naming_the_shape():
    with pytest.raises(ValueError, match=r"\[N, D\]"):
        feature_stats(torch.zeros(5))
    with pytest.raises(ValueError, match="N ≥ 2"):
        feature_stats(torch.zeros(1, 4))
    with pytest.raises(ValueError, match="sigma1"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
