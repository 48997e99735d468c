"""Lesson 08 (evaluation): Fréchet distance, FVD from features, motion smoothness from tracks,
the shuffled-frames experiment, CLIPScore."""

from __future__ import annotations

import numpy as np
import torch

from exercises.cases import rand_video, randint
from exercises.compare import Close
from exercises.core import Case, exercise
from exercises.solutions import lesson08 as solutions


# --------------------------------------------------------------------------- frechet_distance
def _trace_sqrt_spec(s1, s2) -> float:
    """tr((S1 S2)^½) as the sum of square roots of the eigenvalues of S1 S2 (real, ≥ 0 for
    PSD S1, S2; tiny negative or imaginary parts are rounding)."""
    lam = np.linalg.eigvals(np.asarray(s1, dtype=np.float64) @ np.asarray(s2, dtype=np.float64))
    return float(np.sqrt(np.clip(lam.real, 0, None)).sum())


def _frechet_spec(mu1, sigma1, mu2, sigma2):
    m1, m2 = np.asarray(mu1, dtype=np.float64), np.asarray(mu2, dtype=np.float64)
    s1, s2 = np.asarray(sigma1, dtype=np.float64), np.asarray(sigma2, dtype=np.float64)
    d2 = float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * _trace_sqrt_spec(s1, s2))
    return max(d2, 0.0)


def _psd_sqrt(s):
    w, v = torch.linalg.eigh(s.double())
    return (v * w.clamp(min=0).sqrt()) @ v.T


def _frechet_with(mu1, sigma1, mu2, sigma2, tr_sqrt, mean_term=lambda d: (d**2).sum(), factor=2.0):
    """The formula with one part swapped: how the trace of the square root is taken, the mean
    term, or the factor in front of the trace."""
    mu1, mu2, s1, s2 = (x.double() for x in (mu1, mu2, sigma1, sigma2))
    return float(mean_term(mu1 - mu2) + s1.trace() + s2.trace() - factor * tr_sqrt(s1, s2))


def _true_tr_sqrt(s1, s2):
    a = _psd_sqrt(s1)
    m = a @ s2 @ a
    return torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()


def _spd(gen: torch.Generator, d: int, n: int | None = None, scale: float = 1.0) -> torch.Tensor:
    """A random covariance [d, d]: from n random samples (singular when n <= d)."""
    n = n if n is not None else 3 * d
    x = torch.randn(n, d, generator=gen, dtype=torch.float64) * scale
    x = x @ torch.randn(d, d, generator=gen, dtype=torch.float64)  # correlated features
    xc = x - x.mean(0)
    return xc.T @ xc / (n - 1)


