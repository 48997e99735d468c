"""Lesson 09 (capstone: add temporal layers to a pretrained image model): four graded exercises.

The checks pass the spatial and temporal layers of exercise 1 as small callable objects (not
``nn.Module``s): they compare equal when their weights do, so the grader can tell that the
learner's code left them alone. Exercises 2 and 3 take a branch's ``state_dict`` and a model's
parameter names for the same reason.
"""

from __future__ import annotations

import statistics

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from exercises.cases import randint
from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson09 as solutions
from tinyvid.nn.unet import UNetConfig, VideoUNet

# ------------------------------------------------------------------------- temporal_residual


class FrameBlock:
    """A stand-in image block on frames ``[N, C, H, W] -> [N, C, H, W]``: SiLU(3×3 conv)."""

    def __init__(self, gen: torch.Generator, channels: int):
        self.weight = torch.randn(channels, channels, 3, 3, generator=gen) / (9 * channels) ** 0.5
        self.bias = torch.randn(channels, generator=gen) * 0.1

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 4:
            raise ValueError(f"the spatial block works on frames [N, C, H, W], got a "
                             f"{frames.dim()}-D tensor of shape {list(frames.shape)}")
        return F.silu(F.conv2d(frames, self.weight, self.bias, padding=1))  # [N, C, H, W]

    def __eq__(self, other) -> bool:
        return (isinstance(other, FrameBlock) and torch.equal(self.weight, other.weight)
                and torch.equal(self.bias, other.bias))

    def __repr__(self) -> str:
        return f"FrameBlock(C={self.weight.shape[0]}, 3×3 conv + SiLU per frame)"


class FrameMixer:
    """A stand-in temporal layer on videos ``[B, T, C, H, W]``: a 3-tap conv over frames.

    ``scale=0`` makes it a zero-initialised branch (it outputs zeros).
    """

    def __init__(self, gen: torch.Generator, channels: int, scale: float = 1.0):
        w = torch.randn(channels, channels, 3, 1, 1, generator=gen) / (3 * channels) ** 0.5
        self.weight = w * scale
        self.bias = torch.randn(channels, generator=gen) * 0.1 * scale

    def __call__(self, video: torch.Tensor) -> torch.Tensor:
        if video.dim() != 5:
            raise ValueError(f"the temporal layer works on videos [B, T, C, H, W], got a "
                             f"{video.dim()}-D tensor of shape {list(video.shape)}")
        h = rearrange(video, "b t c h w -> b c t h w")  # [B, C, T, H, W]
        h = F.conv3d(h, self.weight, self.bias, padding=(1, 0, 0))  # [B, C, T, H, W]
        return rearrange(h, "b c t h w -> b t c h w")  # [B, T, C, H, W]

    def __eq__(self, other) -> bool:
        return (isinstance(other, FrameMixer) and torch.equal(self.weight, other.weight)
                and torch.equal(self.bias, other.bias))

    def __repr__(self) -> str:
        zero = ", all zero" if not self.weight.any() else ""
        return f"FrameMixer(C={self.weight.shape[0]}, 3-tap conv over frames{zero})"


def _residual_spec(x, spatial, temporal):
    """Slow and obvious: one frame at a time through the spatial block, then the residual."""
    B, T = x.shape[:2]
    h = torch.stack([torch.stack([spatial(x[b, t][None])[0] for t in range(T)]) for b in range(B)])
    return h + temporal(h)


def _per_frame(x, spatial, order="b t"):
    frames = rearrange(x, f"b t c h w -> ({order}) c h w")  # [B*T, C, H, W]
    return rearrange(spatial(frames), "(b t) c h w -> b t c h w", b=x.shape[0])


def _temporal_first(x, spatial, temporal):
    return _per_frame(x + temporal(x), spatial)


def _residual_case(gen, B, T, C, H, W, label, scale=1.0) -> Case:
    x = torch.randn(B, T, C, H, W, generator=gen)
    return Case(x, FrameBlock(gen, C), FrameMixer(gen, C, scale), label=label)


