"""`scripts/capstone11_interpolation.py --quick` writes the files the full run writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "capstone11_interpolation.py"
COMMITTED = ROOT / "scripts" / "results" / "capstone11" / "results.json"


@pytest.mark.slow
def test_quick_run_writes_the_files_of_the_full_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(SCRIPT), "--quick", "--clips", "2", "--out", str(tmp_path)],
                   check=True, env=env, cwd=ROOT, timeout=600)
    record = json.loads((tmp_path / "results.json").read_text())
    committed = json.loads(COMMITTED.read_text())
    assert (record["scale"], record["clips_per_kind"]) == ("quick", 2)
    assert committed["scale"] == "full" and committed["clips_per_kind"] > record["clips_per_kind"]
    assert set(record["results"]) == set(committed["results"])
    for kind, r in record["results"].items():
        assert set(r) == set(committed["results"][kind])
        for method, scores in r.items():
            if method in ("what", "real", "spread_over_seeds"):
                continue
            assert set(scores) == {"psnr_db", "ssim", "smoothness", "teleportation"}
            assert 0 < scores["ssim"] <= 1 and scores["psnr_db"] > 5, (kind, method, scores)
    assert (tmp_path / "examples.png").stat().st_size > 10_000
