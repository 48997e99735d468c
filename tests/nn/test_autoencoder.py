"""Frame autoencoder: latent shapes, frame-by-frame video coding, scaling factor."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.nn import AutoencoderConfig, FrameAutoencoder


def test_presets_give_the_documented_latent_shapes():
    assert AutoencoderConfig.default().latent_shape == (8, 8, 8)
    assert AutoencoderConfig.tiny().latent_shape == (4, 16, 16)
    cfg = AutoencoderConfig.default()
    assert AutoencoderConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


@torch.no_grad()
def test_encode_decode_video_work_frame_by_frame():
    torch.manual_seed(0)
    ae = FrameAutoencoder(AutoencoderConfig.tiny())
    video = torch.rand(2, 3, 1, 64, 64)
    z = ae.encode_video(video)
    assert z.shape == (2, 3, 4, 16, 16)
    out = ae.decode_video(z)
    assert out.shape == video.shape and out.min() >= 0 and out.max() <= 1
    other = video.clone()
    other[1, 2] = torch.rand(1, 64, 64)
    changed = (ae.encode_video(other) - z).abs().amax(dim=(2, 3, 4)) > 0  # [B, T]
    assert changed.tolist() == [[False, False, False], [False, False, True]]
    # a single frame of the video is what encode() gives for that image
    torch.testing.assert_close(ae.encode(video[1, 2:3]), z[1, 2:3])


@torch.no_grad()
def test_scaling_factor_makes_latents_unit_variance_and_decoding_consistent():
    torch.manual_seed(0)
    ae = FrameAutoencoder(AutoencoderConfig.tiny())
    video = torch.rand(2, 4, 1, 64, 64)
    before = ae.decode_video(ae.encode_video(video))
    s = ae.fit_scaling_factor(video)
    assert s != 1.0 and ae.config.scaling_factor == s
    z = ae.encode_video(video)
    assert abs(z.std().item() - 1.0) < 1e-3
    torch.testing.assert_close(ae.decode_video(z), before, atol=1e-5, rtol=1e-4)


def test_one_training_step_lowers_the_reconstruction_loss():
    torch.manual_seed(0)
    ae = FrameAutoencoder(AutoencoderConfig.tiny())
    video = torch.rand(1, 2, 1, 64, 64)
    opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
    first = ae.loss(video)
    first.backward()
    opt.step()
    assert ae.loss(video).item() < first.item()


def test_autoencoder_rejects_wrong_shapes():
    ae = FrameAutoencoder(AutoencoderConfig.tiny())
    with pytest.raises(ValueError, match="5 dims"):
        ae.encode_video(torch.rand(2, 1, 64, 64))
    with pytest.raises(ValueError, match="has 3 channels"):
        ae.encode_video(torch.rand(1, 2, 3, 64, 64))
    with pytest.raises(ValueError, match=r"\[N, 1, 64, 64\]"):
        ae.encode(torch.rand(2, 1, 32, 32))
    with pytest.raises(ValueError, match="expects 4"):
        ae.decode_video(torch.rand(1, 2, 8, 16, 16))
