"""Lesson 03 (factorized space-time attention): spatial, temporal, the block, the cost."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange

from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson03 as solutions
from tinyvid.nn.layers import sinusoidal_embedding

# ------------------------------------------------------------------------------------ helpers


def _attend(tokens: torch.Tensor, w_qkv: torch.Tensor, heads: int, scale=None) -> torch.Tensor:
    """Self-attention over axis 1 of ``[N, L, C]`` (projections from ``w_qkv``, no output layer)."""
    q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)  # each [N, L, C]
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v, scale=scale)  # [N, heads, L, d]
    return rearrange(out, "n h l d -> n l (h d)")  # [N, L, C]


def _attention_spec(x: torch.Tensor, w_qkv: torch.Tensor, heads: int, groups: str) -> torch.Tensor:
    """Slow and obvious: for every sequence and head, softmax(q·kᵀ/√d)·v with explicit loops."""
    B, T, C, H, W = x.shape
    d = C // heads
    out = torch.zeros_like(x)
    if groups == "frame":  # one sequence per (b, t): the H*W positions
        seqs = [[(b, t, i, j) for i in range(H) for j in range(W)] for b in range(B) for t in range(T)]
    else:  # one sequence per (b, i, j): the T frames
        seqs = [[(b, t, i, j) for t in range(T)] for b in range(B) for i in range(H) for j in range(W)]
    for seq in seqs:
        tokens = torch.stack([x[b, t, :, i, j] for b, t, i, j in seq])  # [L, C]
        q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1)  # each [L, C]
        for h in range(heads):
            s = slice(h * d, (h + 1) * d)
            weights = torch.softmax(q[:, s] @ k[:, s].T / math.sqrt(d), dim=-1)  # [L, L]
            o = weights @ v[:, s]  # [L, d]
            for n, (b, t, i, j) in enumerate(seq):
                out[b, t, s, i, j] = o[n]
    return out


def _qkv_case(gen: torch.Generator, shape, heads: int, label: str) -> Case:
    C = shape[2]
    x = torch.randn(shape, generator=gen)
    w_qkv = torch.randn(3 * C, C, generator=gen) * (1.5 / math.sqrt(C))  # peaked, not uniform
    return Case(x, w_qkv, heads, label=label)


def _attention_cases(gen: torch.Generator):
    yield _qkv_case(gen, (2, 3, 8, 5, 6), 2, "random shape, 2 heads")
    yield _qkv_case(gen, (1, 1, 4, 3, 3), 1, "T = 1, batch 1, one head")
    yield _qkv_case(gen, (1, 4, 6, 7, 5), 3, "batch 1, odd H and W, 3 heads")
    yield _qkv_case(gen, (3, 5, 8, 4, 4), 4, "batch 3, 4 heads")


# Wrong answers that look plausible, shared by the two attention exercises.
def _frames_of_all_videos_at_a_position(x, w_qkv, heads):
    """nn.MultiheadAttention's batch_first=False reading of [(b t), (h w), c]."""
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (h w) (b t) c")  # sequence = every frame of every video
    out = _attend(tokens, w_qkv, heads)
    return rearrange(out, "(h w) (b t) c -> b t c h w", b=B, h=H)


def _positions_of_all_videos_in_a_frame(x, w_qkv, heads):
    """nn.MultiheadAttention's batch_first=False reading of [(b h w), t, c]."""
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> t (b h w) c")  # sequence = every position of every video
    out = _attend(tokens, w_qkv, heads)
    return rearrange(out, "t (b h w) c -> b t c h w", b=B, h=H)


