"""KubeAdmiral's override-policy overriders, applied to one member-cluster object.

This module owns what the `overriders` of an OverridePolicy / ClusterOverridePolicy rule
(core.kubeadmiral.io/v1alpha1) do to an object, as KubeAdmiral's override controller and
sync controller do it:

* A rule's overriders become JSON-patch operations, all computed from the object as it was
  before the rule, in a fixed order whatever the YAML order: image, command, args, envs,
  annotations, labels, jsonpatch. Image, command, args and envs emit one `replace` per
  touched field, sorted by path; annotations and labels one `replace` of the whole map;
  jsonpatch entries are copied as written. So when two overriders touch the same field,
  the later kind in that order wins, and jsonpatch always wins.
* Several rules chain: each rule's operations are computed from the object with the
  earlier rules' operations applied (`cluster_patches`).
* Operations apply with the semantics of the evanphx/json-patch package KubeAdmiral
  vendors: `replace` of a missing object member adds it, negative array indices count
  from the end, a missing parent or a `remove` of a missing member is an error.
* Any error fails the whole object (`KubeAdmiralOverrideError`).

Which rules apply to which cluster is decided elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.jsonvalue import deep_copy


class KubeAdmiralOverrideError(Exception):
    """KubeAdmiral would reject the object's overrides: nothing is applied on any cluster.

    `rule` is the position, in the rules given to `cluster_patches`, of the rule that
    failed, when known."""

    def __init__(self, message: str, rule: int | None = None) -> None:
        super().__init__(message)
        self.rule = rule


# --- the overriders, as a policy writes them --------------------------------------------------

ADD_IF_ABSENT = "addIfAbsent"
OVERWRITE = "overwrite"
DELETE = "delete"
APPEND = "append"
IMAGE_COMPONENTS = ("Registry", "Repository", "Tag", "Digest")

_MAP_OPERATORS = (ADD_IF_ABSENT, OVERWRITE, DELETE)
_ENTRYPOINT_OPERATORS = (APPEND, OVERWRITE, DELETE)


@dataclass(frozen=True)
class ImageOperation:
    image_component: str  # one of IMAGE_COMPONENTS
    operator: str = ""  # "" means overwrite
    value: str = ""


@dataclass(frozen=True)
class ImageOverrider:
    container_names: tuple[str, ...] = ()
    image_path: str = ""  # when set, container_names are ignored
    operations: tuple[ImageOperation, ...] = ()


@dataclass(frozen=True)
class EntrypointOverrider:
    """A `command` or `args` entry. An omitted operator stays "": KubeAdmiral's API says it
    defaults to overwrite, but the controller rejects it."""

    container_name: str
    operator: str
    value: tuple[str, ...]


@dataclass(frozen=True)
class EnvOverrider:
    container_name: str
    operator: str  # "" means overwrite
    # EnvVars as KubeAdmiral re-encodes them: name, value when non-empty, valueFrom.
    value: tuple[dict[str, Any], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class StringMapOverrider:
    """An `annotations` or `labels` entry."""

    operator: str  # "" means overwrite
    value: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class JsonPatchOverrider:
    operator: str  # "" means replace
    path: str
    value: Any = field(default=None, hash=False)


@dataclass(frozen=True)
class KubeAdmiralOverriders:
    """One rule's `overriders`, in the spec's shape."""

    image: tuple[ImageOverrider, ...] = ()
    command: tuple[EntrypointOverrider, ...] = ()
    args: tuple[EntrypointOverrider, ...] = ()
    envs: tuple[EnvOverrider, ...] = ()
    annotations: tuple[StringMapOverrider, ...] = ()
    labels: tuple[StringMapOverrider, ...] = ()
    jsonpatch: tuple[JsonPatchOverrider, ...] = ()


@dataclass(frozen=True)
class Patch:
    """One JSON-patch operation as KubeAdmiral stores it; an empty `op` means replace."""

    op: str
    path: str
    value: Any = field(default=None, hash=False)


# --- reading policies and objects -------------------------------------------------------------


@dataclass(frozen=True)
class _Reader:
    """Reads typed fields. For a policy (`strict`) it checks what the CRD schema checks and
    raises ValueError; for the object it converts like Kubernetes' unstructured converter:
    unknown fields are dropped, a wrong type fails the override."""

    strict: bool

    def fail(self, where: str, message: str) -> Exception:
        if self.strict:
            return ValueError(f"{where}: {message}")
        return KubeAdmiralOverrideError(f"{where}: {message}")

    def fields(
        self, value: Any, where: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> Mapping[str, Any]:
        if value is None and not self.strict:
            value = {}
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be an object")
        if self.strict:
            for key in value:
                if key not in allowed:
                    raise self.fail(
                        f"{where}.{key}", f"unknown field (allowed: {', '.join(allowed)})"
                    )
            for key in required:
                if value.get(key) is None:
                    raise self.fail(f"{where}.{key}", "is required")
        return value

    def string(
        self, fields: Mapping[str, Any], key: str, where: str, choices: Sequence[str] = ()
    ) -> str:
        value = fields.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be a string")
        if choices and value not in choices:
            raise self.fail(f"{where}.{key}", f"must be one of {', '.join(choices)}")
        return value

    def items(self, fields: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = fields.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "must be a list")
        return value

    def strings(self, fields: Mapping[str, Any], key: str, where: str) -> list[str]:
        items = self.items(fields, key, where)
        for position, item in enumerate(items):
            if not isinstance(item, str) and (self.strict or item is not None):
                raise self.fail(f"{where}.{key}[{position}]", "must be a string")
        return [item or "" for item in items]

    def boolean(self, fields: Mapping[str, Any], key: str, where: str) -> bool | None:
        value = fields.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "must be a boolean")
        return value


_POLICY = _Reader(strict=True)
_OBJECT = _Reader(strict=False)

# The CRD's pattern for resourceFieldRef.divisor.
_DIVISOR = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?"
)


def _divisor(value: Any, where: str, reader: _Reader) -> str:
    # A Quantity is a struct, so Go's JSON encoder writes it even when unset: "0".
    if value is None:
        return "0"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise reader.fail(where, "must be a quantity")
    if isinstance(value, str) and not _DIVISOR.fullmatch(value):
        raise reader.fail(where, f"{value!r} is not a quantity")
    if isinstance(value, float) and reader.strict:
        raise reader.fail(where, "must be an integer or a string")
    return str(value)


def _key_selector(raw: Any, where: str, reader: _Reader) -> dict[str, Any]:
    fields = reader.fields(raw, where, ("name", "key", "optional"), ("key",))
    selector: dict[str, Any] = {}
    if name := reader.string(fields, "name", where):
        selector["name"] = name
    selector["key"] = reader.string(fields, "key", where)
    optional = reader.boolean(fields, "optional", where)
    if optional is not None:
        selector["optional"] = optional
    return selector


def _env_source(raw: Any, where: str, reader: _Reader) -> dict[str, Any]:
    kinds = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
    fields = reader.fields(raw, where, kinds)
    source: dict[str, Any] = {}
    if fields.get("fieldRef") is not None:
        inner = f"{where}.fieldRef"
        ref = reader.fields(fields["fieldRef"], inner, ("apiVersion", "fieldPath"), ("fieldPath",))
        selector: dict[str, Any] = {}
        if api_version := reader.string(ref, "apiVersion", inner):
            selector["apiVersion"] = api_version
        selector["fieldPath"] = reader.string(ref, "fieldPath", inner)
        source["fieldRef"] = selector
    if fields.get("resourceFieldRef") is not None:
        inner = f"{where}.resourceFieldRef"
        allowed = ("containerName", "resource", "divisor")
        ref = reader.fields(fields["resourceFieldRef"], inner, allowed, ("resource",))
        selector = {}
        if container := reader.string(ref, "containerName", inner):
            selector["containerName"] = container
        selector["resource"] = reader.string(ref, "resource", inner)
        selector["divisor"] = _divisor(ref.get("divisor"), f"{inner}.divisor", reader)
        source["resourceFieldRef"] = selector
    for kind in ("configMapKeyRef", "secretKeyRef"):
        if fields.get(kind) is not None:
            source[kind] = _key_selector(fields[kind], f"{where}.{kind}", reader)
    return source


def _env_var(raw: Any, where: str, reader: _Reader) -> dict[str, Any]:
    """An EnvVar as KubeAdmiral re-encodes it after decoding it into Kubernetes' type."""
    fields = reader.fields(raw, where, ("name", "value", "valueFrom"), ("name",))
    env: dict[str, Any] = {"name": reader.string(fields, "name", where)}
    if value := reader.string(fields, "value", where):
        env["value"] = value
    if fields.get("valueFrom") is not None:
        env["valueFrom"] = _env_source(fields["valueFrom"], f"{where}.valueFrom", reader)
    return env


