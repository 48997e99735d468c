"""The consistency ablation end to end at tiny size: every arm trains what it says."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from safetensors import safe_open

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ablate_consistency.py"


def _script():
    spec = importlib.util.spec_from_file_location("ablate_consistency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_ablation_trains_each_arm_with_its_change(tmp_path):
    out, runs = tmp_path / "ablation.json", tmp_path / "runs"
    rc = _script().main(["--quick", "--arms", "plain,spacetime,shift,shift-3", "--out", str(out),
                         "--runs", str(runs)])
    assert rc == 0
    arms = json.loads(out.read_text())["arms"]
    assert set(arms) == {"plain", "spacetime", "shift", "shift-3"}
    assert arms["plain"]["steps"] == 4 and "steps" not in arms["shift-3"]  # sampling-only arm
    assert arms["shift"]["sampling"] == {"time_shift": 3.0}
    keys = {}
    for arm in ("plain", "spacetime"):
        with safe_open(str(runs / arm / "model.safetensors"), "pt") as f:
            keys[arm] = set(f.keys())
    added = keys["spacetime"] - keys["plain"]
    assert added and all("temporal_spacetime" in k for k in added)


def test_unknown_arm_is_refused_with_the_known_ones(tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit):
        _script().main(["--quick", "--arms", "plain,bogus", "--out", str(tmp_path / "x.json")])
    assert "bogus" in capsys.readouterr().err
