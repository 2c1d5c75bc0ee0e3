"""A rule's `overriders` read from a policy, checked as KubeAdmiral's CRD schema checks them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubless.dialects.kubeadmiral.overriders.model import (
    ENTRYPOINT_OPERATORS,
    IMAGE_COMPONENTS,
    MAP_OPERATORS,
    EntrypointOverrider,
    EnvOverrider,
    ImageOperation,
    ImageOverrider,
    JsonPatchOverrider,
    KubeAdmiralOverriders,
    StringMapOverrider,
)
from hubless.dialects.kubeadmiral.overriders.reader import POLICY, env_var
from hubless.jsonvalue import deep_copy


def _image_overrider(raw: Any, where: str) -> ImageOverrider:
    fields = POLICY.fields(
        raw, where, ("containerNames", "imagePath", "operations"), ("operations",)
    )
    operations = []
    for position, item in enumerate(POLICY.items(fields, "operations", where)):
        inner = f"{where}.operations[{position}]"
        operation = POLICY.fields(
            item, inner, ("imageComponent", "operator", "value"), ("imageComponent",)
        )
        operations.append(
            ImageOperation(
                POLICY.string(operation, "imageComponent", inner, IMAGE_COMPONENTS),
                POLICY.string(operation, "operator", inner, MAP_OPERATORS),
                POLICY.string(operation, "value", inner),
            )
        )
    return ImageOverrider(
        tuple(POLICY.strings(fields, "containerNames", where)),
        POLICY.string(fields, "imagePath", where),
        tuple(operations),
    )


def _entrypoint_overrider(raw: Any, where: str) -> EntrypointOverrider:
    allowed = ("containerName", "operator", "value")
    fields = POLICY.fields(raw, where, allowed, ("containerName", "value"))
    return EntrypointOverrider(
        POLICY.string(fields, "containerName", where),
        POLICY.string(fields, "operator", where, ENTRYPOINT_OPERATORS),
        tuple(POLICY.strings(fields, "value", where)),
    )


def _env_overrider(raw: Any, where: str) -> EnvOverrider:
    allowed = ("containerName", "operator", "value")
    fields = POLICY.fields(raw, where, allowed, ("containerName", "value"))
    return EnvOverrider(
        POLICY.string(fields, "containerName", where),
        POLICY.string(fields, "operator", where, MAP_OPERATORS),
        tuple(
            env_var(item, f"{where}.value[{position}]", POLICY)
            for position, item in enumerate(POLICY.items(fields, "value", where))
        ),
    )


def _string_map_overrider(raw: Any, where: str) -> StringMapOverrider:
    fields = POLICY.fields(raw, where, ("operator", "value"), ("value",))
    value = fields["value"]
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}.value: must be a map of strings")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ValueError(f"{where}.value.{key}: must be a string")
    return StringMapOverrider(POLICY.string(fields, "operator", where, MAP_OPERATORS), dict(value))


def _json_patch_overrider(raw: Any, where: str) -> JsonPatchOverrider:
    fields = POLICY.fields(raw, where, ("operator", "path", "value"), ("path",))
    return JsonPatchOverrider(
        POLICY.string(fields, "operator", where),
        POLICY.string(fields, "path", where),
        deep_copy(fields.get("value")),
    )


def parse_overriders(
    spec: Mapping[str, Any] | None, where: str = "overriders"
) -> KubeAdmiralOverriders:
    """A rule's `overriders`, checked as KubeAdmiral's CRD schema checks them (types,
    required fields, enums; unknown fields are rejected). Raises ValueError naming the field.

    What only the controller checks (an omitted command/args operator, addIfAbsent without a
    value, ...) is left to `rule_patches`, which fails like the controller does."""
    if spec is None:
        return KubeAdmiralOverriders()
    kinds = ("image", "command", "args", "envs", "annotations", "labels", "jsonpatch")
    fields = POLICY.fields(spec, where, kinds)

    def entries(key: str) -> list[tuple[Any, str]]:
        items = POLICY.items(fields, key, where)
        return [(item, f"{where}.{key}[{position}]") for position, item in enumerate(items)]

    return KubeAdmiralOverriders(
        image=tuple(_image_overrider(*entry) for entry in entries("image")),
        command=tuple(_entrypoint_overrider(*entry) for entry in entries("command")),
        args=tuple(_entrypoint_overrider(*entry) for entry in entries("args")),
        envs=tuple(_env_overrider(*entry) for entry in entries("envs")),
        annotations=tuple(_string_map_overrider(*entry) for entry in entries("annotations")),
        labels=tuple(_string_map_overrider(*entry) for entry in entries("labels")),
        jsonpatch=tuple(_json_patch_overrider(*entry) for entry in entries("jsonpatch")),
    )