def _image_overrider(raw: Any, where: str) -> ImageOverrider:
    fields = _POLICY.fields(
        raw, where, ("containerNames", "imagePath", "operations"), ("operations",)
    )
    operations = []
    for position, item in enumerate(_POLICY.items(fields, "operations", where)):
        inner = f"{where}.operations[{position}]"
        operation = _POLICY.fields(
            item, inner, ("imageComponent", "operator", "value"), ("imageComponent",)
        )
        operations.append(
            ImageOperation(
                _POLICY.string(operation, "imageComponent", inner, IMAGE_COMPONENTS),
                _POLICY.string(operation, "operator", inner, _MAP_OPERATORS),
                _POLICY.string(operation, "value", inner),
            )
        )
    return ImageOverrider(
        tuple(_POLICY.strings(fields, "containerNames", where)),
        _POLICY.string(fields, "imagePath", where),
        tuple(operations),
    )


def _entrypoint_overrider(raw: Any, where: str) -> EntrypointOverrider:
    allowed = ("containerName", "operator", "value")
    fields = _POLICY.fields(raw, where, allowed, ("containerName", "value"))
    return EntrypointOverrider(
        _POLICY.string(fields, "containerName", where),
        _POLICY.string(fields, "operator", where, _ENTRYPOINT_OPERATORS),
        tuple(_POLICY.strings(fields, "value", where)),
    )


