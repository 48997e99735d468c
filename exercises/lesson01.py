"""Lesson 01 (video tensors): bouncing motion, per-frame layout, temporal crops, captions."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange

from exercises.cases import rand_video, randint
from exercises.compare import Close, exact
from exercises.core import Case, exercise
from exercises.solutions import lesson01 as solutions
from tinyvid.data import VideoLabels, moving_mnist
from tinyvid.text import DIRECTIONS, SPEEDS, caption


# ------------------------------------------------------------------------------ bounce_step
def _fold(q: torch.Tensor, limit: float) -> torch.Tensor:
    """Straight-line position folded into [0, limit]: the walls as mirrors (closed form)."""
    r = torch.remainder(q, 2 * limit)
    return torch.where(r > limit, 2 * limit - r, r)


def _bounce_step_spec(pos, vel, limit):
    """The closed form: fold the straight line; the velocity flips where the line left the box."""
    q = pos + vel
    crossed = (q < 0) | (q > limit)
    return _fold(q, limit), torch.where(crossed, -vel, vel)


def _pv(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


@exercise(
    lesson="01",
    solution=solutions.bounce_step,
    points=1,
    difficulty=2,
    minutes=8,
    compare=Close(atol=1e-5, rtol=1e-5),
    spec=_bounce_step_spec,
    hints=[
        "Move first (pos + vel), then look at each coordinate on its own: did it go below 0, or "
        "above limit? Only those coordinates bounce.",
        "A wall is a mirror: a point at -2 reflects to 2, a point at limit + 2 to limit - 2. "
        "Where a coordinate bounced, its velocity changes sign; exactly on the wall is not past it.",
        "Two masks (past the wall at 0, past the wall at limit) and torch.where for each: the "
        "mirror image of p in the wall at 0 is -p, in the wall at limit it is 2·limit - p. Use "
        "the `limit` argument, never a number from the lesson: the walls move with it.",
    ],
    mistakes=[
        ("you stopped the digit at the wall (clamp) instead of reflecting it",
         lambda p, v, L: ((p + v).clamp(0, L), torch.where(((p + v) < 0) | ((p + v) > L), -v, v))),
        ("you reflected the position but forgot to reverse the velocity",
         lambda p, v, L: (_fold(p + v, L), v)),
        ("you reversed the velocity when the digit lands exactly on the wall: it bounces only "
         "when it would go past it (use < 0 and > limit, not <= and >=)",
         lambda p, v, L: (_fold(p + v, L), torch.where(((p + v) <= 0) | ((p + v) >= L), -v, v))),
        ("you reversed both velocity components when only one coordinate hit a wall",
         lambda p, v, L: (_fold(p + v, L),
                          torch.where((((p + v) < 0) | ((p + v) > L)).any(-1, keepdim=True), -v, v))),
    ],
)
def bounce_step(gen: torch.Generator):
    """Random positions and velocities; exactly on a wall; both walls; a corner; still digits."""
    n = randint(gen, 5, 12)
    yield Case(torch.rand(n, 2, generator=gen) * 36, (torch.rand(n, 2, generator=gen) - 0.5) * 8, 36.0,
               label="random, limit 36")
    yield Case(_pv([[33.0, 3.0]]), _pv([[3.0, -3.0]]), 36.0,
               label="batch 1, lands exactly on both walls (no bounce yet)")
    yield Case(_pv([[36.0, 0.0], [0.0, 36.0]]), _pv([[-3.0, 3.0], [3.0, -3.0]]), 36.0,
               label="starts on a wall, moving away")
    yield Case(_pv([[35.0, 10.0], [10.0, 1.0]]), _pv([[3.0, 1.0], [2.0, -3.0]]), 36.0,
               label="one coordinate crosses a wall, the other does not")
    yield Case(_pv([[35.0, 1.0]]), _pv([[3.0, -3.0]]), 36.0, label="a corner: both bounce")
    yield Case(_pv([[0.5, 35.25]]), _pv([[-2.125, 1.5]]), 36.0, label="fractional positions")
    yield Case(torch.rand(3, 2, 2, generator=gen) * 20, torch.zeros(3, 2, 2), 20.0,
               label="[B, digits, 2], zero velocity, limit 20")
    yield Case(_pv([[19.0, 5.0], [1.0, 18.0]]), _pv([[3.0, -2.0], [-3.0, 3.0]]), 20.0,
               label="limit 20: crosses the far wall at 20, and the wall at 0")
    limit = float(randint(gen, 10, 60))
    n = randint(gen, 4, 8)
    yield Case(torch.rand(n, 2, generator=gen) * limit, (torch.rand(n, 2, generator=gen) - 0.5) * 16,
               limit, label=f"random, limit {limit:g}, fast")


# --------------------------------------------------------------------------- apply_per_frame
def double_plus_one(frames: torch.Tensor) -> torch.Tensor:
    return frames * 2 + 1  # [N, C, H, W]


def halve_size(frames: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(frames, 2)  # [N, C, H/2, W/2]


def add_mean_channel(frames: torch.Tensor) -> torch.Tensor:
    return torch.cat([frames, frames.mean(dim=1, keepdim=True)], dim=1)  # [N, C+1, H, W]


def add_batch_index(frames: torch.Tensor) -> torch.Tensor:
    """Adds each frame's index in the batch: shows in which order the frames arrived."""
    return frames + torch.arange(len(frames), dtype=frames.dtype)[:, None, None, None]


