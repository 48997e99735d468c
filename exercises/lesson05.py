"""Lesson 05 (training: the video diffusion loss and flow matching): four graded exercises."""

from __future__ import annotations

import torch
from einops import rearrange, reduce

from exercises.compare import Close
from exercises.core import Case, exercise
from exercises.solutions import lesson05 as solutions
from tinyvid.diffusion import NoiseSchedule
from tinyvid.nn import Cond

CLOSE = Close(atol=1e-5, rtol=1e-4)


def _video(gen: torch.Generator, shape) -> torch.Tensor:
    return torch.randn(shape, generator=gen)


def _levels(gen: torch.Generator, batch: int) -> torch.Tensor:
    """One value in (0.05, 0.95) per video, all different (ᾱ or t)."""
    return 0.05 + 0.9 * torch.rand(batch, generator=gen)


def _per_video(values: torch.Tensor) -> torch.Tensor:
    return rearrange(values, "b -> b 1 1 1 1")


# A level or time put on the wrong axis (one per frame, or [B] against W) broadcasts only when
# the sizes happen to match and raises on the other cases, so it cannot be named as a known
# mistake (that needs an output on every case): the first case of each exercise has matching
# sizes and a label that names the trap instead.


# ------------------------------------------------------------------------------------ add_noise


def _add_noise_spec(x0, noise, alpha_bar):
    """Slow and obvious: video by video, frame by frame, with Python floats."""
    out = torch.empty_like(x0)
    for b in range(x0.shape[0]):
        a = float(alpha_bar[b])
        for t in range(x0.shape[1]):
            out[b, t] = a**0.5 * x0[b, t] + (1 - a) ** 0.5 * noise[b, t]
    return out


def _noise_with(x0, noise, alpha_bar, *, data_w=None, noise_w=None):
    a = _per_video(alpha_bar)
    data_w = a.sqrt() if data_w is None else data_w(a)
    noise_w = (1 - a).sqrt() if noise_w is None else noise_w(a)
    return data_w * x0 + noise_w * noise


def _two_videos_and_levels(gen: torch.Generator, shapes, ends: list[float], ends_label: str):
    """Cases ``(video, video, [B] levels)``: one per ``(shape, label)``, then the schedule's ends."""
    for shape, label in shapes:
        yield Case(_video(gen, shape), _video(gen, shape), _levels(gen, shape[0]), label=label)
    yield Case(_video(gen, (2, 3, 1, 4, 4)), _video(gen, (2, 3, 1, 4, 4)), torch.tensor(ends),
               label=ends_label)


NOISE_MISTAKES = [
    (
        "alpha_bar used as the weight itself; x_t = sqrt(alpha_bar)·x0 + sqrt(1 − alpha_bar)·noise "
        "(the square root keeps the variance at 1)",
        lambda x0, n, a: _noise_with(x0, n, a, data_w=lambda a: a, noise_w=lambda a: 1 - a),
    ),
    (
        "sqrt on the data weight only: the noise weight must be sqrt(1 − alpha_bar), not (1 − alpha_bar)",
        lambda x0, n, a: _noise_with(x0, n, a, noise_w=lambda a: 1 - a),
    ),
    (
        "data and noise swapped: alpha_bar is the share of the *data* (1 = clean)",
        lambda x0, n, a: _noise_with(n, x0, a),
    ),
    (
        "the first video's alpha_bar used for the whole batch: every video has its own",
        lambda x0, n, a: _noise_with(x0, n, a[:1].expand_as(a)),
    ),
]


@exercise(
    lesson="05",
    solution=solutions.add_noise,
    points=1,
    difficulty=1,
    minutes=5,
    compare=CLOSE,
    spec=_add_noise_spec,
    hints=[
        "alpha_bar has one value per video, shape [B]; the videos are [B, T, C, H, W]. Reshape it "
        "so it multiplies every frame of its own video.",
        "rearrange(alpha_bar, 'b -> b 1 1 1 1') (or alpha_bar[:, None, None, None, None]) "
        "broadcasts over T, C, H, W. The data weight and the noise weight are square roots.",
        "x_t = sqrt(alpha_bar)·x0 + sqrt(1 − alpha_bar)·noise: the two squared weights add up to "
        "1, so unit-variance data stays unit variance.",
    ],
    mistakes=NOISE_MISTAKES,
)
def add_noise(gen: torch.Generator):
    """Random videos and levels; B = T; batch 1, T = 1; the two ends of the schedule."""
    yield from _two_videos_and_levels(gen, [
        ((3, 3, 2, 5, 4), "B = T = 3, so a time axis in the wrong place still broadcasts"),
        ((2, 5, 1, 6, 7), "random shape, odd sizes"),
        ((1, 1, 3, 4, 4), "batch 1, T = 1"),
        ((4, 6, 2, 3, 5), "batch 4: every video at its own noise level"),
    ], [1.0, 0.0], "alpha_bar = 1 (clean) and 0 (pure noise)")


