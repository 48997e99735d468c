"""One trainer for every tinyvid model: ``python -m tinyvid train CONFIG``.

CONFIG is a preset name (``python -m tinyvid train --list``) or a TOML file of your own whose
keys are the fields of :class:`TrainConfig`. What is trained is the config's ``task``, looked
up in :data:`tinyvid.tasks.TASKS` (autoencoder, image, video, detector): the task makes the
batches, the loss and the preview; this module is the generic loop around it.

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

from tinyvid import checkpoints, inputs
from tinyvid.diffusion.samplers import check_objective
from tinyvid.nn.svd import svd_from_video_unet
from tinyvid.nn.unet import inflate, is_temporal
from tinyvid.tasks import TASKS, Task

TRAIN_ONLY = ("", "temporal")  # which parameters train (the rest are frozen)
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


@dataclass
class TrainConfig:
    name: str = "video"  # the run folder is out_dir/name
    task: str = "video"  # autoencoder | image | video | detector (tinyvid.tasks.TASKS)
    model_kind: str = "dit"  # dit | image_unet | video_unet | svd_video_unet | autoencoder | detector
    model_preset: str = "default"  # classmethod of the model's config: tiny, default, large
    model: dict = field(default_factory=dict)  # overrides of the preset's fields
    init_from: str = ""  # start from these weights; image_unet -> video_unet -> svd_video_unet convert
    # diffusion
    objective: str = "flow"  # flow (rectified flow, velocity) | eps | v
    schedule: str = "cosine"  # noise schedule for eps/v objectives
    autoencoder: str = "tinyvid/weights/autoencoder.safetensors"  # frozen latent space
    p_uncond: float = 0.1  # prompt dropout, for classifier-free guidance
    mask: dict = field(default_factory=dict)  # MaskConfig overrides: t2v, i2v, extend, interpolate
    noise_aug: dict = field(default_factory=dict)  # svd_i2v: NoiseAugConfig (log_mean, log_std, p_zero); {}: none
    time_shift: float = 1.0  # flow: > 1 draws training times nearer noise (SD3 shift); sample with it
    noise_shared: float = 0.0  # flow: correlation of the noise across frames (PYoCo); sample with it
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
    preview_every: int = 0  # 0: only at the end; -1: never (the preview samples: seconds on a CPU)
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
    lr_mult: dict = field(default_factory=dict)  # {module name prefix: lr factor}, e.g. a new input path
    train_only: str = ""  # "": train every parameter; "temporal": freeze all but the temporal layers
    time_budget_s: float = 0.0  # > 0: shrink `steps` to what fits in this many seconds

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {tuple(TASKS)}, got {self.task!r}")
        check_objective(self.objective)
        if self.preview_every < -1:
            raise ValueError(f"preview_every must be ≥ 1, 0 (only at the end) or -1 (never), got {self.preview_every}")
        if self.workers < 0 or self.time_budget_s < 0 or self.temporal_lr_mult <= 0:
            raise ValueError("workers and time_budget_s must be ≥ 0 and temporal_lr_mult > 0, got "
                             f"{self.workers}, {self.time_budget_s}, {self.temporal_lr_mult}")
        for name in ("steps", "batch_size", "num_frames", "log_every", "ckpt_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be ≥ 1, got {getattr(self, name)}")
        self._check_speed_options()
        if not self.time_shift > 0 or not 0 <= self.noise_shared < 1:
            raise ValueError(f"time_shift must be > 0 (1 = none) and noise_shared in [0, 1), got "
                             f"{self.time_shift}, {self.noise_shared}")
        bad = {k: v for k, v in self.lr_mult.items() if not isinstance(v, (int, float)) or v <= 0}
        if bad:
            raise ValueError(f"lr_mult maps module name prefixes to factors > 0, got {bad}")
        if self.train_only not in TRAIN_ONLY:
            raise ValueError(f"train_only must be one of {TRAIN_ONLY} ('' trains everything), "
                             f"got {self.train_only!r}")
        TASKS[self.task].check(self)

    def _check_speed_options(self) -> None:
        """compile mode, batch-scaled lr and where batches are drawn."""
        if self.compile_mode not in COMPILE_MODES:
            raise ValueError(f"compile_mode must be one of {COMPILE_MODES}, got {self.compile_mode!r}")
        if self.lr_ref_batch < 0:
            raise ValueError(f"lr_ref_batch must be ≥ 0 (0: lr as given), got {self.lr_ref_batch}")
        if self.data_device != "cpu" and self.workers:
            raise ValueError(f"data_device={self.data_device!r} draws batches in the training process: "
                             f"set workers=0 (got {self.workers})")

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown config key(s) {unknown}; known keys: {', '.join(sorted(known))}")
        return cls(**d)


# --------------------------------------------------------------------------------------------
# presets: each name says what it trains (task and architecture)
# --------------------------------------------------------------------------------------------
def _tiny(**kw) -> dict:
    return {"model_preset": "tiny", "batch_size": 4, "steps": 8, "warmup_steps": 2,
            "log_every": 1, "ckpt_every": 4, "num_frames": 4, **kw}


PRESETS: dict[str, dict] = {
    "autoencoder": dict(name="autoencoder", task="autoencoder", model_kind="autoencoder",
                        batch_size=4, num_frames=4, steps=5000, lr=2e-3, warmup_steps=200,
                        ema_decay=0.999, ckpt_every=250),  # 16 frames a step: frames, not motion
    "image-unet": dict(name="image-unet", task="image", model_kind="image_unet", num_frames=1,
                       batch_size=64, steps=3000, lr=5e-4, ckpt_every=250),
    "video-dit": dict(name="video-dit", task="video", model_kind="dit", batch_size=32,
                      steps=4000, lr=3e-4, ckpt_every=100),
    "video-unet": dict(name="video-unet", task="video", model_kind="video_unet",
                       init_from="tinyvid/weights/image_video.safetensors", batch_size=32, steps=3000,
                       lr=2e-4, ckpt_every=100),
    "svd-i2v": dict(name="svd-i2v", task="svd_i2v", model_kind="svd_video_unet",
                    init_from="tinyvid/weights/default_video.safetensors",
                    autoencoder="tinyvid/weights/default_autoencoder.safetensors", batch_size=8,
                    steps=180, lr=1e-4, warmup_steps=20, ckpt_every=60,
                    noise_aug={"log_mean": -3.5, "log_std": 0.5},  # sigma ~ 0.03 x latent std
                    # the zero-initialised image path learns 10x faster than the trunk
                    lr_mult={"image_in": 10, "image_embed": 10, "aug_embed": 10}),
    "detector": dict(name="detector", task="detector", model_kind="detector", batch_size=32,
                     steps=3000, lr=1.5e-3, weight_decay=1e-4, warmup_steps=100,
                     min_lr_ratio=0.05, grad_clip=10.0, ema_decay=0.998, ckpt_every=250),
    # for tests and smoke runs: seconds on a CPU
    "tiny-autoencoder": _tiny(name="tiny-autoencoder", task="autoencoder", model_kind="autoencoder"),
    "tiny-video-dit": _tiny(name="tiny-video-dit", task="video", model_kind="dit", autoencoder=""),
    "tiny-video-unet": _tiny(name="tiny-video-unet", task="video", model_kind="video_unet",
                             autoencoder=""),
    "tiny-svd-i2v": _tiny(name="tiny-svd-i2v", task="svd_i2v", model_kind="svd_video_unet",
                          autoencoder="", noise_aug={"log_mean": -1.0, "log_std": 0.5}),
    "tiny-detector": _tiny(name="tiny-detector", task="detector", model_kind="detector",
                           model_preset="default"),
    "tiny-image-unet": _tiny(name="tiny-image-unet", task="image", model_kind="image_unet",
                             num_frames=1, autoencoder=""),
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
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p.detach(), 1 - d)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW without weight decay on biases and norms; each group's ``lr_mult`` scales the
    schedule's lr: ``lr_mult[prefix]`` for parameters under a module name ``prefix`` (a new
    input path learning faster than the pretrained trunk), else ``temporal_lr_mult`` for layers
    named ``temporal*``, else 1.

    With ``train_only="temporal"`` every other parameter is frozen (``requires_grad=False``)
    and left out of the optimizer: the image model's weights stay exactly as they were.
    """
    groups: dict[tuple[bool, float], list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if cfg.train_only == "temporal" and not is_temporal(name):
            p.requires_grad_(False)
            continue
        mult = cfg.temporal_lr_mult if is_temporal(name) else 1.0
        for prefix, factor in cfg.lr_mult.items():
            if name == prefix or name.startswith(prefix + "."):
                mult = float(factor)
        groups.setdefault((p.ndim >= 2, mult), []).append(p)
    if not groups:
        raise ValueError(f"train_only={cfg.train_only!r} leaves nothing to train: "
                         f"{type(model).__name__} has no temporal layers")
    return torch.optim.AdamW(
        [{"params": ps, "weight_decay": cfg.weight_decay if decays else 0.0,
          "lr_mult": mult}
         for (decays, mult), ps in sorted(groups.items())],
        lr=cfg.lr, betas=(0.9, 0.99),
    )


def load_ema(state_path: str | Path) -> tuple[nn.Module, int]:
    """The EMA weights of a training checkpoint (``RUN/last.safetensors``) as an eval-mode
    model, and the step they were saved at."""
    header, parts, _ = checkpoints.load_training_state(state_path)
    model = build_model(TrainConfig.from_dict(header["config"]))
    model.load_state_dict(parts["ema"])
    return model.eval(), int(header["step"])


def with_overrides(model: nn.Module, overrides: dict) -> nn.Module:
    """``model`` rebuilt with its config's ``overrides`` (e.g. ``{"spacetime_attention": True}``),
    carrying every weight over. Only new temporal layers may be missing: they start at zero, so
    the result computes what ``model`` did until trained (a new option that changes the output
    at step 0, such as ``cross_frame``, does so with the same weights)."""
    if not overrides:
        return model
    model_cls, config_cls = checkpoints.KINDS[checkpoints.kind_of(model)]
    config = config_cls.from_dict(checkpoints.config_dict(model.config) | overrides)
    new = model_cls(config)
    try:
        missing, unexpected = new.load_state_dict(model.state_dict(), strict=False)
    except RuntimeError as err:  # a tensor of another shape
        raise ValueError(f"model overrides {overrides} change existing weights: {err}") from None
    if unexpected or any(not is_temporal(k) for k in missing):
        raise ValueError(f"model overrides {overrides} change existing weights: missing "
                         f"{[k for k in missing if not is_temporal(k)]}, unexpected {unexpected}")
    return new


def build_model(cfg: TrainConfig) -> nn.Module:
    """The model to train: from ``init_from`` (inflated when image -> video, made SVD-style when
    video -> svd_video) or fresh from a preset."""
    if cfg.init_from:
        start = checkpoints.load_model(cfg.init_from, check_hash=False)
        if cfg.model_kind == "video_unet" and checkpoints.kind_of(start) == "image_unet":
            return inflate(start).train()
        if cfg.model_kind == "svd_video_unet" and checkpoints.kind_of(start) == "video_unet":
            return svd_from_video_unet(start).train()
        if checkpoints.kind_of(start) != cfg.model_kind:
            raise ValueError(f"init_from holds a {checkpoints.kind_of(start)}, not a {cfg.model_kind}")
        return with_overrides(start, cfg.model).train()
    kinds = checkpoints.KINDS
    if cfg.model_kind not in kinds:
        raise ValueError(f"unknown model_kind {cfg.model_kind!r}; known: {', '.join(sorted(kinds))}")
    model_cls, config_cls = kinds[cfg.model_kind]
    preset = getattr(config_cls, cfg.model_preset, None)
    if preset is None and cfg.model_preset == "default":
        preset = config_cls  # a config whose defaults are its default size
    if preset is None:
        raise ValueError(f"{config_cls.__name__} has no preset {cfg.model_preset!r}")
    config = preset()
    data = checkpoints.config_dict(config) | cfg.model | TASKS[cfg.task].model_overrides(cfg)
    return model_cls(config_cls.from_dict(data))


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


def preview(task: Task, ema: nn.Module, path: Path) -> None:
    """The task's preview of the EMA model; a failed preview never costs the run."""
    try:
        task.preview(ema, path)
    except Exception as err:  # noqa: BLE001 - a preview is a picture, not a result
        print(f"preview failed: {err}", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# the loop
# --------------------------------------------------------------------------------------------
def _processes(cfg: TrainConfig) -> tuple[int, int, torch.device]:
    """``(world size, rank, device)``; under ``torchrun`` the process group is set up here."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    device = inputs.device(cfg.device)
    if world > 1:
        import torch.distributed as dist

        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    return world, rank, device


class _RunFiles:
    """What a run keeps in ``out_dir/name``: config, log, training state, loss curve, previews.

    Only the main process writes; every process reads the training state to resume.
    """

    def __init__(self, cfg: TrainConfig, model, ema, optimizer, main_process: bool) -> None:
        self.cfg, self.model, self.ema, self.optimizer = cfg, model, ema, optimizer
        self.main = main_process
        self.dir = Path(cfg.out_dir) / cfg.name
        self.state, self.log_path = self.dir / "last.safetensors", self.dir / "log.jsonl"
        self.log: list[dict] = []

    def resume(self) -> int:
        """Load the last training state, if any, into model, EMA and optimizer; its step."""
        if not self.state.exists():
            return 0
        header, parts, optim_state = checkpoints.load_training_state(self.state)
        if header.get("config", {}).get("model_kind") != self.cfg.model_kind:
            raise ValueError(f"{self.state} was trained with another model kind; use a new run name")
        self.model.load_state_dict(parts["model"])
        self.ema.load_state_dict(parts["ema"])
        self.optimizer.load_state_dict(optim_state)
        return int(header["step"])

    def start_log(self, start: int) -> None:
        """Keep the log up to ``start`` (steps after the checkpoint are dropped); write the config."""
        self.log = _read_log(self.log_path, start)
        if self.main:
            self.dir.mkdir(parents=True, exist_ok=True)
            checkpoints.write_json(self.dir / "config.json", asdict(self.cfg))
            self.log_path.write_text("".join(json.dumps(r) + "\n" for r in self.log))

    def write_log(self, row: dict) -> None:
        self.log.append(row)
        with open(self.log_path, "a") as f:
            f.write(json.dumps(row) + "\n")

    def save(self, step: int) -> None:
        if not self.main:
            return
        cfg = self.cfg
        checkpoints.save_training_state(self.state, model=self.model, ema=self.ema,
                                        optimizer=self.optimizer, step=step,
                                        info={"config": asdict(cfg)})
        plot_loss(self.log, self.dir / "loss.png", f"{cfg.name}: {cfg.task} ({cfg.model_kind})")

    def checkpoint(self, done: int, task: Task) -> None:
        """The checkpoint and the preview due after step ``done``."""
        cfg = self.cfg
        if done % cfg.ckpt_every == 0 or done == cfg.steps:
            self.save(done)
        if self.main and cfg.preview_every > 0 and done % cfg.preview_every == 0:
            preview(task, self.ema, self.dir / "previews" / f"step{done:06d}.gif")


def _wrap(model: nn.Module, cfg: TrainConfig, world: int, device: torch.device) -> nn.Module:
    """The module the loss runs: DDP across processes, compiled if asked."""
    net: nn.Module = model
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        net = nn.parallel.DistributedDataParallel(model, device_ids=ids)
    if not cfg.compile:
        return net
    modes = {"mode": cfg.compile_mode} if cfg.compile_backend == "inductor" else {}  # inductor's option
    return torch.compile(net, backend=cfg.compile_backend, **modes)


def _teardown(world: int) -> None:
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()


class _Budget:
    """Times steps ``start + BUDGET_PROBE``, then fits ``cfg.steps`` to ``cfg.time_budget_s``."""

    def __init__(self, cfg: TrainConfig, start: int, run_dir: Path, main_process: bool) -> None:
        self.cfg, self.start, self.run_dir, self.main = cfg, start, run_dir, main_process
        self.t_start = self.t_probe = time.perf_counter()

    def after(self, done: int) -> bool:
        """Call after each step; ``True`` when ``cfg.steps`` was changed."""
        if self.cfg.time_budget_s and done == self.start + BUDGET_PROBE[1] and done < self.cfg.steps:
            now = time.perf_counter()
            fit_steps_to_budget(self.cfg, self.start, now - self.t_probe, now - self.t_start,
                                self.run_dir, self.main)
            return True
        if done == self.start + BUDGET_PROBE[0]:
            self.t_probe = time.perf_counter()
        return False


def _optimize(loss: torch.Tensor, model: nn.Module, optimizer, grad_clip: float,
              lr: float) -> torch.Tensor:
    """One AdamW step at learning rate ``lr`` (times each group's ``lr_mult``) on ``loss``,
    gradients clipped to ``grad_clip``; returns the gradient norm before clipping."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get("lr_mult", 1.0)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return grad_norm


def _finite(loss: torch.Tensor, step: int) -> float:
    value = loss.item()
    if not math.isfinite(value):
        raise FloatingPointError(f"loss became {value} at step {step}; lower lr or check data")
    return value


def train(cfg: TrainConfig, *, resume: bool = True, stop_at: int | None = None,
          progress: bool = True) -> dict[str, Any]:
    """Train ``cfg`` (resuming from ``out_dir/name/last.safetensors`` when present).

    ``stop_at`` ends the run after that step without saving, as a crash would (tests use it).
    Returns ``{"run_dir", "step", "loss", "seconds"}``.
    """
    # 1. processes and device
    world, rank, device = _processes(cfg)
    main_process = rank == 0

    # 2. model, EMA, optimizer
    run_dir = Path(cfg.out_dir) / cfg.name
    budget = _Budget(cfg, 0, run_dir, main_process)  # time_budget_s counts from here
    torch.manual_seed(cfg.seed)
    model = build_model(cfg).to(device).train()
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = make_optimizer(model, cfg)

    # 3. resume
    files = _RunFiles(cfg, model, ema, optimizer, main_process)
    start = files.resume() if resume else 0
    budget.start = start
    files.start_log(start)

    task = TASKS[cfg.task](cfg, device)
    net = _wrap(model, cfg, world, device)
    autocast = device.type == "cuda" and cfg.amp

    # 4. data: batch k of each rank is global batch k*world + rank, whatever was interrupted
    batches = task.batches(start, world, rank, workers=cfg.workers, pin=device.type == "cuda")

    # 5. the loop
    bar = tqdm(range(start, cfg.steps), initial=start, total=cfg.steps, desc=cfg.name,
               disable=not (progress and main_process), dynamic_ncols=True)
    t0, seen, loss_value = time.perf_counter(), 0, float("nan")
    try:
        for step in bar:
            if step >= cfg.steps:  # the time budget shrank the run
                break
            lr = lr_at(step, cfg)
            g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step * world + rank)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=autocast):
                loss = task.loss(net, next(batches), g)
            grad_norm = _optimize(loss, model, optimizer, cfg.grad_clip, lr)
            ema_update(ema, model, cfg.ema_decay, step)
            seen += cfg.batch_size * world

            done = step + 1
            if budget.after(done):
                bar.total = cfg.steps
            log_now = done % cfg.log_every == 0 or done == cfg.steps
            if log_now or device.type == "cpu":  # on a GPU, reading the loss waits for the GPU
                loss_value = _finite(loss, step)
            if main_process and log_now:
                rate = seen / (time.perf_counter() - t0)
                files.write_log({"step": done, "loss": loss_value, "lr": lr,
                           "grad_norm": float(grad_norm), "videos_per_s": round(rate, 2),
                           "time": round(time.time(), 1)})
                bar.set_postfix(loss=f"{loss_value:.4f}", vid_s=f"{rate:.1f}")
            if stop_at is not None and done == stop_at:
                return {"run_dir": run_dir, "step": done, "loss": loss_value, "stopped": True}
            files.checkpoint(done, task)
    finally:
        bar.close()
        if hasattr(batches, "close"):
            batches.close()

    # 6. the result: EMA weights as a model file the pipelines can load
    if main_process:
        if start < cfg.steps:
            files.save(cfg.steps)
        checkpoints.save_model(ema, run_dir / "model.safetensors", manifest=False,
                               extra={"train_config": asdict(cfg), "steps": cfg.steps})
        if cfg.preview_every >= 0:
            preview(task, ema, run_dir / "preview.gif")
    _teardown(world)
    return {"run_dir": run_dir, "step": cfg.steps, "loss": loss_value,
            "seconds": time.perf_counter() - t0}


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tinyvid train", description=__doc__.split("\n\n")[0])
    p.add_argument("config", nargs="?", help="a preset name or a TOML file of TrainConfig fields")
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
