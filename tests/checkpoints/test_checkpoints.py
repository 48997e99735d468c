"""Checkpoints: round trips, hashes, atomic writes, and errors that say how to fix them."""

from __future__ import annotations

import copy

import pytest
import torch

from tinyvid import checkpoints
from tinyvid.checkpoints import (
    CheckpointError,
    atomic_write,
    load_model,
    load_training_state,
    read_manifest,
    save_model,
    save_training_state,
)
from tinyvid.nn.dit import DiT, DiTConfig


@pytest.fixture()
def model():
    torch.manual_seed(0)
    m = DiT(DiTConfig.tiny())
    with torch.no_grad():  # DiT starts with zero output layers; make every weight non-trivial
        for p in m.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return m


def test_round_trip_is_exact_and_verified(tmp_path, model):
    path = save_model(model, tmp_path / "m", rebuild="make it")
    assert read_manifest(tmp_path)["m.safetensors"] == checkpoints.sha256(path)
    loaded = load_model(path)
    x, t = torch.randn(1, 2, 4, 16, 16), torch.rand(1)
    assert not loaded.training
    assert torch.equal(loaded(x, t), model.eval()(x, t))


def test_fp16_storage_halves_the_file_and_stays_close(tmp_path, model):
    full = save_model(model, tmp_path / "full")
    half = save_model(model, tmp_path / "half", fp16=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_model(half)
    assert next(loaded.parameters()).dtype == torch.float32
    x, t = torch.randn(1, 2, 4, 16, 16), torch.rand(1)
    assert torch.allclose(loaded(x, t), model.eval()(x, t), atol=1e-2)


def test_corrupt_file_names_the_file_and_the_command(tmp_path, model):
    path = save_model(model, tmp_path / "m", rebuild="bash scripts/train_all.sh dit")
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as err:
        load_model(path)
    assert "m.safetensors" in str(err.value) and "bash scripts/train_all.sh dit" in str(err.value)


def test_truncated_and_missing_files(tmp_path, model):
    path = save_model(model, tmp_path / "m")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_model(path)
    with pytest.raises(CheckpointError, match="truncated|unreadable|cannot read"):
        load_model(path, check_hash=False)
    with pytest.raises(CheckpointError, match="missing"):
        load_model(tmp_path / "nothing.safetensors")
    (tmp_path / "m.json").unlink()
    with pytest.raises(CheckpointError, match="m.json is missing"):
        load_model(path, check_hash=False)


def test_unlisted_file_is_refused(tmp_path, model):
    path = save_model(model, tmp_path / "m", manifest=False)
    with pytest.raises(CheckpointError, match="not listed"):
        load_model(path)
    assert load_model(path, check_hash=False) is not None


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("old")

    def fail(p):
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_training_state_round_trip(tmp_path, model):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(1, 2, 4, 16, 16), torch.rand(1)).square().mean().backward()
    opt.step()
    ema = copy.deepcopy(model)
    save_training_state(tmp_path / "s.safetensors", model=model, ema=ema, optimizer=opt, step=7,
                        info={"config": {"x": 1}})
    header, parts, optim_state = load_training_state(tmp_path / "s.safetensors")
    assert header["step"] == 7 and header["config"] == {"x": 1}
    opt2 = torch.optim.AdamW(model.parameters(), lr=1e-3)
    opt2.load_state_dict(optim_state)
    for p in model.parameters():
        a, b = opt.state[p], opt2.state[p]
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(a["step"], b["step"])
    assert all(torch.equal(parts["model"][k], v) for k, v in model.state_dict().items())
    (tmp_path / "s.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="delete it to start over"):
        load_training_state(tmp_path / "s.safetensors")


def test_no_pickle_anywhere(tmp_path, model):
    path = save_model(model, tmp_path / "m")
    assert path.read_bytes()[8:9] == b"{", "a safetensors file starts with a JSON header"
    src = (checkpoints.__file__)
    assert "torch.load(" not in open(src).read()
