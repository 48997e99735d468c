"""The built website in a real browser (Debian's chromium, driven by Playwright).

The built folder (``make site`` → ``_build/site``) is served by a plain static file server on
127.0.0.1; every request to any other host is blocked and recorded. ``make test-site`` builds the
site and runs these tests (``-m site``); ``make test`` leaves them out.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("TINYVID_SITE", ROOT / "_build" / "site"))
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
LESSON = "lessons/00_welcome.html"  # figures, an animation and math


class _Handler(http.server.SimpleHTTPRequestHandler):
    isolate = False  # send COOP/COEP so the page may use WASM threads

    def end_headers(self):
        if self.isolate:
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, *args):
        pass


def _serve(isolate: bool):
    handler = type("H", (_Handler,), {"isolate": isolate})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make site` first (make test-site does)")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Visit:
    """A fresh page on the static server; records console errors and blocked requests."""

    def __init__(self, browser, isolate: bool = False):
        self.server, self.url = _serve(isolate)
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.left: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.context.route("**/*", self._route)

    def _route(self, route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.left.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()
        self.server.shutdown()


@pytest.fixture
def visit(browser):
    v = Visit(browser)
    yield v
    v.close()


def test_lesson_page_renders_figures_and_math_with_nothing_from_outside(visit):
    page = visit.page
    page.goto(visit.url + LESSON, wait_until="networkidle")
    page.wait_for_selector("mjx-container", timeout=30_000)  # MathJax, from the local copy
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src').slice(0, 40), i.complete && i.naturalWidth > 0])"
    )
    assert len(images) >= 2, images
    assert all(ok for _, ok in images), [src for src, ok in images if not ok]
    assert "make lab" in page.inner_text(".tinyvid-run")
    assert "00_welcome.ipynb" in page.inner_text(".tinyvid-run")
    toc = page.inner_text("nav.bd-links")
    assert "Core concepts" in toc and "Generation modes" in toc
    assert not visit.left, f"requests that left 127.0.0.1: {visit.left}"
    assert not visit.failed, visit.failed
    assert not visit.errors, visit.errors


LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_lesson_has_a_page_with_its_figures(browser):
    """Each committed notebook is a page; every image on it loads; nothing leaves 127.0.0.1."""
    for name in LESSONS:
        v = Visit(browser)
        try:
            v.page.goto(v.url + f"lessons/{name}.html", wait_until="networkidle")
            loaded = v.page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
            assert loaded and all(loaded), (name, loaded)
            assert name in v.page.inner_text(".tinyvid-run"), name
            assert not v.left and not v.failed and not v.errors, (name, v.left, v.failed, v.errors)
        finally:
            v.close()


def test_search_finds_a_lesson(visit):
    page = visit.page
    page.goto(visit.url + "search.html?q=flicker", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=30_000)
    assert "flicker" in page.inner_text("#search-results").lower()
    assert not visit.left and not visit.errors, (visit.left, visit.errors)


def _generate(page, prompt: str, seed: int, timeout_ms: int = 120_000) -> dict:
    runs = page.evaluate("window.tinyvid.runs.length")
    page.fill("#tv-prompt", prompt)
    page.fill("#tv-seed", str(seed))
    page.click("#tv-go")
    page.wait_for_function(
        f"window.tinyvid.runs.length > {runs} || (window.tinyvid.error && !window.tinyvid.busy)",
        timeout=timeout_ms,
    )
    run = page.evaluate("window.tinyvid.runs[window.tinyvid.runs.length - 1] || null")
    error = page.evaluate("window.tinyvid.error")
    if error:
        return {"error": error, "shown": page.inner_text("#tv-error")}
    # the pixels the page drew: the 16-frame strip canvas, read back
    rgba = page.evaluate(
        "Array.from(document.getElementById('tv-strip').getContext('2d')"
        ".getImageData(0, 0, 1024, 64).data)"
    )
    strip = np.asarray(rgba, dtype=np.uint8).reshape(64, 1024, 4)[..., 0]
    frames = strip.reshape(64, 16, 64).transpose(1, 0, 2)  # [T, 64, 64]
    return {"frames": frames, "seconds": run["seconds"], "threads": run["threads"]}


def _open_generator(visit):
    visit.page.goto(visit.url + "generator.html", wait_until="networkidle")
    visit.page.wait_for_function("window.tinyvid && window.tinyvid.ready", timeout=60_000)


def _as_video(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(frames.astype(np.float32) / 255)[None, :, None]  # [1, T, 1, 64, 64]


def test_generator_page_makes_the_prompted_digit(visit):
    from tinyvid.metrics.prompt import prompt_accuracy

    _open_generator(visit)
    prompt = "a 3 moving right"
    got = [_generate(visit.page, prompt, seed) for seed in (0, 1, 2)]
    assert all("frames" in g for g in got), got
    videos = torch.cat([_as_video(g["frames"]) for g in got])
    digit_hits = [prompt_accuracy(v[None], [prompt])["digit_accuracy"] for v in videos]
    print(f"\n{prompt!r}: detector digit hits {digit_hits}; seconds {[round(g['seconds'], 2) for g in got]}")
    assert sum(digit_hits) >= 2, digit_hits
    assert not visit.left and not visit.errors, (visit.left, visit.errors)


def test_generator_page_frames_match_pytorch_for_the_same_noise(visit):
    from site_noise import gaussian

    import tinyvid
    from tinyvid.diffusion.samplers import sample
    from tinyvid.nn.cond import Cond
    from tinyvid.text import tokenize

    _open_generator(visit)
    prompt, seed = "a 7 moving up-left", 5
    page_frames = _generate(visit.page, prompt, seed)["frames"]

    pipe = tinyvid.load_pipeline(device="cpu")
    cfg = pipe.config
    shape = (1, cfg.num_frames, *pipe.latent_shape)
    noise = torch.from_numpy(gaussian(int(np.prod(shape)), seed)).reshape(shape)
    with torch.inference_mode():
        z = sample(pipe.model, shape, Cond(tokens=tokenize(prompt)), sampler=cfg.sampler,
                   steps=cfg.steps, guidance=cfg.guidance, objective=cfg.objective, noise=noise)
        video = pipe.autoencoder.decode_video(z)[0, :, 0]  # [T, 64, 64]
    torch_frames = (video.numpy() * 255).round()
    diff = np.abs(page_frames.astype(np.float32) - torch_frames)
    print(f"\npage vs PyTorch, same noise: mean |Δ| {diff.mean():.3f}, max {diff.max():.0f} (of 255)")
    assert diff.mean() < 1.0 and diff.max() <= 16
    # and the noise matters: another seed gives another clip
    other = _generate(visit.page, prompt, seed + 1)["frames"]
    assert np.abs(other.astype(np.float32) - torch_frames).mean() > 5


def test_bad_prompts_get_the_librarys_message(visit):
    import tinyvid
    from tinyvid.text import tokenize

    _open_generator(visit)
    pipe = tinyvid.load_pipeline(device="cpu")
    for prompt in ("a 7 moving sideways", "a 7 moving qqq", "the 7 moving up", ""):
        with pytest.raises(ValueError) as lib:
            if prompt:
                tokenize(prompt)
            else:
                pipe.text_to_video(prompt)
        got = _generate(visit.page, prompt, 0)
        assert got.get("error") == str(lib.value), (prompt, got)
        assert str(lib.value) in got["shown"]
    assert not visit.left and not visit.errors, (visit.left, visit.errors)


def test_generator_uses_threads_when_cross_origin_isolated(browser):
    v = Visit(browser, isolate=True)
    try:
        _open_generator(v)
        threads = v.page.evaluate("window.tinyvid.threads")
        t0 = time.perf_counter()
        got = _generate(v.page, "an 8 moving down slowly", 0)
        print(f"\ncross-origin isolated: {threads} threads, {got['seconds']:.2f} s in the page "
              f"({time.perf_counter() - t0:.2f} s seen by the test)")
        assert threads > 1 or (os.cpu_count() or 1) == 1
        assert "frames" in got and not v.errors, v.errors
    finally:
        v.close()
