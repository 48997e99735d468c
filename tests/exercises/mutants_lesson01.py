"""Plausible wrong answers for lesson 01's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import torch
from einops import rearrange

from tinyvid.text import DIRECTIONS, SPEEDS


# --- bounce_step
def _clamp(pos, vel, limit):
    new = pos + vel
    hit = (new < 0) | (new > limit)
    return new.clamp(0, limit), torch.where(hit, -vel, vel)


def _keeps_velocity(pos, vel, limit):
    new = pos + vel
    new = torch.where(new < 0, -new, new)
    return torch.where(new > limit, 2 * limit - new, new), vel


def _flips_on_the_wall(pos, vel, limit):
    new = pos + vel
    below, above = new <= 0, new >= limit
    new = torch.where(below, -new, new)
    return torch.where(above, 2 * limit - new, new), torch.where(below | above, -vel, vel)


def _in_place(pos, vel, limit):
    pos += vel
    hit = (pos < 0) | (pos > limit)
    pos[pos < 0] *= -1
    pos[pos > limit] = 2 * limit - pos[pos > limit]
    vel[hit] *= -1
    return pos, vel


def _mirror_about_zero_only(pos, vel, limit):
    new = pos + vel
    hit = (new < 0) | (new > limit)
    return torch.where(hit, new.abs() % limit, new), torch.where(hit, -vel, vel)


# --- apply_per_frame
def _view_with_input_sizes(fn, video):
    B, T, C, H, W = video.shape
    return fn(video.reshape(B * T, C, H, W)).reshape(B, T, C, H, W)


def _conv3d_layout(fn, video):
    x = rearrange(video, "b t c h w -> (b c) t h w")
    return rearrange(fn(x), "(b c) t h w -> b t c h w", b=video.shape[0])


# --- make_captions
def _captions(labels, article=True, slow_word=" slowly"):
    out = []
    for i in range(len(labels.digits)):
        a, b = labels.digits[i].tolist()
        art = (lambda d: ("an" if d == 8 and article else "a") + f" {d}")
        if int(labels.num_digits[i]) == 2:
            out.append(f"{art(a)} and {art(b)} bouncing")
        else:
            s = f"{art(a)} moving {DIRECTIONS[int(labels.directions[i, 0])]}"
            out.append(s + (slow_word if SPEEDS[int(labels.speeds[i])] == "slow" else ""))
    return out


def _ignores_num_digits(labels):
    return [
        f"{'an' if int(labels.digits[i, 0]) == 8 else 'a'} {int(labels.digits[i, 0])} moving "
        f"{DIRECTIONS[int(labels.directions[i, 0])]}"
        + (" slowly" if int(labels.speeds[i]) == 1 else "")
        for i in range(len(labels.digits))
    ]


def _direction_by_angle_clockwise(labels):
    # reads the direction index as clockwise from "right" (image rows grow downwards...)
    flipped = labels.directions.clone()
    flipped[:, 0] = (-flipped[:, 0]) % 8
    out = []
    for i in range(len(labels.digits)):
        if int(labels.num_digits[i]) == 2:
            a, b = labels.digits[i].tolist()
            out.append(f"{'an' if a == 8 else 'a'} {a} and {'an' if b == 8 else 'a'} {b} bouncing")
        else:
            d = int(labels.digits[i, 0])
            s = f"{'an' if d == 8 else 'a'} {d} moving {DIRECTIONS[int(flipped[i, 0])]}"
            out.append(s + (" slowly" if int(labels.speeds[i]) == 1 else ""))
    return out


MUTANTS = {
    "bounce_step": [
        ("clamps at the wall", _clamp, "clamp"),
        ("keeps the velocity", _keeps_velocity, "forgot to reverse the velocity"),
        ("bounces when exactly on the wall", _flips_on_the_wall, "exactly on the wall"),
        ("changes its inputs in place", _in_place, "in place"),
        ("wrong mirror formula", _mirror_about_zero_only, "wrong values"),
    ],
    "apply_per_frame": [
        ("(b t) in, (t b) out",
         lambda fn, v: rearrange(fn(rearrange(v, "b t c h w -> (b t) c h w")),
                                 "(t b) c h w -> b t c h w", b=v.shape[0]),
         "split them back as (t b)"),
        ("time-major order",
         lambda fn, v: rearrange(fn(rearrange(v, "b t c h w -> (t b) c h w")),
                                 "(t b) c h w -> b t c h w", b=v.shape[0]),
         "time-major"),
        ("reshape back with the input's sizes", _view_with_input_sizes, "raised RuntimeError"),
        ("one call per video", lambda fn, v: torch.stack([fn(x) for x in v]), "once per video"),
        ("Conv3d layout, time as channels", _conv3d_layout, "wrong"),
    ],
    "temporal_crop": [
        ("stop at start + length", lambda v, s, n, k=1: v[:, s : s + n : k], "fewer than `length`"),
        ("batch axis", lambda v, s, n, k=1: v[s : s + (n - 1) * k + 1 : k], "batch (axis 0)"),
        ("to the end", lambda v, s, n, k=1: v[:, s::k], "to the end"),
        ("no stride", lambda v, s, n, k=1: v[:, s : s + n], "ignored the stride"),
        ("off by one", lambda v, s, n, k=1: v[:, s + 1 : s + 1 + (n - 1) * k + 1 : k], "off by one"),
    ],
    "make_captions": [
        ("'a 8'", lambda labels: _captions(labels, article=False), "'an'"),
        ("'slow'", lambda labels: _captions(labels, slow_word=" slow"), "'slowly'"),
        ("two digits written as one", _ignores_num_digits, "bouncing"),
        ("directions read clockwise", _direction_by_angle_clockwise, "wrong value"),
        ("a single string for the batch", lambda labels: "; ".join(_captions(labels)), "wrong type"),
    ],
}


def _limit_36(pos, vel, limit):
    """The lesson's 64 - 28 = 36 hard-coded where the `limit` argument belongs."""
    return _reference_bounce(pos, vel, 36.0)


def _reference_bounce(pos, vel, limit):
    new = pos + vel
    below, above = new < 0, new > limit
    new = torch.where(below, -new, new)
    return torch.where(above, 2 * limit - new, new), torch.where(below | above, -vel, vel)


MUTANTS["bounce_step"] += [("limit 36 hard-coded", _limit_36, "limit 20")]
