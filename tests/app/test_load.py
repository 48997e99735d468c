"""A bounded load test on loopback: 20 people press Generate at once; nobody crashes the server."""

from __future__ import annotations

import threading
import time

import psutil
import pytest
from app_server import launch

pytestmark = pytest.mark.slow

JOBS = 20
ARGS = ("a 5 moving down", 0, False, 2, "heun", 2.0, 8, 8)  # tiny model, 2 steps, 8 frames


class PeakRSS:
    """Samples this process's resident memory (the server runs in it) every 50 ms."""

    def __init__(self):
        self.proc = psutil.Process()
        self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def wave(client, n: int):
    jobs = [client.submit(*ARGS, api_name="/text_to_video") for _ in range(n)]
    results, errors = [], []
    for job in jobs:
        try:
            results.append(job.result(timeout=180))
        except Exception as e:  # noqa: BLE001 - counted and asserted below
            errors.append(str(e))
    return results, errors


def test_twenty_simultaneous_jobs_all_finish_and_memory_stays_bounded(tmp_path_factory):
    from gradio_client import Client

    demo, url = launch(tmp_path_factory, concurrency=2, max_queue=32)
    try:
        client = Client(url, verbose=False)
        client.predict(*ARGS, api_name="/text_to_video")  # warm up: first-call allocations
        mb = 2**20
        before = psutil.Process().memory_info().rss
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            results, errors = wave(client, JOBS)
            first = time.perf_counter() - t0
            after_first = psutil.Process().memory_info().rss
            t0 = time.perf_counter()
            results2, errors2 = wave(client, JOBS)
            second = time.perf_counter() - t0
        after = psutil.Process().memory_info().rss
        print(
            f"\n{JOBS} jobs x 2 waves, concurrency 2, queue 32: wave 1 {first:.1f} s, wave 2 "
            f"{second:.1f} s; RSS before {before / mb:.0f} MB, peak {mem.peak / mb:.0f} MB, after "
            f"wave 1 {after_first / mb:.0f} MB, after wave 2 {after / mb:.0f} MB; errors {len(errors) + len(errors2)}"
        )
        assert not errors and not errors2, (errors + errors2)[:3]
        assert len(results) == len(results2) == JOBS
        assert all(r[1] == "done: step 2/2" and r[2].endswith(".mp4") for r in results + results2)
        assert mem.peak - before < 1024 * mb, "20 queued jobs should not cost a GB"
        assert after - after_first < 150 * mb, "a second wave should not keep growing memory"
        assert first < 150 and second < 150
        client.predict(*ARGS, api_name="/text_to_video")  # still serving
    finally:
        demo.close()


def test_a_full_queue_turns_extra_jobs_away_politely_and_keeps_serving(tmp_path_factory):
    from gradio_client import Client

    demo, url = launch(tmp_path_factory, concurrency=1, max_queue=2)
    try:
        client = Client(url, verbose=False)
        results, errors = wave(client, 8)
        print(
            f"\nqueue of 2, 8 jobs at once: {len(results)} finished, {len(errors)} turned away: "
            f"{errors[:1]}"
        )
        assert results, "the jobs that got in must finish"
        assert all(r[1] == "done: step 2/2" for r in results)
        assert all("queue" in e.lower() and "full" in e.lower() for e in errors), errors
        assert client.predict(*ARGS, api_name="/text_to_video")[1] == "done: step 2/2"
    finally:
        demo.close()