@exercise(
    lesson="09",
    solution=solutions.temporal_residual,
    points=1,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-5, rtol=1e-4),
    spec=_residual_spec,
    hints=[
        "Two steps, in this order: first the image block on every frame (it only accepts "
        "[N, C, H, W], so fold batch and time into one axis, then unfold), then the temporal "
        "layer, added as a residual on top of what the image block produced.",
        "The residual's input is the spatial block's output, not x: the temporal layer refines "
        "the image block's features, and when its branch outputs zeros the whole thing must be "
        "exactly the image block per frame. Unfold with the same axis order you folded with "
        "(einops: 'b t c h w -> (b t) c h w' and back, naming b or t).",
    ],
    mistakes=[
        ("the temporal layer runs before the image block (spatial(x + temporal(x))): the "
         "inflated layer must come after the block it was inserted behind, on its output",
         _temporal_first),
        ("no residual: the temporal layer's output replaces the image block's (temporal(h)); "
         "add it to h so that a zero branch leaves h unchanged",
         lambda x, s, t: t(_per_frame(x, s))),
        ("the residual starts from the input x (x + temporal(h)): the skip must carry the "
         "image block's output h, or the image block is lost whenever the branch is zero",
         lambda x, s, t: x + t(_per_frame(x, s))),
        ("the two layers run side by side on x (h + temporal(x)): the temporal layer must see "
         "the image block's output",
         lambda x, s, t: _per_frame(x, s) + t(x)),
        ("frames folded in the order (t b) and unfolded as (b t): the frames of different "
         "videos get mixed up; fold and unfold with the same pattern",
         lambda x, s, t: (lambda h: h + t(h))(_per_frame(x, s, order="t b"))),
    ],
    errors=[
        ("works on frames [N, C, H, W]",
         "fold the time axis into the batch before calling spatial (einops rearrange)"),
        ("works on videos [B, T, C, H, W]",
         "the temporal layer needs the time axis back: unfold [B*T, ...] to [B, T, ...] first"),
    ],
)
def temporal_residual(gen: torch.Generator):
    """Random clips and weights; batch 1 and 3; T = 1; odd sizes; a zero temporal branch."""
    yield _residual_case(gen, 2, 5, 3, 6, 7, "2 clips of 5 frames, 3 channels, 6×7")
    yield _residual_case(gen, 3, 4, 2, 5, 5, "batch 3, 4 frames (frame order matters)")
    yield _residual_case(gen, 1, 8, 4, 4, 6, "batch 1, 8 frames")
    yield _residual_case(gen, 2, 1, 2, 3, 5, "T = 1: the temporal layer sees one frame")
    B, T, C = randint(gen, 2, 3), randint(gen, 3, 7), randint(gen, 1, 5)
    yield _residual_case(gen, B, T, C, 5, 4, f"B = {B}, T = {T}, C = {C}")
    yield _residual_case(gen, 2, 6, 3, 4, 4, "a zero temporal branch: the image block per frame",
                         scale=0.0)


# ------------------------------------------------------------------------- zero_init_branch


def _branch(gen: torch.Generator, *modules: nn.Module) -> dict[str, torch.Tensor]:
    """A branch's state dict with random parameters drawn from ``gen``."""
    state = nn.Sequential(*modules).state_dict()
    return {k: torch.randn(v.shape, generator=gen) * 0.3 for k, v in state.items()}


def _zero_spec(state):
    """Slow and obvious: find the largest index by counting up, then copy or zero each tensor."""
    last = -1
    for key in state:
        index = int(key.split(".")[0])
        if index > last:
            last = index
    out = {}
    for key, value in state.items():
        out[key] = value.clone()
        if int(key.split(".")[0]) == last:
            out[key] = value * 0
    return out


def _zeroed(state, which):
    """``state`` with the tensors whose key passes ``which(key, last_index)`` zeroed."""
    last = max(int(k.split(".")[0]) for k in state)
    return {k: torch.zeros_like(v) if which(k, last) else v.clone() for k, v in state.items()}


def _first_index(state):
    return min(int(k.split(".")[0]) for k in state)