def _vec(gen: torch.Generator, d: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(d, generator=gen, dtype=torch.float64) * scale


@exercise(
    lesson="08",
    solution=solutions.frechet_distance,
    points=1,
    difficulty=2,
    minutes=12,
    compare=Close(atol=1e-6, rtol=1e-6),
    spec=_frechet_spec,
    hints=[
        "Three parts: the squared distance between the means, the two traces, and the cross "
        "term 2·tr((Σ₁Σ₂)^½) with a *matrix* square root (M^½ M^½ = M), not a square root of "
        "each entry.",
        "Σ₁Σ₂ is not symmetric, so eigh does not apply to it directly. Either "
        "scipy.linalg.sqrtm(Σ₁ @ Σ₂).real, or: A = Σ₁^½ from eigh (V diag(√λ) Vᵀ), then "
        "tr((Σ₁Σ₂)^½) = Σ √eigenvalues of the symmetric A Σ₂ A. Clamp tiny negative eigenvalues at 0.",
        "Work in float64. Σ₁^½: eigh of Σ₁, the eigenvectors scaled by the square roots of the "
        "clamped eigenvalues, times the transposed eigenvectors. The eigenvalues of Σ₁^½ Σ₂ Σ₁^½ "
        "(eigvalsh), clamped at 0, give the trace term as the sum of their square roots. Return "
        "a Python float, never below 0.",
    ],
    mistakes=[
        ("you left out the cross term −2·tr((Σ₁Σ₂)^½): without it two identical Gaussians are "
         "not at distance 0",
         lambda m1, s1, m2, s2: _frechet_with(m1, s1, m2, s2, _true_tr_sqrt, factor=0.0)),
        ("the cross term is 2·tr((Σ₁Σ₂)^½): you forgot the factor 2",
         lambda m1, s1, m2, s2: _frechet_with(m1, s1, m2, s2, _true_tr_sqrt, factor=1.0)),
        ("you took an elementwise square root: (Σ₁Σ₂)^½ is a matrix square root (M^½ M^½ = M)",
         lambda m1, s1, m2, s2: _frechet_with(
             m1, s1, m2, s2, lambda a, b: (a @ b).clamp(min=0).sqrt().trace())),
        ("tr(Σ₁^½ Σ₂^½) equals tr((Σ₁Σ₂)^½) only when the covariances commute (e.g. diagonal); "
         "take the square root of the product",
         lambda m1, s1, m2, s2: _frechet_with(m1, s1, m2, s2, lambda a, b: (_psd_sqrt(a) @ _psd_sqrt(b)).trace())),
        ("the mean term is the squared distance |μ₁ − μ₂|², not |μ₁ − μ₂|",
         lambda m1, s1, m2, s2: _frechet_with(m1, s1, m2, s2, _true_tr_sqrt, mean_term=lambda d: d.norm())),
        ("you returned the square root: FID and FVD report the squared Fréchet distance",
         lambda m1, s1, m2, s2: max(_frechet_with(m1, s1, m2, s2, _true_tr_sqrt), 0.0) ** 0.5),
    ],
)
def frechet_distance(gen: torch.Generator):
    """Identical Gaussians; shifted means; D = 1; non-commuting covariances; singular ones."""
    s = _spd(gen, 4)
    mu = _vec(gen, 4)
    yield Case(mu, s, mu.clone(), s.clone(), label="two identical Gaussians, D = 4 (distance 0)")
    s = _spd(gen, 3)
    yield Case(_vec(gen, 3), s, _vec(gen, 3, 2.0), s.clone(),
               label="the same covariance, different means, D = 3")
    yield Case(torch.tensor([1.0], dtype=torch.float64), torch.tensor([[4.0]], dtype=torch.float64),
               torch.tensor([-0.5], dtype=torch.float64), torch.tensor([[0.25]], dtype=torch.float64),
               label="D = 1: means 1 and −0.5, variances 4 and 0.25 (answer 2.25 + 2.25 = 4.5)")
    yield Case(_vec(gen, 5), _spd(gen, 5), _vec(gen, 5), _spd(gen, 5, scale=0.5),
               label="full covariances that do not commute, D = 5")
    yield Case(_vec(gen, 6), _spd(gen, 6, n=3), _vec(gen, 6), _spd(gen, 6, n=4),
               label="singular covariances (3 and 4 samples in 6 dimensions)")
    d = randint(gen, 7, 12)
    yield Case(_vec(gen, d, 3.0), _spd(gen, d, scale=2.0), _vec(gen, d), _spd(gen, d),
               label="random D between 7 and 12, different scales")


# -------------------------------------------------------------------------- fvd_from_features
def _fvd_spec(real, generated):
    def stats(f):
        f = np.asarray(f, dtype=np.float64)
        return f.mean(axis=0), np.atleast_2d(np.cov(f, rowvar=False))  # np.cov: unbiased

    return _frechet_spec(*stats(real), *stats(generated))


def _fvd_with(real, generated, ddof: int = 1, centre: bool = True):
    """The reference with one part swapped: N vs N - 1, or no centring.

    The covariance of the rows (torch.cov(f), np.cov(f)) is [N, N]: it fits the [D] mean only
    when N = D and raises on the other cases, so it cannot be named as a known mistake; the
    first case (N = D) carries a label that names the trap instead."""

    def stats(f):
        f = f.double()
        mu = f.mean(dim=0)  # [D]
        c = f - mu if centre else f
        return mu, c.T @ c / (f.shape[0] - ddof)

    (m1, s1), (m2, s2) = stats(real), stats(generated)
    return max(_frechet_with(m1, s1, m2, s2, _true_tr_sqrt), 0.0)


def _feats(gen: torch.Generator, n: int, d: int, shift: float = 0.0, scale: float = 1.0) -> torch.Tensor:
    mix = torch.randn(d, d, generator=gen, dtype=torch.float64)
    return (torch.randn(n, d, generator=gen, dtype=torch.float64) * scale) @ mix + shift


@exercise(
    lesson="08",
    solution=solutions.fvd_from_features,
    points=1,
    difficulty=1,
    minutes=8,
    compare=Close(atol=1e-6, rtol=1e-6),
    spec=_fvd_spec,
    hints=[
        "Each row is one video, each column one feature. Fit a Gaussian to each set: the mean "
        "of the rows ([D]) and the covariance of the columns ([D, D]); then the Fréchet distance "
        "(yours from exercise 1, or tinyvid.metrics.frechet.frechet_distance).",
        "The covariance is (f − μ)ᵀ(f − μ) / (N − 1): centred, [D, D], unbiased like np.cov and "
        "torch.cov. Careful: torch.cov and np.cov treat *rows* as variables, so they want f.T "
        "(or np.cov(f, rowvar=False)).",
        "Write a small helper that turns one feature set into its (mean, covariance) pair, call "
        "it on both sets, and hand the four results to the Fréchet distance in the order μ₁, Σ₁, "
        "μ₂, Σ₂.",
    ],
    mistakes=[
        ("you divided by N: the covariance FVD uses is the unbiased one, divided by N − 1 "
         "(np.cov and torch.cov do that); with few samples the two differ a lot",
         lambda r, g: _fvd_with(r, g, ddof=0)),
        ("you did not subtract the mean before the covariance (that is a second moment, not a "
         "covariance)",
         lambda r, g: _fvd_with(r, g, centre=False)),
    ],
)
def fvd_from_features(gen: torch.Generator):
    """N = D; different set sizes; few samples; the same set twice; random."""
    yield Case(_feats(gen, 5, 5), _feats(gen, 5, 5, shift=0.5),
               label="5 videos and 5 features in each set (rows vs columns)")
    yield Case(_feats(gen, 12, 3), _feats(gen, 9, 3, shift=1.0), label="12 and 9 videos, 3 features")
    yield Case(_feats(gen, 4, 2), _feats(gen, 5, 2, scale=2.0),
               label="few samples: 4 and 5 videos, 2 features (N vs N − 1 matters)")
    f = _feats(gen, 8, 4)
    yield Case(f, f.clone(), label="the same 8 videos twice (distance 0)")
    d = randint(gen, 6, 10)
    yield Case(_feats(gen, randint(gen, 20, 40), d), _feats(gen, randint(gen, 20, 40), d, shift=0.3, scale=1.5),
               label="random set sizes, 6 to 10 features")


# -------------------------------------------------------------------------- motion_smoothness
def _smooth_spec(tracks):
    B, T = tracks.shape[:2]
    out = torch.zeros(B, dtype=tracks.dtype)
    for b in range(B):
        acc = [float(torch.linalg.vector_norm(tracks[b, t + 1] - 2 * tracks[b, t] + tracks[b, t - 1]))
               for t in range(1, T - 1)]
        out[b] = sum(acc) / len(acc) if acc else 0.0
    return out


def _second(tracks, size, reduce="mean"):
    if tracks.shape[1] < 3:
        return tracks.new_zeros(len(tracks))
    acc = tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]
    v = size(acc)
    return v.mean(1) if reduce == "mean" else v.sum(1) / tracks.shape[1]


