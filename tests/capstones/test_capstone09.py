"""`scripts/capstone09_inflate.py --quick` writes the files the full run writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "capstone09_inflate.py"
COMMITTED = ROOT / "scripts" / "results" / "capstone09" / "results.json"


@pytest.mark.slow
def test_quick_run_writes_the_files_of_the_full_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
                   check=True, env=env, cwd=ROOT, timeout=900)
    record = json.loads((tmp_path / "results.json").read_text())
    committed = json.loads(COMMITTED.read_text())
    assert record["scale"] == "quick" and committed["scale"] == "full"
    assert committed["setup"]["steps"] > record["setup"]["steps"]
    assert set(record) == set(committed)
    assert record["identity_at_step0"]["bitwise_equal"], "the inflated model is the image model at step 0"
    assert set(record["arms"]) == set(committed["arms"]) == {"finetune_all", "finetune_temporal", "scratch"}
    for arm, a in record["arms"].items():
        assert [r["seed"] for r in a["runs"]] == record["setup"]["seeds"], arm
        for run in a["runs"]:
            assert run["steps"] == record["setup"]["steps"] and run["loss_log"], (arm, run)
            assert set(run["scores"]) == set(committed["arms"][arm]["runs"][0]["scores"]), arm
            assert run["scores"]["fvd"] > 0 and 0 <= run["scores"]["digit_accuracy"] <= 1
    frozen, everything = (record["arms"][a]["trainable_params"] for a in ("finetune_temporal", "finetune_all"))
    assert 0 < frozen < everything
    assert set(record["references"]) == set(committed["references"])
    assert (tmp_path / "examples.png").stat().st_size > 10_000
