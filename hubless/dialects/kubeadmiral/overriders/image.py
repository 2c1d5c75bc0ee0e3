"""The `image` overriders: one `replace` per touched image, sorted by path."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.overriders.model import (
    ADD_IF_ABSENT,
    DELETE,
    OVERWRITE,
    ImageOverrider,
    KubeAdmiralOverrideError,
)
from hubless.dialects.kubeadmiral.overriders.podspec import pod_spec
from hubless.dialects.kubeadmiral.overriders.reference import (
    DIGEST,
    TAG,
    format_image,
    parse_image,
)


def _operate(old: str, operator: str, value: str, where: str) -> str:
    if operator == ADD_IF_ABSENT:
        if not value:
            raise KubeAdmiralOverrideError(f"{where}: addIfAbsent needs a value")
        if old:
            raise KubeAdmiralOverrideError(
                f"{where}: addIfAbsent cannot change the existing value {old!r}"
            )
        return value
    if operator == OVERWRITE:
        return value
    if operator == DELETE:
        return ""
    raise KubeAdmiralOverrideError(f"{where}: unsupported operator {operator!r}")


def _override_image(image: str, overrider: ImageOverrider, where: str) -> str:
    try:
        parts = parse_image(image)
    except ValueError as exc:
        raise KubeAdmiralOverrideError(f"{where}: cannot parse image {image!r}: {exc}") from None
    for position, operation in enumerate(overrider.operations):
        inner = f"{where}.operations[{position}]"
        component = operation.image_component
        if component not in parts:
            raise KubeAdmiralOverrideError(f"{inner}: unsupported image component {component!r}")
        new = _operate(parts[component], operation.operator or OVERWRITE, operation.value, inner)
        # Only the tag and digest are checked; a registry or repository is taken as given.
        if component == "Tag" and new and not TAG.fullmatch(new):
            raise KubeAdmiralOverrideError(f"{inner}: invalid tag {new!r}")
        if component == "Digest" and new and not DIGEST.fullmatch(new):
            raise KubeAdmiralOverrideError(f"{inner}: invalid digest {new!r}")
        parts[component] = new
    return format_image(parts)


def _string_at(body: Mapping[str, Any], path: str, where: str) -> str:
    # KubeAdmiral reads imagePath segment by segment without RFC 6901 unescaping.
    current: Any = body
    segments = path.strip("/").split("/")
    for position, segment in enumerate(segments):
        if isinstance(current, Mapping):
            current = current.get(segment)
        elif isinstance(current, list):
            if not re.fullmatch(r"[+-]?[0-9]+", segment):
                raise KubeAdmiralOverrideError(
                    f"{where}: imagePath {path}: {segment!r} indexes a list but is not a number"
                )
            index = int(segment)
            if not 0 <= index < len(current):
                raise KubeAdmiralOverrideError(
                    f"{where}: imagePath {path}: index {index} is negative or out of range"
                )
            current = current[index]
        else:
            raise KubeAdmiralOverrideError(
                f"{where}: imagePath {path}: /{'/'.join(segments[:position])} is not an "
                "object or list"
            )
    if not isinstance(current, str):
        raise KubeAdmiralOverrideError(f"{where}: imagePath {path} does not point to a string")
    return current


def _image_value(image: str, path: str) -> str:
    # KubeAdmiral writes the new image into the patch as '"' + image + '"' without escaping,
    # so a quote or backslash from a registry or repository value is read as JSON.
    try:
        value = json.loads(f'"{image}"')
    except json.JSONDecodeError:
        raise KubeAdmiralOverrideError(
            f"replace {path}: the new image {image!r} does not make a valid JSON string"
        ) from None
    return str(value)


def image_patches(body: Mapping[str, Any], overriders: Sequence[ImageOverrider]) -> list[Patch]:
    images: dict[str, str] = {}  # path -> newest image; later overriders build on it
    for position, overrider in enumerate(overriders):
        where = f"image[{position}]"
        if overrider.image_path:
            path = overrider.image_path
            if not path.startswith("/"):
                raise KubeAdmiralOverrideError(f"{where}: imagePath {path!r} must start with /")
            # An image an earlier overrider emptied is read from the object again.
            current = images.get(path) or _string_at(body, path, where)
            images[path] = _override_image(current, overrider, where)
            continue
        pointer, containers = pod_spec(body, where)
        wanted = {name for name in overrider.container_names if name}
        for container in containers:
            if overrider.container_names and container.name not in wanted:
                continue
            path = container.path(pointer, "image")
            current = images.get(path, container.image)
            images[path] = _override_image(current, overrider, where)
    return [Patch("replace", path, _image_value(images[path], path)) for path in sorted(images)]
