"""Image U-Net and its inflation: identical per frame at init, video model after training."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.nn import Cond, ImageUNet, UNetConfig, VideoUNet, inflate

CFG = UNetConfig.tiny()
c = CFG.latent_channels


def make_inputs(B=2, T=4, h=8, w=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, c, h, w, generator=g)
    t = torch.rand(B, generator=g)
    tokens = torch.randint(1, CFG.text.vocab_size, (B, CFG.text.max_len), generator=g)
    tokens[:, 5:] = 0
    mask = torch.zeros(B, T)
    mask[:, 0] = 1  # image-to-video: first frame known
    known = torch.randn(B, T, c, h, w, generator=g) * mask[:, :, None, None, None]
    return x, t, Cond(tokens=tokens, known_mask=mask, known=known)


def per_frame(image_net: ImageUNet, x, t, cond: Cond) -> torch.Tensor:
    """The image model applied to one frame at a time, frames stacked back."""
    frames = []
    for i in range(x.shape[1]):
        one = Cond(cond.tokens, cond.known_mask[:, i : i + 1], cond.known[:, i : i + 1])
        frames.append(image_net(x[:, i : i + 1], t, one))
    return torch.cat(frames, dim=1)


@pytest.fixture
def nets():
    torch.manual_seed(0)
    image = ImageUNet(CFG)
    return image, inflate(image)


@torch.no_grad()
def test_inflated_unet_equals_image_unet_per_frame_at_init(nets):
    image, video = nets
    x, t, cond = make_inputs()
    out = video(x, t, cond)
    assert out.std() > 0.05  # a real output, not a zero-initialised one
    assert (out - per_frame(image, x, t, cond)).abs().max() <= 1e-5
    assert sum(p.numel() for p in video.parameters()) > sum(p.numel() for p in image.parameters())


@torch.no_grad()
def test_inflated_unet_at_init_commutes_with_any_frame_permutation(nets):
    _, video = nets
    x, t, cond = make_inputs(T=5)
    out = video(x, t, cond)
    for seed in range(3):
        perm = torch.randperm(5, generator=torch.Generator().manual_seed(seed))
        permuted = Cond(cond.tokens, cond.known_mask[:, perm], cond.known[:, perm])
        assert (video(x[:, perm], t, permuted) - out[:, perm]).abs().max() <= 1e-5


def test_inflated_unet_mixes_frames_after_one_optimiser_step_on_video(nets):
    image, video = nets
    x, t, cond = make_inputs(seed=1)
    target = torch.cumsum(torch.randn_like(x), dim=1)  # frames that depend on each other
    opt = torch.optim.Adam(video.parameters(), lr=1e-2)
    torch.nn.functional.mse_loss(video(x, t, cond), target).backward()
    opt.step()

    # the image net with the *updated* spatial weights: only temporal layers can differ now
    image.load_state_dict(
        {k: v for k, v in video.state_dict().items() if ".temporal_" not in k}, strict=True
    )
    with torch.no_grad():
        assert (video(x, t, cond) - per_frame(image, x, t, cond)).abs().max() > 1e-3
        perm = torch.tensor([3, 1, 0, 2])
        permuted = Cond(cond.tokens, cond.known_mask[:, perm], cond.known[:, perm])
        assert (video(x[:, perm], t, permuted) - video(x, t, cond)[:, perm]).abs().max() > 1e-3


@torch.no_grad()
def test_unet_conditioning_changes_the_output(nets):
    _, video = nets
    x, t, cond = make_inputs()
    out = video(x, t, cond)
    assert not torch.allclose(out, video(x, t, cond.null_text()))  # prompt matters
    assert not torch.allclose(out, video(x, t, Cond(tokens=cond.tokens)))  # known frame matters
    assert not torch.allclose(out, video(x, 1 - t, cond))  # time matters


@torch.no_grad()
@pytest.mark.parametrize("shape", [(2, 1, c, 8, 8), (1, 3, c, 7, 5)])  # T = 1; odd H, W
def test_unets_handle_single_frames_and_odd_sizes(nets, shape):
    for net in nets:
        assert net(torch.randn(*shape), torch.rand(shape[0]), None).shape == shape


def test_unets_reject_wrong_inputs_with_clear_errors(nets):
    _, video = nets
    with pytest.raises(ValueError, match="5 dims"):
        video(torch.randn(2, c, 8, 8), torch.rand(2))
    with pytest.raises(ValueError, match=f"expects {c}"):
        video(torch.randn(2, 3, c + 1, 8, 8), torch.rand(2))
    with pytest.raises(ValueError, match=r"t must be a \[B\]"):
        video(torch.randn(2, 3, c, 8, 8), torch.rand(3))
    with pytest.raises(ValueError, match="known_mask must be"):
        video(torch.randn(2, 3, c, 8, 8), torch.rand(2), Cond(known_mask=torch.ones(2, 4)))
    with pytest.raises(ValueError, match="expects an ImageUNet"):
        inflate(video)


def test_unet_config_round_trips_through_json():
    cfg = UNetConfig.default()
    assert UNetConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    n = sum(p.numel() for p in VideoUNet(cfg).parameters())
    assert 1e6 < n < 4e6  # the CPU sampling budget: the shipped VideoUNet has 2.1 M
