"""A real browser (Debian's chromium, driven by Playwright) uses every tab as a person would.

It types a prompt and watches the video arrive, reads an error message in full, draws a digit
and checks the model got it, and takes a screenshot of each tab. ``APP_SCREENSHOTS=app/screenshots``
writes those screenshots where ``app/README.md`` shows them (otherwise they go to a temp folder).
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from app_server import launch
from PIL import Image

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
SHOT_WIDTH = 960  # screenshots are taken at 1280 px and stored at this width, in 64 colours
WAIT_MS = 180_000  # for one video of the shipped model on a busy 2-core machine

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

# The tick labels of a vega-lite figure's y axis (gradio draws its plots as SVG).
Y_TICKS = """
(id) => {
  const axes = [...document.querySelectorAll(`#${id} svg g.role-axis`)];
  const y = axes.find(a => (a.getAttribute('aria-label') || '').startsWith('Y-axis'));
  return y ? [...y.querySelectorAll('g.role-axis-label text')].map(t => t.textContent) : [];
}
"""

# Where an image input's upload prompt starts, against the bottom of its label.
UPLOAD_PROMPT = """
(id) => {
  const root = document.getElementById(id);
  const label = root.querySelector('[data-testid="block-label"]');
  const icons = [...root.querySelectorAll('svg')].filter(s => !label.contains(s));
  const top = Math.min(...icons.map(s => s.getBoundingClientRect().top));
  return {label_bottom: label.getBoundingClientRect().bottom, prompt_top: top};
}
"""

# How many lines a slider's help text takes.
INFO_LINES = """
(text) => {
  const el = [...document.querySelectorAll('body *')].find(
    e => e.childElementCount === 0 && e.textContent.trim() === text);
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize);
  return el.getBoundingClientRect().height / line;
}
"""


@pytest.fixture(scope="module")
def page_app(tmp_path_factory):
    """The shipped pipeline at its defaults when its weights exist (so the screenshots show
    real digit videos), else the tiny untrained one."""
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


@pytest.fixture(scope="module")
def browser(page_app, tmp_path_factory):
    """``(page, demo, errors)``: one chromium page on the app, shared by this module's tests."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    demo, url = page_app
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),  # a fresh user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="networkidle", timeout=60_000)
            yield page, demo, errors
        finally:
            context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("APP_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page, folder: Path, name: str) -> Path:
    """The whole page as a small PNG: 960 px wide, 64 colours."""
    img = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    img = img.resize((SHOT_WIDTH, round(img.height * SHOT_WIDTH / img.width)), Image.LANCZOS)
    path = folder / f"{name}.png"
    img.quantize(64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )
    return path


def wait_done(page, prefix: str) -> None:
    """Until the tab's video has arrived and its status says done."""
    page.wait_for_selector(f"#{prefix}-video video[src]", timeout=WAIT_MS)
    page.wait_for_function(
        f"document.querySelector('#{prefix}-status').innerText.includes('done')", timeout=30_000
    )
    page.wait_for_timeout(500)  # let the first video frame and the figure paint


def seed_shown(page) -> str:
    return page.locator("#t2v-seed textarea, #t2v-seed input").first.input_value()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(500)


def test_browser_types_a_prompt_and_watches_the_video_arrive(browser, shots):
    from app.render import real_flicker

    page, demo, _ = browser
    if demo.tinyvid_models.banner:
        assert demo.tinyvid_models.banner in page.inner_text("#banner")
    assert seed_shown(page) == ""  # no seed before a run
    page.fill("#t2v-prompt textarea", "a 3 moving right")
    page.evaluate(WATCH)
    start = time.perf_counter()
    page.click("#t2v-generate")
    wait_done(page, "t2v")
    elapsed = time.perf_counter() - start
    seen = page.evaluate("window.__seen")
    shot = screenshot(page, shots, "text_to_video")
    print(f"\nvideo after {elapsed:.1f} s (under load); seen: {seen}; screenshot: {shot}")
    assert seen["preview"] is not None and seen["video"] is not None
    assert seen["preview"] < seen["video"], "the live preview must appear before the final video"
    assert any(s.startswith("step 1/") for s in seen["statuses"]), seen["statuses"]
    assert seed_shown(page) != ""
    # the flicker figure's y axis reaches above the real clips' line (it once stopped at 0.04)
    ticks = [float(t) for t in page.evaluate(Y_TICKS, "t2v-plot")]
    real = real_flicker(demo.tinyvid_models.video.config.num_frames)
    assert ticks and max(ticks) > real, (ticks, real)


def test_an_error_shows_in_full_and_the_last_video_is_cleared(browser):
    page, _, _ = browser
    if not page.locator("#t2v-video video[src]").count():  # a finished run on screen first
        page.fill("#t2v-prompt textarea", "a 3 moving right")
        page.click("#t2v-generate")
        wait_done(page, "t2v")
    page.fill("#t2v-prompt textarea", "")
    page.click("#t2v-generate")
    toast = page.locator(".toast-body").last
    toast.wait_for(timeout=60_000)
    shown = " ".join(toast.inner_text().split())
    assert (
        "Prompts look like 'a ‹digit› moving ‹direction› [slowly]' or "
        "'a ‹digit› and a ‹digit› bouncing'." in shown
    ), shown
    page.wait_for_function(
        "!document.querySelector('#t2v-video video[src]')", timeout=30_000
    )  # the last run's video is gone
    status = page.inner_text("#t2v-status")
    assert "not run" in status and "done" not in status, status
    assert seed_shown(page) == ""
    page.locator(".toast-close").first.click()


def test_a_digit_drawn_on_the_black_canvas_shows_and_reaches_the_model(browser, shots):
    page, demo, _ = browser
    open_tab(page, "Image → video")
    open_tab(page, "Draw")
    canvas = page.locator("#i2v-sketch canvas").first
    box = canvas.bounding_box()
    x, top, bottom = box["width"] / 2, box["height"] * 0.3, box["height"] * 0.7

    def under_the_stroke() -> np.ndarray:
        grey = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("L"), np.float32)
        return grey[round(top + 15) : round(bottom - 15), round(x) - 2 : round(x) + 3]

    before = under_the_stroke()
    page.mouse.move(box["x"] + x, box["y"] + top)
    page.mouse.down()
    for y in np.linspace(top, bottom, 20):
        page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.up()
    page.wait_for_timeout(500)
    after = under_the_stroke()
    assert before.mean() < 40, "the canvas should be black before drawing"
    assert after.mean() > 200, "a white stroke should show on it"

    drawings = demo.tinyvid_handlers.outbox.folder
    deadline = time.time() + 30
    while not list(drawings.glob("drawing-*.png")) and time.time() < deadline:
        page.wait_for_timeout(200)
    page.wait_for_timeout(1000)  # the drawing, as a 64×64 frame, reaches the image input
    pipe = demo.tinyvid_models.video
    received = []
    real_stream = pipe.stream

    def spy(*args, **kwargs):
        received.append(kwargs)
        return real_stream(*args, **kwargs)

    pipe.stream = spy
    try:
        page.click("#i2v-generate")
        wait_done(page, "i2v")
    finally:
        del pipe.stream  # the class's method again
    assert received, "Generate did not reach the model"
    image = received[-1]["image"][0].numpy()  # [64, 64]: what the model animated
    ys, xs = np.nonzero(image > 0.3)
    assert image.max() > 0.9 and ys.max() - ys.min() + 1 >= 18  # a stroke 20 px tall
    assert xs.max() - xs.min() + 1 <= 10 and abs(xs.mean() - 31.5) < 4  # thin, in the middle
    screenshot(page, shots, "image_to_video")


def test_extend_interpolate_and_the_flicker_lab_in_the_browser(browser, shots):
    page, _, _ = browser
    open_tab(page, "Extend")
    lines = page.evaluate(INFO_LINES, "the last frames each window sees")
    assert lines < 1.5, f"the context help is squeezed onto {lines:.1f} lines"
    page.locator("#extend-examples .gallery-item, #extend-examples tbody tr").first.click()
    page.wait_for_timeout(500)
    page.click("#extend-generate")
    wait_done(page, "extend")
    screenshot(page, shots, "extend")

    open_tab(page, "Interpolate")
    for which in ("first", "last"):
        where = page.evaluate(UPLOAD_PROMPT, f"interpolate-{which}")
        assert where["prompt_top"] >= where["label_bottom"], (which, where)
    page.locator(
        "#interpolate-examples .gallery-item, #interpolate-examples tbody tr"
    ).first.click()
    page.wait_for_timeout(500)
    page.click("#interpolate-generate")
    wait_done(page, "interpolate")
    screenshot(page, shots, "interpolate")

    open_tab(page, "Flicker lab")
    page.click("#flicker-generate")
    wait_done(page, "flicker")
    shot = screenshot(page, shots, "flicker_lab")
    assert shot.stat().st_size < 300_000
