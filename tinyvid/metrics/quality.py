"""Frame fidelity: PSNR and SSIM, for the frames a conditional mode was *given*.

Image-to-video should reproduce its conditioning image as frame 0, interpolation its two end
frames. PSNR (dB, higher is better, ``inf`` for identical frames) and SSIM (Wang et al. 2004,
"Image Quality Assessment: From Error Visibility to Structural Similarity": 11×11 Gaussian
window, σ = 1.5, K1 = 0.01, K2 = 0.03; in ``[-1, 1]``, 1 for identical frames) are computed
per frame on pixel videos ``[B, T, C, H, W]`` in ``[0, 1]``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange

from tinyvid.metrics.temporal import check_pixel_videos


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    check_pixel_videos(a, name="a")
    check_pixel_videos(b, name="b")
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape [B, T, C, H, W], "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def psnr(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Peak signal-to-noise ratio of each frame, ``[B, T]`` in dB (data range 1).

    Identical frames give ``inf``; use :func:`mean_psnr` for a finite summary.
    """
    _check_pair(a, b)
    mse = ((a.double() - b.double()) ** 2).flatten(2).mean(dim=2)  # [B, T]
    return torch.where(
        mse > eps, 10 * torch.log10(1.0 / mse.clamp(min=eps)), torch.full_like(mse, math.inf)
    )


def mean_psnr(a: torch.Tensor, b: torch.Tensor, cap: float = 100.0) -> float:
    """Mean of :func:`psnr` over all frames, each capped at ``cap`` dB (so identical = ``cap``)."""
    return float(psnr(a, b).clamp(max=cap).mean())


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]  # [size, size]


def ssim(a: torch.Tensor, b: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """Structural similarity of each frame, ``[B, T]`` (mean over pixels and channels).

    Gaussian-weighted local statistics over valid positions only (no padding), as in Wang et
    al. 2004 and ``skimage``'s ``gaussian_weights=True`` mode.
    """
    _check_pair(a, b)
    B, T, C, H, W = a.shape
    if window > min(H, W) or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be an odd size ≤ min(H, W) = {min(H, W)}, got {window}")
    x = rearrange(a.double(), "b t c h w -> (b t c) 1 h w")  # [N, 1, H, W]
    y = rearrange(b.double(), "b t c h w -> (b t c) 1 h w")  # [N, 1, H, W]
    k = _gaussian_window(window, sigma)[None, None]  # [1, 1, k, k]
    mu_x, mu_y = F.conv2d(x, k), F.conv2d(y, k)  # [N, 1, H', W']
    var_x = F.conv2d(x * x, k) - mu_x**2
    var_y = F.conv2d(y * y, k) - mu_y**2
    cov = F.conv2d(x * y, k) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2  # (K · data range)², data range 1
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)
    )
    s = s.flatten(1).mean(dim=1)  # [N]
    return rearrange(s, "(b t c) -> b t c", b=B, t=T).mean(dim=2)  # [B, T]


def first_frame_fidelity(generated: torch.Tensor, image: torch.Tensor) -> dict[str, float]:
    """Image-to-video: PSNR/SSIM of frame 0 against the conditioning ``image``.

    ``image`` is ``[B, C, H, W]`` or ``[B, 1, C, H, W]``.
    """
    check_pixel_videos(generated, name="generated")
    if image.ndim == 4:
        image = image[:, None]  # [B, 1, C, H, W]
    first = generated[:, :1]  # [B, 1, C, H, W]
    return {
        "first_frame_psnr": mean_psnr(first, image),
        "first_frame_ssim": float(ssim(first, image).mean()),
    }


def end_frames_fidelity(
    generated: torch.Tensor, first: torch.Tensor, last: torch.Tensor
) -> dict[str, float]:
    """Interpolation: PSNR/SSIM of the first and last frames against the given key frames.

    ``first`` and ``last`` are ``[B, C, H, W]`` (or ``[B, 1, C, H, W]``).
    """
    check_pixel_videos(generated, min_frames=2, name="generated")
    ends = torch.stack([generated[:, 0], generated[:, -1]], dim=1)  # [B, 2, C, H, W]
    keys = torch.stack(
        [f.reshape(ends[:, 0].shape) for f in (first, last)], dim=1
    )  # [B, 2, C, H, W]
    return {
        "end_frames_psnr": mean_psnr(ends, keys),
        "end_frames_ssim": float(ssim(ends, keys).mean()),
    }