@exercise(
    lesson="09",
    solution=solutions.zero_init_branch,
    points=1,
    difficulty=1,
    minutes=6,
    compare=exact(),
    spec=_zero_spec,
    hints=[
        "A residual block x + branch(x) is the identity when the branch outputs 0. Only one "
        "layer decides what the branch outputs: its last one, the output projection. Zero that "
        "one, weight and bias, and leave every earlier layer exactly as it was, so that the "
        "first gradient step can reach the output projection through non-zero activations.",
        "The keys look like '3.weight': the number before the dot is the module's index in the "
        "nn.Sequential. Find the largest index as a number (int), because as strings '10' comes "
        "before '2'. Build a new dict (torch.zeros_like for the output projection, the other "
        "tensors as given); do not change the input's tensors in place.",
    ],
    mistakes=[
        ("you zeroed the input projection (the first layer) and kept the output projection: "
         "the branch then outputs a constant (its output bias), not 0, and no gradient reaches "
         "the zeroed layer's weights while the layers after it are random",
         lambda s: _zeroed(s, lambda k, last: int(k.split(".")[0]) == _first_index(s))),
        ("you zeroed every layer: the block is the identity at step 0, but every hidden "
         "activation is 0, so the weights' gradients are 0 too and the branch can only ever "
         "learn its output bias; zero the output projection only",
         lambda s: {k: torch.zeros_like(v) for k, v in s.items()}),
        ("you zeroed the output projection's weight but not its bias: the branch then adds the "
         "bias to every pixel of every frame, so the block is not the identity",
         lambda s: _zeroed(s, lambda k, last: k == f"{last}.weight")),
        ("you took the largest key as a string ('8' sorts after '10'): compare the indices as "
         "numbers",
         lambda s: _zeroed(s, lambda k, last: k.split(".")[0] == max(q.split(".")[0] for q in s))),
    ],
)
def zero_init_branch(gen: torch.Generator):
    """Linear and conv branches of depth 2 to 6, with and without a pre-norm; 11 modules."""
    with torch.random.fork_rng():  # the modules' own init must not move the learner's RNG
        yield from _zero_init_cases(gen)


def _zero_init_cases(gen: torch.Generator):
    C = randint(gen, 3, 6)
    yield Case(_branch(gen, nn.Linear(C, 4 * C), nn.SiLU(), nn.Linear(4 * C, C)),
               label=f"Linear({C}, {4 * C}), SiLU, Linear({4 * C}, {C})")
    yield Case(_branch(gen, nn.LayerNorm(5), nn.Linear(5, 7), nn.GELU(), nn.Linear(7, 5)),
               label="a pre-norm branch: LayerNorm, Linear, GELU, Linear")
    yield Case(_branch(gen, nn.GroupNorm(2, 4), nn.SiLU(), nn.Conv3d(4, 4, (3, 1, 1))),
               label="GroupNorm, SiLU, a temporal Conv3d (the library's temporal conv block)")
    yield Case(_branch(gen, nn.Linear(3, 6), nn.SiLU(), nn.Linear(6, 6), nn.SiLU(), nn.Linear(6, 3)),
               label="three Linear layers")
    layers = [m for _ in range(6) for m in (nn.Linear(4, 4), nn.SiLU())][:-1]
    yield Case(_branch(gen, *layers), label="11 modules: the output projection is number 10")
    yield Case(_branch(gen, nn.Linear(2, 2, bias=False), nn.Tanh(), nn.Linear(2, 2)),
               label="an input projection without bias")


# ----------------------------------------------------------------- trainable_parameter_names


def _names(config: UNetConfig) -> list[str]:
    with torch.random.fork_rng():  # building the model must not move the learner's RNG
        return [n for n, _ in VideoUNet(config).named_parameters()]


_TINY = UNetConfig.tiny()
_WIDER = UNetConfig(latent_channels=2, channels=(4, 8, 8), num_res_blocks=2,
                    attention_levels=(0, 2), heads=2, emb_dim=8, text=UNetConfig.tiny().text)
