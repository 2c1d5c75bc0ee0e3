"""Checking rendered objects against the schema of the Kubernetes version they go to.

Built-in kinds use the OpenAPI schemas bundled (offline) with the kubernetes-validate
package, in their strict form (unknown fields are errors, as `kubectl apply` with strict
field validation has them), less the `required` fields the API server does not enforce
(`optional_fields`). An API that a version no longer serves (policy/v1beta1
PodDisruptionBudget on 1.25+) has no schema there and fails. Custom resources use the
openAPIV3Schema of their CustomResourceDefinition in templates/. A kind with no schema at
all is reported as unvalidated, never passed silently.

An object goes through its schema's compiled check (schema_checks); jsonschema, imported
only then, words the problems of one the check refuses, and checks what a schema the
compiler refuses describes.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hubless import bootstrap, optional_fields, schema_checks
from hubless.documents import type_mismatch
from hubless.kinds import group_of
from hubless.model import ResourceTemplate

if TYPE_CHECKING:
    from jsonschema.protocols import Validator
    from referencing import Registry

_VERSION = re.compile(r"v?(\d+)\.(\d+)")
_MAX_ERRORS = 5


class Version(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def parse_version(text: str) -> Version | None:
    match = _VERSION.match(text.strip())
    return Version(int(match.group(1)), int(match.group(2))) if match else None


@functools.cache
def _schema_root() -> Any:
    # Found without importing the package, whose import loads PyYAML and more: a render of
    # one changed template would pay for it.
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        return resources.files("kubernetes_validate").joinpath("kubernetes-json-schema")
    return Path(spec.submodule_search_locations[0]) / "kubernetes-json-schema"


@functools.cache
def bundled_versions() -> tuple[Version, ...]:
    found = set()
    for entry in _schema_root().iterdir():
        match = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local-strict", entry.name)
        if match:
            found.add(Version(int(match.group(1)), int(match.group(2))))
    return tuple(sorted(found))


def schema_version(wanted: Version) -> Version:
    """The newest bundled version not newer than `wanted` (the oldest when all are)."""
    versions = bundled_versions()
    older = [v for v in versions if v <= wanted]
    return older[-1] if older else versions[0]


def _directory(version: Version) -> Any:
    for entry in _schema_root().iterdir():
        if re.fullmatch(rf"v{version.major}\.{version.minor}\.\d+-local-strict", entry.name):
            return entry
    raise LookupError(str(version))


def _drop_required(schema: dict[str, Any], fields: frozenset[str]) -> None:
    required = [name for name in schema.get("required", ()) if name not in fields]
    if required:
        schema["required"] = required
    else:
        schema.pop("required", None)


def _gvk(schema: dict[str, Any]) -> tuple[str, str, str] | None:
    kinds = schema.get("x-kubernetes-group-version-kind")
    if not kinds:
        return None
    return (kinds[0].get("group", ""), kinds[0].get("version", ""), kinds[0].get("kind", ""))


@functools.cache
def _definitions(version: Version) -> dict[str, Any]:
    """The version's shared definitions, as the API server enforces `required`."""
    loaded: dict[str, Any] = json.loads(
        _directory(version).joinpath("_definitions.json").read_text()
    )
    definitions = loaded["$defs"]
    for name, fields in optional_fields.not_enforced(version).items():
        if name in definitions:
            _drop_required(definitions[name], fields)
    return loaded


@functools.cache
def _definition_names(version: Version) -> dict[tuple[str, str, str], str]:
    """(group, version, kind) -> the definition of that kind (a kind's own schema file
    repeats its definition, `required` included)."""
    names: dict[tuple[str, str, str], str] = {}
    for name, schema in _definitions(version)["$defs"].items():
        gvk = _gvk(schema)
        if gvk is not None:
            names.setdefault(gvk, name)
    return names


@functools.cache
def _compiler(version: Version) -> schema_checks.Compiler:
    """Compiles every kind of the version, sharing what their definitions compile to."""
    return schema_checks.Compiler([_definitions(version)])


@functools.cache
def _registry(version: Version) -> Registry[Any]:
    from referencing import Registry, Resource

    return Resource.from_contents(_definitions(version)) @ Registry()