def _tr(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)


@exercise(
    lesson="08",
    solution=solutions.motion_smoothness,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_smooth_spec,
    hints=[
        "Acceleration is the change of velocity: with velocity v_t = c_t − c_{t−1}, the "
        "acceleration at t is v_{t+1} − v_t. Take its length for every inner frame, then "
        "average per track.",
        "tracks[:, 2:] − 2·tracks[:, 1:-1] + tracks[:, :-2] is [B, T − 2, 2]; its Euclidean "
        "length is .norm(dim=-1). With T < 3 there is no acceleration: return zeros.",
        "Handle T < 3 first (zeros, one per track, same dtype). Otherwise: the second "
        "differences of the positions, their Euclidean lengths over the last axis, then the "
        "mean over the frame axis.",
    ],
    mistakes=[
        ("you measured velocity (c_t − c_{t−1}), not acceleration: constant-velocity motion "
         "must score 0",
         lambda tr: (tr[:, 1:] - tr[:, :-1]).norm(dim=-1).mean(1) if tr.shape[1] > 1 else tr.new_zeros(len(tr))),
        ("you squared the acceleration's length; the measure is its length, in px/frame²",
         lambda tr: _second(tr, lambda a: (a**2).sum(-1))),
        ("the length is Euclidean, √(ax² + ay²), not |ax| + |ay|",
         lambda tr: _second(tr, lambda a: a.abs().sum(-1))),
        ("there are T − 2 accelerations in a track of T positions: you divided by T",
         lambda tr: _second(tr, lambda a: a.norm(dim=-1), reduce="sum")),
        ("with fewer than 3 frames there is no acceleration: the mean of nothing is NaN, "
         "return 0 instead",
         lambda tr: (tr[:, 2:] - 2 * tr[:, 1:-1] + tr[:, :-2]).norm(dim=-1).mean(1)),
    ],
)
def motion_smoothness(gen: torch.Generator):
    """Constant velocity; one bounce; a diagonal bounce; T = 2; T = 3; random tracks."""
    yield Case(_tr([[[0, 0], [3, 0], [6, 0], [9, 0], [12, 0]]]),
               label="batch 1, constant velocity 3 px/frame to the right (0)")
    yield Case(_tr([[[30, 10], [33, 10], [36, 10], [33, 10], [30, 10]],
                    [[5, 5], [5, 5], [5, 5], [5, 5], [5, 5]]]),
               label="a bounce at frame 2 (acceleration 6 px/frame² once), and a still digit")
    yield Case(_tr([[[0, 0], [3, 3], [6, 6], [3, 9], [0, 12], [0, 12]]]),
               label="a diagonal bounce off the right wall, then a stop")
    yield Case(_tr([[[1, 2], [8, 9]], [[0, 0], [0, 1]]]), label="T = 2 (no acceleration)")
    yield Case(_tr([[[0, 0], [1, 0], [0, 2]]]), label="T = 3 (one acceleration)")
    B, T = randint(gen, 2, 4), randint(gen, 6, 16)
    yield Case(torch.rand(B, T, 2, generator=gen) * 64, label="random tracks")


