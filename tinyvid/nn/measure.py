"""What a forward pass costs: FLOPs, parameters, peak activation memory.

Used by the lessons' "full 3D vs factorized attention" and "3D vs (2+1)D conv" plots and by
``python -m tinyvid bench blocks``.

- FLOPs: ``torch.utils.flop_counter.FlopCounterMode`` (a multiply-add counts 2). PyTorch's
  CPU attention kernel (``_scaled_dot_product_flash_attention_for_cpu``) has no formula in the
  counter, so we register the same one the GPU kernels use (``4·B·heads·L_q·L_k·d``; a causal
  mask is counted as full, as PyTorch does).
- Peak activation memory: the most bytes of tensor storage alive at once among tensors created
  *during* the forward pass (parameters and inputs excluded), measured under ``torch.no_grad``
  by a ``TorchDispatchMode`` that sees every ATen op's outputs and watches when they are freed.
  It works the same on CPU and GPU; it does not see scratch buffers a fused kernel allocates
  and frees internally (e.g. inside the attention kernel), so it is a lower bound on what the
  allocator reports. Training needs more: autograd keeps activations for the backward pass.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten
from torch.utils.flop_counter import FlopCounterMode, sdpa_backward_flop_count, sdpa_flop_count

aten = torch.ops.aten


def _cpu_sdpa_flop(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    return sdpa_flop_count(query_shape, key_shape, value_shape)


def _cpu_sdpa_backward_flop(grad_out_shape, query_shape, key_shape, value_shape, *args, **kwargs):
    return sdpa_backward_flop_count(grad_out_shape, query_shape, key_shape, value_shape)


CPU_ATTENTION_FLOPS = {
    aten._scaled_dot_product_flash_attention_for_cpu: _cpu_sdpa_flop,
    aten._scaled_dot_product_flash_attention_for_cpu_backward: _cpu_sdpa_backward_flop,
}


@dataclass
class Cost:
    flops: int  # floating-point operations of one forward (multiply-add = 2)
    params: int  # number of parameters
    peak_activation_bytes: int  # see the module docstring for how this is measured

    def __str__(self) -> str:
        return (
            f"{self.flops / 1e9:.3f} GFLOP, {self.params / 1e6:.3f} M params, "
            f"{self.peak_activation_bytes / 2**20:.1f} MiB peak activations"
        )


class _LiveTensorBytes(TorchDispatchMode):
    """Tracks bytes of storage created by ATen ops and still referenced; keeps the peak."""

    def __init__(self, exclude: set[int]):
        super().__init__()
        self.exclude = exclude  # data pointers of parameters, buffers and inputs
        self.counts: dict[int, list[int]] = {}  # data_ptr -> [nbytes, live tensors]
        self.live = 0
        self.peak = 0

    def _release(self, key: int) -> None:
        entry = self.counts.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            self.live -= entry[0]
            del self.counts[key]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            key = storage.data_ptr()
            if key == 0 or key in self.exclude:
                continue
            if key not in self.counts:
                self.counts[key] = [storage.nbytes(), 0]
                self.live += storage.nbytes()
                self.peak = max(self.peak, self.live)
            self.counts[key][1] += 1
            weakref.finalize(t, self._release, key)
        return out


def count_flops(model: torch.nn.Module, *example_inputs, **kwargs) -> int:
    """FLOPs of ``model(*example_inputs, **kwargs)`` under ``torch.no_grad``."""
    with torch.no_grad(), FlopCounterMode(display=False, custom_mapping=CPU_ATTENTION_FLOPS) as fc:
        model(*example_inputs, **kwargs)
    return fc.get_total_flops()


def peak_activation_bytes(model: torch.nn.Module, *example_inputs, **kwargs) -> int:
    """Peak bytes of tensors alive during ``model(*example_inputs, **kwargs)`` (no grad)."""
    leaves = tree_flatten((example_inputs, kwargs))[0]
    tensors = [*model.parameters(), *model.buffers()]
    tensors += [x for x in leaves if isinstance(x, torch.Tensor)]
    for x in leaves:  # dataclasses such as Cond
        tensors += [v for v in getattr(x, "__dict__", {}).values() if isinstance(v, torch.Tensor)]
    exclude = {t.untyped_storage().data_ptr() for t in tensors}
    mode = _LiveTensorBytes(exclude)
    with torch.no_grad(), mode:
        out = model(*example_inputs, **kwargs)
    del out
    return mode.peak


def cost(model: torch.nn.Module, *example_inputs, **kwargs) -> Cost:
    """FLOPs, parameter count and peak activation bytes of one forward of ``model``.

    >>> cost(SpatialAttention(64), torch.randn(1, 16, 64, 8, 8))  # doctest: +SKIP
    """
    return Cost(
        flops=count_flops(model, *example_inputs, **kwargs),
        params=sum(p.numel() for p in model.parameters()),
        peak_activation_bytes=peak_activation_bytes(model, *example_inputs, **kwargs),
    )
