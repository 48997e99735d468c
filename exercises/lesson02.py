"""Lesson 02 (the flicker problem): flicker, centroid tracks, jumps, identity drift."""

from __future__ import annotations

import torch

from exercises.cases import rand_video, randint
from exercises.compare import Close
from exercises.core import Case, exercise
from exercises.solutions import lesson02 as solutions


# ------------------------------------------------------------------- temporal_total_variation
def _tv_spec(video):
    B, T = video.shape[:2]
    out = torch.zeros(B, dtype=video.dtype)
    for b in range(B):
        if T > 1:
            out[b] = sum((video[b, t] - video[b, t - 1]).abs().mean() for t in range(1, T)) / (T - 1)
    return out


def _alternating(B: int, T: int, C: int, H: int, W: int) -> torch.Tensor:
    """Frames black, white, black, ...: every pixel changes by 1 at every step."""
    frames = (torch.arange(T) % 2).float()  # [T]
    return frames[None, :, None, None, None].expand(B, T, C, H, W).clone()


def _tv_pairs(video, op):
    B, T = video.shape[:2]
    return op(video[:, 1:] - video[:, :-1]).flatten(1)  # [B, (T-1)*C*H*W]


@exercise(
    lesson="02",
    solution=solutions.temporal_total_variation,
    points=1,
    difficulty=1,
    minutes=5,
    compare=Close(atol=1e-6, rtol=1e-5),
    spec=_tv_spec,
    hints=[
        "Compare every frame with the one before it: video[:, 1:] and video[:, :-1] line up "
        "frame t with frame t - 1. Take the size of the change, then average it per video.",
        "abs() before averaging (a change up and a change down must both count); average over "
        "everything except the batch axis (flatten from axis 1, then one mean). With T = 1 "
        "there are no pairs: the mean of nothing is NaN, so return zeros.",
        "Handle T = 1 first (zeros, one per video, same dtype). Otherwise: the absolute "
        "frame-to-frame differences, everything after the batch axis flattened, then the mean.",
    ],
    mistakes=[
        ("you averaged the signed differences: changes up and down cancel; take abs() first",
         lambda v: _tv_pairs(v, lambda d: d).mean(1) if v.shape[1] > 1 else v.new_zeros(len(v))),
        ("you squared the differences (that is a mean squared change); flicker here is the mean "
         "absolute change",
         lambda v: _tv_pairs(v, lambda d: d**2).mean(1) if v.shape[1] > 1 else v.new_zeros(len(v))),
        ("you summed instead of averaging: divide by the number of frame pairs and pixels",
         lambda v: _tv_pairs(v, torch.abs).sum(1) if v.shape[1] > 1 else v.new_zeros(len(v))),
        ("you divided by T frames, but there are T - 1 frame pairs",
         lambda v: _tv_pairs(v, torch.abs).sum(1) / v[0].numel()),
        ("a single frame has no frame pairs: the mean of nothing is NaN, return 0 instead",
         lambda v: _tv_pairs(v, torch.abs).mean(1)),
    ],
)
def temporal_total_variation(gen: torch.Generator):
    """Random videos; black/white alternation; frozen video; T = 2; T = 1; odd sizes."""
    yield Case(rand_video(gen), label="random shape")
    yield Case(_alternating(2, 5, 1, 4, 6), label="frames alternate black and white (flicker 1)")
    frozen = rand_video(gen, (2, 1, 1, 5, 5)).expand(2, 6, 1, 5, 5).clone()
    yield Case(frozen, label="a frozen video (every frame the same)")
    yield Case(rand_video(gen, (1, 2, 3, 7, 5)), label="batch 1, T = 2, 3 channels, odd sizes")
    yield Case(rand_video(gen, (3, 1, 1, 4, 4)), label="T = 1 (nothing to compare)")
    yield Case(rand_video(gen, (2, randint(gen, 8, 16), 1, 9, 11)), label="longer videos")


# ----------------------------------------------------------------------------- centroid_track
def _centroid_spec(video):
    B, T, C, H, W = video.shape
    out = torch.zeros(B, T, 2, dtype=video.dtype)
    for b in range(B):
        for t in range(T):
            img = video[b, t].mean(dim=0)  # [H, W]
            mass = img.sum()
            if mass == 0:
                out[b, t] = torch.tensor([(W - 1) / 2, (H - 1) / 2])
                continue
            x = sum(img[:, j].sum() * j for j in range(W)) / mass
            y = sum(img[i, :].sum() * i for i in range(H)) / mass
            out[b, t] = torch.stack([x, y])
    return out


