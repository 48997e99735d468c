"""tinyvid: a laptop-sized video diffusion model to learn how generative video models work.

Video tensors are ``[B, T, C, H, W]`` float in ``[0, 1]`` at every public boundary.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_pipeline"]


def load_pipeline(*args, **kwargs):
    """Load the shipped text/image-to-video pipeline (see :mod:`tinyvid.pipelines`)."""
    from tinyvid.pipelines import load_pipeline as _load

    return _load(*args, **kwargs)