# ----------------------------------------------------------------------- masked diffusion loss


class ToyVideoModel:
    """A fixed, non-linear stand-in for a video denoiser: ``model(x_t, t, cond) -> eps``.

    Like the real masked-conditional model it takes ``t`` as ``[B]`` (one time per video; a
    per-frame ``[B, T]`` is a ``ValueError``) and mixes information across frames, so the
    known frames change the prediction for the frames around them.
    """

    def __init__(self, scale: float = 0.7):
        self.scale = scale

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor, cond: Cond | None = None):
        if not isinstance(t, torch.Tensor) or t.shape != x_t.shape[:1]:
            got = list(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"t must be a [B] tensor, one time per video; got {got}")
        cond = cond or Cond()
        known = torch.zeros_like(x_t) if cond.known is None else cond.known
        mask = torch.zeros(x_t.shape[:2]) if cond.known_mask is None else cond.known_mask
        context = reduce(known, "b t c h w -> b 1 c h w", "mean")  # what the known frames say
        m = rearrange(mask, "b t -> b t 1 1 1")
        return torch.tanh(self.scale * x_t + _per_video(t) * context - 0.3 * m + 0.1 * _per_video(t))

    def __repr__(self) -> str:
        return "ToyVideoModel()"

    def __eq__(self, other) -> bool:  # the grader compares inputs before and after the call
        return isinstance(other, ToyVideoModel) and other.scale == self.scale

    def __hash__(self) -> int:
        return hash(self.scale)


def _masked_spec(model, x0, noise, t, alpha_bar, known_mask):
    """Slow and obvious: collect the squared errors of every value of every unknown frame."""
    B, T = known_mask.shape
    x_t = torch.stack([alpha_bar[b].sqrt() * x0[b] + (1 - alpha_bar[b]).sqrt() * noise[b]
                       for b in range(B)])
    known = torch.stack([x0[b, i] * known_mask[b, i] for b in range(B) for i in range(T)])
    pred = model(x_t, t, Cond(known_mask=known_mask, known=known.reshape(x0.shape)))
    errors = [((pred[b, i] - noise[b, i]) ** 2).flatten()
              for b in range(B) for i in range(T) if known_mask[b, i] == 0]
    return torch.cat(errors).mean() if errors else torch.tensor(0.0)


MODES = {
    "t2v": lambda T: [0] * T,
    "i2v": lambda T: [1] + [0] * (T - 1),
    "extend3": lambda T: [1, 1, 1] + [0] * (T - 3),
    "interp": lambda T: [1] + [0] * (T - 2) + [1],
}


def _mask(*modes: str, T: int) -> torch.Tensor:
    return torch.tensor([MODES[m](T) for m in modes], dtype=torch.float32)  # [B, T]


def _loss_case(gen, shape, modes, label) -> Case:
    B = shape[0]
    return Case(ToyVideoModel(), _video(gen, shape), _video(gen, shape), _levels(gen, B),
                _levels(gen, B), _mask(*modes, T=shape[1]), label=label)


def _loss_with(model, x0, noise, t, alpha_bar, known_mask, *, weight="unknown", give_known=True,
               data_w=torch.sqrt, mean_over="unknown", mask=None):
    known_mask = known_mask if mask is None else mask(known_mask)
    a = _per_video(alpha_bar)
    x_t = data_w(a) * x0 + (1 - a).sqrt() * noise
    keep = rearrange(known_mask, "b t -> b t 1 1 1")
    cond = Cond(known_mask=known_mask, known=x0 * keep) if give_known else None
    pred = model(x_t, t, cond)
    w = {"unknown": 1 - keep, "known": keep, "all": torch.ones_like(keep)}[weight]
    squared = (pred - noise) ** 2 * w
    if mean_over == "all":
        return squared.mean()
    count = w.sum() * x0[0, 0].numel()
    return squared.sum() / count if count > 0 else squared.sum()


def _first_frame_known(known_mask: torch.Tensor) -> torch.Tensor:
    m = torch.zeros_like(known_mask)
    m[:, 0] = 1  # the image-to-video mask, whatever mask was passed
    return m


