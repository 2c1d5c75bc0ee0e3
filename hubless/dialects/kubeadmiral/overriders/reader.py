"""Typed reading, strict for a policy and lenient for the object, and EnvVar decoding.

Both a policy's `envs` values and the object's containers hold EnvVars; KubeAdmiral decodes
them into Kubernetes' type and encodes them again, which `env_var` reproduces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.dialects.kubeadmiral.overriders.model import KubeAdmiralOverrideError


@dataclass(frozen=True)
class Reader:
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


POLICY = Reader(strict=True)
OBJECT = Reader(strict=False)

# The CRD's pattern for resourceFieldRef.divisor.
_DIVISOR = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?"
)


def _divisor(value: Any, where: str, reader: Reader) -> str:
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


def _key_selector(raw: Any, where: str, reader: Reader) -> dict[str, Any]:
    fields = reader.fields(raw, where, ("name", "key", "optional"), ("key",))
    selector: dict[str, Any] = {}
    if name := reader.string(fields, "name", where):
        selector["name"] = name
    selector["key"] = reader.string(fields, "key", where)
    optional = reader.boolean(fields, "optional", where)
    if optional is not None:
        selector["optional"] = optional
    return selector


def _env_source(raw: Any, where: str, reader: Reader) -> dict[str, Any]:
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


def env_var(raw: Any, where: str, reader: Reader) -> dict[str, Any]:
    """An EnvVar as KubeAdmiral re-encodes it after decoding it into Kubernetes' type."""
    fields = reader.fields(raw, where, ("name", "value", "valueFrom"), ("name",))
    env: dict[str, Any] = {"name": reader.string(fields, "name", where)}
    if value := reader.string(fields, "value", where):
        env["value"] = value
    if fields.get("valueFrom") is not None:
        env["valueFrom"] = _env_source(fields["valueFrom"], f"{where}.valueFrom", reader)
    return env
