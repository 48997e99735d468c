"""Reference solutions for lesson 02 (the flicker problem)."""

import torch


def temporal_total_variation(video: torch.Tensor) -> torch.Tensor:
    """Flicker of each video: mean ``|x_t - x_{t-1}|`` over frame pairs and pixels, ``[B]``.

    A single frame cannot flicker: ``T = 1`` gives 0.
    """
    B, T = video.shape[:2]
    if T < 2:
        return video.new_zeros(B)  # [B]: no frame pairs, no change
    diff = (video[:, 1:] - video[:, :-1]).abs()  # [B, T-1, C, H, W]
    return diff.flatten(1).mean(dim=1)  # [B]


def centroid_track(video: torch.Tensor) -> torch.Tensor:
    """Intensity-weighted centre of mass of every frame, ``[B, T, 2]`` as ``(x, y)`` pixels.

    x is the column, y the row (row 0 at the top). Channels are averaged first. A frame with
    no ink at all (every pixel 0) gets the frame centre ``((W - 1) / 2, (H - 1) / 2)``.
    """
    B, T, C, H, W = video.shape
    w = video.mean(dim=2)  # [B, T, H, W]: intensity = weight
    mass = w.sum(dim=(2, 3))  # [B, T]
    xs = torch.arange(W, dtype=w.dtype)  # [W] column indices
    ys = torch.arange(H, dtype=w.dtype)  # [H] row indices
    cx = (w.sum(dim=2) * xs).sum(dim=2)  # [B, T]: column sums weighted by x
    cy = (w.sum(dim=3) * ys).sum(dim=2)  # [B, T]: row sums weighted by y
    c = torch.stack([cx, cy], dim=-1) / mass.clamp(min=1e-12)[..., None]  # [B, T, 2]
    centre = torch.tensor([(W - 1) / 2, (H - 1) / 2], dtype=w.dtype)  # [2]
    return torch.where((mass > 0)[..., None], c, centre)  # [B, T, 2]


def jump_fraction(tracks: torch.Tensor, threshold: float = 8.0) -> torch.Tensor:
    """Share of frame transitions whose position moves more than ``threshold`` px, ``[B]``.

    The step between frames t-1 and t is the Euclidean distance of their (x, y); there are
    T - 1 steps. A single frame has no steps: ``T = 1`` gives 0.
    """
    B, T = tracks.shape[:2]
    if T < 2:
        return tracks.new_zeros(B)  # [B]
    steps = (tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1)  # [B, T-1] pixels
    return (steps > threshold).to(tracks.dtype).mean(dim=1)  # [B]


def identity_drift(probs: torch.Tensor) -> torch.Tensor:
    """Share of frames whose most likely digit differs from the video's majority digit, ``[B]``.

    The majority digit is the digit most frames vote for (each frame votes for its argmax).
    With a tie, any of the tied digits gives the same score.
    """
    votes = probs.argmax(dim=-1)  # [B, T] each frame's digit
    majority = votes.mode(dim=1).values  # [B] the most common vote
    return (votes != majority[:, None]).to(probs.dtype).mean(dim=1)  # [B]
