"""One trainer for every tinyvid model: ``python -m tinyvid train CONFIG``.

CONFIG is a preset name (``python -m tinyvid train --list``) or a TOML file (``configs/*.toml``)
whose keys are the fields of :class:`TrainConfig`. What is trained is the config's ``task``:

- ``autoencoder``: the frame autoencoder, reconstruction loss on Moving MNIST frames;
- ``image``: a text-conditioned latent diffusion model on single frames (T = 1), the model the
  flicker lesson applies frame by frame and the starting point for inflation;
- ``video``: the masked-conditional text-to-video model (every generation mode at once: a
  random known-frames mask per video, prompt dropout for classifier-free guidance);
- ``detector``: the evaluation detector (:mod:`tinyvid.metrics.detector`): classification
  losses on distorted glyphs and random clip lengths (``python -m tinyvid train-detector``
  runs this preset, then calibrates, measures and ships the result).

The loop, in plain view in :func:`train`: AdamW, linear warm-up then cosine decay, gradient
clipping, an EMA of the weights (what gets shipped), bf16 autocast on CUDA (fp32 on CPU,
where bf16 matmuls are ~400× slower), optional ``torch.compile``, DDP under ``torchrun``.

Exact resumption comes from two choices rather than from saving RNG states: batch ``k`` of
the data stream depends only on ``(seed, k)`` (:class:`tinyvid.data.MovingMNIST`), and every
random draw of step ``k`` (noise, time, mask, prompt dropout) comes from a generator seeded
with ``(seed, k, rank)``. So a run resumed from step ``k`` sees exactly what it would have seen.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from tinyvid import checkpoints
from tinyvid.data import MovingMNIST

TASKS = ("autoencoder", "image", "video", "detector")
STAND_IN_CHANNELS = 16  # without an autoencoder, pixels folded 4×4: [1, 64, 64] -> [16, 16, 16]
OBJECTIVES = ("flow", "eps", "v")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


@dataclass
class TrainConfig:
    name: str = "video"  # the run folder is out_dir/name
    task: str = "video"  # autoencoder | image | video
    model_kind: str = "dit"  # dit | image_unet | video_unet | autoencoder
    model_preset: str = "default"  # classmethod of the model's config: tiny, default, large
    model: dict = field(default_factory=dict)  # overrides of the preset's fields
    init_from: str = ""  # start from these weights; an image_unet is inflated for video_unet
    # diffusion
    objective: str = "flow"  # flow (rectified flow, velocity) | eps | v
    schedule: str = "cosine"  # noise schedule for eps/v objectives
    autoencoder: str = "tinyvid/weights/autoencoder.safetensors"  # frozen latent space
    p_uncond: float = 0.1  # prompt dropout, for classifier-free guidance
    mask: dict = field(default_factory=dict)  # MaskConfig overrides: t2v, i2v, extend, interpolate
    # data
    num_frames: int = 16
    num_digits: list[int] = field(default_factory=lambda: [1, 2])  # a mix of one and two digits
    batch_size: int = 32
    # optimisation
    steps: int = 2000
    lr: float = 3e-4
    weight_decay: float = 0.01
    warmup_steps: int = 100  # linear warm-up, then cosine decay to min_lr_ratio * lr
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    ema_decay: float = 0.999  # the shipped weights are the EMA
    seed: int = 0
    # bookkeeping
    log_every: int = 20
    ckpt_every: int = 200  # also at the end; a killed run loses at most this many steps
    preview_every: int = 0  # 0: only at the end
    out_dir: str = "runs"
    device: str = "auto"  # auto | cpu | cuda | mps
    threads: int = 0  # torch CPU threads; 0 keeps torch's default
    amp: bool = True  # bf16 autocast on CUDA only
    compile: bool = False  # torch.compile the model (CUDA)
    compile_mode: str = "default"  # "reduce-overhead" adds CUDA graphs (for launch-bound small models)
    compile_backend: str = "inductor"  # "eager" only traces (a quick check that compile works)
    workers: int = 0  # data-generating processes; 0 makes batches in the training process
    data_device: str = "cpu"  # where batches are drawn: "cuda" renders them on the GPU (workers=0)
    lr_ref_batch: int = 0  # > 0: `lr` is for this batch; scaled by sqrt(batch_size / lr_ref_batch)
    temporal_lr_mult: float = 1.0  # lr factor for parameters named 'temporal*' (inflated video)
    time_budget_s: float = 0.0  # > 0: shrink `steps` to what fits in this many seconds

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {self.objective!r}")
        if self.workers < 0 or self.time_budget_s < 0 or self.temporal_lr_mult <= 0:
            raise ValueError("workers and time_budget_s must be ≥ 0 and temporal_lr_mult > 0, got "
                             f"{self.workers}, {self.time_budget_s}, {self.temporal_lr_mult}")
        for name in ("steps", "batch_size", "num_frames", "log_every", "ckpt_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        if self.compile_mode not in COMPILE_MODES:
            raise ValueError(f"compile_mode must be one of {COMPILE_MODES}, got {self.compile_mode!r}")
        if self.lr_ref_batch < 0:
            raise ValueError(f"lr_ref_batch must be ≥ 0 (0: lr as given), got {self.lr_ref_batch}")
        if self.data_device != "cpu" and self.workers:
            raise ValueError(f"data_device={self.data_device!r} draws batches in the training process: "
                             f"set workers=0 (got {self.workers})")
        if self.task == "video" and self.num_frames < 3:
            raise ValueError(f"the video task needs num_frames ≥ 3, got {self.num_frames}")

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown config key(s) {unknown}; known keys: {', '.join(sorted(known))}")
        return cls(**d)


# --------------------------------------------------------------------------------------------
# presets (configs/*.toml hold the same, as files)
# --------------------------------------------------------------------------------------------
def _tiny(**kw) -> dict:
    return {"model_preset": "tiny", "batch_size": 4, "steps": 8, "warmup_steps": 2,
            "log_every": 1, "ckpt_every": 4, "num_frames": 4, **kw}


PRESETS: dict[str, dict] = {
    "autoencoder": dict(name="autoencoder", task="autoencoder", model_kind="autoencoder",
                        batch_size=4, num_frames=4, steps=5000, lr=2e-3, warmup_steps=200,
                        ema_decay=0.999, ckpt_every=250),  # 16 frames a step: frames, not motion
    "image": dict(name="image", task="image", model_kind="image_unet", num_frames=1,
                  batch_size=64, steps=3000, lr=5e-4, ckpt_every=250),
    "video": dict(name="video", task="video", model_kind="dit", batch_size=32, steps=4000,
                  lr=3e-4, ckpt_every=100),
    "video-unet": dict(name="video-unet", task="video", model_kind="video_unet",
                       init_from="tinyvid/weights/image_video.safetensors", batch_size=32, steps=3000,
                       lr=2e-4, ckpt_every=100),
    "detector": dict(name="detector", task="detector", model_kind="detector", batch_size=32,
                     steps=3000, lr=1.5e-3, weight_decay=1e-4, warmup_steps=100,
                     min_lr_ratio=0.05, grad_clip=10.0, ema_decay=0.998, ckpt_every=250),
    # for tests and smoke runs: seconds on a CPU
    "tiny-autoencoder": _tiny(name="tiny-autoencoder", task="autoencoder", model_kind="autoencoder"),
    "tiny-video": _tiny(name="tiny-video", task="video", model_kind="dit", autoencoder=""),
    "tiny-detector": _tiny(name="tiny-detector", task="detector", model_kind="detector",
                           model_preset="default"),
    "tiny-image": _tiny(name="tiny-image", task="image", model_kind="image_unet", num_frames=1,
                        autoencoder=""),
}


def load_config(spec: str, overrides: dict | None = None) -> TrainConfig:
    """A preset name or a TOML file, with ``overrides`` on top."""
    if spec in PRESETS:
        base = dict(PRESETS[spec])
    elif Path(spec).is_file():
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib
        base = tomllib.loads(Path(spec).read_text())
    else:
        raise ValueError(f"{spec!r} is neither a preset ({', '.join(PRESETS)}) nor a TOML file")
    base.update(overrides or {})
    return TrainConfig.from_dict(base)


# --------------------------------------------------------------------------------------------
# the pieces of the loop
# --------------------------------------------------------------------------------------------
def peak_lr(cfg: TrainConfig) -> float:
    """``lr``, or with ``lr_ref_batch`` set, ``lr · sqrt(batch_size / lr_ref_batch)``: the
    square-root rule for Adam (Malladi et al. 2022, "On the SDEs and Scaling Rules for Adaptive
    Gradient Algorithms"), so a larger batch keeps the same noise scale per unit of data."""
    return cfg.lr * math.sqrt(cfg.batch_size / cfg.lr_ref_batch) if cfg.lr_ref_batch else cfg.lr


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up over ``warmup_steps``, then cosine decay to ``min_lr_ratio`` of :func:`peak_lr`."""
    lr = peak_lr(cfg)
    if step < cfg.warmup_steps:
        return lr * (step + 1) / cfg.warmup_steps
    progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * cosine)


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float, step: int) -> None:
    """``ema ← d·ema + (1 − d)·model`` with ``d`` warmed up as ``min(decay, (1+k)/(10+k))``."""
    d = min(decay, (1 + step) / (10 + step))
    torch._foreach_lerp_(list(ema.parameters()), [p.detach() for p in model.parameters()], 1 - d)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and norms; each group's ``lr_mult`` scales the
    schedule's lr (``temporal_lr_mult`` for layers named ``temporal*``, 1 for the rest)."""
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        temporal = cfg.temporal_lr_mult != 1.0 and any(part.startswith("temporal") for part in name.split("."))
        groups.setdefault((p.ndim >= 2, temporal), []).append(p)
    return torch.optim.AdamW(
        [{"params": ps, "weight_decay": cfg.weight_decay if decays else 0.0,
          "lr_mult": cfg.temporal_lr_mult if temporal else 1.0}
         for (decays, temporal), ps in sorted(groups.items())],
        lr=cfg.lr, betas=(0.9, 0.99),
    )


def load_ema(state_path: str | Path) -> tuple[nn.Module, int]:
    """The EMA weights of a training checkpoint (``RUN/last.safetensors``) as an eval-mode
    model, and the step they were saved at."""
    header, parts, _ = checkpoints.load_training_state(state_path)
    model = build_model(TrainConfig.from_dict(header["config"]))
    model.load_state_dict(parts["ema"])
    return model.eval(), int(header["step"])


def pick_device(name: str = "auto") -> torch.device:
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def build_model(cfg: TrainConfig) -> nn.Module:
    """The model to train: from ``init_from`` (inflated when image -> video) or fresh from a preset."""
    if cfg.init_from:
        start = checkpoints.load_model(cfg.init_from, check_hash=False)
        if cfg.model_kind == "video_unet" and checkpoints.kind_of(start) == "image_unet":
            from tinyvid.nn.unet import inflate

            return inflate(start).train()
        if checkpoints.kind_of(start) != cfg.model_kind:
            raise ValueError(f"init_from holds a {checkpoints.kind_of(start)}, not a {cfg.model_kind}")
        return start.train()
    kinds = checkpoints._registry()
    if cfg.model_kind not in kinds:
        raise ValueError(f"unknown model_kind {cfg.model_kind!r}; known: {', '.join(sorted(kinds))}")
    model_cls, config_cls = kinds[cfg.model_kind]
    preset = getattr(config_cls, cfg.model_preset, None)
    if preset is None and cfg.model_preset == "default":
        preset = config_cls  # a config whose defaults are its default size
    if preset is None:
        raise ValueError(f"{config_cls.__name__} has no preset {cfg.model_preset!r}")
    config = preset()
    data = checkpoints._config_dict(config) | cfg.model
    if cfg.task in ("image", "video") and cfg.autoencoder:
        # the diffusion model works in the autoencoder's latent space: match its channels
        ae_cfg = checkpoints.read_config(cfg.autoencoder)["config"]
        data["latent_channels"] = ae_cfg["latent_channels"]
    elif cfg.task in ("image", "video"):
        data["latent_channels"] = STAND_IN_CHANNELS
    return model_cls(config_cls.from_dict(data))


def _one_thread(_worker: int) -> None:
    torch.set_num_threads(1)  # data workers share the cores with each other


BUDGET_PROBE = (10, 60)  # time steps start+10 .. start+60 to predict how many fit the budget
BUDGET_RESERVE_S = 20.0  # kept back from time_budget_s for the final save, export and preview


def fit_steps_to_budget(cfg: TrainConfig, start: int, probe_seconds: float, elapsed: float,
                        run_dir: Path, main_process: bool) -> None:
    """Shrink ``cfg.steps`` to the steps that fit ``cfg.time_budget_s`` at the measured speed.

    Called once, after ``BUDGET_PROBE`` steps; the cosine schedule then decays over the new
    length. Every rank measures the same kind of step, but rank 0's figure is used by all.
    """
    per_step = probe_seconds / (BUDGET_PROBE[1] - BUDGET_PROBE[0])
    left = cfg.time_budget_s - BUDGET_RESERVE_S - elapsed
    fit = start + BUDGET_PROBE[1] + max(0, int(left / per_step))
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        import torch.distributed as dist

        box = [fit]
        dist.broadcast_object_list(box, src=0)
        fit = box[0]
    if fit < cfg.steps:
        if main_process:
            print(f"time budget {cfg.time_budget_s:.0f} s at {per_step * 1000:.0f} ms/step: "
                  f"{cfg.steps} steps -> {fit}", file=sys.stderr)
        cfg.steps = max(fit, cfg.warmup_steps + 1, start + BUDGET_PROBE[1])
        if main_process:
            checkpoints.write_json(run_dir / "config.json", asdict(cfg))


class Task:
    """Turns a data batch into a loss for one kind of model."""

    def __init__(self, cfg: TrainConfig, device: torch.device):
        self.cfg, self.device = cfg, device
        self.autoencoder = None
        if cfg.task in ("image", "video"):
            from tinyvid.diffusion.losses import MaskConfig
            from tinyvid.diffusion.schedules import cosine_schedule, linear_schedule

            self.schedule = {"cosine": cosine_schedule, "linear": linear_schedule}[cfg.schedule]()
            self.mask_config = MaskConfig(**cfg.mask)
            if cfg.autoencoder:
                self.autoencoder = checkpoints.load_model(cfg.autoencoder, device=device)
                self.autoencoder.requires_grad_(False)

    def latents(self, videos: torch.Tensor) -> torch.Tensor:
        """Pixels ``[B, T, 1, 64, 64]`` -> the frozen autoencoder's latents ``[B, T, c, h, w]``.

        Without an autoencoder (tests, tiny presets) the pixels are folded 4×4 into 16 channels
        and rescaled to ``[-1, 1]``: a crude but invertible stand-in latent.
        """
        if self.autoencoder is not None:
            with torch.no_grad():
                return self.autoencoder.encode_video(videos)
        from einops import rearrange

        return rearrange(videos * 2 - 1, "b t c (h p) (w q) -> b t (c p q) h w", p=4, q=4)

    def batches(self, start: int, world: int, rank: int, workers: int = 0, pin: bool = False):
        """The training batches from step ``start`` on: batch ``k`` depends on ``(seed, k)`` only.

        ``workers`` > 0 makes them in that many background processes (the same batches, in
        the same order: each worker makes every ``workers``-th one and the loader interleaves).
        """
        cfg = self.cfg
        if cfg.task == "detector":  # made in this process: its glyph bank is cached here
            from tinyvid.metrics.train_detector import detector_batch

            def stream():
                k = start * world + rank
                while True:
                    yield detector_batch(cfg.batch_size, cfg.seed, k)
                    k += world

            return stream()
        dataset = MovingMNIST(cfg.batch_size, seed=cfg.seed, start_batch=start * world, rank=rank,
                              world_size=world, num_frames=cfg.num_frames,
                              num_digits=tuple(cfg.num_digits), device=cfg.data_device)
        if not workers:
            return iter(dataset)
        loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers,
                                             pin_memory=pin, prefetch_factor=4,
                                             worker_init_fn=_one_thread)

        def from_workers():
            it = iter(loader)
            try:
                yield from it
            finally:
                del it  # stops the worker processes now, not at garbage collection

        return from_workers()

    def loss(self, model: nn.Module, batch, g: torch.Generator) -> torch.Tensor:
        videos, labels, captions = batch
        videos = videos.to(self.device, non_blocking=True)
        if self.cfg.task == "detector":
            from tinyvid.metrics.train_detector import losses

            return sum(losses(model, videos, labels, frames_per_video=3, g=g).values())
        if self.cfg.task == "autoencoder":
            return nn.functional.mse_loss(model(videos), videos)  # reconstruction, pixels in [0, 1]
        from tinyvid.diffusion.losses import diffusion_loss, flow_matching_loss, training_cond
        from tinyvid.nn.cond import Cond
        from tinyvid.text import tokenize

        x0 = self.latents(videos)  # [B, T, c, h, w]
        tokens = tokenize(captions).to(self.device)  # [B, L]
        if self.cfg.task == "video":
            cond = training_cond(x0, tokens, self.mask_config, self.cfg.p_uncond, g)
        else:  # image model: no known frames, only prompt dropout
            from tinyvid.diffusion.losses import drop_prompt

            cond = Cond(tokens=drop_prompt(tokens, self.cfg.p_uncond, g))
        if self.cfg.objective == "flow":
            return flow_matching_loss(model, x0, cond, generator=g)
        return diffusion_loss(model, x0, cond, self.schedule, self.cfg.objective, generator=g)


