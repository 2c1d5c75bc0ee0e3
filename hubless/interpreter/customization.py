"""ResourceInterpreterCustomization (config.karmada.io/v1alpha1): Lua scripts that say how
Karmada reads one kind of custom resource, as a Karmada user writes them in policies/.

The same objects, written by this project, are the built-in interpreters (`builtins`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hubless.documents import Document
from hubless.errors import Source, UserError
from hubless.fields import Fields
from hubless.interpreter import lua

API_VERSION = "config.karmada.io/v1alpha1"
KIND = "ResourceInterpreterCustomization"

# spec.customizations field -> the Lua function its script defines, in the API's order.
FUNCTIONS: dict[str, str] = {
    "retention": "Retain",
    "replicaResource": "GetReplicas",
    "componentResource": "GetComponents",
    "replicaRevision": "ReviseReplica",
    "statusReflection": "ReflectStatus",
    "statusAggregation": "AggregateStatus",
    "healthInterpretation": "InterpretHealth",
    "dependencyInterpretation": "GetDependencies",
}
REPLICAS = "replicaResource"
COMPONENTS = "componentResource"
REVISION = "replicaRevision"
RETENTION = "retention"
REFLECTION = "statusReflection"
AGGREGATION = "statusAggregation"
HEALTH = "healthInterpretation"
DEPENDENCIES = "dependencyInterpretation"


@dataclass(frozen=True)
class Script:
    """One customization's Lua source and where its first line is."""

    text: str
    # The file line of the script's line 1 (a block scalar starts on the line after its key).
    first_line: Source

    def at(self, line: int | None) -> Source:
        """The file line of the script's line `line` (the script's start when unknown)."""
        if line is None:
            return self.first_line
        return Source(self.first_line.path, self.first_line.line + line - 1)

    def error(self, failure: lua.LuaError) -> UserError:
        return UserError.at(self.at(failure.line), failure.message)


@dataclass(frozen=True)
class Customization:
    """One ResourceInterpreterCustomization: its target kind and its non-empty scripts."""

    name: str
    api_version: str  # of the target
    kind: str
    scripts: Mapping[str, Script]  # FUNCTIONS key -> script
    source: Source

    @property
    def describe(self) -> str:
        return f"{KIND} {self.name} ({self.source})"


def _script(owner: Fields, key: str, text: str) -> Script:
    line = owner.source(key)
    # A script written as a block scalar (`luaScript: |`) starts on the next line.
    block = text.endswith("\n") or "\n" in text
    return Script(text, Source(line.path, line.line + 1) if block else line)


def parse(document: Document) -> Customization:
    """A ResourceInterpreterCustomization, checked as Karmada's webhook checks it: a target
    and scripts that compile."""
    top = Fields(document, document.data, "")
    top.only(("apiVersion", "kind", "metadata", "spec"))
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    name = metadata.text("name", required=True)
    if "namespace" in metadata:
        raise metadata.error("namespace", f"{KIND} is cluster-scoped")
    spec = top.section("spec")
    if spec is None:
        raise top.error(None, "missing required field 'spec'")
    spec.only(("target", "customizations"))
    target = spec.section("target")
    if target is None:
        raise spec.error(None, "missing required field 'target'")
    target.only(("apiVersion", "kind"))
    api_version = target.text("apiVersion", required=True)
    kind = target.text("kind", required=True)
    customizations = spec.section("customizations")
    if customizations is None:
        raise spec.error(None, "missing required field 'customizations'")
    customizations.only(FUNCTIONS)
    scripts: dict[str, Script] = {}
    for field in FUNCTIONS:
        section = customizations.section(field)
        if section is None:
            continue
        section.only(("luaScript",))
        text = section.text("luaScript", required=True)
        if not text:
            continue  # an empty script is no customization (Karmada skips it)
        script = _script(section, "luaScript", text)
        failure = lua.compile_error(text)
        if failure is not None:
            raise UserError.at(script.at(failure.line), f"{KIND} {name} {field}: {failure.message}")
        scripts[field] = script
    return Customization(name, api_version, kind, scripts, document.source)
