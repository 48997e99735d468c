"""Noise schedules on continuous time, and the flow-matching (rectified flow) path.

Two time directions, written down once
--------------------------------------
**Diffusion** (DDPM, Ho et al. 2020; DDIM, Song et al. 2021): ``t = 0`` is data, ``t = 1`` is
(nearly) pure noise, like the seed's integer steps 0..999 divided by 1000::

    x_t = alpha(t) * x0 + sigma(t) * eps,     alpha = sqrt(alpha_bar(t)),  sigma = sqrt(1 - alpha_bar(t))

**Flow matching** (rectified flow, Liu et al. 2022; Lipman et al. 2023; Meta's
``flow_matching``): ``x_0`` is noise, ``x_1`` is data, and ``t = 1`` is data::

    x_t = (1 - t) * x_0 + t * x_1,     velocity u = x_1 - x_0

The mapping: flow time ``t`` is diffusion time ``tau = 1 - t`` of a diffusion with
``alpha(tau) = 1 - tau`` and ``sigma(tau) = tau`` (data weight and noise weight swap places
with the time direction). That path is not variance preserving (``alpha^2 + sigma^2 != 1``
in the middle), so a flow model cannot be sampled with a VP ``NoiseSchedule`` and vice versa;
the checkpoint config names its objective ("eps", "v" or "flow") and the samplers check it.
Library code never converts one time into the other: flow losses and samplers run on flow time,
diffusion ones on diffusion time. ``flow_to_diffusion_time`` / ``diffusion_to_flow_time``
write the mapping down once, for the lessons and the tests.

All ``t`` arguments are float tensors ``[B]`` (one time per video, shared by its frames), or
a Python float / 0-d tensor meaning the same time for every video. They broadcast over
``[B, T, c, h, w]`` (or any ``[B, ...]``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SCHEDULES = ("linear", "cosine")


def per_video(t: torch.Tensor | float, like: torch.Tensor) -> torch.Tensor:
    """Broadcast one time per video over a ``[B, ...]`` tensor: ``[B]`` -> ``[B, 1, ..., 1]``."""
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.ndim == 0:
        return t
    if t.ndim != 1 or t.shape[0] != like.shape[0]:
        raise ValueError(
            f"t must be a scalar or have shape [B] = [{like.shape[0]}] (one time per video), "
            f"got shape {list(t.shape)}"
        )
    return t[(...,) + (None,) * (like.ndim - 1)]  # [B, 1, 1, 1, 1]


def randn(shape, generator: torch.Generator | None = None, device=None, dtype=torch.float32):
    """``N(0, I)`` drawn on the generator's device, then moved: a seed gives the same numbers."""
    where = generator.device if generator is not None else device
    return torch.randn(tuple(shape), generator=generator, device=where, dtype=dtype).to(device)


def video_noise(shape, shared: float = 0.0, generator: torch.Generator | None = None, device=None,
                dtype=torch.float32) -> torch.Tensor:
    """Noise ``[B, T, c, h, w]`` whose frames are correlated: ``sqrt(shared)`` of one base draw
    per video, common to every frame, plus ``sqrt(1 - shared)`` of a draw per frame.

    Every element is still ``N(0, 1)``; two frames of a video correlate by ``shared``. This is
    the mixed noise of PYoCo (Ge et al. 2023, eq. 4) and the shared base noise of VideoFusion
    (Luo et al. 2023): the frames start alike, so the model need not invent the same object 16
    times. ``shared=0`` is i.i.d. noise, drawn exactly as :func:`randn` draws it.
    """
    shape = tuple(shape)
    if not 0.0 <= shared < 1.0:
        raise ValueError(f"shared must be in [0, 1) (the correlation between frames), got {shared!r}")
    per_frame = randn(shape, generator, device, dtype)  # [B, T, c, h, w]
    if shared == 0.0:
        return per_frame
    base = randn((shape[0], 1, *shape[2:]), generator, device, dtype)  # [B, 1, c, h, w]
    return math.sqrt(shared) * base + math.sqrt(1.0 - shared) * per_frame  # [B, T, c, h, w]


