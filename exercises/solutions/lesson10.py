"""Reference solutions for lesson 10 (capstone: SVD-style image-to-video)."""

import torch
from einops import rearrange, repeat


def condition_channels(x_t: torch.Tensor, image_latent: torch.Tensor) -> torch.Tensor:
    """SVD's input: ``(x_t, the image latent on every frame, a mask 1 on frame 0)``.

    ``x_t`` ``[B, T, c, h, w]``, ``image_latent`` ``[B, c, h, w]`` -> ``[B, T, 2c+1, h, w]``.
    """
    B, T, c, h, w = x_t.shape
    image = repeat(image_latent, "b c h w -> b t c h w", t=T)  # [B, T, c, h, w]
    mask = x_t.new_zeros(B, T, 1, h, w)  # [B, T, 1, h, w]
    mask[:, 0] = 1.0
    return torch.cat([x_t, image, mask], dim=2)  # [B, T, 2c+1, h, w]


def svd_training_inputs(
    clip_latents: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """What one training step needs: the clean target clip and the noise-augmented condition.

    ``clip_latents`` ``[B, T, c, h, w]``, ``sigma`` ``[B]`` (one level per clip), ``noise``
    ``[B, c, h, w]`` -> ``(target [B, T, c, h, w], condition [B, c, h, w])``.
    """
    level = rearrange(sigma, "b -> b 1 1 1")  # [B, 1, 1, 1]
    condition = clip_latents[:, 0] + level * noise  # [B, c, h, w]
    return clip_latents.clone(), condition


def i2v_consistency(
    videos: torch.Tensor, images: torch.Tensor, read_digits
) -> tuple[float, torch.Tensor]:
    """Does image-to-video keep the digit it was given?

    ``videos`` ``[B, T, C, H, W]`` generated clips, ``images`` ``[B, C, H, W]`` the given
    frames, ``read_digits`` maps frames ``[N, C, H, W]`` to digits ``[N]``. Returns the share of
    clips whose last frame reads as the given digit (a float) and, per frame, the share of
    clips whose frame t reads as it (``[T]`` float32).
    """
    B = videos.shape[0]
    given = read_digits(images)  # [B]
    read = read_digits(rearrange(videos, "b t c h w -> (b t) c h w"))  # [B*T]
    same = rearrange(read, "(b t) -> b t", b=B) == given[:, None]  # [B, T] bool
    per_frame = same.float().mean(dim=0)  # [T]
    return per_frame[-1].item(), per_frame
