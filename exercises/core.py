"""Exercises, their cases, and running a check on a learner's function.

An :class:`Exercise` bundles what a check needs: the reference solution (kept in
``exercises/solutions/lessonNN.py``), a case generator, a comparison with stated tolerances,
hints of increasing specificity and, optionally, a slow obviously-correct ``spec`` that the
tests hold the reference to. :func:`run_check` turns a learner's function into a
:class:`~exercises.result.Result`: passed, failed (first failing case, hint) or not attempted.
"""

from __future__ import annotations

import copy
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from exercises.compare import Close, describe, find_mutation
from exercises.result import FAILED, NOT_ATTEMPTED, PASSED, Result
from exercises.timelimit import call_with_time_limit

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Case:
    """One call of the exercise: ``Case(video, label="T = 1")`` means ``fn(video)``.

    ``label`` says in a few words what the case is about (it is shown when the case fails).
    Keyword arguments other than ``label`` are passed to the function by name.
    """

    def __init__(self, *args: Any, label: str = "", **kwargs: Any):
        self.args, self.kwargs, self.label = args, kwargs, label

    def __repr__(self) -> str:
        return f"Case({self.label or 'unlabelled'})"


@dataclass
class Exercise:
    """A registered exercise; see :func:`exercise` for the fields."""

    name: str
    lesson: str
    cases: Callable[[torch.Generator], Iterable[Case]]
    solution: Callable
    points: int = 1
    difficulty: int = 1
    minutes: int = 5
    hints: list[str] = field(default_factory=list)
    compare: Callable = field(default_factory=Close)
    spec: Callable | None = None
    mistakes: list[tuple[str, Callable]] = field(default_factory=list)
    time_limit: float = 10.0
    example: bool = False
    seed: int = 0
    summary: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        return not self.example

    def make_cases(self, seed: int | None = None) -> list[Case]:
        gen = torch.Generator().manual_seed(self.seed if seed is None else seed)
        return list(self.cases(gen))

    def __call__(self, fn: Callable) -> Result:
        """Check ``fn``; in Jupyter the result shows itself (even after a trailing ``;``)."""
        result = run_check(self, fn)
        result.show()
        return result

    def __repr__(self) -> str:
        return f"<exercise {self.name} (lesson {self.lesson}, {self.points} pt)>"


REGISTRY: dict[str, Exercise] = {}
_FAILURES: dict[str, int] = {}  # failed attempts per exercise in this kernel: hint level


def exercise(
    *,
    lesson: str,
    solution: Callable,
    points: int = 1,
    difficulty: int = 1,
    minutes: int = 5,
    hints: Iterable[str] = (),
    compare: Callable | None = None,
    spec: Callable | None = None,
    mistakes: Iterable[tuple[str, Callable]] = (),
    time_limit: float = 10.0,
    example: bool = False,
    seed: int = 0,
    errors: Iterable[tuple[str, str]] = (),
) -> Callable[[Callable], Exercise]:
    """Register an exercise; decorates its case generator, whose name is the exercise's name.

    - ``solution``: the reference, a function with the same name in ``exercises/solutions/``.
    - ``points`` / ``difficulty`` (1-3 stars) / ``minutes``: shown to the learner and grader.
    - ``hints``: from gentle to specific; the n-th failed attempt shows the first n, then a
      pointer to ``check.solution(name, confirm=True)``. The last hint points the way; it
      never is the reference itself (``tests/exercises`` checks that no hint solves the
      exercise when read as code).
    - ``compare``: ``Close(atol, rtol, check_dtype)`` by default (see :mod:`exercises.compare`).
    - ``spec``: slow, obviously-correct version; the tests check ``solution`` against it.
    - ``mistakes``: ``(description, wrong_fn)`` pairs; a failing answer that matches a known
      wrong function on *every* case is told which mistake it looks like (matching only the
      failing case can be a coincidence).
    - ``errors``: ``(text, advice)`` pairs; when the learner's code raises an error whose
      message contains ``text``, the report adds ``advice`` (e.g. a dtype the answer's API
      does not accept).
    - ``time_limit``: seconds for all of the learner's calls in one check.
    - ``example``: a worked example, shown in a lesson but not graded.
    """

    def register(cases: Callable) -> Exercise:
        name = cases.__name__
        if name in REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        if solution.__name__ != name:
            raise ValueError(
                f"the reference for {name!r} must be a function named {name!r} "
                f"(got {solution.__name__!r}): `solve` inserts it under that name"
            )
        ex = Exercise(
            name=name,
            lesson=lesson,
            cases=cases,
            solution=solution,
            points=points,
            difficulty=difficulty,
            minutes=minutes,
            hints=list(hints),
            compare=compare or Close(),
            spec=spec,
            mistakes=list(mistakes),
            time_limit=time_limit,
            example=example,
            seed=seed,
            summary=(inspect.getdoc(cases) or "").split("\n\n")[0],
            errors=list(errors),
        )
        REGISTRY[name] = ex
        return ex

    return register


