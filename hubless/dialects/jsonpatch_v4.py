"""RFC 6902 patches of a member object with the semantics of evanphx/json-patch v4.

Kubefed's sync applies a cluster's clusterOverrides with that package, and KubeAdmiral's
sync controller (a fork of Kubefed's) applies its override patches with it too, so both
dialects use this engine. It differs from RFC 6902 and from v5 (Karmada's engine,
`hubless.overriders.jsonpatch_v5`): `replace` of a missing object member adds it,
negative array indices count from the end, a path is read from its second token (so one
without a leading `/` starts at the root), `move` and `copy` are refused (neither
controller's patches have a `from` field), a missing parent or a `remove` of a missing
member fails. The patched document is then decoded as a Kubernetes object, which needs a
kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hubless import pointer
from hubless.jsonvalue import deep_copy

# Both sync controllers refuse patches at these paths: they tie the member object to its
# source, so patching them would make the member another object.
FORBIDDEN_PATHS = frozenset(
    {"/metadata/namespace", "/metadata/name", "/metadata/generateName", "/kind"}
)


@dataclass(frozen=True)
class Patch:
    """One JSON-patch operation as the controllers store it; an empty `op` means replace."""

    op: str
    path: str
    value: Any = field(default=None, hash=False)


class PatchError(Exception):
    """A patch does not apply; the message names the operation, its path and why."""


class _Missing(Exception):
    pass


def _index(token: str, size: int) -> int:
    """A list position as the patch library reads it: a decimal integer (sign allowed),
    negative counting from the end, below `size`."""
    if not re.fullmatch(r"[+-]?[0-9]+", token):
        raise _Missing(f"{token!r} is not a list index")
    index = int(token)
    if index >= size or index < -size:
        raise _Missing(f"index {index} is out of range")
    return index + size if index < 0 else index


def _parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any] | list[Any], str]:
    tokens = path.split("/")
    if len(tokens) < 2:
        raise _Missing("the path has no /")
    # The first token is skipped unread, so a path without a leading / starts at the root.
    current: dict[str, Any] | list[Any] = document
    for raw in tokens[1:-1]:
        token = pointer.unescape(raw)
        if isinstance(current, dict):
            child = current.get(token)
        else:
            child = current[_index(token, len(current))]
        if not isinstance(child, dict | list):
            raise _Missing(f"{token!r} is missing or not an object or list")
        current = child
    return current, pointer.unescape(tokens[-1])


def _json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_json_equal(left[k], right[k]) for k in left)
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def _apply_one(document: dict[str, Any], patch: Patch) -> None:
    op = patch.op or "replace"
    if op in ("move", "copy"):
        raise _Missing("KubeAdmiral's patches have no 'from' field")
    if op not in ("add", "remove", "replace", "test"):
        raise _Missing("unknown operation")
    parent, key = _parent(document, patch.path)
    if isinstance(parent, dict):
        if op == "remove":
            if key not in parent:
                raise _Missing(f"no member {key!r} to remove")
            del parent[key]
        elif op == "test":
            if not _json_equal(parent.get(key), patch.value):
                raise _Missing("test failed")
        else:
            # replace of a missing member adds it, like add
            parent[key] = deep_copy(patch.value)
        return
    if op == "add":
        if key == "-":
            parent.append(deep_copy(patch.value))
        else:
            parent.insert(_index(key, len(parent) + 1), deep_copy(patch.value))
        return
    index = _index(key, len(parent))
    if op == "remove":
        del parent[index]
    elif op == "replace":
        parent[index] = deep_copy(patch.value)
    elif not _json_equal(parent[index], patch.value):
        raise _Missing("test failed")


def apply_patch(document: dict[str, Any], patches: Iterable[Patch]) -> None:
    """Apply the patches in order, in place; `document` may be left half patched when a
    PatchError is raised. The result must still be a Kubernetes object (have a kind)."""
    for patch in patches:
        try:
            _apply_one(document, patch)
        except _Missing as exc:
            raise PatchError(f"{patch.op or 'replace'} {patch.path}: {exc}") from None
    # The result is read back as a Kubernetes object, which needs a kind.
    kind = document.get("kind")
    if not isinstance(kind, str) or not kind:
        raise PatchError("the patched object has no kind")
