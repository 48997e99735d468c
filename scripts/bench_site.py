"""Seconds per clip: the website's in-browser generator vs PyTorch, on this machine.

    make site && python scripts/bench_site.py [--clips 3] [-o site/figures.json]

Serves ``_build/site`` on 127.0.0.1, opens the generator page in Debian's chromium (Playwright)
twice, without and with cross-origin isolation (WASM single-threaded, then threaded), times
``--clips`` clips each, times ``load_pipeline().text_to_video`` at the same defaults with torch on
the same cores, and writes the figures (with the ONNX file sizes and the machine) as JSON. The
site build puts them on the generator page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "a 3 moving right"


def browser_seconds(site: Path, clips: int, isolate: bool) -> tuple[list[float], int]:
    sys.path.insert(0, str(ROOT / "tests" / "site"))
    os.environ["TINYVID_SITE"] = str(site)
    from playwright.sync_api import sync_playwright
    from test_site_browser import ARGS, CHROMIUM, Visit, _generate, _open_generator

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        visit = Visit(browser, isolate=isolate)
        try:
            _open_generator(visit)
            _generate(visit.page, PROMPT, 99)  # warm-up: graph optimisation, WASM compile
            runs = [_generate(visit.page, PROMPT, seed)["seconds"] for seed in range(clips)]
            threads = visit.page.evaluate("window.tinyvid.threads")
        finally:
            visit.close()
            browser.close()
    return runs, threads


def torch_seconds(clips: int, threads: int) -> list[float]:
    import torch

    import tinyvid

    torch.set_num_threads(threads)
    pipe = tinyvid.load_pipeline(device="cpu")
    pipe.text_to_video(PROMPT, seed=99)  # warm-up
    out = []
    for seed in range(clips):
        t0 = time.perf_counter()
        pipe.text_to_video(PROMPT, seed=seed)
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", type=Path, default=ROOT / "_build" / "site")
    ap.add_argument("--clips", type=int, default=3)
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "site" / "figures.json")
    args = ap.parse_args(argv)
    if not (args.site / "generator.html").exists():
        raise SystemExit(f"no built site at {args.site}: run `make site` first")
    if shutil.which("chromium") is None and not os.environ.get("CHROMIUM"):
        raise SystemExit("chromium not found (apt-get install chromium)")
    gen = args.site / "_static" / "generator"
    single, _ = browser_seconds(args.site, args.clips, isolate=False)
    threaded, n_threads = browser_seconds(args.site, args.clips, isolate=True)
    cores = os.cpu_count() or 1
    figures = {
        "prompt": PROMPT,
        "clips": args.clips,
        "machine": f"{cores} CPU cores ({platform.machine()}), chromium headless",
        "browser_wasm_1_thread_s": round(statistics.median(single), 2),
        "browser_wasm_threads": n_threads,
        "browser_wasm_threaded_s": round(statistics.median(threaded), 2),
        "pytorch_1_thread_s": round(statistics.median(torch_seconds(args.clips, 1)), 2),
        "pytorch_s": round(statistics.median(torch_seconds(args.clips, cores)), 2),
        "pytorch_threads": cores,
        # other work on the machine slows every row; the 1-minute load average says how much
        "load_average": round(os.getloadavg()[0], 2),
        "onnx_mb": {
            p.stem: round(p.stat().st_size / 1e6, 2) for p in sorted(gen.glob("*.onnx"))
        },
        "command": "make site && python scripts/bench_site.py",
    }
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
