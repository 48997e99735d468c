"""The detector's contract: shapes, any T, clear errors, safetensors round trip (no pickles)."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.metrics.detector import Detector, DetectorConfig, load_detector, save_detector


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


def test_save_and_load_round_trip_through_safetensors_and_json(det, tmp_path):
    path = save_detector(det, tmp_path / "det.safetensors")
    cfg = json.loads(path.with_suffix(".json").read_text())
    assert cfg["feature_dim"] == det.cfg.feature_dim
    assert path.read_bytes()[:8] != b"\x80\x02\x8a\n"[:8]  # not a pickle
    loaded = load_detector(path)
    x = torch.rand(2, 16, 1, 64, 64)
    # fp16 storage: features agree to fp16 precision
    assert torch.allclose(loaded.features(x), det.features(x), atol=5e-2, rtol=5e-2)


def test_load_refuses_a_file_whose_hash_differs_from_the_manifest(det, tmp_path):
    path = save_detector(det, tmp_path / "det.safetensors")
    (tmp_path / "MANIFEST").write_text("0" * 64 + "  det.safetensors\n")
    with pytest.raises(ValueError, match="sha256"):
        load_detector(path)


def test_missing_weights_say_how_to_train_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-detector"):
        load_detector(tmp_path / "nothing.safetensors")
