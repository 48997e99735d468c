"""3D and (2+1)D convolutions, identity temporal convs, and the seed's shared GroupNorm."""

from __future__ import annotations

import pytest
import torch

from tinyvid.nn import Conv2Plus1dBlock, Conv3dBlock, TemporalConv, TemporalConvBlock
from tinyvid.nn.seed_bugs import SeedTemporal3DConvBlock


def n_params(m: torch.nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("channels", [8, 16, 64])
def test_2plus1d_has_fewer_parameters_than_3d_with_the_same_output_shape(channels):
    x = torch.randn(2, 5, channels, 6, 6)
    conv3d, conv21 = Conv3dBlock(channels, channels), Conv2Plus1dBlock(channels, channels)
    assert conv21(x).shape == conv3d(x).shape == x.shape
    assert n_params(conv21) < n_params(conv3d)
    # weights alone: 9·C² + 3·C² against 27·C²
    assert conv21.spatial.weight.numel() + conv21.temporal.weight.numel() == 12 * channels**2


@torch.no_grad()
def test_temporal_conv_starts_as_identity_and_only_mixes_time():
    x = torch.randn(2, 6, 4, 3, 5)
    assert torch.equal(TemporalConv(4)(x), x)
    torch.testing.assert_close(TemporalConvBlock(4)(x), x, atol=0, rtol=0)
    m = TemporalConv(4, identity_init=False)
    y = x.clone()
    y[0, 2, :, 1, 1] += 1.0
    diff = (m(x) - m(y)).abs().amax(dim=2)[0] > 1e-6  # [T, H, W]
    assert diff[1:4, 1, 1].all()  # frames 1, 2, 3 at that pixel
    diff[1:4, 1, 1] = False
    assert not diff.any()


def test_2plus1d_gives_each_conv_its_own_norm_unlike_the_seed():
    ours = Conv2Plus1dBlock(8, 16)
    assert ours.norm1 is not ours.norm2
    seed = SeedTemporal3DConvBlock(8, 16)
    norms = [m for m in seed.modules() if isinstance(m, torch.nn.GroupNorm)]
    assert len(norms) == 1  # one set of affine parameters for two different feature maps
    assert n_params(ours) - n_params(seed) == 2 * 16  # ours has a second scale and shift


@pytest.mark.parametrize("block", [Conv3dBlock, Conv2Plus1dBlock])
@pytest.mark.parametrize("shape", [(1, 1, 4, 4, 4), (2, 3, 4, 5, 7)])  # T = 1; odd H, W
def test_convs_keep_shape_for_single_frames_and_odd_sizes(block, shape):
    assert block(4, 4)(torch.randn(*shape)).shape == shape


@pytest.mark.parametrize("block", [Conv3dBlock, Conv2Plus1dBlock, TemporalConv, TemporalConvBlock])
def test_convs_reject_wrong_rank_and_channels(block):
    m = block(4, 4) if block in (Conv3dBlock, Conv2Plus1dBlock) else block(4)
    with pytest.raises(ValueError, match="5 dims"):
        m(torch.randn(1, 4, 8, 8))
    with pytest.raises(ValueError, match="has 3 channels.*expects 4"):
        m(torch.randn(1, 2, 3, 8, 8))
