"""Plausible wrong answers for lesson 09's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import statistics

import torch
from einops import rearrange


# --- temporal_residual
def _per_frame(x, spatial, fold="(b t)", unfold="(b t)"):
    frames = rearrange(x, f"b t c h w -> {fold} c h w")  # [B*T, C, H, W]
    return rearrange(spatial(frames), f"{unfold} c h w -> b t c h w", b=x.shape[0])


def _frames_hard_coded(x, spatial, temporal):
    h = rearrange(spatial(rearrange(x, "b t c h w -> (b t) c h w")), "(b t) c h w -> b t c h w", t=16)
    return h + temporal(h)


# --- zero_init_branch
def _index(key):
    return int(key.split(".")[0])


def _zero_where(state, which):
    last = max(_index(k) for k in state)
    first = min(_index(k) for k in state)
    return {k: torch.zeros_like(v) if which(k, first, last) else v.clone() for k, v in state.items()}


def _zero_in_place(state):
    last = max(_index(k) for k in state)
    for k, v in state.items():
        if _index(k) == last:
            v.zero_()
    return state


# --- trainable_parameter_names
def _temporal(name):
    return any(p.startswith("temporal") for p in name.split("."))


# --- compare_arms
def _arms(a, b, lower, mean=None, rng=None, overlap=None):
    mean = mean or (lambda v: sum(v) / len(v))
    rng = rng or (lambda v: (min(v), max(v)))
    ma, mb, ra, rb = mean(a), mean(b), rng(a), rng(b)
    tie = overlap(ra, rb, ma, mb) if overlap else max(ra[0], rb[0]) <= min(ra[1], rb[1])
    verdict = "tie" if tie else ("a" if (ma < mb) == lower else "b")
    return {"mean_a": ma, "mean_b": mb, "range_a": ra, "range_b": rb, "verdict": verdict}


def _std(v):
    m, s = sum(v) / len(v), statistics.pstdev(v)
    return (m - s, m + s)


MUTANTS = {
    "temporal_residual": [
        ("temporal layer before the spatial block: spatial(x + temporal(x))",
         lambda x, s, t: _per_frame(x + t(x), s), "before the image block"),
        ("no residual", lambda x, s, t: t(_per_frame(x, s)), "no residual"),
        ("residual around the whole block, from x",
         lambda x, s, t: x + t(_per_frame(x, s)), "starts from the input x"),
        ("frames folded (t b), unfolded (b t)",
         lambda x, s, t: (lambda h: h + t(h))(_per_frame(x, s, fold="(t b)")), "(t b)"),
        ("spatial and temporal side by side on x",
         lambda x, s, t: _per_frame(x, s) + t(x), "side by side"),
        ("16 frames hard-coded", _frames_hard_coded, "case"),
        ("spatial block called on the 5-D video", lambda x, s, t: s(x) + t(s(x)),
         "fold the time axis"),
    ],
    "zero_init_branch": [
        ("zero input projection, non-zero output",
         lambda st: _zero_where(st, lambda k, first, last: _index(k) == first), "input projection"),
        ("everything zeroed", lambda st: {k: torch.zeros_like(v) for k, v in st.items()},
         "zeroed every layer"),
        ("weight zeroed, bias kept",
         lambda st: _zero_where(st, lambda k, first, last: k == f"{last}.weight"), "bias"),
        ("largest index as a string",
         lambda st: _zero_where(st, lambda k, first, last: k.split(".")[0]
                                == max(q.split(".")[0] for q in st)), "as numbers"),
        ("output projection hard-coded as module 2",
         lambda st: _zero_where(st, lambda k, first, last: _index(k) == 2), "case"),
        ("zeroed in place", _zero_in_place, "in place"),
    ],
    "trainable_parameter_names": [
        ("freezes the temporal layers instead",
         lambda names, f: [n for n in names if not f or not _temporal(n)], "other way round"),
        ("ignores the flag", lambda names, f: [n for n in names if _temporal(n)],
         "ignored freeze_spatial"),
        ("matches 'attn'", lambda names, f: [n for n in names if not f or "attn" in n or _temporal(n)],
         "matched 'attn'"),
        ("text encoder and embeddings left trainable",
         lambda names, f: [n for n in names if not f or _temporal(n)
                           or n.split(".")[0] in ("text", "time_embed", "text_proj")],
         "text encoder"),
        ("'temporal' anywhere in the name",
         lambda names, f: [n for n in names if not f or "temporal" in n], "anywhere"),
        ("a set, not a list", lambda names, f: {n for n in names if not f or _temporal(n)},
         "wrong type"),
    ],
    "compare_arms": [
        ("higher is better even for FVD", lambda a, b, lower: _arms(a, b, False),
         "always took the higher"),
        ("first seed only", lambda a, b, lower: _arms(a[:1], b[:1], lower), "first seed"),
        ("verdict on means alone",
         lambda a, b, lower: _arms(a, b, lower, overlap=lambda ra, rb, ma, mb: ma == mb),
         "means alone"),
        ("spread from the standard deviation", lambda a, b, lower: _arms(a, b, lower, rng=_std),
         "standard deviation"),
        ("overlap must be strict (touching ranges declared a win)",
         lambda a, b, lower: _arms(a, b, lower,
                                   overlap=lambda ra, rb, ma, mb: max(ra[0], rb[0]) < min(ra[1], rb[1])),
         "case"),
    ],
}
