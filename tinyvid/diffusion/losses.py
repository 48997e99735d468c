"""Training losses on latent videos ``[B, T, c, h, w]``, with a known-frames mask.

One time ``t`` per video, shared by all its frames (the seed's point: frames noised to
different levels would teach the model nothing about a video at one noise level). Known frames
(``cond.known_mask == 1``: the first frame for image-to-video, first k for extension, first
and last for interpolation) are given to the model as conditioning, so the loss counts only
the frames it must generate.

Also here: the random known-frames mask drawn for each training video (one masked-conditional
model learns all four generation modes) and prompt dropout for classifier-free guidance
(Ho & Salimans 2022).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from einops import rearrange

from tinyvid.diffusion.schedules import (
    NoiseSchedule,
    flow_interpolate,
    flow_velocity_target,
    rand,
    randn,
    shift_noise_level,
    video_noise,
)
from tinyvid.nn.cond import Cond
from tinyvid.nn.svd import noise_augment

DIFFUSION_TARGETS = ("eps", "v")


def masked_mse(pred: torch.Tensor, target: torch.Tensor, known_mask: torch.Tensor | None):
    """Mean squared error over the frames to generate (``known_mask == 0``).

    ``pred, target: [B, T, c, h, w]``, ``known_mask: [B, T]`` (1 = known) or ``None``.
    The mean is over every element of every unknown frame in the batch; if every frame is
    known the loss is an exact 0 that still carries a gradient (so a training step never
    divides by zero).
    """
    se = (pred.float() - target.float()) ** 2  # [B, T, c, h, w]
    if known_mask is None:
        return se.mean()
    if known_mask.shape != se.shape[:2]:
        raise ValueError(
            f"known_mask must have shape [B, T] = {list(se.shape[:2])}, got {list(known_mask.shape)}"
        )
    weight = rearrange(1.0 - known_mask.float(), "b t -> b t 1 1 1")  # [B, T, 1, 1, 1]
    per_frame = se[0, 0].numel()  # c * h * w
    denom = weight.sum() * per_frame
    if denom == 0:
        return (se * weight).sum()  # all frames known: 0, with a gradient path
    return (se * weight).sum() / denom


def _known_mask(cond: Cond | None):
    return None if cond is None else cond.known_mask


def sample_time(batch: int, generator=None, device=None) -> torch.Tensor:
    """One uniform ``t ~ U[0, 1)`` per video: ``[B]`` float."""
    return rand((batch,), generator, device)


def diffusion_loss(
    model,
    x0: torch.Tensor,
    cond: Cond | None = None,
    schedule: NoiseSchedule | None = None,
    target: str = "eps",
    generator: torch.Generator | None = None,
    t: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
) -> torch.Tensor:
    """Video diffusion loss (Ho et al. 2020, eq. 14; v-target: Salimans & Ho 2022).

    ``x0: [B, T, c, h, w]`` clean latents. Draws ``t ~ U[0, 1)`` once per video (``[B]``),
    noise ``eps ~ N(0, I)``, forms ``x_t = alpha(t) x0 + sigma(t) eps`` and regresses the
    model's output on ``eps`` (``target="eps"``) or ``v = alpha eps - sigma x0`` (``"v"``),
    averaged over the frames the model must generate. ``t`` and ``noise`` may be given
    (for tests and lessons); otherwise they come from ``generator``.
    """
    if target not in DIFFUSION_TARGETS:
        raise ValueError(f"target must be one of {DIFFUSION_TARGETS}, got {target!r}")
    if x0.ndim != 5:
        raise ValueError(f"x0 must be a latent video [B, T, c, h, w], got shape {list(x0.shape)}")
    schedule = schedule or NoiseSchedule()
    B = x0.shape[0]
    if t is None:
        t = sample_time(B, generator, x0.device)  # [B]: one time per video
    if noise is None:
        noise = randn(x0.shape, generator, x0.device, x0.dtype)
    x_t = schedule.add_noise(x0, noise, t)  # [B, T, c, h, w]
    want = noise if target == "eps" else schedule.v_target(x0, noise, t)
    pred = model(x_t, t, cond)  # [B, T, c, h, w]
    return masked_mse(pred, want, _known_mask(cond))


def flow_matching_loss(
    model,
    x1: torch.Tensor,
    cond: Cond | None = None,
    generator: torch.Generator | None = None,
    t: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
    *,
    time_shift: float = 1.0,
    noise_shared: float = 0.0,
) -> torch.Tensor:
    """Conditional flow matching loss for rectified flow (Lipman et al. 2023, eq. 23; Liu et al. 2022).

    ``x1: [B, T, c, h, w]`` clean latents (data is ``x_1``; noise is ``x_0``; ``t = 1`` is
    data). ``x_t = (1 - t) x_0 + t x_1`` with one ``t ~ U[0, 1)`` per video; the model
    regresses the velocity ``x_1 - x_0`` on the frames it must generate.
    ``time_shift > 1`` draws more noisy times (:func:`~tinyvid.diffusion.schedules.shift_noise_level`
    on ``1 - t``); ``noise_shared`` correlates the frames' noise
    (:func:`~tinyvid.diffusion.schedules.video_noise`). Sample with the same two settings.
    """
    if x1.ndim != 5:
        raise ValueError(f"x1 must be a latent video [B, T, c, h, w], got shape {list(x1.shape)}")
    B = x1.shape[0]
    if t is None:
        t = sample_time(B, generator, x1.device)  # [B]
        if time_shift != 1.0:
            t = 1.0 - shift_noise_level(1.0 - t, time_shift)  # [B], more of them near noise
    x0 = noise
    if x0 is None:
        x0 = video_noise(x1.shape, noise_shared, generator, x1.device, x1.dtype)
    x_t = flow_interpolate(x0, x1, t)  # [B, T, c, h, w]
    pred = model(x_t, t, cond)  # [B, T, c, h, w]
    return masked_mse(pred, flow_velocity_target(x0, x1), _known_mask(cond))


# --- what the model is told during training -------------------------------------------------


@dataclass
class MaskConfig:
    """How often each generation mode is drawn for a training video (normalised to sum 1)."""

    t2v: float = 0.4  # no frame known: text-to-video, the hardest and most used mode
    i2v: float = 0.25  # first frame known: image-to-video
    extend: float = 0.2  # first k frames known: extension (k in [min_context, max_context])
    interpolate: float = 0.15  # first and last known: interpolation
    min_context: int = 2  # extension context lengths drawn uniformly from this range
    max_context: int | None = None  # None: half the clip

    def probs(self) -> torch.Tensor:
        p = torch.tensor([self.t2v, self.i2v, self.extend, self.interpolate], dtype=torch.float64)
        if (p < 0).any() or p.sum() <= 0:
            raise ValueError(f"mode probabilities must be >= 0 and not all 0, got {p.tolist()}")
        return p / p.sum()


MODES = ("t2v", "i2v", "extend", "interpolate")


def known_mask_for(mode: str, num_frames: int, context: int = 1) -> torch.Tensor:
    """The ``[T]`` known-frames mask of one mode (1 = known)."""
    m = torch.zeros(num_frames)
    if mode == "t2v":
        pass
    elif mode == "i2v":
        m[0] = 1
    elif mode == "extend":
        if not 1 <= context < num_frames:
            raise ValueError(f"context must be in [1, {num_frames - 1}], got {context}")
        m[:context] = 1
    elif mode == "interpolate":
        if num_frames < 3:
            raise ValueError(f"interpolation needs at least 3 frames, got {num_frames}")
        m[0] = m[-1] = 1
    else:
        raise ValueError(f"unknown mode {mode!r}; allowed: {MODES}")
    return m


def random_known_mask(
    batch: int,
    num_frames: int,
    config: MaskConfig | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw a known-frames mask ``[B, T]`` (float, 1 = known) per video, mode by mode."""
    config = config or MaskConfig()
    if num_frames < 3:
        raise ValueError(f"num_frames must be >= 3 to draw every mode, got {num_frames}")
    hi = config.max_context or num_frames // 2
    lo = min(config.min_context, hi)
    modes = torch.multinomial(config.probs(), batch, replacement=True, generator=generator)  # [B]
    ks = torch.randint(lo, hi + 1, (batch,), generator=generator)  # [B]
    rows = [known_mask_for(MODES[m], num_frames, int(k)) for m, k in zip(modes.tolist(), ks)]
    return torch.stack(rows)  # [B, T]


