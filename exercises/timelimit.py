"""Run a learner's function under a time limit, so an infinite loop cannot hang a notebook.

Choice: in the main thread of a Unix process (a Jupyter kernel runs cells there, and so do
pytest and the command-line grader) we arm ``signal.setitimer(ITIMER_REAL)``; its ``SIGALRM``
handler raises :class:`CheckTimeout` *inside* the learner's code, which really stops it.
``CheckTimeout`` derives from ``BaseException`` so a learner's ``except Exception:`` does not
swallow it. An earlier timer (pytest-timeout uses the same signal) is put back afterwards.

Fallback (Windows, or a check called from a non-main thread): the function runs in a daemon
thread and we stop *waiting* after the limit. Python cannot kill a thread, so there the loop
keeps running in the background until the kernel restarts; the report says so.

Limits of both: a single long C call (one huge matmul) is interrupted only when it returns.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class CheckTimeout(BaseException):  # noqa: N818 (reads better at the call site)
    """Raised inside the learner's function when its time is up."""


@dataclass
class Outcome:
    """What happened when we called the learner's function."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    killed: bool = True  # False when the fallback had to leave a thread running
    seconds: float = 0.0


def _can_use_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def call_with_time_limit(fn: Callable, args: tuple, kwargs: dict, seconds: float) -> Outcome:
    """Call ``fn(*args, **kwargs)``; never raises, never runs (much) longer than ``seconds``."""
    if _can_use_signal():
        return _call_with_signal(fn, args, kwargs, seconds)
    return _call_in_thread(fn, args, kwargs, seconds)


def _call_with_signal(fn, args, kwargs, seconds) -> Outcome:
    def on_alarm(signum, frame):
        raise CheckTimeout

    start = time.perf_counter()
    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    out = Outcome()
    try:
        try:
            out.value = fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except CheckTimeout:
        out.timed_out = True
    except BaseException as exc:  # the learner's error is data here, reported by the check
        if isinstance(exc, KeyboardInterrupt):
            raise
        out.error = exc
    finally:
        out.seconds = time.perf_counter() - start
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # give the outer timer (e.g. pytest-timeout) what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - out.seconds, 1e-3), old_interval)
    return out


def _call_in_thread(fn, args, kwargs, seconds) -> Outcome:
    out = Outcome()

    def target():
        try:
            out.value = fn(*args, **kwargs)
        except BaseException as exc:
            out.error = exc

    start = time.perf_counter()
    thread = threading.Thread(target=target, daemon=True, name="exercise-check")
    thread.start()
    thread.join(seconds)
    out.seconds = time.perf_counter() - start
    if thread.is_alive():
        out.timed_out, out.killed = True, False
        out.value, out.error = None, None
    return out
