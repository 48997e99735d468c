"""The exact denoiser for Gaussian data: a "trained model" known in closed form.

If every coordinate of the data is ``x ~ N(mu, s^2)`` (independently), the best possible
prediction of the noise, of ``v`` and of the flow velocity given ``x_t`` is linear in ``x_t``
and has a closed form. Samplers run on it must reproduce ``N(mu, s^2)``; a sampler that
feeds the model the wrong time (the seed's loop index) visibly does not. Tests and lessons
use it as a model with no training error.

Diffusion, ``x_t = a x0 + sigma eps`` (``a^2 + sigma^2 = 1``): ``x_t ~ N(a mu, V)`` with
``V = a^2 s^2 + sigma^2``, and

    E[eps | x_t] = sigma (x_t - a mu) / V,      E[x0 | x_t] = mu + a s^2 (x_t - a mu) / V.

Flow, ``x_t = (1 - t) x_0 + t x_1`` (``x_0`` noise, ``x_1`` data): ``V = (1 - t)^2 + t^2 s^2``,

    E[x_1 | x_t] = mu + t s^2 (x_t - t mu) / V,  E[x_0 | x_t] = (1 - t)(x_t - t mu) / V,

and the optimal velocity is ``E[x_1 | x_t] - E[x_0 | x_t]`` (Lipman et al. 2023, eq. 8).
"""

from __future__ import annotations

import torch
from torch import nn

from tinyvid.diffusion.schedules import NoiseSchedule, per_video


class GaussianDenoiser(nn.Module):
    """``model(x_t, t, cond)`` that is optimal for data ``N(mu, std^2)`` per coordinate.

    ``objective``: "eps", "v" (on ``schedule``) or "flow". ``mu`` and ``std`` are floats or
    tensors that broadcast over one video ``[T, c, h, w]``. ``cond`` is ignored. ``time_scale``
    says how the model reads ``t``: 1 for the training convention (``t in [0, 1]``), 1000 for
    a model that was trained on integer steps 0..999 (it divides ``t`` by 1000).
    """

    def __init__(self, mu=0.0, std=1.0, objective="eps", schedule=None, time_scale=1.0):
        super().__init__()
        if objective not in ("eps", "v", "flow"):
            raise ValueError(f"objective must be 'eps', 'v' or 'flow', got {objective!r}")
        self.register_buffer("mu", torch.as_tensor(mu, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.objective = objective
        self.schedule = schedule or NoiseSchedule()
        self.time_scale = time_scale
        self.calls: list[torch.Tensor] = []  # the t of every call, for inspection

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, cond=None) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=torch.float32, device=x_t.device) / self.time_scale
        self.calls.append(t.detach().cpu())
        # t outside [0, 1] has no meaning for the model; clamp like a network would saturate
        t = t.clamp(0, 1)
        mu, s2 = self.mu, self.std**2
        if self.objective == "flow":
            tt = per_video(t, x_t)  # [B, 1, 1, 1, 1]
            var = (1 - tt) ** 2 + tt**2 * s2
            dev = x_t - tt * mu
            x1 = mu + tt * s2 * dev / var
            x0 = (1 - tt) * dev / var
            return x1 - x0
        a, sigma = self.schedule.alpha_sigma(t, x_t)
        var = a**2 * s2 + sigma**2
        dev = x_t - a * mu
        eps = sigma * dev / var
        if self.objective == "eps":
            return eps
        x0 = mu + a * s2 * dev / var
        return a * eps - sigma * x0
