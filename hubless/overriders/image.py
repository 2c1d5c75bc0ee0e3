"""imageOverrider: rewrite the registry, repository or tag of container images.

Without a predicate: every entry of `containers` (not initContainers) of a Pod,
ReplicaSet, Deployment, DaemonSet, StatefulSet or Job; other kinds are left alone. With
`predicate.path`: the string at that `/`-separated path, where a list segment takes the
next segment as its index. Each change is a `replace` of the whole image.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from hubless.imageref import ImageReference, InvalidReference
from hubless.model import ImageOverrider
from hubless.overriders.containers import containers
from hubless.overriders.failure import OverrideFailure
from hubless.overriders.jsonpatch_v5 import Operation, apply_patch


def rewrite(image: str, overrider: ImageOverrider) -> str:
    try:
        return _rewrite(image, overrider.component, overrider.operator, overrider.value)
    except InvalidReference as exc:
        raise OverrideFailure(f"cannot parse image {image!r}: {exc}", overrider.source) from None


@functools.lru_cache(maxsize=1 << 14)
def _rewrite(image: str, component: str, operator: str, value: str) -> str:
    # Cached: every cluster's copy of a workload asks for the same rewrite.
    reference = ImageReference.parse(image)
    if component == "Registry":
        if operator == "add":
            reference.hostname += value
        elif operator == "replace":
            reference.hostname = value
        else:
            reference.hostname = ""
    elif component == "Repository":
        if operator == "add":
            reference.repository += value
        elif operator == "replace":
            reference.repository = value
        else:
            reference.repository = ""
    elif operator == "add":
        reference.set_tag_or_digest(reference.tag_or_digest + value)
    elif operator == "replace":
        reference.set_tag_or_digest(value)
    else:
        reference.remove_tag_or_digest()
    return str(reference)


def _value_at(body: dict[str, Any], path: str, overrider: ImageOverrider) -> str:
    segments = path.strip("/").split("/")
    current: Any = body
    index = 0
    while index < len(segments) - 1:
        value = current.get(segments[index]) if isinstance(current, dict) else None
        if isinstance(value, dict):
            current = value
        elif isinstance(value, list):
            position = segments[index + 1]
            if not position.lstrip("-").isdigit() or not 0 <= int(position) < len(value):
                raise OverrideFailure(
                    f"predicate path {path}: {position!r} is not an index", overrider.source
                )
            current = value[int(position)]
            index += 1
        else:
            raise OverrideFailure(
                f"predicate path {path}: {segments[index]!r} is not a map or list", overrider.source
            )
        index += 1
    image = current.get(segments[-1]) if isinstance(current, dict) else None
    if not isinstance(image, str):
        raise OverrideFailure(f"predicate path {path} is not a string", overrider.source)
    return image


def apply(body: dict[str, Any], overriders: Sequence[ImageOverrider]) -> dict[str, Any]:
    for overrider in overriders:
        operations: list[Operation] = []
        if overrider.predicate_path is None:
            found = containers(body)
            if found is None:
                continue
            pointer, items = found
            for index, container in enumerate(items):
                image = container.get("image", "") if isinstance(container, dict) else ""
                new = rewrite(image if isinstance(image, str) else "", overrider)
                operations.append(("replace", f"{pointer}/{index}/image", new, overrider.source))
        else:
            image = _value_at(body, overrider.predicate_path, overrider)
            new = rewrite(image, overrider)
            operations.append(("replace", overrider.predicate_path, new, overrider.source))
        body = apply_patch(body, operations)
    return body
