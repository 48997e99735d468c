"""The trainer: exact resumption, schedule, EMA, configs, DDP on gloo."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from tinyvid.train import PRESETS, TrainConfig, ema_update, load_config, lr_at, peak_lr, train


def tiny(tmp_path, name="run", **kw):
    return load_config("tiny-video-dit", {"out_dir": str(tmp_path), "name": name, "steps": 6,
                                      "ckpt_every": 2, **kw})


def test_resumed_run_matches_an_uninterrupted_one_exactly(tmp_path):
    train(tiny(tmp_path, "straight"), progress=False)
    crashed = train(tiny(tmp_path, "crashed"), stop_at=5, progress=False)  # last save: step 4
    assert crashed["stopped"]
    train(tiny(tmp_path, "crashed"), progress=False)  # resumes from step 4
    a = [json.loads(x) for x in (tmp_path / "straight" / "log.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp_path / "crashed" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in b] == [1, 2, 3, 4, 5, 6], "steps after the checkpoint are logged once"
    assert [r["loss"] for r in a] == [r["loss"] for r in b]
    wa = load_file(tmp_path / "straight" / "last.safetensors")
    wb = load_file(tmp_path / "crashed" / "last.safetensors")
    assert wa.keys() == wb.keys()
    assert all(torch.equal(wa[k], wb[k]) for k in wa), "weights, EMA and optimizer state all match"


def test_a_different_seed_gives_a_different_run(tmp_path):
    a = train(tiny(tmp_path, "s0", steps=2), progress=False)
    b = train(tiny(tmp_path, "s1", steps=2, seed=1), progress=False)
    assert a["loss"] != b["loss"]


def test_training_writes_weights_log_curve_and_preview(tmp_path):
    train(tiny(tmp_path, "files", steps=4), progress=False)
    run = tmp_path / "files"
    for name in ("last.safetensors", "model.safetensors", "model.json", "log.jsonl", "loss.png",
                 "preview.gif", "config.json"):
        assert (run / name).is_file(), name
    meta = json.loads((run / "model.json").read_text())
    assert meta["kind"] == "dit" and meta["train_config"]["steps"] == 4
    train(tiny(tmp_path, "quiet", steps=2, preview_every=-1), progress=False)
    assert (tmp_path / "quiet" / "model.safetensors").is_file()
    assert not (tmp_path / "quiet" / "preview.gif").exists(), "preview_every=-1: no preview"


def test_the_loss_goes_down_on_the_autoencoder(tmp_path):
    cfg = load_config("tiny-autoencoder", {"out_dir": str(tmp_path), "steps": 30, "lr": 3e-3,
                                           "log_every": 1, "ckpt_every": 30})
    train(cfg, progress=False)
    log = [json.loads(x)["loss"] for x in (tmp_path / cfg.name / "log.jsonl").read_text().splitlines()]
    assert sum(log[-5:]) / 5 < 0.7 * sum(log[:5]) / 5


def test_learning_rate_warms_up_then_decays():
    cfg = TrainConfig(steps=100, warmup_steps=10, lr=1.0, min_lr_ratio=0.1)
    lrs = [lr_at(s, cfg) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:])), "cosine decay is monotone"
    assert lrs[-1] == pytest.approx(0.1, abs=0.01)


def test_ema_moves_towards_the_model():
    model, ema = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    before = (ema.weight - model.weight).abs().sum()
    ema_update(ema, model, decay=0.9, step=1000)
    after = (ema.weight - model.weight).abs().sum()
    assert torch.isclose(after, 0.9 * before)


@pytest.mark.parametrize("bad, words", [({"task": "music"}, "task"), ({"stepz": 3}, "stepz"),
                                        ({"objective": "x0"}, "objective"), ({"steps": 0}, "steps")])
def test_bad_configs_are_explained(bad, words):
    with pytest.raises(ValueError, match=words):
        TrainConfig.from_dict(bad)


def test_unknown_preset_lists_presets():
    with pytest.raises(ValueError, match="tiny-video-dit"):
        load_config("nope")


def test_toml_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('task = "video"\nmodel_kind = "dit"\nsteps = 7\nnum_digits = [1]\n')
    cfg = load_config(str(path), {"lr": 1e-4})
    assert cfg.steps == 7 and cfg.num_digits == [1] and cfg.lr == 1e-4


def test_presets_are_valid_configs():
    for name in PRESETS:
        load_config(name)


@pytest.mark.slow
def test_ddp_on_gloo_with_two_processes(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "tinyvid", "train", "tiny-video-dit", "--set", f'out_dir="{tmp_path}"', "steps=3",
           "ckpt_every=3", "threads=1"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    log = [json.loads(x) for x in (tmp_path / "tiny-video-dit" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3], "only rank 0 logs"
    assert log[-1]["videos_per_s"] > 0
    assert (tmp_path / "tiny-video-dit" / "model.safetensors").is_file()


def test_bench_train_reports_throughput(tmp_path, capsys):
    from tinyvid.benchmarks.train import main as bench

    figures = bench(["tiny-video-unet", "--steps", "1", "--json", str(tmp_path / "b.json")])
    assert figures["videos_per_s"] > 0 and figures["gflop_per_step"] > 0
    assert "GFLOP/s" in capsys.readouterr().out
    assert json.loads((tmp_path / "b.json").read_text())["params"] == figures["params"]


def test_the_detector_trains_on_the_shared_trainer_and_resumes_exactly(tmp_path):
    from tinyvid.checkpoints import load_model
    from tinyvid.metrics.detector import Detector
    from tinyvid.tasks.detector import detector_batch

    a, b = detector_batch(4, 0, 7), detector_batch(4, 0, 7)
    assert torch.equal(a[0], b[0]), "batch k depends on (seed, k) only"
    cfg = load_config("tiny-detector", {"out_dir": str(tmp_path), "steps": 4, "ckpt_every": 2})
    train(cfg, progress=False)
    crashed = load_config("tiny-detector", {"out_dir": str(tmp_path), "name": "crashed",
                                            "steps": 4, "ckpt_every": 2})
    train(crashed, stop_at=3, progress=False)
    train(crashed, progress=False)
    la = (tmp_path / "tiny-detector" / "log.jsonl").read_text().splitlines()
    lb = (tmp_path / "crashed" / "log.jsonl").read_text().splitlines()
    assert [json.loads(x)["loss"] for x in la] == [json.loads(x)["loss"] for x in lb]
    det = load_model(tmp_path / "tiny-detector" / "model.safetensors", check_hash=False)
    assert isinstance(det, Detector)


def _losses(run_dir):
    return [json.loads(x)["loss"] for x in (run_dir / "log.jsonl").read_text().splitlines()]


def test_data_workers_give_the_same_batches_in_the_same_order(tmp_path):
    train(tiny(tmp_path, "inline", steps=5, log_every=1), progress=False)
    train(tiny(tmp_path, "workers", steps=5, log_every=1, workers=2), progress=False)
    assert _losses(tmp_path / "inline") == _losses(tmp_path / "workers")


def test_time_budget_shrinks_the_run_to_fit(tmp_path, monkeypatch):
    import tinyvid.train as tv

    monkeypatch.setattr(tv, "BUDGET_PROBE", (1, 3))
    monkeypatch.setattr(tv, "BUDGET_RESERVE_S", 0.0)
    ticks = iter(range(10_000))  # a fake clock: every reading is one second later
    monkeypatch.setattr(tv.time, "perf_counter", lambda: float(next(ticks)))
    cfg = tiny(tmp_path, "budget", steps=1000, warmup_steps=1, ckpt_every=1000, time_budget_s=30)
    out = train(cfg, progress=False)
    assert 4 <= out["step"] < 30, out
    saved = json.loads((tmp_path / "budget" / "config.json").read_text())
    assert saved["steps"] == out["step"], "the fitted length is recorded with the run"


def test_temporal_layers_get_their_own_learning_rate():
    from tinyvid.nn.unet import UNetConfig, VideoUNet
    from tinyvid.train import make_optimizer

    model = VideoUNet(UNetConfig.tiny())
    names = {id(p): n for n, p in model.named_parameters()}
    opt = make_optimizer(model, TrainConfig(temporal_lr_mult=3.0, weight_decay=0.05))
    mult = {names[id(p)]: g["lr_mult"] for g in opt.param_groups for p in g["params"]}
    assert len(mult) == len(names), "every parameter is optimised once"
    temporal = [n for n in names.values() if ".temporal" in n]
    assert temporal and all(mult[n] == 3.0 for n in temporal)
    assert all(m == 1.0 for n, m in mult.items() if n not in temporal)
    decay = {names[id(p)]: g["weight_decay"] for g in opt.param_groups for p in g["params"]}
    assert all(decay[n] == (0.05 if p.ndim >= 2 else 0.0) for n, p in model.named_parameters())
    plain = make_optimizer(model, TrainConfig())
    assert {g["lr_mult"] for g in plain.param_groups} == {1.0}


def test_init_from_an_image_model_starts_the_video_model_as_that_model_per_frame(tmp_path):
    from tinyvid.checkpoints import save_model
    from tinyvid.nn.cond import Cond
    from tinyvid.nn.unet import VideoUNet
    from tinyvid.text import tokenize
    from tinyvid.train import build_model

    torch.manual_seed(0)
    image = build_model(load_config("tiny-image-unet")).eval()
    path = save_model(image, tmp_path / "image", manifest=False)
    video = build_model(load_config("tiny-video-unet", {"init_from": str(path)})).eval()
    assert type(video) is VideoUNet
    x = torch.randn(2, 4, image.config.latent_channels, 16, 16)  # [B, T, c, h, w]
    t, cond = torch.rand(2), Cond(tokens=tokenize(["a 1 moving up", "a 2 moving down"]))
    with torch.no_grad():
        assert torch.allclose(video(x, t, cond), image(x, t, cond), atol=1e-5)
    dit = save_model(build_model(load_config("tiny-video-dit")), tmp_path / "dit", manifest=False)
    with pytest.raises(ValueError, match="init_from holds a dit, not a video_unet"):
        build_model(load_config("tiny-video-unet", {"init_from": str(dit)}))


def test_lr_ref_batch_scales_the_peak_lr_by_the_square_root_of_the_batch_ratio():
    base = dict(task="video", lr=4e-4, warmup_steps=10, steps=100)
    assert peak_lr(TrainConfig(batch_size=512, **base)) == 4e-4, "0 keeps lr as given"
    big = TrainConfig(batch_size=512, lr_ref_batch=128, **base)
    assert peak_lr(big) == pytest.approx(8e-4)
    assert lr_at(9, big) == pytest.approx(8e-4) and lr_at(0, big) == pytest.approx(8e-5)
    assert peak_lr(TrainConfig(batch_size=32, lr_ref_batch=128, **base)) == pytest.approx(2e-4)


@pytest.mark.parametrize("kw, words", [
    (dict(compile_mode="fastest"), "compile_mode must be one of"),
    (dict(lr_ref_batch=-1), "lr_ref_batch"),
    (dict(data_device="cuda", workers=2), "set workers=0"),
])
def test_gpu_options_reject_bad_values(kw, words):
    with pytest.raises(ValueError, match=words):
        TrainConfig(**kw)


def test_compile_with_the_eager_backend_trains_like_no_compile(tmp_path):
    plain = train(tiny(tmp_path, "plain", steps=2), progress=False)
    traced = train(tiny(tmp_path, "traced", steps=2, compile=True, compile_backend="eager"), progress=False)
    assert traced["loss"] == pytest.approx(plain["loss"], rel=1e-4)


def test_train_only_temporal_freezes_the_image_weights_and_trains_the_temporal_ones(tmp_path):
    from tinyvid.checkpoints import load_training_state, save_model
    from tinyvid.nn.unet import is_temporal
    from tinyvid.train import build_model

    torch.manual_seed(0)
    image = build_model(load_config("tiny-image-unet"))
    path = save_model(image, tmp_path / "image", manifest=False)
    cfg = load_config("tiny-video-unet", {"init_from": str(path), "out_dir": str(tmp_path),
                                          "name": "frozen", "steps": 4, "train_only": "temporal"})
    out = train(cfg, progress=False)
    _, parts, _ = load_training_state(tmp_path / "frozen" / "last.safetensors")
    start = image.state_dict()
    moved = {k for k, v in parts["model"].items() if k not in start or not torch.equal(v, start[k])}
    assert out["step"] == 4 and moved, "something trained"
    assert all(is_temporal(k) for k in moved), sorted(k for k in moved if not is_temporal(k))


def test_train_only_is_checked():
    with pytest.raises(ValueError, match="train_only must be one of"):
        TrainConfig(train_only="spatial")
    from tinyvid.nn.unet import ImageUNet, UNetConfig
    from tinyvid.train import make_optimizer

    with pytest.raises(ValueError, match="leaves nothing to train"):
        make_optimizer(ImageUNet(UNetConfig.tiny()), TrainConfig(train_only="temporal"))


def test_held_out_loss_is_fixed_for_a_model_and_tells_models_apart():
    from tinyvid.tasks import TASKS
    from tinyvid.train import build_model

    cfg = load_config("tiny-video-unet")
    task = TASKS[cfg.task](cfg, torch.device("cpu"))
    torch.manual_seed(0)
    a, b = build_model(cfg).eval(), build_model(cfg).eval()
    kw = dict(clip_seed=5, noise_seed=50, batches=2, batch_size=2)
    first = task.held_out_loss(a, **kw)
    assert first == task.held_out_loss(a, **kw), "fixed clips and draws: the same number again"
    assert first != task.held_out_loss(b, **kw)
    assert first != task.held_out_loss(a, **{**kw, "noise_seed": 51})


def test_lr_mult_gives_a_module_prefix_its_own_learning_rate():
    from tinyvid.nn.svd import SVDVideoUNet
    from tinyvid.nn.unet import UNetConfig
    from tinyvid.train import make_optimizer

    model = SVDVideoUNet(UNetConfig.tiny())
    cfg = TrainConfig(lr_mult={"image_in": 10, "aug_embed": 3}, temporal_lr_mult=2.0)
    opt = make_optimizer(model, cfg)
    names = {id(p): n for n, p in model.named_parameters()}
    mult = {names[id(p)]: g["lr_mult"] for g in opt.param_groups for p in g["params"]}
    assert len(mult) == len(names)
    for name, m in mult.items():
        want = (10.0 if name.startswith("image_in.") else 3.0 if name.startswith("aug_embed.")
                else 2.0 if ".temporal" in f".{name}" else 1.0)
        assert m == want, (name, m, want)
    with pytest.raises(ValueError, match="lr_mult"):
        TrainConfig(lr_mult={"image_in": 0})
