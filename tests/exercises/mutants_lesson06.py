"""Plausible wrong answers for lesson 06's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import torch


# --- euler_sampler_step
def _loop_index(velocity, x, i, steps):
    u = velocity(x, i)  # the seed's bug: the index, not the time
    return x + u / steps, x + (1 - i / steps) * u


def _diffusion_direction(velocity, x, i, steps):
    t = (steps - i) / steps  # counts down from 1, as a diffusion sampler's time does
    u = velocity(x, t)
    return x + u / steps, x + (1 - i / steps) * u


def _countdown_index_fraction(velocity, x, i, steps):
    t = (steps - 1 - i) / steps  # the seed's `reversed(range(steps))` divided by steps
    u = velocity(x, t)
    return x + u / steps, x + (1 - i / steps) * u


def _end_of_step(velocity, x, i, steps):
    u = velocity(x, (i + 1) / steps)
    return x + u / steps, x + (1 - i / steps) * u


def _unit_step(velocity, x, i, steps):
    u = velocity(x, i / steps)
    return x + u, x + (1 - i / steps) * u


def _twelve_steps(velocity, x, i, steps):
    t = i / 12  # the pipeline's default number of steps, from the lesson text
    u = velocity(x, t)
    return x + u / 12, x + (1 - t) * u


def _fifty_steps(velocity, x, i, steps):
    t = i / 50  # the seed's num_steps
    u = velocity(x, t)
    return x + u / 50, x + (1 - t) * u


def _estimate_whole_u(velocity, x, i, steps):
    u = velocity(x, i / steps)
    return x + u / steps, x + u


def _estimate_sign(velocity, x, i, steps):
    t = i / steps
    u = velocity(x, t)
    return x + u / steps, x - (1 - t) * u


def _only_next_state(velocity, x, i, steps):
    return x + velocity(x, i / steps) / steps


# --- classifier_free_guidance
def _wrong_way_round(out, guidance):
    c, u = out.chunk(2)
    return c + guidance * (u - c)


def _halves_swapped(out, guidance):
    u, c = out.chunk(2)  # first half read as the unconditional one
    return u + guidance * (c - u)


def _one_plus_w(out, guidance):
    c, u = out.chunk(2)
    return c + guidance * (c - u)


def _hard_coded_four(out, guidance):
    c, u = out.chunk(2)
    return u + 4 * (c - u)


def _even_odd(out, guidance):
    c, u = out[::2], out[1::2]
    return u + guidance * (c - u)


def _scaled_cond(out, guidance):
    c, _ = out.chunk(2)
    return guidance * c


def _split_frames(out, guidance):
    c, u = out.chunk(2, dim=1)  # halves of the frames, not of the batch
    return u + guidance * (c - u)


def _whole_batch(out, guidance):
    c, u = out.chunk(2)
    return torch.cat([u + guidance * (c - u)] * 2)


# --- mode_known_mask
def _mask(num_frames, frames):
    m = torch.zeros(num_frames)
    for t in frames:
        m[t] = 1.0
    return m


def _correct_frames(mode, T, context):
    return {"t2v": [], "i2v": [0], "extend": range(context), "interpolate": [0, T - 1]}[mode]


def _i2v_last(mode, num_frames, context=1):
    frames = [num_frames - 1] if mode == "i2v" else _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


def _extend_at_end(mode, num_frames, context=1):
    if mode == "extend":
        frames = range(num_frames - context, num_frames)
    else:
        frames = _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


def _context_four(mode, num_frames, context=1):
    return _mask(num_frames, _correct_frames(mode, num_frames, 4 if mode == "extend" else context))


def _sixteen_frames(mode, num_frames, context=1):
    """The lesson's clip length hard-coded for the last frame."""
    frames = [0, 15] if mode == "interpolate" else _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


def _interpolate_first_only(mode, num_frames, context=1):
    frames = [0] if mode == "interpolate" else _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


def _bool_mask(mode, num_frames, context=1):
    return _mask(num_frames, _correct_frames(mode, num_frames, context)).bool()


