"""Samplers: DDPM, DDIM, and flow Euler / Heun, with classifier-free guidance.

Samplers hold no weights. Each one builds its own time grid in the training convention
(diffusion: ``t`` from 1 = noise down to 0 = data; flow: ``t`` from 0 = noise up to 1 = data;
see ``schedules.py``), and the model is only ever called as ``model(x_t, t, cond)`` with
``t`` a float tensor ``[B]`` in ``[0, 1]`` -- exactly what it saw in training. There is no
loop index for a model to be handed by mistake (the seed's samplers pass ``0..49`` to a model
trained on ``0..999``; ``seed_bugs.py`` keeps that loop to show what it does).

The loop, in plain view (``iter_sample``)::

    grid = solver.timesteps(steps)                      # [steps + 1] floats in [0, 1]
    x = noise
    for i in range(steps):
        x, x0_hat = solver.step(predict, x, grid[i], grid[i + 1], generator)

``predict(x, t)`` is the (guided) model; ``x0_hat`` is the current estimate of the clean
video (for flow models: of the data ``x_1``), handed to ``on_step`` for live previews.

Known frames (``cond.known_mask``) are always given to the model as conditioning. With
``replace_known=True`` they are also written into ``x`` after every step, noised to the
current level (the seed's "keep the first frame fixed", done at the right noise level as in
RePaint, Lugmayr et al. 2022), and come out exactly as given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import MappingProxyType

import torch
from einops import rearrange

from tinyvid import inputs
from tinyvid.diffusion.schedules import (
    NoiseSchedule,
    flow_interpolate,
    randn,
    shift_noise_level,
    velocity_to_x1,
    video_noise,
)
from tinyvid.nn.cond import Cond

OBJECTIVES = ("eps", "v", "flow")

Predict = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (x [B,T,c,h,w], t 0-d) -> output


# --- the registry: one registration per sampler ---------------------------------------------

_REGISTRY: dict[str, type] = {}  # name -> sampler class, in registration order
_READS: dict[str, tuple[str, ...]] = {}  # name -> the objectives it reads
# live, read-only views of the registry (a registered sampler shows up in both)
COMPATIBLE = MappingProxyType(_READS)  # which prediction targets each sampler can read
SAMPLERS = COMPATIBLE.keys()  # the registered sampler names


def register_sampler(cls: type) -> type:
    """Class decorator: make ``cls`` available by its ``name`` everywhere samplers are chosen.

    ``cls`` sets its own ``name``; it reads the objectives in ``reads`` and is the default
    sampler for those in ``default_for`` (both usually inherited from
    :class:`DiffusionSampler` or :class:`FlowSampler`), and is built by ``cls.build(objective,
    schedule, eta, clip_x0)``. It needs ``timesteps(steps, shift)``, ``step(predict, x, t,
    t_next, generator) -> (x_next, x0_hat)`` and ``noisy_known(known, noise, t)``.
    """
    name = cls.__dict__.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{cls.__name__} must set its own name to be registered")
    if name in _REGISTRY:
        raise ValueError(f"a sampler named {name!r} is registered already ({_REGISTRY[name]})")
    reads = tuple(getattr(cls, "reads", ()))
    if not reads or any(o not in OBJECTIVES for o in reads):
        raise ValueError(f"{cls.__name__}.reads must name objectives in {OBJECTIVES}, got {reads}")
    if any(o not in reads for o in getattr(cls, "default_for", ())):
        raise ValueError(f"{cls.__name__}.default_for must be a subset of its reads {reads}")
    for method in ("build", "timesteps", "step", "noisy_known"):
        if not callable(getattr(cls, method, None)):
            raise ValueError(f"{cls.__name__} has no {method}() and cannot be a sampler")
    _REGISTRY[name] = cls
    _READS[name] = reads
    return cls


def unregister_sampler(name: str) -> None:
    """Remove a sampler registered with :func:`register_sampler` (tests, experiments)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown sampler {name!r}; registered: {tuple(SAMPLERS)}")
    del _REGISTRY[name], _READS[name]


# --- diffusion samplers ---------------------------------------------------------------------


