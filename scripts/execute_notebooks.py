"""Execute notebooks in place, top to bottom, each in a fresh kernel.

    python scripts/execute_notebooks.py notebooks/*.ipynb

Kernel ``python3``; the working directory is the notebook's folder; the repository is put on
the kernel's PYTHONPATH so ``tinyvid`` and ``exercises`` import even without an install.
Prints the time each notebook took and exits non-zero if any cell raised (the notebook is
then left unchanged on disk). ``make notebooks`` runs it after ``jupytext --sync``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int) -> float:
    nb = nbformat.read(str(path), as_version=4)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH")] if p)
    # JupyterLab opens the notebook with the right kernel instead of asking for one
    nb.metadata.setdefault(
        "kernelspec",
        {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
    )
    start = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the committed notebooks: smaller diffs
        resources={"metadata": {"path": str(path.resolve().parent)}},
    ).execute(env=env)
    nbformat.write(nb, str(path))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    failed = []
    for path in args.notebooks:
        try:
            seconds = execute(path, args.timeout)
        except CellExecutionError as exc:
            failed.append(path)
            print(f"FAILED  {path}\n{exc}", file=sys.stderr)
            continue
        size = path.stat().st_size / 1e6
        print(f"{seconds:7.1f} s  {size:5.2f} MB  {path}")
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
