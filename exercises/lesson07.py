"""Lesson 07 (DiT and spacetime patches): patchify, unpatchify, adaLN-Zero, token counts, cost."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson07 as solutions

# ------------------------------------------------------------------------------------ patchify


def _patchify_spec(video: torch.Tensor, patch_frames: int, patch_size: int) -> torch.Tensor:
    """Slow and obvious: walk the patch grid; each token lists its patch frame by frame, row by
    row, column by column, all channels of a pixel together."""
    B, T, C, H, W = video.shape
    pt, p = patch_frames, patch_size
    out = torch.empty(B, T // pt, (H // p) * (W // p), pt * p * p * C)
    for b in range(B):
        for t in range(T // pt):
            for i in range(H // p):
                for j in range(W // p):
                    values = [video[b, t * pt + a, :, i * p + r, j * p + s]
                              for a in range(pt) for r in range(p) for s in range(p)]
                    out[b, t, i * (W // p) + j] = torch.cat(values)
    return out


def _patchify_pattern(pattern: str):
    """A patchify that writes the token features (or the grid) in another order."""

    def wrong(video, patch_frames, patch_size):
        return rearrange(video, pattern, pt=patch_frames, p=patch_size, q=patch_size)

    return wrong


_PATCH_COLUMNS_FIRST = "b (t pt) c (h p) (w q) -> b t (h w) (pt q p c)"
_CHANNELS_FIRST = "b (t pt) c (h p) (w q) -> b t (h w) (c pt p q)"
_GRID_BY_COLUMNS = "b (t pt) c (h p) (w q) -> b t (w h) (pt p q c)"


def _patchify_reshape(video, patch_frames, patch_size):
    B, T, C, H, W = video.shape
    return video.reshape(B, T // patch_frames, (H // patch_size) * (W // patch_size), -1)


def _patchify_no_time_patch(video, patch_frames, patch_size):
    return solutions.patchify(video, 1, patch_size)


def _patchify_case(gen, shape, pt, p, label):
    return Case(torch.rand(shape, generator=gen), pt, p, label=label)


@exercise(
    lesson="07",
    solution=solutions.patchify,
    points=1,
    difficulty=2,
    minutes=10,
    compare=exact(),
    spec=_patchify_spec,
    hints=[
        "Name every axis: time splits into (t pt), height into (h p), width into (w q). The patch "
        "grid (h w) becomes the token axis, everything inside one patch becomes the feature axis.",
        "The order inside a token is fixed by the docstring: the frames of the patch, then its "
        "rows, then its columns, then the channels of each pixel: (pt p q c).",
        "rearrange(video, 'b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)', pt=..., p=..., q=...).",
    ],
    mistakes=[
        ("rows and columns of the patch swapped inside each token: (pt q p c) instead of "
         "(pt p q c)", _patchify_pattern(_PATCH_COLUMNS_FIRST)),
        ("channels first inside each token, (c pt p q): the pixel's channels should come last",
         _patchify_pattern(_CHANNELS_FIRST)),
        ("patches listed column by column, (w h): the grid is read row by row, (h w)",
         _patchify_pattern(_GRID_BY_COLUMNS)),
        ("a reshape straight to the output shape: reshape keeps memory order, so each 'token' "
         "is a run of neighbouring values of one row, not a patch", _patchify_reshape),
        ("the time patch ignored (pt frames per patch were cut as pt = 1)", _patchify_no_time_patch),
    ],
)
def patchify(gen: torch.Generator):
    """Time patches 1-4, square patches 1-4, T = 1, batch 1, odd and non-square frames."""
    yield _patchify_case(gen, (2, 4, 3, 6, 8), 2, 2, "2x2x2 patches, non-square frames")
    yield _patchify_case(gen, (1, 1, 1, 4, 4), 1, 2, "T = 1, batch 1, one channel")
    yield _patchify_case(gen, (1, 6, 2, 9, 6), 3, 3, "3x3x3 patches, odd sizes")
    yield _patchify_case(gen, (3, 4, 4, 4, 8), 4, 1, "p = 1 (one pixel per patch), time patch 4")
    yield _patchify_case(gen, (1, 8, 2, 8, 4), 1, 4, "4x4 patches, one frame each")


# ---------------------------------------------------------------------------------- unpatchify


def _unpatchify_spec(tokens, patch_frames, patch_size, height):
    """Slow and obvious: write every token's values back into its spacetime patch."""
    B, Tp, N, D = tokens.shape
    pt, p = patch_frames, patch_size
    rows = height // p
    cols = N // rows
    C = D // (pt * p * p)
    out = torch.empty(B, Tp * pt, C, height, cols * p)
    for b in range(B):
        for t in range(Tp):
            for n in range(N):
                i, j = divmod(n, cols)
                patch = tokens[b, t, n].reshape(pt, p, p, C)
                for a in range(pt):
                    out[b, t * pt + a, :, i * p:(i + 1) * p, j * p:(j + 1) * p] = rearrange(
                        patch[a], "r s c -> c r s")
    return out


