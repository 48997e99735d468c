"""Checkpoints: safetensors weights + a JSON config, sha256-verified, written atomically.

Two kinds of file, both plain ``safetensors`` (never a pickle, never ``torch.load``):

- **shipped weights** ``tinyvid/weights/NAME.safetensors`` with ``NAME.json`` beside it
  (``{"kind": ..., "config": {...}, "rebuild": "<command>", "figures": {...}}``) and the
  file's sha256 in ``tinyvid/weights/MANIFEST`` (``sha256sum`` format, so
  ``cd tinyvid/weights && sha256sum -c MANIFEST`` checks them too). :func:`load_model`
  verifies the hash before reading a byte of the weights.
- **training state** ``runs/NAME/last.safetensors``: model, EMA and optimizer tensors in one
  file, the step, configs and optimizer hyper-parameters as JSON in the safetensors header.
  One file means one atomic rename: a run killed at any moment leaves either the previous
  state or the new one, never half of each.

Writing is atomic everywhere: a temporary file in the same folder, ``fsync``, ``os.replace``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file
from torch import nn

from tinyvid.nn.autoencoder import AutoencoderConfig, FrameAutoencoder
from tinyvid.nn.detector import Detector, DetectorConfig
from tinyvid.nn.dit import DiT, DiTConfig
from tinyvid.nn.svd import SVDVideoUNet
from tinyvid.nn.unet import ImageUNet, UNetConfig, VideoUNet

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MANIFEST = "MANIFEST"
TRAIN_ALL = "bash scripts/train_all.sh"


class CheckpointError(ValueError):
    """A checkpoint is missing, truncated, corrupt or does not match its MANIFEST hash."""


# --------------------------------------------------------------------------------------------
# atomic writing and hashing
# --------------------------------------------------------------------------------------------
def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)``, fsync it, then rename it onto ``path`` (atomic on POSIX)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(path: str | Path, obj: Any) -> Path:
    text = json.dumps(obj, indent=2, sort_keys=False) + "\n"
    return atomic_write(path, lambda p: p.write_text(text))


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: str | Path = WEIGHTS_DIR) -> dict[str, str]:
    """``{filename: sha256}`` from ``folder/MANIFEST`` (empty when there is none)."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            entries[name.strip().lstrip("*")] = digest
    return entries


def record_in_manifest(path: str | Path) -> str:
    """Add or update ``path``'s sha256 in the MANIFEST of its folder; return the digest."""
    path = Path(path)
    entries = read_manifest(path.parent)
    entries[path.name] = digest = sha256(path)
    body = "".join(f"{d}  {n}\n" for n, d in sorted(entries.items()))
    atomic_write(path.parent / MANIFEST, lambda p: p.write_text(body))
    return digest


def verify(path: str | Path, rebuild: str | None = None) -> None:
    """Check that ``path`` exists and matches its MANIFEST hash; raise :class:`CheckpointError`."""
    path = Path(path)
    how = f"rebuild it with `{rebuild or TRAIN_ALL}`"
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} is missing; {how}")
    expected = read_manifest(path.parent).get(path.name)
    if expected is None:
        raise CheckpointError(
            f"{path.name} is not listed in {path.parent / MANIFEST}, so its hash cannot be "
            f"checked; if you trust the file, add it with `cd {path.parent} && sha256sum "
            f"{path.name} >> {MANIFEST}`, or {how}"
        )
    actual = sha256(path)
    if actual != expected:
        raise CheckpointError(
            f"{path} is corrupt or truncated: sha256 {actual[:12]}… but MANIFEST says "
            f"{expected[:12]}…; {how}"
        )


# --------------------------------------------------------------------------------------------
# model registry: a JSON config names the class that reads it
# --------------------------------------------------------------------------------------------
KINDS: dict[str, tuple[type, type]] = {
    "autoencoder": (FrameAutoencoder, AutoencoderConfig),
    "detector": (Detector, DetectorConfig),
    "dit": (DiT, DiTConfig),
    "image_unet": (ImageUNet, UNetConfig),
    "video_unet": (VideoUNet, UNetConfig),
    "svd_video_unet": (SVDVideoUNet, UNetConfig),  # SVD-style image-to-video (tinyvid.nn.svd)
}
"""``kind -> (model class, config class)``: the ``"kind"`` a JSON names and what reads it."""


def kind_of(model: nn.Module) -> str:
    for kind, (cls, _) in KINDS.items():
        if type(model) is cls:
            return kind
    raise ValueError(f"no checkpoint kind is registered for {type(model).__name__}")


def config_dict(config) -> dict:
    """A model config as the plain dict its JSON holds."""
    return config.to_dict() if hasattr(config, "to_dict") else dict(vars(config))


