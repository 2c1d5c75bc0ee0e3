"""plaintext: the entries of one rule form one RFC 6902 JSON patch (evanphx v5 semantics).

RFC 6902 applies operations in sequence and the whole (resource, cluster) fails when any
one fails, so applying them in turn is the same patch, and the error can name the entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubless.model import PlaintextOverrider
from hubless.overriders.failure import OverrideFailure
from hubless.overriders.jsonpatch_v5 import apply_patch


def apply(body: dict[str, Any], overriders: Sequence[PlaintextOverrider]) -> dict[str, Any]:
    result = apply_patch(body, [(o.operator, o.path, o.value, o.source) for o in overriders])
    if not isinstance(result, dict):
        raise OverrideFailure("the patch must leave an object", overriders[-1].source)
    return result
