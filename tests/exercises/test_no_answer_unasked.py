"""No feedback path shows a reference solution unless the learner asks for it.

Lesson 00 promises that peeking is the learner's choice: only
``check.solution(name, confirm=True)`` prints the reference. Every other way a check can answer
(a wrong value, an error, a missing ``return``, a time-out, the hint ladder climbed to its top
and past it, a known mistake recognised) must leave the answer out. Two independent tests:

- the reference's answer (its return expressions), or half of its statements, never appear in
  any feedback, whatever the failure (a hint may name one step of the way);
- no hint, read as Python (any run of its words that compiles), solves the exercise.
"""

from __future__ import annotations

import ast
import dataclasses
import html
import inspect
import json
import re
import textwrap

import pytest
from test_registered_exercises import MUTANTS  # same folder: pytest puts it on the path

import exercises
from exercises import check
from exercises.core import _FAILURES, run_check
from exercises.result import FAILED, PASSED

REGISTRY = exercises.load_all()
NAMES = sorted(REGISTRY)


def _squash(text: str) -> str:
    """Whitespace, brackets and quote style removed: `x = (a, b)` and `x=a,b` compare equal."""
    text = re.sub(r"[\s()]+", "", text).replace('"', "'")
    return text.replace(",}", "}").replace(",]", "]")  # trailing commas


def _reference_statements(fn) -> tuple[list[str], list[str]]:
    """The reference's simple statements (docstring and shape unpacking left out), and its
    return expressions (the answer itself), whitespace squashed."""
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source)
    statements, answers = [], []
    for node in ast.walk(tree.body[0]):
        if not isinstance(node, (ast.Return, ast.Assign, ast.AugAssign, ast.Expr)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Attribute, ast.Subscript)):
            continue  # `B, T = video.shape[:2]`: reading sizes is not the answer
        # the text as written, not ast.unparse's (which turns 1e-6 into 1e-06); comments out
        written = re.sub(r"#[^\n]*", "", ast.get_source_segment(source, node))
        text = _squash(written.removeprefix("return "))
        if len(text) >= 10:
            statements.append(text)
            if isinstance(node, ast.Return):
                answers.append(text)
    return statements, answers


def _everything_shown(result) -> str:
    page = html.unescape(re.sub(r"<[^>]+>", " ", result._repr_html_()))
    return "\n".join([str(result), page, json.dumps(result.record(), ensure_ascii=False)])


def _failing_answers(name: str) -> list:
    def returns_none(*args, **kwargs):
        return None

    def raises(*args, **kwargs):
        raise ValueError("my bug")

    def constant(*args, **kwargs):
        return 0

    wrong = [m[1] for m in MUTANTS.get(name, [])]
    return [returns_none, raises, constant, *wrong]


@pytest.mark.parametrize("name", NAMES)
def test_no_failure_path_prints_the_reference(name):
    ex = REGISTRY[name]
    statements, answers = _reference_statements(ex.solution)
    assert statements, "the reference has statements to look for"
    _FAILURES.pop(name, None)
    shown = []
    attempts = _failing_answers(name)
    try:
        # climb the hint ladder to the top and beyond, through every kind of failure
        for _ in range(max(2, len(ex.hints) + 2)):
            for answer in attempts:
                result = run_check(ex, answer)
                if result.status == PASSED:
                    continue
                assert result.status == FAILED
                shown.append(_everything_shown(result))
        shown.append(str(check.solution(name)))  # asking without confirm=True
    finally:
        _FAILURES.pop(name, None)
    assert any("confirm=True" in s for s in shown), "the last rung points to check.solution"
    feedback = _squash("\n".join(shown))
    # a hint may name one step of the way; it must not hand over the answer: no return
    # expression of the reference, and not half of its statements
    leaked = [s for s in statements if s in feedback]
    assert not [s for s in answers if s in feedback], f"feedback shows the reference's answer: {leaked}"
    assert len(leaked) < max(1, len(statements) / 2), f"feedback shows the reference's code: {leaked}"


def test_the_reference_is_shown_when_asked_with_confirm():
    for name in NAMES:
        text = str(check.solution(name, confirm=True))
        shown = _squash(re.sub(r"#[^\n]*", "", text))  # comments split statements apart
        assert all(s in shown for s in _reference_statements(REGISTRY[name].solution)[0]), name


def _code_fragments(hint: str, params: list[str]) -> set[str]:
    """Every run of the hint's words that compiles as a function body using a parameter."""
    words = hint.replace("`", " ").split()
    found = set()
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + 40) + 1):
            text = " ".join(words[i:j]).strip(" .,;:")
            if len(text) < 8 or not any(re.search(rf"\b{p}\b", text) for p in params):
                continue
            for body in (text, f"return {text}"):
                try:
                    compile(f"def _f({', '.join(params)}):\n    {body}\n", "<hint>", "exec")
                except (SyntaxError, ValueError):
                    continue
                found.add(body)
    return found


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_solves_the_exercise_when_read_as_code(name):
    ex = REGISTRY[name]
    quick = dataclasses.replace(ex, mistakes=[], time_limit=2.0)
    params = list(inspect.signature(ex.solution).parameters)
    namespace = dict(vars(inspect.getmodule(ex.solution)))  # the reference's imports
    solving = []
    for hint in ex.hints:
        for body in _code_fragments(hint, params):
            source = f"def {name}({', '.join(params)}):\n    {body}\n"
            scope = dict(namespace)
            try:
                exec(compile(source, "<hint>", "exec"), scope)
            except Exception:
                continue
            if run_check(quick, scope[name], record_failure=False).status == PASSED:
                solving.append(body)
    assert not solving, f"a hint of {name!r} is a complete answer: {solving}"


def test_the_fragment_finder_would_catch_a_hint_that_gives_the_answer():
    ex = REGISTRY["reverse_time"]
    leaky = dataclasses.replace(ex, hints=["Easy: video.flip(dims=[1]). Done."])
    params = list(inspect.signature(ex.solution).parameters)
    fragments = _code_fragments(leaky.hints[0], params)
    assert "return video.flip(dims=[1])" in fragments
