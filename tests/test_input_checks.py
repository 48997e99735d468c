"""One place for boundary checks: every public entry point accepts and refuses the same videos."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tinyvid import inputs
from tinyvid.metrics.detector import check_videos as detector_check
from tinyvid.metrics.temporal import flicker


def _video(hi: float) -> torch.Tensor:
    v = torch.rand(1, 4, 1, 64, 64, generator=torch.Generator().manual_seed(0)) * 0.5
    v[0, 0, 0, 0, 0] = hi
    return v


def entry_points():
    """Every check of a pixel video a user can reach, as ``check(video)``."""
    from tinyvid.pipelines import PipelineConfig, random_pipeline

    pipe = random_pipeline("tiny", PipelineConfig(min_frames=4, num_frames=4, max_frames=8))
    return {
        "inputs.check_videos": lambda v: inputs.check_videos(v),
        "inputs.as_videos": lambda v: inputs.as_videos(v, "video", (1, 64, 64)),
        "detector": lambda v: detector_check(v),
        "temporal metrics": lambda v: flicker(v),
        "pipeline (extend)": lambda v: pipe.stream(mode="extend", video=v, num_new_frames=1,
                                                    context=2, steps=1),
    }


def test_every_entry_point_has_the_same_range_tolerance():
    tol = inputs.RANGE_TOLERANCE
    for check in entry_points().values():
        check(_video(1 + tol / 2))  # rounding noise from a decoder: accepted
        with pytest.raises(ValueError, match=r"in \[0, 1\]"):
            check(_video(1 + 2 * tol))
        with pytest.raises(ValueError, match="NaN|in \\[0, 1\\]"):
            check(_video(float("nan")))


def test_conversions_clamp_what_they_accept_and_say_what_is_allowed():
    x = inputs.as_images(torch.full((64, 64), 1 + inputs.RANGE_TOLERANCE / 2), "image", (1, 64, 64))
    assert x.shape == (1, 1, 64, 64) and float(x.max()) == 1.0
    with pytest.raises(ValueError, match=r"image must be \[1, 64, 64\] or \[B, 1, 64, 64\]"):
        inputs.as_images(torch.rand(3, 64, 64), "image", (1, 64, 64))
    with pytest.raises(ValueError, match="divide uint8 images by 255"):
        inputs.as_videos(torch.zeros(2, 1, 64, 64, dtype=torch.uint8), "video", (1, 64, 64))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: inputs.steps(0), r"steps=0 is out of range; allowed: \[1, 1000\]"),
        (lambda: inputs.steps(True), "steps must be a whole number"),
        (lambda: inputs.steps(2.5), "steps must be a whole number"),
        (lambda: inputs.steps("12"), "steps must be a whole number"),
        (lambda: inputs.guidance(float("inf")), "guidance must be a number >= 0"),
        (lambda: inputs.seed(-1), "seed=-1 is out of range"),
        (lambda: inputs.generator(0, torch.Generator()), "seed= or generator=, not both"),
    ],
)
def test_numbers_are_checked_with_a_message_saying_what_is_allowed(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_whole_floats_are_integers_everywhere():
    assert inputs.steps(12.0) == 12 and inputs.seed(np.float32(3.0)) == 3
    assert inputs.integer(np.int64(7), "frames", 1, 16) == 7


def test_a_seed_gives_the_same_generator_state_and_auto_picks_a_device():
    a, b = inputs.generator(5), inputs.generator(5)
    assert torch.equal(torch.rand(3, generator=a), torch.rand(3, generator=b))
    assert inputs.device("cpu").type == "cpu" and inputs.device(None).type in ("cpu", "cuda", "mps")
