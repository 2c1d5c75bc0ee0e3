"""JSON-like values (dicts, lists, scalars) as loaded from YAML."""

from __future__ import annotations

from typing import Any


def deep_copy(value: Any) -> Any:
    """A copy sharing nothing mutable; several times faster than copy.deepcopy for
    the plain dicts, lists and scalars that objects are made of."""
    if isinstance(value, dict):
        return {key: deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [deep_copy(item) for item in value]
    return value
