"""Benchmarks: ``python -m tinyvid bench NAME`` runs ``tinyvid.benchmarks.NAME.main(argv)``.

Each prints its figures with the machine they were measured on and can write them as JSON
(``--json OUT``). Speed bars live here, never in timed unit tests.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import torch


def machine() -> dict:
    """What the figures were measured on."""
    info = {
        "cpu": platform.processor() or platform.machine(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def write_json(path: str | Path | None, figures: dict) -> None:
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), **figures}, indent=2) + "\n")
    print(f"wrote {path}")