# ----------------------------------------------------------------------------- shuffle_frames
def _shuffle_spec(videos, perms):
    B, T = perms.shape
    return torch.stack([torch.stack([videos[b, int(perms[b, t])] for t in range(T)]) for b in range(B)])


# Shuffling across videos (perms used as a batch index) works only while T <= B and raises on
# the other cases, so it cannot be named as a known mistake; the first case (more videos than
# frames) carries a label that names the trap instead.
def _perms(gen: torch.Generator, B: int, T: int) -> torch.Tensor:
    return torch.stack([torch.randperm(T, generator=gen) for _ in range(B)])  # [B, T]


@exercise(
    lesson="08",
    solution=solutions.shuffle_frames,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=0, rtol=0),
    spec=_shuffle_spec,
    hints=[
        "Video b keeps its own frames; only their order changes: frame t of the result is frame "
        "perms[b, t] of video b. Every video has its own permutation.",
        "Advanced indexing with two index tensors that broadcast: a batch index of shape [B, 1] "
        "and perms of shape [B, T] pick videos[b, perms[b, t]] for every (b, t). "
        "(videos[:, perms] is not it: it applies every permutation to every video.)",
        "The batch index is torch.arange over the number of videos, made a column [B, 1]; put "
        "it in the first index position and perms in the second: one indexing step, no loop.",
    ],
    mistakes=[
        ("you applied the first video's permutation to every video: each video has its own row "
         "of perms",
         lambda v, p: v[:, p[0]]),
        ("you used the inverse permutation: out[b, t] must be videos[b, perms[b, t]] (gather), "
         "you wrote videos[b, t] to position perms[b, t] (scatter)",
         lambda v, p: v[torch.arange(v.shape[0])[:, None], p.argsort(dim=1)]),
    ],
)
def shuffle_frames(gen: torch.Generator):
    """More videos than frames; a known order; per-video orders; T = 1; random."""
    yield Case(rand_video(gen, (5, 3, 2, 3, 4)), _perms(gen, 5, 3),
               label="5 videos of 3 frames, 2 channels (more videos than frames)")
    v = torch.arange(4, dtype=torch.float32)[None, :, None, None, None].expand(1, 4, 1, 2, 3).clone()
    yield Case(v, torch.tensor([[2, 0, 3, 1]]), label="batch 1, frame t filled with the value t, order [2, 0, 3, 1]")
    yield Case(rand_video(gen, (3, 5, 1, 4, 4)), torch.tensor([[1, 2, 3, 4, 0], [4, 3, 2, 1, 0], [0, 1, 2, 3, 4]]),
               label="3 videos, each its own order (a rotation, a reversal, none)")
    yield Case(rand_video(gen, (2, 1, 1, 5, 5)), torch.zeros(2, 1, dtype=torch.long), label="T = 1")
    B, T = randint(gen, 2, 4), randint(gen, 6, 16)
    yield Case(rand_video(gen, (B, T, 1, 6, 7)), _perms(gen, B, T), label="random videos and orders")