def _env_overrider(raw: Any, where: str) -> EnvOverrider:
    allowed = ("containerName", "operator", "value")
    fields = _POLICY.fields(raw, where, allowed, ("containerName", "value"))
    return EnvOverrider(
        _POLICY.string(fields, "containerName", where),
        _POLICY.string(fields, "operator", where, _MAP_OPERATORS),
        tuple(
            _env_var(item, f"{where}.value[{position}]", _POLICY)
            for position, item in enumerate(_POLICY.items(fields, "value", where))
        ),
    )


def _string_map_overrider(raw: Any, where: str) -> StringMapOverrider:
    fields = _POLICY.fields(raw, where, ("operator", "value"), ("value",))
    value = fields["value"]
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}.value: must be a map of strings")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise ValueError(f"{where}.value.{key}: must be a string")
    return StringMapOverrider(
        _POLICY.string(fields, "operator", where, _MAP_OPERATORS), dict(value)
    )


def _json_patch_overrider(raw: Any, where: str) -> JsonPatchOverrider:
    fields = _POLICY.fields(raw, where, ("operator", "path", "value"), ("path",))
    return JsonPatchOverrider(
        _POLICY.string(fields, "operator", where),
        _POLICY.string(fields, "path", where),
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
    fields = _POLICY.fields(spec, where, kinds)

    def entries(key: str) -> list[tuple[Any, str]]:
        items = _POLICY.items(fields, key, where)
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


# --- the pod spec of a workload ----------------------------------------------------------------

# (API group, kind) -> where the pod spec is. KubeAdmiral matches the group, not the version.
_POD_SPEC_PATHS: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template", "spec"),
    ("apps", "StatefulSet"): ("spec", "template", "spec"),
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("", "Pod"): ("spec",),
}
_CONTAINER_LISTS = ("initContainers", "containers")  # init containers are searched first


@dataclass(frozen=True, eq=False)
class _Container:
    """A container as Kubernetes' Container type reads it (absent lists stay None)."""

    kind: str  # initContainers or containers
    index: int
    name: str
    image: str
    command: list[str] | None
    args: list[str] | None
    env: list[dict[str, Any]] | None

    def path(self, pointer: str, target: str) -> str:
        return f"{pointer}/{self.kind}/{self.index}/{target}"