def _apply_per_frame_spec(fn, video):
    B, T = video.shape[:2]
    flat = torch.stack([video[b, t] for b in range(B) for t in range(T)])  # video by video
    out = fn(flat)
    return torch.stack([torch.stack([out[b * T + t] for t in range(T)]) for b in range(B)])


@exercise(
    lesson="01",
    solution=solutions.apply_per_frame,
    points=1,
    difficulty=1,
    minutes=5,
    compare=Close(atol=1e-6, rtol=1e-6),
    spec=_apply_per_frame_spec,
    hints=[
        "An image function wants [N, C, H, W]. Merge batch and time into N, call fn once, then "
        "split N back into batch and time.",
        "einops: rearrange(video, 'b t c h w -> (b t) c h w') and back with "
        "'(b t) c h w -> b t c h w', telling it b=B. fn may change C, H and W, so take the "
        "output's sizes from the output, not from the input.",
        "Three steps: merge, one call of fn, split. When you split, name the batch size (or "
        "the number of frames) so einops knows where to cut the merged axis.",
    ],
    mistakes=[
        ("you merged the axes as (b t) but split them back as (t b): frames land in the wrong videos",
         lambda fn, v: rearrange(fn(rearrange(v, "b t c h w -> (b t) c h w")),
                                 "(t b) c h w -> b t c h w", b=v.shape[0])),
        ("you ordered the frames time-major (t b): frame index should be b·T + t, video by video",
         lambda fn, v: rearrange(fn(rearrange(v, "b t c h w -> (t b) c h w")),
                                 "(t b) c h w -> b t c h w", b=v.shape[0])),
        ("you called fn once per video (T frames at a time); call it once on all B·T frames",
         lambda fn, v: torch.stack([fn(x) for x in v])),
    ],
)
def apply_per_frame(gen: torch.Generator):
    """A pointwise fn; fn that halves H, W; fn that adds a channel; frame order; T = 1; batch 1."""
    yield Case(double_plus_one, rand_video(gen), label="pointwise function")
    yield Case(halve_size, rand_video(gen, (2, 3, 1, 8, 6)), label="fn halves height and width")
    yield Case(add_mean_channel, rand_video(gen, (3, 2, 2, 5, 7)), label="fn adds a channel")
    yield Case(add_batch_index, rand_video(gen, (2, 3, 1, 4, 4)),
               label="fn reveals the frame order (b·T + t)")
    yield Case(add_batch_index, rand_video(gen, (3, 1, 1, 3, 5)), label="T = 1")
    yield Case(add_batch_index, rand_video(gen, (1, 5, 3, 7, 3)), label="batch 1, odd sizes")


# ----------------------------------------------------------------------------- temporal_crop
def _temporal_crop_spec(video, start, length, stride=1):
    return torch.stack([video[:, start + i * stride] for i in range(length)], dim=1)


@exercise(
    lesson="01",
    solution=solutions.temporal_crop,
    points=1,
    difficulty=1,
    minutes=5,
    compare=exact(),
    spec=_temporal_crop_spec,
    hints=[
        "Time is axis 1 of [B, T, C, H, W]; slice only that axis, keep every video of the batch.",
        "You want frames start, start + stride, ..., start + (length - 1)·stride: a Python slice "
        "start:stop:stride with stop one past the last one.",
        "The last frame you want is start + (length - 1)·stride, and a slice stops one before "
        "its stop value; no loop is needed.",
    ],
    mistakes=[
        ("you stopped at start + length: with a stride above 1 that gives fewer than `length` frames",
         lambda v, s, n, k=1: v[:, s : s + n : k]),
        ("you sliced the batch (axis 0), not time (axis 1)", lambda v, s, n, k=1: v[s : s + (n - 1) * k + 1 : k]),
        ("you took every frame from start to the end: stop after `length` frames",
         lambda v, s, n, k=1: v[:, s::k]),
        ("you ignored the stride", lambda v, s, n, k=1: v[:, s : s + n]),
        ("you started one frame late (off by one)", lambda v, s, n, k=1: v[:, s + 1 : s + 1 + (n - 1) * k + 1 : k]),
    ],
)
def temporal_crop(gen: torch.Generator):
    """Every 2nd frame; a whole video; T = 1; a crop ending on the last frame; length 1."""
    yield Case(rand_video(gen, (2, 12, 1, 5, 5)), 2, 4, 2, label="frames 2, 4, 6, 8 of 12")
    yield Case(rand_video(gen, (2, 6, 1, 4, 4)), 0, 6, label="the whole video (stride 1)")
    yield Case(rand_video(gen, (3, 1, 1, 3, 5)), 0, 1, label="T = 1")
    yield Case(rand_video(gen, (1, 10, 3, 7, 3)), 0, 4, 3,
               label="batch 1, stride 3, ends exactly on the last frame")
    yield Case(rand_video(gen, (2, 6, 2, 4, 6)), 5, 1, 4, label="length 1 with a big stride")
    T = randint(gen, 8, 16)
    yield Case(rand_video(gen, (2, T, 1, 6, 6)), 1, 3, randint(gen, 2, 3), label="random stride")


