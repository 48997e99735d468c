"""Plausible wrong answers for lesson 03's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import math

import torch
import torch.nn.functional as F
from einops import rearrange


def _heads(a, heads):
    return rearrange(a, "n l (h d) -> n h l d", h=heads)


def _spatial_seed_axis(x, w_qkv, heads):
    # the seed's layout fed to an attention that treats axis 0 as the sequence
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c").transpose(0, 1)  # [(h w), (b t), c]
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)
    out = F.scaled_dot_product_attention(_heads(q, heads), _heads(k, heads), _heads(v, heads))
    out = rearrange(out, "n h l d -> n l (h d)").transpose(0, 1)  # [(b t), (h w), c]
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)


def _spatial_manual_softmax_wrong_axis(x, w_qkv, heads):
    # writes the attention by hand and normalises the scores over the queries (dim=-2)
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    scores = q @ k.transpose(-1, -2) / math.sqrt(C // heads)
    out = torch.softmax(scores, dim=-2) @ v
    out = rearrange(out, "n h l d -> n l (h d)")
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)


def _spatial_one_head(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c")
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)
    out = F.scaled_dot_product_attention(q, k, v)
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)


def _spatial_view_back(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return out.reshape(B, T, C, H, W)


def _spatial_grouped_like_temporal(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)


def _temporal_grouped_like_spatial(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b t) (h w) c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)


def _temporal_seed_axis(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c").transpose(0, 1)  # [t, (b h w), c]
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return rearrange(out.transpose(0, 1), "(b h w) t c -> b t c h w", b=B, h=H)


def _temporal_no_scale(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = F.scaled_dot_product_attention(q, k, v, scale=1.0)
    out = rearrange(out, "n h l d -> n l (h d)")
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)


def _temporal_in_place(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")
    q, k, v = (_heads(a, heads) for a in (tokens @ w_qkv.T).chunk(3, dim=-1))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    x.copy_(rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H))
    return x


def _block_seed_residual(x, spatial, temporal, norm1, norm2):
    x = norm1(x)
    x = x + spatial(x)
    x = norm2(x)
    return x + temporal(x)


def _block_shared_norm(x, spatial, temporal, norm1, norm2):
    x = x + spatial(norm1(x))
    return x + temporal(norm1(x))


def _block_no_residual(x, spatial, temporal, norm1, norm2):
    return temporal(norm2(spatial(norm1(x))))


def _block_time_first(x, spatial, temporal, norm1, norm2):
    x = x + temporal(norm2(x))
    return x + spatial(norm1(x))


def _block_parallel(x, spatial, temporal, norm1, norm2):
    return x + spatial(norm1(x)) + temporal(norm2(x))


MUTANTS = {
    "spatial_attention": [
        ("seed's batch_first=False axis", _spatial_seed_axis, "batch_first=False"),
        ("softmax over the wrong axis", _spatial_manual_softmax_wrong_axis, "wrong values"),
        ("heads not split", _spatial_one_head, "one head of width C"),
        ("reshape back instead of rearrange", _spatial_view_back, "scrambled"),
        ("grouped by position (temporal)", _spatial_grouped_like_temporal, "temporal attention"),
    ],
    "temporal_attention": [
        ("grouped by frame (spatial)", _temporal_grouped_like_spatial, "spatial attention"),
        ("seed's batch_first=False axis", _temporal_seed_axis, "batch_first=False"),
        ("no 1/sqrt(d)", _temporal_no_scale, "1/sqrt(d)"),
        ("in place", _temporal_in_place, "in place"),
    ],
    "factorized_block": [
        ("seed's residual on the normalised tensor", _block_seed_residual, "normalised tensor"),
        ("shared norm", _block_shared_norm, "own norm"),
        ("missing residual", _block_no_residual, "no residual"),
        ("temporal first", _block_time_first, "temporal step first"),
        ("parallel branches", _block_parallel, "side by side"),
    ],
    "attention_flops": [
        ("multiply-add as one FLOP", lambda T, H, W, D: (2 * (T * H * W) ** 2 * D,
                                                         2 * T * (H * W) ** 2 * D + 2 * H * W * T**2 * D),
         "half the count"),
        ("factorized without the temporal step", lambda T, H, W, D: (4 * (T * H * W) ** 2 * D,
                                                                    4 * T * (H * W) ** 2 * D),
         "without its temporal step"),
        ("floats", lambda T, H, W, D: (4.0 * (T * H * W) ** 2 * D,
                                       4.0 * T * (H * W) ** 2 * D + 4.0 * H * W * T**2 * D),
         "wrong type"),
        ("full as T·N²", lambda T, H, W, D: (4 * T * (H * W) ** 2 * D,
                                             4 * T * (H * W) ** 2 * D + 4 * H * W * T**2 * D),
         "quadratic in all"),
    ],
}


# --- temporal_attention_with_positions
def _positions_with(x, w_qkv, heads, frames=lambda T: torch.arange(T), scale=1.0):
    """Temporal attention with sinusoidal positions of `frames(T)` added to the input."""
    from exercises.solutions.lesson03 import temporal_attention
    from tinyvid.nn.layers import sinusoidal_embedding

    T, C = x.shape[1:3]
    table = sinusoidal_embedding(frames(T), C) * scale  # [T, C]
    return temporal_attention(x + table[:, :, None, None], w_qkv, heads)


def _positions_qk_only(x, w_qkv, heads):
    from tinyvid.nn.layers import sinusoidal_embedding

    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")
    q, k, _ = ((tokens + sinusoidal_embedding(torch.arange(T), C)) @ w_qkv.T).chunk(3, dim=-1)
    v = (tokens @ w_qkv.T).chunk(3, dim=-1)[2]
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)


MUTANTS["temporal_attention_with_positions"] = [
    ("no positions", lambda x, w, h: _positions_with(x, w, h, scale=0.0), "blind to frame order"),
    ("positions counted from 1", lambda x, w, h: _positions_with(x, w, h, lambda T: torch.arange(1, T + 1)),
     "wrong values"),
    ("positions in reverse order", lambda x, w, h: _positions_with(x, w, h, lambda T: torch.arange(T).flip(0)),
     "wrong values"),
    ("positions scaled by 1/sqrt(C)",
     lambda x, w, h: _positions_with(x, w, h, scale=x.shape[2] ** -0.5), "wrong values"),
    ("positions for q and k only", _positions_qk_only, "values carry them"),
]


def _four_heads(x, w_qkv, heads):
    """The lesson's 4 heads hard-coded where the `heads` argument belongs."""
    from exercises.solutions.lesson03 import spatial_attention

    return spatial_attention(x, w_qkv, 4)


MUTANTS["spatial_attention"] += [("4 heads hard-coded", _four_heads, "heads")]
