"""Kept to teach: the seed document's sampling loops, with their bugs (lessons 05 and 06).

The seed's samplers run ``for t in reversed(range(num_steps))`` and hand the model the loop
index ``t`` (49, 48, ..., 0) as its time, while the model was trained on times 0..999 (or, in
tinyvid's convention, on ``t in [0, 1]``). The model therefore believes the video is almost
clean at every step (49 / 1000 < 5% noise) -- or, with the [0, 1] convention, that it is
beyond pure noise -- and its predictions are wrong at every step but the last. The update
itself here is a correct DDIM step for a ``num_steps`` grid, so the time the model is told
is the only thing that differs from ``tinyvid.diffusion.samplers.sample``.

The seed's ``image_to_video`` has a second idea to test: paste the clean first-frame latent
into the noisy video once and update only the other frames, with a model that is not told
which frame is given. :func:`seed_flow_loop` runs both seed loops on a flow-matching model
(tinyvid's shipped one), with the Euler step in place of the seed's ``ddim_step``.

Do not use this for anything but showing the bugs: ``sample`` builds its grid of float times
in the training convention and never exposes a loop index to the model, and the pipeline's
image-to-video tells the model which frames are known (``Cond.known_mask``).
"""

from __future__ import annotations

import itertools

import torch

from tinyvid.diffusion.schedules import NoiseSchedule, randn
from tinyvid.nn.cond import Cond

SEED_TIMES = ("index", "index_fraction", "fixed")


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


def _device(model) -> torch.device:
    """Where the model's weights (or buffers) live; CPU for a plain function."""
    if isinstance(model, torch.nn.Module):
        for tensor in itertools.chain(model.parameters(), model.buffers()):
            return tensor.device
    return torch.device("cpu")


@torch.no_grad()
def seed_flow_loop(
    model,
    shape,
    tokens: torch.Tensor | None = None,
    num_steps: int = 50,
    time: str = "index",
    first_latent: torch.Tensor | None = None,
    guidance: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The seed's ``text_to_video`` / ``image_to_video`` loop on a flow model: latents ``shape``.

    The loop runs ``for t in reversed(range(num_steps))`` as in the seed; the update is a
    correct Euler step of the flow from noise (flow time 0) to data (flow time 1). What the
    model is told its time is, ``time``:

    - ``"index"``: the loop index ``t`` (``num_steps - 1``, ..., 0), as the seed writes it;
    - ``"index_fraction"``: ``t / num_steps``: the right range, but the diffusion direction
      (1 = noise), which is backwards for a flow model (1 = data);
    - ``"fixed"``: the flow time the step starts at, ``(num_steps - 1 - t) / num_steps``.

    ``first_latent`` ``[B, c, h, w]``: the seed's image-to-video. Frame 0 of the starting
    noise is replaced by this clean latent once, and only frames 1.. are updated; the model
    is not told that frame 0 is given (no known-frames mask). ``tokens`` ``[B, L]``: the
    prompt (``None``: the null prompt); ``guidance``: classifier-free guidance weight (the
    seed's loop has none: 1).
    """
    if time not in SEED_TIMES:
        raise ValueError(f"time must be one of {SEED_TIMES}, got {time!r}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"num_steps must be an integer >= 1, got {num_steps!r}")
    B = shape[0]
    device = _device(model)
    latent = randn(shape, generator).to(device)  # [B, T, c, h, w], start from noise
    tokens = None if tokens is None else tokens.to(device)
    if first_latent is not None:
        if tuple(first_latent.shape) != (B, *shape[2:]):
            raise ValueError(
                f"first_latent must be [B, c, h, w] = {[B, *shape[2:]]}, got {list(first_latent.shape)}"
            )
        latent[:, 0] = first_latent.to(device)  # the seed: "first frame fixed, rest is noise"
    cond = Cond(tokens=tokens)
    both = Cond.cat(cond, cond.null_text()) if guidance != 1.0 and tokens is not None else None
    h = 1.0 / num_steps
    for t in reversed(range(num_steps)):  # t = num_steps - 1, ..., 0: a loop index
        if time == "index":
            t_tensor = torch.full((B,), float(t), device=device)  # the bug, as in the seed
        elif time == "index_fraction":
            t_tensor = torch.full((B,), t / num_steps, device=device)  # in range, but 1 means noise here
        else:
            t_tensor = torch.full((B,), (num_steps - 1 - t) * h, device=device)  # the flow time of this step
        if both is None:
            velocity = model(latent, t_tensor, cond).float()  # [B, T, c, h, w]
        else:
            out = model(torch.cat([latent, latent]), torch.cat([t_tensor, t_tensor]), both).float()
            c, u = out.chunk(2)  # [B, T, c, h, w] each
            velocity = u + guidance * (c - u)
        if first_latent is None:
            latent = latent + h * velocity  # Euler step toward the data
        else:
            latent[:, 1:] = latent[:, 1:] + h * velocity[:, 1:]  # "only update non-first frames"
    return latent
