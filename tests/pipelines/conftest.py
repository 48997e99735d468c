"""A tiny randomly initialised pipeline (the shipped architecture at test size), built once."""

from __future__ import annotations

import pytest

from tinyvid.pipelines import PipelineConfig, random_pipeline


@pytest.fixture(scope="module")
def pipe():
    config = PipelineConfig(min_frames=4, num_frames=4, max_frames=8, steps=2, guidance=2.0)
    return random_pipeline("tiny", config, seed=0)