def _container(item: Any, kind: str, index: int, where: str) -> _Container:
    fields = _OBJECT.fields(item, where, ())

    def strings(key: str) -> list[str] | None:
        return None if fields.get(key) is None else _OBJECT.strings(fields, key, where)

    env = None
    if fields.get("env") is not None:
        env = [
            _env_var(raw, f"{where}.env[{position}]", _OBJECT)
            for position, raw in enumerate(_OBJECT.items(fields, "env", where))
        ]
    return _Container(
        kind,
        index,
        _OBJECT.string(fields, "name", where),
        _OBJECT.string(fields, "image", where),
        strings("command"),
        strings("args"),
        env,
    )


def _group_kind(body: Mapping[str, Any]) -> tuple[str, str]:
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    version = api_version if isinstance(api_version, str) else ""
    # An apiVersion with more than one "/" does not parse; its group is then empty.
    group = version.split("/")[0] if version.count("/") == 1 else ""
    return group, kind if isinstance(kind, str) else ""


def _pod_spec(body: Mapping[str, Any], where: str) -> tuple[str, list[_Container]]:
    """(JSON pointer of the pod spec, its init containers then containers)."""
    group, kind = _group_kind(body)
    steps = _POD_SPEC_PATHS.get((group, kind))
    if steps is None:
        raise KubeAdmiralOverrideError(
            f"{where}: cannot find the pod spec of a {kind or 'kindless object'}"
            f"{f' in group {group}' if group else ''} (without imagePath only Deployment, "
            "StatefulSet, DaemonSet, Job, CronJob and Pod are supported)"
        )
    dotted = ".".join(steps)
    current: Any = body
    for step in steps:
        if not isinstance(current, Mapping):
            raise KubeAdmiralOverrideError(f"{where}: {dotted} is not an object path")
        if step not in current:
            raise KubeAdmiralOverrideError(f"{where}: pod spec does not exist at {dotted}")
        current = current[step]
    if not isinstance(current, Mapping):
        raise KubeAdmiralOverrideError(f"{where}: {dotted} is not an object")
    # Every container is converted, as Kubernetes' PodSpec type would be, before any is used.
    containers = [
        _container(item, kind_key, index, f"{where}: {dotted}.{kind_key}[{index}]")
        for kind_key in _CONTAINER_LISTS
        for index, item in enumerate(_OBJECT.items(current, kind_key, f"{where}: {dotted}"))
    ]
    return "/" + "/".join(steps), containers


def _find_container(containers: Sequence[_Container], name: str) -> _Container | None:
    # The first container with that name, init containers first.
    return next((c for c in containers if c.name == name), None)


# --- image references --------------------------------------------------------------------------

# The distribution/reference grammar; names are not normalised (no docker.io, no library/).
_ALNUM = r"[a-z0-9]+"
_PATH_COMPONENT = rf"{_ALNUM}(?:(?:[._]|__|[-]+){_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG_PATTERN = r"[\w][\w.-]{0,127}"
_DIGEST_PATTERN = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG_PATTERN}))?(?:@({_DIGEST_PATTERN}))?", re.ASCII)
_TAG = re.compile(_TAG_PATTERN, re.ASCII)
_DIGEST = re.compile(_DIGEST_PATTERN, re.ASCII)
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_MAX = 255


def parse_image(image: str) -> dict[str, str]:
    """An image split as KubeAdmiral splits it: {Registry, Repository, Tag, Digest}, "" when
    absent. Unlike Karmada, a reference with both a tag and a digest keeps both. The part
    before the first "/" is the registry only if it has a "." or ":" or is "localhost"."""
    match = _REFERENCE.fullmatch(image)
    if match is None:
        if not image:
            raise ValueError("repository name must have at least one component")
        if _REFERENCE.fullmatch(image.lower()):
            raise ValueError("repository name must be lowercase")
        raise ValueError("invalid reference format")
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if len(name) > _NAME_MAX:
        raise ValueError(f"repository name must not be more than {_NAME_MAX} characters")
    if digest:
        algorithm, _, encoded = digest.partition(":")
        length = _DIGEST_LENGTHS.get(algorithm)
        if length is None:
            raise ValueError("unsupported digest algorithm")
        if len(encoded) != length:
            raise ValueError("invalid checksum digest length")
        if not re.fullmatch(r"[a-f0-9]+", encoded):
            raise ValueError("invalid checksum digest format")
    head, slash, rest = name.partition("/")
    if slash and (any(c in head for c in ".:") or head == "localhost"):
        registry, repository = head, rest
    else:
        registry, repository = "", name
    return {"Registry": registry, "Repository": repository, "Tag": tag, "Digest": digest}


