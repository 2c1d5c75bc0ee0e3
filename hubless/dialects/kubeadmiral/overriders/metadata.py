"""The `annotations` and `labels` overriders: one `replace` of the whole map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.overriders.model import (
    ADD_IF_ABSENT,
    DELETE,
    OVERWRITE,
    KubeAdmiralOverrideError,
    StringMapOverrider,
)


def _metadata_map(body: Mapping[str, Any], target: str) -> dict[str, str]:
    # A missing map, or one that is not all strings, reads as empty (and is then replaced).
    metadata = body.get("metadata")
    found = metadata.get(target) if isinstance(metadata, Mapping) else None
    if not isinstance(found, Mapping) or not all(isinstance(v, str) for v in found.values()):
        return {}
    return dict(found)


def _override_string_map(
    current: dict[str, str], overrider: StringMapOverrider, where: str
) -> dict[str, str]:
    operator = overrider.operator or OVERWRITE
    if operator == ADD_IF_ABSENT:
        if not overrider.value:
            raise KubeAdmiralOverrideError(f"{where}: addIfAbsent needs a value")
        for key in overrider.value:
            if key in current:
                raise KubeAdmiralOverrideError(
                    f"{where}: addIfAbsent cannot change the existing key {key!r}"
                )
        current.update(overrider.value)
    elif operator == OVERWRITE:
        # Only keys already there change; none is added.
        for key, value in overrider.value.items():
            if key in current:
                current[key] = value
    elif operator == DELETE:
        for key in overrider.value:
            current.pop(key, None)
    # Any other operator does nothing.
    return current


def string_map_patches(
    body: Mapping[str, Any], overriders: Sequence[StringMapOverrider], target: str
) -> list[Patch]:
    if not overriders:
        return []
    current = _metadata_map(body, target)
    for position, overrider in enumerate(overriders):
        current = _override_string_map(current, overrider, f"{target}[{position}]")
    return [Patch("replace", f"/metadata/{target}", current)]
