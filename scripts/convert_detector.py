"""Convert a detector saved in the older format into the standard checkpoint format.

The older format (``python -m tinyvid train-detector`` before the detector moved to
``tinyvid/nn/``) wrote ``NAME.safetensors`` and a bare ``NAME.json`` holding the detector's
config with the training record under ``"extra"``. The standard format
(:mod:`tinyvid.checkpoints`) holds ``{"kind": "detector", "config", "dtype", "rebuild",
"training"}``. The weights are copied as they are (fp16 stays fp16, so no value changes) and
the file's MANIFEST line is rewritten::

    python scripts/convert_detector.py tinyvid/weights/detector.safetensors

Before converting, the old file is checked against its MANIFEST line when it has one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from safetensors.torch import load_file

from tinyvid import checkpoints
from tinyvid.nn.detector import Detector, DetectorConfig


def convert(path: str | Path, out: str | Path | None = None) -> Path:
    """Read the older-format detector at ``path``; write the standard one at ``out`` (default
    ``path``, in place) and record its hash in the MANIFEST of ``out``'s folder."""
    path = Path(path).with_suffix(".safetensors")
    out = Path(out).with_suffix(".safetensors") if out is not None else path
    meta = json.loads(path.with_suffix(".json").read_text())
    if "kind" in meta:
        raise SystemExit(f"{path.with_suffix('.json')} is already in the standard format")
    if path.name in checkpoints.read_manifest(path.parent):
        checkpoints.verify(path)  # the file is what its MANIFEST says
    record = meta.pop("extra", {})
    det = Detector(DetectorConfig.from_dict(meta))
    state = load_file(str(path))
    fp16 = any(t.dtype == torch.float16 for t in state.values())
    det.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return checkpoints.save_model(
        det.eval(), out, fp16=fp16, rebuild=record.get("command"), extra={"training": record}
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path", type=Path, help="the older-format detector (.safetensors)")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default: in place)")
    args = ap.parse_args(argv)
    out = convert(args.path, args.out)
    print(f"wrote {out} and {out.with_suffix('.json')}, sha256 {checkpoints.sha256(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