def format_image(parts: Mapping[str, str]) -> str:
    """[registry/]repository[:tag][@digest]; nothing is validated."""
    image = parts["Repository"]
    if parts["Registry"]:
        image = f"{parts['Registry']}/{image}"
    if parts["Tag"]:
        image = f"{image}:{parts['Tag']}"
    if parts["Digest"]:
        image = f"{image}@{parts['Digest']}"
    return image


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
        if component == "Tag" and new and not _TAG.fullmatch(new):
            raise KubeAdmiralOverrideError(f"{inner}: invalid tag {new!r}")
        if component == "Digest" and new and not _DIGEST.fullmatch(new):
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


def _image_patches(body: Mapping[str, Any], overriders: Sequence[ImageOverrider]) -> list[Patch]:
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
        pointer, containers = _pod_spec(body, where)
        wanted = {name for name in overrider.container_names if name}
        for container in containers:
            if overrider.container_names and container.name not in wanted:
                continue
            path = container.path(pointer, "image")
            current = images.get(path, container.image)
            images[path] = _override_image(current, overrider, where)
    return [Patch("replace", path, _image_value(images[path], path)) for path in sorted(images)]


# --- command, args and env ---------------------------------------------------------------------


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


def _entrypoint_patches(
    body: Mapping[str, Any], overriders: Sequence[EntrypointOverrider], target: str
) -> list[Patch]:
    if not overriders:
        return []
    pointer, containers = _pod_spec(body, target)
    values: dict[str, list[str] | None] = {}
    for position, overrider in enumerate(overriders):
        where = f"{target}[{position}]"
        container = _find_container(containers, overrider.container_name)
        if container is None:
            continue  # no such container: the entry does nothing
        path = container.path(pointer, target)
        current = values.get(path, container.command if target == "command" else container.args)
        values[path] = _override_entrypoint(current, overrider, where)
    return [Patch("replace", path, values[path]) for path in sorted(values)]


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


def _env_patches(body: Mapping[str, Any], overriders: Sequence[EnvOverrider]) -> list[Patch]:
    if not overriders:
        return []
    pointer, containers = _pod_spec(body, "envs")
    values: dict[str, list[dict[str, Any]] | None] = {}
    for position, overrider in enumerate(overriders):
        where = f"envs[{position}]"
        container = _find_container(containers, overrider.container_name)
        if container is None:
            continue  # no such container: the entry does nothing
        path = container.path(pointer, "env")
        current = values[path] if path in values else deep_copy(container.env)
        values[path] = _override_env(current, overrider, where)
    return [Patch("replace", path, values[path]) for path in sorted(values)]


# --- annotations and labels --------------------------------------------------------------------


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


def _string_map_patches(
    body: Mapping[str, Any], overriders: Sequence[StringMapOverrider], target: str
) -> list[Patch]:
    if not overriders:
        return []
    current = _metadata_map(body, target)
    for position, overrider in enumerate(overriders):
        current = _override_string_map(current, overrider, f"{target}[{position}]")
    return [Patch("replace", f"/metadata/{target}", current)]


# --- from overriders to patches ----------------------------------------------------------------


def rule_patches(body: Mapping[str, Any], overriders: KubeAdmiralOverriders) -> list[Patch]:
    """One rule's patches, all computed from `body` (not changed), in KubeAdmiral's order:
    image, command, args, envs, annotations, labels, jsonpatch."""
    return [
        *_image_patches(body, overriders.image),
        *_entrypoint_patches(body, overriders.command, "command"),
        *_entrypoint_patches(body, overriders.args, "args"),
        *_env_patches(body, overriders.envs),
        *_string_map_patches(body, overriders.annotations, "annotations"),
        *_string_map_patches(body, overriders.labels, "labels"),
        *(Patch(o.operator, o.path, deep_copy(o.value)) for o in overriders.jsonpatch),
    ]