def _unpatchify_pattern(pattern: str):
    def wrong(tokens, patch_frames, patch_size, height):
        return rearrange(tokens, pattern, h=height // patch_size, pt=patch_frames, p=patch_size,
                         q=patch_size)

    return wrong


def _unpatchify_square(tokens, patch_frames, patch_size, height):
    side = math.isqrt(tokens.shape[2])
    return rearrange(tokens, "b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)", h=side, w=side,
                     pt=patch_frames, p=patch_size, q=patch_size)


def _unpatchify_case(gen, shape, pt, p, label, round_trip=False):
    B, T, C, H, W = shape
    if round_trip:  # tokens cut from a video: the answer is that video
        tokens = solutions.patchify(torch.rand(shape, generator=gen), pt, p)
    else:
        tokens = torch.rand(B, T // pt, (H // p) * (W // p), pt * p * p * C, generator=gen)
    return Case(tokens, pt, p, H, label=label)


@exercise(
    lesson="07",
    solution=solutions.unpatchify,
    points=1,
    difficulty=2,
    minutes=8,
    compare=exact(),
    spec=_unpatchify_spec,
    hints=[
        "Undo patchify step by step: the token axis is the patch grid (h w), the feature axis is "
        "(pt p q c); put each piece back next to its partner: (t pt), (h p), (w q).",
        "You know H, hence the number of patch rows h = H / p; einops works out w from N, and c "
        "from the feature size, once h, pt, p and q are given. Frames need not be square.",
        "rearrange(tokens, 'b t (h w) (pt p q c) -> b (t pt) c (h p) (w q)', h=height // "
        "patch_size, pt=..., p=..., q=...).",
    ],
    mistakes=[
        ("rows and columns of each patch swapped, (pt q p c): every patch comes back transposed",
         _unpatchify_pattern("b t (h w) (pt q p c) -> b (t pt) c (h p) (w q)")),
        ("channels read first inside each token, (c pt p q)",
         _unpatchify_pattern("b t (h w) (c pt p q) -> b (t pt) c (h p) (w q)")),
        ("the grid read column by column, (w h): patches land in transposed places",
         _unpatchify_pattern("b t (w h) (pt p q c) -> b (t pt) c (h p) (w q)")),
    ],
)
def unpatchify(gen: torch.Generator):
    """Random tokens and round trips; time patches 1-4; T' = 1; odd and non-square grids."""
    yield _unpatchify_case(gen, (2, 4, 3, 6, 8), 2, 2, "round trip: tokens = patchify(video), "
                           "2x2x2 patches, non-square", round_trip=True)
    yield _unpatchify_case(gen, (1, 1, 1, 4, 4), 1, 2, "one time slot, batch 1, one channel")
    yield _unpatchify_case(gen, (1, 6, 2, 9, 6), 3, 3, "3x3x3 patches, odd sizes")
    yield _unpatchify_case(gen, (3, 4, 4, 4, 8), 4, 1, "p = 1, time patch 4, non-square")
    yield _unpatchify_case(gen, (1, 8, 2, 12, 4), 2, 4, "round trip: a 3x1 patch grid",
                           round_trip=True)


# --------------------------------------------------------------------------- adaLN-Zero step


class _Sublayer(nn.Sequential):
    """A fixed random MLP ``[B, L, D] -> [B, L, D]`` standing in for attention or the MLP."""

    def __init__(self, dim: int, gen: torch.Generator):
        super().__init__(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[-1]))
        self.requires_grad_(False)

    def __deepcopy__(self, memo):
        return self  # fixed weights, never changed: every call of a check shares one copy


def _adaln_spec(x, c, weight, bias, sublayer):
    """Slow and obvious: one video at a time, the normalisation written out by hand."""
    out = torch.empty_like(x)
    D = x.shape[-1]
    for b in range(x.shape[0]):
        m = (c[b] * torch.sigmoid(c[b])) @ weight.T + bias  # SiLU, then the linear map: [3D]
        shift, scale, gate = m[:D], m[D:2 * D], m[2 * D:]
        mean = x[b].mean(-1, keepdim=True)
        var = x[b].var(-1, unbiased=False, keepdim=True)
        h = (x[b] - mean) / torch.sqrt(var + 1e-6)  # [L, D]
        h = h * (1 + scale) + shift
        out[b] = x[b] + gate * sublayer(h[None])[0]
    return out


def _adaln_parts(x, c, weight, bias):
    shift, scale, gate = (F.silu(c) @ weight.T + bias).chunk(3, dim=-1)  # each [B, D]
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6), shift[:, None], scale[:, None], gate[:, None]


