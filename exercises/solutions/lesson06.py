"""Reference solutions for lesson 06 (generation modes)."""

import torch


def euler_sampler_step(velocity, x: torch.Tensor, i: int, steps: int):
    """Step ``i`` of ``steps`` Euler steps of a flow model, and the clean-video estimate.

    The model was trained on the flow time ``t`` in [0, 1] (0 = noise, 1 = data); step ``i``
    starts at ``t = i / steps`` and moves ``h = 1 / steps`` toward the data. Along a straight
    path the velocity points from the noise to the data, so the data lies ``1 - t`` further.
    """
    t = i / steps  # the flow time this step starts at: never the loop index itself
    h = 1.0 / steps
    u = velocity(x, t)  # [B, T, C, H, W]
    return x + h * u, x + (1.0 - t) * u  # the next state, the x1 estimate


def classifier_free_guidance(out: torch.Tensor, guidance: float) -> torch.Tensor:
    """Guided prediction from one batched forward pass ``out`` ``[2B, ...]``.

    Rows ``:B`` are the predictions with the prompt, rows ``B:`` with the null prompt.
    ``guidance = 1`` gives the prompt's prediction, ``0`` the unconditional one, and larger
    weights go further in the direction the prompt pushes (Ho & Salimans 2022, eq. 6).
    """
    cond, uncond = out.chunk(2, dim=0)  # [B, ...] each
    return uncond + guidance * (cond - uncond)


def mode_known_mask(mode: str, num_frames: int, context: int = 1) -> torch.Tensor:
    """The known-frames mask ``[num_frames]`` (float, 1 = given) of one generation mode.

    t2v: nothing given; i2v: the first frame; extend: the first ``context`` frames (the end
    of the video being extended); interpolate: the first and the last frame.
    """
    mask = torch.zeros(num_frames)
    if mode == "i2v":
        mask[0] = 1.0
    elif mode == "extend":
        mask[:context] = 1.0
    elif mode == "interpolate":
        mask[0] = 1.0
        mask[-1] = 1.0
    return mask


def extend_with_overlap(generate, video: torch.Tensor, num_new_frames: int, context: int, window: int):
    """``video`` ``[B, T0, ...]`` followed by ``num_new_frames`` generated frames.

    Each window is ``generate(known, window)`` with ``known`` the last ``context`` frames made
    so far; its first ``context`` frames are those known frames, the rest are new. Keep only
    the new ones, and no more than are still needed.
    """
    out = video
    left = num_new_frames
    while left > 0:
        known = out[:, -context:]  # [B, context, ...]: the end of the video so far
        win = generate(known, window)  # [B, window, ...]
        keep = min(window - context, left)
        out = torch.cat([out, win[:, context : context + keep]], dim=1)  # [B, T + keep, ...]
        left -= keep
    return out