class DiffusionSampler:
    """Shared by DDPM and DDIM: time grid 1 -> 0 and reading eps / v outputs as ``(x0, eps)``."""

    name = "diffusion"
    reads = ("eps", "v")  # the objectives it can sample
    default_for: tuple[str, ...] = ()  # the objectives it is the default sampler of
    model_calls = 1  # model calls per step

    def __init__(
        self,
        objective: str = "eps",
        schedule: NoiseSchedule | None = None,
        clip_x0: float | None = None,
    ):
        self.objective = objective
        self.schedule = schedule or NoiseSchedule()
        self.clip_x0 = (
            clip_x0  # clamp the x0 estimate to [-clip, clip] (None: latents are unbounded)
        )

    @classmethod
    def build(cls, objective, schedule=None, eta: float = 0.0, clip_x0=None):
        """The sampler for :func:`make_sampler` (``eta`` is DDIM's; others ignore it)."""
        return cls(objective, schedule, clip_x0)

    def timesteps(self, steps: int, shift: float = 1.0) -> torch.Tensor:
        """``steps + 1`` times from 1 (noise) to 0 (data), evenly spaced before ``shift``
        (:func:`~tinyvid.diffusion.schedules.shift_noise_level`): ``[steps + 1]``."""
        return shift_noise_level(torch.linspace(1.0, 0.0, steps + 1), shift)

    def noisy_known(self, known: torch.Tensor, noise: torch.Tensor, t) -> torch.Tensor:
        """Known frames brought to noise level ``t`` (for replacement)."""
        return self.schedule.add_noise(known, noise, t)

    def x0_eps(self, out: torch.Tensor, x: torch.Tensor, t) -> tuple[torch.Tensor, torch.Tensor]:
        x0, eps = self.schedule.to_x0_eps(out, x, t, self.objective)
        if self.clip_x0 is not None:
            x0 = x0.clamp(-self.clip_x0, self.clip_x0)
            eps = self.schedule.x0_to_eps(x, x0, t)
        return x0, eps


@register_sampler
class DDPMSampler(DiffusionSampler):
    """Ancestral sampling from the posterior ``q(x_s | x_t, x0_hat)``, any ``s < t``.

    Ho et al. 2020, eq. 6-7, with the per-step ``beta`` of a skip from ``t`` to ``s`` given by
    ``1 - alpha_bar(t) / alpha_bar(s)`` (Kingma et al. 2021, VDM, eq. 28), so any number of
    steps works on the continuous schedule.
    """

    name = "ddpm"

    def step(self, predict: Predict, x, t, t_next, generator=None):
        x0, _ = self.x0_eps(predict(x, t), x, t)
        ab, ab_next = self.schedule.alpha_bar(t), self.schedule.alpha_bar(t_next)
        beta = 1 - ab / ab_next  # beta of the t -> t_next transition
        mean = (ab_next.sqrt() * beta / (1 - ab)) * x0 + (
            (1 - beta).sqrt() * (1 - ab_next) / (1 - ab)
        ) * x
        var = beta * (1 - ab_next) / (1 - ab)  # posterior variance, eq. 7 (0 at the last step)
        if var > 0:
            mean = mean + var.sqrt() * randn(x.shape, generator, x.device, x.dtype)
        return mean, x0


@register_sampler
class DDIMSampler(DiffusionSampler):
    """DDIM (Song et al. 2021, eq. 12), ``eta = 0`` deterministic, ``eta = 1`` like DDPM (eq. 16)."""

    name = "ddim"
    default_for = ("eps", "v")

    def __init__(self, objective="eps", schedule=None, eta: float = 0.0, clip_x0=None):
        super().__init__(objective, schedule, clip_x0)
        if eta < 0:
            raise ValueError(f"eta must be >= 0, got {eta}")
        self.eta = eta

    @classmethod
    def build(cls, objective, schedule=None, eta: float = 0.0, clip_x0=None):
        return cls(objective, schedule, eta, clip_x0)

    def step(self, predict: Predict, x, t, t_next, generator=None):
        x0, eps = self.x0_eps(predict(x, t), x, t)
        ab, ab_next = self.schedule.alpha_bar(t), self.schedule.alpha_bar(t_next)
        sigma = self.eta * ((1 - ab_next) / (1 - ab) * (1 - ab / ab_next)).sqrt()  # eq. 16
        x_next = ab_next.sqrt() * x0 + (1 - ab_next - sigma**2).clamp(min=0).sqrt() * eps
        if sigma > 0:
            x_next = x_next + sigma * randn(x.shape, generator, x.device, x.dtype)
        return x_next, x0


