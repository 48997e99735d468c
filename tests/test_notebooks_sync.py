"""Each lesson lives twice: lessons_src/NN_name.py (percent format) and notebooks/NN_name.ipynb.

The two must say the same thing (jupytext's py:percent rendering of the notebook equals the
.py, apart from the jupytext_version header line), every file must have its pair, and
notebooks stay small. Fix a failure with `make notebooks` (or `jupytext --sync FILE`).
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "lessons_src").glob("[0-9]*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 2 * 1024 * 1024
_VERSION_LINE = re.compile(r"^#\s+jupytext_version:.*$", re.MULTILINE)


def _normalise(text: str) -> str:
    return _VERSION_LINE.sub("", text).strip() + "\n"


def _as_percent(notebook: Path) -> str:
    config = load_jupytext_config(str(ROOT))
    nb = jupytext.read(notebook)
    if config is not None:  # the same metadata filters `jupytext --sync` applies
        meta = nb.metadata.setdefault("jupytext", {})
        meta["notebook_metadata_filter"] = config.notebook_metadata_filter
        meta["cell_metadata_filter"] = config.cell_metadata_filter
    return jupytext.writes(nb, fmt="py:percent", config=config)


def test_there_are_lessons():
    assert SOURCES and NOTEBOOKS


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_lesson_source_has_its_notebook(source):
    assert (ROOT / "notebooks" / f"{source.stem}.ipynb").is_file(), (
        f"{source.name} has no notebooks/{source.stem}.ipynb: run `make notebooks`"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_has_its_lesson_source(notebook):
    assert (ROOT / "lessons_src" / f"{notebook.stem}.py").is_file(), (
        f"{notebook.name} has no lessons_src/{notebook.stem}.py: run `jupytext --sync {notebook}`"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_source_say_the_same(notebook):
    source = ROOT / "lessons_src" / f"{notebook.stem}.py"
    if not source.is_file():
        pytest.skip("no pair (reported by the pairing test)")
    assert _normalise(_as_percent(notebook)) == _normalise(source.read_text()), (
        f"{notebook.name} and {source.name} differ: run `make notebooks` "
        f"(or `jupytext --sync {source.relative_to(ROOT)}` and re-execute)"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_at_most_2_mb(notebook):
    size = notebook.stat().st_size
    assert size <= MAX_BYTES, f"{notebook.name} is {size / 1e6:.2f} MB; keep outputs small"
