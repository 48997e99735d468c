"""Plausible wrong answers for lesson 04's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import torch
import torch.nn.functional as F
from einops import rearrange


def _block(x, p, groups, norm2="norm2", act1=True, pad_t=1, per_frame=False, last_act=True):
    B = x.shape[0]

    def gn(h, which):
        if per_frame:
            h = rearrange(h, "b c t h w -> (b t) c h w")
        h = F.group_norm(h, groups, p[f"{which}.weight"], p[f"{which}.bias"])
        return rearrange(h, "(b t) c h w -> b c t h w", b=B) if per_frame else h

    h = rearrange(x, "b t c h w -> b c t h w")
    h = gn(F.conv3d(h, p["spatial.weight"], p["spatial.bias"], padding=(0, 1, 1)), "norm1")
    h = F.silu(h) if act1 else h
    h = gn(F.conv3d(h, p["temporal.weight"], p["temporal.bias"], padding=(pad_t, 0, 0)), norm2)
    h = F.silu(h) if last_act else h
    return rearrange(h, "b c t h w -> b t c h w")


def _identity_every_tap(C, k):
    return torch.eye(C)[:, :, None, None, None].repeat(1, 1, k, 1, 1), torch.zeros(C)


def _identity_first_tap(C, k):
    w = torch.zeros(C, C, k, 1, 1)
    w[:, :, 0, 0, 0] = torch.eye(C)
    return w, torch.zeros(C)


def _identity_wrong_layout(C, k):
    w = torch.zeros(C, C, 1, 1, k)  # kernel along the width, not along time
    w[:, :, 0, 0, k // 2] = torch.eye(C)
    return w, torch.zeros(C)


def _identity_bias_one(C, k):
    w = torch.zeros(C, C, k, 1, 1)
    w[:, :, k // 2, 0, 0] = torch.eye(C)
    return w, torch.ones(C)


def _inflate(weight, bias, k, temporal="zero", axis=2, bias_copy=True, temporal_in=None):
    C_out = weight.shape[0]
    C_t_in = temporal_in(weight) if temporal_in else C_out
    t = torch.zeros(C_out, C_t_in, k, 1, 1)
    if temporal == "dirac":
        torch.nn.init.dirac_(t)
    elif temporal == "random":
        t = torch.randn(C_out, C_t_in, k, 1, 1) * 0.1
    return {
        "spatial.weight": weight.unsqueeze(axis).clone(),
        "spatial.bias": bias.clone() if bias_copy else torch.zeros_like(bias),
        "temporal.weight": t,
        "temporal.bias": torch.zeros(C_out),
    }


MUTANTS = {
    "conv2plus1d": [
        ("seed's shared GroupNorm", lambda x, p, g: _block(x, p, g, norm2="norm1"), "shared norm"),
        ("no SiLU in the middle", lambda x, p, g: _block(x, p, g, act1=False), "collapse"),
        ("per-frame GroupNorm", lambda x, p, g: _block(x, p, g, per_frame=True), "per frame"),
        ("temporal conv without padding", lambda x, p, g: _block(x, p, g, pad_t=0), "wrong shape"),
        ("no final SiLU", lambda x, p, g: _block(x, p, g, last_act=False), "wrong values"),
    ],
    "identity_temporal_kernel": [
        ("identity at every tap", _identity_every_tap, "temporal blur"),
        ("identity at the first tap", _identity_first_tap, "shifts the video"),
        ("kernel along the width", _identity_wrong_layout, "axes swapped"),
        ("bias of ones", _identity_bias_one, "wrong values[1]"),
    ],
    "inflate_conv": [
        ("Dirac inside the residual", lambda w, b, k: _inflate(w, b, k, "dirac"), "doubles"),
        ("time axis last", lambda w, b, k: _inflate(w, b, k, axis=4), "time first"),
        ("bias not copied", lambda w, b, k: _inflate(w, b, k, bias_copy=False), "bias"),
        ("random temporal init", lambda w, b, k: _inflate(w, b, k, "random"), "temporal.weight"),
        (
            "temporal conv sized from C_in",
            lambda w, b, k: _inflate(w, b, k, temporal_in=lambda w: w.shape[1]),
            "wrong shape",
        ),
    ],
}


def _instance_norm_block(x, p, groups):
    """Ignores `groups`: one group per channel, which equals GroupNorm only when groups == C."""
    return _block(x, p, p["norm1.weight"].shape[0])


def _instance_norm_library(x, p, groups):
    B = x.shape[0]
    h = rearrange(x, "b t c h w -> b c t h w")
    h = F.conv3d(h, p["spatial.weight"], p["spatial.bias"], padding=(0, 1, 1))
    h = F.silu(F.instance_norm(h, weight=p["norm1.weight"], bias=p["norm1.bias"]))
    h = F.conv3d(h, p["temporal.weight"], p["temporal.bias"], padding=(1, 0, 0))
    h = F.silu(F.instance_norm(h, weight=p["norm2.weight"], bias=p["norm2.bias"]))
    assert h.shape[0] == B
    return rearrange(h, "b c t h w -> b t c h w")


MUTANTS["conv2plus1d"] += [
    ("groups ignored: one group per channel", _instance_norm_block, "one group per channel"),
    ("F.instance_norm", _instance_norm_library, "16 channels in 8 groups"),
    ("groups hard-coded to 8", lambda x, p, groups: _block(x, p, 8), "raised"),
]
def _identity_kernel_3(C, k):
    """The lesson's kernel size 3 hard-coded where the `kernel_size` argument belongs."""
    return torch.nn.init.dirac_(torch.zeros(C, C, 3, 1, 1)), torch.zeros(C)


MUTANTS["identity_temporal_kernel"] += [("kernel size 3 hard-coded", _identity_kernel_3, "kernel 5")]
MUTANTS["inflate_conv"] += [
    ("temporal kernel 3 hard-coded", lambda w, b, k: _inflate(w, b, 3), "temporal kernel 5"),
]