# --- flow samplers ----------------------------------------------------------------------------


class FlowSampler:
    """Integrates ``dx/dt = u(x, t)`` from noise (t = 0) to data (t = 1) (Lipman et al. 2023, eq. 1)."""

    name = "flow"
    objective = "flow"
    reads = ("flow",)
    default_for: tuple[str, ...] = ()
    model_calls = 1

    @classmethod
    def build(cls, objective="flow", schedule=None, eta: float = 0.0, clip_x0=None):
        """The sampler for :func:`make_sampler` (a flow model has no schedule, eta or clip)."""
        return cls()

    def timesteps(self, steps: int, shift: float = 1.0) -> torch.Tensor:
        """``steps + 1`` times from 0 (noise) to 1 (data), evenly spaced before ``shift``: the
        noise level ``1 - t`` goes through :func:`~tinyvid.diffusion.schedules.shift_noise_level`,
        so ``shift > 1`` spends more steps near noise. ``[steps + 1]``."""
        grid = torch.linspace(0.0, 1.0, steps + 1)
        return grid if shift == 1.0 else 1.0 - shift_noise_level(1.0 - grid, shift)

    def noisy_known(self, known, noise, t):
        return flow_interpolate(noise, known, t)


@register_sampler
class FlowEulerSampler(FlowSampler):
    """Euler: ``x_{t+h} = x_t + h u(x_t, t)``. One model call per step."""

    name = "euler"

    def step(self, predict: Predict, x, t, t_next, generator=None):
        u = predict(x, t)
        return x + (t_next - t) * u, velocity_to_x1(u, x, t)


@register_sampler
class FlowHeunSampler(FlowSampler):
    """Heun (explicit trapezoid, 2nd order): Euler guess, then average the two slopes.

    ``x' = x + h u(x, t)``; ``x_{t+h} = x + h/2 (u(x, t) + u(x', t+h))`` (Karras et al. 2022,
    Alg. 1). Two model calls per step; the error falls as ``h^2`` instead of ``h``.
    """

    name = "heun"
    default_for = ("flow",)
    model_calls = 2

    def step(self, predict: Predict, x, t, t_next, generator=None):
        h = t_next - t
        u = predict(x, t)
        u2 = predict(x + h * u, t_next)
        slope = 0.5 * (u + u2)
        return x + h * slope, velocity_to_x1(slope, x, t)


