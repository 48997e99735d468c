"""SVD-style image-to-video: input assembly, noise augmentation, conversion, save/load."""

from __future__ import annotations

import pytest
import torch

from tinyvid.checkpoints import load_model, save_model
from tinyvid.diffusion.losses import NoiseAugConfig, sample_aug_level, svd_training_cond
from tinyvid.nn.cond import Cond
from tinyvid.nn.svd import SVDVideoUNet, noise_augment, svd_condition_channels, svd_from_video_unet
from tinyvid.nn.unet import UNetConfig, VideoUNet

B, T, C, H, W = 2, 5, 4, 8, 8


def _model(seed: int = 0) -> VideoUNet:
    torch.manual_seed(seed)
    return VideoUNet(UNetConfig.tiny()).eval()


def test_condition_channels_put_the_image_on_every_frame_and_the_mask_on_frame_0_only():
    x, img = torch.randn(B, T, C, H, W), torch.randn(B, C, H, W)
    out = svd_condition_channels(x, img)
    assert out.shape == (B, T, 2 * C + 1, H, W)
    assert torch.equal(out[:, :, :C], x)
    for t in range(T):
        assert torch.equal(out[:, t, C:2 * C], img)
    assert torch.equal(out[:, 0, -1], torch.ones(B, H, W))
    assert torch.equal(out[:, 1:, -1], torch.zeros(B, T - 1, H, W))


@pytest.mark.parametrize("img_shape", [(B, C, H, W + 1), (B + 1, C, H, W), (B, 1, C, H, W)])
def test_condition_channels_refuse_a_mismatched_image(img_shape):
    with pytest.raises(ValueError, match="image_latent"):
        svd_condition_channels(torch.randn(B, T, C, H, W), torch.randn(img_shape))


def test_noise_augment_scales_the_noise_per_sample():
    img, noise = torch.randn(3, C, H, W), torch.randn(3, C, H, W)
    sigma = torch.tensor([0.0, 0.5, 2.0])
    out = noise_augment(img, sigma, noise)
    for i in range(3):
        assert torch.allclose(out[i], img[i] + sigma[i] * noise[i])
    assert torch.equal(out[0], img[0])


def test_noise_augment_refuses_bad_shapes_and_negative_sigma():
    img = torch.randn(2, C, H, W)
    with pytest.raises(ValueError, match="sigma"):
        noise_augment(img, torch.zeros(3), torch.randn_like(img))
    with pytest.raises(ValueError, match="noise"):
        noise_augment(img, torch.zeros(2), torch.randn(2, C, H, H + 1))
    with pytest.raises(ValueError, match=">= 0"):
        noise_augment(img, torch.tensor([0.1, -0.1]), torch.randn_like(img))


def test_converted_model_at_sigma_0_is_its_parent_on_the_same_input_channels():
    parent = _model()
    svd = svd_from_video_unet(parent).eval()
    x, img, t = torch.randn(B, T, C, H, W), torch.randn(B, C, H, W), torch.rand(B)
    tokens = torch.randint(1, 5, (B, parent.config.text.max_len))
    out = svd(x, t, Cond(tokens=tokens, image=img, aug_level=torch.zeros(B)))
    want = parent.trunk(svd_condition_channels(x, img), parent.embed(t, Cond(tokens=tokens), B))
    assert torch.equal(out, want)
    # with one frame the input channels are the masked model's: the same output through forward
    one = svd(x[:, :1], t, Cond(tokens=tokens, image=img))
    masked = parent(x[:, :1], t, Cond(tokens=tokens, known_mask=torch.ones(B, 1), known=img[:, None]))
    assert torch.equal(one, masked)


def test_the_new_embeddings_change_the_output_once_trained():
    svd = svd_from_video_unet(_model()).eval()
    x, img, t = torch.randn(B, T, C, H, W), torch.randn(B, C, H, W), torch.rand(B)
    cond0 = Cond(image=img, aug_level=torch.zeros(B))
    cond1 = Cond(image=img, aug_level=torch.full((B,), 0.5))
    assert torch.equal(svd(x, t, cond0), svd(x, t, cond1)), "zero-init: sigma has no effect yet"
    with torch.no_grad():
        torch.nn.init.normal_(svd.aug_embed.mlp[-1].weight)
        torch.nn.init.normal_(svd.image_embed[-1].weight)
    assert not torch.allclose(svd(x, t, cond0), svd(x, t, cond1))