def _centroid_with(video, black, coords=lambda n, dtype: torch.arange(n, dtype=dtype), weights=None):
    """The reference with one part swapped: what an all-black frame gets, the coordinates,
    or the weights."""
    B, T, C, H, W = video.shape
    w = video.mean(dim=2) if weights is None else weights(video)  # [B, T, H, W]
    mass = w.sum(dim=(2, 3))  # [B, T]
    cx = (w.sum(dim=2) * coords(W, w.dtype)).sum(dim=2)
    cy = (w.sum(dim=3) * coords(H, w.dtype)).sum(dim=2)
    c = torch.stack([cx, cy], dim=-1) / mass[..., None]  # NaN where the mass is 0
    if black is None:
        return c
    return torch.where((mass > 0)[..., None], c, torch.tensor(black(W, H), dtype=w.dtype))


def _dot(B: int, T: int, H: int, W: int, xy: list[tuple[int, int]]) -> torch.Tensor:
    """One bright pixel per frame at the given (x, y) (column, row)."""
    v = torch.zeros(B, T, 1, H, W)
    for t, (x, y) in enumerate(xy):
        v[:, t, 0, y, x] = 1.0
    return v


@exercise(
    lesson="02",
    solution=solutions.centroid_track,
    points=1,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-4, rtol=1e-5),
    spec=_centroid_spec,
    hints=[
        "Each frame's centre of mass: every pixel pulls with its intensity. x = Σ intensity · "
        "column / Σ intensity, y = Σ intensity · row / Σ intensity. Average the channels first.",
        "torch.arange(W) are the column indices (x), torch.arange(H) the row indices (y); "
        "(x, y) means column first. An all-black frame has total intensity 0 and 0 / 0 is NaN: "
        "return the frame centre ((W - 1) / 2, (H - 1) / 2) there, e.g. with torch.where.",
        "Summing the channel-mean image over its rows gives one weight per column; weight the "
        "column indices with it and divide by the frame's total (rows likewise). Stack as "
        "(x, y), then torch.where on total > 0 puts the centre where the frame is black.",
    ],
    mistakes=[
        ("you returned (y, x), row first: the track is (x, y), the column first",
         lambda v: solutions.centroid_track(v).flip(-1)),
        ("an all-black frame has no ink: 0 / 0 gives NaN; return the frame centre "
         "((W - 1) / 2, (H - 1) / 2) for it",
         lambda v: _centroid_with(v, None)),
        ("the frame centre is ((W - 1) / 2, (H - 1) / 2) in pixel indices (0 to W - 1), "
         "not (W / 2, H / 2)",
         lambda v: _centroid_with(v, lambda W, H: [W / 2, H / 2])),
        ("you gave an all-black frame the position (0, 0), the top-left corner; return the "
         "frame centre ((W - 1) / 2, (H - 1) / 2)",
         lambda v: _centroid_with(v, lambda W, H: [0.0, 0.0])),
        ("you counted pixel positions from 1: indices start at 0 (torch.arange(W))",
         lambda v: _centroid_with(v, lambda W, H: [(W - 1) / 2, (H - 1) / 2],
                                  coords=lambda n, dtype: torch.arange(1, n + 1, dtype=dtype))),
        ("every lit pixel counted the same: weight each pixel by its intensity",
         lambda v: _centroid_with(v, lambda W, H: [(W - 1) / 2, (H - 1) / 2],
                                  weights=lambda x: (x.mean(2) > 0).to(x.dtype))),
    ],
)
def centroid_track(gen: torch.Generator):
    """One dot per frame; non-square frames; uneven intensities; black frames; T = 1; channels."""
    yield Case(_dot(1, 3, 7, 11, [(2, 5), (9, 1), (0, 6)]),
               label="one bright pixel per frame, 7×11 frames: (x, y) = (2, 5), (9, 1), (0, 6)")
    v = torch.zeros(2, 2, 1, 6, 9)
    v[:, :, 0, 1, 2] = 1.0
    v[:, :, 0, 4, 7] = 0.25
    yield Case(v, label="two pixels of different brightness (1 and 0.25)")
    yield Case(rand_video(gen), label="random shape")
    v = rand_video(gen, (2, 4, 1, 5, 8))
    v[0, 1] = 0
    v[1, 3] = 0
    yield Case(v, label="an all-black frame in the middle and at the end")
    yield Case(torch.zeros(1, 1, 1, 9, 6), label="batch 1, T = 1, all black (9×6)")
    yield Case(rand_video(gen, (1, 3, 3, 5, 7)) ** 4, label="3 channels, odd sizes")


