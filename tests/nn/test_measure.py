"""Cost accounting: FLOPs (attention included on CPU), parameters, peak activation memory."""

from __future__ import annotations

import torch
from torch import nn

from tinyvid.nn import SpatialAttention, cost


def test_linear_flops_params_and_peak_memory_are_exact():
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 16))
    x = torch.randn(10, 32)
    c = cost(model, x)
    assert c.flops == 2 * 10 * (32 * 64 + 64 * 16)
    assert c.params == 32 * 64 + 64 + 64 * 16 + 16
    # at most the first linear's and the ReLU's outputs are alive together: 2 * 10*64 floats
    assert 10 * 64 * 4 <= c.peak_activation_bytes <= 2 * 10 * 64 * 4 + 10 * 16 * 4


def test_attention_flops_are_counted_on_cpu():
    block = SpatialAttention(16, heads=2)
    x = torch.randn(1, 2, 16, 4, 4)  # 2 frames of 16 tokens
    linear = 2 * 2 * 16 * (16 * 48 + 16 * 16)  # qkv and output projections
    attention = 2 * 4 * 2 * 16 * 16 * 8  # 2 frames · 2 heads: q kᵀ and weights · v, d = 8
    assert cost(block, x).flops == linear + attention