def test_svd_model_needs_a_well_shaped_image():
    svd = svd_from_video_unet(_model()).eval()
    x, t = torch.randn(B, T, C, H, W), torch.rand(B)
    with pytest.raises(ValueError, match="cond.image"):
        svd(x, t, Cond())
    with pytest.raises(ValueError, match="cond.image"):
        svd(x, t, Cond(image=torch.randn(B, C, H, H + 2)))
    with pytest.raises(ValueError, match="aug_level"):
        svd(x, t, Cond(image=torch.randn(B, C, H, W), aug_level=torch.zeros(B + 1)))


def test_only_a_plain_video_unet_converts():
    svd = svd_from_video_unet(_model())
    with pytest.raises(ValueError, match="VideoUNet"):
        svd_from_video_unet(svd)


def test_save_load_round_trip(tmp_path):
    svd = svd_from_video_unet(_model())
    with torch.no_grad():
        torch.nn.init.normal_(svd.aug_embed.mlp[-1].weight)
    path = save_model(svd, tmp_path / "svd.safetensors", manifest=False)
    back = load_model(path, check_hash=False).eval()
    assert isinstance(back, SVDVideoUNet) and back.config == svd.config
    x, img, t = torch.randn(B, T, C, H, W), torch.randn(B, C, H, W), torch.rand(B)
    cond = Cond(image=img, aug_level=torch.full((B,), 0.3))
    assert torch.equal(back(x, t, cond), svd.eval()(x, t, cond))


def test_cond_carries_image_and_aug_level_through_cat_null_text_and_to():
    c = Cond(tokens=torch.ones(2, 3, dtype=torch.long), image=torch.randn(2, C, H, W),
             aug_level=torch.tensor([0.1, 0.2]))
    both = Cond.cat(c, c.null_text())
    assert both.image.shape == (4, C, H, W) and torch.equal(both.aug_level, torch.tensor([0.1, 0.2] * 2))
    assert torch.equal(both.image[2:], c.image), "guidance drops only the text"
    assert both.tokens[2:].eq(0).all()
    assert torch.equal(c.to("cpu").image, c.image)
    with pytest.raises(ValueError):
        Cond.cat(c, Cond(tokens=c.tokens))


def test_noise_aug_config_draws_and_validates():
    g = torch.Generator().manual_seed(0)
    assert torch.equal(sample_aug_level(64, NoiseAugConfig(), g), torch.zeros(64))
    s = sample_aug_level(4000, NoiseAugConfig(log_mean=-1.0, log_std=0.5, p_zero=0.25), g)
    assert abs((s == 0).float().mean().item() - 0.25) < 0.03
    assert abs(s[s > 0].log().mean().item() + 1.0) < 0.05
    with pytest.raises(ValueError, match="unknown noise_aug"):
        NoiseAugConfig.from_dict({"mean": 1.0})
    with pytest.raises(ValueError, match="p_zero"):
        NoiseAugConfig(log_mean=0.0, p_zero=1.5)
    with pytest.raises(ValueError, match="log_std"):
        NoiseAugConfig(log_mean=0.0, log_std=-1.0)


def test_training_cond_augments_frame_0_and_marks_no_frame_known():
    x0 = torch.randn(3, T, C, H, W)
    cond = svd_training_cond(x0, None, NoiseAugConfig(log_mean=0.0, log_std=0.0), 0.0,
                             torch.Generator().manual_seed(0))
    assert cond.known_mask is None and cond.known is None
    assert torch.allclose(cond.aug_level, torch.ones(3))
    noise = cond.image - x0[:, 0]
    assert 0.8 < noise.std().item() < 1.2
    clean = svd_training_cond(x0, None, NoiseAugConfig(), 0.0, torch.Generator().manual_seed(0))
    assert torch.equal(clean.image, x0[:, 0]) and torch.equal(clean.aug_level, torch.zeros(3))
