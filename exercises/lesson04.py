"""Lesson 04 (3D and (2+1)D convolutions, temporal layers in a U-Net): three graded exercises."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange

from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson04 as solutions
from tinyvid.nn.conv import Conv2Plus1dBlock
from tinyvid.nn.layers import num_groups

# --------------------------------------------------------------------------------- (2+1)D block


def _conv2plus1d_spec(x: torch.Tensor, params: dict, groups: int) -> torch.Tensor:
    """The library's block with these parameters: tinyvid.nn.conv.Conv2Plus1dBlock."""
    C_in, C_out = params["spatial.weight"].shape[1], params["spatial.weight"].shape[0]
    block = Conv2Plus1dBlock(C_in, C_out)
    assert block.norm1.num_groups == groups
    block.load_state_dict(params)
    with torch.no_grad():
        return block(x)


def _params(gen: torch.Generator, C_in: int, C_out: int) -> dict[str, torch.Tensor]:
    def rand(*shape, scale=1.0):
        return torch.randn(*shape, generator=gen) * scale

    return {
        "spatial.weight": rand(C_out, C_in, 1, 3, 3, scale=(9 * C_in) ** -0.5),
        "spatial.bias": rand(C_out, scale=0.1),
        "norm1.weight": 1 + rand(C_out, scale=0.5),
        "norm1.bias": rand(C_out, scale=0.5),
        "temporal.weight": rand(C_out, C_out, 3, 1, 1, scale=(3 * C_out) ** -0.5),
        "temporal.bias": rand(C_out, scale=0.1),
        "norm2.weight": 1 + rand(C_out, scale=0.5),
        "norm2.bias": rand(C_out, scale=0.5),
    }


def _block_case(gen, shape, C_out, label) -> Case:
    x = torch.randn(shape, generator=gen)
    return Case(x, _params(gen, shape[2], C_out), num_groups(C_out), label=label)


def _wrong_block(x, p, groups, *, shared=False, middle_act=True, per_frame=False, pad_t=1):
    """conv2plus1d with one mistake switched on (for the diagnoses)."""
    B, T = x.shape[:2]

    def norm(h, which):
        which = "norm1" if shared else which
        if per_frame:
            h = rearrange(h, "b c t h w -> (b t) c h w")
        h = F.group_norm(h, groups, p[f"{which}.weight"], p[f"{which}.bias"])
        return rearrange(h, "(b t) c h w -> b c t h w", b=B) if per_frame else h

    h = rearrange(x, "b t c h w -> b c t h w")
    h = norm(F.conv3d(h, p["spatial.weight"], p["spatial.bias"], padding=(0, 1, 1)), "norm1")
    h = F.silu(h) if middle_act else h
    h = F.conv3d(h, p["temporal.weight"], p["temporal.bias"], padding=(pad_t, 0, 0))
    h = F.silu(norm(h, "norm2"))
    return rearrange(h, "b c t h w -> b t c h w")


@exercise(
    lesson="04",
    solution=solutions.conv2plus1d,
    points=1,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=_conv2plus1d_spec,
    hints=[
        "F.conv3d wants [B, C, T, H, W]: move the channels in front of time first, and back at "
        "the end. Then: spatial conv, norm1, SiLU, temporal conv, norm2, SiLU.",
        "Padding keeps the sizes: (0, 1, 1) for the 1×3×3 kernel, (1, 0, 0) for the 3×1×1 one. "
        "F.group_norm(h, groups, weight, bias) on [B, C, T, H, W] pools each group over T, H, W.",
        "Each conv has its own norm: norm1.* after the spatial conv, norm2.* after the temporal "
        "conv (sharing one norm is the seed's mistake), each followed by SiLU. Pass the "
        "`groups` argument to F.group_norm: groups are not always one per channel.",
    ],
    mistakes=[
        (
            "the seed's shared norm: norm1's gain and bias used after both convs; the temporal "
            "conv needs its own norm (norm2)",
            lambda x, p, g: _wrong_block(x, p, g, shared=True),
        ),
        (
            "no SiLU between the spatial and the temporal conv: without it the two convs collapse "
            "into one linear 3×3×3 conv",
            lambda x, p, g: _wrong_block(x, p, g, middle_act=False),
        ),
        (
            "GroupNorm statistics per frame ((b t) c h w); this block's norms pool over the whole "
            "clip, [B, C, T, H, W]",
            lambda x, p, g: _wrong_block(x, p, g, per_frame=True),
        ),
        (
            "one group per channel (instance norm): use the `groups` argument; with 16 channels "
            "in 8 groups, each group pools 2 channels",
            lambda x, p, g: _wrong_block(x, p, p["norm1.weight"].shape[0]),
        ),
    ],
)
def conv2plus1d(gen: torch.Generator):
    """Random videos and parameters; T = 1; batch 1; odd sizes; C_in != C_out; groups < channels."""
    yield _block_case(gen, (2, 4, 3, 6, 5), 8, "random shape, 3 -> 8 channels")
    yield _block_case(gen, (1, 1, 4, 5, 5), 4, "T = 1, batch 1")
    yield _block_case(gen, (1, 5, 6, 7, 3), 6, "batch 1, odd H and W")
    yield _block_case(gen, (3, 3, 8, 4, 4), 4, "batch 3, 8 -> 4 channels")
    yield _block_case(gen, (2, 3, 4, 5, 4), 16, "16 channels in 8 groups (2 channels a group)")
    yield _block_case(gen, (1, 4, 3, 4, 6), 12, "12 channels in 6 groups")


