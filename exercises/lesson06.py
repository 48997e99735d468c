"""Lesson 06 (generation modes): an Euler step, guidance, the known-frames mask, extension."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from exercises.cases import rand_video, randint
from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson06 as solutions


# ------------------------------------------------------------------------ euler_sampler_step
@dataclass(frozen=True)
class _Field:
    """A stand-in model: a velocity that depends on the state and (strongly) on the time."""

    a: float
    b: float
    c: float

    def __call__(self, x: torch.Tensor, t) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype)
        return self.a * torch.cos(self.b * t) * x + self.c * t**2 - 0.5

    def __repr__(self) -> str:
        return f"velocity(x, t) = {self.a:g}·cos({self.b:g}·t)·x + {self.c:g}·t² − 0.5"


def _euler_spec(velocity, x, i, steps):
    grid = [k / steps for k in range(steps + 1)]  # flow times from noise (0) to data (1)
    t, t_next = grid[i], grid[i + 1]
    u = velocity(x, t)
    x_next = x + (t_next - t) * u
    x1_hat = x_next + (1 - t_next) * u  # keep going at the same speed until t = 1
    return x_next, x1_hat


def _euler_with(time, h=None, to_data=None):
    """The reference with one part swapped: the time given to the model, the step, or the
    distance to the data of the estimate."""

    def step(velocity, x, i, steps):
        t = time(i, steps)
        u = velocity(x, t)
        size = 1.0 / steps if h is None else h(steps)
        left = 1.0 - i / steps if to_data is None else to_data(i, steps)
        return x + size * u, x + left * u

    return step


def _field_case(gen, shape, i, steps, label) -> Case:
    a = 0.5 + float(torch.rand((), generator=gen))
    b = 2.0 + 3 * float(torch.rand((), generator=gen))
    c = 1.0 + float(torch.rand((), generator=gen))
    return Case(_Field(round(a, 2), round(b, 2), round(c, 2)), torch.randn(shape, generator=gen),
                i, steps, label=label)


@exercise(
    lesson="06",
    solution=solutions.euler_sampler_step,
    points=1,
    difficulty=2,
    minutes=8,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_euler_spec,
    hints=[
        "The loop hands you an index i; the model wants the flow time it was trained on, a "
        "float in [0, 1] with 0 = noise. With `steps` equal steps from 0 to 1, where does step "
        "i start, and how long is each step?",
        "Call velocity(x, t) with t = i / steps (never i itself); the Euler step moves x by "
        "(1 / steps) · u. For the estimate: on a straight path from noise to data the "
        "velocity does not change, so how far is the data from x, in time, at t?",
        "Test yourself on one step from noise (i = 0, steps = 1): the step must land exactly "
        "where the estimate says the data is. Return a tuple (x_next, x1_hat), both shaped "
        "like x.",
    ],
    mistakes=[
        ("you gave the model the loop index i as its time (the seed's bug): it was trained on "
         "the flow time t = i / steps in [0, 1]",
         _euler_with(lambda i, n: i)),
        ("you gave the model the diffusion-direction time (1 = noise): for a flow model "
         "t = 0 is noise, so step i is at t = i / steps",
         _euler_with(lambda i, n: 1 - i / n)),
        ("you gave the model the time at the end of the step, (i + 1) / steps: the Euler "
         "step reads the velocity where it starts",
         _euler_with(lambda i, n: (i + 1) / n)),
        ("your step has length 1: each of the `steps` steps covers 1 / steps of the way",
         _euler_with(lambda i, n: i / n, h=lambda n: 1.0)),
        ("you hard-coded the number of steps from the lesson (12): use the `steps` argument",
         _euler_with(lambda i, n: i / 12, h=lambda n: 1 / 12, to_data=lambda i, n: 1 - i / 12)),
        ("your estimate of the clean video moves by a whole u: from time t the data is "
         "only 1 - t away",
         _euler_with(lambda i, n: i / n, to_data=lambda i, n: 1.0)),
    ],
)
def euler_sampler_step(gen: torch.Generator):
    """The first, a middle and the last step; one step in all; 12 and 50 steps; random shapes."""
    yield _field_case(gen, (2, 4, 1, 3, 5), 0, 12, "the first step (i = 0) of 12: from pure noise")
    yield _field_case(gen, (1, 3, 2, 4, 4), 7, 12, "step 7 of 12")
    yield _field_case(gen, (2, 2, 1, 2, 3), 49, 50, "the last step of 50 (the seed's loop length)")
    yield _field_case(gen, (1, 5, 1, 3, 3), 0, 1, "a single step from noise to data")
    steps = randint(gen, 3, 9)
    yield _field_case(gen, (3, 2, 1, 4, 2), randint(gen, 1, steps - 1), steps,
                      "a random step of a random number of steps")
    yield _field_case(gen, (1, 6, 3, 5, 7), 20, 25, "step 20 of 25, 3 channels, odd sizes")


# ------------------------------------------------------------------ classifier_free_guidance
def _cfg_spec(out, guidance):
    B = out.shape[0] // 2
    result = torch.empty_like(out[:B])
    for b in range(B):
        c, u = out[b], out[B + b]  # the same video with and without its prompt
        result[b] = u + guidance * (c - u)
    return result


def _cfg_with(combine, split=lambda out: out.chunk(2, dim=0)):
    def cfg(out, guidance):
        c, u = split(out)
        return combine(c, u, guidance)

    return cfg


def _interleaved(out):
    return out[0::2], out[1::2]


@exercise(
    lesson="06",
    solution=solutions.classifier_free_guidance,
    points=1,
    difficulty=1,
    minutes=6,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_cfg_spec,
    hints=[
        "First split the batch: the first half of the rows is the prediction with the prompt, "
        "the second half the same videos with the null prompt. Then start from the "
        "unconditional prediction and move `guidance` times the difference the prompt makes.",
        "c, u = out.chunk(2, dim=0) (c: with the prompt, u: without). guidance = 1 must give c "
        "back and guidance = 0 must give u: test your formula on those two.",
        "Write it as one line that starts from u; then check it by hand at guidance 0, 1 and "
        "2 (2 should land as far beyond c as u is behind it). Return [B, ...]: half the rows "
        "you were given.",
    ],
    mistakes=[
        ("guidance applied the wrong way round: you started from the prompt's prediction and "
         "moved toward the unconditional one (guidance = 1 must give the prompt's prediction)",
         _cfg_with(lambda c, u, w: c + w * (u - c))),
        ("you used the (1 + w) convention, c + w · (c - u): in this course guidance = 1 means "
         "no guidance, u + w · (c - u)",
         _cfg_with(lambda c, u, w: c + w * (c - u))),
        ("you took the first half as the unconditional prediction: the first B rows are the "
         "ones with the prompt",
         _cfg_with(lambda c, u, w: c + w * (u - c), split=lambda out: out.chunk(2, dim=0)[::-1])),
        ("you split the batch into even and odd rows: the first half is the prompt, the second "
         "half the null prompt",
         _cfg_with(lambda c, u, w: u + w * (c - u), split=_interleaved)),
        ("you hard-coded the pipeline's default guidance (4): use the `guidance` argument",
         _cfg_with(lambda c, u, w: u + 4.0 * (c - u))),
        ("you scaled the conditional prediction alone (guidance · c): guidance scales the "
         "difference the prompt makes",
         _cfg_with(lambda c, u, w: w * c)),
    ],
)
def classifier_free_guidance(gen: torch.Generator):
    """Guidance 4, 1 (the prompt's prediction), 0 (unconditional), 7.5, 2.5; batch 1; shapes."""
    yield Case(torch.randn(4, 3, 2, 4, 5, generator=gen), 4.0, label="batch 2, guidance 4 (the default)")
    yield Case(torch.randn(2, 4, 1, 3, 3, generator=gen), 1.0, label="batch 1, guidance 1: the prompt's prediction")
    yield Case(torch.randn(6, 2, 1, 2, 2, generator=gen), 0.0, label="batch 3, guidance 0: the unconditional prediction")
    yield Case(torch.randn(2, 5, 3, 3, 4, generator=gen), 7.5, label="batch 1, guidance 7.5, 3 channels")
    B = randint(gen, 2, 4)
    yield Case(torch.randn(2 * B, 3, 1, 4, 4, generator=gen), 2.5, label="random batch, guidance 2.5")


# --------------------------------------------------------------------------- mode_known_mask
def _mask_spec(mode, num_frames, context=1):
    given = {
        "t2v": [],
        "i2v": [0],
        "extend": list(range(context)),
        "interpolate": [0, num_frames - 1],
    }[mode]
    return torch.tensor([1.0 if t in given else 0.0 for t in range(num_frames)])


def _mask_with(frames):
    """A mask function whose known frames are ``frames(mode, T, context)``."""

    def mask(mode, num_frames, context=1):
        m = torch.zeros(num_frames)
        for t in frames(mode, num_frames, context):
            m[t] = 1.0
        return m

    return mask


def _right(mode, T, k):
    return {"t2v": [], "i2v": [0], "extend": range(k), "interpolate": [0, T - 1]}[mode]


def _swap(mode_to_change, wrong):
    return _mask_with(lambda mode, T, k: wrong(T, k) if mode == mode_to_change else _right(mode, T, k))


@exercise(
    lesson="06",
    solution=solutions.mode_known_mask,
    points=1,
    difficulty=1,
    minutes=6,
    compare=exact(),
    spec=_mask_spec,
    hints=[
        "Start from a float tensor of zeros, one per frame, and set to 1 the frames the mode "
        "gives the model. Which frames does each mode give? Image-to-video animates a picture "
        "forwards in time; extension continues a video after its end.",
        "i2v: the first frame (index 0). extend: the first `context` frames of the window, "
        "which hold the end of the video you extend. interpolate: the first and the last "
        "frame (index num_frames - 1, or -1). t2v: none. Use the arguments, not 16 or 4.",
        "One branch per mode, each setting a slice of a zero tensor; the result is float32 "
        "with exactly num_frames entries (not bool, not a batch). Test it by printing the "
        "mask of every mode for num_frames = 5, context = 2.",
    ],
    mistakes=[
        ("a mask on the wrong frames: image-to-video gives the first frame, not the last",
         _swap("i2v", lambda T, k: [T - 1])),
        ("a mask on the wrong frames: extension's window starts with the `context` known "
         "frames (the end of the video being extended), so they are the first ones",
         _swap("extend", lambda T, k: range(T - k, T))),
        ("you hard-coded the seed's 4 context frames: use the `context` argument",
         _swap("extend", lambda T, k: range(min(4, T)))),
        ("interpolation gives both ends: the first and the last frame",
         _swap("interpolate", lambda T, k: [0])),
        ("the last frame is index num_frames - 1 (or -1), not a constant from the lesson",
         _swap("interpolate", lambda T, k: [0, 15])),
        ("you gave image-to-video `context` frames: it is given one frame, the first",
         _swap("i2v", lambda T, k: range(k))),
    ],
)
def mode_known_mask(gen: torch.Generator):
    """Every mode at 16 frames; other lengths and context lengths; the shortest clips."""
    yield Case("t2v", 16, label="text-to-video, 16 frames (nothing given)")
    yield Case("i2v", 16, label="image-to-video, 16 frames")
    yield Case("extend", 16, 4, label="extension, 16 frames, context 4 (the seed's)")
    yield Case("interpolate", 16, label="interpolation, 16 frames")
    yield Case("i2v", 5, 3, label="image-to-video, 5 frames (context is not used)")
    yield Case("extend", 9, 6, label="extension, 9 frames, context 6")
    yield Case("extend", 7, 1, label="extension, 7 frames, context 1")
    yield Case("interpolate", 20, label="interpolation, 20 frames: the last one is index 19")
    yield Case("interpolate", 3, label="interpolation, 3 frames: one to make")
    T = randint(gen, 6, 12)
    yield Case("interpolate", T, label="interpolation, a random length")
    yield Case("extend", T, randint(gen, 2, T - 1), label="extension, a random length and context")


# ----------------------------------------------------------------------- extend_with_overlap
@dataclass(frozen=True)
class _Continuer:
    """A stand-in model: a window that starts with the known frames and continues them.

    Every new frame depends on every known frame and on their order (a weighted mean, later
    frames weigh more) plus a step that grows along the window, so a wrong context shows.
    """

    step: float

    def __call__(self, known: torch.Tensor, num_frames: int) -> torch.Tensor:
        B, k = known.shape[:2]
        w = torch.arange(1, k + 1, dtype=known.dtype)  # [k]
        base = (known * w.view(1, k, *[1] * (known.ndim - 2))).sum(1) / w.sum()  # [B, ...]
        new = [base + self.step * (j + 1) for j in range(num_frames - k)]
        return torch.cat([known, torch.stack(new, dim=1)], dim=1) if new else known.clone()

    def __repr__(self) -> str:
        return f"a stand-in model that continues its known frames (step {self.step:g})"


def _extend_spec(generate, video, num_new_frames, context, window):
    frames = [video[:, t] for t in range(video.shape[1])]
    made = 0
    while made < num_new_frames:
        known = torch.stack(frames[-context:], dim=1)
        win = generate(known, window)
        for t in range(context, window):
            if made < num_new_frames:
                frames.append(win[:, t])
                made += 1
    return torch.stack(frames, dim=1)


def _extend_with(take, keep_context=False, only_new=False, trim=True, ctx=None):
    """The reference with one part swapped (for the diagnoses)."""

    def extend(generate, video, num_new_frames, context, window):
        context = context if ctx is None else ctx
        out, left = video, num_new_frames
        while left > 0:
            win = generate(take(video, out, context), window)
            keep = min(window - context, left) if trim else window - context
            if keep <= 0:  # a hard-coded context as long as the window: no new frames
                break
            start = 0 if keep_context else context
            out = torch.cat([out, win[:, start : context + keep]], dim=1)
            left -= keep
        return out[:, video.shape[1] :] if only_new else out

    return extend


def _last(video, out, k):
    return out[:, -k:]


@exercise(
    lesson="06",
    solution=solutions.extend_with_overlap,
    points=1,
    difficulty=2,
    minutes=12,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_extend_spec,
    hints=[
        "Loop until you have made num_new_frames frames. Each round: the model gets the last "
        "`context` frames of the video as it stands now (including frames you made in earlier "
        "rounds) and returns a whole window that starts with them. Append only the new part.",
        "known = out[:, -context:]; win = generate(known, window); the new frames are "
        "win[:, context:]. The last round may need fewer than window - context frames: keep "
        "only what is still missing. Return the input followed by the new frames.",
        "Keep two things between rounds: the video so far (it grows) and how many frames are "
        "still missing (it shrinks by what you keep). Count the frames of your result: "
        "T0 + num_new_frames exactly.",
    ],
    mistakes=[
        ("context taken from the wrong end: the model must see the last `context` frames, "
         "where the video continues, not the first ones",
         _extend_with(lambda video, out, k: out[:, :k])),
        ("every window saw the input video's last frames: the context must come from the "
         "video made so far, including the frames of earlier windows",
         _extend_with(lambda video, out, k: video[:, -k:])),
        ("you appended the whole window: its first `context` frames are the known ones you "
         "gave it, already in the video",
         _extend_with(_last, keep_context=True)),
        ("the last window made more frames than were asked for: keep only num_new_frames new "
         "frames in all",
         _extend_with(_last, trim=False)),
        ("you returned only the new frames (as the seed's extend_video does): return the input "
         "video followed by the new frames",
         _extend_with(_last, only_new=True)),
        ("you hard-coded the seed's 4 context frames: use the `context` argument",
         _extend_with(_last, ctx=4)),
    ],
)
def extend_with_overlap(gen: torch.Generator):
    """Whole and partial last windows; context 1 to 6; one new frame; a one-window extension."""
    yield Case(_Continuer(0.1), rand_video(gen, (2, 6, 1, 3, 4)), 24, 4, 16,
               label="context 4, windows of 16: two whole windows (12 new frames each)")
    yield Case(_Continuer(0.2), rand_video(gen, (1, 5, 1, 2, 3)), 10, 3, 7,
               label="context 3, windows of 7: the last window is partly used")
    yield Case(_Continuer(0.05), rand_video(gen, (2, 4, 2, 3, 3)), 1, 2, 6,
               label="one new frame")
    yield Case(_Continuer(0.3), rand_video(gen, (1, 8, 1, 2, 2)), 9, 6, 8,
               label="context 6, windows of 8 (2 new frames a window)")
    yield Case(_Continuer(0.15), rand_video(gen, (3, 3, 1, 2, 2)), 5, 1, 4,
               label="context 1 (only the last frame is known)")
    T0 = randint(gen, 5, 9)
    ctx = randint(gen, 2, T0 - 1)
    yield Case(_Continuer(0.25), rand_video(gen, (2, T0, 1, 3, 2)), randint(gen, 7, 20), ctx, ctx + randint(gen, 2, 5),
               label="random lengths, context and window")
