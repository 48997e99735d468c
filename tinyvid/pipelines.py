"""Pipelines: a frame autoencoder, a tokenizer, a video model and a sampler config, glued.

The public API of DESIGN.md::

    pipe = load_pipeline()                                   # shipped weights, best device
    v = pipe.text_to_video("a 7 moving up-left", seed=0)     # [1, 16, 1, 64, 64] in [0, 1]
    v = pipe.image_to_video(image)                           # first frame given
    v = pipe.extend(video, num_new_frames=8, context=4)      # the input plus 8 new frames
    v = pipe.interpolate(first, last, num_frames=16)         # first and last given
    for step, total, preview in pipe.stream("a 3 moving down", seed=0): ...

Every mode is the same masked-conditional sampling (``tinyvid.diffusion.samplers``): only the
known-frames mask differs. Pixel videos cross this boundary as ``[B, T, 1, 64, 64]`` floats in
``[0, 1]``; inside, the autoencoder's latents ``[B, T, c, h, w]`` are denoised. Bad input is a
``ValueError`` naming the value and what is allowed, raised here before any model runs.

Shipped weights (``tinyvid/weights/``): ``NAME_autoencoder.safetensors`` and
``NAME_video.safetensors``, each with its JSON config; the video model's JSON carries the
pipeline config under ``"pipeline"`` (objective, schedule, sampler defaults, trained frame
range). :func:`save_pipeline` writes exactly what :func:`load_pipeline` reads.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import torch
from einops import rearrange

from tinyvid import inputs
from tinyvid.checkpoints import load_model, read_config, save_model
from tinyvid.diffusion.samplers import COMPATIBLE, OBJECTIVES, iter_sample, make_sampler
from tinyvid.diffusion.schedules import SCHEDULES, NoiseSchedule
from tinyvid.nn.cond import Cond
from tinyvid.text import tokenize

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
BUILD_COMMAND = "bash scripts/train_all.sh"
MAX_STEPS = 1000
MODES = ("t2v", "i2v", "extend", "interpolate")

OnStep = Callable[[int, int, torch.Tensor], object]


@dataclass
class PipelineConfig:
    """How the video model was trained and how it is sampled by default (saved with it)."""

    objective: str = "flow"  # what the model predicts: "eps", "v" (diffusion) or "flow" (velocity)
    schedule: str = "cosine"  # VP noise schedule of an eps/v model (unused by flow models)
    sampler: str = ""  # "" = the best default for the objective: heun (flow) or ddim (eps, v)
    steps: int = 12  # Heun: 2 model calls per step; few, accurate steps keep sampling fast
    guidance: float = 3.0  # classifier-free guidance weight (1 = none)
    eta: float = 0.0  # DDIM noise (0 = deterministic)
    num_frames: int = 16  # default clip length
    min_frames: int = 16  # the range of clip lengths the model was trained on
    max_frames: int = 16
    replace_known: bool = True  # known frames come out exactly as given (False: conditioning only)
    fps: float = 8.0  # playback speed of saved videos

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not self.sampler:
            self.sampler = "heun" if self.objective == "flow" else "ddim"
        make_sampler(self.sampler, self.objective)  # raises on an impossible combination
        if not 1 <= self.min_frames <= self.num_frames <= self.max_frames:
            raise ValueError(
                f"need 1 <= min_frames <= num_frames <= max_frames, got "
                f"{self.min_frames}, {self.num_frames}, {self.max_frames}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PipelineConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# --- input checks (the boundary) ---------------------------------------------------------------


def _as_tensor(x, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(
            f"{name} must be float in [0, 1], got dtype {x.dtype} (divide uint8 images by 255)"
        )
    return x.float()


def _check_range(x: torch.Tensor, name: str) -> None:
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf; pixel values must be in [0, 1]")
    lo, hi = x.min().item(), x.max().item()
    if lo < -1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"{name} values must be in [0, 1], got min {lo:.3g}, max {hi:.3g}")


def _int(value, name: str, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        allowed = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name}={value} is out of range; allowed: {allowed}")
    return value


@dataclass
class _Job:
    """One generation request, checked: what is known, and how to sample."""

    tokens: torch.Tensor | None  # [B, L] or None (null prompt)
    known: torch.Tensor | None  # [B, T, 1, H, W] pixels of the known frames (zeros elsewhere)
    mask: torch.Tensor | None  # [B, T] 1 = known
    num_frames: int
    batch: int
    steps: int
    guidance: float
    sampler: str
    replace_known: bool
    generator: torch.Generator | None


class VideoPipeline:
    """Text/image-to-video, extension and interpolation with one masked-conditional model.

    autoencoder: has ``encode_video([B,T,1,H,W] in [0,1]) -> [B,T,c,h,w]`` and ``decode_video``
                 (and ``config.latent_shape``/``config.image_size`` when available).
    model:       ``model(x_t, t, cond) -> prediction`` on latents, trained with ``config.objective``.
    config:      :class:`PipelineConfig` (objective, schedule, sampler defaults, frame range).
    tokenizer:   prompts -> ``[B, L]`` token ids; unknown words raise ``ValueError``.
    """

    def __init__(
        self, autoencoder, model, config: PipelineConfig | None = None, tokenizer=tokenize
    ):
        self.autoencoder = autoencoder.eval() if hasattr(autoencoder, "eval") else autoencoder
        self.model = model.eval() if hasattr(model, "eval") else model
        self.config = config or PipelineConfig()
        self.tokenizer = tokenizer
        ae_cfg = getattr(autoencoder, "config", None)
        self.image_size = getattr(ae_cfg, "image_size", 64)
        self.channels = getattr(ae_cfg, "in_channels", 1)
        if ae_cfg is not None and hasattr(ae_cfg, "latent_shape"):
            self.latent_shape = tuple(ae_cfg.latent_shape)  # (c, h, w)
        else:  # measure it once
            with torch.inference_mode():
                probe = torch.zeros(
                    1, 1, self.channels, self.image_size, self.image_size, device=self.device
                )
                self.latent_shape = tuple(autoencoder.encode_video(probe).shape[2:])  # (c, h, w)
        model_c = getattr(getattr(model, "config", None), "latent_channels", None)
        if model_c is not None and model_c != self.latent_shape[0]:
            raise ValueError(
                f"the video model expects {model_c} latent channels but the autoencoder makes "
                f"{self.latent_shape[0]}"
            )
        self.schedule = NoiseSchedule(self.config.schedule)

    # --- plumbing ----------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        for module in (self.model, self.autoencoder):
            try:
                return next(module.parameters()).device
            except (AttributeError, StopIteration):
                continue
        return torch.device("cpu")

    def to(self, device) -> VideoPipeline:
        self.model.to(device)
        self.autoencoder.to(device)
        return self

    def _context(self):
        """``torch.inference_mode``, plus bf16 autocast on CUDA (CPU and MPS stay float32)."""
        stack = contextlib.ExitStack()
        stack.enter_context(torch.inference_mode())
        if self.device.type == "cuda":
            stack.enter_context(torch.autocast("cuda", dtype=torch.bfloat16))
        return stack

    @property
    def patch_frames(self) -> int:
        return int(getattr(getattr(self.model, "config", None), "patch_frames", 1))

    # --- checks ------------------------------------------------------------------------------
    def _frames(self, value, name: str) -> int:
        cfg = self.config
        value = _int(value, name, cfg.min_frames, cfg.max_frames)
        if value % self.patch_frames:
            raise ValueError(
                f"{name}={value} must be a multiple of the model's patch_frames={self.patch_frames}"
            )
        return value

    def _images(self, image, name: str) -> torch.Tensor:
        """``[H, W]``, ``[1, H, W]`` or ``[B, 1, H, W]`` -> ``[B, 1, H, W]`` in [0, 1]."""
        x = _as_tensor(image, name)
        if x.ndim == 2:
            x = rearrange(x, "h w -> 1 1 h w")  # [1, 1, H, W]
        elif x.ndim == 3:
            x = rearrange(x, "c h w -> 1 c h w")  # [1, 1, H, W]
        S, C = self.image_size, self.channels
        if x.ndim != 4 or tuple(x.shape[1:]) != (C, S, S):
            raise ValueError(
                f"{name} must be [{C}, {S}, {S}] or [B, {C}, {S}, {S}] (or [{S}, {S}]), "
                f"got shape {list(x.shape)}"
            )
        _check_range(x, name)
        return x.clamp(0, 1)

    def _video(self, video, name: str) -> torch.Tensor:
        """``[T, 1, H, W]`` or ``[B, T, 1, H, W]`` -> ``[B, T, 1, H, W]`` in [0, 1]."""
        x = _as_tensor(video, name)
        if x.ndim == 4:
            x = rearrange(x, "t c h w -> 1 t c h w")  # [1, T, 1, H, W]
        S, C = self.image_size, self.channels
        if x.ndim != 5 or tuple(x.shape[2:]) != (C, S, S):
            raise ValueError(
                f"{name} must be [T, {C}, {S}, {S}] or [B, T, {C}, {S}, {S}], got shape {list(x.shape)}"
            )
        _check_range(x, name)
        return x.clamp(0, 1)

    def _tokens(self, prompt, batch: int | None, required: bool) -> torch.Tensor | None:
        """Prompt(s) -> ``[B, L]`` token ids, or ``None`` for no prompt (the null prompt)."""
        if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
            if required:
                raise ValueError(
                    "text_to_video needs a prompt, e.g. 'a 7 moving up-left' or "
                    "'a 3 and a 5 bouncing'"
                )
            return None
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        if not prompts or not all(isinstance(p, str) and p.strip() for p in prompts):
            raise ValueError(f"prompt must be a non-empty string or a list of them, got {prompt!r}")
        if batch is not None and len(prompts) not in (1, batch):
            raise ValueError(f"got {len(prompts)} prompts for a batch of {batch} videos")
        tokens = self.tokenizer(prompts)  # [b, L]; unknown words raise ValueError
        if batch is not None and tokens.shape[0] == 1 and batch > 1:
            tokens = tokens.expand(batch, -1)  # [B, L]
        return tokens

    def _job(
        self,
        *,
        tokens,
        known,
        mask,
        num_frames,
        batch,
        steps,
        guidance,
        sampler,
        seed,
        generator,
        replace_known,
    ) -> _Job:
        cfg = self.config
        steps = _int(cfg.steps if steps is None else steps, "steps", 1, MAX_STEPS)
        guidance = cfg.guidance if guidance is None else guidance
        if (
            isinstance(guidance, bool)
            or not isinstance(guidance, (int, float))
            or not math.isfinite(guidance)
            or guidance < 0
        ):
            raise ValueError(f"guidance must be a number >= 0 (1 = no guidance), got {guidance!r}")
        sampler = cfg.sampler if sampler is None else sampler
        if sampler not in COMPATIBLE or cfg.objective not in COMPATIBLE[sampler]:
            fits = [s for s in COMPATIBLE if cfg.objective in COMPATIBLE[s]]
            raise ValueError(
                f"sampler {sampler!r} is not available for this model (objective "
                f"{cfg.objective!r}); allowed: {fits}"
            )
        if seed is not None and generator is not None:
            raise ValueError("pass seed= or generator=, not both")
        if seed is not None:
            seed = _int(seed, "seed", 0, 2**63 - 1)
            generator = torch.Generator("cpu").manual_seed(seed)
        replace_known = cfg.replace_known if replace_known is None else bool(replace_known)
        return _Job(
            tokens,
            known,
            mask,
            num_frames,
            batch,
            steps,
            float(guidance),
            sampler,
            replace_known,
            generator,
        )

    # --- the one generation loop ---------------------------------------------------------------
    def _window(self, job: _Job, previews: bool) -> Iterator[tuple[int, int, torch.Tensor | None]]:
        """Sample one clip; yield ``(step, total, preview)``, the last preview being the video.

        ``preview`` is the decoded x0 estimate ``[B, T, 1, H, W]`` every ``previews`` steps
        (``None`` on the other steps; ``previews=0``: only the final video).
        """
        dev = self.device
        c, h, w = self.latent_shape
        shape = (job.batch, job.num_frames, c, h, w)
        cond = Cond(tokens=None if job.tokens is None else job.tokens.to(dev))
        if job.mask is not None:
            mask = job.mask.to(dev)  # [B, T]
            latents = self.autoencoder.encode_video(job.known.to(dev)).float()  # [B, T, c, h, w]
            cond.known_mask = mask
            cond.known = latents * rearrange(mask, "b t -> b t 1 1 1")  # [B, T, c, h, w]
        steps = iter_sample(
            self.model,
            shape,
            cond,
            sampler=job.sampler,
            steps=job.steps,
            guidance=job.guidance,
            generator=job.generator,
            objective=self.config.objective,
            schedule=self.schedule,
            eta=self.config.eta,
            replace_known=job.replace_known and job.mask is not None,
            device=dev,
        )
        for step, total, x, x0_hat in steps:
            if step == total:
                yield step, total, self._finish(x, job)
            else:
                show = previews and step % previews == 0
                yield step, total, self._decode(x0_hat) if show else None

    def _decode(self, latents: torch.Tensor) -> torch.Tensor:
        return self.autoencoder.decode_video(latents).float().clamp(0, 1)  # [B, T, 1, H, W]

    def _finish(self, latents: torch.Tensor, job: _Job) -> torch.Tensor:
        """Decode; with replacement, paste the given pixels so known frames are exact."""
        video = self._decode(latents)  # [B, T, 1, H, W]
        if job.replace_known and job.mask is not None:
            keep = rearrange(job.mask.to(video.device) > 0.5, "b t -> b t 1 1 1")
            video = torch.where(keep, job.known.to(video.device), video)
        return video

    def _run(self, it: Iterator, on_step: OnStep | None) -> torch.Tensor:
        """Drive a mode's loop (in inference mode) to the end; hand previews to ``on_step``."""
        out = None
        while True:
            with self._context():
                item = next(it, None)
            if item is None:
                return out.cpu()
            step, total, preview = item
            out = preview
            if on_step is not None:
                on_step(step, total, preview.cpu())

    # --- the four modes ------------------------------------------------------------------------
    def _iter_t2v(self, prompt, num_frames=None, previews=0, **kw):
        tokens = self._tokens(prompt, None, required=True)
        T = self._frames(self.config.num_frames if num_frames is None else num_frames, "num_frames")
        job = self._job(
            tokens=tokens, known=None, mask=None, num_frames=T, batch=tokens.shape[0], **kw
        )
        return self._window(job, previews)

    def _iter_i2v(self, image, prompt=None, num_frames=None, previews=0, **kw):
        first = self._images(image, "image")  # [B, 1, H, W]
        B = first.shape[0]
        tokens = self._tokens(prompt, B, required=False)
        T = self._frames(self.config.num_frames if num_frames is None else num_frames, "num_frames")
        mask = torch.zeros(B, T)
        mask[:, 0] = 1
        known = torch.zeros(B, T, *first.shape[1:])  # [B, T, 1, H, W]
        known[:, 0] = first
        job = self._job(tokens=tokens, known=known, mask=mask, num_frames=T, batch=B, **kw)
        return self._window(job, previews)

    def _iter_interpolate(self, first, last, num_frames=None, prompt=None, previews=0, **kw):
        a, b = self._images(first, "first"), self._images(last, "last")  # [B, 1, H, W]
        if a.shape[0] != b.shape[0]:
            raise ValueError(
                f"first and last must have the same batch size, got {a.shape[0]} and {b.shape[0]}"
            )
        B = a.shape[0]
        tokens = self._tokens(prompt, B, required=False)
        T = self._frames(self.config.num_frames if num_frames is None else num_frames, "num_frames")
        if T < 3:
            raise ValueError(f"interpolation needs num_frames >= 3, got {T}")
        mask = torch.zeros(B, T)
        mask[:, 0] = mask[:, -1] = 1
        known = torch.zeros(B, T, *a.shape[1:])  # [B, T, 1, H, W]
        known[:, 0], known[:, -1] = a, b
        job = self._job(tokens=tokens, known=known, mask=mask, num_frames=T, batch=B, **kw)
        return self._window(job, previews)

    def _iter_extend(self, video, num_new_frames=8, context=4, prompt=None, previews=0, **kw):
        """Autoregressive extension with overlap: each window re-uses the last ``context`` frames.

        A window holds ``context`` known frames and up to ``max_frames - context`` new ones; it
        is at least ``min_frames`` long (extra frames past the request are dropped).
        """
        cfg = self.config
        video = self._video(video, "video")  # [B, T0, 1, H, W]
        B, T0 = video.shape[:2]
        new = _int(num_new_frames, "num_new_frames", 1, 10_000)
        context = _int(context, "context", 1, min(T0, cfg.max_frames - 1))
        tokens = self._tokens(prompt, B, required=False)
        plan = []  # (window length, new frames kept) per window
        left = new
        while left > 0:
            window = max(cfg.min_frames, min(cfg.max_frames, context + left))
            window += (-window) % self.patch_frames  # whole spacetime patches
            if window > cfg.max_frames:
                window -= self.patch_frames
            keep = min(window - context, left)
            plan.append((window, keep))
            left -= keep
        jobs = [
            self._job(
                tokens=tokens,
                known=None,
                mask=None,
                num_frames=self._frames(win, "window"),
                batch=B,
                **kw,
            )
            for win, _ in plan
        ]
        return self._extend_windows(video, context, plan, jobs, previews)

    def _extend_windows(self, video, context, plan, jobs, previews):
        total = sum(j.steps for j in jobs)
        done = 0
        for (window, keep), job in zip(plan, jobs):
            mask = torch.zeros(video.shape[0], window)
            mask[:, :context] = 1
            known = torch.zeros(video.shape[0], window, *video.shape[2:])  # [B, W, 1, H, W]
            known[:, :context] = video[:, -context:].to(known.device)
            job = replace(job, known=known, mask=mask)
            for step, _, preview in self._window(job, previews):
                if preview is not None:  # always set on a window's last step
                    fresh = preview[:, context : context + keep]  # [B, keep, 1, H, W]
                    preview = torch.cat(
                        [video.to(fresh.device), fresh], dim=1
                    )  # [B, T + keep, 1, H, W]
                    if step == job.steps:
                        video = preview  # the next window's context comes from here
                yield done + step, total, preview
            done += job.steps

    # --- public API ---------------------------------------------------------------------------
    def text_to_video(
        self,
        prompt: str | Sequence[str],
        *,
        num_frames: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        on_step: OnStep | None = None,
    ) -> torch.Tensor:
        """Videos ``[B, T, 1, 64, 64]`` in [0, 1] for one prompt or a list of ``B`` prompts.

        ``on_step(step, total, preview)`` gets the decoded x0 estimate after every step.
        """
        it = self._iter_t2v(
            prompt,
            num_frames,
            int(on_step is not None),
            steps=steps,
            guidance=guidance,
            sampler=sampler,
            seed=seed,
            generator=generator,
            replace_known=None,
        )
        return self._run(it, on_step)

    def image_to_video(
        self,
        image,
        prompt: str | Sequence[str] | None = None,
        *,
        num_frames: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        replace_known: bool | None = None,
        on_step: OnStep | None = None,
    ) -> torch.Tensor:
        """Animate ``image`` (``[1, 64, 64]`` or ``[B, 1, 64, 64]``): it is frame 0 of the result."""
        it = self._iter_i2v(
            image,
            prompt,
            num_frames,
            int(on_step is not None),
            steps=steps,
            guidance=guidance,
            sampler=sampler,
            seed=seed,
            generator=generator,
            replace_known=replace_known,
        )
        return self._run(it, on_step)

    def extend(
        self,
        video,
        num_new_frames: int = 8,
        context: int = 4,
        prompt: str | Sequence[str] | None = None,
        *,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        replace_known: bool | None = None,
        on_step: OnStep | None = None,
    ) -> torch.Tensor:
        """``video`` (``[T0, 1, 64, 64]`` or ``[B, T0, 1, 64, 64]``) followed by ``num_new_frames`` more.

        Long extensions run window after window, each conditioned on the last ``context``
        frames made so far. Returns ``[B, T0 + num_new_frames, 1, 64, 64]``.
        """
        it = self._iter_extend(
            video,
            num_new_frames,
            context,
            prompt,
            int(on_step is not None),
            steps=steps,
            guidance=guidance,
            sampler=sampler,
            seed=seed,
            generator=generator,
            replace_known=replace_known,
        )
        return self._run(it, on_step)

    def interpolate(
        self,
        first,
        last,
        num_frames: int | None = None,
        prompt: str | Sequence[str] | None = None,
        *,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        replace_known: bool | None = None,
        on_step: OnStep | None = None,
    ) -> torch.Tensor:
        """The ``num_frames`` video that starts at ``first`` and ends at ``last`` (``[1, 64, 64]`` each)."""
        it = self._iter_interpolate(
            first,
            last,
            num_frames,
            prompt,
            int(on_step is not None),
            steps=steps,
            guidance=guidance,
            sampler=sampler,
            seed=seed,
            generator=generator,
            replace_known=replace_known,
        )
        return self._run(it, on_step)

    def stream(
        self,
        prompt: str | Sequence[str] | None = None,
        *,
        mode: str = "t2v",
        image=None,
        video=None,
        first=None,
        last=None,
        num_frames: int | None = None,
        num_new_frames: int = 8,
        context: int = 4,
        steps: int | None = None,
        guidance: float | None = None,
        sampler: str | None = None,
        seed: int | None = None,
        generator: torch.Generator | None = None,
        replace_known: bool | None = None,
        preview_every: int = 1,
    ) -> Iterator[tuple[int, int, torch.Tensor | None]]:
        """Yield ``(step, total, preview)`` while sampling, for live display.

        ``preview`` is the decoded current estimate ``[B, T, 1, 64, 64]`` in [0, 1]; the last
        one (``step == total``) is the finished video, the same as the mode's method returns
        for the same seed. ``preview_every=k`` decodes a preview every k steps only (``None``
        in between; 0 = final video only). Inputs are checked before the first yield.
        """
        every = _int(preview_every, "preview_every", 0)
        kw = dict(
            steps=steps,
            guidance=guidance,
            sampler=sampler,
            seed=seed,
            generator=generator,
            replace_known=replace_known,
        )
        if mode == "t2v":
            it = self._iter_t2v(prompt, num_frames, every, **kw)
        elif mode == "i2v":
            it = self._iter_i2v(image, prompt, num_frames, every, **kw)
        elif mode == "extend":
            it = self._iter_extend(video, num_new_frames, context, prompt, every, **kw)
        elif mode == "interpolate":
            it = self._iter_interpolate(first, last, num_frames, prompt, every, **kw)
        else:
            raise ValueError(f"unknown mode {mode!r}; allowed: {MODES}")
        return self._stream(it)

    def _stream(self, it):
        while True:
            with self._context():  # only while our code runs: the caller's code between yields is not in inference mode
                item = next(it, None)
            if item is None:
                return
            step, total, preview = item
            yield step, total, None if preview is None else preview.cpu()