# names a learner's rule can trip on; only the last two are temporal layers (a dotted part
# that starts with "temporal")
_TRAPS = ["spatiotemporal_pos", "blocks.0.attn.qkv.weight", "text.temporal_words",
          "blocks.0.temporal_attn.attn.out.weight", "temporal_head.bias"]
_TRAPS_TEMPORAL = ["text.temporal_words", "blocks.0.temporal_attn.attn.out.weight",
                   "temporal_head.bias"]


def _is_temporal_spec(name: str) -> bool:
    for part in name.split("."):
        if part[: len("temporal")] == "temporal":
            return True
    return False


def _trainable_spec(names, freeze_spatial):
    out = []
    for n in names:
        if not freeze_spatial or _is_temporal_spec(n):
            out.append(n)
    return out


def _temporal(n: str) -> bool:
    return any(p.startswith("temporal") for p in n.split("."))


@exercise(
    lesson="09",
    solution=solutions.trainable_parameter_names,
    points=1,
    difficulty=1,
    minutes=6,
    compare=exact(),
    spec=_trainable_spec,
    hints=[
        "Freezing the spatial weights keeps the image model exactly as it was pretrained; only "
        "the layers that inflation added learn. Those are the modules whose name begins with "
        "'temporal' (temporal_convs, temporal_attn): split each parameter name at the dots "
        "and look at every part. Without freezing, everything trains.",
        "Everything else is the image model and stays frozen, including the text encoder, the "
        "time embedding and the spatial attention (its modules are called 'attn', a word the "
        "temporal attention's names contain too, so do not match on 'attn'). Keep the names in "
        "the order they were given.",
    ],
    mistakes=[
        ("you kept the spatial layers and froze the temporal ones: it is the other way round "
         "(the image model is frozen, the new temporal layers learn)",
         lambda names, f: [n for n in names if not f or not _temporal(n)]),
        ("you ignored freeze_spatial: with freeze_spatial=False every parameter trains",
         lambda names, f: [n for n in names if _temporal(n)]),
        ("you matched 'attn': that catches the spatial attention (and the text encoder's) as "
         "well as the temporal layers' attention; the temporal layers are the modules named "
         "'temporal...'",
         lambda names, f: [n for n in names if not f or "attn" in n or _temporal(n)]),
        ("you left the text encoder and the embeddings trainable: they belong to the image "
         "model and are frozen with it",
         lambda names, f: [n for n in names if not f or _temporal(n)
                           or n.split(".")[0] in ("text", "time_embed", "text_proj")]),
        ("you looked for 'temporal' anywhere in the name: 'spatiotemporal_pos' is not a "
         "temporal layer; look for a dotted part that starts with 'temporal'",
         lambda names, f: [n for n in names if not f or "temporal" in n]),
    ],
)
def trainable_parameter_names(gen: torch.Generator):
    """The tiny VideoUNet and a wider one, both flags; a list of names that trip simple rules."""
    yield Case(_names(_TINY), True, label="UNetConfig.tiny() VideoUNet, freeze_spatial=True")
    yield Case(_names(_TINY), False, label="UNetConfig.tiny() VideoUNet, freeze_spatial=False")
    yield Case(_names(_WIDER), True,
               label="3 levels, 2 ResBlocks a stage, attention at levels 0 and 2, frozen")
    yield Case(list(_TRAPS), True, label=f"tricky names {_TRAPS}, frozen")
    yield Case(list(_TRAPS), False, label="the tricky names, not frozen")
    k = randint(gen, 3, 8)
    yield Case(_names(_TINY)[-k:], True, label=f"the last {k} names of the tiny model, frozen")


# ----------------------------------------------------------------------------- compare_arms