def shift_noise_level(sigma: torch.Tensor, shift: float) -> torch.Tensor:
    """Resolution-style time shift: ``sigma' = s·sigma / (1 + (s − 1)·sigma)``, ``sigma`` in [0, 1].

    ``s > 1`` moves every noise level towards pure noise, where a sample's global layout (here:
    a digit's shape) is decided (Esser et al. 2024, SD3, eq. 23; Open-Sora uses the same map);
    ``s = 1`` is the identity; 0 and 1 stay fixed. For flow matching the noise level is
    ``1 − t`` (``t = 1`` is data), for diffusion ``t`` itself.
    """
    if not shift > 0:
        raise ValueError(f"time shift must be > 0 (1 = none), got {shift!r}")
    if shift == 1.0:
        return sigma
    return shift * sigma / (1.0 + (shift - 1.0) * sigma)


def rand(shape, generator: torch.Generator | None = None, device=None):
    """``U[0, 1)`` drawn on the generator's device, then moved."""
    where = generator.device if generator is not None else device
    return torch.rand(tuple(shape), generator=generator, device=where).to(device)


@dataclass(frozen=True)
class NoiseSchedule:
    """A variance-preserving noise schedule ``alpha_bar(t)`` on continuous ``t in [0, 1]``.

    ``linear`` is the continuous limit of DDPM's betas ``linspace(1e-4, 0.02, 1000)`` (the
    VP-SDE of Song et al. 2021): ``alpha_bar(t) = exp(-(b0 t + (b1 - b0) t^2 / 2))`` with
    ``b0, b1 = 1000 * beta_start, 1000 * beta_end``; it matches DDPM's cumulative product at
    ``t = i / 1000`` within 4% wherever ``alpha_bar > 1e-3`` (the gap is the ``beta^2 / 2``
    term of ``log(1 - beta)``). ``cosine`` is Nichol & Dhariwal 2021, eq. 17.
    ``alpha_bar`` is floored at ``min_alpha_bar`` so that ``t = 1`` stays invertible (the
    cosine schedule reaches exactly 0 there).
    """

    kind: str = (
        "cosine"  # cosine spends more steps at the noise levels that matter for small images
    )
    beta_start: float = 1e-4  # DDPM's linear betas (per step of 1000)
    beta_end: float = 0.02
    cosine_s: float = 0.008  # Nichol & Dhariwal's offset: keeps beta small near t = 0
    min_alpha_bar: float = 4e-5  # ~ the linear schedule's value at t = 1 (SNR 4e-5)

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise ValueError(f"unknown schedule kind {self.kind!r}; allowed: {SCHEDULES}")

    # --- the schedule ---------------------------------------------------------------------
    def alpha_bar(self, t: torch.Tensor | float) -> torch.Tensor:
        """``alpha_bar(t)``: the fraction of signal variance left at time ``t`` (1 at t=0)."""
        t = torch.as_tensor(t, dtype=torch.float32)
        if self.kind == "linear":
            b0, b1 = 1000 * self.beta_start, 1000 * self.beta_end
            ab = torch.exp(-(b0 * t + 0.5 * (b1 - b0) * t**2))
        else:
            s = self.cosine_s
            f = lambda u: torch.cos((u + s) / (1 + s) * math.pi / 2) ** 2
            ab = f(t) / f(torch.zeros_like(t))
        return ab.clamp(self.min_alpha_bar, 1.0)

    def alpha_sigma(self, t: torch.Tensor | float, like: torch.Tensor):
        """``(alpha, sigma) = (sqrt(alpha_bar), sqrt(1 - alpha_bar))`` shaped to broadcast on ``like``."""
        ab = per_video(self.alpha_bar(torch.as_tensor(t).to(like.device)), like)
        return ab.sqrt(), (1 - ab).sqrt()

    # --- noising (Ho et al. 2020, eq. 4) ---------------------------------------------------
    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t) -> torch.Tensor:
        """``x_t = alpha(t) x0 + sigma(t) noise``; ``t=0`` gives ``x0``, ``t=1`` (nearly) ``noise``."""
        alpha, sigma = self.alpha_sigma(t, x0)
        return alpha * x0 + sigma * noise

    # --- parameterisations: eps (Ho et al.), v (Salimans & Ho 2022, sec. 4) -------------------
    def v_target(self, x0: torch.Tensor, noise: torch.Tensor, t) -> torch.Tensor:
        """``v = alpha eps - sigma x0`` (Salimans & Ho 2022, eq. after (9))."""
        alpha, sigma = self.alpha_sigma(t, x0)
        return alpha * noise - sigma * x0

    def eps_to_x0(self, x_t, eps, t):
        """``x0 = (x_t - sigma eps) / alpha`` (invert eq. 4 of Ho et al.)."""
        alpha, sigma = self.alpha_sigma(t, x_t)
        return (x_t - sigma * eps) / alpha

    def x0_to_eps(self, x_t, x0, t):
        """``eps = (x_t - alpha x0) / sigma``."""
        alpha, sigma = self.alpha_sigma(t, x_t)
        return (x_t - alpha * x0) / sigma

    def v_to_x0(self, x_t, v, t):
        """``x0 = alpha x_t - sigma v`` (uses alpha^2 + sigma^2 = 1)."""
        alpha, sigma = self.alpha_sigma(t, x_t)
        return alpha * x_t - sigma * v

    def v_to_eps(self, x_t, v, t):
        """``eps = sigma x_t + alpha v``."""
        alpha, sigma = self.alpha_sigma(t, x_t)
        return sigma * x_t + alpha * v

    def x0_eps_to_v(self, x0, eps, t):
        """``v = alpha eps - sigma x0`` (same as ``v_target``)."""
        return self.v_target(x0, eps, t)

    def to_x0_eps(self, prediction, x_t, t, target: str):
        """Read a model's ``prediction`` (``target`` "eps" or "v") as ``(x0, eps)`` estimates."""
        if target == "eps":
            return self.eps_to_x0(x_t, prediction, t), prediction
        if target == "v":
            return self.v_to_x0(x_t, prediction, t), self.v_to_eps(x_t, prediction, t)
        raise ValueError(f"diffusion target must be 'eps' or 'v', got {target!r}")


