"""The `envs` overriders: one `replace` per touched container's env list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.overriders.model import (
    ADD_IF_ABSENT,
    DELETE,
    OVERWRITE,
    EnvOverrider,
    KubeAdmiralOverrideError,
)
from hubless.dialects.kubeadmiral.overriders.podspec import find_container, pod_spec
from hubless.jsonvalue import deep_copy


def _override_env(
    current: list[dict[str, Any]] | None, overrider: EnvOverrider, where: str
) -> list[dict[str, Any]] | None:
    operator = overrider.operator or OVERWRITE
    if operator == ADD_IF_ABSENT and not overrider.value:
        raise KubeAdmiralOverrideError(f"{where}: addIfAbsent needs a value")
    envs = current
    # An unknown operator is only noticed while walking the values, so an empty list passes.
    for env in overrider.value:
        name = env["name"]
        if operator == ADD_IF_ABSENT:
            if any(item["name"] == name for item in envs or []):
                raise KubeAdmiralOverrideError(
                    f"{where}: addIfAbsent cannot change the existing variable {name!r}"
                )
            envs = [*(envs or []), deep_copy(env)]
        elif operator == OVERWRITE:
            # Only variables already there change, every one with that name; none is added.
            if envs is not None:
                envs = [deep_copy(env) if item["name"] == name else item for item in envs]
        elif operator == DELETE:
            if envs is not None and any(item["name"] == name for item in envs):
                envs = [item for item in envs if item["name"] != name] or None
        else:
            raise KubeAdmiralOverrideError(f"{where}: unsupported operator {operator!r}")
    return envs


def env_patches(body: Mapping[str, Any], overriders: Sequence[EnvOverrider]) -> list[Patch]:
    if not overriders:
        return []
    pointer, containers = pod_spec(body, "envs")
    values: dict[str, list[dict[str, Any]] | None] = {}
    for position, overrider in enumerate(overriders):
        where = f"envs[{position}]"
        container = find_container(containers, overrider.container_name)
        if container is None:
            continue  # no such container: the entry does nothing
        path = container.path(pointer, "env")
        current = values[path] if path in values else deep_copy(container.env)
        values[path] = _override_env(current, overrider, where)
    return [Patch("replace", path, values[path]) for path in sorted(values)]
