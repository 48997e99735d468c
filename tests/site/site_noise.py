"""The in-browser generator's seeded noise (site/_static/generator.js), reproduced in Python.

mulberry32 uniforms and Box-Muller normals, in float64 as JavaScript computes them, then float32.
"""

from __future__ import annotations

import math

import numpy as np

M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & M32


def mulberry32(seed: int):
    a = seed & M32

    def rand() -> float:
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & M32) ^ t
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rand


def gaussian(n: int, seed: int) -> np.ndarray:
    rand = mulberry32(seed)
    out = np.empty(n, dtype=np.float32)
    for i in range(0, n, 2):
        u1 = 1 - rand()
        u2 = rand()
        r = math.sqrt(-2 * math.log(u1))
        out[i] = r * math.cos(2 * math.pi * u2)
        if i + 1 < n:
            out[i + 1] = r * math.sin(2 * math.pi * u2)
    return out