# ----------------------------------------------------------------------------- make_captions
def _labels(rows: list[tuple[list[int], list[int], int]]) -> VideoLabels:
    """VideoLabels from (digits, direction indices, speed index) rows, as moving_mnist builds them."""
    n = len(rows)
    digits = torch.tensor([d + [-1] * (2 - len(d)) for d, _, _ in rows])
    directions = torch.tensor([r + [-1] * (2 - len(r)) for _, r, _ in rows])
    return VideoLabels(
        digits=digits,
        directions=directions,
        speeds=torch.tensor([s for _, _, s in rows]),
        num_digits=(digits >= 0).sum(dim=1),
        positions=torch.zeros(n, 1, 2, 2),
    )


def _make_captions_spec(labels: VideoLabels) -> list[str]:
    out = []
    for i in range(len(labels)):
        k = int(labels.num_digits[i])
        digits = labels.digits[i, :k].tolist()
        if k == 2:
            out.append(caption(digits))
        else:
            out.append(caption(digits, DIRECTIONS[int(labels.directions[i, 0])],
                               SPEEDS[int(labels.speeds[i])]))
    return out


def _no_an(labels):
    return [c.replace("an 8", "a 8") for c in solutions.make_captions(labels)]


@exercise(
    lesson="01",
    solution=solutions.make_captions,
    points=1,
    difficulty=2,
    minutes=8,
    compare=exact(),
    spec=_make_captions_spec,
    hints=[
        "Two kinds of caption: one digit, 'a 7 moving up-left' (add ' slowly' for the slow "
        "speed); two digits, 'a 3 and a 5 bouncing'. labels.num_digits says which.",
        "labels.directions[i, 0] and labels.speeds[i] are indices into tinyvid.text.DIRECTIONS "
        "and SPEEDS; the article is 'an' before 8 ('an 8'), 'a' before every other digit.",
        "One caption per video, built with an f-string; a small helper that turns a digit into "
        "'an 8' or 'a 7' keeps it short. Only the slow speed adds a word at the end.",
    ],
    mistakes=[
        ("you wrote 'a 8': the article before 8 is 'an' ('an 8 moving left')", _no_an),
        ("you wrote 'slow': the prompt word is 'slowly' ('a 7 moving up slowly')",
         lambda labels: [c.replace(" slowly", " slow") for c in solutions.make_captions(labels)]),
        ("two-digit videos are 'a 3 and a 5 bouncing', whatever their directions",
         lambda labels: [
             f"a {int(labels.digits[i, 0])} moving {DIRECTIONS[int(labels.directions[i, 0])]}"
             for i in range(len(labels))
         ]),
    ],
)
def make_captions(gen: torch.Generator):
    """Every direction; slow; 'an 8'; two digits; batch 1; real Moving MNIST labels."""
    yield Case(_labels([([d], [k], 0) for k, d in enumerate([7, 1, 2, 3, 4, 5, 6, 9])]),
               label="one digit in each of the 8 directions")
    yield Case(_labels([([8], [4], 1)]), label="batch 1: 'an 8', slowly")
    yield Case(_labels([([3, 5], [0, 6], 0), ([8, 0], [2, 2], 0), ([1, 8], [7, 3], 0)]),
               label="two digits, with an 8 first and second")
    yield Case(_labels([([randint(gen, 0, 9)], [randint(gen, 0, 7)], randint(gen, 0, 1)) for _ in range(5)]),
               label="random single digits and speeds")
    _, labels, _ = moving_mnist(8, seed=randint(gen, 0, 999), num_frames=1, num_digits=(1, 2))
    yield Case(labels, label="labels of real Moving MNIST videos (1 or 2 digits)")
