"""Notebooks: find exercise cells, insert reference solutions, execute, read check results.

An exercise cell starts with the marker line ``# EXERCISE: <name>`` and defines exactly one
function, ``<name>``; the check cell (``check.<name>(<name>)``) comes right after it. Because
the marker names the exercise, ``solve`` can replace the whole cell with the reference, and
``validate`` can tell a lesson author when a cell breaks the rule.
"""

from __future__ import annotations

import ast
import copy
import inspect
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from exercises.core import REGISTRY, iter_registered
from exercises.result import FAILED, MIME, NOT_ATTEMPTED, PASSED

MARKER = re.compile(r"^#\s*EXERCISE:\s*([A-Za-z_]\w*)\s*$")
NOT_RUN = "not_run"  # the check cell never ran (deleted, or an earlier cell stopped the kernel)
REPO_ROOT = Path(__file__).resolve().parent.parent


def lesson_of(path: str | os.PathLike) -> str | None:
    """``notebooks/03_factorized_attention.ipynb`` -> ``"03"``."""
    m = re.match(r"(\d\d)", Path(path).name)
    return m.group(1) if m else None


def read(path: str | os.PathLike) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def exercise_cells(nb) -> list[tuple[int, str]]:
    """``(cell index, exercise name)`` for every cell that starts with the marker."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip():
            m = MARKER.match(cell.source.lstrip().splitlines()[0])
            if m:
                found.append((i, m.group(1)))
    return found


def validate(nb, lesson: str | None) -> list[str]:
    """Problems with a notebook's exercise cells (empty list: fine)."""
    problems = []
    names = [name for _, name in exercise_cells(nb)]
    for i, name in exercise_cells(nb):
        if name not in REGISTRY and name not in {e.name for e in iter_registered()}:
            problems.append(f"cell {i}: exercise {name!r} is not registered")
            continue
        try:
            tree = ast.parse(nb.cells[i].source)
        except SyntaxError as exc:
            problems.append(f"cell {i}: syntax error in the stub: {exc}")
            continue
        defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        others = [
            n
            for n in tree.body
            if not isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom))
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        ]
        if len(defs) != 1 or defs[0].name != name or others:
            problems.append(
                f"cell {i}: an exercise cell must define exactly one function, {name!r}, "
                "and nothing else"
            )
        if REGISTRY[name].lesson != lesson:
            problems.append(
                f"cell {i}: {name!r} belongs to lesson {REGISTRY[name].lesson}, not {lesson}"
            )
    if len(set(names)) != len(names):
        problems.append(f"an exercise has two cells: {sorted(names)}")
    expected = {e.name for e in iter_registered(lesson) if e.graded}
    missing = expected - set(names)
    if missing:
        problems.append(f"registered for lesson {lesson} but no exercise cell: {sorted(missing)}")
    return problems


def solution_source(name: str) -> str:
    """The reference function's source, preceded by its module's imports."""
    ex = REGISTRY[name]
    module = sys.modules[ex.solution.__module__]
    tree = ast.parse(inspect.getsource(module))
    module_source = inspect.getsource(module)
    imports = [
        ast.get_source_segment(module_source, node)
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]
    body = inspect.getsource(ex.solution)
    return "\n".join(imports) + ("\n\n\n" if imports else "") + body.rstrip() + "\n"


def solve(nb) -> nbformat.NotebookNode:
    """A copy of ``nb`` with every exercise cell replaced by the reference solution."""
    list(iter_registered())
    out = copy.deepcopy(nb)
    for i, name in exercise_cells(out):
        if name not in REGISTRY:
            raise KeyError(f"cell {i}: exercise {name!r} is not registered")
        out.cells[i].source = f"# EXERCISE: {name}\n" + solution_source(name)
        out.cells[i].outputs = []
        out.cells[i].execution_count = None
    return out


def kernel_env() -> dict[str, str]:
    """The kernel's environment: ours, plus the repository on PYTHONPATH (works uninstalled)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(REPO_ROOT), env.get("PYTHONPATH")] if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def execute(nb, cwd: str | os.PathLike, timeout: int = 600, allow_errors: bool = True):
    """Execute ``nb`` (in memory) in a fresh ``python3`` kernel, working directory ``cwd``."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=kernel_env())
    return nb


