"""Pipelines: a frame autoencoder, a tokenizer, a video model and a sampler config, glued.

The public API of DESIGN.md::

    pipe = load_pipeline()                                   # shipped weights, best device
    v = pipe.text_to_video("a 7 moving up-left", seed=0)     # [1, 16, 1, 64, 64] in [0, 1]
    v = pipe.image_to_video(image)                           # first frame given
    v = pipe.extend(video, num_new_frames=8, context=4)      # the input plus 8 new frames
    v = pipe.interpolate(first, last, num_frames=16)         # first and last given
    for step, total, preview in pipe.stream("a 3 moving down", seed=0): ...

Every mode is the same masked-conditional sampling, :meth:`VideoPipeline._generate` (numbered
stages: check inputs, tokenize, encode known frames, noise, loop, decode and paste back): only
the known-frames mask differs. How to sample (steps, guidance, sampler, seed, generator,
replace_known) is one :class:`SampleOptions`, passed as ``options=`` or as keywords. Pixel
videos cross this boundary as ``[B, T, 1, 64, 64]`` floats in ``[0, 1]``; inside, the
autoencoder's latents ``[B, T, c, h, w]`` are denoised. Bad input is a ``ValueError`` naming
the value and what is allowed (:mod:`tinyvid.inputs`), raised before any model runs.

Shipped weights (``tinyvid/weights/``): ``NAME_video.safetensors`` with its JSON config, which
names its autoencoder file (``"autoencoder"``; the shipped pipelines share
``default_autoencoder``) and carries the pipeline config under ``"pipeline"`` (objective,
schedule, sampler defaults, trained frame range). :func:`save_pipeline` writes exactly what
:func:`load_pipeline` reads.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
from einops import rearrange

from tinyvid import inputs
from tinyvid.checkpoints import (  # WEIGHTS_DIR re-exported: lessons and the app read it here
    KINDS,
    TRAIN_ALL,
    WEIGHTS_DIR,
    build_model,
    config_dict,
    load_model,
    read_config,
    save_model,
)
from tinyvid.diffusion.samplers import (
    check_objective,
    check_sampler,
    default_sampler,
    iter_sample,
    sample,
)
from tinyvid.diffusion.schedules import SCHEDULES, NoiseSchedule
from tinyvid.nn.autoencoder import AutoencoderConfig, FrameAutoencoder
from tinyvid.nn.cond import Cond
from tinyvid.nn.svd import noise_augment
from tinyvid.text import tokenize

BUILD_COMMAND = TRAIN_ALL  # builds every shipped file
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
    time_shift: float = 1.0  # > 1: more sampling steps near noise (the model's training shift)
    noise_shared: float = 0.0  # correlation of the starting noise across frames (as in training)

    def __post_init__(self):
        check_objective(self.objective)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        self.sampler = check_sampler(self.sampler or default_sampler(self.objective), self.objective)
        inputs.positive(self.time_shift, "time_shift")
        if not 0.0 <= self.noise_shared < 1.0:
            raise ValueError(f"noise_shared must be in [0, 1), got {self.noise_shared!r}")
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


@dataclass
class SampleOptions:
    """How to sample, shared by the four modes, :meth:`VideoPipeline.stream`, the CLI and the app.

    ``None`` means the pipeline's default (its :class:`PipelineConfig`). Every mode also takes
    these fields as keywords (``seed=0, steps=8``), which override ``options=``.
    """

    steps: int | None = None  # sampling steps (Heun: 2 model calls each)
    guidance: float | None = None  # classifier-free guidance weight (1 = none)
    sampler: str | None = None  # ddpm, ddim (eps/v models), euler, heun (flow models)
    seed: int | None = None  # the same seed gives the same video on the same device
    generator: torch.Generator | None = None  # instead of seed
    replace_known: bool | None = None  # paste known frames in at every step (False: condition only)
    time_shift: float | None = None  # > 1 spends more steps near noise (SD3's shift)

    @classmethod
    def merge(cls, options: SampleOptions | None, overrides: dict) -> SampleOptions:
        """``options`` (or the defaults) with the non-``None`` ``overrides`` on top."""
        allowed = [f.name for f in fields(cls)]
        unknown = sorted(set(overrides) - set(allowed))
        if unknown:
            raise TypeError(f"unknown sampling option(s) {unknown}; allowed: {allowed}")
        return replace(options or cls(), **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class _Sampling:
    """:class:`SampleOptions` checked and filled in from the pipeline's config."""

    steps: int
    guidance: float
    sampler: str
    generator: torch.Generator | None
    replace_known: bool
    time_shift: float