LOSS_MISTAKES = [
    (
        "the loss counts every frame, the known ones too (the seed's plain F.mse_loss); known "
        "frames are given, so leave them out of the loss",
        lambda *a: _loss_with(*a, weight="all"),
    ),
    (
        "the mask is the wrong way round: the loss was taken on the known frames (mask 1); it "
        "belongs on the frames to generate (mask 0)",
        lambda *a: _loss_with(*a, weight="known"),
    ),
    (
        "the known frames were not handed to the model: pass Cond(known_mask=..., known=x0 * "
        "mask) so it can condition on them",
        lambda *a: _loss_with(*a, give_known=False),
    ),
    (
        "the zeroed known frames still count in the mean (squared.mean()): divide by the number "
        "of values in the unknown frames only",
        lambda *a: _loss_with(*a, mean_over="all"),
    ),
    (
        "alpha_bar used where its square root belongs when noising",
        lambda *a: _loss_with(*a, data_w=lambda a: a),
    ),
    (
        "the first frame is taken as known whatever known_mask says (image-to-video hard-coded): "
        "use the known_mask argument",
        lambda *a: _loss_with(*a, mask=_first_frame_known),
    ),
    (
        "alpha_bar recomputed from t with the lesson's cosine schedule: use the alpha_bar "
        "argument (the model may have been trained on another schedule)",
        lambda m, x0, n, t, ab, mask: _loss_with(m, x0, n, t, NoiseSchedule("cosine").alpha_bar(t), mask),
    ),
]


@exercise(
    lesson="05",
    solution=solutions.masked_diffusion_loss,
    points=2,
    difficulty=3,
    minutes=15,
    compare=CLOSE,
    spec=_masked_spec,
    hints=[
        "Four steps: noise x0 with one alpha_bar per video (your add_noise), build the "
        "conditioning, call model(x_t, t, cond), then a mean squared error against the noise on "
        "the frames the model must generate.",
        "cond = Cond(known_mask=known_mask, known=x0 * keep) with keep = known_mask reshaped to "
        "[B, T, 1, 1, 1]; t stays [B], exactly as given.",
        "Weight the squared error by (1 − keep) and divide by (number of unknown frames) × "
        "C·H·W, not by the size of the whole tensor; if every frame is known, the loss is 0.",
    ],
    mistakes=LOSS_MISTAKES,
)
def masked_diffusion_loss(gen: torch.Generator):
    """Each mode's mask, mixed in one batch; T = 3; a batch where every frame is known."""
    yield _loss_case(gen, (4, 5, 2, 4, 3), ("t2v", "i2v", "extend3", "interp"),
                     "one video per mode: t2v, i2v, extension (3 known), interpolation")
    yield _loss_case(gen, (2, 6, 1, 5, 5), ("interp", "extend3"), "interpolation and extension")
    yield _loss_case(gen, (3, 3, 2, 3, 4), ("i2v", "t2v", "interp"), "T = 3, odd sizes")
    yield _loss_case(gen, (1, 4, 3, 4, 4), ("t2v",), "batch 1, nothing known (text-to-video)")
    yield Case(ToyVideoModel(), _video(gen, (2, 3, 1, 4, 4)), _video(gen, (2, 3, 1, 4, 4)),
               _levels(gen, 2), _levels(gen, 2), torch.ones(2, 3),
               label="every frame known: nothing to learn, the loss is 0")


# -------------------------------------------------------------------------- flow matching pair


def _flow_spec(noise, data, t):
    """Slow and obvious: video by video with Python floats."""
    x_t, target = torch.empty_like(data), torch.empty_like(data)
    for b in range(data.shape[0]):
        s = float(t[b])
        x_t[b] = (1 - s) * noise[b] + s * data[b]
        target[b] = data[b] - noise[b]
    return x_t, target


def _flow_with(noise, data, t, *, sign=1, diffusers=False):
    s = _per_video(t)
    if diffusers:  # sigma = t: x = (1 - sigma)·data + sigma·noise, target noise - data
        return (1 - s) * data + s * noise, noise - data
    return (1 - s) * noise + s * data, sign * (data - noise)


