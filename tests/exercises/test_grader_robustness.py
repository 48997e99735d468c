"""The grader reports learners' mistakes correctly and keeps going: hangs, errors, wrong types,
NaN, in-place changes; and it renders the same content as text and HTML."""

from __future__ import annotations

import dataclasses
import json
import math
import signal
import threading
import time

import pytest
import torch

import exercises
from exercises import Close, check, exact
from exercises.core import _FAILURES, run_check
from exercises.result import FAILED, MIME, NOT_ATTEMPTED, PASSED
from exercises.timelimit import call_with_time_limit

REVERSE = exercises.get("reverse_time")
QUICK = dataclasses.replace(REVERSE, time_limit=0.5)  # same exercise, short time limit


def correct(video):
    return video.flip(1)


def test_endless_loop_is_stopped_and_next_check_still_runs():
    def hangs(video):
        while True:
            pass

    start = time.perf_counter()
    result = run_check(QUICK, hangs, record_failure=False)
    assert result.status == FAILED and "timed out" in result.summary
    assert time.perf_counter() - start < 5
    assert run_check(QUICK, correct).status == PASSED


def test_sleeping_function_is_stopped_too():
    result = run_check(QUICK, lambda v: time.sleep(30), record_failure=False)
    assert result.status == FAILED and "timed out" in result.summary


def test_time_out_is_not_swallowed_by_the_learners_except_exception():
    def stubborn(video):
        while True:
            try:
                while True:
                    pass
            except Exception:  # a learner's broad except must not defeat the time limit
                pass

    assert "timed out" in run_check(QUICK, stubborn, record_failure=False).summary


def test_outer_timer_such_as_pytest_timeout_is_restored():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        run_check(QUICK, correct)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < remaining <= 30
        assert signal.getsignal(signal.SIGALRM) is not None and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_outside_the_main_thread_a_hang_is_reported_without_blocking():
    results = []
    thread = threading.Thread(
        target=lambda: results.append(
            run_check(QUICK, lambda v: time.sleep(3), record_failure=False)
        )
    )
    thread.start()
    thread.join(10)
    assert results and "timed out" in results[0].summary
    assert "background" in results[0].summary


def test_time_limit_helper_returns_value_error_or_timeout():
    assert call_with_time_limit(lambda x: x + 1, (1,), {}, 1.0).value == 2
    assert isinstance(call_with_time_limit(lambda: 1 / 0, (), {}, 1.0).error, ZeroDivisionError)
    assert call_with_time_limit(time.sleep, (5,), {}, 0.2).timed_out


def test_exception_is_reported_with_traceback_trimmed_to_learner_code():
    def helper_of_mine(video):
        return video.flip(7)  # no axis 7

    def reverse_time(video):
        return helper_of_mine(video)

    result = run_check(REVERSE, reverse_time, record_failure=False)
    assert result.status == FAILED and "raised IndexError" in result.summary
    assert "helper_of_mine" in result.traceback and "reverse_time" in result.traceback
    assert "exercises/core.py" not in result.traceback
    assert "timelimit.py" not in result.traceback
    assert "IndexError" in result.traceback.splitlines()[-1]


def test_not_implemented_on_a_later_case_is_a_failure_not_a_stub():
    def partial(video):
        if video.shape[1] == 1:
            raise NotImplementedError("T = 1 is not handled")
        return video.flip(1)

    result = run_check(REVERSE, partial, record_failure=False)
    assert result.status == FAILED and "T = 1" in result.summary


def test_wrong_return_type_is_named():
    result = run_check(REVERSE, lambda v: v.flip(1).tolist(), record_failure=False)
    assert result.status == FAILED and "wrong type" in result.summary
    assert "expected torch.Tensor, got list" in str(result)


def test_nan_in_output_is_reported():
    def with_nan(video):
        out = video.flip(1).clone()
        out[0, 0, 0, 0, 0] = float("nan")
        return out

    result = run_check(REVERSE, with_nan, record_failure=False)
    assert result.status == FAILED and "NaN" in result.summary
    assert "[0, 0, 0, 0, 0]" in str(result)


def test_in_place_modification_of_input_is_caught_even_when_the_answer_is_right():
    def sneaky(video):
        out = video.flip(1)
        video.zero_()
        return out

    result = run_check(REVERSE, sneaky, record_failure=False)
    assert result.status == FAILED and "in place" in result.summary


def test_not_a_function():
    result = run_check(REVERSE, torch.zeros(3), record_failure=False)
    assert result.status == FAILED and "expected your function" in result.summary


def test_hints_get_more_specific_on_repeated_failures():
    _FAILURES.pop("reverse_time", None)
    wrong = lambda v: v.flip(0)  # noqa: E731
    shown = [run_check(REVERSE, wrong).hints for _ in range(len(REVERSE.hints) + 1)]
    assert [len(h) for h in shown[:-1]] == list(range(1, len(REVERSE.hints) + 1))
    assert shown[0][0] == REVERSE.hints[0]
    assert "check.solution('reverse_time', confirm=True)" in shown[-1][-1]
    _FAILURES.pop("reverse_time", None)