@dataclass
class _Clip:
    """One clip to sample: the prompt(s), its length, and what is known of it (pixels)."""

    prompt: str | Sequence[str] | None
    num_frames: int
    batch: int | None = None  # None: as many as prompts
    known: torch.Tensor | None = None  # [B, T, 1, H, W] pixels of the known frames, 0 elsewhere
    mask: torch.Tensor | None = None  # [B, T] 1 = known

    @classmethod
    def with_known(cls, prompt, num_frames: int, frames: dict[int, torch.Tensor]) -> _Clip:
        """A clip whose frames ``{index: [B, C, H, W]}`` are given."""
        some = next(iter(frames.values()))
        B = some.shape[0]
        mask = torch.zeros(B, num_frames)
        known = torch.zeros(B, num_frames, *some.shape[1:])  # [B, T, C, H, W]
        for i, frame in frames.items():
            mask[:, i] = 1
            known[:, i] = frame
        return cls(prompt, num_frames, B, known, mask)


def plan_extension(
    num_new_frames: int, context: int, min_frames: int, max_frames: int, patch_frames: int = 1
) -> list[tuple[int, int]]:
    """The windows of :meth:`VideoPipeline.extend`: ``[(window length, new frames kept), ...]``.

    Each window holds the last ``context`` frames made so far plus up to
    ``max_frames - context`` new ones; it is at least ``min_frames`` long (new frames past the
    request are made and dropped) and a whole number of ``patch_frames``. The kept frames add
    up to ``num_new_frames``.
    """
    plan, left = [], num_new_frames
    while left > 0:
        window = max(min_frames, min(max_frames, context + left))
        window += (-window) % patch_frames  # whole spacetime patches
        if window > max_frames:
            window -= patch_frames
        if window <= context:
            raise ValueError(
                f"context={context} leaves no room for new frames in a window of at most "
                f"{max_frames} frames (patch_frames={patch_frames}); use a smaller context"
            )
        keep = min(window - context, left)
        plan.append((window, keep))
        left -= keep
    return plan