# --------------------------------------------------------------------------- running a check


def _bind_names(ex: Exercise, case: Case) -> str:
    """``video: Tensor[2, 5, 1, 8, 8] float32, dim: int 1`` for the report."""
    try:
        bound = inspect.signature(ex.solution).bind(*case.args, **case.kwargs)
        items = bound.arguments.items()
    except (TypeError, ValueError):
        items = [(f"arg{i}", a) for i, a in enumerate(case.args)] + list(case.kwargs.items())
    return ", ".join(f"{k}: {describe(v)}" for k, v in items) or "(no arguments)"


def _is_library_file(filename: str) -> bool:
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    return "site-packages" in filename or any(
        filename.startswith(os.path.join(p, "lib")) for p in prefixes
    )


def _cell_name(filename: str) -> str:
    """Jupyter cell files (``/tmp/ipykernel_1/123.py``) read as ``Cell In[5]``."""
    try:
        from IPython import get_ipython

        ip = get_ipython()
        n = ip.compile._filename_map.get(filename) if ip is not None else None  # type: ignore[attr-defined]
        return f"Cell In[{n}]" if n is not None else filename
    except Exception:
        return filename


def trim_traceback(exc: BaseException) -> str:
    """The learner's traceback without the grader's frames or deep library internals."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR + os.sep)
    ]
    own = [i for i, f in enumerate(frames) if not _is_library_file(f.filename)]
    if own:  # keep up to the last frame of the learner's code, then one library frame
        frames = frames[: min(own[-1] + 2, len(frames))]
    lines = []
    for f in frames:
        lines.append(f'  File "{_cell_name(f.filename)}", line {f.lineno}, in {f.name}\n')
        if f.line:
            lines.append(f"    {f.line.strip()}\n")
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip()


def _hints_for(ex: Exercise, failures: int) -> list[str]:
    shown = ex.hints[: max(1, min(failures, len(ex.hints)))] if ex.hints else []
    if failures > len(ex.hints):
        shown = [
            *shown,
            f"Still stuck? check.solution({ex.name!r}, confirm=True) shows the reference.",
        ]
    return shown


def _diagnose(ex: Exercise, cases: list[Case], outputs: list[Any] | None) -> str | None:
    """The known mistake that reproduces the learner's output on every case, if one does.

    ``outputs`` holds the learner's output for each case (``None`` when some case could not be
    run to the end: then no diagnosis, rather than a guess from one case).
    """
    if outputs is None:
        return None
    for description, wrong in ex.mistakes:
        try:
            if all(
                ex.compare(wrong(*copy.deepcopy(c.args), **copy.deepcopy(c.kwargs)), got) is None
                for c, got in zip(cases, outputs, strict=True)
            ):
                return description
        except Exception:
            continue
    return None


def _advice_for_error(ex: Exercise, error: BaseException) -> list[tuple[str, str]]:
    text = f"{type(error).__name__}: {error}"
    return [("hint", advice) for needle, advice in ex.errors if needle in text]


def run_check(ex: Exercise, fn: Callable, *, record_failure: bool = True) -> Result:
    """Run ``fn`` on every case of ``ex``; never raises (the learner's errors are reported)."""
    base = dict(exercise=ex.name, lesson=ex.lesson, max_points=ex.points, graded=ex.graded)
    if not callable(fn):
        return Result(
            status=FAILED,
            summary=f"expected your function, got {describe(fn)}",
            lines=[("how", f"pass the function itself: check.{ex.name}({ex.name})")],
            **base,
        )

    def fail(summary: str, lines, **extra) -> Result:
        if record_failure:
            _FAILURES[ex.name] = _FAILURES.get(ex.name, 0) + 1
        hints = _hints_for(ex, _FAILURES.get(ex.name, 1))
        return Result(status=FAILED, summary=summary, lines=lines, hints=hints, **base, **extra)

    cases = ex.make_cases()
    budget = ex.time_limit
    outputs: list[Any] = []  # the learner's output on each case so far (for the diagnosis)

    def rest_of_outputs(start: int) -> list[Any] | None:
        """The learner's outputs on the cases after a failing one, within the time left."""
        left = budget
        rest = []
        for case in cases[start:]:
            args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
            run = call_with_time_limit(fn, args, kwargs, max(left, 0.05))
            left -= run.seconds
            if run.timed_out or run.error is not None:
                return None
            rest.append(run.value)
        return rest

    for i, case in enumerate(cases, start=1):
        where = f"case {i} of {len(cases)}" + (f" ({case.label})" if case.label else "")
        inputs = ("inputs", _bind_names(ex, case))
        expected = ex.solution(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        out = call_with_time_limit(fn, args, kwargs, max(budget, 0.05))
        budget -= out.seconds
        if out.timed_out:
            note = "" if out.killed else " (it may still be running in the background)"
            return fail(
                f"timed out on {where}: stopped after {ex.time_limit:g} s{note}",
                [
                    inputs,
                    (
                        "problem",
                        "your function did not finish in time: an endless loop, "
                        "or a Python loop over every value where a tensor operation would do?",
                    ),
                ],
            )
        if out.error is not None:
            if isinstance(out.error, NotImplementedError) and i == 1:
                return Result(
                    status=NOT_ATTEMPTED,
                    summary="not attempted yet: replace `raise NotImplementedError` with your "
                    "code, then run this cell again",
                    **base,
                )
            return fail(
                f"raised {type(out.error).__name__} on {where}",
                [inputs, *_advice_for_error(ex, out.error)],
                traceback=trim_traceback(out.error),
            )
        mutated = find_mutation((case.args, case.kwargs), (args, kwargs))
        if mutated:
            return fail(
                f"changed its input in place on {where}",
                [
                    inputs,
                    (
                        "problem",
                        "your function modified an input tensor; work on a copy "
                        "(x = x.clone()) or use out-of-place operations (x = x + 1, not x += 1)",
                    ),
                ],
            )
        lines = ex.compare(expected, out.value)
        if lines:
            rest = rest_of_outputs(i) if ex.mistakes else None
            everything = None if rest is None else [*outputs, out.value, *rest]
            mistake = _diagnose(ex, cases, everything)
            extra = [("looks like", mistake)] if mistake else []
            kind = lines[0][1].split(":")[0] if lines[0][0] == "problem" else "wrong answer"
            return fail(f"{kind} on {where}", [inputs, *lines, *extra])
        outputs.append(out.value)
    labels = [c.label for c in cases if c.label]
    checked = f"{len(cases)} cases" + (f": {'; '.join(labels)}" if labels else "")
    tolerance = getattr(ex.compare, "describe", lambda: "the exercise's comparison")()
    return Result(
        status=PASSED,
        summary=f"matches the reference on {len(cases)} cases",
        lines=[
            ("checked", checked),
            ("compared", f"type, shape, dtype, values ({tolerance})"),
            ("inputs", "left unchanged"),
        ],
        points=ex.points,
        **base,
    )


def iter_registered(lesson: str | None = None) -> Iterator[Exercise]:
    from exercises import load_all

    load_all()
    for ex in REGISTRY.values():
        if lesson is None or ex.lesson == lesson:
            yield ex
