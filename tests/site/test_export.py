"""The ONNX graphs the website samples with compute what the PyTorch model computes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import tinyvid
from tinyvid.export import example_inputs, export_onnx, page_config
from tinyvid.nn.cond import Cond
from tinyvid.text import VOCAB

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a dev dependency (make test installs it)")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    pipe = tinyvid.load_pipeline(device="cpu")
    return pipe, export_onnx(pipe, tmp_path_factory.mktemp("onnx"))


def test_denoiser_matches_pytorch_for_prompt_and_null_prompt(exported):
    pipe, paths = exported
    ex = example_inputs(pipe)
    ex["tokens"][1] = 0  # the null prompt, as guided sampling sends it
    session = ort.InferenceSession(str(paths["denoiser"]), providers=["CPUExecutionProvider"])
    got = session.run(None, {k: v.numpy() for k, v in ex.items()})[0]
    with torch.inference_mode():
        want = pipe.model(ex["x"], ex["t"], Cond(tokens=ex["tokens"])).numpy()
    assert got.shape == want.shape == tuple(ex["x"].shape)
    assert np.abs(got - want).max() <= 1e-4 * max(1.0, np.abs(want).max())
    # the two rows differ (the prompt matters), so the check above compares something
    assert np.abs(want[0] - want[1]).max() > 1e-2


def test_decoder_matches_pytorch(exported):
    pipe, paths = exported
    c, h, w = pipe.latent_shape
    z = torch.randn(pipe.config.num_frames, c, h, w, generator=torch.Generator().manual_seed(1))
    session = ort.InferenceSession(str(paths["decoder"]), providers=["CPUExecutionProvider"])
    got = session.run(None, {"latents": z.numpy()})[0]
    with torch.inference_mode():
        want = pipe.autoencoder.decode(z).clamp(0, 1).numpy()
    assert got.shape == (pipe.config.num_frames, 1, 64, 64)
    assert np.abs(got - want).max() < 1e-4


def test_page_config_carries_the_sampler_defaults_and_the_grammar(exported):
    pipe, paths = exported
    cfg = json.loads(paths["config"].read_text())
    assert (cfg["steps"], cfg["guidance"], cfg["sampler"]) == (
        pipe.config.steps, pipe.config.guidance, pipe.config.sampler)
    assert cfg["vocab"] == list(VOCAB) and cfg["latent_shape"] == list(pipe.latent_shape)


def test_page_config_refuses_a_model_the_page_cannot_sample(exported):
    pipe, _ = exported
    old = pipe.config.objective, pipe.config.sampler
    pipe.config.objective, pipe.config.sampler = "eps", "ddim"
    try:
        with pytest.raises(ValueError, match="flow model"):
            page_config(pipe)
    finally:
        pipe.config.objective, pipe.config.sampler = old


def test_noise_port_is_standard_normal():
    from site_noise import gaussian

    z = gaussian(20_000, seed=3)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert not np.array_equal(z, gaussian(20_000, seed=4))
    np.testing.assert_array_equal(z[:10], gaussian(10, seed=3))