def _t2v_all_known(mode, num_frames, context=1):
    frames = range(num_frames) if mode == "t2v" else _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


def _i2v_context(mode, num_frames, context=1):
    frames = range(context) if mode == "i2v" else _correct_frames(mode, num_frames, context)
    return _mask(num_frames, frames)


# --- extend_with_overlap
def _extend(generate, video, num_new_frames, context, window, *, pick, whole=False,
            untrimmed=False, new_only=False):
    out, left = video, num_new_frames
    while left > 0:
        win = generate(pick(video, out, context), window)
        keep = window - context if untrimmed else min(window - context, left)
        if keep <= 0:
            break
        out = torch.cat([out, win[:, (0 if whole else context) : context + keep]], dim=1)
        left -= keep
    return out[:, video.shape[1] :] if new_only else out


def _first_frames(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: o[:, :k])


def _input_only(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: v[:, -k:])


def _with_context(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: o[:, -k:], whole=True)


def _untrimmed(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: o[:, -k:], untrimmed=True)


def _new_only(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: o[:, -k:], new_only=True)


def _four_context(generate, video, n, context, window):
    return _extend(generate, video, n, 4, window, pick=lambda v, o, k: o[:, -k:])


def _context_reversed(generate, video, n, context, window):
    return _extend(generate, video, n, context, window, pick=lambda v, o, k: o[:, -k:].flip(1))


def _one_window(generate, video, n, context, window):
    win = generate(video[:, -context:], context + n)  # one long window instead of a loop
    return torch.cat([video, win[:, context:]], dim=1)


MUTANTS = {
    "euler_sampler_step": [
        ("the loop index as the model's time", _loop_index, "loop index"),
        ("diffusion-direction time", _diffusion_direction, "diffusion-direction"),
        ("the seed's countdown divided by steps", _countdown_index_fraction, "wrong"),
        ("time at the end of the step", _end_of_step, "end of the step"),
        ("a step of length 1", _unit_step, "length 1"),
        ("12 steps hard-coded", _twelve_steps, "hard-coded"),
        ("50 steps hard-coded", _fifty_steps, "wrong"),
        ("estimate moves by a whole u", _estimate_whole_u, "1 - t away"),
        ("estimate with the wrong sign", _estimate_sign, "wrong"),
        ("returns only the next state", _only_next_state, "type"),
    ],
    "classifier_free_guidance": [
        ("guidance the wrong way round", _wrong_way_round, "wrong way round"),
        ("halves swapped", _halves_swapped, "wrong way round"),
        ("the (1 + w) convention", _one_plus_w, "(1 + w)"),
        ("guidance 4 hard-coded", _hard_coded_four, "hard-coded"),
        ("even and odd rows", _even_odd, "even and odd"),
        ("guidance times the conditional", _scaled_cond, "difference"),
        ("split along the frames", _split_frames, "shape"),
        ("both halves returned", _whole_batch, "shape"),
    ],
    "mode_known_mask": [
        ("image-to-video on the last frame", _i2v_last, "wrong frames"),
        ("extension context at the end of the window", _extend_at_end, "wrong frames"),
        ("context 4 hard-coded", _context_four, "hard-coded"),
        ("16 frames hard-coded for the last frame", _sixteen_frames, "index 19"),
        ("interpolation gives only the first frame", _interpolate_first_only, "both ends"),
        ("a bool mask", _bool_mask, "dtype"),
        ("text-to-video with every frame known", _t2v_all_known, "wrong"),
        ("image-to-video given context frames", _i2v_context, "one frame"),
    ],
    "extend_with_overlap": [
        ("context from the start of the video", _first_frames, "wrong end"),
        ("context always from the input video", _input_only, "made so far"),
        ("whole window appended", _with_context, "whole window"),
        ("last window not trimmed", _untrimmed, "more frames than were asked"),
        ("only the new frames returned", _new_only, "only the new frames"),
        ("context 4 hard-coded", _four_context, "hard-coded"),
        ("context frames in reverse order", _context_reversed, "wrong"),
        ("one long window", _one_window, "wrong"),
    ],
}
