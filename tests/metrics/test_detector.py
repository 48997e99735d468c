"""The detector's contract: shapes, any T, clear errors, safetensors round trip (no pickles)."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.checkpoints import CheckpointError, load_model, save_model
from tinyvid.nn.detector import Detector, DetectorConfig


@pytest.fixture(scope="module")
def det():
    torch.manual_seed(0)
    return Detector(DetectorConfig()).eval()


@pytest.mark.parametrize("T", [16, 8, 3])
def test_features_and_frame_features_shapes_for_any_number_of_frames(det, T):
    x = torch.rand(3, T, 1, 64, 64)
    assert det.features(x).shape == (3, det.cfg.feature_dim)
    assert det.frame_features(x).shape == (3 * T, det.cfg.frame_feature_dim)
    out = det(x)
    assert out.digits.shape == (3, 10) and out.direction.shape == (3, 8)
    assert out.speed.shape == (3, 2) and out.count.shape == (3, 2)
    pred = det.predict(x)
    assert pred["digits"].shape == (3, 2) and pred["direction"].shape == (3,)


def test_frame_features_depend_only_on_each_frame(det):
    x = torch.rand(2, 4, 1, 64, 64)
    f = det.frame_features(x)  # [8, D]
    g = det.frame_features(x.flip(1))  # frames reversed within each video
    assert torch.allclose(f.reshape(2, 4, -1).flip(1), g.reshape(2, 4, -1), atol=1e-5)


@pytest.mark.parametrize(
    "bad, match",
    [
        (torch.rand(2, 1, 64, 64), r"\[B, T, 1, 64, 64\]"),  # no frame axis
        (torch.rand(2, 16, 3, 64, 64), r"\[B, T, 1, 64, 64\]"),  # colour
        (torch.rand(2, 16, 1, 32, 32), r"\[B, T, 1, 64, 64\]"),  # wrong size
        (torch.rand(2, 16, 1, 64, 64) * 2 - 1, r"\[0, 1\]"),  # model range [-1, 1]
        (torch.zeros(2, 16, 1, 64, 64, dtype=torch.uint8), "float"),
        (torch.rand(2, 1, 1, 64, 64), "2 frame"),  # motion needs two frames
    ],
)
def test_bad_videos_are_value_errors_saying_what_is_allowed(det, bad, match):
    with pytest.raises(ValueError, match=match):
        det.features(bad)


def test_save_and_load_round_trip_through_the_standard_checkpoint_format(det, tmp_path):
    path = save_model(det, tmp_path / "det", fp16=True)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["kind"] == "detector" and meta["config"]["feature_dim"] == det.cfg.feature_dim
    assert path.read_bytes()[:8] != b"\x80\x02\x8a\n"[:8]  # not a pickle
    loaded = load_model(path)
    assert isinstance(loaded, Detector) and not loaded.training
    x = torch.rand(2, 16, 1, 64, 64)
    # fp16 storage: features agree to fp16 precision, and differ from another detector's
    assert torch.allclose(loaded.features(x), det.features(x), atol=5e-2, rtol=5e-2)
    torch.manual_seed(1)
    other = Detector(DetectorConfig()).eval()
    assert not torch.allclose(other.features(x), det.features(x), atol=5e-2, rtol=5e-2)


def test_load_refuses_a_file_whose_hash_differs_from_the_manifest(det, tmp_path):
    path = save_model(det, tmp_path / "det", fp16=True)
    (tmp_path / "MANIFEST").write_text("0" * 64 + "  det.safetensors\n")
    with pytest.raises(CheckpointError, match="sha256"):
        load_model(path)


def test_a_detector_missing_from_the_manifest_is_refused_with_how_to_add_it(det, tmp_path):
    path = save_model(det, tmp_path / "det", manifest=False)
    with pytest.raises(CheckpointError, match=r"not listed .*sha256sum det.safetensors >> MANIFEST"):
        load_model(path)


def test_the_older_detector_format_converts_to_the_standard_one(det, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from safetensors.torch import save_file

    old = tmp_path / "old.safetensors"
    save_file({k: v.half() if v.is_floating_point() else v for k, v in det.state_dict().items()},
              str(old))
    config = json.loads(json.dumps(vars(det.cfg)))
    old.with_suffix(".json").write_text(json.dumps({**config, "extra": {"command": "x", "seed": 3}}))
    with pytest.raises(CheckpointError, match="convert_detector.py"):
        load_model(old, check_hash=False)
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "scripts/convert_detector.py"), str(old)],
                   check=True, cwd=root, capture_output=True)
    meta = json.loads(old.with_suffix(".json").read_text())
    assert meta["kind"] == "detector" and meta["training"]["seed"] == 3
    loaded = load_model(old)  # its MANIFEST line was written
    x = torch.rand(2, 8, 1, 64, 64)
    assert torch.allclose(loaded.features(x), det.features(x), atol=5e-2, rtol=5e-2)
