"""SVD-style image-to-video: the conditioning frame on every frame, noise-augmented.

Stable Video Diffusion (Blattmann et al. 2023, sec. 4 and app. D) turns a text-to-video model
into an image-to-video one by

1. concatenating the conditioning frame's latent to *every* frame's noisy input as extra
   channels (:func:`svd_condition_channels`);
2. adding a global embedding of that frame to the time embedding (SVD: a CLIP image
   embedding; here :attr:`SVDVideoUNet.image_embed`);
3. adding Gaussian noise to the conditioning frame during training ("noise augmentation",
   :func:`noise_augment`, ``sigma`` log-normal) and telling the network ``sigma``
   (micro-conditioning, :attr:`SVDVideoUNet.aug_embed`);
4. generating all frames, frame 0 included: nothing is pasted;
5. fine-tuning from the text-to-video model (:func:`svd_from_video_unet`).

Unlike the masked model (``tinyvid.nn.layers.known_frames_input``), which marks frame 0 as
known and gives its latent only there, the image here is a condition of the whole clip.
"""

from __future__ import annotations

import copy

import torch
from einops import rearrange, repeat
from torch import nn

from tinyvid.nn.cond import Cond
from tinyvid.nn.layers import TimestepEmbedder, check_time, check_video
from tinyvid.nn.unet import VideoUNet


def svd_condition_channels(x_t: torch.Tensor, image_latent: torch.Tensor) -> torch.Tensor:
    """``x_t [B, T, c, h, w]``, ``image_latent [B, c, h, w]`` -> ``[B, T, 2c+1, h, w]``.

    Channels: the noisy frame, the conditioning latent (the same on every frame: SVD's
    concatenation), and a mask channel that is 1 on frame 0 and 0 elsewhere (where the
    image sits in time). The width ``2c+1`` matches ``known_frames_input``, so the masked
    video model's first conv takes it unchanged.
    """
    if x_t.ndim != 5:
        raise ValueError(f"x_t must be a latent video [B, T, c, h, w], got shape {list(x_t.shape)}")
    B, T, c, h, w = x_t.shape
    if tuple(image_latent.shape) != (B, c, h, w):
        raise ValueError(
            f"image_latent must be [B, c, h, w] = {[B, c, h, w]}, got {list(image_latent.shape)}"
        )
    image = repeat(image_latent.to(x_t.dtype), "b c h w -> b t c h w", t=T)  # [B, T, c, h, w]
    mask = x_t.new_zeros(B, T, 1, h, w)  # [B, T, 1, h, w]
    mask[:, 0] = 1
    return torch.cat([x_t, image, mask], dim=2)  # [B, T, 2c+1, h, w]