# --------------------------------------------------------------------------------------------
# logging
# --------------------------------------------------------------------------------------------
def _read_log(path: Path, upto: int) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["step"] <= upto]


def plot_loss(log: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not log:
        return
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot([r["step"] for r in log], [r["loss"] for r in log], lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    checkpoints.atomic_write(path, lambda p: fig.savefig(p, dpi=90, format="png"))
    plt.close(fig)


def preview(task: Task, ema: nn.Module, cfg: TrainConfig, path: Path, seed: int = 0) -> None:
    """A few samples (or reconstructions) of the EMA model, saved as a GIF."""
    if cfg.task == "detector":
        return  # nothing to look at: held-out accuracy is its figure
    from tinyvid.data import moving_mnist
    from tinyvid.viz import save_video

    frames = cfg.num_frames
    videos, _, captions = moving_mnist(4, seed=[seed, 12345], num_frames=frames, split="test",
                                       num_digits=1)
    videos = videos.to(task.device)
    with torch.no_grad():
        if cfg.task == "autoencoder":
            out = torch.cat([videos, ema.decode_video(ema.encode_video(videos))], dim=0)
        else:
            from tinyvid.diffusion.samplers import sample
            from tinyvid.nn.cond import Cond
            from tinyvid.text import tokenize

            shape = tuple(task.latents(videos[:1]).shape[1:])
            cond = Cond(tokens=tokenize(captions).to(task.device))
            z = sample(ema, (4, *shape), cond, sampler="heun" if cfg.objective == "flow" else "ddim",
                       steps=12, guidance=3.0, objective=cfg.objective, schedule=task.schedule,
                       generator=torch.Generator().manual_seed(seed))
            if task.autoencoder is not None:
                out = task.autoencoder.decode_video(z)
            else:
                from einops import rearrange

                out = rearrange(z, "b t (c p q) h w -> b t c (h p) (w q)", p=4, q=4)
                out = ((out + 1) / 2).clamp(0, 1)
    save_video(out.float().cpu(), path, fps=8, scale=2)


# --------------------------------------------------------------------------------------------
# the loop
# --------------------------------------------------------------------------------------------
def train(cfg: TrainConfig, *, resume: bool = True, stop_at: int | None = None,
          progress: bool = True) -> dict[str, Any]:
    """Train ``cfg`` (resuming from ``out_dir/name/last.safetensors`` when present).

    ``stop_at`` ends the run after that step without saving, as a crash would (tests use it).
    Returns ``{"run_dir", "step", "loss", "seconds"}``.
    """
    # 1. processes and device
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = pick_device(cfg.device)
    if world > 1:
        import torch.distributed as dist

        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    main_process = rank == 0

    # 2. model, EMA, optimizer
    t_start = time.perf_counter()  # time_budget_s counts from here
    torch.manual_seed(cfg.seed)
    model = build_model(cfg).to(device).train()
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = make_optimizer(model, cfg)

    # 3. resume
    run_dir = Path(cfg.out_dir) / cfg.name
    state_path, log_path = run_dir / "last.safetensors", run_dir / "log.jsonl"
    start = 0
    if resume and state_path.exists():
        header, parts, optim_state = checkpoints.load_training_state(state_path)
        if header.get("config", {}).get("model_kind") != cfg.model_kind:
            raise ValueError(f"{state_path} was trained with another model kind; use a new run name")
        model.load_state_dict(parts["model"])
        ema.load_state_dict(parts["ema"])
        optimizer.load_state_dict(optim_state)
        start = int(header["step"])
    log = _read_log(log_path, start)
    if main_process:
        run_dir.mkdir(parents=True, exist_ok=True)
        checkpoints.write_json(run_dir / "config.json", asdict(cfg))
        log_path.write_text("".join(json.dumps(r) + "\n" for r in log))  # drop steps after the checkpoint

    task = Task(cfg, device)
    net: nn.Module = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    if cfg.compile:  # a mode is an inductor option; other backends take none
        modes = {"mode": cfg.compile_mode} if cfg.compile_backend == "inductor" else {}
        net = torch.compile(net, backend=cfg.compile_backend, **modes)
    autocast = device.type == "cuda" and cfg.amp

    # 4. data: batch k of each rank is global batch k*world + rank, whatever was interrupted
    batches = task.batches(start, world, rank, workers=cfg.workers, pin=device.type == "cuda")

    def save(step: int) -> None:
        if not main_process:
            return
        checkpoints.save_training_state(state_path, model=model, ema=ema, optimizer=optimizer,
                                        step=step, info={"config": asdict(cfg)})
        plot_loss(log, run_dir / "loss.png", f"{cfg.name}: {cfg.task} ({cfg.model_kind})")

    # 5. the loop
    bar = tqdm(range(start, cfg.steps), initial=start, total=cfg.steps, desc=cfg.name,
               disable=not (progress and main_process), dynamic_ncols=True)
    t0, seen, loss_value = time.perf_counter(), 0, float("nan")
    t_probe = t0
    log_file = open(log_path, "a") if main_process else None  # noqa: SIM115 - closed below
    try:
        for step in bar:
            if step >= cfg.steps:  # the time budget shrank the run
                break
            lr = lr_at(step, cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr * group.get("lr_mult", 1.0)
            g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step * world + rank)
            batch = next(batches)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss = task.loss(net, batch, g)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            ema_update(ema, model, cfg.ema_decay, step)
            seen += cfg.batch_size * world

            done = step + 1
            if cfg.time_budget_s and done == start + BUDGET_PROBE[1] and done < cfg.steps:
                now = time.perf_counter()
                fit_steps_to_budget(cfg, start, now - t_probe, now - t_start, run_dir, main_process)
                bar.total = cfg.steps
            elif done == start + BUDGET_PROBE[0]:
                t_probe = time.perf_counter()
            log_now = done % cfg.log_every == 0 or done == cfg.steps
            if log_now or device.type == "cpu":  # on a GPU, reading the loss waits for the GPU
                loss_value = loss.item()
                if not math.isfinite(loss_value):
                    raise FloatingPointError(f"loss became {loss_value} at step {step}; lower lr or check data")
            if main_process and log_now:
                rate = seen / (time.perf_counter() - t0)
                row = {"step": done, "loss": loss_value, "lr": lr,
                       "grad_norm": float(grad_norm), "videos_per_s": round(rate, 2),
                       "time": round(time.time(), 1)}
                log.append(row)
                log_file.write(json.dumps(row) + "\n")
                log_file.flush()
                bar.set_postfix(loss=f"{loss_value:.4f}", vid_s=f"{rate:.1f}")
            if stop_at is not None and done == stop_at:
                return {"run_dir": run_dir, "step": done, "loss": loss_value, "stopped": True}
            if done % cfg.ckpt_every == 0 or done == cfg.steps:
                save(done)
            if main_process and cfg.preview_every and done % cfg.preview_every == 0:
                preview(task, ema, cfg, run_dir / "previews" / f"step{done:06d}.gif")
    finally:
        if log_file is not None:
            log_file.close()
        bar.close()
        if hasattr(batches, "close"):
            batches.close()

    # 6. the result: EMA weights as a model file the pipelines can load
    if main_process:
        if start < cfg.steps:
            save(cfg.steps)
        checkpoints.save_model(ema, run_dir / "model.safetensors", manifest=False,
                               extra={"train_config": asdict(cfg), "steps": cfg.steps})
        try:
            preview(task, ema, cfg, run_dir / "preview.gif")
        except Exception as err:  # a preview must never cost the run
            print(f"preview failed: {err}", file=sys.stderr)
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return {"run_dir": run_dir, "step": cfg.steps, "loss": loss_value,
            "seconds": time.perf_counter() - t0}


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tinyvid train", description=__doc__.split("\n\n")[0])
    p.add_argument("config", nargs="?", help="a preset name or a TOML file (configs/*.toml)")
    p.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                   help="override config fields, e.g. --set steps=100 lr=1e-4")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    p.add_argument("--list", action="store_true", help="list the presets")
    args = p.parse_args(argv)
    if args.list or not args.config:
        for name, preset in PRESETS.items():
            print(f"{name:<18} task={preset['task']:<12} model={preset['model_kind']}")
        return 0 if args.list else 2
    overrides = {}
    for item in args.set:
        if "=" not in item:
            p.error(f"--set expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        overrides[key] = _parse_value(value)
    try:
        cfg = load_config(args.config, overrides)
    except ValueError as err:
        p.error(str(err))
    result = train(cfg, resume=not args.fresh)
    if int(os.environ.get("RANK", "0")) == 0:
        print(f"done: step {result['step']}, loss {result['loss']:.4f}, weights in {result['run_dir']}/model.safetensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