# ------------------------------------------------------------------------------ jump_fraction
def _jump_spec(tracks, threshold=8.0):
    B, T = tracks.shape[:2]
    out = torch.zeros(B, dtype=tracks.dtype)
    for b in range(B):
        jumps = [float(torch.dist(tracks[b, t], tracks[b, t - 1])) > threshold for t in range(1, T)]
        out[b] = sum(jumps) / len(jumps) if jumps else 0.0
    return out


def _steps(tracks, dist):
    return dist(tracks[:, 1:] - tracks[:, :-1])  # [B, T-1]


def _frac(flags):
    return flags.float().mean(1) if flags.shape[1] else torch.zeros(len(flags))


def _tracks(rows) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)


@exercise(
    lesson="02",
    solution=solutions.jump_fraction,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-6, rtol=1e-6),
    spec=_jump_spec,
    hints=[
        "A transition is one pair of consecutive frames (t - 1, t): there are T - 1 of them. "
        "For each, how far did the position move? Then: what share of them moved more than "
        "the threshold?",
        "The distance is Euclidean: (tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) gives "
        "[B, T - 1]. 'More than' is strict (>). With T = 1 there is no transition: return 0.",
        "Compare the step lengths with the `threshold` argument (not the lesson's 8 px): a "
        "bool tensor [B, T - 1]. Turn it into floats and average each video's row.",
    ],
    mistakes=[
        ("a step exactly at the threshold is not a jump: use > threshold, not >=",
         lambda tr, threshold=8.0: _frac(_steps(tr, lambda d: d.norm(dim=-1)) >= threshold)),
        ("there are T - 1 transitions between T frames: you divided by T",
         lambda tr, threshold=8.0: (_steps(tr, lambda d: d.norm(dim=-1)) > threshold).float().sum(1)
         / tr.shape[1]),
        ("you returned the number of jumps: the exercise asks for the fraction of transitions",
         lambda tr, threshold=8.0: (_steps(tr, lambda d: d.norm(dim=-1)) > threshold).float().sum(1)),
        ("the distance is Euclidean, √(dx² + dy²), not |dx| + |dy|",
         lambda tr, threshold=8.0: _frac(_steps(tr, lambda d: d.abs().sum(-1)) > threshold)),
        ("the distance is Euclidean, √(dx² + dy²), not max(|dx|, |dy|)",
         lambda tr, threshold=8.0: _frac(_steps(tr, lambda d: d.abs().amax(-1)) > threshold)),
        ("compare consecutive frames (t - 1 and t), not every frame with the first one",
         lambda tr, threshold=8.0: _frac((tr[:, 1:] - tr[:, :1]).norm(dim=-1) > threshold)),
    ],
)
def jump_fraction(gen: torch.Generator):
    """A known track; a step exactly at the threshold; diagonal steps; T = 1; T = 2; random."""
    yield Case(_tracks([[[10, 10], [13, 10], [30, 10], [33, 10], [33, 40]]]),
               label="batch 1, steps of 3, 17, 3, 30 px (default threshold 8)")
    yield Case(_tracks([[[0, 0], [3, 4], [9, 12], [14, 17]]]), 6.0,
               label="diagonal steps of 5, 10 and 7.07 px, threshold 6")
    yield Case(_tracks([[[0, 0], [3, 4], [6, 8]], [[0, 0], [0, 0], [2, 2]]]), 5.0,
               label="steps of exactly 5 px with threshold 5 (not jumps)")
    yield Case(_tracks([[[4, 4], [4, 4], [4, 4], [20, 20]]]), 4.0,
               label="the far frame is the last one: compare neighbours")
    yield Case(_tracks([[[1, 2]], [[30, 40]]]), label="T = 1 (no transitions)")
    yield Case(_tracks([[[0, 0], [0, 9]], [[5, 5], [5, 6]]]), label="T = 2")
    B, T = randint(gen, 2, 4), randint(gen, 6, 16)
    yield Case(torch.rand(B, T, 2, generator=gen) * 64, 12.0, label="random tracks, threshold 12")