def noise_augment(image_latent: torch.Tensor, sigma: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """SVD's noise augmentation: ``image_latent + sigma * noise``, one ``sigma`` per sample.

    ``image_latent, noise: [B, c, h, w]``, ``sigma: [B]`` (>= 0). Blurring what the model knows
    about the first frame keeps it from copying the frame and lets it generate motion
    (Blattmann et al. 2023, app. D.2; Ho et al. 2022 "Cascaded Diffusion Models" sec. 4.1).
    """
    if image_latent.ndim != 4 or noise.shape != image_latent.shape:
        raise ValueError(
            f"image_latent and noise must both be [B, c, h, w], got {list(image_latent.shape)} "
            f"and {list(noise.shape)}"
        )
    if tuple(sigma.shape) != (image_latent.shape[0],):
        raise ValueError(f"sigma must be [B] = [{image_latent.shape[0]}], got {list(sigma.shape)}")
    if bool((sigma < 0).any()):
        raise ValueError(f"sigma must be >= 0, got {sigma.tolist()}")
    s = rearrange(sigma.to(image_latent.dtype), "b -> b 1 1 1")  # [B, 1, 1, 1]
    return image_latent + s * noise  # [B, c, h, w]


POOL = 4  # image_embed pools the conditioning latent to POOL x POOL before its MLP


class SVDVideoUNet(VideoUNet):
    """``VideoUNet`` conditioned SVD-style on an image: ``model(x_t, t, cond) -> [B, T, c, h, w]``.

    ``cond.image`` ``[B, c, h, w]`` (required, already noise-augmented) enters twice: as extra
    input channels on every frame and, pooled to 4x4 and flattened, through ``image_embed`` as a global
    embedding; ``cond.aug_level`` ``[B]`` (``None``: 0) through ``aug_embed``. Both embeddings
    are *added* to the time + text embedding. SVD drops the text; we keep the prompt, because
    a still frame cannot say which way the digit moves: the image says what, the text says where.

    The global embedding reads the autoencoder's latent (what the model already has), not a
    separate image encoder. SVD uses CLIP; our stand-in would be the detector's frame branch,
    but the detector is the evaluator, and conditioning on it would leak the metric.

    Both new layers end in a zero-initialised Linear, so a model made by
    :func:`svd_from_video_unet` differs from its parent only in how the input is assembled.
    """

    def __init__(self, config=None):
        super().__init__(config)
        c, E = self.config.latent_channels, self.config.emb_dim
        # pooled to a fixed 4x4 grid (any latent size works; 8x8x8 -> 128 values), then an MLP
        self.image_embed = nn.Sequential(
            nn.AdaptiveAvgPool2d(POOL), nn.Flatten(), nn.Linear(c * POOL * POOL, E), nn.SiLU(),
            nn.Linear(E, E),
        )
        self.aug_embed = TimestepEmbedder(E)  # sigma embedded like a time, as SVD's cond_aug
        for last in (self.image_embed[-1], self.aug_embed.mlp[-1]):  # zero: starts as the parent
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond | None = None) -> torch.Tensor:
        c = self.config.latent_channels
        check_video(x_t, c, name="x_t")
        B = x_t.shape[0]
        t = check_time(t, B).to(x_t.device)
        if cond is None or cond.image is None:
            raise ValueError("SVDVideoUNet needs cond.image, the conditioning frame's latent [B, c, h, w]")
        if tuple(cond.image.shape) != (B, c, *x_t.shape[-2:]):
            raise ValueError(f"cond.image must be [B, c, h, w] = {[B, c, *x_t.shape[-2:]]}, "
                             f"got {list(cond.image.shape)}")
        sigma = cond.aug_level if cond.aug_level is not None else x_t.new_zeros(B)
        if tuple(sigma.shape) != (B,):
            raise ValueError(f"cond.aug_level must be [B] = [{B}], got {list(sigma.shape)}")
        emb = self.embed(t, cond, B)  # [B, E]: time + text
        image = cond.image.to(x_t.dtype)
        emb = emb + self.image_embed(image) + self.aug_embed(sigma.to(x_t.device).float())  # [B, E]
        x = svd_condition_channels(x_t, image)  # [B, T, 2c+1, h, w]
        return self.trunk(x, emb)  # [B, T, c, h, w]


def svd_from_video_unet(model: VideoUNet) -> SVDVideoUNet:
    """An ``SVDVideoUNet`` carrying every weight of ``model`` (SVD fine-tunes its T2V model).

    The new ``image_embed`` and ``aug_embed`` end at zero, so the new model computes
    ``model.trunk(svd_condition_channels(x_t, image), model.embed(t, cond))`` exactly.
    That is still a new input for the parent: its first conv learned the image channels as
    ``known * mask`` (the image on frame 0 only), so the converted model starts well off its
    parent (flow loss ~1.1 against the parent's ~0.15 on its own image-to-video task,
    ``start_loss`` in ``scripts/results/capstone10/results.json``) and the fine-tune must
    first re-learn how to read its input.
    """
    if type(model) is not VideoUNet:
        raise ValueError(f"svd_from_video_unet expects a VideoUNet, got {type(model).__name__}")
    svd = SVDVideoUNet(copy.deepcopy(model.config))
    missing, unexpected = svd.load_state_dict(model.state_dict(), strict=False)
    new = [k for k in missing if not k.startswith(("image_embed.", "aug_embed."))]
    if unexpected or new:
        raise RuntimeError(f"svd_from_video_unet: unexpected keys {unexpected}, missing {new}")
    param = next(model.parameters())
    return svd.to(device=param.device, dtype=param.dtype).train(model.training)


__all__ = ["SVDVideoUNet", "noise_augment", "svd_condition_channels", "svd_from_video_unet"]
