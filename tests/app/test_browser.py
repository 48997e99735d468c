"""A real browser (Debian's chromium, driven by Playwright) types a prompt and gets a video."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from app_server import launch

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Recorded in the page: when the first preview image and the first video source appeared,
# and every status label shown, so the test can tell the order of events after the fact.
WATCH = """
() => {
  window.__seen = {preview: null, video: null, statuses: []};
  const t0 = performance.now();
  const look = () => {
    const img = document.querySelector('#t2v-preview img');
    if (img && img.getAttribute('src') && window.__seen.preview === null) window.__seen.preview = performance.now() - t0;
    const vid = document.querySelector('#t2v-video video');
    if (vid && vid.getAttribute('src') && window.__seen.video === null) window.__seen.video = performance.now() - t0;
    const st = document.querySelector('#t2v-status');
    const text = st ? st.innerText.trim() : '';
    const s = window.__seen.statuses;
    if (text && s[s.length - 1] !== text) s.push(text);
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}
"""


@pytest.fixture(scope="module")
def page_app(tmp_path_factory):
    """The shipped pipeline at its defaults when its weights exist (so the screenshot shows a
    real digit video), else the tiny untrained one."""
    from tinyvid.pipelines import WEIGHTS_DIR

    if (WEIGHTS_DIR / "default_video.safetensors").is_file():
        from app_server import free_port

        from app import build_app, serve
        from tinyvid.pipelines import load_pipeline

        demo = build_app(load_pipeline(device="cpu"), workdir=tmp_path_factory.mktemp("shipped"))
        port = free_port()
        serve(demo, port=port, block=False, quiet=True)
        url = f"http://127.0.0.1:{port}/"
    else:
        demo, url = launch(tmp_path_factory)
    yield demo, url
    demo.close()


def test_browser_types_a_prompt_and_watches_the_video_arrive(page_app, tmp_path):
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    demo, url = page_app
    shot = tmp_path / "app.png"
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1100},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="networkidle", timeout=60_000)
            if demo.tinyvid_models.banner:
                assert demo.tinyvid_models.banner in page.inner_text("#banner")
            prompt = page.locator("#t2v-prompt textarea")
            prompt.fill("a 3 moving right")
            page.evaluate(WATCH)
            start = time.perf_counter()
            page.click("#t2v-generate")
            page.wait_for_selector("#t2v-video video[src]", timeout=120_000)
            elapsed = time.perf_counter() - start
            page.wait_for_function(
                "document.querySelector('#t2v-status').innerText.includes('done')", timeout=30_000
            )
            seen = page.evaluate("window.__seen")
            page.wait_for_timeout(500)  # let the first video frame paint
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    print(f"\nvideo after {elapsed:.1f} s; seen: {seen}; screenshot: {shot}")
    assert seen["preview"] is not None and seen["video"] is not None
    assert seen["preview"] < seen["video"], "the live preview must appear before the final video"
    assert any(s.startswith("step 1/") for s in seen["statuses"]), seen["statuses"]
    assert shot.stat().st_size > 10_000
    assert not errors, errors
