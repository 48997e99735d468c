"""A check's result, rendered the same way as HTML (Jupyter) and as text (terminal).

In a notebook a result publishes one display bundle: ``text/plain``, ``text/html`` and the
machine-readable record under :data:`MIME` that ``python -m exercises grade`` reads back
from the executed notebook.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not_attempted"
MIME = "application/vnd.tinyvid.check+json"
ICONS = {PASSED: "✅", FAILED: "❌", NOT_ATTEMPTED: "⏳"}
_COLOURS = {PASSED: "#2e7d32", FAILED: "#c62828", NOT_ATTEMPTED: "#9e9e9e"}


@dataclass
class Result:
    exercise: str
    lesson: str
    status: str
    summary: str
    max_points: int = 1
    points: int = 0
    graded: bool = True
    lines: list[tuple[str, str]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    traceback: str | None = None

    def __post_init__(self):
        self._shown_in: object = None

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def record(self) -> dict:
        """The JSON record the grader reads (also what ``--json`` prints per exercise)."""
        rec = asdict(self)
        rec["lines"] = [list(pair) for pair in self.lines]
        rec["message"] = self.summary
        return rec

    # ------------------------------------------------------------------ rendering
    def _title(self) -> str:
        return f"{ICONS[self.status]} {self.exercise}: {self.summary}  [{self._points_tag()}]"

    def _points_tag(self) -> str:
        if not self.graded:
            return "worked example, not graded"
        return f"{self.points}/{self.max_points} pt"

    def __str__(self) -> str:
        out = [self._title()]
        width = max([len(k) for k, _ in self.lines] + [4])
        out += [f"  {k:<{width}}  {v}" for k, v in self.lines]
        for i, h in enumerate(self.hints, 1):
            out.append(f"  hint {i}: {h}" if i == len(self.hints) else f"  (hint {i}: {h})")
        if self.traceback:
            out.append("  your code raised:")
            out += ["    " + line for line in self.traceback.splitlines()]
        return "\n".join(out)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        e = html.escape
        colour = _COLOURS[self.status]
        rows = "".join(
            f"<tr><td style='padding:1px 8px 1px 0;color:#555;vertical-align:top;"
            f"text-align:left'>{e(k)}</td>"
            f"<td style='padding:1px 0;text-align:left'><code>{e(v)}</code></td></tr>"
            for k, v in self.lines
        )
        hints = ""
        if self.hints:
            older = "".join(f"<li>{e(h)}</li>" for h in self.hints[:-1])
            older = (
                f"<details><summary>earlier hints</summary><ol>{older}</ol></details>"
                if older
                else ""
            )
            hints = (
                f"<div style='margin-top:4px'>💡 <b>hint {len(self.hints)}:</b> "
                f"{e(self.hints[-1])}{older}</div>"
            )
        tb = (
            f"<div style='margin-top:4px'>your code raised:"
            f"<pre style='margin:2px 0'>{e(self.traceback)}</pre></div>"
            if self.traceback
            else ""
        )
        pts = f" <span style='color:#555'>[{e(self._points_tag())}]</span>"
        table = f"<table style='margin:4px 0 0 0;font-size:90%'>{rows}</table>" if rows else ""
        return (
            f"<div style='border-left:4px solid {colour};padding:4px 10px;margin:2px 0'>"
            f"<b>{ICONS[self.status]} {e(self.exercise)}</b>: {e(self.summary)}{pts}"
            f"{table}{hints}{tb}</div>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/plain": str(self), "text/html": self._repr_html_(), MIME: self.record()}

    def show(self) -> None:
        """Publish once in IPython; the same object returned as the cell's value stays quiet."""
        ip = _ipython()
        if ip is None:
            return
        from IPython.display import publish_display_data

        publish_display_data(self._repr_mimebundle_())
        self._shown_in = ip.execution_count

    def _ipython_display_(self) -> None:
        ip = _ipython()
        if ip is not None and self._shown_in == ip.execution_count:
            return  # already shown by the check itself in this cell
        from IPython.display import publish_display_data

        publish_display_data(self._repr_mimebundle_())


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


class Message:
    """Plain note (e.g. from ``check.solution``) that renders as text and HTML."""

    def __init__(self, text: str, code: str | None = None):
        self.text, self.code = text, code

    def __str__(self) -> str:
        return self.text + (f"\n\n{self.code}" if self.code else "")

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        code = f"<pre>{html.escape(self.code)}</pre>" if self.code else ""
        return f"<div>{html.escape(self.text)}{code}</div>"
