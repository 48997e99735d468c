"""Reference solutions for lesson 08 (evaluation: Fréchet distance, FVD, what each metric misses)."""

import torch

from tinyvid.metrics.frechet import frechet_distance as library_frechet_distance


def frechet_distance(mu1: torch.Tensor, sigma1: torch.Tensor, mu2: torch.Tensor, sigma2: torch.Tensor) -> float:
    """Squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), as a float.

    ``|mu1 - mu2|² + tr(S1) + tr(S2) - 2 tr((S1 S2)^½)``. ``S1 S2`` is not symmetric, but its
    eigenvalues are those of the symmetric ``A S2 A`` with ``A = S1^½``: real and ≥ 0, so the
    trace of its square root is the sum of their square roots.
    """
    mu1, mu2, sigma1, sigma2 = (x.double() for x in (mu1, mu2, sigma1, sigma2))
    w, v = torch.linalg.eigh(sigma1)  # [D], [D, D]
    a = (v * w.clamp(min=0).sqrt()) @ v.T  # [D, D]: S1^½
    m = a @ sigma2 @ a  # [D, D] symmetric, same eigenvalues as S1 S2
    tr_sqrt = torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()
    d2 = ((mu1 - mu2) ** 2).sum() + torch.trace(sigma1) + torch.trace(sigma2) - 2 * tr_sqrt
    return max(float(d2), 0.0)  # rounding can leave -1e-12 for identical inputs


def fvd_from_features(real: torch.Tensor, generated: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``[N1, D]``, ``[N2, D]``.

    Each row is one video. Mean over the rows, unbiased covariance (divide by N - 1) of the
    D feature columns, then the Fréchet distance.
    """

    def stats(f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = f.double()  # [N, D]
        mu = f.mean(dim=0)  # [D]
        centred = f - mu  # [N, D]
        return mu, centred.T @ centred / (f.shape[0] - 1)  # [D], [D, D]

    return library_frechet_distance(*stats(real), *stats(generated))


def motion_smoothness(tracks: torch.Tensor) -> torch.Tensor:
    """Mean acceleration of each track, ``[B]`` in px/frame²: the mean over t of
    ``|c_{t+1} - 2 c_t + c_{t-1}|`` (Euclidean length). Fewer than 3 frames: 0."""
    B, T = tracks.shape[:2]
    if T < 3:
        return tracks.new_zeros(B)  # [B]: no acceleration to measure
    acc = tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]  # [B, T-2, 2]
    return acc.norm(dim=-1).mean(dim=1)  # [B]


def shuffle_frames(videos: torch.Tensor, perms: torch.Tensor) -> torch.Tensor:
    """Video b's frames in the order ``perms[b]``: ``out[b, t] = videos[b, perms[b, t]]``."""
    B = videos.shape[0]
    return videos[torch.arange(B)[:, None], perms]  # [B, T, C, H, W]


def clip_score(image_emb: torch.Tensor, text_emb: torch.Tensor, w: float = 2.5) -> torch.Tensor:
    """CLIPScore (Hessel et al. 2021) of each pair: ``w · max(cos(image, text), 0)``, ``[N]``."""
    cos = torch.nn.functional.cosine_similarity(image_emb, text_emb, dim=-1)  # [N]
    return w * cos.clamp(min=0)  # [N]
