"""Which script interprets what, in Karmada's order, and its answers as typed values.

For each operation on a kind (matched by exact apiVersion and kind), a user's
ResourceInterpreterCustomization comes first, then hubless's built-in one, then Karmada's
native rules (`hubless.workloads`, `hubless.dependencies`, `hubless.status.health`): the
caller falls back to those when this module answers None. Several user customizations for
one kind are read in name order and the first non-empty script wins, except dependency
scripts, which all run and whose answers are joined (Karmada's configmanager).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.errors import Problem, UserError
from hubless.interpreter import builtins, lua
from hubless.interpreter.customization import (
    AGGREGATION,
    COMPONENTS,
    DEPENDENCIES,
    FUNCTIONS,
    HEALTH,
    KIND,
    REFLECTION,
    REPLICAS,
    RETENTION,
    REVISION,
    Customization,
)
from hubless.model import LabelSelector, Requirement
from hubless.quantity import parse_quantity, request_units
from hubless.workloads import ReplicaRequirements

_Target = tuple[str, str]  # (apiVersion, kind)


@dataclass(frozen=True)
class Chosen:
    """The customization whose script answers one operation for one kind."""

    customization: Customization
    field: str
    builtin: bool

    @property
    def describe(self) -> str:
        c = self.customization
        if self.builtin:
            return f"hubless's built-in interpreter for {c.kind} ({c.api_version})"
        return f"{KIND} {c.name} ({c.source})"


@dataclass(frozen=True)
class Replicas:
    """GetReplicas: the replica count and what each replica needs."""

    count: int
    requirements: ReplicaRequirements | None
    by: Chosen


@dataclass(frozen=True)
class Component:
    """One pod template of a multi-template workload (GetComponents)."""

    name: str
    replicas: int
    requirements: ReplicaRequirements | None


@dataclass(frozen=True)
class Components:
    items: tuple[Component, ...]
    by: Chosen


@dataclass(frozen=True)
class Dependency:
    """A DependentObjectReference: one named object, or the objects a selector matches."""

    api_version: str
    kind: str
    namespace: str
    name: str
    selector: LabelSelector | None = None


@dataclass(frozen=True)
class Dependencies:
    items: tuple[Dependency, ...]
    by: tuple[Chosen, ...]


class _Failed(Exception):
    """A script's answer is not what the operation returns."""


def _index(customizations: Iterable[Customization]) -> dict[_Target, list[Customization]]:
    table: dict[_Target, list[Customization]] = {}
    for c in sorted(customizations, key=lambda c: c.name):
        table.setdefault((c.api_version, c.kind), []).append(c)
    return table


def conflicts(customizations: Sequence[Customization]) -> list[Problem]:
    """Karmada's webhook: two customizations of one kind may not both script one operation
    (dependency scripts excepted, they add up)."""
    problems = []
    for same in _index(customizations).values():
        for later_index, later in enumerate(same):
            for earlier in same[:later_index]:
                clash = [f for f in later.scripts if f != DEPENDENCIES and f in earlier.scripts]
                if clash:
                    problems.append(
                        Problem(
                            later.source,
                            f"{KIND} {later.name} scripts {', '.join(clash)} for "
                            f"{later.kind} ({later.api_version}), as {KIND} {earlier.name} "
                            f"({earlier.source}) does; one script per operation and kind",
                        )
                    )
    return problems


