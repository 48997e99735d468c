"""Graded exercises for the tinyvid lessons.

In a lesson::

    from exercises import check
    check.reverse_time(reverse_time)                 # ✅ / ❌ with a hint / ⏳
    check.solution("reverse_time", confirm=True)     # peek at the reference, on purpose

Lesson authors register exercises in ``exercises/lessonNN.py`` with :func:`exercise`, and put
reference solutions in ``exercises/solutions/lessonNN.py``. See ``exercises/README.md``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import warnings

from exercises.compare import Close, exact
from exercises.core import REGISTRY, Case, Exercise, exercise, run_check
from exercises.result import Message, Result

__all__ = [
    "Case",
    "Close",
    "Exercise",
    "Message",
    "Result",
    "check",
    "exact",
    "exercise",
    "get",
    "load_all",
    "run_check",
]

_LESSON_MODULE = re.compile(r"^lesson\d\d\w*$")
_LOADED = False
_LOAD_ERRORS: dict[str, str] = {}


def load_all() -> dict[str, Exercise]:
    """Import every ``exercises/lessonNN*.py`` (once); a broken one warns, the rest still load."""
    global _LOADED
    if not _LOADED:
        _LOADED = True
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if _LESSON_MODULE.match(info.name):
                try:
                    importlib.import_module(f"{__name__}.{info.name}")
                except Exception as exc:  # one lesson's bug must not hide the others' checks
                    _LOAD_ERRORS[info.name] = f"{type(exc).__name__}: {exc}"
                    warnings.warn(f"exercises.{info.name} failed to import: {exc}", stacklevel=2)
    return REGISTRY


def get(name: str) -> Exercise:
    """The registered exercise called ``name`` (``KeyError`` naming the known ones if absent)."""
    load_all()
    if name not in REGISTRY:
        known = ", ".join(sorted(REGISTRY)) or "none"
        broken = f"; modules that failed to import: {_LOAD_ERRORS}" if _LOAD_ERRORS else ""
        raise KeyError(f"no exercise named {name!r}; known exercises: {known}{broken}")
    return REGISTRY[name]


class _Checks:
    """``check.<exercise>(your_function)`` runs that exercise's check.

    ``check.solution(name, confirm=True)`` shows a reference solution;
    ``check.list(lesson)`` lists the exercises (of one lesson, e.g. "03").
    """

    def __getattr__(self, name: str) -> Exercise:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return get(name)
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def __dir__(self):
        return sorted({*load_all(), "solution", "list"})

    def list(self, lesson: str | None = None) -> Message:
        rows = [
            f"{ex.lesson}  {ex.name:<28} {'★' * ex.difficulty:<3} {ex.points} pt  ~{ex.minutes} min"
            + ("  (worked example)" if ex.example else "")
            for ex in load_all().values()
            if lesson is None or ex.lesson == lesson
        ]
        return Message("\n".join(rows) or "no exercises registered")

    def solution(self, name: str, confirm: bool = False) -> Message:
        """Show the reference solution of ``name``, only when asked with ``confirm=True``."""
        ex = get(name)
        where = inspect.getsourcefile(ex.solution) or "exercises/solutions/"
        if not confirm:
            return Message(
                f"Peeking is your choice. Trying first (and reading the hints a failed check "
                f"gives) teaches more. To see the reference for {name!r}, run\n"
                f"    check.solution({name!r}, confirm=True)\n"
                f"(it lives in {where})."
            )
        return Message(
            f"Reference solution for {name!r} ({where}):", inspect.getsource(ex.solution)
        )

    def __repr__(self) -> str:
        return f"<exercise checks: {', '.join(sorted(load_all()))}>"


check = _Checks()
