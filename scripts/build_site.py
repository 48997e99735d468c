"""Build the course website into _build/site (``make site`` runs this after ``npm install``).

    python scripts/build_site.py [--out _build/site] [--npm _build/npm]

Stages ``site/`` and the committed, executed ``notebooks/`` into ``_build/site-src``, writes the
front page's table of contents (the seed's sections) and the README's measured figures into it,
exports the shipped model to ONNX for the in-browser generator, vendors MathJax and
onnxruntime-web from the npm folder, then runs Sphinx (MyST-NB, outputs as committed).
See site/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The seed document's sections, in its order, and the lessons that teach each.
SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Start here", ("00",)),
    ("Core concepts", ("01", "02")),
    ("Architectural approaches", ("03", "04")),
    ("Training video diffusion", ("05",)),
    ("Generation modes", ("06",)),
    ("State-of-the-art models", ("07",)),
    ("Evaluation metrics", ("08",)),
    ("Exercises: capstone projects", ("09", "10", "11")),
]
# README sections whose measured figures go on the front page.
README_SECTIONS = ("Models and weights", "Evaluation", "Benchmarks")
VENDOR = {
    "ort": ("onnxruntime-web/dist", ["ort.wasm.min.js", "ort-wasm-simd-threaded.wasm",
                                     "ort-wasm-simd-threaded.mjs"]),
    "mathjax": ("mathjax/es5", ["tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions",
                                "ui", "a11y", "sre"]),
}


def lesson_toc(lessons: list[str]) -> str:
    """MyST toctrees, one per seed section, listing the lessons that exist (``lessons/NN_x``)."""
    blocks = []
    for caption, numbers in SECTIONS:
        entries = [f"lessons/{name}" for name in lessons if name[:2] in numbers]
        if caption == "Generation modes":
            entries.append("generator")
        if entries:
            lines = "\n".join(entries)
            blocks.append(f"```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n:titlesonly:\n\n{lines}\n```")
    return "\n\n".join(blocks)


def readme_sections(readme: str, titles=README_SECTIONS) -> str:
    """The README's ``## title`` sections, in README order, as they are."""
    parts = re.split(r"(?m)^(?=## )", readme)
    keep = [p.rstrip() for p in parts if p.startswith("## ") and p[3:].split("\n")[0].strip() in titles]
    missing = set(titles) - {p[3:].split("\n")[0].strip() for p in keep}
    if missing:
        raise SystemExit(f"README.md has no section(s) {sorted(missing)} for the front page")
    return "\n\n".join(keep)


def vendor(npm: Path, static: Path) -> None:
    modules = npm / "node_modules"
    for name, (folder, items) in VENDOR.items():
        for item in items:
            src = modules / folder / item
            if not src.exists():
                raise SystemExit(
                    f"{src} is missing: install the site's npm packages first "
                    f"(`make site` does: npm install in {npm} with site/package.json)"
                )
            dst = static / "vendor" / name / item
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)


def generator_figures(path: Path) -> str:
    """The measured speed table of the generator page, from ``scripts/bench_site.py``'s JSON."""
    if not path.exists():
        return "Not measured yet: `python scripts/bench_site.py` writes the figures."
    f = json.loads(path.read_text())
    sizes = ", ".join(f"`{k}.onnx` {v} MB" for k, v in f["onnx_mb"].items())
    return "\n".join([
        f"Seconds per 16-frame clip, median of {f['clips']} clips of {f['prompt']!r} after a "
        f"warm-up, on {f['machine']}, load average {f['load_average']} (`{f['command']}`):",
        "",
        "| where | seconds per clip |",
        "|---|---|",
        f"| this page, WebAssembly, 1 thread | {f['browser_wasm_1_thread_s']} |",
        f"| this page, WebAssembly, {f['browser_wasm_threads']} threads (cross-origin isolated) "
        f"| {f['browser_wasm_threaded_s']} |",
        f"| PyTorch, `text_to_video`, 1 thread | {f['pytorch_1_thread_s']} |",
        f"| PyTorch, `text_to_video`, {f['pytorch_threads']} threads | {f['pytorch_s']} |",
        "",
        f"Files the page loads once: {sizes}. Browsers use WASM threads only on a page served "
        "with cross-origin isolation headers (COOP/COEP); `make serve-site` serves without them, "
        "so the page runs on one thread there.",
    ])


def stage(src: Path) -> None:
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT / "site", src, ignore=shutil.ignore_patterns("README.md", "package.json", "figures.json"))
    lessons = src / "lessons"
    lessons.mkdir()
    names = []
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(nb, lessons / nb.name)
        names.append(nb.stem)
    index = src / "index.md"
    text = index.read_text()
    text = text.replace("LESSON_TOC", lesson_toc(names))
    text = text.replace("README_FIGURES", readme_sections((ROOT / "README.md").read_text()))
    index.write_text(text)
    page = src / "generator.md"
    page.write_text(
        page.read_text().replace("GENERATOR_FIGURES", generator_figures(ROOT / "site" / "figures.json"))
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "_build" / "site")
    ap.add_argument("--npm", type=Path, default=ROOT / "_build" / "npm")
    args = ap.parse_args(argv)
    src = args.out.parent / "site-src"
    stage(src)
    vendor(args.npm, src / "_static")

    sys.path.insert(0, str(ROOT))
    from tinyvid import load_pipeline
    from tinyvid.export import export_onnx

    export_onnx(load_pipeline(device="cpu"), src / "_static" / "generator")
    if args.out.exists():
        shutil.rmtree(args.out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", "1", str(src), str(args.out)]
    rc = subprocess.call(cmd, cwd=src)
    if rc == 0:
        print(f"site built: {args.out / 'index.html'} (make serve-site serves it on 127.0.0.1)")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