class Interpreters:
    """The user's customizations over the built-in ones."""

    def __init__(
        self,
        user: Iterable[Customization] = (),
        builtin: Iterable[Customization] | None = None,
    ) -> None:
        """`builtin` replaces the shipped interpreters (tests); by default they are read
        as their kinds are met."""
        self.user = _index(user)
        self.fixed_builtins = None if builtin is None else _index(builtin)
        # Answers already computed for one render's templates (`interpreter.resource`).
        self.memo: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def _builtin(self, target: _Target) -> list[Customization]:
        if self.fixed_builtins is not None:
            return self.fixed_builtins.get(target, [])
        return sorted(builtins.builtin(target), key=lambda c: c.name)

    def _tiers(self, target: _Target) -> list[tuple[list[Customization], bool]]:
        return [(self.user.get(target, []), False), (self._builtin(target), True)]

    def chosen(self, api_version: str, kind: str, field: str) -> Chosen | None:
        """The customization whose script for `field` applies to this kind, or None."""
        for tier, builtin in self._tiers((api_version, kind)):
            for c in tier:
                if field in c.scripts:
                    return Chosen(c, field, builtin)
        return None

    def dependency_scripts(self, api_version: str, kind: str) -> tuple[Chosen, ...]:
        for tier, builtin in self._tiers((api_version, kind)):
            found = [c for c in tier if DEPENDENCIES in c.scripts]
            if found:
                return tuple(Chosen(c, DEPENDENCIES, builtin) for c in found)
        return ()

    def kinds(self) -> set[_Target]:
        """Every kind some customization (the user's or a built-in) is for."""
        shipped = self.fixed_builtins if self.fixed_builtins is not None else builtins.targets()
        return set(self.user) | set(shipped)

    # The operations. Each returns None when no script applies (native rules then).

    def replicas(self, obj: Mapping[str, Any], about: str) -> Replicas | None:
        chosen = self._chosen(obj, REPLICAS)
        if chosen is None:
            return None
        count, requires = _run(chosen, about, lambda s: lua.get_replicas(s, dict(obj)))
        requirements = None
        if requires is not None:
            requirements = _convert(chosen, about, lambda: _requirements(requires))
        return Replicas(count, requirements, chosen)

    def components(self, obj: Mapping[str, Any], about: str) -> Components | None:
        chosen = self._chosen(obj, COMPONENTS)
        if chosen is None:
            return None
        raw = _run(chosen, about, lambda s: lua.get_components(s, dict(obj)))
        items = _convert(chosen, about, lambda: _components(raw or []))
        return Components(items, chosen)

    def revise(self, obj: Mapping[str, Any], replicas: int, about: str) -> dict[str, Any] | None:
        chosen = self._chosen(obj, REVISION)
        if chosen is None:
            return None
        revised: dict[str, Any] = _run(
            chosen, about, lambda s: lua.revise_replica(s, dict(obj), replicas)
        )
        return revised

    def dependencies(self, obj: Mapping[str, Any], about: str) -> Dependencies | None:
        api_version, kind = _target(obj)
        scripts = self.dependency_scripts(api_version, kind)
        if not scripts:
            return None
        found: set[Dependency] = set()
        for chosen in scripts:
            raw = _run(chosen, about, lambda s: lua.get_dependencies(s, dict(obj)))
            found.update(_convert(chosen, about, lambda raw=raw: _dependencies(raw)))
        ordered = sorted(found, key=lambda d: (d.api_version, d.kind, d.namespace, d.name))
        return Dependencies(tuple(ordered), scripts)

    def health(self, obj: Mapping[str, Any], about: str) -> tuple[bool, Chosen] | None:
        chosen = self._chosen(obj, HEALTH)
        if chosen is None:
            return None
        return _run(chosen, about, lambda s: lua.interpret_health(s, dict(obj))), chosen

    def reflect_status(self, obj: Mapping[str, Any], about: str) -> tuple[Any, Chosen] | None:
        chosen = self._chosen(obj, REFLECTION)
        if chosen is None:
            return None
        return _run(chosen, about, lambda s: lua.reflect_status(s, dict(obj))), chosen

    def aggregate_status(
        self, obj: Mapping[str, Any], items: list[Any] | None, about: str
    ) -> tuple[dict[str, Any], Chosen] | None:
        """`items` None is a binding no member reported for (Karmada's nil list, which a
        script sees as nil); an empty list reaches it as an empty table."""
        chosen = self._chosen(obj, AGGREGATION)
        if chosen is None:
            return None
        shaped = None if items is None else status_items(items)
        return _run(chosen, about, lambda s: lua.aggregate_status(s, dict(obj), shaped)), chosen

    def retain(
        self, desired: Mapping[str, Any], observed: Mapping[str, Any], about: str
    ) -> dict[str, Any] | None:
        chosen = self._chosen(desired, RETENTION)
        if chosen is None:
            return None
        retained: dict[str, Any] = _run(
            chosen, about, lambda s: lua.retain(s, dict(desired), dict(observed))
        )
        return retained

    def _chosen(self, obj: Mapping[str, Any], field: str) -> Chosen | None:
        api_version, kind = _target(obj)
        return self.chosen(api_version, kind, field)


def _target(obj: Mapping[str, Any]) -> _Target:
    return str(obj.get("apiVersion", "")), str(obj.get("kind", ""))


def _run(chosen: Chosen, about: str, call: Any) -> Any:
    script = chosen.customization.scripts[chosen.field]
    try:
        return call(script.text)
    except lua.LuaError as failure:
        raise UserError.at(
            script.at(failure.line),
            f"{FUNCTIONS[chosen.field]} of {chosen.describe} failed for {about}: {failure.message}",
        ) from None