def linear_schedule(**kw) -> NoiseSchedule:
    """DDPM's linear schedule on continuous time (Ho et al. 2020, sec. 4)."""
    return NoiseSchedule(kind="linear", **kw)


def cosine_schedule(**kw) -> NoiseSchedule:
    """Nichol & Dhariwal's cosine schedule (Improved DDPM, 2021, eq. 17)."""
    return NoiseSchedule(kind="cosine", **kw)


def add_noise(x0: torch.Tensor, noise: torch.Tensor, t, schedule: NoiseSchedule | None = None):
    """``x_t = sqrt(alpha_bar(t)) x0 + sqrt(1 - alpha_bar(t)) noise`` with one ``t`` per video."""
    return (schedule or NoiseSchedule()).add_noise(x0, noise, t)


# --- flow matching: x_0 noise, x_1 data, t = 1 is data -------------------------------------


def flow_interpolate(x0: torch.Tensor, x1: torch.Tensor, t) -> torch.Tensor:
    """The rectified-flow path ``x_t = (1 - t) x_0 + t x_1`` (Liu et al. 2022, eq. 1)."""
    t = per_video(t, x1)
    return (1 - t) * x0 + t * x1


def flow_velocity_target(x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """The conditional velocity ``d x_t / dt = x_1 - x_0`` (Lipman et al. 2023, eq. 23 with sigma_min=0)."""
    return x1 - x0


def velocity_to_x1(velocity, x_t, t):
    """Data estimate from a velocity: ``x_1 = x_t + (1 - t) u``."""
    return x_t + (1 - per_video(t, x_t)) * velocity


def velocity_to_epsilon(velocity, x_t, t):
    """Noise estimate from a velocity: ``x_0 = x_t - t u``."""
    return x_t - per_video(t, x_t) * velocity


def x1_to_velocity(x1, x_t, t):
    """``u = (x_1 - x_t) / (1 - t)`` (undefined at t = 1)."""
    return (x1 - x_t) / (1 - per_video(t, x_t))


def epsilon_to_velocity(epsilon, x_t, t):
    """``u = (x_t - x_0) / t`` (undefined at t = 0)."""
    return (x_t - epsilon) / per_video(t, x_t)


def flow_to_diffusion_time(t):
    """Flow time (1 = data) -> diffusion time (1 = noise): ``tau = 1 - t``."""
    return 1 - t


def diffusion_to_flow_time(tau):
    """Diffusion time (1 = noise) -> flow time (1 = data): ``t = 1 - tau``."""
    return 1 - tau
