"""Plausible wrong answers for lesson 07's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import math

import torch.nn.functional as F
from einops import rearrange

# ------------------------------------------------------------------------------- patchify


def _patchify_patch_axes_swapped(video, patch_frames, patch_size):
    return rearrange(video, "b (t pt) c (h p) (w q) -> b t (h w) (pt q p c)",
                     pt=patch_frames, p=patch_size, q=patch_size)


def _patchify_channels_first(video, patch_frames, patch_size):
    return rearrange(video, "b (t pt) c (h p) (w q) -> b t (h w) (c pt p q)",
                     pt=patch_frames, p=patch_size, q=patch_size)


def _patchify_view(video, patch_frames, patch_size):
    B, T, C, H, W = video.shape
    return video.view(B, T // patch_frames, (H // patch_size) * (W // patch_size), -1)


def _patchify_time_patch_ignored(video, patch_frames, patch_size):
    return rearrange(video, "b t c (h p) (w q) -> b t (h w) (p q c)", p=patch_size, q=patch_size)


def _patchify_lesson_constants(video, patch_frames, patch_size):
    # the lesson's picture uses 2-frame, 16-pixel patches
    return rearrange(video, "b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)", pt=2, p=16, q=16)


def _patchify_flattened_tokens(video, patch_frames, patch_size):
    # all patches of the clip in one token axis: [B, T'*N, D] instead of [B, T', N, D]
    return rearrange(video, "b (t pt) c (h p) (w q) -> b (t h w) (pt p q c)",
                     pt=patch_frames, p=patch_size, q=patch_size)


# ------------------------------------------------------------------------------ unpatchify


def _unpatchify_patch_axes_swapped(tokens, patch_frames, patch_size, height):
    return rearrange(tokens, "b t (h w) (pt q p c) -> b (t pt) c (h p) (w q)",
                     h=height // patch_size, pt=patch_frames, p=patch_size, q=patch_size)


def _unpatchify_square(tokens, patch_frames, patch_size, height):
    side = math.isqrt(tokens.shape[2])  # assumes square frames
    return rearrange(tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)", h=side, w=side,
                     pt=patch_frames, p=patch_size, q=patch_size)


def _unpatchify_height_as_rows(tokens, patch_frames, patch_size, height):
    # passes the pixel height where the number of patch rows belongs
    return rearrange(tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)",
                     h=height, pt=patch_frames, p=patch_size, q=patch_size)


def _unpatchify_lesson_height(tokens, patch_frames, patch_size, height):
    # tinyvid's latent is 8x8: the height hard-coded
    return rearrange(tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)",
                     h=8 // patch_size, pt=patch_frames, p=patch_size, q=patch_size)


def _unpatchify_reshape(tokens, patch_frames, patch_size, height):
    B, Tp, N, D = tokens.shape
    C = D // (patch_frames * patch_size**2)
    return tokens.reshape(B, Tp * patch_frames, C, height, -1)


# ------------------------------------------------------------------------------ adaLN-Zero


def _mods(c, weight, bias):
    return (F.silu(c) @ weight.T + bias).chunk(3, dim=-1)


def _norm(x):
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6)


def _adaln_without_one_plus(x, c, weight, bias, sublayer):
    shift, scale, gate = _mods(c, weight, bias)
    return x + gate[:, None] * sublayer(_norm(x) * scale[:, None] + shift[:, None])


def _adaln_ungated(x, c, weight, bias, sublayer):
    shift, scale, gate = _mods(c, weight, bias)
    return x + sublayer(_norm(x) * (1 + scale[:, None]) + shift[:, None])


def _adaln_scale_first(x, c, weight, bias, sublayer):
    scale, shift, gate = _mods(c, weight, bias)
    return x + gate[:, None] * sublayer(_norm(x) * (1 + scale[:, None]) + shift[:, None])


def _adaln_gate_outside(x, c, weight, bias, sublayer):
    shift, scale, gate = _mods(c, weight, bias)
    h = _norm(x) * (1 + scale[:, None]) + shift[:, None]
    return gate[:, None] * (x + sublayer(h))


def _adaln_in_place(x, c, weight, bias, sublayer):
    shift, scale, gate = _mods(c, weight, bias)
    h = _norm(x) * (1 + scale[:, None]) + shift[:, None]
    x += gate[:, None] * sublayer(h)
    return x


def _adaln_dit_width(x, c, weight, bias, sublayer):
    # the DiT width of the lesson (128) hard-coded in the split
    m = F.silu(c) @ weight.T + bias
    shift, scale, gate = m[:, :128], m[:, 128:256], m[:, 256:384]
    return x + gate[:, None] * sublayer(_norm(x) * (1 + scale[:, None]) + shift[:, None])


# ----------------------------------------------------------------------------- token count


def _up(a, b):
    return -(-a // b)


def _tokens_forget_time_patch(F_, H, W, vt, vs, pt, ps):
    return _up(F_, vt) * _up(_up(H, vs), ps) * _up(_up(W, vs), ps)


def _tokens_floor(F_, H, W, vt, vs, pt, ps):
    return (F_ // vt // pt) * (H // vs // ps) * (W // vs // ps)


def _tokens_float(F_, H, W, vt, vs, pt, ps):
    return math.ceil(F_ / vt / pt) * math.ceil(H / vs / ps) * math.ceil(W / vs / ps) * 1.0


def _tokens_lesson_vae(F_, H, W, vt, vs, pt, ps):
    # 4x8x8, the autoencoder of the lesson's examples, hard-coded
    return _up(_up(F_, 4), pt) * _up(_up(H, 8), ps) * _up(_up(W, 8), ps)


def _tokens_ceil_once(F_, H, W, vt, vs, pt, ps):
    return math.ceil(F_ * H * W / (vt * pt * (vs * ps) ** 2))


def _tokens_patch_area_forgotten(F_, H, W, vt, vs, pt, ps):
    # divides by the patch side once instead of per axis
    return _up(_up(F_, vt), pt) * _up(_up(H, vs) * _up(W, vs), ps)


# -------------------------------------------------------------------------- attention cost


def _cost_mac_as_one(L, D, heads, nb):
    return 2 * L * L * D, heads * L * L * nb


def _cost_one_head_memory(L, D, heads, nb):
    return 4 * L * L * D, L * L * nb


def _cost_bf16_hard_coded(L, D, heads, nb):
    return 4 * L * L * D, heads * L * L * 2


def _cost_per_head_width(L, D, heads, nb):
    return 4 * L * L * (D // heads), heads * L * L * nb


def _cost_floats(L, D, heads, nb):
    return 4.0 * L**2 * D, float(heads * L**2 * nb)


def _cost_linear_memory(L, D, heads, nb):
    return 4 * L * L * D, heads * L * D * nb


MUTANTS = {
    "patchify": [
        ("patch axes swapped (pt q p c)", _patchify_patch_axes_swapped, "swapped"),
        ("channels first in the token", _patchify_channels_first, "channels first"),
        ("view instead of rearrange", _patchify_view, "reshape"),
        ("time patch ignored", _patchify_time_patch_ignored, "time patch ignored"),
        ("the lesson's 2x16x16 patch hard-coded", _patchify_lesson_constants, "raised"),
        ("tokens of all time slots in one axis", _patchify_flattened_tokens, "shape"),
    ],
    "unpatchify": [
        ("patch axes swapped (pt q p c)", _unpatchify_patch_axes_swapped, "transposed"),
        ("square frames assumed", _unpatchify_square, "raised"),
        ("pixel height as the number of patch rows", _unpatchify_height_as_rows, "wrong shape"),
        ("tinyvid's 8-row latent hard-coded", _unpatchify_lesson_height, "wrong shape"),
        ("reshape back", _unpatchify_reshape, "wrong values"),
    ],
    "adaln_zero_step": [
        ("x·scale + shift without the 1 +", _adaln_without_one_plus, "without the 1 +"),
        ("no gate", _adaln_ungated, "no gate"),
        ("scale and shift swapped", _adaln_scale_first, "order is shift, scale, gate"),
        ("gate on the whole residual", _adaln_gate_outside, "wrong values"),
        ("in place on x", _adaln_in_place, "in place"),
        ("width 128 hard-coded", _adaln_dit_width, "raised"),
    ],
    "token_count": [
        ("forgets the time patch", _tokens_forget_time_patch, "time patch forgotten"),
        ("floor division", _tokens_floor, "rounded down"),
        ("a float", _tokens_float, "wrong type"),
        ("the lesson's 4x8x8 autoencoder hard-coded", _tokens_lesson_vae, "wrong"),
        ("rounds once on the total", _tokens_ceil_once, "rounded once"),
        ("patch area divided once", _tokens_patch_area_forgotten, "wrong"),
    ],
    "attention_cost": [
        ("a multiply-add as one FLOP", _cost_mac_as_one, "half the flops"),
        ("one head's scores", _cost_one_head_memory, "one l×l matrix per head"),
        ("bf16 hard-coded", _cost_bf16_hard_coded, "hard-coded"),
        ("width of one head", _cost_per_head_width, "one head only"),
        ("floats", _cost_floats, "wrong type"),
        ("memory linear in L", _cost_linear_memory, "wrong"),
    ],
}
