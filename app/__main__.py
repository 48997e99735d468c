"""``python -m app [--host 127.0.0.1] [--port 7860]``: serve the demo."""

from __future__ import annotations

import argparse
import logging
import os


def main(argv=None) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: this machine only)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument(
        "--concurrency", type=int, default=2, help="videos sampled at once (default 2)"
    )
    parser.add_argument(
        "--max-queue", type=int, default=32, help="requests that may wait (default 32)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from app import build_app, serve

    demo = build_app(concurrency=args.concurrency, max_queue=args.max_queue)
    serve(demo, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
