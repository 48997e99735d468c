"""Shared test set-up: single-threaded torch per xdist worker, headless matplotlib."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    # make test runs one worker per core; more threads per worker would oversubscribe.
    torch.set_num_threads(1)
