"""Schedules, losses and samplers (see README.md in this folder). Samplers hold no weights."""

from tinyvid.diffusion.losses import diffusion_loss, flow_matching_loss, training_cond
from tinyvid.diffusion.samplers import ddim_invert, iter_sample, make_sampler, sample
from tinyvid.diffusion.schedules import NoiseSchedule, add_noise

__all__ = [
    "NoiseSchedule",
    "add_noise",
    "ddim_invert",
    "diffusion_loss",
    "flow_matching_loss",
    "iter_sample",
    "make_sampler",
    "sample",
    "training_cond",
]