def _convert(chosen: Chosen, about: str, call: Any) -> Any:
    try:
        return call()
    except _Failed as failure:
        script = chosen.customization.scripts[chosen.field]
        raise UserError.at(
            script.first_line,
            f"{FUNCTIONS[chosen.field]} of {chosen.describe} answered {about} wrongly: {failure}",
        ) from None


def _map(value: Any, what: str) -> dict[str, Any]:
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        raise _Failed(f"{what} must be a table with string keys")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None or value == {}:
        return []
    if not isinstance(value, list):
        raise _Failed(f"{what} must be a list")
    return value


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Failed(f"{what} must be a string")
    return value


def _requirements(raw: Any) -> ReplicaRequirements:
    """ReplicaRequirements (resourceRequest, nodeClaim) in the estimator's units."""
    fields = _map(raw, "the requirements")
    requests: dict[str, int] = {}
    for name, quantity in sorted(_map(fields.get("resourceRequest"), "resourceRequest").items()):
        amount = parse_quantity(quantity if isinstance(quantity, str) else str(quantity))
        if amount is None or isinstance(quantity, bool):
            raise _Failed(f"resourceRequest.{name}: {quantity!r} is not a quantity")
        units = request_units(name, amount)
        if units > 0:
            requests[name] = units
    return ReplicaRequirements(requests, fields.get("nodeClaim") is not None)


def _components(raw: list[Any]) -> tuple[Component, ...]:
    items = []
    for index, entry in enumerate(_list(raw, "the components")):
        fields = _map(entry, f"component {index + 1}")
        replicas = fields.get("replicas", 0)
        if isinstance(replicas, bool) or not isinstance(replicas, int):
            raise _Failed(f"component {index + 1}: replicas must be an integer")
        requires = fields.get("replicaRequirements")
        items.append(
            Component(
                _text(fields.get("name"), f"component {index + 1}: name"),
                replicas,
                _requirements(requires) if requires is not None else None,
            )
        )
    return tuple(items)


def _selector(raw: Any, what: str) -> LabelSelector | None:
    if raw is None:
        return None
    fields = _map(raw, what)
    labels = _map(fields.get("matchLabels"), f"{what}.matchLabels")
    expressions = []
    for index, entry in enumerate(_list(fields.get("matchExpressions"), what)):
        term = _map(entry, f"{what}.matchExpressions[{index}]")
        values = tuple(_text(v, "a value") for v in _list(term.get("values"), "values"))
        expressions.append(
            Requirement(_text(term.get("key"), "key"), _text(term.get("operator"), "op"), values)
        )
    return LabelSelector(
        tuple(sorted((k, _text(v, f"matchLabels.{k}")) for k, v in labels.items())),
        tuple(expressions),
    )


def _dependencies(raw: list[Any]) -> list[Dependency]:
    """DependentObjectReferences, checked as Karmada's VerifyDependencies checks them."""
    found = []
    for index, entry in enumerate(_list(raw, "the dependencies")):
        what = f"dependencies[{index}]"
        fields = _map(entry, what)
        dependency = Dependency(
            _text(fields.get("apiVersion"), f"{what}.apiVersion"),
            _text(fields.get("kind"), f"{what}.kind"),
            _text(fields.get("namespace"), f"{what}.namespace"),
            _text(fields.get("name"), f"{what}.name"),
            _selector(fields.get("labelSelector"), f"{what}.labelSelector"),
        )
        if not dependency.api_version:
            raise _Failed(f"{what}: missing required apiVersion")
        if not dependency.kind:
            raise _Failed(f"{what}: missing required kind")
        if not dependency.name and dependency.selector is None:
            raise _Failed(f"{what}: dependency can not leave name and labelSelector all empty")
        found.append(dependency)
    return found


def status_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """AggregatedStatusItems as a script receives them: Go's JSON of the struct, so a false
    `applied` and empty strings are left out."""
    shaped = []
    for item in items:
        entry: dict[str, Any] = {"clusterName": str(item.get("clusterName", ""))}
        if item.get("status") is not None:
            entry["status"] = item["status"]
        if item.get("applied"):
            entry["applied"] = True
        for key in ("appliedMessage", "health"):
            if item.get(key):
                entry[key] = item[key]
        shaped.append(entry)
    return shaped
