"""Plausible wrong answers for lesson 00's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import numpy as np
import torch


def _reverse_in_place(video):
    video[:] = video.flip(1).clone()
    return video


def _reverse_loop_forgets_last(video):
    frames = [video[:, t] for t in range(video.shape[1] - 1, 0, -1)]  # off by one: stops at 1
    return torch.stack(frames, dim=1)


MUTANTS = {
    "count_values": [
        (
            "frames x pixels only",
            lambda v: v.shape[1] * v.shape[3] * v.shape[4],
            "forgetting batch",
        ),
        ("len() is the batch size", lambda v: len(v), "len(video)"),
        ("a float, not an int", lambda v: float(np.prod(v.shape)), "wrong type"),
        ("a 0-d tensor", lambda v: torch.tensor(v.numel()), ".item()"),
    ],
    "reverse_time": [
        ("wrong axis: batch", lambda v: v.flip(0), "batch (axis 0)"),
        ("wrong axis: width", lambda v: v.flip(-1), "mirror image"),
        ("in place", _reverse_in_place, "in place"),
        ("off by one", _reverse_loop_forgets_last, "wrong shape"),
        ("numpy round trip", lambda v: np.flip(v.numpy(), 1).copy(), "stay in torch"),
        ("forgot return", lambda v: None, "forget to `return`"),
    ],
}

MUTANTS["pixel_count"] = [
    ("seconds used as frames", lambda s, f, h, w: s * h * w, "forgot × fps"),
    ("RGB values instead of pixels", lambda s, f, h, w: 3 * s * f * h * w, "values, not pixels"),
    ("float arithmetic", lambda s, f, h, w: s * f * h * w / 1.0, "wrong type"),
    ("the seed's 1080p frame as 1.08 M pixels", lambda s, f, h, w: s * f * h * 1000, "wrong value"),
]
MUTANTS["video_bytes"] = [
    ("always float32", lambda shape, dtype: 4 * int(np.prod(shape)), "4 bytes per value"),
    ("bits", lambda shape, dtype: 8 * torch.empty((), dtype=dtype).element_size() * int(np.prod(shape)),
     "bits, not bytes"),
    ("np.prod overflows int64? no: returns numpy int", lambda shape, dtype: np.prod(shape) * 4,
     "wrong type"),
    ("itemsize of float32 for fp16: used dtype bits / 4", lambda shape, dtype: int(np.prod(shape)),
     "number of values, not bytes"),
]
def _flops(core, linear):
    return lambda T, H, W, dim: core(T * H * W, dim) + linear(T * H * W, dim)


def _core(N, d):
    return 4 * N**2 * d


def _linear(N, d):
    return 8 * N * d**2


MUTANTS["full_attention_flops"] = [
    ("the core only, the formula of the lesson text", _flops(_core, lambda N, d: 0),
     "only the attention core"),
    ("Q, K, V only", _flops(_core, lambda N, d: 6 * N * d**2), "output projection is a fourth"),
    ("linear layers in multiply-adds", _flops(_core, lambda N, d: 4 * N * d**2), "multiply-add"),
    ("scores only", _flops(lambda N, d: 2 * N**2 * d, _linear), "one of the core's two"),
    ("linear in tokens", _flops(lambda N, d: 4 * N * d, _linear), "square of the number of tokens"),
    ("spatial attention per frame",
     lambda T, H, W, dim: 4 * T * (H * W) ** 2 * dim + _linear(T * H * W, dim),
     "that is spatial attention"),
    ("float power", lambda T, H, W, dim: 4.0 * (T * H * W) ** 2 * dim + 8.0 * T * H * W * dim**2,
     "right value, wrong type"),
    ("one frame's tokens", lambda T, H, W, dim: _core(H * W, dim) + _linear(H * W, dim),
     "one frame only"),
    ("projections sized by the lesson's width 128 (a constant from the text)",
     lambda T, H, W, dim: _core(T * H * W, dim) + 8 * T * H * W * 128 * dim, "wrong value"),
]


def _bytes_with_finfo(shape, dtype):
    return int(np.prod(shape)) * torch.finfo(dtype).bits // 8


MUTANTS["video_bytes"] += [
    ("torch.finfo, which rejects uint8", _bytes_with_finfo, "torch.iinfo"),
    ("np.prod: right value, NumPy integer", lambda shape, dtype: np.prod(shape) *
     torch.empty((), dtype=dtype).element_size(), "right value, wrong type"),
]