# ---------------------------------------------------------------------- identity temporal conv


def _identity_kernel_spec(channels: int, kernel_size: int):
    """Slow and obvious: weight[o, i, k] = 1 exactly when o == i and k is the centre tap."""
    weight = torch.zeros(channels, channels, kernel_size, 1, 1)
    for o in range(channels):
        for i in range(channels):
            for k in range(kernel_size):
                if o == i and k == kernel_size // 2:
                    weight[o, i, k, 0, 0] = 1.0
    return weight, torch.zeros(channels)


def _every_tap(channels, kernel_size):
    weight = torch.eye(channels)[:, :, None, None, None].repeat(1, 1, kernel_size, 1, 1)
    return weight, torch.zeros(channels)


def _first_tap(channels, kernel_size):
    weight = torch.zeros(channels, channels, kernel_size, 1, 1)
    weight[:, :, 0, 0, 0] = torch.eye(channels)
    return weight, torch.zeros(channels)


def _all_ones_centre(channels, kernel_size):
    weight = torch.zeros(channels, channels, kernel_size, 1, 1)
    weight[:, :, kernel_size // 2] = 1.0
    return weight, torch.zeros(channels)


@exercise(
    lesson="04",
    solution=solutions.identity_temporal_kernel,
    points=1,
    difficulty=1,
    minutes=5,
    compare=exact(),
    spec=_identity_kernel_spec,
    hints=[
        "Output frame t of a k×1×1 conv is sum over taps j and input channels i of "
        "weight[o, i, j] · x[i, t + j - k//2]. Which taps and channels may be non-zero if the "
        "output must equal the input?",
        "Only the centre tap (j = k // 2) may look at frame t itself, and there the channel "
        "mixing must be the identity matrix (torch.eye). Everything else, bias included, is 0.",
        "Start from zeros of shape [C, C, k, 1, 1] and write the identity into the centre tap "
        "only; use the kernel_size argument, not 3. (torch.nn.init.dirac_ builds such a "
        "kernel in place.)",
    ],
    mistakes=[
        (
            "identity at every tap: that sums k neighbouring frames (a temporal blur, k times too "
            "bright), not the identity",
            _every_tap,
        ),
        ("identity at the first tap: that shifts the video by one frame in time", _first_tap),
        (
            "ones across every channel pair at the centre tap: each output channel becomes the sum "
            "of all input channels; the centre tap must be the identity matrix",
            _all_ones_centre,
        ),
    ],
)
def identity_temporal_kernel(gen: torch.Generator):
    """Kernel sizes 1, 3 and 5; one channel and several."""
    yield Case(4, 3, label="4 channels, kernel 3")
    yield Case(1, 3, label="1 channel")
    yield Case(7, 5, label="7 channels, kernel 5")
    yield Case(3, 1, label="kernel 1 (a 1×1×1 conv)")


# ---------------------------------------------------------------------------- inflate one conv


def _inflate_case(gen, C_in, C_out, kh, kw, kernel_size, label) -> Case:
    weight = torch.randn(C_out, C_in, kh, kw, generator=gen)
    bias = torch.randn(C_out, generator=gen)
    return Case(weight, bias, kernel_size, label=label)


def _inflate_with(weight, bias, kernel_size, *, temporal="zero", time_axis=2, keep_bias=True):
    C_out = weight.shape[0]
    if temporal == "zero":
        t_weight = torch.zeros(C_out, C_out, kernel_size, 1, 1)
    else:  # identity (Dirac) inside the residual branch
        t_weight = torch.zeros(C_out, C_out, kernel_size, 1, 1)
        t_weight[:, :, kernel_size // 2, 0, 0] = torch.eye(C_out)
    return {
        "spatial.weight": weight.unsqueeze(time_axis).clone(),
        "spatial.bias": bias.clone() if keep_bias else torch.zeros_like(bias),
        "temporal.weight": t_weight,
        "temporal.bias": torch.zeros(C_out),
    }


def _inflated_forward_spec(weight, bias, kernel_size):
    """The spec checks the property itself: the inflated block equals the 2D conv on every frame."""
    params = solutions.inflate_conv(weight, bias, kernel_size)
    x = torch.randn(2, 3, weight.shape[1], 5, 6, generator=torch.Generator().manual_seed(1))
    kh, kw = weight.shape[-2:]
    s = F.conv3d(rearrange(x, "b t c h w -> b c t h w"), params["spatial.weight"],
                 params["spatial.bias"], padding=(0, kh // 2, kw // 2))  # [B, C_out, T, H', W']
    y = s + F.conv3d(s, params["temporal.weight"], params["temporal.bias"],
                     padding=(kernel_size // 2, 0, 0))
    per_frame = F.conv2d(rearrange(x, "b t c h w -> (b t) c h w"), weight, bias,
                         padding=(kh // 2, kw // 2))  # [B*T, C_out, H', W']
    per_frame = rearrange(per_frame, "(b t) c h w -> b c t h w", b=2)
    if not torch.allclose(y, per_frame, atol=1e-5):
        raise AssertionError("inflated block differs from the 2D conv applied per frame")
    return params


@exercise(
    lesson="04",
    solution=solutions.inflate_conv,
    points=1,
    difficulty=2,
    minutes=8,
    compare=exact(),
    spec=_inflated_forward_spec,
    hints=[
        "Two pieces: the 2D kernel becomes a 3D kernel that looks at one frame only (its time "
        "size is 1), and a new temporal conv whose residual branch must add exactly nothing.",
        "Conv3d weights are [C_out, C_in, k_t, k_h, k_w]: insert the time axis at position 2, "
        "e.g. rearrange(weight, 'o i kh kw -> o i 1 kh kw'). Copy the bias as it is.",
        "The temporal conv sits inside a residual, y = s + conv_t(s): for y = s its weight and "
        "bias must be zeros ([C_out, C_out, k, 1, 1] and [C_out]), not an identity kernel.",
    ],
    mistakes=[
        (
            "identity (Dirac) temporal kernel inside the residual branch: y = s + s doubles the "
            "output; a residual branch starts at zero",
            lambda w, b, k: _inflate_with(w, b, k, temporal="dirac"),
        ),
        (
            "the time axis went last ([C_out, C_in, kh, kw, 1]); Conv3d kernels are "
            "[C_out, C_in, k_t, k_h, k_w], time first",
            lambda w, b, k: _inflate_with(w, b, k, time_axis=4),
        ),
        (
            "the 2D conv's bias was not copied (zeros): the inflated block must reproduce it",
            lambda w, b, k: _inflate_with(w, b, k, keep_bias=False),
        ),
    ],
)
def inflate_conv(gen: torch.Generator):
    """3×3 and 1×1 kernels; C_in != C_out; temporal kernel 3, 5 and 1."""
    yield _inflate_case(gen, 3, 5, 3, 3, 3, "3×3 conv, 3 -> 5 channels, temporal kernel 3")
    yield _inflate_case(gen, 4, 4, 1, 1, 3, "1×1 conv")
    yield _inflate_case(gen, 2, 6, 3, 5, 5, "3×5 kernel, temporal kernel 5")
    yield _inflate_case(gen, 1, 2, 3, 3, 1, "one input channel, temporal kernel 1")
