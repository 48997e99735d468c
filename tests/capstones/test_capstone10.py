"""`scripts/capstone10_svd_i2v.py --quick` writes the files (and keys) the committed run has."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "capstone10_svd_i2v.py"
COMMITTED = ROOT / "scripts" / "results" / "capstone10" / "results.json"
METHODS = {"real", "svd none", "svd small", "svd large", "seed paste", "masked"}


@pytest.mark.slow
def test_quick_run_writes_the_files_of_the_committed_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, str(SCRIPT), "--quick", "--clips", "2", "--out", str(tmp_path),
                    "--runs", str(tmp_path / "runs")], check=True, env=env, cwd=ROOT, timeout=600)
    record = json.loads((tmp_path / "results.json").read_text())
    committed = json.loads(COMMITTED.read_text())
    assert set(record) == set(committed)
    assert set(record["setup"]) == set(committed["setup"]) and set(record["machine"]) == set(committed["machine"])
    assert (record["scale"], record["setup"]["eval_clips"]["n"]) == ("quick", 2)
    assert set(record["scores"]) == set(committed["scores"]) == METHODS
    assert set(record["training"]) == {"none", "small", "large"}
    for arm, t in record["training"].items():
        assert t["steps"] == len(t["loss_log"]) and t["seconds_per_step"] > 0, arm
        assert set(t) == set(committed["training"][arm])
    for name, s in record["scores"].items():
        assert set(s) == set(committed["scores"][name])
        assert 0 <= s["identity_kept"] <= 1 and 0 <= s["no_digit_rate"] <= 1, (name, s)
        assert len(s["digit_read_per_frame"]) == 16
    assert record["scores"]["real"]["first_frame_psnr_db"] == 100, "the given frame itself: capped"
    assert {k: set(v) for k, v in record["inference_sigma_sweep"].items()} == {
        k: set(v) for k, v in committed["inference_sigma_sweep"].items()}
    png = (tmp_path / "examples.png").stat().st_size
    assert 10_000 < png < 300_000