def _adaln_no_one(x, c, weight, bias, sublayer):
    h, shift, scale, gate = _adaln_parts(x, c, weight, bias)
    return x + gate * sublayer(h * scale + shift)


def _adaln_no_gate(x, c, weight, bias, sublayer):
    h, shift, scale, gate = _adaln_parts(x, c, weight, bias)
    return x + sublayer(h * (1 + scale) + shift)


def _adaln_scale_shift_order(x, c, weight, bias, sublayer):
    h, scale, shift, gate = _adaln_parts(x, c, weight, bias)
    return x + gate * sublayer(h * (1 + scale) + shift)


def _adaln_no_silu(x, c, weight, bias, sublayer):
    shift, scale, gate = (c @ weight.T + bias).chunk(3, dim=-1)
    h = F.layer_norm(x, (x.shape[-1],), eps=1e-6)
    return x + gate[:, None] * sublayer(h * (1 + scale[:, None]) + shift[:, None])


def _adaln_residual_on_norm(x, c, weight, bias, sublayer):
    h, shift, scale, gate = _adaln_parts(x, c, weight, bias)
    return h + gate * sublayer(h * (1 + scale) + shift)


def _adaln_case(gen, B, L, D, label, zero=False):
    x = torch.randn(B, L, D, generator=gen) * 2.0 + 0.5  # not already normalised
    c = torch.randn(B, D, generator=gen)
    weight = torch.randn(3 * D, D, generator=gen) * (1.0 / math.sqrt(D))
    bias = torch.randn(3 * D, generator=gen) * 0.5
    if zero:
        weight, bias = torch.zeros_like(weight), torch.zeros_like(bias)
    return Case(x, c, weight, bias, _Sublayer(D, gen), label=label)


@exercise(
    lesson="07",
    solution=solutions.adaln_zero_step,
    points=1,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=_adaln_spec,
    hints=[
        "Three vectors per video come from the conditioning: F.silu(c) @ weight.T + bias, split "
        "into shift, scale, gate (in that order) with .chunk(3, dim=-1). Each is [B, D]; the "
        "tokens are [B, L, D], so give them a token axis: [:, None].",
        "Normalise the tokens over D with F.layer_norm(x, (D,), eps=1e-6) (no learned gain or "
        "bias: the conditioning supplies them). The scale is a change around 1, so that a "
        "zero regression leaves the normalised tokens unchanged.",
        "h = norm(x) * (1 + scale) + shift; the sublayer's output enters the stream through the "
        "gate: x + gate * sublayer(h). With weight = bias = 0 the step returns x exactly.",
    ],
    mistakes=[
        ("x·scale + shift without the 1 +: a zero scale then wipes the tokens out instead of "
         "leaving them alone", _adaln_no_one),
        ("no gate: the sublayer's output must be multiplied by the gate before it is added",
         _adaln_no_gate),
        ("the chunks taken as (scale, shift, gate): the order is shift, scale, gate",
         _adaln_scale_shift_order),
        ("no SiLU on the conditioning before the linear map", _adaln_no_silu),
        ("the residual added to the normalised tokens instead of to x", _adaln_residual_on_norm),
    ],
)
def adaln_zero_step(gen: torch.Generator):
    """Random tokens, conditioning and regressions; one token; odd widths; a zero regression."""
    yield _adaln_case(gen, 2, 5, 8, "random, D = 8")
    yield _adaln_case(gen, 1, 1, 4, "batch 1, one token, D = 4")
    yield _adaln_case(gen, 3, 7, 6, "batch 3, 7 tokens, D = 6")
    yield _adaln_case(gen, 2, 4, 12, "adaLN-Zero at initialisation (weight = bias = 0): returns x",
                      zero=True)
    yield _adaln_case(gen, 2, 3, 20, "D = 20")


# ------------------------------------------------------------------------------- token count