def drop_prompt(tokens: torch.Tensor, p: float, generator: torch.Generator | None = None):
    """Replace each video's prompt by the null prompt (all padding) with probability ``p``."""
    if not 0 <= p <= 1:
        raise ValueError(f"prompt dropout probability must be in [0, 1], got {p}")
    keep = rand((tokens.shape[0],), generator) >= p  # [B]
    return tokens * rearrange(keep.to(tokens.device), "b -> b 1").to(tokens.dtype)  # [B, L]


def training_cond(
    x0: torch.Tensor,
    tokens: torch.Tensor | None,
    mask_config: MaskConfig | None = None,
    p_uncond: float = 0.1,
    generator: torch.Generator | None = None,
) -> Cond:
    """The conditioning for one training batch: random modes plus prompt dropout.

    ``x0: [B, T, c, h, w]`` clean latents; the known frames' latents are ``x0`` where the
    mask is 1 and zeros elsewhere (the contract of ``Cond.known``).
    """
    B, T = x0.shape[:2]
    mask = random_known_mask(B, T, mask_config, generator).to(x0.device)  # [B, T]
    known = x0 * rearrange(mask, "b t -> b t 1 1 1").to(x0.dtype)  # [B, T, c, h, w]
    if tokens is not None and p_uncond > 0:
        tokens = drop_prompt(tokens, p_uncond, generator)
    return Cond(tokens=tokens, known_mask=mask, known=known)