# ----------------------------------------------------------------------------- identity_drift
def _drift_spec(probs):
    B, T, _ = probs.shape
    out = torch.zeros(B, dtype=probs.dtype)
    for b in range(B):
        votes = [int(probs[b, t].argmax()) for t in range(T)]
        top = max(votes.count(d) for d in set(votes))
        out[b] = (T - top) / T
    return out


def _onehotish(digits: list[list[int]], conf: float = 0.9) -> torch.Tensor:
    """Probabilities [B, T, 10] with ``conf`` on each frame's digit and the rest spread."""
    d = torch.tensor(digits)
    p = torch.full((*d.shape, 10), (1 - conf) / 9)
    p.scatter_(-1, d[..., None], conf)
    return p


def _mean_vs_vote() -> torch.Tensor:
    """3 of 5 frames lean weakly to 1, 2 frames are sure of 7: the vote says 1, the mean says 7."""
    p = torch.full((1, 5, 10), 0.025)
    p[0, :3, 1], p[0, :3, 7] = 0.4, 0.4 - 1e-3  # argmax 1, but 7 is a close second
    p[0, :3, 0] += 1 - p[0, 0].sum()  # rows sum to 1
    p[0, 3:, 7] = 1 - 9 * 0.025
    return p


def _drift_mean_probs(probs):
    votes = probs.argmax(-1)
    return (votes != probs.mean(1).argmax(-1)[:, None]).to(probs.dtype).mean(1)


@exercise(
    lesson="02",
    solution=solutions.identity_drift,
    points=1,
    difficulty=2,
    minutes=8,
    compare=Close(atol=1e-6, rtol=1e-6),
    spec=_drift_spec,
    hints=[
        "Two steps: each frame votes for one digit (its most likely class); the video's digit "
        "is the one with the most votes. Drift = share of frames that voted for another digit.",
        "The argmax over the last axis gives the votes, [B, T]; torch.mode along the frame axis "
        "gives the most common vote of each video (its .values). Compare every frame's vote "
        "with it and average per video.",
        "Line the majority [B] up with the votes [B, T] by giving it a frame axis of size 1, "
        "compare, turn the bool result into floats (probs' dtype) and average over frames.",
    ],
    mistakes=[
        ("you took the video's digit from the averaged probabilities; the majority digit is "
         "the one most frames vote for (the mode of the per-frame argmax)",
         _drift_mean_probs),
        ("you compared every frame with the first frame's digit, not with the majority digit",
         lambda p: (p.argmax(-1) != p.argmax(-1)[:, :1]).to(p.dtype).mean(1)),
        ("you returned the number of drifting frames: divide by T for a fraction",
         lambda p: (p.argmax(-1) != p.argmax(-1).mode(1).values[:, None]).to(p.dtype).sum(1)),
        ("you returned the share of frames that agree with the majority: drift is the share "
         "that disagree",
         lambda p: (p.argmax(-1) == p.argmax(-1).mode(1).values[:, None]).to(p.dtype).mean(1)),
    ],
)
def identity_drift(gen: torch.Generator):
    """Steady digits; frame 0 the odd one out; vote vs mean; T = 1; T = 2; random."""
    yield Case(_onehotish([[3, 3, 3, 3], [8, 8, 8, 8]]), label="every frame agrees (drift 0)")
    yield Case(_onehotish([[5, 2, 2, 2, 2, 7]]),
               label="batch 1: frame 0 is the odd one out, majority 2 (drift 2/6)")
    yield Case(_mean_vs_vote(), label="3 frames lean to 1, 2 frames are sure of 7: the vote says 1")
    yield Case(_onehotish([[4], [9]]), label="T = 1 (nothing can drift)")
    yield Case(_onehotish([[1, 6], [0, 0]]), label="T = 2: a tie gives 1/2 whichever digit wins")
    B, T = randint(gen, 2, 4), randint(gen, 7, 16)
    yield Case(torch.softmax(torch.randn(B, T, 10, generator=gen) * 3, dim=-1),
               label="random probabilities")