# --- building, saving and loading -------------------------------------------------------------


def random_pipeline(
    size: str = "tiny", config: PipelineConfig | None = None, seed: int = 0, device=None
) -> VideoPipeline:
    """An untrained pipeline of the shipped architecture (``size`` "tiny" or "default").

    Its videos are noise; it is for tests, smoke runs and speed measurements, which do not
    depend on the weights. An untrained model has no trained clip length, so the default
    config allows 4 to 16 frames.
    """
    from tinyvid.nn.autoencoder import AutoencoderConfig, FrameAutoencoder
    from tinyvid.nn.dit import DiT, DiTConfig

    if size not in ("tiny", "default"):
        raise ValueError(f"size must be 'tiny' or 'default', got {size!r}")
    torch.manual_seed(seed)
    ae_cfg = AutoencoderConfig.tiny() if size == "tiny" else AutoencoderConfig.default()
    dit_cfg = DiTConfig.tiny() if size == "tiny" else DiTConfig.default()
    dit_cfg.latent_channels = ae_cfg.latent_channels
    config = config or PipelineConfig(min_frames=4, num_frames=16, max_frames=16)
    pipe = VideoPipeline(FrameAutoencoder(ae_cfg), DiT(dit_cfg), config)
    return pipe.to(device or "cpu")