def test_failure_report_shows_shapes_expected_got_and_max_error():
    text = str(run_check(REVERSE, lambda v: v.flip(0), record_failure=False))
    assert "video: Tensor[" in text and "max abs error" in text
    assert "expected values" in text and "your values" in text


def test_text_and_html_carry_the_same_content_and_a_json_record():
    for fn in (correct, lambda v: v.flip(0), lambda v: 1 / 0, _stub):
        result = run_check(REVERSE, fn, record_failure=False)
        text, page = str(result), result._repr_html_()
        assert result.summary.replace("`", "") in page.replace("&#x27;", "'").replace("`", "")
        for _, value in result.lines:
            assert value in text
        bundle = result._repr_mimebundle_()
        assert set(bundle) == {"text/plain", "text/html", MIME}
        record = json.loads(json.dumps(bundle[MIME]))
        assert record["exercise"] == "reverse_time" and record["status"] == result.status


def _stub(video):
    raise NotImplementedError


def test_stub_message_is_neutral():
    result = run_check(REVERSE, _stub)
    assert result.status == NOT_ATTEMPTED and result.summary.startswith("not attempted")
    assert "❌" not in str(result) and not result.traceback


def test_solution_needs_confirmation():
    assert "def reverse_time" not in str(check.solution("reverse_time"))
    assert "confirm=True" in str(check.solution("reverse_time"))
    assert "def reverse_time" in str(check.solution("reverse_time", confirm=True))


def test_check_attribute_runs_the_exercise_and_unknown_names_are_clear():
    assert check.reverse_time(correct).passed
    with pytest.raises(AttributeError, match="reverse_time"):  # lists the known ones
        check.reverse_tim  # noqa: B018
    assert "reverse_time" in dir(check)


def test_compare_messages():
    close = Close(atol=1e-3, rtol=0)
    assert close(torch.zeros(2, 3), torch.zeros(2, 3) + 1e-4) is None
    assert "axes swapped" in close(torch.zeros(2, 3), torch.zeros(3, 2))[0][1]
    assert "dtype" in close(torch.zeros(2), torch.zeros(2, dtype=torch.float64))[0][1]
    assert Close(check_dtype=False)(torch.zeros(2), torch.zeros(2, dtype=torch.float64)) is None
    assert "[1]" in close((torch.zeros(1), torch.zeros(2)), (torch.zeros(1), torch.ones(2)))[0][1]
    assert "wrong length" in close([1, 2], [1])[0][1]
    assert exact()(3, 3) is None and "wrong value" in exact()(3, 4)[0][1]
    assert "wrong type" in exact()(3, True)[0][1]
    assert Close(rtol=1e-3)(1.0, 1.0005) is None and Close(rtol=1e-5)(1.0, 1.5) is not None


def test_a_mistake_is_named_only_when_it_reproduces_every_case():
    jump = exercises.get("jump_fraction")

    def threshold_8(tracks, threshold=8.0):  # the lesson's number hard-coded
        if tracks.shape[1] < 2:
            return torch.zeros(len(tracks))
        return ((tracks[:, 1:] - tracks[:, :-1]).norm(dim=-1) > 8.0).float().mean(1)

    result = run_check(jump, threshold_8, record_failure=False)
    assert result.status == FAILED
    assert "looks like" not in dict(result.lines), str(result)  # no coincidental "Euclidean" story

    def chebyshev(tracks, threshold=8.0):  # a real, known mistake: named
        if tracks.shape[1] < 2:
            return torch.zeros(len(tracks))
        steps = (tracks[:, 1:] - tracks[:, :-1]).abs().amax(-1)
        return (steps > threshold).float().mean(1)

    result = run_check(jump, chebyshev, record_failure=False)
    assert "max(|dx|, |dy|)" in dict(result.lines).get("looks like", ""), str(result)

    drift = exercises.get("identity_drift")
    last = lambda p: (p.argmax(-1) != p.argmax(-1)[:, -1:]).to(p.dtype).mean(1)  # noqa: E731
    result = run_check(drift, last, record_failure=False)
    assert result.status == FAILED and "looks like" not in dict(result.lines), str(result)


def test_answers_right_up_to_type_are_told_so():
    import numpy as np

    pixels = exercises.get("pixel_count")
    result = run_check(pixels, lambda s, f, h, w: np.int64(s * f * h * w), record_failure=False)
    assert result.status == FAILED and result.summary.startswith("right value, wrong type")
    assert "int(...)" in str(result)
    result = run_check(pixels, lambda s, f, h, w: s * f * h * w / 1, record_failure=False)
    assert "right value" in result.summary and "//" in str(result)
    result = run_check(REVERSE, lambda v: v.flip(1).double(), record_failure=False)
    assert "the values are right" in str(result)


def test_an_error_the_exercise_knows_gets_its_advice():
    nbytes = exercises.get("video_bytes")
    finfo = lambda shape, dtype: math.prod(shape) * torch.finfo(dtype).bits // 8  # noqa: E731
    result = run_check(nbytes, finfo, record_failure=False)
    assert "raised TypeError" in result.summary and "torch.iinfo" in dict(result.lines)["hint"]
