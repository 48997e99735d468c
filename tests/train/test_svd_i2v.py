"""The svd_i2v task on the shared trainer: trains, resumes exactly, converts a video model."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from tinyvid.checkpoints import load_model, save_model
from tinyvid.nn.svd import SVDVideoUNet
from tinyvid.nn.unet import UNetConfig, VideoUNet
from tinyvid.tasks import STAND_IN_CHANNELS
from tinyvid.train import build_model, load_config, train


def tiny(tmp_path, name, **kw):
    return load_config("tiny-svd-i2v", {"out_dir": str(tmp_path), "name": name, "steps": 4,
                                        "ckpt_every": 2, **kw})


def test_svd_i2v_trains_saves_and_resumes_exactly(tmp_path):
    train(tiny(tmp_path, "straight"), progress=False)
    train(tiny(tmp_path, "crashed"), stop_at=3, progress=False)  # last save: step 2
    train(tiny(tmp_path, "crashed"), progress=False)
    a = [json.loads(x)["loss"] for x in (tmp_path / "straight" / "log.jsonl").read_text().splitlines()]
    b = [json.loads(x)["loss"] for x in (tmp_path / "crashed" / "log.jsonl").read_text().splitlines()]
    assert a == b and len(a) == 4
    wa, wb = load_file(tmp_path / "straight" / "last.safetensors"), load_file(tmp_path / "crashed" / "last.safetensors")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    model = load_model(tmp_path / "straight" / "model.safetensors", check_hash=False)
    assert isinstance(model, SVDVideoUNet)
    assert (tmp_path / "straight" / "preview.gif").is_file()


def test_noise_augmentation_changes_the_run(tmp_path):
    a = train(tiny(tmp_path, "aug", steps=2), progress=False)
    b = train(tiny(tmp_path, "none", steps=2, noise_aug={}), progress=False)
    assert a["loss"] != b["loss"]


def test_init_from_a_video_unet_builds_the_svd_model_with_its_weights(tmp_path):
    torch.manual_seed(0)
    video = VideoUNet(UNetConfig.from_dict({**UNetConfig.tiny().to_dict(),
                                            "latent_channels": STAND_IN_CHANNELS}))
    path = save_model(video, tmp_path / "video.safetensors", manifest=False)
    model = build_model(tiny(tmp_path, "ft", init_from=str(path)))
    assert isinstance(model, SVDVideoUNet)
    assert torch.equal(model.input.weight, video.input.weight)


@pytest.mark.parametrize("bad, match", [
    ({"noise_aug": {"sigma": 0.1}}, "unknown noise_aug"),
    ({"noise_aug": {"log_mean": -3.0, "p_zero": 2.0}}, "p_zero"),
    ({"model_kind": "video_unet"}, "svd_video_unet"),
    ({"objective": "eps"}, "flow"),
])
def test_bad_svd_configs_are_refused(tmp_path, bad, match):
    with pytest.raises(ValueError, match=match):
        tiny(tmp_path, "bad", **bad)
