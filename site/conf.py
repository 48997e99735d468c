"""Sphinx configuration of the course website (built by ``make site``; see site/README.md).

The build script (``scripts/build_site.py``) stages this folder, the executed notebooks and the
vendored JavaScript (MathJax, onnxruntime-web) into ``_build/site-src`` and runs Sphinx there, so
paths below are relative to that staging folder. Notebooks are rendered with their committed
outputs: nothing is executed.
"""

from __future__ import annotations

import html
import re

project = "tinyvid"
author = "the tinyvid authors"
copyright = "tinyvid authors, MIT licence"

extensions = ["myst_nb"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "html_image"]

# Outputs as committed: the site never runs a notebook.
nb_execution_mode = "off"
# No widget manager from a CDN: every widget's first state is also rendered statically.
nb_ipywidgets_js = {}
# The grader's machine-readable record travels beside its HTML; the page shows the HTML.
nb_mime_priority_overrides = [
    ("html", "application/vnd.tinyvid.check+json", None),
    ("html", "application/vnd.jupyter.widget-view+json", None),
]
suppress_warnings = ["mystnb.unknown_mime_type"]

# Math from the local copy of MathJax 3 that the build vendors into _static (no CDN).
mathjax_path = "vendor/mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "tinyvid: how generative video models work"
html_static_path = ["_static"]
html_css_files = ["tinyvid.css"]
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
}
html_context = {"default_mode": "light"}  # an explicit mode: the theme logs an error without one
html_last_updated_fmt = None
html_copy_source = False

_LESSON = re.compile(r"^lessons/(\d\d)_\w+$")


def _run_box(app, pagename, templatename, context, doctree):
    """Put a "run this lesson" box at the top of every lesson page."""
    if not _LESSON.match(pagename) or "body" not in context:
        return
    notebook = html.escape(pagename.split("/", 1)[1] + ".ipynb")
    box = (
        '<div class="admonition tip tinyvid-run"><p class="admonition-title">Run this lesson</p>'
        "<p>Everything on this page was computed by the notebook; to run it yourself and do the "
        "graded exercises, clone the repository and type <code>make lab</code> (it sets up a "
        f"virtual environment the first time), then open <code>notebooks/{notebook}</code>. "
        "A CPU is enough.</p></div>"
    )
    context["body"] = box + context["body"]


def setup(app):
    app.connect("html-page-context", _run_box)