class _Schema:
    """One schema: its compiled check (None when the compiler refuses it) and, built on
    first need, its jsonschema validator."""

    def __init__(self, schema: dict[str, Any], version: Version | None = None) -> None:
        self.schema = schema
        self.version = version  # a built-in kind's, whose $refs go to its definitions

    @functools.cached_property
    def check(self) -> schema_checks.Check | None:
        compiler = schema_checks.Compiler() if self.version is None else _compiler(self.version)
        try:
            return compiler.compile(self.schema)
        except schema_checks.Refused:
            return None

    def passes(self, body: dict[str, Any]) -> bool:
        """Whether the compiled check finds `body` valid (False: ask jsonschema)."""
        check = self.check
        if check is None:
            return False
        try:
            return check(body)
        except (TypeError, ValueError, ArithmeticError, RecursionError):
            return False  # jsonschema meets the same value as it does today

    @functools.cached_property
    def validator(self) -> Validator:
        import jsonschema

        if self.version is None:
            return jsonschema.validators.Draft202012Validator(self.schema)
        from referencing import Resource

        registry = Resource.from_contents(self.schema) @ _registry(self.version)
        return jsonschema.validators.Draft202012Validator(self.schema, registry=registry)


@functools.cache
def _builtin_schema(version: Version, api_version: str, kind: str) -> _Schema | None:
    # rbac.authorization.k8s.io/v1 -> rbac-v1; apps/v1 -> apps-v1; v1 -> v1
    flat = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _directory(version).joinpath(f"{kind.lower()}-{flat}.json")
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    gvk = _gvk(schema)
    name = _definition_names(version).get(gvk) if gvk is not None else None
    fields = optional_fields.not_enforced(version).get(name or "")
    if fields:
        _drop_required(schema, fields)
    return _Schema(schema, version)


@functools.cache
def _bootstrap_schema(api_version: str, kind: str) -> _Schema | None:
    schema = bootstrap.SCHEMAS.get((api_version, kind))
    return _Schema(schema) if schema else None


class Problem(NamedTuple):
    field: str
    message: str
    # the paths it is about: a missing or unexpected field's own, else the value's
    paths: tuple[tuple[str, ...], ...] = ()


class Catalog:
    """Every schema a fleet's objects can be checked against."""

    def __init__(self, templates: Iterable[ResourceTemplate]) -> None:
        self.crds: dict[tuple[str, str, str], _Schema] = {}  # by (group, version, kind)
        for template in templates:
            if (template.group, template.kind) != (
                "apiextensions.k8s.io",
                "CustomResourceDefinition",
            ):
                continue
            spec = template.body.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            group = spec.get("group")
            for version in spec.get("versions") or []:
                schema = ((version or {}).get("schema") or {}).get("openAPIV3Schema")
                if isinstance(schema, dict) and isinstance(kind, str) and isinstance(group, str):
                    self.crds[(group, str(version.get("name")), kind)] = _Schema(schema)

    def _schema(self, body: dict[str, Any], version: Version) -> _Schema | None:
        api_version, kind = str(body.get("apiVersion")), str(body.get("kind"))
        group, _, served = api_version.rpartition("/")
        custom = self.crds.get((group, served, kind))
        if custom is not None:
            return custom
        known = _bootstrap_schema(api_version, kind)
        if known is not None:
            return known
        return _builtin_schema(schema_version(version), api_version, kind)

    def check(self, body: dict[str, Any], version: Version) -> list[Problem] | None:
        """The problems found, or None when no schema knows the object's kind."""
        schema = self._schema(body, version)
        if schema is None:
            return None
        if schema.passes(body):
            return []
        problems = []
        for error in sorted(
            schema.validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path))
        ):
            field = ".".join(str(part) for part in error.absolute_path) or "(object)"
            if error.validator == "type":
                message = type_mismatch(error.validator_value, error.instance)
            else:
                message = error.message
            message = message if len(message) <= 200 else message[:197] + "..."
            problems.append(Problem(field, message, _paths(error)))
            if len(problems) == _MAX_ERRORS:
                break
        return problems


def _paths(error: Any) -> tuple[tuple[str, ...], ...]:
    at = tuple(str(part) for part in error.absolute_path)
    instance, schema = error.instance, error.schema
    if error.validator == "required" and isinstance(instance, dict):
        missing = [name for name in error.validator_value if name not in instance]
        # one error per missing field, named first in its message
        named = [name for name in missing if error.message.startswith(repr(name))]
        return tuple((*at, name) for name in named[:1] or missing)
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        extra = [
            key
            for key in instance
            if key not in known and not any(re.search(p, key) for p in patterns)
        ]
        return tuple((*at, key) for key in extra) or (at,)
    return (at,)


def is_builtin_group(api_version: str) -> bool:
    group = group_of(api_version)
    return group == "" or "." not in group or group.endswith(".k8s.io")
