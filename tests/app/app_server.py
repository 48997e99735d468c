"""Helpers for the app tests: a live app on a free loopback port around a tiny random pipeline."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `app/` is run from the checkout (`python -m app`), not installed
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiny_pipeline():
    from tinyvid.pipelines import PipelineConfig, random_pipeline

    cfg = PipelineConfig(steps=2, guidance=2.0, min_frames=4, num_frames=8, max_frames=16)
    return random_pipeline("tiny", config=cfg)


def launch(tmp_path_factory, **kwargs):
    from app import build_app, serve

    demo = build_app(
        kwargs.pop("pipeline", None) or tiny_pipeline(),
        detector=kwargs.pop("detector", None),
        banner="untrained test weights",
        workdir=tmp_path_factory.mktemp("app"),
        **kwargs,
    )
    port = free_port()
    serve(demo, port=port, block=False, quiet=True)
    return demo, f"http://127.0.0.1:{port}/"
