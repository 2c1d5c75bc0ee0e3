"""plaintext: the entries of one rule form one RFC 6902 JSON patch.

RFC 6902 applies operations in sequence and the whole (resource, cluster) fails when any
one fails, so each operation is applied in turn: the error can then name the entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import jsonpatch
import jsonpointer

from generator.jsonvalue import deep_copy
from generator.model import PlaintextOverrider
from generator.overriders.failure import OverrideFailure

_IN_DOCUMENT = re.compile(r" in [\[{].*\Z", re.DOTALL)


def apply(body: dict[str, Any], overriders: Sequence[PlaintextOverrider]) -> dict[str, Any]:
    result: Any = body
    for overrider in overriders:
        operation: dict[str, Any] = {"op": overrider.operator, "path": overrider.path}
        if overrider.operator != "remove":
            # Copied: the same policy value must not be shared between clusters' objects.
            operation["value"] = deep_copy(overrider.value)
        try:
            result = jsonpatch.JsonPatch([operation]).apply(result, in_place=True)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            # jsonpointer appends the whole document to its message: keep only the reason.
            reason = _IN_DOCUMENT.sub("", str(exc))
            raise OverrideFailure(
                f"{overrider.operator} {overrider.path}: {reason}", overrider.source
            ) from None
    if not isinstance(result, dict):
        raise OverrideFailure("the patch must leave an object", overriders[-1].source)
    return result
