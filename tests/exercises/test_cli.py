"""`python -m exercises` on lesson 00: grade (solved and as shipped), solve, status."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exercises.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
WELCOME = ROOT / "notebooks" / "00_welcome.ipynb"


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in this process (cheap); `cli` below runs it as a real subprocess."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH")] if p)
    return subprocess.run(
        [sys.executable, "-m", "exercises", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solved") / WELCOME.name
    assert main(["solve", str(WELCOME), "-o", str(out)]) == 0
    return out


def test_solve_replaces_stubs_and_leaves_the_original_alone(solved, capsys):
    before = digest(WELCOME)
    text = solved.read_text()
    assert "return video.flip(dims=[1])" in text
    assert "raise NotImplementedError\\n" in WELCOME.read_text()
    code, _, err = run_main(capsys, "solve", str(WELCOME), "-o", str(WELCOME))
    assert code == 2 and "refusing" in err  # never overwrites the learner's notebook
    assert digest(WELCOME) == before


@pytest.mark.slow
def test_grade_solved_welcome_gives_full_score_and_exit_0(solved):
    before = digest(solved)
    done = cli("grade", str(solved), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"] > 0
    assert {e["status"] for e in report["exercises"]} == {"passed"}
    assert digest(solved) == before  # graded a copy


@pytest.mark.slow
def test_grade_shipped_welcome_exits_non_zero_with_every_exercise_not_attempted():
    before = digest(WELCOME)
    done = cli("grade", str(WELCOME))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0/4 points" in done.stdout and "⏳ not attempted" in done.stdout  # 4 graded in lesson 00
    assert "passed" not in done.stdout.split("message")[-1]
    assert digest(WELCOME) == before  # the learner's file is never written


def test_status_summarises_the_saved_notebooks(capsys):
    code, out, _ = run_main(capsys, "status", str(ROOT / "notebooks"))
    assert code == 0
    assert "00_welcome.ipynb" in out and "total" in out and "⏳" in out


def test_grade_missing_notebook_is_a_usage_error(capsys):
    code, _, err = run_main(capsys, "grade", "notebooks/99_nothing.ipynb")
    assert code == 2 and "no such notebook" in err
