"""scripts/train_gpu.sh, the recipe of the shipped generative models, run end to end on a CPU
with one-second budgets (each stage then runs its minimum: the 60 steps that measure speed)
and tiny models, batches of one: the stages, the inflation, the exports and the pack are what
is proven here, not the training; also that batches are drawn in the training process, the
learning rate is scaled to the batch and no stage fell back to slower settings. torch.compile
is off here (tracing for three stages would multiply the test's time on 2 cores);
tests/train/test_train.py trains with it on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script")
def test_the_gpu_recipe_trains_and_exports_both_models(tmp_path):
    from tinyvid.pipelines import load_pipeline

    weights, runs, pack = tmp_path / "weights", tmp_path / "runs", tmp_path / "pack.tar.gz"
    env = dict(os.environ, PY=sys.executable, DEVICE="cpu", RUNS=str(runs), WEIGHTS=str(weights),
               PACK=str(pack), IMAGE_S="1", VIDEO_S="1", VIDEO2_S="1", IMAGE_BATCH="1",
               VIDEO_BATCH="1", EXTRA="model_preset=tiny preview_every=0",
               OMP_NUM_THREADS="1", TQDM_DISABLE="1", COMPILE="0",
               COMPILE_BACKEND="eager")  # compile itself: tests/train/test_train.py
    r = subprocess.run(["bash", "scripts/train_gpu.sh"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    for run in ("image", "video-unet", "video-unet-2"):
        assert (runs / run / "model.safetensors").is_file(), run
    assert "time budget 1 s" in r.stderr, "the budget shrank every stage"
    assert "failed after" not in r.stderr, "no stage fell back to slower settings"
    config = json.loads((runs / "video-unet" / "config.json").read_text())
    assert config["compile"] is False and config["data_device"] == "cpu" and config["workers"] == 0
    assert (config["batch_size"], config["lr_ref_batch"]) == (1, 128)
    peak = max(json.loads(line)["lr"] for line in (runs / "video-unet" / "log.jsonl").read_text().splitlines())
    assert peak == pytest.approx(4e-4 * (1 / 128) ** 0.5, rel=1e-6), "lr scaled by sqrt(batch / 128)"
    with tarfile.open(pack) as tar:
        names = tar.getnames()
    assert any(n.endswith("default_video.safetensors") for n in names)
    assert any(n.endswith("video-unet-2/log.jsonl") for n in names)
    video = load_pipeline("default", device="cpu", folder=weights)  # hashes checked
    clip = video.text_to_video("a 4 moving down", steps=2, seed=0)
    assert tuple(clip.shape) == (1, 16, 1, 64, 64)
    image = load_pipeline("image", device="cpu", folder=weights)
    assert tuple(image.text_to_video("a 4 moving down", num_frames=3, steps=2, seed=0).shape) == (1, 3, 1, 64, 64)
    shipped = (ROOT / "tinyvid/weights/MANIFEST").read_text()
    assert str(weights) not in shipped and (weights / "MANIFEST").is_file()
