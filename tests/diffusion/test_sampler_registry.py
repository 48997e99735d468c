"""One registration makes a sampler: names, compatibility, defaults and pipelines follow it."""

from __future__ import annotations

import pytest
import torch

from tinyvid.diffusion.samplers import (
    COMPATIBLE,
    SAMPLERS,
    FlowSampler,
    check_sampler,
    default_sampler,
    make_sampler,
    register_sampler,
    samplers_for,
    unregister_sampler,
)
from tinyvid.pipelines import PipelineConfig, random_pipeline


@pytest.fixture
def toy():
    """A flow Euler step under the name "toy", counting its steps; unregistered afterwards."""

    @register_sampler
    class ToyFlowSampler(FlowSampler):
        name = "toy"
        steps_taken = 0

        def step(self, predict, x, t, t_next, generator=None):
            type(self).steps_taken += 1
            u = predict(x, t)
            return x + (t_next - t) * u, x + (1 - t) * u

    try:
        yield ToyFlowSampler
    finally:
        unregister_sampler("toy")


def test_one_registration_makes_a_sampler_everywhere(toy):
    assert "toy" in SAMPLERS and COMPATIBLE["toy"] == ("flow",)
    assert samplers_for("flow") == ["euler", "heun", "toy"] and "toy" not in samplers_for("eps")
    assert check_sampler("toy", "flow") == "toy" and isinstance(make_sampler("toy", "flow"), toy)
    assert default_sampler("flow") == "heun" and default_sampler("eps") == "ddim"
    with pytest.raises(ValueError, match="sampler 'toy' cannot sample .* 'eps'"):
        make_sampler("toy", "eps")


def test_a_registered_sampler_runs_in_a_pipeline(toy):
    config = PipelineConfig(min_frames=4, num_frames=4, max_frames=4, steps=2, guidance=1.0)
    pipe = random_pipeline("tiny", config, seed=0)
    video = pipe.text_to_video("a 7 moving up-left", sampler="toy", seed=0)
    assert video.shape == (1, 4, 1, 64, 64) and toy.steps_taken == 2
    # the toy step is Euler's, so it samples exactly what euler does
    assert torch.equal(video, pipe.text_to_video("a 7 moving up-left", sampler="euler", seed=0))
    assert PipelineConfig(sampler="toy").sampler == "toy"


def test_an_unregistered_sampler_is_refused_by_name(toy):
    unregister_sampler("toy")
    assert "toy" not in SAMPLERS and "toy" not in COMPATIBLE
    pipe = random_pipeline("tiny", PipelineConfig(min_frames=4, num_frames=4), seed=0)
    with pytest.raises(ValueError, match=r"unknown sampler 'toy'; registered: \('ddpm'"):
        pipe.text_to_video("a 7 moving up-left", sampler="toy", steps=1)
    register_sampler(toy)  # back, for the fixture to remove


def test_registration_refuses_a_clash_or_a_class_without_its_own_name(toy):
    with pytest.raises(ValueError, match="'toy' is registered already"):
        register_sampler(toy)

    class Unnamed(FlowSampler):
        pass

    with pytest.raises(ValueError, match="Unnamed must set its own name"):
        register_sampler(Unnamed)

    class ReadsNothing(FlowSampler):
        name = "nothing"
        reads = ("x0",)

    with pytest.raises(ValueError, match="reads must name objectives"):
        register_sampler(ReadsNothing)
    assert "nothing" not in SAMPLERS
