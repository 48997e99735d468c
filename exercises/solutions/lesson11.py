"""Reference solutions for lesson 11 (capstone: video interpolation vs optical flow)."""

import torch
import torch.nn.functional as F


def cross_fade(first: torch.Tensor, last: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Linear blend in time, ``[B, num_frames, C, H, W]``; frame 0 is ``first``, the last ``last``.

    Frame k is ``(1 - s) first + s last`` with ``s = k / (num_frames - 1)``.
    """
    s = torch.linspace(0, 1, num_frames, dtype=first.dtype)  # [T]
    s = s[None, :, None, None, None]  # [1, T, 1, 1, 1]
    return (1 - s) * first[:, None] + s * last[:, None]  # [B, T, C, H, W]


def warp_backward(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """``out(y, x) = image(y + dy, x + dx)``, bilinear, zeros outside; ``[B, C, H, W]``.

    ``flow`` is ``[B, H, W, 2]`` pixels, ``flow[..., 0] = dx`` (columns), ``flow[..., 1] = dy``.
    """
    B, C, H, W = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(H, dtype=image.dtype), torch.arange(W, dtype=image.dtype), indexing="ij"
    )  # [H, W]
    x = xs + flow[..., 0]  # [B, H, W]
    y = ys + flow[..., 1]  # [B, H, W]
    grid = torch.stack([2 * x / (W - 1) - 1, 2 * y / (H - 1) - 1], dim=-1)  # [B, H, W, 2]
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def track_smoothness(tracks: torch.Tensor) -> torch.Tensor:
    """Mean acceleration of each track, ``[B]``: mean over t of ``|c_{t+1} - 2 c_t + c_{t-1}|``.

    ``tracks`` is ``[B, T, 2]`` positions (x, y) in pixels, ``T >= 3``; ``|.|`` is the Euclidean
    length of the 2-vector.
    """
    acc = tracks[:, 2:] - 2 * tracks[:, 1:-1] + tracks[:, :-2]  # [B, T-2, 2]
    return acc.norm(dim=-1).mean(dim=1)  # [B]
