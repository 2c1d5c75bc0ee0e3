"""RFC 6902 patches with the semantics of evanphx/json-patch v5, which Karmada uses.

The jsonpatch library already replaces an existing member on `add`, fails `add` under a
missing parent and `replace`/`remove` of a missing member, and appends on `-`. What it
lacks is v5's negative array indices: -1 is the last element (for `add`, -1 inserts at
the end). Such indices are resolved here before the operation is handed on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jsonpatch
import jsonpointer

from hubless import pointer
from hubless.errors import Source
from hubless.jsonvalue import deep_copy
from hubless.overriders.failure import OverrideFailure

_IN_DOCUMENT = re.compile(r" in [\[{].*\Z", re.DOTALL)
_NEGATIVE = re.compile(r"-[0-9]+")


def _resolve_negative(document: Any, path: str, operator: str) -> str:
    if "/-" not in path:
        return path
    tokens = path.split("/")[1:]
    current = document
    resolved = []
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        if isinstance(current, list) and _NEGATIVE.fullmatch(token):
            size = len(current) + (1 if last and operator == "add" else 0)
            index = int(token)
            if index < -size:
                raise OverrideFailure(f"{operator} {path}: index {index} out of range")
            token = str(index + size)
        resolved.append(token)
        if last:
            break
        if isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        elif isinstance(current, dict):
            current = current.get(pointer.unescape(token))
        else:
            break
    return "/" + "/".join(resolved)


# (operator, path, value, the policy entry it comes from)
Operation = tuple[str, str, Any, Source | None]


def apply_patch(document: Any, operations: Sequence[Operation]) -> Any:
    """Apply the operations in order; an OverrideFailure names the entry of the one
    that failed."""
    result = document
    for operator, path, value, source in operations:
        try:
            resolved = _resolve_negative(result, path, operator)
        except OverrideFailure as exc:
            exc.source = source
            raise
        operation: dict[str, Any] = {"op": operator, "path": resolved}
        if operator != "remove":
            # Copied: the same policy value must not be shared between clusters' objects.
            operation["value"] = deep_copy(value)
        try:
            result = jsonpatch.JsonPatch([operation]).apply(result, in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            # jsonpointer appends the whole document to its message: keep only the reason.
            reason = _IN_DOCUMENT.sub("", str(exc))
            raise OverrideFailure(f"{operator} {path}: {reason}", source) from None
    return result