def _token_count_spec(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    """Pad every axis up to whole autoencoder cells, then to whole patches, and count."""

    def cells(size: int, block: int) -> int:
        while size % block:  # pad by one until it divides
            size += 1
        return size // block

    T, H, W = cells(num_frames, vae_time), cells(height, vae_space), cells(width, vae_space)
    return cells(T, patch_time) * cells(H, patch_space) * cells(W, patch_space)


def _token_count_no_time_patch(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    return solutions.token_count(num_frames, height, width, vae_time, vae_space, 1, patch_space)


def _token_count_floor(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    return ((num_frames // vae_time // patch_time) * (height // vae_space // patch_space)
            * (width // vae_space // patch_space))


def _token_count_round_once(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    cells = vae_time * vae_space**2 * patch_time * patch_space**2
    return math.ceil(num_frames * height * width / cells)


def _token_count_vae8(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    return solutions.token_count(num_frames, height, width, vae_time, 8, patch_time, patch_space)


def _token_count_one_frame(num_frames, height, width, vae_time, vae_space, patch_time, patch_space):
    return solutions.token_count(1, height, width, 1, vae_space, 1, patch_space)


@exercise(
    lesson="07",
    solution=solutions.token_count,
    points=1,
    difficulty=1,
    minutes=6,
    compare=exact(),
    spec=_token_count_spec,
    hints=[
        "Two compressions in a row along each axis: the autoencoder (vae_time frames, "
        "vae_space pixels per latent cell), then the patches (patch_time, patch_space).",
        "A size that does not divide is padded up: round up after each division, in integers "
        "(-(-a // b) is ceil(a / b)), and do time, height and width separately.",
        "tokens = ceil(ceil(F / vae_time) / patch_time) · ceil(ceil(H / vae_space) / "
        "patch_space) · ceil(ceil(W / vae_space) / patch_space), as a Python int.",
    ],
    mistakes=[
        ("the time patch forgotten: patch_time frames share one token", _token_count_no_time_patch),
        ("rounded down: a partial cell or patch is padded to a whole one, so round up",
         _token_count_floor),
        ("rounded once, on the total: round up per axis (a partial patch costs a whole row of "
         "patches)", _token_count_round_once),
        ("vae_space hard-coded to 8: use the argument", _token_count_vae8),
        ("the tokens of one frame: multiply by the number of latent time slots",
         _token_count_one_frame),
    ],
)
def token_count(gen: torch.Generator):
    """tinyvid's size, open models' sizes, a minute of 1080p, sizes that do not divide, T = 1."""
    yield Case(16, 64, 64, 1, 8, 1, 1, label="16 frames of 64x64, 8x autoencoder, patch 1")
    yield Case(81, 720, 1280, 4, 8, 1, 2, label="81 frames of 1280x720, 4x8x8 autoencoder, "
               "1x2x2 patches")
    yield Case(49, 480, 720, 4, 8, 2, 2, label="49 frames of 720x480, 2x2x2 patches")
    yield Case(10, 33, 50, 3, 4, 2, 3, label="nothing divides evenly")
    yield Case(1, 256, 192, 4, 16, 1, 1, label="one frame (an image), 16x autoencoder")
    yield Case(1800, 1080, 1920, 4, 8, 1, 2, label="a minute of 1080p at 30 fps")


# ----------------------------------------------------------------------------- attention cost


def _attention_cost_spec(num_tokens, dim, heads, bytes_per_element):
    """Count per head: scores and weighted sum are each L×L dot products of length dim/heads."""
    d = dim // heads
    flops = 0
    for _ in range(heads):
        flops += 2 * num_tokens * num_tokens * d  # Q·Kᵀ of this head
        flops += 2 * num_tokens * num_tokens * d  # weights · V of this head
    return flops, heads * num_tokens * num_tokens * bytes_per_element


@exercise(
    lesson="07",
    solution=solutions.attention_cost,
    points=1,
    difficulty=1,
    minutes=5,
    compare=exact(),
    spec=_attention_cost_spec,
    hints=[
        "Two matmuls over L×L pairs of length dim: the scores Q·Kᵀ and the weighted sum of the "
        "values; a multiply-add counts 2 FLOPs. Heads split dim, they do not add work.",
        "The score matrix has one L×L block per head, bytes_per_element bytes per entry.",
        "(4 * L**2 * dim, heads * L**2 * bytes_per_element), as Python ints.",
    ],
    mistakes=[
        ("half the FLOPs: two matmuls, and a multiply-add counts 2",
         lambda L, D, h, nb: (2 * L * L * D, h * L * L * nb)),
        ("the score memory of one head: there is one L×L matrix per head",
         lambda L, D, h, nb: (4 * L * L * D, L * L * nb)),
        ("2 bytes per score hard-coded: use bytes_per_element",
         lambda L, D, h, nb: (4 * L * L * D, h * L * L * 2)),
        ("the FLOPs of one head only: every head does L×L dot products of length dim/heads",
         lambda L, D, h, nb: (4 * L * L * (D // h), h * L * L * nb)),
    ],
)
def attention_cost(gen: torch.Generator):
    """Our DiT's size, real video token counts, one token, odd sizes, fp32 and bf16."""
    yield Case(1024, 128, 4, 4, label="1,024 tokens, width 128, 4 heads, fp32")
    yield Case(75_600, 5120, 40, 2, label="75,600 tokens, width 5,120, 40 heads, bf16")
    yield Case(1, 8, 1, 2, label="one token, one head")
    yield Case(17, 12, 3, 1, label="odd sizes, 1 byte per score")
    yield Case(3_672_000, 3072, 24, 2, label="3.7 M tokens (a minute of 1080p), width 3,072")