# --- SVD-style image-to-video: noise augmentation of the conditioning frame -------------------


@dataclass
class NoiseAugConfig:
    """How much noise the conditioning frame gets in SVD-style training (Blattmann et al. 2023).

    ``log sigma ~ N(log_mean, log_std²)`` per clip (SVD: ``N(-3.0, 0.5²)``), and ``sigma = 0``
    with probability ``p_zero``. ``log_mean=None`` (the default, ``noise_aug = {}``) means no
    augmentation at all: ``sigma = 0`` for every clip.
    """

    log_mean: float | None = None  # None: no noise augmentation
    log_std: float = 0.5  # spread of log sigma
    p_zero: float = 0.0  # share of clips whose conditioning frame stays clean

    def __post_init__(self) -> None:
        if self.log_mean is not None and not math.isfinite(self.log_mean):
            raise ValueError(f"noise_aug log_mean must be a finite number or None, got {self.log_mean}")
        if not (math.isfinite(self.log_std) and self.log_std >= 0):
            raise ValueError(f"noise_aug log_std must be >= 0, got {self.log_std}")
        if not 0 <= self.p_zero <= 1:
            raise ValueError(f"noise_aug p_zero must be in [0, 1], got {self.p_zero}")

    @classmethod
    def from_dict(cls, d: dict) -> NoiseAugConfig:
        allowed = {"log_mean", "log_std", "p_zero"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ValueError(f"unknown noise_aug key(s) {unknown}; allowed: {sorted(allowed)} "
                             "(an empty dict means no augmentation)")
        return cls(**d)

    def median(self) -> float:
        """The median ``sigma`` of the clips that are augmented (0 without augmentation)."""
        return 0.0 if self.log_mean is None else math.exp(self.log_mean)


def sample_aug_level(batch: int, config: NoiseAugConfig, generator: torch.Generator | None = None):
    """One noise level ``sigma`` per clip, ``[B]`` float (log-normal, some exactly 0)."""
    z = randn((batch,), generator)  # [B]
    keep = rand((batch,), generator) >= config.p_zero  # [B]
    if config.log_mean is None:
        return torch.zeros(batch)
    return torch.exp(config.log_mean + config.log_std * z) * keep  # [B]


def svd_training_cond(
    x0: torch.Tensor,
    tokens: torch.Tensor | None,
    config: NoiseAugConfig,
    p_uncond: float = 0.1,
    generator: torch.Generator | None = None,
) -> Cond:
    """SVD-style conditioning of one batch: frame 0's clean latent plus ``sigma · noise``.

    ``x0: [B, T, c, h, w]``; ``Cond.image`` is ``x0[:, 0] + sigma · eps`` ``[B, c, h, w]``,
    ``Cond.aug_level`` is ``sigma`` ``[B]``; no known-frames mask, so the loss counts every
    frame (frame 0 is generated, not pasted). Prompt dropout as in :func:`training_cond`.
    """
    B = x0.shape[0]
    sigma = sample_aug_level(B, config, generator).to(x0.device)  # [B]
    noise = randn(x0[:, 0].shape, generator, x0.device, x0.dtype)  # [B, c, h, w]
    image = noise_augment(x0[:, 0], sigma, noise)  # [B, c, h, w]
    if tokens is not None and p_uncond > 0:
        tokens = drop_prompt(tokens, p_uncond, generator)
    return Cond(tokens=tokens, image=image, aug_level=sigma)