def _full_spacetime(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    out = _attend(rearrange(x, "b t c h w -> b (t h w) c"), w_qkv, heads)
    return rearrange(out, "b (t h w) c -> b t c h w", t=T, h=H)


def _spatial_no_scale(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    out = _attend(rearrange(x, "b t c h w -> (b t) (h w) c"), w_qkv, heads, scale=1.0)
    return rearrange(out, "(b t) (h w) c -> b t c h w", b=B, h=H)


def _spatial_reshape_back(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    out = _attend(rearrange(x, "b t c h w -> (b t) (h w) c"), w_qkv, heads)
    return out.reshape(B, T, C, H, W)


def _temporal_no_scale(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    out = _attend(rearrange(x, "b t c h w -> (b h w) t c"), w_qkv, heads, scale=1.0)
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)


def _temporal_reshape_back(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    out = _attend(rearrange(x, "b t c h w -> (b h w) t c"), w_qkv, heads)
    return out.reshape(B, T, C, H, W)


# ------------------------------------------------------------------------- spatial attention


@exercise(
    lesson="03",
    solution=solutions.spatial_attention,
    points=1,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=lambda x, w_qkv, heads: _attention_spec(x, w_qkv, heads, "frame"),
    hints=[
        "Spatial attention is an image model's attention run on B*T separate images: make the "
        "frames the batch and the H*W positions the sequence, with channels last.",
        "rearrange(x, 'b t c h w -> (b t) (h w) c') gives [B*T, H*W, C]; tokens @ w_qkv.T then "
        ".chunk(3, dim=-1) gives q, k, v; split heads with 'n l (h d) -> n h l d'.",
        "F.scaled_dot_product_attention(q, k, v) attends over axis -2 (the sequence) and scales "
        "by 1/sqrt(d) for you. Merge heads back with 'n h l d -> n l (h d)', then "
        "'(b t) (h w) c -> b t c h w' (pass b=B, h=H).",
    ],
    mistakes=[
        (
            "nn.MultiheadAttention's batch_first=False mistake: each position attended over the "
            "frames of every video in the batch, not over the positions of its own frame",
            _frames_of_all_videos_at_a_position,
        ),
        (
            "temporal attention (each position across frames), not attention within each frame",
            solutions.temporal_attention,
        ),
        ("full space-time attention over all T*H*W tokens, not one frame at a time", _full_spacetime),
        ("no 1/sqrt(d) scaling of the scores (q·k must be divided by sqrt(C/heads))", _spatial_no_scale),
        (
            "one head of width C: split the channels into `heads` heads of C/heads each",
            lambda x, w_qkv, heads: solutions.spatial_attention(x, w_qkv, 1),
        ),
        (
            "reshaped [B*T, H*W, C] straight to [B, T, C, H, W]: channels and positions got "
            "scrambled; move the channel axis back with rearrange",
            _spatial_reshape_back,
        ),
    ],
)
def spatial_attention(gen: torch.Generator):
    """Random features and projections; T = 1; batch 1; odd sizes; 1 to 4 heads."""
    yield from _attention_cases(gen)


# ------------------------------------------------------------------------ temporal attention


@exercise(
    lesson="03",
    solution=solutions.temporal_attention,
    points=1,
    difficulty=2,
    minutes=8,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=lambda x, w_qkv, heads: _attention_spec(x, w_qkv, heads, "position"),
    hints=[
        "Temporal attention: every pixel position (b, h, w) is its own sequence of T frames.",
        "rearrange(x, 'b t c h w -> (b h w) t c') gives [B*H*W, T, C]; the rest is the same as "
        "spatial_attention.",
        "Back with '(b h w) t c -> b t c h w' (pass b=B, h=H). With T = 1 each token can only "
        "attend to itself: the output is its value vector.",
    ],
    mistakes=[
        (
            "nn.MultiheadAttention's batch_first=False mistake: each frame attended over the "
            "positions of every video, not each position over its frames",
            _positions_of_all_videos_in_a_frame,
        ),
        (
            "spatial attention (within each frame), not each position across frames",
            solutions.spatial_attention,
        ),
        ("full space-time attention over all T*H*W tokens, not one position at a time", _full_spacetime),
        ("no 1/sqrt(d) scaling of the scores (q·k must be divided by sqrt(C/heads))", _temporal_no_scale),
        (
            "one head of width C: split the channels into `heads` heads of C/heads each",
            lambda x, w_qkv, heads: solutions.temporal_attention(x, w_qkv, 1),
        ),
        (
            "reshaped [B*H*W, T, C] straight to [B, T, C, H, W]: frames, channels and positions "
            "got scrambled; use rearrange with named axes",
            _temporal_reshape_back,
        ),
    ],
)
def temporal_attention(gen: torch.Generator):
    """Random features and projections; T = 1; batch 1; odd sizes; 1 to 4 heads."""
    yield from _attention_cases(gen)


# ------------------------------------------------------- temporal attention that knows frame order


def _frame_positions(T: int, C: int) -> torch.Tensor:
    return sinusoidal_embedding(torch.arange(T), C)  # [T, C]


def _with_positions_spec(x, w_qkv, heads):
    """Add position t to every token of frame t, one by one, then the slow temporal attention."""
    pos = _frame_positions(x.shape[1], x.shape[2])
    shifted = x.clone()
    for t in range(x.shape[1]):
        shifted[:, t] += pos[t][:, None, None]  # [C, 1, 1] over H, W
    return _attention_spec(shifted, w_qkv, heads, "position")


def _positions_to_qk_only(x, w_qkv, heads):
    B, T, C, H, W = x.shape
    tokens = rearrange(x, "b t c h w -> (b h w) t c")
    q, k, _ = ((tokens + _frame_positions(T, C)) @ w_qkv.T).chunk(3, dim=-1)
    _, _, v = (tokens @ w_qkv.T).chunk(3, dim=-1)
    q, k, v = (rearrange(a, "n l (h d) -> n h l d", h=heads) for a in (q, k, v))
    out = rearrange(F.scaled_dot_product_attention(q, k, v), "n h l d -> n l (h d)")
    return rearrange(out, "(b h w) t c -> b t c h w", b=B, h=H)


def _positions_added_to_output(x, w_qkv, heads):
    T, C = x.shape[1:3]
    return solutions.temporal_attention(x, w_qkv, heads) + _frame_positions(T, C)[:, :, None, None]


def _positions_of_pixels(x, w_qkv, heads):
    """Numbers the H·W pixel tracks (the batch of sequences) instead of the frames."""
    B, T, C, H, W = x.shape
    pos = rearrange(_frame_positions(H * W, C), "(h w) c -> c h w", h=H)  # [C, H, W]
    return solutions.temporal_attention(x + pos, w_qkv, heads)


def _shuffled_case(gen: torch.Generator) -> Case:
    """A video and the same video with its frames in another order: an order-blind layer
    gives the same outputs, only reordered."""
    case = _qkv_case(gen, (1, 5, 8, 3, 3), 2, "")
    x = case.args[0]
    both = torch.cat([x, x[:, [2, 0, 4, 1, 3]]])  # [2, 5, 8, 3, 3]: video, then shuffled
    return Case(both, *case.args[1:], label="batch of 2: a video and its frames shuffled")


@exercise(
    lesson="03",
    solution=solutions.temporal_attention_with_positions,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=_with_positions_spec,
    hints=[
        "Same as temporal_attention, with one line more: before the projection, every token of "
        "frame t gets the position vector of frame t added to it.",
        "sinusoidal_embedding(torch.arange(T), C) is [T, C]: one row per frame. On tokens "
        "arranged as [B*H*W, T, C] it broadcasts over the first axis by itself. Add it before "
        "`@ w_qkv.T`, so queries, keys and values all carry it.",
        "Another way to the same answer: add the positions to the video itself, as a [T, C] "
        "table reshaped to broadcast over [B, T, C, H, W], then call your temporal_attention.",
    ],
    mistakes=[
        ("no frame positions: this is plain temporal attention, blind to frame order",
         solutions.temporal_attention),
        ("positions added to the queries and keys only: here, as in tinyvid's TemporalAttention, "
         "they go into the tokens before the projection, so the values carry them too",
         _positions_to_qk_only),
        ("positions added to the output: they must enter before the attention, where they can "
         "change which frames a query looks at", _positions_added_to_output),
        ("you numbered the pixel positions (H·W of them), not the frames", _positions_of_pixels),
    ],
)
def temporal_attention_with_positions(gen: torch.Generator):
    """Random features; a video and its shuffled copy; T = 1; batch 1; 1 to 4 heads."""
    yield from _attention_cases(gen)
    yield _shuffled_case(gen)


# ------------------------------------------------------------------------- the factorized block


class _Step:
    """A fixed function of a video ``[B, T, C, H, W]``, shown by name in the check's report.

    Cases hold these instead of lambdas so that reports (and the determinism test) read the
    same every run; they are immutable, so copying one returns it unchanged.
    """

    def __init__(self, name: str, fn):
        self.name, self.fn = name, fn

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        return self.fn(v)

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def __deepcopy__(self, memo):
        return self


def _channel_norm(name: str, gain: torch.Tensor, bias: torch.Tensor) -> _Step:
    """A LayerNorm over the channels of [B, T, C, H, W] with its own gain and bias."""

    def norm(v: torch.Tensor) -> torch.Tensor:
        h = rearrange(v, "b t c h w -> b t h w c")  # [B, T, H, W, C]
        h = F.layer_norm(h, (v.shape[2],), gain, bias)
        return rearrange(h, "b t h w c -> b t c h w")  # [B, T, C, H, W]

    return _Step(name, norm)


def _block_case(gen: torch.Generator, shape, heads: int, label: str) -> Case:
    B, T, C, H, W = shape
    x = torch.randn(shape, generator=gen) * 2.0 + 0.5  # not already normalised
    w_s = torch.randn(3 * C, C, generator=gen) * (1.5 / math.sqrt(C))
    w_t = torch.randn(3 * C, C, generator=gen) * (1.5 / math.sqrt(C))
    g1, g2 = 1 + 0.5 * torch.randn(2, C, generator=gen)
    b1, b2 = 0.5 * torch.randn(2, C, generator=gen)
    spatial = _Step(
        f"spatial attention, {heads} head(s)",
        lambda v: solutions.spatial_attention(v, w_s, heads),
    )
    temporal = _Step(
        f"temporal attention, {heads} head(s)",
        lambda v: solutions.temporal_attention(v, w_t, heads),
    )
    norm1, norm2 = _channel_norm("norm1", g1, b1), _channel_norm("norm2", g2, b2)
    return Case(x, spatial, temporal, norm1, norm2, label=label)


@exercise(
    lesson="03",
    solution=solutions.factorized_block,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-5, rtol=1e-4),
    hints=[
        "Pre-norm residual, twice: each step reads a normalised copy of the stream and adds "
        "its output back to the stream itself. Spatial first, then temporal.",
        "The residual is added to the input x, not to norm1(x): otherwise a step whose attention "
        "outputs zero would still change x (into norm1(x)). Use norm1 for the spatial step and "
        "norm2 for the temporal one.",
        "Two lines, one per step, each of the form stream = stream + step(norm(stream)); the "
        "temporal line reads the stream that the spatial line produced.",
    ],
    mistakes=[
        (
            "the seed's residual: added to the normalised tensor (norm1(x) + spatial(norm1(x))) "
            "instead of to the input x",
            lambda x, s, t, n1, n2: (lambda y: n2(y) + t(n2(y)))(n1(x) + s(n1(x))),
        ),
        (
            "one norm shared by both steps (norm1 used twice): each step has its own norm",
            lambda x, s, t, n1, n2: (lambda y: y + t(n1(y)))(x + s(n1(x))),
        ),
        (
            "temporal step first, then spatial: the order is spatial, then temporal",
            lambda x, s, t, n1, n2: (lambda y: y + s(n1(y)))(x + t(n2(x))),
        ),
        (
            "no residual connections: the block must add each step's output to its input",
            lambda x, s, t, n1, n2: t(n2(s(n1(x)))),
        ),
        (
            "post-norm (normalising after the residual sum): pre-norm normalises only the "
            "branch's input",
            lambda x, s, t, n1, n2: (lambda y: n2(y + t(y)))(n1(x + s(x))),
        ),
        (
            "the two steps side by side on the same input: temporal must read the output of "
            "the spatial step",
            lambda x, s, t, n1, n2: x + s(n1(x)) + t(n2(x)),
        ),
    ],
)
def factorized_block(gen: torch.Generator):
    """Random videos with their own norms and attention steps; T = 1; batch 1; odd sizes."""
    yield _block_case(gen, (2, 3, 8, 4, 5), 2, "random shape")
    yield _block_case(gen, (1, 1, 4, 3, 3), 1, "T = 1, batch 1")
    yield _block_case(gen, (1, 5, 6, 5, 3), 3, "batch 1, odd H and W")
    yield _block_case(gen, (3, 2, 8, 2, 2), 4, "batch 3, tiny frames")


# ------------------------------------------------------------------------------ cost formulas


def _attention_flops_spec(T: int, H: int, W: int, D: int) -> tuple[int, int]:
    """Add up 2 matmuls x 2 FLOPs per multiply-add for every sequence, one by one."""

    def core(num_sequences: int, length: int) -> int:
        total = 0
        for _ in range(num_sequences):
            total += 2 * length * length * D  # scores q·kᵀ: L x L dot products of length D
            total += 2 * length * length * D  # weighted sum: L outputs of L x D
        return total

    N = H * W
    return core(1, T * N), core(T, N) + core(N, T)


@exercise(
    lesson="03",
    solution=solutions.attention_flops,
    points=1,
    difficulty=1,
    minutes=6,
    compare=exact(),
    spec=_attention_flops_spec,
    hints=[
        "One sequence of L tokens of width D: the scores Q·Kᵀ are L×L dot products of length D, "
        "the weighted sum of values is another L×L×D; a multiply-add counts 2 FLOPs.",
        "So one sequence costs 4·L²·D. Full attention: one sequence of L = T·H·W. Factorized: "
        "T sequences of H·W tokens (spatial) plus H·W sequences of T tokens (temporal).",
        "Multiply each sequence's cost by how many such sequences there are, add the two "
        "factorized steps, and keep to integer arithmetic (*, **, no /) so both numbers stay "
        "exact Python ints, returned as a tuple (full, factorized).",
    ],
    mistakes=[
        (
            "half the count: a multiply-add is 2 FLOPs, and attention has two matmuls "
            "(scores and weighted sum)",
            lambda T, H, W, D: tuple(v // 2 for v in solutions.attention_flops(T, H, W, D)),
        ),
        (
            "the factorized cost without its temporal step",
            lambda T, H, W, D: (4 * (T * H * W) ** 2 * D, 4 * T * (H * W) ** 2 * D),
        ),
        (
            "forgot how many sequences there are: T spatial sequences (one per frame) and H·W "
            "temporal sequences (one per position)",
            lambda T, H, W, D: (4 * (T * H * W) ** 2 * D, 4 * (H * W) ** 2 * D + 4 * T**2 * D),
        ),
        (
            "full attention is quadratic in all T·H·W tokens: (T·H·W)², not T·(H·W)²",
            lambda T, H, W, D: (4 * T * (H * W) ** 2 * D, solutions.attention_flops(T, H, W, D)[1]),
        ),
    ],
)
def attention_flops(gen: torch.Generator):
    """Typical latent sizes; T = 1; odd, non-square frames; one large video."""
    yield Case(16, 8, 8, 64, label="16 frames of 8×8 tokens, D = 64")
    yield Case(1, 8, 8, 32, label="T = 1")
    yield Case(7, 5, 3, 16, label="odd T, non-square frame")
    yield Case(64, 32, 32, 128, label="a long, large video")