@exercise(
    lesson="05",
    solution=solutions.flow_matching_pair,
    points=1,
    difficulty=2,
    minutes=8,
    compare=CLOSE,
    spec=_flow_spec,
    hints=[
        "In our convention x_0 is noise, x_1 is data and t runs from 0 (noise) to 1 (data). "
        "Return two tensors: the point on the straight line at time t, and its velocity.",
        "The path is x_t = (1 − t)·noise + t·data, with t reshaped to [B, 1, 1, 1, 1] (one time "
        "per video). Its derivative with respect to t does not depend on t.",
        "The velocity points from the noise to the data: data − noise. (diffusers writes the same "
        "path with sigma = 1 − t and trains on noise − data: mind the convention.)",
    ],
    mistakes=[
        (
            "the velocity points the wrong way: along the path it goes from x_0 (the noise) "
            "towards x_1 (the data)",
            lambda n, d, t: _flow_with(n, d, t, sign=-1),
        ),
        (
            "diffusers' convention (sigma = t: t = 1 is noise, target noise − data); ours has "
            "t = 1 at the data",
            lambda n, d, t: _flow_with(n, d, t, diffusers=True),
        ),
    ],
)
def flow_matching_pair(gen: torch.Generator):
    """Random videos and times; B = T; batch 1, T = 1; both ends of the path."""
    yield from _two_videos_and_levels(gen, [
        ((3, 3, 2, 4, 5), "B = T = 3, so a time on the frame axis still broadcasts"),
        ((2, 6, 1, 5, 5), "random shape"),
        ((1, 1, 4, 3, 3), "batch 1, T = 1"),
        ((4, 2, 2, 6, 3), "batch 4, each video at its own time"),
    ], [0.0, 1.0], "t = 0 (noise) and t = 1 (data)")


# ---------------------------------------------------------------------------------- v -> x0


def _v_to_x0_spec(x_t, v, alpha_bar):
    """From the definitions: solve x_t = a·x0 + s·eps and v = a·eps − s·x0 for x0, per video."""
    out = torch.empty_like(x_t)
    for b in range(x_t.shape[0]):
        a, s = float(alpha_bar[b]) ** 0.5, (1 - float(alpha_bar[b])) ** 0.5
        # [[a, s], [-s, a]] @ [x0, eps] = [x_t, v]; the inverse of a rotation is its transpose
        out[b] = a * x_t[b] - s * v[b]
    return out


def _x0_with(x_t, v, alpha_bar, *, alpha=torch.sqrt, sign=-1, eps_formula=False):
    a = _per_video(alpha_bar)
    if eps_formula:  # v read as if it were eps
        return (x_t - (1 - a).sqrt() * v) / a.sqrt()
    return alpha(a) * x_t + sign * (1 - a).sqrt() * v


@exercise(
    lesson="05",
    solution=solutions.v_to_x0,
    points=1,
    difficulty=2,
    minutes=8,
    compare=CLOSE,
    spec=_v_to_x0_spec,
    hints=[
        "Write x_t = α·x0 + σ·eps and v = α·eps − σ·x0 with α = sqrt(alpha_bar), "
        "σ = sqrt(1 − alpha_bar), and solve the two equations for x0 (α² + σ² = 1 helps).",
        "Two equations, two unknowns (x0 and eps): eliminate eps. alpha_bar is [B]: reshape it "
        "to [B, 1, 1, 1, 1] before taking square roots and multiplying.",
        "Multiply x_t = α·x0 + σ·eps by α and v = α·eps − σ·x0 by σ, then subtract the second "
        "from the first: the eps terms cancel and α² + σ² = 1 leaves x0 on its own.",
    ],
    mistakes=[
        (
            "alpha_bar where its square root belongs: α = sqrt(alpha_bar), σ = sqrt(1 − alpha_bar)",
            lambda x, v, a: _x0_with(x, v, a, alpha=lambda a: a),
        ),
        (
            "the sign of the v term is flipped: check which way v points (v = α·eps − σ·x0)",
            lambda x, v, a: _x0_with(x, v, a, sign=1),
        ),
        (
            "the eps conversion (x_t − σ·v)/α applied to v: v = α·eps − σ·x0 needs its own inverse",
            lambda x, v, a: _x0_with(x, v, a, eps_formula=True),
        ),
    ],
)
def v_to_x0(gen: torch.Generator):
    """Random videos and levels; W = B (a wrong axis still broadcasts); batch 1; clean and noise ends."""
    yield from _two_videos_and_levels(gen, [
        ((3, 2, 2, 4, 3), "W = B = 3, so a level on the wrong axis still broadcasts"),
        ((2, 5, 1, 6, 7), "random shape"),
        ((1, 1, 3, 4, 4), "batch 1, T = 1"),
        ((4, 3, 2, 3, 5), "batch 4, each video at its own level"),
    ], [1.0, 0.0], "alpha_bar = 1 (x_t is x0) and 0 (x0 = −v)")
