"""DiT: spacetime patches round-trip, adaLN-Zero blocks start as identity, the model contract."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.nn import Cond, DiT, DiTBlock, DiTConfig, patchify, unpatchify


@pytest.mark.parametrize("pt,p", [(1, 1), (1, 2), (2, 2), (4, 1)])
def test_patchify_unpatchify_round_trip_exactly(pt, p):
    x = torch.randn(2, 8, 3, 6, 4)
    tokens = patchify(x, pt, p)
    assert tokens.shape == (2, 8 // pt, (6 // p) * (4 // p), pt * p * p * 3)
    assert torch.equal(unpatchify(tokens, pt, p, height=6), x)


def test_a_patch_holds_one_spacetime_tube():
    x = torch.arange(1 * 4 * 1 * 4 * 4.0).reshape(1, 4, 1, 4, 4)
    tokens = patchify(x, 2, 2)  # [1, 2, 4, 8]
    # token 0 of time-slot 0: frames 0-1, rows 0-1, columns 0-1
    assert set(tokens[0, 0, 0].tolist()) == set(x[0, 0:2, 0, 0:2, 0:2].flatten().tolist())


def test_patchify_rejects_sizes_that_do_not_split():
    with pytest.raises(ValueError, match="patch_size=2"):
        patchify(torch.randn(1, 4, 3, 5, 4), 1, 2)
    with pytest.raises(ValueError, match="patch_frames=2"):
        patchify(torch.randn(1, 3, 3, 4, 4), 2, 1)


@pytest.mark.parametrize("attention", ["factorized", "full"])
def test_adaln_zero_block_is_identity_at_init(attention):
    torch.manual_seed(0)
    model = DiT(DiTConfig.tiny(attention=attention))
    block = model.blocks[0]
    x, c = torch.randn(2, 3, 5, 32), torch.randn(2, 32)
    assert torch.equal(block(x, c), x)
    torch.nn.init.normal_(block.adaLN_modulation[-1].weight, std=0.1)  # a trained block
    assert not torch.allclose(block(x, c), x, atol=1e-3)


@torch.no_grad()
def test_dit_attention_kinds_mix_the_axes_they_name():
    torch.manual_seed(0)
    block = DiTBlock(16, 2, attention="factorized")
    x = torch.randn(2, 3, 4, 16)  # [B, T', N, D]
    y = x.clone()
    y[0, 1, 2] += torch.randn(16)  # video 0, frame 1, token 2
    reach = {}
    for kind in ["spatial", "temporal", "full"]:
        diff = DiTBlock.attend(block.attns[0], x, kind) - DiTBlock.attend(block.attns[0], y, kind)
        reach[kind] = diff.abs().amax(-1) > 1e-6  # [B, T', N]
        assert not reach[kind][1].any()  # never another video
    expected_spatial = torch.zeros(3, 4, dtype=torch.bool)
    expected_spatial[1] = True
    expected_temporal = torch.zeros(3, 4, dtype=torch.bool)
    expected_temporal[:, 2] = True
    assert torch.equal(reach["spatial"][0], expected_spatial)
    assert torch.equal(reach["temporal"][0], expected_temporal)
    assert reach["full"][0].all()


@torch.no_grad()
def test_dit_follows_the_model_contract_and_uses_its_conditioning():
    torch.manual_seed(0)
    cfg = DiTConfig.tiny(patch_size=2, patch_frames=2)
    model = DiT(cfg)
    B, T, c = 2, 4, cfg.latent_channels
    x, t = torch.randn(B, T, c, 6, 4), torch.rand(B)
    assert torch.equal(model(x, t), torch.zeros_like(x))  # zero-initialised output layer
    for p in model.parameters():  # stand-in for training: no zero weights left
        if p.abs().sum() == 0:
            torch.nn.init.normal_(p, std=0.1)
    tokens = torch.tensor([[3, 4, 5, 0, 0, 0, 0, 0], [6, 7, 0, 0, 0, 0, 0, 0]])
    mask = torch.tensor([[1.0, 0, 0, 0], [1, 0, 0, 1]])
    known = torch.randn_like(x)
    cond = Cond(tokens, mask, known)
    out = model(x, t, cond)
    assert out.shape == x.shape
    assert not torch.allclose(out, model(x, t, cond.null_text()))
    assert not torch.allclose(out, model(x, t, Cond(tokens=tokens)))
    assert not torch.allclose(out, model(x, 1 - t, cond))
    # known latents only count where the mask says so
    other = known.clone()
    other[:, 1:3] += 1.0
    torch.testing.assert_close(model(x, t, Cond(tokens, mask, other)), out)


@torch.no_grad()
@pytest.mark.parametrize("attention", ["factorized", "full"])
@pytest.mark.parametrize("shape", [(2, 1, 4, 8, 8), (1, 3, 4, 5, 7)])  # T = 1; odd H, W
def test_dit_handles_single_frames_and_odd_sizes(attention, shape):
    model = DiT(DiTConfig.tiny(attention=attention))
    assert model(torch.randn(*shape), torch.rand(shape[0])).shape == shape


def test_dit_rejects_bad_inputs_and_configs():
    model = DiT(DiTConfig.tiny(patch_size=2))
    with pytest.raises(ValueError, match="5 dims"):
        model(torch.randn(2, 4, 8, 8), torch.rand(2))
    with pytest.raises(ValueError, match="expects 4"):
        model(torch.randn(2, 3, 8, 8, 8), torch.rand(2))
    with pytest.raises(ValueError, match="patch_size=2"):
        model(torch.randn(1, 3, 4, 7, 8), torch.rand(1))
    with pytest.raises(ValueError, match="allowed"):
        DiTConfig(attention="3d")


def test_dit_presets_fit_the_cpu_budget_and_round_trip_through_json():
    sizes = {}
    for name in ["tiny", "default", "large"]:
        cfg = getattr(DiTConfig, name)()
        assert DiTConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
        sizes[name] = sum(p.numel() for p in DiT(cfg).parameters())
    assert sizes["tiny"] < 1e5  # seconds on a CPU: tests and smoke runs
    assert 1e6 < sizes["default"] < sizes["large"] < 6e6