# --------------------------------------------------------------------------------- clip_score
def _clip_spec(image_emb, text_emb, w=2.5):
    out = torch.zeros(len(image_emb), dtype=image_emb.dtype)
    for i in range(len(image_emb)):
        a, b = image_emb[i], text_emb[i]
        cos = float((a * b).sum() / (a.norm() * b.norm()))
        out[i] = w * max(cos, 0.0)
    return out


def _cos(a, b):
    return (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))


@exercise(
    lesson="08",
    solution=solutions.clip_score,
    points=1,
    difficulty=1,
    minutes=5,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_clip_spec,
    hints=[
        "Cosine similarity of each image embedding with its own caption's embedding (row i with "
        "row i), negative values raised to 0, then scaled by w.",
        "torch.nn.functional.cosine_similarity(image_emb, text_emb, dim=-1) gives [N]; "
        ".clamp(min=0) does the max(·, 0). Use the w you are given: the checks try several.",
        "Three operations on [N, D] inputs: the row-wise cosine similarity (over the last axis), "
        "negatives raised to 0, then the product with the w argument (not a constant).",
    ],
    mistakes=[
        ("you used w = 2.5 whatever w was passed: use the argument (torchmetrics, for example, "
         "scales by 100)",
         lambda a, b, w=2.5: 2.5 * _cos(a, b).clamp(min=0)),
        ("you scaled by 100 instead of by the w you were given",
         lambda a, b, w=2.5: 100 * _cos(a, b).clamp(min=0)),
        ("negative similarities are raised to 0: w · max(cos, 0)",
         lambda a, b, w=2.5: w * _cos(a, b)),
        ("a dot product is not a cosine: divide by both embeddings' lengths",
         lambda a, b, w=2.5: w * (a * b).sum(-1).clamp(min=0)),
        ("you returned one number for the batch; the score is per pair, [N]",
         lambda a, b, w=2.5: w * _cos(a, b).clamp(min=0).mean()),
    ],
)
def clip_score(gen: torch.Generator):
    """Known angles; a negative pair; unnormalised embeddings; w varied; N = 1; random."""
    img = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    txt = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    yield Case(img, txt, label="angles 0°, 90°, 45° (default w = 2.5)")
    yield Case(torch.tensor([[1.0, 2.0, 0.0], [3.0, 0.0, 1.0]]), torch.tensor([[-1.0, -2.0, 0.5], [6.0, 0.0, 2.0]]),
               1.0, label="a pair pointing apart (cosine < 0) and one aligned, w = 1")
    yield Case(torch.randn(4, 8, generator=gen) * 5, torch.randn(4, 8, generator=gen) * 0.1, 100.0,
               label="embeddings of very different lengths, w = 100")
    yield Case(torch.randn(1, 16, generator=gen), torch.randn(1, 16, generator=gen), 2.0, label="N = 1, w = 2")
    n, d = randint(gen, 3, 8), randint(gen, 4, 32)
    base = torch.randn(n, d, generator=gen)
    yield Case(base + 0.5 * torch.randn(n, d, generator=gen), base, 2.5,
               label="random related pairs, w = 2.5 given explicitly")
