"""Plausible wrong answers for lesson 08's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import numpy as np
import scipy.linalg
import torch


# --- frechet_distance
def _sqrtm(m):
    return torch.from_numpy(np.real(scipy.linalg.sqrtm(m.double().numpy())))


def _no_cross_term(mu1, sigma1, mu2, sigma2):
    return float(((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace())


def _elementwise_sqrt(mu1, sigma1, mu2, sigma2):
    cross = torch.sqrt((sigma1 @ sigma2).clamp(min=0)).trace()  # entry by entry
    return float(((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - 2 * cross)


def _product_of_roots(mu1, sigma1, mu2, sigma2):
    cross = (_sqrtm(sigma1) @ _sqrtm(sigma2)).trace()
    return float(((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - 2 * cross)


def _no_factor_two(mu1, sigma1, mu2, sigma2):
    cross = _sqrtm(sigma1 @ sigma2).trace()
    return float(((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - cross)


def _mean_not_squared(mu1, sigma1, mu2, sigma2):
    cross = _sqrtm(sigma1 @ sigma2).trace()
    return float((mu1 - mu2).norm() + sigma1.trace() + sigma2.trace() - 2 * cross)


def _distance_not_squared(mu1, sigma1, mu2, sigma2):
    cross = _sqrtm(sigma1 @ sigma2).trace()
    d2 = float(((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - 2 * cross)
    return max(d2, 0.0) ** 0.5


def _tensor_not_float(mu1, sigma1, mu2, sigma2):
    cross = _sqrtm(sigma1 @ sigma2).trace()
    return ((mu1 - mu2) ** 2).sum() + sigma1.trace() + sigma2.trace() - 2 * cross


# --- fvd_from_features
def _frechet(mu1, s1, mu2, s2):
    cross = _sqrtm(s1 @ s2).trace()
    return max(float(((mu1 - mu2) ** 2).sum() + s1.trace() + s2.trace() - 2 * cross), 0.0)


def _biased(real, generated):
    def stats(f):
        mu = f.mean(0)
        return mu, (f - mu).T @ (f - mu) / f.shape[0]  # divides by N

    return _frechet(*stats(real), *stats(generated))


def _cov_wrong_axis(real, generated):
    def stats(f):
        return f.mean(0), torch.cov(f)  # torch.cov wants variables in rows: [N, N] here

    return _frechet(*stats(real), *stats(generated))


def _np_cov_no_transpose(real, generated):
    def stats(f):
        return f.mean(0), torch.from_numpy(np.atleast_2d(np.cov(f.numpy())))

    return _frechet(*stats(real), *stats(generated))


def _not_centred(real, generated):
    def stats(f):
        return f.mean(0), f.T @ f / (f.shape[0] - 1)

    return _frechet(*stats(real), *stats(generated))


def _mean_over_features(real, generated):
    def stats(f):
        return f.mean(1), torch.cov(f.T)  # [N] instead of [D]

    return _frechet(*stats(real), *stats(generated))


# --- motion_smoothness
def _velocity(tracks):
    if tracks.shape[1] < 2:
        return torch.zeros(len(tracks))
    return (tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1).mean(1)


def _squared(tracks):
    if tracks.shape[1] < 3:
        return torch.zeros(len(tracks))
    return ((tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]) ** 2).sum(-1).mean(1)


def _manhattan(tracks):
    if tracks.shape[1] < 3:
        return torch.zeros(len(tracks))
    return (tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]).abs().sum(-1).mean(1)


def _nan_short(tracks):
    return (tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]).norm(dim=-1).mean(1)


def _over_t(tracks):
    return (tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]).norm(dim=-1).sum(1) / tracks.shape[1]


def _norm_of_mean(tracks):
    """Averages the acceleration vectors first: a bounce there and back cancels."""
    if tracks.shape[1] < 3:
        return torch.zeros(len(tracks))
    return (tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]).mean(1).norm(dim=-1)


# --- shuffle_frames
def _first_order_for_all(videos, perms):
    return videos[:, perms[0]]


def _inverse(videos, perms):
    out = torch.empty_like(videos)
    for b in range(len(videos)):
        out[b, perms[b]] = videos[b]  # scatter instead of gather
    return out


def _batch_axis(videos, perms):
    return videos[perms, torch.arange(perms.shape[1])[None]]  # shuffles across videos


def _every_order_every_video(videos, perms):
    return videos[:, perms]  # [B, B, T, ...]


def _gather_wrong_dim(videos, perms):
    B, T = perms.shape
    idx = perms[:, :, None, None, None].expand_as(videos)
    return torch.gather(videos, 0, idx % B)


# --- clip_score
def _cos(a, b):
    return torch.nn.functional.cosine_similarity(a, b, dim=-1)


def _hard_coded_w(image_emb, text_emb, w=2.5):
    return 2.5 * _cos(image_emb, text_emb).clamp(min=0)


def _times_100(image_emb, text_emb, w=2.5):
    return 100 * _cos(image_emb, text_emb).clamp(min=0)


def _no_clamp(image_emb, text_emb, w=2.5):
    return w * _cos(image_emb, text_emb)


def _dot(image_emb, text_emb, w=2.5):
    return w * (image_emb * text_emb).sum(-1).clamp(min=0)


def _batch_mean(image_emb, text_emb, w=2.5):
    return w * _cos(image_emb, text_emb).clamp(min=0).mean()


def _normalised_over_batch(image_emb, text_emb, w=2.5):
    a = image_emb / image_emb.norm(dim=0, keepdim=True)
    b = text_emb / text_emb.norm(dim=0, keepdim=True)
    return w * (a * b).sum(-1).clamp(min=0)


MUTANTS = {
    "frechet_distance": [
        ("no 2·tr((Σ₁Σ₂)^½) term", _no_cross_term, "cross term"),
        ("elementwise square root", _elementwise_sqrt, "elementwise"),
        ("tr(√Σ₁ √Σ₂)", _product_of_roots, "commute"),
        ("trace term without the factor 2", _no_factor_two, "factor 2"),
        ("|μ₁ − μ₂| not squared", _mean_not_squared, "squared distance"),
        ("the distance, not its square", _distance_not_squared, "square root"),
        ("a 0-d tensor instead of a float", _tensor_not_float, "wrong type"),
    ],
    "fvd_from_features": [
        ("biased covariance (÷N)", _biased, "unbiased"),
        ("torch.cov over the wrong axis", _cov_wrong_axis, "rows vs columns"),
        ("np.cov without transposing", _np_cov_no_transpose, "rows vs columns"),
        ("second moment, not centred", _not_centred, "subtract the mean"),
        ("mean over features", _mean_over_features, "wrong"),
    ],
    "motion_smoothness": [
        ("velocity instead of acceleration", _velocity, "velocity"),
        ("squared length", _squared, "squared"),
        ("|ax| + |ay|", _manhattan, "euclidean"),
        ("NaN for short tracks", _nan_short, "NaN"),
        ("divides by T", _over_t, "you divided by T"),
        ("length of the mean acceleration", _norm_of_mean, "wrong"),
    ],
    "shuffle_frames": [
        ("video 0's order for all", _first_order_for_all, "first video's permutation"),
        ("inverse permutation", _inverse, "inverse"),
        ("shuffles the batch axis", _batch_axis, "more videos than frames"),
        ("every order on every video", _every_order_every_video, "shape"),
        ("gather on the batch axis", _gather_wrong_dim, "wrong"),
    ],
    "clip_score": [
        ("w hard-coded to 2.5", _hard_coded_w, "w = 2.5 whatever"),
        ("× 100 instead of w", _times_100, "instead of by the w"),
        ("no max(·, 0)", _no_clamp, "raised to 0"),
        ("dot product, not cosine", _dot, "not a cosine"),
        ("one number for the batch", _batch_mean, "shape"),
        ("normalised over the batch axis", _normalised_over_batch, "wrong"),
    ],
}
