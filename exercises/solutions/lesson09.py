"""Reference solutions for lesson 09 (capstone: add temporal layers to a pretrained image model)."""

import torch
from einops import rearrange


def temporal_residual(x: torch.Tensor, spatial, temporal) -> torch.Tensor:
    """The image block on every frame, then a residual temporal layer: ``[B, T, C, H, W]``.

    ``spatial`` maps frames ``[N, C, H, W] -> [N, C, H, W]``; ``temporal`` maps videos
    ``[B, T, C, H, W] -> [B, T, C, H, W]`` and mixes frames. Returns ``h + temporal(h)`` with
    ``h`` the spatial block applied to each frame (a zero temporal branch leaves the image block).
    """
    B = x.shape[0]
    frames = rearrange(x, "b t c h w -> (b t) c h w")  # [B*T, C, H, W]
    h = rearrange(spatial(frames), "(b t) c h w -> b t c h w", b=B)  # [B, T, C, H, W]
    return h + temporal(h)  # [B, T, C, H, W]


def zero_init_branch(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A residual branch's parameters with its output projection zeroed, the rest unchanged.

    ``state`` is the ``state_dict()`` of an ``nn.Sequential`` branch (keys ``"<index>.weight"``,
    ``"<index>.bias"``); its output projection is the module with the largest index.
    """
    last = max(int(key.split(".")[0]) for key in state)  # the numbers, not the strings
    return {
        key: torch.zeros_like(value) if int(key.split(".")[0]) == last else value.clone()
        for key, value in state.items()
    }


def trainable_parameter_names(names: list[str], freeze_spatial: bool) -> list[str]:
    """The parameter names that train, in the given order.

    Every name when ``freeze_spatial`` is False; else only the temporal layers': a name with a
    dotted part that starts with ``"temporal"`` (``down.0.temporal_attn.attn.out.weight``).
    """
    if not freeze_spatial:
        return list(names)
    return [n for n in names if any(part.startswith("temporal") for part in n.split("."))]


def compare_arms(a: list[float], b: list[float], lower_is_better: bool) -> dict:
    """Two arms' scores over seeds: each arm's mean and (min, max), and a verdict.

    ``verdict`` is ``"tie"`` when the two ranges overlap (touching counts), else the arm whose
    mean is better (``"a"`` or ``"b"``).
    """
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    range_a, range_b = (min(a), max(a)), (min(b), max(b))
    if max(range_a[0], range_b[0]) <= min(range_a[1], range_b[1]):
        verdict = "tie"
    elif (mean_a < mean_b) == lower_is_better:
        verdict = "a"
    else:
        verdict = "b"
    return {"mean_a": mean_a, "mean_b": mean_b, "range_a": range_a, "range_b": range_b,
            "verdict": verdict}
