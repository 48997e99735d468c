"""Command line: ``python -m exercises {grade,status,solve,list}``.

python -m exercises grade notebooks/00_welcome.ipynb [--json] [--timeout 600]
    execute a copy in a fresh kernel, print the score table; exit 1 unless all passed
python -m exercises status [notebooks/]
    progress over the notebooks, from the results saved in them (nothing is executed)
python -m exercises solve notebooks/00_welcome.ipynb -o solved.ipynb
    write a copy with the reference solutions in place of the stubs
python -m exercises list [--lesson 03]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from exercises import check
from exercises import notebook as nbx


def _grade(args) -> int:
    reports = []
    for path in args.notebooks:
        if not Path(path).is_file():
            print(f"no such notebook: {path}", file=sys.stderr)
            return 2
        reports.append(nbx.grade(path, timeout=args.timeout))
    if args.json:
        out = [r.to_json() for r in reports]
        print(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(nbx.format_table(r) for r in reports))
    return 0 if all(r.all_passed for r in reports) else 1


def _status(args) -> int:
    folder = Path(args.folder)
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks in {folder}/", file=sys.stderr)
        return 2
    reports = [nbx.report_from(nbx.read(p), p) for p in paths]
    if args.json:
        print(json.dumps([r.to_json() for r in reports], indent=2, ensure_ascii=False))
        return 0
    print(
        "progress, from the check results saved in each notebook "
        "(save your notebook first; `grade` re-runs one from scratch)"
    )
    for r in reports:
        counts = {s: sum(row.status == s for row in r.rows) for s in nbx.ICON}
        marks = "".join(nbx.ICON[row.status] for row in r.rows) or "-"
        print(
            f"  {Path(r.notebook).name:<36} {r.score:>3}/{r.max_score:<3} pts  "
            f"{counts['passed']}/{len(r.rows)} passed  {marks}"
        )
    total, most = sum(r.score for r in reports), sum(r.max_score for r in reports)
    print(f"  {'total':<36} {total:>3}/{most:<3} pts")
    return 0


def _solve(args) -> int:
    nb = nbx.read(args.notebook)
    solved = nbx.solve(nb)
    out = Path(args.output)
    if out.resolve() == Path(args.notebook).resolve():
        print("refusing to overwrite the notebook itself; choose another -o", file=sys.stderr)
        return 2
    nbx.nbformat.write(solved, str(out))
    print(f"wrote {out} ({len(nbx.exercise_cells(solved))} exercise cells solved)")
    return 0


def _list(args) -> int:
    print(check.list(args.lesson))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exercises", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="execute a copy of a notebook and print its score")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    p.set_defaults(run=_grade)
    p = sub.add_parser("status", help="progress over all notebooks (no execution)")
    p.add_argument("folder", nargs="?", default="notebooks")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=_status)
    p = sub.add_parser("solve", help="write a copy with reference solutions inserted")
    p.add_argument("notebook")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(run=_solve)
    p = sub.add_parser("list", help="list the registered exercises")
    p.add_argument("--lesson")
    p.set_defaults(run=_list)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
