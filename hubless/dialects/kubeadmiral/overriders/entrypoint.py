"""The `command` and `args` overriders: one `replace` per touched container list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.overriders.model import (
    APPEND,
    DELETE,
    OVERWRITE,
    EntrypointOverrider,
    KubeAdmiralOverrideError,
)
from hubless.dialects.kubeadmiral.overriders.podspec import find_container, pod_spec


def _override_entrypoint(
    current: list[str] | None, overrider: EntrypointOverrider, where: str
) -> list[str] | None:
    if overrider.operator == APPEND:
        if not overrider.value:
            raise KubeAdmiralOverrideError(f"{where}: append needs a non-empty value")
        return [*(current or []), *overrider.value]
    if overrider.operator == OVERWRITE:
        return list(overrider.value)
    if overrider.operator == DELETE:
        kept = [item for item in current or [] if item not in overrider.value]
        return kept or None  # nothing left is written as null
    hint = "" if overrider.operator else " (it must be set: append, overwrite or delete)"
    raise KubeAdmiralOverrideError(f"{where}: unsupported operator {overrider.operator!r}{hint}")


def entrypoint_patches(
    body: Mapping[str, Any], overriders: Sequence[EntrypointOverrider], target: str
) -> list[Patch]:
    if not overriders:
        return []
    pointer, containers = pod_spec(body, target)
    values: dict[str, list[str] | None] = {}
    for position, overrider in enumerate(overriders):
        where = f"{target}[{position}]"
        container = find_container(containers, overrider.container_name)
        if container is None:
            continue  # no such container: the entry does nothing
        path = container.path(pointer, target)
        current = values.get(path, container.command if target == "command" else container.args)
        values[path] = _override_entrypoint(current, overrider, where)
    return [Patch("replace", path, values[path]) for path in sorted(values)]