def build_model(kind: str, config: dict) -> nn.Module:
    """A freshly initialised model of ``kind`` from its JSON config."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    cls, config_cls = KINDS[kind]
    cfg = config_cls.from_dict(config) if hasattr(config_cls, "from_dict") else config_cls(**config)
    return cls(cfg)


# --------------------------------------------------------------------------------------------
# shipped weights
# --------------------------------------------------------------------------------------------
def save_model(
    model: nn.Module,
    path: str | Path,
    *,
    fp16: bool = False,
    rebuild: str | None = None,
    extra: dict | None = None,
    manifest: bool = True,
) -> Path:
    """Write ``model`` as ``path`` (.safetensors) + ``path.with_suffix('.json')``.

    ``fp16`` halves the file (floating tensors only); loading casts back to float32.
    ``rebuild`` is the command that rebuilds the file, shown in every error about it.
    """
    path = Path(path).with_suffix(".safetensors")
    tensors = {}
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach().to("cpu").contiguous()
        tensors[name] = tensor.half() if fp16 and tensor.is_floating_point() else tensor
    meta = {"kind": kind_of(model), "config": config_dict(model.config), "dtype": "float16" if fp16 else "float32"}
    if rebuild:
        meta["rebuild"] = rebuild
    meta.update(extra or {})
    atomic_write(path, lambda p: save_file(tensors, str(p), metadata={"format": "pt"}))
    write_json(path.with_suffix(".json"), meta)
    if manifest:
        record_in_manifest(path)
    return path


def read_config(path: str | Path) -> dict:
    """The JSON beside a shipped checkpoint."""
    path = Path(path).with_suffix(".json")
    if not path.is_file():
        raise CheckpointError(f"config {path} is missing; rebuild it with `{TRAIN_ALL}`")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointError(f"config {path} is not valid JSON ({err}); rebuild it with `{TRAIN_ALL}`") from None


def load_model(
    path: str | Path,
    *,
    device: str | torch.device = "cpu",
    check_hash: bool = True,
) -> nn.Module:
    """Build the model described by ``NAME.json`` and load ``NAME.safetensors`` into it (eval mode).

    The file's sha256 is checked against the MANIFEST of its folder first (``check_hash``).
    """
    path = Path(path).with_suffix(".safetensors")
    meta = read_config(path) if path.with_suffix(".json").is_file() else None
    rebuild = (meta or {}).get("rebuild")
    if check_hash:
        verify(path, rebuild)
    elif not path.is_file():
        raise CheckpointError(f"checkpoint {path} is missing; rebuild it with `{rebuild or TRAIN_ALL}`")
    if meta is None:
        read_config(path)  # raises with the path and the fix
    if "kind" not in meta or "config" not in meta:
        raise CheckpointError(
            f"{path.with_suffix('.json')} has no 'kind' and 'config' entries: it is not a "
            f"tinyvid checkpoint config (a detector in the older format, a bare config, is "
            f"converted by `python scripts/convert_detector.py {path}`)"
        )
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as err:
        raise CheckpointError(f"cannot read {path} ({err}); rebuild it with `{rebuild or TRAIN_ALL}`") from None
    model = build_model(meta["kind"], meta["config"])
    reference = model.state_dict()
    state = {k: v.to(reference[k].dtype) if k in reference else v for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


# --------------------------------------------------------------------------------------------
# training state (resumable)
# --------------------------------------------------------------------------------------------
def save_training_state(
    path: str | Path,
    *,
    model: nn.Module,
    ema: nn.Module | None,
    optimizer: torch.optim.Optimizer,
    step: int,
    info: dict,
) -> Path:
    """Everything a run needs to continue exactly, in one atomically written file."""
    tensors: dict[str, torch.Tensor] = {}
    for name, t in model.state_dict().items():
        tensors[f"model/{name}"] = t.detach().cpu().contiguous()
    if ema is not None:
        for name, t in ema.state_dict().items():
            tensors[f"ema/{name}"] = t.detach().cpu().contiguous()
    opt = optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for idx, state in opt["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"optim/{idx}/{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(idx), {})[key] = value
    header = {"step": step, "param_groups": opt["param_groups"], "optim_scalars": scalars, **info}
    metadata = {"format": "pt", "tinyvid": json.dumps(header)}
    return atomic_write(path, lambda p: save_file(tensors, str(p), metadata=metadata))


def load_training_state(path: str | Path) -> tuple[dict, dict[str, dict[str, torch.Tensor]], dict]:
    """Read a training state: ``(header, {"model": ..., "ema": ...}, optimizer_state_dict)``."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            header = json.loads(f.metadata()["tinyvid"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as err:
        raise CheckpointError(
            f"cannot resume from {path}: the file is unreadable ({err}); delete it to start over"
        ) from None
    parts: dict[str, dict[str, torch.Tensor]] = {"model": {}, "ema": {}}
    optim_state: dict[int, dict[str, Any]] = {}
    for key, t in tensors.items():
        group, rest = key.split("/", 1)
        if group == "optim":
            idx, name = rest.split("/", 1)
            optim_state.setdefault(int(idx), {})[name] = t
        else:
            parts[group][rest] = t
    for idx, values in header.pop("optim_scalars").items():
        optim_state.setdefault(int(idx), {}).update(values)
    optimizer = {"state": optim_state, "param_groups": header.pop("param_groups")}
    return header, parts, optimizer
