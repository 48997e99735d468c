"""For every registered exercise: the reference passes, a stub is ⏳, known mutants fail clearly."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest

import exercises
from exercises.core import run_check
from exercises.result import FAILED, NOT_ATTEMPTED, PASSED

HERE = Path(__file__).parent


def _load_mutants() -> dict[str, list]:
    found: dict[str, list] = {}
    for path in sorted(HERE.glob("mutants_*.py")):
        spec = importlib.util.spec_from_file_location(f"_tinyvid_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, mutants in module.MUTANTS.items():
            found.setdefault(name, []).extend(mutants)
    return found


REGISTRY = exercises.load_all()
NAMES = sorted(REGISTRY)
MUTANTS = _load_mutants()
MUTANT_CASES = [(n, m) for n in NAMES for m in MUTANTS.get(n, [])]


def stub(*args, **kwargs):
    raise NotImplementedError


def test_every_lesson_module_imports():
    assert not exercises._LOAD_ERRORS, exercises._LOAD_ERRORS


@pytest.mark.parametrize("name", NAMES)
def test_reference_solution_passes(name):
    result = run_check(REGISTRY[name], REGISTRY[name].solution, record_failure=False)
    assert result.status == PASSED, str(result)
    assert result.points == REGISTRY[name].points


@pytest.mark.parametrize("name", NAMES)
def test_stub_is_not_attempted(name):
    result = run_check(REGISTRY[name], stub, record_failure=False)
    assert result.status == NOT_ATTEMPTED, str(result)
    assert result.points == 0 and not result.hints


@pytest.mark.parametrize("name", NAMES)
def test_reference_agrees_with_slow_spec(name):
    ex = REGISTRY[name]
    if ex.spec is None:
        pytest.skip("no spec for this exercise")
    for case in ex.make_cases():
        expected = ex.spec(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        got = ex.solution(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        assert ex.compare(expected, got) is None, case.label


@pytest.mark.parametrize("name", NAMES)
def test_exercise_has_edge_cases_hints_and_two_mutants(name):
    ex = REGISTRY[name]
    assert len(ex.make_cases()) >= 3, "random shapes plus edge cases"
    assert all(c.label for c in ex.make_cases()), "every case says what it is about"
    assert len(ex.hints) >= 2, "hints of increasing specificity"
    assert len(MUTANTS.get(name, [])) >= 2, f"keep >= 2 plausible wrong answers in {HERE}"


@pytest.mark.parametrize("name, mutant", MUTANT_CASES, ids=[f"{n}-{m[0]}" for n, m in MUTANT_CASES])
def test_mutant_fails_with_a_pointed_message(name, mutant):
    description, wrong, phrase = mutant
    result = run_check(REGISTRY[name], wrong, record_failure=False)
    assert result.status == FAILED, f"{description!r} passed the check"
    assert phrase.lower() in str(result).lower(), str(result)


@pytest.mark.parametrize("name", NAMES)
def test_cases_are_deterministic(name):
    a, b = REGISTRY[name].make_cases(), REGISTRY[name].make_cases()
    assert repr([c.args for c in a]) == repr([c.args for c in b])
