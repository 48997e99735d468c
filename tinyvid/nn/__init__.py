"""Building blocks of tinyvid's video models (see README.md in this folder)."""

from tinyvid.nn.cond import Cond

__all__ = ["Cond"]
