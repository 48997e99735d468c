"""Reference solutions for lesson 05 (training: the video diffusion loss and flow matching)."""

import torch
from einops import rearrange

from tinyvid.nn import Cond


def add_noise(x0: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """``x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) noise``, one ``alpha_bar`` per video."""
    a = rearrange(alpha_bar, "b -> b 1 1 1 1")  # [B, 1, 1, 1, 1]: shared by all frames
    return a.sqrt() * x0 + (1 - a).sqrt() * noise  # [B, T, C, H, W]


def masked_diffusion_loss(
    model,
    x0: torch.Tensor,
    noise: torch.Tensor,
    t: torch.Tensor,
    alpha_bar: torch.Tensor,
    known_mask: torch.Tensor,
) -> torch.Tensor:
    """eps-prediction MSE over the frames to generate; known frames go to the model clean."""
    a = rearrange(alpha_bar, "b -> b 1 1 1 1")  # [B, 1, 1, 1, 1]
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise  # [B, T, C, H, W]
    keep = rearrange(known_mask, "b t -> b t 1 1 1")  # [B, T, 1, 1, 1]
    pred = model(x_t, t, Cond(known_mask=known_mask, known=x0 * keep))  # [B, T, C, H, W]
    weight = 1 - keep  # 1 on the frames the model must generate
    squared = (pred - noise) ** 2 * weight  # [B, T, C, H, W]
    count = weight.sum() * x0[0, 0].numel()  # unknown frames x values per frame
    return squared.sum() / count if count > 0 else squared.sum()


def flow_matching_pair(
    noise: torch.Tensor, data: torch.Tensor, t: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The point on the straight path at time ``t`` (0 = noise, 1 = data) and its velocity."""
    s = rearrange(t, "b -> b 1 1 1 1")  # [B, 1, 1, 1, 1]: one time per video
    x_t = (1 - s) * noise + s * data  # [B, T, C, H, W]
    return x_t, data - noise


def v_to_x0(x_t: torch.Tensor, v: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """Clean-video estimate from a v-prediction: ``x0 = sqrt(alpha_bar) x_t - sqrt(1 - alpha_bar) v``."""
    a = rearrange(alpha_bar, "b -> b 1 1 1 1")  # [B, 1, 1, 1, 1]
    return a.sqrt() * x_t - (1 - a).sqrt() * v  # [B, T, C, H, W]