def _autoencoder_users(folder: Path, filename: str) -> list[str]:
    """The pipelines in ``folder`` whose video JSON names ``filename`` as their autoencoder."""
    return sorted(
        p.name.removesuffix("_video.json")
        for p in folder.glob("*_video.json")
        if json.loads(p.read_text()).get("autoencoder") == filename
    )


def save_pipeline(
    pipe: VideoPipeline,
    folder: str | Path = WEIGHTS_DIR,
    name: str = "default",
    *,
    fp16: bool = False,
    rebuild: str | None = None,
    autoencoder: str | None = None,
) -> dict[str, Path]:
    """Write ``NAME_video`` (safetensors + JSON) and its autoencoder, with their MANIFEST hashes.

    ``autoencoder`` names the autoencoder file (default ``NAME_autoencoder``); pipelines that
    share an autoencoder name the same file and it is stored once. The video JSON records the
    file's name under ``"autoencoder"``. Writing a different autoencoder over a file another
    pipeline uses is refused.
    """
    folder = Path(folder)
    ae_path = folder / f"{autoencoder or name + '_autoencoder'}.safetensors"
    video_path = folder / f"{name}_video.safetensors"
    if ae_path.is_file():
        stored = load_model(ae_path, check_hash=False).state_dict()
        mine = {k: v.half().float() if fp16 and v.is_floating_point() else v
                for k, v in pipe.autoencoder.state_dict().items()}
        same = stored.keys() == mine.keys() and all(
            torch.equal(stored[k].cpu(), mine[k].cpu()) for k in mine)
        users = [u for u in _autoencoder_users(folder, ae_path.name) if u != name]
        if not same and users:
            raise ValueError(
                f"{ae_path} holds another autoencoder, used by pipeline(s) {users}; pass "
                "autoencoder= a new name, or rebuild those pipelines"
            )
    if not ae_path.is_file() or not same:
        save_model(pipe.autoencoder, ae_path, fp16=fp16, rebuild=rebuild)
    save_model(
        pipe.model,
        video_path,
        fp16=fp16,
        rebuild=rebuild,
        extra={"autoencoder": ae_path.name, "pipeline": pipe.config.to_dict()},
    )
    return {"video": video_path, "autoencoder": ae_path}


