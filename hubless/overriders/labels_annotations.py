"""labelsOverrider / annotationsOverrider: the object's own metadata.labels/annotations.

`add` sets a key (creating the map when missing, overwriting an existing key), `replace`
sets it only when the key exists, `remove` deletes it only when it exists. A missing key
is never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubless.model import LabelAnnotationOverrider


def apply_to(
    field: str, body: dict[str, Any], overriders: Sequence[LabelAnnotationOverrider]
) -> dict[str, Any]:
    for overrider in overriders:
        metadata = body.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            continue
        current = metadata.get(field)
        if overrider.operator == "add":
            if not isinstance(current, dict):
                current = metadata[field] = {}
            for key, value in overrider.values:
                current[key] = value
        elif isinstance(current, dict):
            for key, value in overrider.values:
                if key not in current:
                    continue
                if overrider.operator == "replace":
                    current[key] = value
                else:
                    del current[key]
    return body


def apply_labels(
    body: dict[str, Any], overriders: Sequence[LabelAnnotationOverrider]
) -> dict[str, Any]:
    return apply_to("labels", body, overriders)


def apply_annotations(
    body: dict[str, Any], overriders: Sequence[LabelAnnotationOverrider]
) -> dict[str, Any]:
    return apply_to("annotations", body, overriders)
