"""Go's arithmetic where the Go control planes' results depend on it.

KubeAdmiral and Kubefed order clusters and split replicas with Go's integer division
(which truncates toward zero, where Python's `//` floors), Go's `math.Round` (halves away
from zero, where Python's `round` goes to even) and Go's `hash/fnv.New32`. Both dialects'
planners use this one copy.
"""

from __future__ import annotations

import math

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193
_UINT32 = 0xFFFFFFFF


def cluster_hash(cluster: str, key: str) -> int:
    """32-bit FNV-1 of the UTF-8 bytes of `cluster` then `key`: the tie-break between equal
    weights (Go's `hash/fnv.New32`, which is FNV-1: multiply, then xor)."""
    value = _FNV32_OFFSET
    for byte in (cluster + key).encode("utf-8"):
        value = ((value * _FNV32_PRIME) & _UINT32) ^ byte
    return value


def go_div(a: int, b: int) -> int:
    """Go's integer division, which truncates toward zero."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b > 0) else -quotient


def go_round(x: float) -> int:
    """Go's math.Round: halves away from zero (Python's round() goes to even)."""
    whole = math.trunc(x)
    if abs(x - whole) >= 0.5:  # exact: x - trunc(x) never rounds
        whole += 1 if x > 0 else -1
    return whole
