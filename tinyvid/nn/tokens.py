"""How many tokens a spacetime-patch transformer sees for a real video, and what attention costs.

A video of ``F`` frames of ``H × W`` pixels is first compressed by an autoencoder (``vae_time``
frames and ``vae_space × vae_space`` pixels per latent cell), then cut into
``patch_time × patch_space × patch_space`` spacetime patches, one token each (Brooks et al.
2024; Ma et al. 2024, Latte; Peebles & Xie 2023, DiT). A size that does not divide is padded up
to a whole cell or patch, so every division rounds up. (Causal video autoencoders keep the
first frame on its own, ``1 + (F − 1) / vae_time`` latent frames: the same as rounding up when
``F − 1`` is a multiple of ``vae_time``, e.g. 49 or 81 frames with ``vae_time = 4``.)

Used by lesson 07's token-count widget; ``tinyvid.nn.dit.patchify`` does the cutting itself.
"""

from __future__ import annotations


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def spacetime_tokens(
    num_frames: int,
    height: int,
    width: int,
    vae_time: int = 1,
    vae_space: int = 1,
    patch_time: int = 1,
    patch_space: int = 1,
) -> int:
    """Tokens of one clip: ``⌈⌈F/vae_t⌉/p_t⌉ · ⌈⌈H/vae_s⌉/p_s⌉ · ⌈⌈W/vae_s⌉/p_s⌉``."""
    sizes = {"num_frames": num_frames, "height": height, "width": width, "vae_time": vae_time,
             "vae_space": vae_space, "patch_time": patch_time, "patch_space": patch_space}
    for name, value in sizes.items():
        _positive_int(value, name)
    t = _ceil_div(_ceil_div(num_frames, vae_time), patch_time)
    h = _ceil_div(_ceil_div(height, vae_space), patch_space)
    w = _ceil_div(_ceil_div(width, vae_space), patch_space)
    return t * h * w


def attention_cost(num_tokens: int, dim: int, heads: int, bytes_per_element: int = 2) -> tuple[int, int]:
    """FLOPs of one full self-attention core over ``num_tokens`` tokens of width ``dim`` (scores
    ``Q·Kᵀ`` and the weighted sum of values, a multiply-add counted as 2: ``4·L²·dim``), and the
    bytes of its ``heads × L × L`` score matrix if it were stored (the "math" kernel; fused
    kernels such as FlashAttention never store it). Projections are not counted."""
    for name, value in {"num_tokens": num_tokens, "dim": dim, "heads": heads,
                        "bytes_per_element": bytes_per_element}.items():
        _positive_int(value, name)
    return 4 * num_tokens**2 * dim, heads * num_tokens**2 * bytes_per_element