def records(nb) -> list[dict]:
    """Every check result recorded in the notebook's outputs, in cell order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME in data:
                found.append(dict(data[MIME]))
    return found


def cell_errors(nb) -> list[str]:
    errors = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {i}: {output.get('ename')}: {output.get('evalue')}")
    return errors


@dataclass
class Row:
    exercise: str
    status: str
    points: int
    max_points: int
    message: str


@dataclass
class Report:
    notebook: str
    lesson: str | None
    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> int:
        return sum(r.points for r in self.rows)

    @property
    def max_score(self) -> int:
        return sum(r.max_points for r in self.rows)

    @property
    def all_passed(self) -> bool:
        return all(r.status == PASSED for r in self.rows)

    def to_json(self) -> dict:
        return {
            "notebook": self.notebook,
            "lesson": self.lesson,
            "score": self.score,
            "max_score": self.max_score,
            "all_passed": self.all_passed,
            "exercises": [asdict(r) for r in self.rows],
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
        }


def lesson_of_notebook(nb, path: str | os.PathLike) -> str | None:
    """The lesson from the file name, else from the exercises its marked cells name."""
    lesson = lesson_of(path)
    if lesson is None:
        list(iter_registered())
        lessons = {REGISTRY[n].lesson for _, n in exercise_cells(nb) if n in REGISTRY}
        lesson = lessons.pop() if len(lessons) == 1 else None
    return lesson


def report_from(nb, path: str | os.PathLike) -> Report:
    """Score a notebook from the check results in its outputs (last result per exercise wins)."""
    lesson = lesson_of_notebook(nb, path)
    last: dict[str, dict] = {}
    for rec in records(nb):
        if rec.get("graded", True):
            last[rec["exercise"]] = rec
    expected = [e.name for e in iter_registered(lesson) if e.graded] if lesson else []
    names = expected + [n for n in last if n not in expected]
    rows = []
    for name in names:
        if name in last:
            rec = last[name]
            rows.append(
                Row(
                    name,
                    rec["status"],
                    int(rec.get("points", 0)),
                    int(rec.get("max_points", 0)),
                    rec.get("message", ""),
                )
            )
        else:
            ex = REGISTRY.get(name)
            rows.append(
                Row(
                    name,
                    NOT_RUN,
                    0,
                    ex.points if ex else 0,
                    "the check did not run (cell missing, or an earlier cell failed)",
                )
            )
    return Report(notebook=str(path), lesson=lesson, rows=rows, errors=cell_errors(nb))


def grade(path: str | os.PathLike, timeout: int = 600) -> Report:
    """Execute a copy of the notebook at ``path`` in a fresh kernel and score it."""
    path = Path(path)
    nb = read(path)  # the learner's file is only read
    start = time.perf_counter()
    execute(nb, cwd=path.resolve().parent, timeout=timeout)
    report = report_from(nb, path)
    report.seconds = time.perf_counter() - start
    return report


ICON = {PASSED: "✅", FAILED: "❌", NOT_ATTEMPTED: "⏳", NOT_RUN: "⚠️"}
LABEL = {PASSED: "passed", FAILED: "failed", NOT_ATTEMPTED: "not attempted", NOT_RUN: "not run"}


def format_table(report: Report, width: int = 100) -> str:
    head = f"{report.notebook}: {report.score}/{report.max_score} points"
    if not report.rows:
        return head + "\n  (no graded exercises in this notebook)"
    name_w = max(8, *(len(r.exercise) for r in report.rows))
    lines = [head, f"  {'exercise':<{name_w}}  {'status':<16} {'points':>6}  message"]
    for r in report.rows:
        status = f"{ICON.get(r.status, '?')} {LABEL.get(r.status, r.status)}"
        msg = r.message if len(r.message) < width else r.message[: width - 1] + "…"
        lines.append(
            f"  {r.exercise:<{name_w}}  {status:<16} {f'{r.points}/{r.max_points}':>6}  {msg}"
        )
    for err in report.errors:
        lines.append(f"  error in {err}")
    return "\n".join(lines)