def _compare_spec(a, b, lower_is_better):
    """Slow and obvious: loops for the sums and ranges; overlap tested point by point."""
    total_a = 0.0
    for v in a:
        total_a += v
    total_b = 0.0
    for v in b:
        total_b += v
    lo_a, hi_a, lo_b, hi_b = sorted(a)[0], sorted(a)[-1], sorted(b)[0], sorted(b)[-1]
    apart = hi_a < lo_b or hi_b < lo_a
    mean_a, mean_b = total_a / len(a), total_b / len(b)
    if not apart:
        verdict = "tie"
    elif lower_is_better:
        verdict = "a" if mean_a < mean_b else "b"
    else:
        verdict = "a" if mean_a > mean_b else "b"
    return {"mean_a": mean_a, "mean_b": mean_b, "range_a": (lo_a, hi_a), "range_b": (lo_b, hi_b),
            "verdict": verdict}


def _arms(a, b, lower, *, mean=None, rng=None, tie=None):
    """The reference with one part swapped out (for the diagnoses)."""
    mean = mean or (lambda v: sum(v) / len(v))
    rng = rng or (lambda v: (min(v), max(v)))
    ma, mb, ra, rb = mean(a), mean(b), rng(a), rng(b)
    overlap = tie(ra, rb, ma, mb) if tie else max(ra[0], rb[0]) <= min(ra[1], rb[1])
    verdict = "tie" if overlap else ("a" if (ma < mb) == lower else "b")
    return {"mean_a": ma, "mean_b": mb, "range_a": ra, "range_b": rb, "verdict": verdict}


def _std_range(v):
    m, s = sum(v) / len(v), statistics.pstdev(v)
    return (m - s, m + s)


@exercise(
    lesson="09",
    solution=solutions.compare_arms,
    points=1,
    difficulty=2,
    minutes=8,
    compare=Close(atol=1e-9, rtol=1e-9),
    spec=_compare_spec,
    hints=[
        "With a handful of seeds, report each arm's mean and its whole range (min, max) over "
        "seeds. Declare a winner only when the two ranges do not overlap: then every seed of one "
        "arm beat every seed of the other. Ranges that overlap, or just touch, are a tie.",
        "Which mean is 'better' depends on the metric: FVD and flicker are better low, "
        "accuracies high; let lower_is_better decide. Use every seed (lists of any length, even "
        "one), and return plain floats and strings: the keys are mean_a, mean_b, range_a, "
        "range_b and verdict.",
    ],
    mistakes=[
        ("you always took the higher score as the better one: for FVD (lower_is_better=True) "
         "the lower mean wins",
         lambda a, b, lower: _arms(a, b, False)),
        ("you used only the first seed of each arm: the mean and the range cover every seed",
         lambda a, b, lower: _arms(a[:1], b[:1], lower)),
        ("your verdict compares the means alone: declare a tie when the seeds' ranges overlap",
         lambda a, b, lower: _arms(a, b, lower, tie=lambda ra, rb, ma, mb: ma == mb)),
        ("your spread is mean ± standard deviation: report the seeds' min and max",
         lambda a, b, lower: _arms(a, b, lower, rng=_std_range)),
    ],
)
def compare_arms(gen: torch.Generator):
    """Separated, overlapping and touching ranges; both directions; 1, 2, 3 and 5 seeds."""
    yield Case([41.0, 45.0], [60.0, 52.0], True, label="FVD, 2 seeds each: a is lower throughout")
    yield Case([0.62, 0.70], [0.55, 0.66], False,
               label="accuracy, 2 seeds each: ranges overlap (a tie, though a's mean is higher)")
    yield Case([0.031, 0.029], [0.040, 0.052], False,
               label="a higher-is-better score, separated: b wins")
    yield Case([10.0, 12.0, 14.0], [14.0, 20.0], True, label="ranges that just touch at 14: a tie")
    yield Case([3.0], [2.0], True, label="one seed each (a range of one point): b is lower")
    n = randint(gen, 4, 6)
    a = [float(v) for v in (torch.rand(n, generator=gen) * 0.2 + 0.3)]
    b = [float(v) for v in (torch.rand(3, generator=gen) * 0.2 + 0.6)]
    yield Case(a, b, False, label=f"{n} seeds vs 3, separated: b is higher throughout")
    yield Case([1.0, 9.0, 2.0], [5.0, 4.0], True,
               label="b's range inside a's (a tie, though b's mean is lower)")
