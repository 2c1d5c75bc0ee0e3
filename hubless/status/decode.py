"""Fields of a live object read as Kubernetes' Go types decode them.

Karmada decodes what a cluster reports into typed Go structs before judging it: a missing
field is the type's zero value (0, "", an empty list) and a field of the wrong type fails
the decoding. These readers do the same on the JSON objects `kubectl get -o json` prints;
`Malformed` is the failed decoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Malformed(Exception):
    """A field has a type the object's schema does not allow."""


def as_map(value: Any) -> Mapping[str, Any]:
    """A map, {} for a missing one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Malformed
    return value


def field(obj: Mapping[str, Any], *path: str) -> Any:
    """The value at `path`, None when it or a map on the way is missing."""
    current: Any = obj
    for key in path:
        current = as_map(current).get(key)
        if current is None:
            return None
    return current


def optional_integer(obj: Mapping[str, Any], *path: str) -> int | None:
    value = field(obj, *path)
    if value is None:
        return None
    # bool is an int in Python, never in the API.
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed
    return value


def integer(obj: Mapping[str, Any], *path: str) -> int:
    value = optional_integer(obj, *path)
    return 0 if value is None else value


def optional_string(obj: Mapping[str, Any], *path: str) -> str | None:
    value = field(obj, *path)
    if value is not None and not isinstance(value, str):
        raise Malformed
    return value


def string(obj: Mapping[str, Any], *path: str) -> str:
    return optional_string(obj, *path) or ""


def maps(obj: Mapping[str, Any], *path: str) -> list[Mapping[str, Any]]:
    """A list of maps, [] for a missing one."""
    value = field(obj, *path)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed
    return [as_map(entry) for entry in value]