def _require(path: Path, part: str, name: str) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"the {part} weights of pipeline {name!r} are missing: {path} does not exist. "
            f"Build them with `{BUILD_COMMAND}` (see tinyvid/weights/README.md); until then, "
            f"`tinyvid.pipelines.random_pipeline()` gives an untrained pipeline for trying the API."
        )


def load_pipeline(
    name: str = "default",
    device: str | torch.device | None = None,
    folder: str | Path | None = None,
) -> VideoPipeline:
    """The shipped pipeline ``NAME`` from ``tinyvid/weights/`` (hash-checked), in eval mode.

    ``device=None`` picks CUDA, then MPS, then CPU. A missing file is a ``FileNotFoundError``
    naming it and the command that builds it.
    """
    folder = Path(folder) if folder is not None else WEIGHTS_DIR
    device = inputs.device(device)
    video_path = folder / f"{name}_video.safetensors"
    _require(video_path, "video", name)
    meta = read_config(video_path)
    if "pipeline" not in meta:
        raise ValueError(
            f"{video_path.with_suffix('.json')} has no 'pipeline' entry; rebuild it with `{BUILD_COMMAND}`"
        )
    ae_path = folder / meta.get("autoencoder", f"{name}_autoencoder.safetensors")
    _require(ae_path, "autoencoder", name)
    autoencoder = load_model(ae_path, device=device)
    model = load_model(video_path, device=device)
    return VideoPipeline(autoencoder, model, PipelineConfig.from_dict(meta["pipeline"]))