def cluster_patches(
    template: Mapping[str, Any], rules: Iterable[KubeAdmiralOverriders]
) -> list[Patch]:
    """The patches of the rules that apply on one cluster, in order (a
    ClusterOverridePolicy's rules, then an OverridePolicy's).

    Each rule is computed from the template with the earlier rules' patches applied, except
    those under /metadata/finalizers (they depend on the member object). Apply the result to
    the member object with `apply_patches`."""
    working = deep_copy(dict(template))
    patches: list[Patch] = []
    for position, overriders in enumerate(rules):
        try:
            found = rule_patches(working, overriders)
            _apply(working, [p for p in found if not p.path.startswith("/metadata/finalizers")])
        except KubeAdmiralOverrideError as exc:
            raise KubeAdmiralOverrideError(f"rules[{position}]: {exc}", position) from None
        patches.extend(found)
    return patches


# --- applying patches ----------------------------------------------------------------------------

# The sync controller refuses patches at these paths: they tie the member object to its source.
FORBIDDEN_PATHS = frozenset(
    {"/metadata/namespace", "/metadata/name", "/metadata/generateName", "/kind"}
)


def apply_patches(body: dict[str, Any], patches: Sequence[Patch]) -> dict[str, Any]:
    """`body` with the patches applied, as the sync controller applies them to the member
    object. Changes `body` in place, and may leave it half patched when raising."""
    forbidden = sorted({patch.path for patch in patches if patch.path in FORBIDDEN_PATHS})
    if forbidden:
        raise KubeAdmiralOverrideError(f"invalid override path(s): {', '.join(forbidden)}")
    if patches:
        _apply(body, patches)
    return body


def apply(body: dict[str, Any], overriders: KubeAdmiralOverriders) -> dict[str, Any]:
    """`body` with one rule's overriders applied: its patches computed from `body`, then
    applied to it. May change `body` in place."""
    return apply_patches(body, rule_patches(body, overriders))


class _Missing(Exception):
    pass


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _index(token: str, size: int) -> int:
    """A list position as the patch library reads it: a decimal integer (sign allowed),
    negative counting from the end, below `size`."""
    if not re.fullmatch(r"[+-]?[0-9]+", token):
        raise _Missing(f"{token!r} is not a list index")
    index = int(token)
    if index >= size or index < -size:
        raise _Missing(f"index {index} is out of range")
    return index + size if index < 0 else index


def _parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any] | list[Any], str]:
    tokens = path.split("/")
    if len(tokens) < 2:
        raise _Missing("the path has no /")
    # The first token is skipped unread, so a path without a leading / starts at the root.
    current: dict[str, Any] | list[Any] = document
    for raw in tokens[1:-1]:
        token = _unescape(raw)
        if isinstance(current, dict):
            child = current.get(token)
        else:
            child = current[_index(token, len(current))]
        if not isinstance(child, dict | list):
            raise _Missing(f"{token!r} is missing or not an object or list")
        current = child
    return current, _unescape(tokens[-1])


def _json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_json_equal(left[k], right[k]) for k in left)
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and bool(left == right)


def _apply_one(document: dict[str, Any], patch: Patch) -> None:
    op = patch.op or "replace"
    if op in ("move", "copy"):
        raise _Missing("KubeAdmiral's patches have no 'from' field")
    if op not in ("add", "remove", "replace", "test"):
        raise _Missing("unknown operation")
    parent, key = _parent(document, patch.path)
    if isinstance(parent, dict):
        if op == "remove":
            if key not in parent:
                raise _Missing(f"no member {key!r} to remove")
            del parent[key]
        elif op == "test":
            if not _json_equal(parent.get(key), patch.value):
                raise _Missing("test failed")
        else:
            # replace of a missing member adds it, like add
            parent[key] = deep_copy(patch.value)
        return
    if op == "add":
        if key == "-":
            parent.append(deep_copy(patch.value))
        else:
            parent.insert(_index(key, len(parent) + 1), deep_copy(patch.value))
        return
    index = _index(key, len(parent))
    if op == "remove":
        del parent[index]
    elif op == "replace":
        parent[index] = deep_copy(patch.value)
    elif not _json_equal(parent[index], patch.value):
        raise _Missing("test failed")


def _apply(document: dict[str, Any], patches: Iterable[Patch]) -> None:
    for patch in patches:
        try:
            _apply_one(document, patch)
        except _Missing as exc:
            raise KubeAdmiralOverrideError(f"{patch.op or 'replace'} {patch.path}: {exc}") from None
    # The result is read back as a Kubernetes object, which needs a kind.
    kind = document.get("kind")
    if not isinstance(kind, str) or not kind:
        raise KubeAdmiralOverrideError("the patched object has no kind")
