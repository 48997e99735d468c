"""Plausible wrong answers for lesson 02's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import torch


# --- temporal_total_variation
def _signed(video):
    if video.shape[1] < 2:
        return torch.zeros(video.shape[0])
    return (video[:, 1:] - video[:, :-1]).mean(dim=(1, 2, 3, 4))


def _nan_for_one_frame(video):
    return (video[:, 1:] - video[:, :-1]).abs().mean(dim=(1, 2, 3, 4))


def _squared(video):
    if video.shape[1] < 2:
        return torch.zeros(video.shape[0])
    return ((video[:, 1:] - video[:, :-1]) ** 2).flatten(1).mean(1)


def _diff_over_batch(video):
    d = (video[1:] - video[:-1]).abs()  # neighbouring videos, not frames
    return torch.cat([d.flatten(1).mean(1), torch.zeros(1)]) if len(video) > 1 else torch.zeros(1)


def _one_number(video):
    if video.shape[1] < 2:
        return torch.tensor(0.0)
    return (video[:, 1:] - video[:, :-1]).abs().mean()


def _over_t(video):
    B, T = video.shape[:2]
    return (video[:, 1:] - video[:, :-1]).abs().flatten(1).sum(1) / video[0].numel()


# --- centroid_track
def _row_first(video):
    B, T, C, H, W = video.shape
    w = video.mean(2)
    m = w.sum((2, 3))
    y = (w.sum(3) * torch.arange(H)).sum(2) / m
    x = (w.sum(2) * torch.arange(W)).sum(2) / m
    c = torch.stack([y, x], -1)
    return torch.where((m > 0)[..., None], c, torch.tensor([(H - 1) / 2, (W - 1) / 2]))


def _nan_when_black(video):
    B, T, C, H, W = video.shape
    w = video.mean(2)
    m = w.sum((2, 3))
    x = (w.sum(2) * torch.arange(W)).sum(2) / m
    y = (w.sum(3) * torch.arange(H)).sum(2) / m
    return torch.stack([x, y], -1)


def _centre_w_over_2(video):
    B, T, C, H, W = video.shape
    c = _nan_when_black(video)
    return torch.where(torch.isnan(c), torch.tensor([W / 2, H / 2]), c)


def _argmax_pixel(video):
    """The brightest pixel instead of the centre of mass."""
    B, T, C, H, W = video.shape
    flat = video.mean(2).flatten(2).argmax(-1)  # [B, T]
    return torch.stack([flat % W, flat // W], -1).float()


def _x_uses_height(video):
    B, T, C, H, W = video.shape
    c = _nan_when_black(video)
    return torch.where(torch.isnan(c), torch.tensor([(H - 1) / 2, (W - 1) / 2]), c)


# --- jump_fraction
def _at_least(tracks, threshold=8.0):
    if tracks.shape[1] < 2:
        return torch.zeros(len(tracks))
    return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) >= threshold).float().mean(1)


def _per_frame_t(tracks, threshold=8.0):
    return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) > threshold).float().sum(1) / tracks.shape[1]


def _manhattan(tracks, threshold=8.0):
    if tracks.shape[1] < 2:
        return torch.zeros(len(tracks))
    return ((tracks[:, 1:] - tracks[:, :-1]).abs().sum(-1) > threshold).float().mean(1)


def _nan_for_t1(tracks, threshold=8.0):
    return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) > threshold).float().mean(1)


def _from_start(tracks, threshold=8.0):
    if tracks.shape[1] < 2:
        return torch.zeros(len(tracks))
    return ((tracks[:, 1:] - tracks[:, :1]).norm(dim=-1) > threshold).float().mean(1)


def _count(tracks, threshold=8.0):
    return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) > threshold).float().sum(1)


# --- identity_drift
def _mean_probs(probs):
    votes = probs.argmax(-1)
    return (votes != probs.mean(1).argmax(-1, keepdim=True)).float().mean(1)


def _first_frame(probs):
    votes = probs.argmax(-1)
    return (votes != votes[:, :1]).float().mean(1)


def _agreement(probs):
    votes = probs.argmax(-1)
    return (votes == votes.mode(1).values[:, None]).float().mean(1)


def _changes(probs):
    """Counts digit changes between consecutive frames instead of disagreement with the majority."""
    votes = probs.argmax(-1)
    if votes.shape[1] < 2:
        return torch.zeros(len(votes))
    return (votes[:, 1:] != votes[:, :-1]).float().mean(1)


def _majority_over_batch(probs):
    votes = probs.argmax(-1)
    return (votes != votes.mode(0).values[None]).float().mean(1)


MUTANTS = {
    "temporal_total_variation": [
        ("signed differences", _signed, "cancel"),
        ("NaN for a single frame", _nan_for_one_frame, "NaN"),
        ("squared differences", _squared, "squared"),
        ("differences between videos", _diff_over_batch, "wrong"),
        ("one number for the whole batch", _one_number, "shape"),
        ("divides by T", _over_t, "T - 1 frame pairs"),
    ],
    "centroid_track": [
        ("(y, x) instead of (x, y)", _row_first, "(y, x)"),
        ("NaN on a black frame", _nan_when_black, "0 / 0"),
        ("centre at (W/2, H/2)", _centre_w_over_2, "not (W / 2, H / 2)"),
        ("brightest pixel", _argmax_pixel, "wrong"),
        ("x centre from the height", _x_uses_height, "wrong"),
    ],
    "jump_fraction": [
        (">= instead of >", _at_least, "exactly at the threshold"),
        ("divides by T", _per_frame_t, "T - 1 transitions"),
        ("Manhattan distance", _manhattan, "euclidean"),
        ("NaN for a single frame", _nan_for_t1, "NaN"),
        ("distance from the first frame", _from_start, "consecutive frames"),
        ("a count, not a fraction", _count, "number of jumps"),
    ],
    "identity_drift": [
        ("majority from mean probabilities", _mean_probs, "from the averaged probabilities"),
        ("compares with frame 0", _first_frame, "first frame"),
        ("agreement, not drift", _agreement, "agree"),
        ("digit changes between neighbours", _changes, "wrong"),
        ("majority over the batch", _majority_over_batch, "wrong"),
    ],
}


def _jumps_threshold_8(tracks, threshold=8.0):
    """The lesson's 8 px hard-coded where the `threshold` argument belongs."""
    if tracks.shape[1] < 2:
        return torch.zeros(len(tracks))
    return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) > 8.0).float().mean(1)


def _drift_vs_last_frame(probs):
    votes = probs.argmax(-1)
    return (votes != votes[:, -1:]).to(probs.dtype).mean(1)


MUTANTS["jump_fraction"] += [("threshold 8 hard-coded", _jumps_threshold_8, "threshold 6")]
MUTANTS["identity_drift"] += [("the last frame as the majority", _drift_vs_last_frame, "majority 2")]


def _centre_of_64x64(video):
    """The lesson's 64×64 frame centre (31.5, 31.5) hard-coded for all-black frames."""
    B, T, C, H, W = video.shape
    w = video.mean(2)
    m = w.sum((2, 3))
    x = (w.sum(2) * torch.arange(W)).sum(2) / m
    y = (w.sum(3) * torch.arange(H)).sum(2) / m
    return torch.where((m > 0)[..., None], torch.stack([x, y], -1), torch.tensor([31.5, 31.5]))


MUTANTS["centroid_track"] += [("64×64 centre hard-coded", _centre_of_64x64, "all-black")]
