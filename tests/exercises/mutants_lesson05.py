"""Plausible wrong answers for lesson 05's exercises, with a phrase the check must say.

``MUTANTS[name]`` lists ``(description, wrong_function, phrase)``: the check must fail the
function and its report must contain ``phrase`` (case-insensitive), pointing at the mistake.
"""

import torch
from einops import rearrange

from tinyvid.diffusion import NoiseSchedule
from tinyvid.nn import Cond


def _b(x):
    return rearrange(x, "b -> b 1 1 1 1")  # one value per video


def _f(x):
    return rearrange(x, "b -> 1 b 1 1 1")  # one value per frame index: the mistake


# --- add_noise --------------------------------------------------------------------------------
def _noise_no_sqrt(x0, noise, ab):
    return _b(ab) * x0 + (1 - _b(ab)) * noise


def _noise_half_sqrt(x0, noise, ab):
    return _b(ab).sqrt() * x0 + (1 - _b(ab)) * noise


def _noise_swapped(x0, noise, ab):
    return _b(ab).sqrt() * noise + (1 - _b(ab)).sqrt() * x0


def _noise_per_frame(x0, noise, ab):
    return _f(ab).sqrt() * x0 + (1 - _f(ab)).sqrt() * noise


def _noise_first_level(x0, noise, ab):
    a = ab[0]  # one level for the whole batch
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _noise_not_reshaped(x0, noise, ab):
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise  # [B] broadcasts against W


def _noise_variance_added(x0, noise, ab):
    return x0 + (1 - _b(ab)).sqrt() * noise  # "add noise" without shrinking the data


# --- masked_diffusion_loss --------------------------------------------------------------------
def _loss(model, x0, noise, t, ab, mask, *, weight="unknown", cond=True, alpha=torch.sqrt,
          mean_all=False, force_mask=None, t_per_frame=False, target="noise"):
    if force_mask is not None:
        mask = force_mask(mask)
    x_t = alpha(_b(ab)) * x0 + (1 - _b(ab)).sqrt() * noise
    keep = rearrange(mask, "b t -> b t 1 1 1")
    t_in = t[:, None].expand(mask.shape) if t_per_frame else t
    pred = model(x_t, t_in, Cond(known_mask=mask, known=x0 * keep) if cond else None)
    want = noise if target == "noise" else x0
    w = {"unknown": 1 - keep, "known": keep, "all": torch.ones_like(keep)}[weight]
    se = (pred - want) ** 2 * w
    if mean_all:
        return se.mean()
    n = w.sum() * x0[0, 0].numel()
    return se.sum() / n if n > 0 else se.sum()


def _i2v_hard_coded(mask):
    m = torch.zeros_like(mask)
    m[:, 0] = 1
    return m


def _mask_on_time_axis_of_batch(mask):
    return mask.flip(1)  # the mask read from the wrong end: the last frames marked known


# --- flow_matching_pair ---------------------------------------------------------------------
def _flow(noise, data, t, *, sign=1, diffusers=False, axis=_b, swap_weights=False, scale_t=False):
    s = axis(t)
    if diffusers:
        return (1 - s) * data + s * noise, noise - data
    if swap_weights:
        return s * noise + (1 - s) * data, data - noise
    x_t = (1 - s) * noise + s * data
    return x_t, sign * (data - noise) * (s if scale_t else 1)


# --- v_to_x0 ----------------------------------------------------------------------------------
def _x0(x_t, v, ab, *, alpha=torch.sqrt, sign=-1, eps=False, swap=False, reshape=True):
    a = _b(ab) if reshape else ab
    if eps:
        return (x_t - (1 - a).sqrt() * v) / a.sqrt()
    if swap:
        return (1 - a).sqrt() * x_t - a.sqrt() * v
    return alpha(a) * x_t + sign * (1 - a).sqrt() * v


MUTANTS = {
    "add_noise": [
        ("alpha_bar instead of its square root", _noise_no_sqrt, "square root"),
        ("noise weight 1 - alpha_bar", _noise_half_sqrt, "noise weight must be sqrt"),
        ("data and noise swapped", _noise_swapped, "swapped"),
        ("per-frame levels (frame axis)", _noise_per_frame, "time axis in the wrong place"),
        ("the first video's level for all (a constant)", _noise_first_level, "first video"),
        ("alpha_bar not reshaped", _noise_not_reshaped, "raised"),
        ("data not shrunk", _noise_variance_added, "wrong values"),
    ],
    "masked_diffusion_loss": [
        ("seed's loss over all frames", lambda *a: _loss(*a, weight="all"), "counts every frame"),
        ("mask on the known frames", lambda *a: _loss(*a, weight="known"), "wrong way round"),
        ("known frames not given to the model", lambda *a: _loss(*a, cond=False), "not handed"),
        ("mean over all values", lambda *a: _loss(*a, mean_all=True), "unknown frames only"),
        ("alpha_bar instead of sqrt", lambda *a: _loss(*a, alpha=lambda x: x), "square root"),
        ("i2v mask hard-coded", lambda *a: _loss(*a, force_mask=_i2v_hard_coded), "hard-coded"),
        ("mask from the wrong end of the clip", lambda *a: _loss(*a, force_mask=_mask_on_time_axis_of_batch),
         "wrong values"),
        ("per-frame t handed to the model", lambda *a: _loss(*a, t_per_frame=True), "one time per video"),
        ("x0 as the target of an eps loss", lambda *a: _loss(*a, target="x0"), "wrong values"),
        ("cosine ᾱ(t) hard-coded instead of the alpha_bar argument",
         lambda m, x0, n, t, ab, mask: _loss(m, x0, n, t, NoiseSchedule("cosine").alpha_bar(t), mask),
         "cosine schedule"),
    ],
    "flow_matching_pair": [
        ("velocity sign flipped", lambda n, d, t: _flow(n, d, t, sign=-1), "wrong way"),
        ("diffusers' sigma convention", lambda n, d, t: _flow(n, d, t, diffusers=True), "diffusers"),
        ("per-frame t", lambda n, d, t: _flow(n, d, t, axis=_f), "time on the frame axis"),
        ("weights swapped, target right", lambda n, d, t: _flow(n, d, t, swap_weights=True), "wrong values[0]"),
        ("velocity scaled by t", lambda n, d, t: _flow(n, d, t, scale_t=True), "wrong values[1]"),
    ],
    "v_to_x0": [
        ("alpha_bar instead of sqrt", lambda x, v, a: _x0(x, v, a, alpha=lambda y: y), "square root"),
        ("sign of v flipped", lambda x, v, a: _x0(x, v, a, sign=1), "sign"),
        ("eps formula used for v", lambda x, v, a: _x0(x, v, a, eps=True), "eps conversion"),
        ("alpha and sigma swapped", lambda x, v, a: _x0(x, v, a, swap=True), "wrong values"),
        ("alpha_bar not reshaped", lambda x, v, a: _x0(x, v, a, reshape=False), "level on the wrong axis"),
    ],
}