def check_objective(objective: str) -> str:
    """``objective`` if it is one of :data:`OBJECTIVES`, else a ``ValueError``."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    return objective


def samplers_for(objective: str) -> list[str]:
    """The registered samplers that can read a model trained with ``objective``."""
    return [s for s in SAMPLERS if check_objective(objective) in COMPATIBLE[s]]


def default_sampler(objective: str) -> str:
    """The best default (the sampler whose ``default_for`` names ``objective``): Heun for flow
    models, DDIM for eps/v diffusion models; else the first registered one that fits."""
    fits = samplers_for(objective)
    for name in fits:
        if objective in _REGISTRY[name].default_for:
            return name
    if not fits:
        raise ValueError(f"no registered sampler reads objective {objective!r}")
    return fits[0]


def check_sampler(sampler: str, objective: str) -> str:
    """``sampler`` if it can sample a model trained with ``objective``, else a ``ValueError``
    saying which samplers can (the one compatibility check of tinyvid)."""
    fits = samplers_for(objective)
    if sampler not in SAMPLERS:
        raise ValueError(
            f"unknown sampler {sampler!r}; registered: {tuple(SAMPLERS)} "
            "(add one with @register_sampler)"
        )
    if sampler not in fits:
        raise ValueError(
            f"sampler {sampler!r} cannot sample a model trained with objective {objective!r} "
            f"(it reads {COMPATIBLE[sampler]} predictions); allowed: {fits}"
        )
    return sampler


def make_sampler(
    sampler: str = "ddim",
    objective: str = "eps",
    schedule: NoiseSchedule | None = None,
    eta: float = 0.0,
    clip_x0: float | None = None,
):
    """Build a registered sampler by name, refusing combinations that cannot work.

    A DDPM/DDIM sampler reads eps or v predictions of a VP diffusion model; Euler/Heun
    integrate a flow model's velocity. Anything else is a ``ValueError``.
    """
    check_sampler(sampler, objective)
    return _REGISTRY[sampler].build(objective, schedule, eta, clip_x0)


# --- the model call: training time convention + classifier-free guidance -----------------------


def model_predict(model, x: torch.Tensor, t, cond: Cond | None, guidance: float = 1.0):
    """Call ``model(x_t, t, cond)`` with ``t`` a float ``[B]`` in [0, 1]; guided if asked.

    Classifier-free guidance (Ho & Salimans 2022, eq. 6): ``out = u + w (c - u)`` with ``c``
    the prediction for the prompt and ``u`` for the null prompt, both in one batched forward.
    ``w = 1`` is the plain conditional model (one forward); ``w = 0`` the unconditional one.
    """
    B = x.shape[0]
    t = torch.as_tensor(t, dtype=torch.float32, device=x.device)
    t = t.expand(B) if t.ndim == 0 else t  # [B]
    if t.shape != (B,) or not bool(((t >= 0) & (t <= 1)).all()):
        raise ValueError(f"model time must be a float [B] in [0, 1], got {t}")
    guided = guidance != 1.0 and cond is not None and cond.tokens is not None
    if not guided:
        return model(x, t, cond).to(x.dtype)
    both = Cond.cat(cond, cond.null_text())
    out = model(torch.cat([x, x]), torch.cat([t, t]), both).to(x.dtype)  # [2B, T, c, h, w]
    c, u = out.chunk(2)  # [B, T, c, h, w] each
    return u + guidance * (c - u)


def _model_device(model) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


def _check_shape(shape) -> tuple[int, ...]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 5 or min(shape) < 1:
        raise ValueError(f"shape must be [B, T, c, h, w] with positive sizes, got {list(shape)}")
    return shape


def iter_sample(
    model,
    shape,
    cond: Cond | None = None,
    *,
    sampler: str = "ddim",
    steps: int = 25,
    guidance: float = 1.0,
    generator: torch.Generator | None = None,
    objective: str = "eps",
    schedule: NoiseSchedule | None = None,
    eta: float = 0.0,
    replace_known: bool = False,
    clip_x0: float | None = None,
    noise: torch.Tensor | None = None,
    device: torch.device | str | None = None,
    time_shift: float = 1.0,
    noise_shared: float = 0.0,
) -> Iterator[tuple[int, int, torch.Tensor, torch.Tensor]]:
    """Run the sampler, yielding ``(step, total, x, x0_estimate)`` after each step (1..total);
    the last ``x`` yielded is the sample.

    model:     ``model(x_t, t, cond) -> prediction``, trained with ``objective``
               ("eps" or "v" diffusion on ``schedule``; "flow" for rectified flow).
    sampler:   "ddpm", "ddim" (``eta`` > 0 adds DDPM-like noise), "euler" or "heun" (flow).
    steps:     any number >= 1 (Heun calls the model twice per step).
    guidance:  classifier-free guidance weight ``w`` (1 = conditional only, no extra pass).
    replace_known: also overwrite known frames at every step (see module docstring).
    generator: seeds the starting noise and any per-step noise.
    noise:     the starting noise, instead of drawing it.
    time_shift: > 1 spends more of the steps near pure noise (``timesteps(steps, shift)``).
    noise_shared: correlation of the starting noise across frames
               (:func:`~tinyvid.diffusion.schedules.video_noise`); use what the model was trained with.
    """
    # 1. check inputs
    shape = _check_shape(shape)
    steps = inputs.integer(steps, "steps", 1)
    guidance = inputs.guidance(guidance)
    solver = make_sampler(sampler, objective, schedule, eta, clip_x0)
    if noise is not None and tuple(noise.shape) != shape:
        raise ValueError(f"noise must have shape {list(shape)}, got {list(noise.shape)}")
    device = (
        torch.device(device)
        if device is not None
        else (noise.device if noise is not None else _model_device(model))
    )
    replace = replace_known and cond is not None and cond.known_mask is not None
    if replace_known and not replace:
        raise ValueError("replace_known=True needs cond.known_mask and cond.known")
    if replace:
        if cond.known is None or tuple(cond.known.shape) != shape:
            raise ValueError(f"cond.known must have shape {list(shape)} to replace known frames")
        keep = rearrange(cond.known_mask.to(device) > 0.5, "b t -> b t 1 1 1")  # [B, T, 1, 1, 1]
        known = cond.known.to(device=device, dtype=torch.float32)  # [B, T, c, h, w]
    if cond is not None:
        cond = cond.to(device)

    # 2. the time grid, in the training convention (floats in [0, 1], never loop indices)
    grid = solver.timesteps(steps, time_shift).to(device)  # [steps + 1]

    # 3. start from noise
    x = noise.to(device) if noise is not None else video_noise(shape, noise_shared, generator, device)
    start = x
    if replace:
        x = torch.where(keep, solver.noisy_known(known, start, grid[0]), x)

    def predict(x_t, t):
        return model_predict(model, x_t, t, cond, guidance)

    # 4. denoising loop
    for i in range(steps):
        x, x0_hat = solver.step(predict, x, grid[i], grid[i + 1], generator)
        if replace:
            last = i == steps - 1
            x = torch.where(
                keep, known if last else solver.noisy_known(known, start, grid[i + 1]), x
            )
            x0_hat = torch.where(keep, known, x0_hat)
        yield i + 1, steps, x, x0_hat


def sample(
    model,
    shape,
    cond: Cond | None = None,
    *,
    on_step: Callable[[int, int, torch.Tensor], object] | None = None,
    **kwargs,
) -> torch.Tensor:
    """Draw latent videos ``[B, T, c, h, w]`` from ``model``: :func:`iter_sample` run to the end.

    ``kwargs`` are :func:`iter_sample`'s (``sampler``, ``steps``, ``guidance``, ``generator``,
    ``objective``, ``schedule``, ``eta``, ``replace_known``, ``clip_x0``, ``noise``, ``device``).
    ``on_step(step, total, x0_estimate)`` is called after each step, step = 1..total.
    """
    out = None
    for step, total, x, x0_hat in iter_sample(model, shape, cond, **kwargs):
        out = x
        if on_step is not None:
            on_step(step, total, x0_hat)
    return out


def ddim_invert(
    model,
    x0: torch.Tensor,
    cond: Cond | None = None,
    *,
    steps: int = 50,
    objective: str = "eps",
    schedule: NoiseSchedule | None = None,
    guidance: float = 1.0,
    refine: int = 1,
) -> torch.Tensor:
    """Map data back to the noise that deterministic DDIM (eta = 0) would turn into it.

    Runs the DDIM update in reverse (Song et al. 2021, sec. 4.3; the ODE of eq. 14 integrated
    from 0 to 1). Each step solves ``x_s = alpha_s x0_hat + sigma_s eps`` for the noisier
    ``x_t``, with ``eps`` the model's estimate at ``t``; ``refine`` fixed-point iterations
    re-evaluate ``eps`` at the new ``x_t`` (0 = the usual one-call approximation).
    """
    solver = make_sampler("ddim", objective, schedule)
    sch = solver.schedule
    grid = solver.timesteps(steps).flip(0).to(x0.device)  # [steps + 1], 0 -> 1
    x = x0
    for i in range(steps):
        s, t = grid[i], grid[i + 1]  # s less noisy than t
        a_s, s_s = sch.alpha_sigma(s, x)
        a_t, s_t = sch.alpha_sigma(t, x)
        guess = x
        for _ in range(refine + 1):
            _, eps = solver.x0_eps(model_predict(model, guess, t, cond, guidance), guess, t)
            x0_hat = (x - s_s * eps) / a_s  # the x0 the forward DDIM step would have used
            guess = a_t * x0_hat + s_t * eps
        x = guess
    return x
