"""Compare a learner's answer with the reference and say *what* differs.

A comparison returns ``None`` when the answer is accepted, else a list of ``(label, text)``
lines for the report (first line: the problem in one sentence). Tensors are compared with
``torch.allclose``-style tolerances, ``|got - expected| <= atol + rtol * |expected|``,
after checking type, shape and dtype; ints and bools exactly; floats with the same tolerances;
tuples, lists and dicts element by element.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import torch

Lines = list[tuple[str, str]]


def describe(value: Any) -> str:
    """Short description of a value: ``Tensor[2, 5, 1, 8, 8] float32`` or ``int 40``."""
    if isinstance(value, torch.Tensor):
        return f"Tensor{list(value.shape)} {str(value.dtype).removeprefix('torch.')}"
    if isinstance(value, (bool, int, float)):
        return f"{type(value).__name__} {value!r}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe(v) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"{type(value).__name__} of {len(value)} ({inner})"
    if value is None:
        return "None"
    text = repr(value)
    return f"{type(value).__module__}.{type(value).__qualname__}" if len(text) > 60 else text


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _few(t: torch.Tensor, n: int = 6) -> str:
    flat = t.detach().flatten()[:n].tolist()
    body = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat)
    return f"[{body}{', ...' if t.numel() > n else ''}]"


def _as_plain(value: Any) -> Any:
    """A NumPy scalar or array, or a one-value tensor, as the plain Python/torch value it holds."""
    if type(value).__module__ == "numpy":
        if hasattr(value, "shape") and value.shape != ():
            try:
                return torch.from_numpy(value.copy())
            except TypeError:  # an array torch cannot hold (e.g. of objects)
                return value
        return value.item() if hasattr(value, "item") else value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dim() == 0:
        return value.item()
    return value


def _same_value(expected: Any, got: Any) -> bool:
    """Whether ``got`` holds the expected value in another type (numpy.int64 for int, 40.0 for 40)."""
    plain = _as_plain(got)
    try:
        if isinstance(expected, torch.Tensor):
            return (
                isinstance(plain, torch.Tensor)
                and plain.shape == expected.shape
                and bool(torch.allclose(plain.double(), expected.double(), rtol=1e-4, atol=1e-5))
            )
        if isinstance(expected, (bool, int, float)) and isinstance(plain, (bool, int, float)):
            return plain == expected
    except Exception:
        return False
    return False


def _type_advice(expected: Any, got: Any) -> str:
    if isinstance(expected, torch.Tensor):
        return "convert with torch.from_numpy(...), or stay in torch and skip .numpy()"
    if isinstance(got, torch.Tensor):
        return "a 0-d tensor is not a number: use .item()"
    if isinstance(expected, int) and isinstance(_as_plain(got), float):
        return "your arithmetic made a float (/ or a float factor): use //, or int(...) at the end"
    name = type(expected).__name__
    return f"NumPy returns its own scalar types: convert with {name}(...), or use math.prod / Python arithmetic"


def _wrong_type(expected: Any, got: Any, where: str) -> Lines:
    types = f"expected {_type_name(expected)}, got {_type_name(got)}"
    if got is not None and _same_value(expected, got):
        problem = f"right value, wrong type{where}: {types} ({_type_advice(expected, got)})"
    else:
        hint = ""
        if got is None:
            hint = " (did you forget to `return` the result?)"
        elif isinstance(expected, torch.Tensor) and type(got).__module__.startswith("numpy"):
            hint = " (stay in torch: no .numpy(); or convert back with torch.from_numpy)"
        elif isinstance(expected, (int, float)) and isinstance(got, torch.Tensor):
            hint = " (a 0-d tensor is not a number: use .item())"
        problem = f"wrong type{where}: {types}{hint}"
    return [("problem", problem), ("expected", describe(expected)), ("got", describe(got))]


@dataclass(frozen=True)
class Close:
    """Accept answers within ``atol + rtol * |expected|``; dtypes must match unless told."""

    atol: float = 1e-5
    rtol: float = 1e-4
    check_dtype: bool = True

    def describe(self) -> str:
        if self.atol == 0 and self.rtol == 0:
            return "exact equality"
        return f"atol={self.atol:g}, rtol={self.rtol:g}"

    def __call__(self, expected: Any, got: Any) -> Lines | None:
        return self._compare(expected, got, "")

    # one method per kind of value; `where` names the position inside containers, e.g. "[1]"
    def _compare(self, expected: Any, got: Any, where: str) -> Lines | None:
        for kind, method in (
            (torch.Tensor, self._tensor),
            (bool, self._bool),  # before int: a bool is an int to isinstance
            (int, self._int),
            (float, self._float),
            ((tuple, list), self._sequence),
            (dict, self._mapping),
        ):
            if isinstance(expected, kind):
                return method(expected, got, where)
        if type(got) is not type(expected):
            return _wrong_type(expected, got, where)
        return self._equal(expected, got, where)

    def _equal(self, expected, got, where) -> Lines | None:
        return None if got == expected else self._value_lines(expected, got, where)

    def _bool(self, expected: bool, got: Any, where: str) -> Lines | None:
        if not isinstance(got, bool):
            return _wrong_type(expected, got, where)
        return self._equal(expected, got, where)

    def _int(self, expected: int, got: Any, where: str) -> Lines | None:
        if isinstance(got, bool) or not isinstance(got, int):
            return _wrong_type(expected, got, where)
        return self._equal(expected, got, where)

    def _float(self, expected: float, got: Any, where: str) -> Lines | None:
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return _wrong_type(expected, got, where)
        if math.isnan(got) and not math.isnan(expected):
            return [("problem", f"got NaN{where}"), ("expected", repr(expected))]
        if math.isclose(got, expected, rel_tol=self.rtol, abs_tol=self.atol):
            return None
        return self._value_lines(expected, got, where)

    def _sequence(self, expected: tuple | list, got: Any, where: str) -> Lines | None:
        if not isinstance(got, (tuple, list)):
            return _wrong_type(expected, got, where)
        if len(got) != len(expected):
            return [
                (
                    "problem",
                    f"wrong length{where}: expected {len(expected)} items, got {len(got)}",
                ),
                ("expected", describe(expected)),
                ("got", describe(got)),
            ]
        return self._items(((f"{where}[{i}]", e, g) for i, (e, g) in enumerate(zip(expected, got))))

    def _mapping(self, expected: dict, got: Any, where: str) -> Lines | None:
        if not isinstance(got, dict):
            return _wrong_type(expected, got, where)
        if set(got) != set(expected):
            return [
                ("problem", f"wrong keys{where}"),
                ("expected", repr(sorted(expected, key=str))),
                ("got", repr(sorted(got, key=str))),
            ]
        return self._items((f"{where}[{key!r}]", expected[key], got[key]) for key in expected)

    def _items(self, items) -> Lines | None:
        """The first difference among ``(where, expected, got)`` items, or ``None``."""
        for where, e, g in items:
            lines = self._compare(e, g, where)
            if lines:
                return lines
        return None

    def _value_lines(self, expected, got, where) -> Lines:
        return [
            ("problem", f"wrong value{where}"),
            ("expected", repr(expected)),
            ("got", repr(got)),
        ]

    def _tensor(self, expected: torch.Tensor, got: Any, where: str) -> Lines | None:
        if not isinstance(got, torch.Tensor):
            return _wrong_type(expected, got, where)
        header = [("expected", describe(expected)), ("got", describe(got))]
        if got.shape != expected.shape:
            problem = f"wrong shape{where}: expected {list(expected.shape)}, got {list(got.shape)}"
            if got.numel() == expected.numel():
                if sorted(got.shape) == sorted(expected.shape):
                    problem += " (same sizes in another order: axes swapped or transposed?)"
                else:
                    problem += " (same number of values: reshaped or flattened differently?)"
            elif got.dim() != expected.dim():
                problem += f" ({got.dim()} axes instead of {expected.dim()})"
            return [("problem", problem), *header]
        if self.check_dtype and got.dtype != expected.dtype:
            right = Close(self.atol, self.rtol, check_dtype=False)._tensor(
                expected, got.to(expected.dtype), where
            )
            note = " (the values are right: convert with .to(...))" if right is None else ""
            return [
                ("problem", f"wrong dtype{where}: expected {expected.dtype}, got {got.dtype}{note}"),
                *header,
            ]
        if got.device != expected.device:
            return [
                ("problem", f"wrong device{where}: expected {expected.device}, got {got.device}"),
                *header,
            ]
        if expected.dtype == torch.bool or not (
            expected.is_floating_point() or expected.is_complex()
        ):
            bad = got.to(expected.dtype) != expected
        else:
            e = expected.detach().to(torch.float64)
            g = got.detach().to(torch.float64)
            exp_nan = torch.isnan(e)
            if (torch.isnan(g) & ~exp_nan).any():
                n = int((torch.isnan(g) & ~exp_nan).sum())
                first = _index(torch.isnan(g) & ~exp_nan)
                return [
                    (
                        "problem",
                        f"NaN in your output{where}: {n} of {g.numel()} values, first at {first}",
                    ),
                    *header,
                    (
                        "hint",
                        "NaN comes from 0/0, log of 0 or negative, sqrt of negative, or inf - inf",
                    ),
                ]
            if (torch.isinf(g) & ~torch.isinf(e)).any():
                first = _index(torch.isinf(g) & ~torch.isinf(e))
                return [("problem", f"inf in your output{where}, first at {first}"), *header]
            diff = (g - e).abs()
            bad = (diff > self.atol + self.rtol * e.abs()) & ~(exp_nan & torch.isnan(g))
            bad |= exp_nan & ~torch.isnan(g)
            if not bad.any():
                return None
            worst = _index(diff.nan_to_num(float("inf")) == diff.nan_to_num(float("inf")).max())
            n_bad = int(bad.sum())
            within = "differ" if self.atol == self.rtol == 0 else f"outside {self.describe()}"
            return [
                (
                    "problem",
                    f"wrong values{where}: {n_bad} of {bad.numel()} {within}; "
                    f"max abs error {diff.nan_to_num(float('inf')).max().item():.3g} at {worst}",
                ),
                *header,
                ("expected values", _few(expected)),
                ("your values", _few(got)),
                (f"at {worst}", f"expected {_item(expected, worst)}, got {_item(got, worst)}"),
            ]
        if not bad.any():
            return None
        first = _index(bad)
        return [
            (
                "problem",
                f"wrong values{where}: {int(bad.sum())} of {bad.numel()} differ, first at {first}",
            ),
            *header,
            ("expected values", _few(expected)),
            ("your values", _few(got)),
        ]


def _index(mask: torch.Tensor) -> list[int]:
    if mask.dim() == 0:
        return []
    return [int(i) for i in mask.nonzero()[0]]


def _item(t: torch.Tensor, index: list[int]) -> str:
    v = t[tuple(index)].item() if index else t.item()
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def exact() -> Close:
    """Exact equality (ints, bools, index tensors, permutations of values)."""
    return Close(atol=0.0, rtol=0.0)


def find_mutation(before: Any, after: Any, where: str = "") -> str | None:
    """Name the first input that changed during the call (``None`` if none did)."""
    if isinstance(before, torch.Tensor):
        if not isinstance(after, torch.Tensor) or after.shape != before.shape:
            return where or "input"
        same = (
            (after == before) | (torch.isnan(after) & torch.isnan(before))
            if before.is_floating_point()
            else after == before
        )
        return None if bool(same.all()) else (where or "input")
    if isinstance(before, (tuple, list)):
        if not isinstance(after, (tuple, list)) or len(after) != len(before):
            return where or "input"
        for i, (b, a) in zip(itertools.count(), zip(before, after)):
            found = find_mutation(b, a, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(after) != set(before):
            return where or "input"
        for key in before:
            found = find_mutation(before[key], after[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    try:
        return None if before == after else (where or "input")
    except Exception:  # objects without a meaningful == are not checked
        return None