class VideoPipeline:
    """Text/image-to-video, extension and interpolation with one masked-conditional model.

    autoencoder: has ``encode_video([B,T,1,H,W] in [0,1]) -> [B,T,c,h,w]`` and ``decode_video``
                 (and ``config.latent_shape``/``config.image_size`` when available).
    model:       ``model(x_t, t, cond) -> prediction`` on latents, trained with ``config.objective``.
    config:      :class:`PipelineConfig` (objective, schedule, sampler defaults, frame range).
    tokenizer:   prompts -> ``[B, L]`` token ids; unknown words raise ``ValueError``.

    Every mode builds a clip (what is known) and runs the one generation path,
    :meth:`_generate`; :meth:`stream` runs the same path and yields its previews.
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
                probe = torch.zeros(1, 1, *self.frame_shape, device=self.device)
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

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.image_size, self.image_size)

    @property
    def patch_frames(self) -> int:
        return int(getattr(getattr(self.model, "config", None), "patch_frames", 1))

    def _context(self):
        """``torch.inference_mode``, plus bf16 autocast on CUDA (CPU and MPS stay float32)."""
        stack = contextlib.ExitStack()
        stack.enter_context(torch.inference_mode())
        if self.device.type == "cuda":
            stack.enter_context(torch.autocast("cuda", dtype=torch.bfloat16))
        return stack

    # --- checks ------------------------------------------------------------------------------
    def _frames(self, value, name: str = "num_frames") -> int:
        cfg = self.config
        value = inputs.integer(
            cfg.num_frames if value is None else value, name, cfg.min_frames, cfg.max_frames
        )
        if value % self.patch_frames:
            raise ValueError(
                f"{name}={value} must be a multiple of the model's patch_frames={self.patch_frames}"
            )
        return value

    def _sampling(self, options: SampleOptions | None, overrides: dict) -> _Sampling:
        o, cfg = SampleOptions.merge(options, overrides), self.config
        return _Sampling(
            steps=inputs.steps(cfg.steps if o.steps is None else o.steps),
            guidance=inputs.guidance(cfg.guidance if o.guidance is None else o.guidance),
            sampler=check_sampler(cfg.sampler if o.sampler is None else o.sampler, cfg.objective),
            generator=inputs.generator(o.seed, o.generator),
            replace_known=cfg.replace_known if o.replace_known is None else bool(o.replace_known),
            time_shift=inputs.positive(cfg.time_shift if o.time_shift is None else o.time_shift,
                                       "time_shift"),
        )

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

    # --- the one generation path ---------------------------------------------------------------
    def _generate(
        self, clip: _Clip, sampling: _Sampling, previews: int = 0
    ) -> Iterator[tuple[int, int, torch.Tensor | None]]:
        """Sample ``clip``; the returned iterator yields ``(step, total, preview)``.

        Stages 1-2 run now, so bad input raises before anything is sampled; stages 3-6 run
        as the iterator is consumed. ``preview`` is the decoded x0 estimate
        ``[B, T, 1, H, W]`` every ``previews`` steps (``None`` on the others; 0: only the
        last), and the last one is the finished video.
        """
        # 1. check inputs (the options were checked into ``sampling``)
        num_frames = self._frames(clip.num_frames)
        # 2. tokenize
        tokens = self._tokens(clip.prompt, clip.batch, required=clip.mask is None)
        batch = clip.batch or tokens.shape[0]
        known = clip.mask is not None
        paste = sampling.replace_known and known

        def run():
            dev = self.device
            # 3. encode known frames
            cond = Cond(tokens=None if tokens is None else tokens.to(dev))
            if known:
                mask = clip.mask.to(dev)  # [B, T]
                latents = self.autoencoder.encode_video(clip.known.to(dev)).float()  # [B, T, c, h, w]
                cond.known_mask = mask
                cond.known = latents * rearrange(mask, "b t -> b t 1 1 1")  # [B, T, c, h, w]
            # 4. noise and 5. the denoising loop (both in iter_sample)
            loop = iter_sample(
                self.model,
                (batch, num_frames, *self.latent_shape),
                cond,
                sampler=sampling.sampler,
                steps=sampling.steps,
                guidance=sampling.guidance,
                generator=sampling.generator,
                objective=self.config.objective,
                schedule=self.schedule,
                eta=self.config.eta,
                replace_known=paste,
                device=dev,
                time_shift=sampling.time_shift,
                noise_shared=self.config.noise_shared,
            )
            for step, total, x, x0_hat in loop:
                last = step == total
                if not (last or (previews and step % previews == 0)):
                    yield step, total, None
                    continue
                # 6. decode, and paste the given pixels back so known frames are exact
                video = self.autoencoder.decode_video(x if last else x0_hat).float().clamp(0, 1)
                if last and paste:
                    keep = rearrange(clip.mask.to(dev) > 0.5, "b t -> b t 1 1 1")
                    video = torch.where(keep, clip.known.to(dev), video)  # [B, T, 1, H, W]
                yield step, total, video

        return run()

    def _extend(self, video: torch.Tensor, context: int, plan, prompt, sampling: _Sampling,
                previews: int) -> Iterator[tuple[int, int, torch.Tensor | None]]:
        """:meth:`_generate` window after window, each knowing the last ``context`` frames."""
        total, done = sampling.steps * len(plan), 0
        for window, keep in plan:
            frames = {i: video[:, -context + i] for i in range(context)}  # [B, 1, H, W] each
            clip = _Clip.with_known(prompt, window, frames)
            for step, _, preview in self._generate(clip, sampling, previews):
                if preview is not None:  # always set on a window's last step
                    fresh = preview[:, context : context + keep]  # [B, keep, 1, H, W]
                    preview = torch.cat([video.to(fresh.device), fresh], dim=1)  # [B, T + keep, ...]
                    if step == sampling.steps:
                        video = preview  # the next window's context comes from here
                yield done + step, total, preview
            done += sampling.steps

    # --- the four modes: what each one knows -----------------------------------------------------
    def _iter_t2v(self, sampling, previews, prompt, *, num_frames=None):
        return self._generate(_Clip(prompt, num_frames), sampling, previews)

    def _iter_i2v(self, sampling, previews, prompt=None, *, image, num_frames=None):
        first = inputs.as_images(image, "image", self.frame_shape)  # [B, 1, H, W]
        clip = _Clip.with_known(prompt, self._frames(num_frames), {0: first})
        return self._generate(clip, sampling, previews)

    def _iter_interpolate(self, sampling, previews, prompt=None, *, first, last, num_frames=None):
        a = inputs.as_images(first, "first", self.frame_shape)  # [B, 1, H, W]
        b = inputs.as_images(last, "last", self.frame_shape)  # [B, 1, H, W]
        if a.shape[0] != b.shape[0]:
            raise ValueError(
                f"first and last must have the same batch size, got {a.shape[0]} and {b.shape[0]}"
            )
        T = self._frames(num_frames)
        if T < 3:
            raise ValueError(f"interpolation needs num_frames >= 3, got {T}")
        return self._generate(_Clip.with_known(prompt, T, {0: a, T - 1: b}), sampling, previews)

    def _iter_extend(self, sampling, previews, prompt=None, *, video, num_new_frames=8, context=4):
        cfg = self.config
        video = inputs.as_videos(video, "video", self.frame_shape)  # [B, T0, 1, H, W]
        B, T0 = video.shape[:2]
        new = inputs.integer(num_new_frames, "num_new_frames", 1, 10_000)
        context = inputs.integer(context, "context", 1, min(T0, cfg.max_frames - 1))
        self._tokens(prompt, B, required=False)  # checked now, before the first window
        plan = plan_extension(new, context, cfg.min_frames, cfg.max_frames, self.patch_frames)
        for window, _ in plan:
            self._frames(window, "window")
        return self._extend(video, context, plan, prompt, sampling, previews)

    _MODES = {"t2v": _iter_t2v, "i2v": _iter_i2v, "extend": _iter_extend,
             "interpolate": _iter_interpolate}

    def _run(self, it: Iterator, on_step: OnStep | None = None) -> Iterator:
        """Drive ``it`` in inference mode, only while our code runs (the caller's code between
        yields is not in inference mode); previews come out on the CPU."""
        while True:
            with self._context():
                item = next(it, None)
            if item is None:
                return
            step, total, preview = item
            preview = None if preview is None else preview.cpu()
            if on_step is not None:
                on_step(step, total, preview)
            yield step, total, preview

    def _call(self, mode: str, on_step: OnStep | None, options, mode_inputs: dict,
              sampling: dict) -> torch.Tensor:
        """A mode run to the end: the finished video (``on_step`` sees every step's preview)."""
        it = self._MODES[mode](self, self._sampling(options, sampling), int(on_step is not None),
                              **mode_inputs)
        video = None
        for _step, _total, preview in self._run(it, on_step):
            video = preview
        return video

    # --- public API ---------------------------------------------------------------------------
    def text_to_video(
        self,
        prompt: str | Sequence[str],
        *,
        num_frames: int | None = None,
        options: SampleOptions | None = None,
        on_step: OnStep | None = None,
        **sampling,
    ) -> torch.Tensor:
        """Videos ``[B, T, 1, 64, 64]`` in [0, 1] for one prompt or a list of ``B`` prompts.

        ``sampling``: the fields of :class:`SampleOptions` (``steps``, ``guidance``,
        ``sampler``, ``seed``, ``generator``, ``replace_known``). ``on_step(step, total,
        preview)`` gets the decoded x0 estimate after every step.
        """
        return self._call("t2v", on_step, options, dict(prompt=prompt, num_frames=num_frames),
                          sampling)

    def image_to_video(
        self,
        image,
        prompt: str | Sequence[str] | None = None,
        *,
        num_frames: int | None = None,
        options: SampleOptions | None = None,
        on_step: OnStep | None = None,
        **sampling,
    ) -> torch.Tensor:
        """Animate ``image`` (``[1, 64, 64]`` or ``[B, 1, 64, 64]``): it is frame 0 of the result."""
        return self._call("i2v", on_step, options,
                          dict(image=image, prompt=prompt, num_frames=num_frames), sampling)

    def extend(
        self,
        video,
        prompt: str | Sequence[str] | None = None,
        *,
        num_new_frames: int = 8,
        context: int = 4,
        options: SampleOptions | None = None,
        on_step: OnStep | None = None,
        **sampling,
    ) -> torch.Tensor:
        """``video`` (``[T0, 1, 64, 64]`` or ``[B, T0, 1, 64, 64]``) followed by ``num_new_frames`` more.

        Long extensions run window after window (:func:`plan_extension`), each conditioned on
        the last ``context`` frames made so far. Returns ``[B, T0 + num_new_frames, 1, 64, 64]``.
        """
        return self._call("extend", on_step, options, dict(
            video=video, prompt=prompt, num_new_frames=num_new_frames, context=context), sampling)

    def interpolate(
        self,
        first,
        last,
        prompt: str | Sequence[str] | None = None,
        *,
        num_frames: int | None = None,
        options: SampleOptions | None = None,
        on_step: OnStep | None = None,
        **sampling,
    ) -> torch.Tensor:
        """The ``num_frames`` video that starts at ``first`` and ends at ``last`` (``[1, 64, 64]`` each)."""
        return self._call("interpolate", on_step, options,
                          dict(first=first, last=last, prompt=prompt, num_frames=num_frames),
                          sampling)

    def stream(
        self,
        prompt: str | Sequence[str] | None = None,
        *,
        mode: str = "t2v",
        preview_every: int = 1,
        options: SampleOptions | None = None,
        **kwargs,
    ) -> Iterator[tuple[int, int, torch.Tensor | None]]:
        """Yield ``(step, total, preview)`` while sampling ``mode``, for live display.

        ``kwargs``: the mode's inputs (``image`` for i2v; ``video``, ``num_new_frames``,
        ``context`` for extend; ``first``, ``last`` for interpolate; ``num_frames``) and the
        fields of :class:`SampleOptions`. ``preview`` is the decoded current estimate
        ``[B, T, 1, 64, 64]`` in [0, 1]; the last one (``step == total``) is the finished
        video, the same as the mode's method returns for the same seed. ``preview_every=k``
        decodes a preview every k steps only (``None`` in between; 0 = final video only).
        Inputs are checked before the first yield.
        """
        if mode not in self._MODES:
            raise ValueError(f"unknown mode {mode!r}; allowed: {MODES}")
        every = inputs.integer(preview_every, "preview_every", 0)
        names = {f.name for f in fields(SampleOptions)}
        sampling = {k: v for k, v in kwargs.items() if k in names}
        mode_inputs = {k: v for k, v in kwargs.items() if k not in names}
        try:
            it = self._MODES[mode](self, self._sampling(options, sampling), every, prompt,
                                  **mode_inputs)
        except TypeError as err:
            raise ValueError(f"mode {mode!r} got inputs it does not take: {err}") from None
        return self._run(it)


# --- building, saving and loading -------------------------------------------------------------


def random_pipeline(
    size: str = "tiny",
    config: PipelineConfig | None = None,
    seed: int = 0,
    device=None,
    name: str = "default",
    folder: str | Path | None = None,
) -> VideoPipeline:
    """An untrained pipeline of the shipped architecture: the model kind, and for
    ``size="default"`` its config and the autoencoder's, read from the shipped pipeline's JSON
    (``tinyvid/weights/NAME_video.json``); ``size="tiny"`` takes the same kind at its tiny preset.

    Its videos are noise; it is for tests, smoke runs, speed measurements and the app until the
    weights exist. ``config`` defaults to the shipped pipeline's, allowing clips from 4 frames
    (an untrained model has no trained clip length).
    """
    if size not in ("tiny", "default"):
        raise ValueError(f"size must be 'tiny' or 'default', got {size!r}")
    folder = Path(folder) if folder is not None else WEIGHTS_DIR
    meta = read_config(folder / f"{name}_video.json")
    ae_meta = read_config(folder / meta.get("autoencoder", f"{name}_autoencoder.json"))
    torch.manual_seed(seed)
    if size == "tiny":
        ae_cfg = AutoencoderConfig.tiny()
        model_cfg = config_dict(KINDS[meta["kind"]][1].tiny())
    else:
        ae_cfg = AutoencoderConfig.from_dict(ae_meta["config"])
        model_cfg = dict(meta["config"])
    model_cfg["latent_channels"] = ae_cfg.latent_channels
    if config is None:
        shipped = PipelineConfig.from_dict(meta["pipeline"])
        config = replace(shipped, min_frames=min(shipped.min_frames, 4))
    pipe = VideoPipeline(FrameAutoencoder(ae_cfg), build_model(meta["kind"], model_cfg), config)
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


# --------------------------------------------------------------------------------------------
# SVD-style image-to-video (capstone 10): its own model kind, so its own short path
# --------------------------------------------------------------------------------------------
AUG_NOISE_SEED_OFFSET = 1_000_003  # the augmentation noise's generator: seed + this


@torch.no_grad()
def svd_image_to_video(
    model,
    autoencoder,
    images,
    prompts: str | Sequence[str] | None,
    *,
    aug_level: float = 0.0,
    num_frames: int = 16,
    steps: int = 12,
    guidance: float = 4.0,
    seed: int = 0,
    on_step: OnStep | None = None,
) -> torch.Tensor:
    """Animate ``images`` ``[B, 1, 64, 64]`` with an ``SVDVideoUNet``: ``[B, T, 1, 64, 64]`` in [0, 1].

    SVD's sampling (Blattmann et al. 2023): the image's latent plus ``aug_level · eps`` (the
    noise level the model is told, as in training) conditions every frame; all ``T`` frames,
    frame 0 included, are generated by the flow Heun sampler (nothing is pasted back).
    Classifier-free guidance drops only the prompt: the image stays in both passes.
    The starting noise comes from ``seed`` exactly as in :meth:`VideoPipeline.image_to_video`,
    so the two are compared on the same noise; the augmentation noise from ``seed +``
    :data:`AUG_NOISE_SEED_OFFSET`.
    """
    # 1. check inputs
    images = inputs.as_images(images, "images", (1, 64, 64))  # [B, 1, 64, 64]
    B = images.shape[0]
    num_frames = inputs.integer(num_frames, "num_frames", 1)
    seed = inputs.seed(seed)
    if isinstance(aug_level, bool) or not isinstance(aug_level, (int, float)) or not aug_level >= 0:
        raise ValueError(f"aug_level must be a number >= 0 (the noise level sigma), got {aug_level!r}")
    if isinstance(prompts, str):
        prompts = [prompts] * B
    if prompts is not None and len(prompts) != B:
        raise ValueError(f"give one prompt per image ({B}), got {len(prompts)}")
    dev = next(model.parameters()).device
    # 2. tokenize and encode the conditioning frame
    tokens = None if prompts is None else tokenize(list(prompts)).to(dev)  # [B, L]
    z = autoencoder.encode_video(images[:, None].to(dev)).float()[:, 0]  # [B, c, h, w]
    # 3. noise-augment it, as in training
    sigma = torch.full((B,), float(aug_level), device=dev)  # [B]
    aug_gen = torch.Generator("cpu").manual_seed(seed + AUG_NOISE_SEED_OFFSET)
    image = noise_augment(z, sigma, torch.randn(z.shape, generator=aug_gen).to(dev))  # [B, c, h, w]
    cond = Cond(tokens=tokens, image=image, aug_level=sigma)
    # 4. noise and 5. the denoising loop
    x = sample(model, (B, num_frames, *z.shape[1:]), cond, sampler="heun", objective="flow",
               steps=steps, guidance=guidance, generator=torch.Generator("cpu").manual_seed(seed),
               device=dev, on_step=on_step)  # [B, T, c, h, w]
    # 6. decode every frame (frame 0 too: generated, not pasted)
    return autoencoder.decode_video(x).float().clamp(0, 1)  # [B, T, 1, 64, 64]
