"""Kept to teach: the seed document's sampling loop, with its time bug (lessons 05 and 06).

The seed's samplers run ``for t in reversed(range(num_steps))`` and hand the model the loop
index ``t`` (49, 48, ..., 0) as its time, while the model was trained on times 0..999 (or, in
tinyvid's convention, on ``t in [0, 1]``). The model therefore believes the video is almost
clean at every step (49 / 1000 < 5% noise) -- or, with the [0, 1] convention, that it is
beyond pure noise -- and its predictions are wrong at every step but the last. The update
itself here is a correct DDIM step for a ``num_steps`` grid, so the time the model is told
is the only thing that differs from ``tinyvid.diffusion.samplers.sample``.

Do not use this for anything but showing the bug: ``sample`` builds its grid of float times
in the training convention and never exposes a loop index to the model.
"""

from __future__ import annotations

import torch

from tinyvid.diffusion.schedules import NoiseSchedule, randn


@torch.no_grad()
def seed_ddim_loop(
    model,
    shape,
    cond=None,
    num_steps: int = 50,
    schedule: NoiseSchedule | None = None,
    generator: torch.Generator | None = None,
    fixed: bool = False,
) -> torch.Tensor:
    """The seed's text-to-video loop (eps model, DDIM eta = 0) on latents of ``shape``.

    ``fixed=False`` reproduces the bug: the model is called with the integer loop index.
    ``fixed=True`` changes that one line to the time the step is really at,
    ``(index + 1) / num_steps`` in [0, 1] -- and the loop then agrees with ``sample``.
    """
    schedule = schedule or NoiseSchedule()
    B = shape[0]
    latent = randn(shape, generator)  # [B, T, c, h, w], start from noise
    for t in reversed(range(num_steps)):  # t = num_steps - 1, ..., 0: a loop index
        now, nxt = (t + 1) / num_steps, t / num_steps  # the noise levels this step goes between
        if fixed:
            t_tensor = torch.full((B,), now)  # the fix: the time the model was trained on
        else:
            t_tensor = torch.full((B,), t)  # the bug: the loop index (an int), as in the seed
        noise_pred = model(latent, t_tensor, cond)
        # a correct DDIM (eta = 0) step from `now` to `nxt` (Song et al. 2021, eq. 12)
        x0 = schedule.eps_to_x0(latent, noise_pred, now)
        ab_next = schedule.alpha_bar(nxt)
        latent = ab_next.sqrt() * x0 + (1 - ab_next).sqrt() * noise_pred
    return latent
