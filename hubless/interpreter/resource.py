"""Karmada's resource interpreter as a whole, for one template: per operation, the
customization scripts (the user's, then the built-in ones) and, when none applies, the
native rules of `hubless.workloads` and `hubless.dependencies`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hubless import dependencies, kinds, workloads
from hubless.dependencies import Reference
from hubless.errors import UserError
from hubless.interpreter.customization import HEALTH, REVISION
from hubless.interpreter.interpreters import Component, Components, Dependency, Interpreters
from hubless.model import ResourceTemplate
from hubless.overriders.owned import Owned, own_copy
from hubless.workloads import ReplicaRequirements

NATIVE = "Karmada's native interpreter"
T = TypeVar("T")


@dataclass(frozen=True)
class Interpreted:
    """GetReplicas of a template: its replicas, what each needs, and who said so."""

    replicas: int
    requirements: ReplicaRequirements | None
    by: str = NATIVE
    # GetComponents' answer instead, when Karmada's detector asks for components (then
    # replicas is 0 and requirements None, as in its binding)
    components: tuple[Component, ...] | None = None

    @property
    def is_workload(self) -> bool:
        """Karmada divides replicas only of these (replicas or requirements reported)."""
        return self.replicas > 0 or self.requirements is not None

    @property
    def binds_a_workload(self) -> bool:
        """ResourceBindingSpec.IsWorkload: components count too (their object's
        ReviseReplica is asked for the cluster's replicas, 0)."""
        return self.is_workload or bool(self.components)


@dataclass(frozen=True)
class References:
    """GetDependencies of a template, as propagateDeps follows them."""

    items: tuple[Reference, ...]
    by: str = NATIVE


def about(template: ResourceTemplate) -> str:
    return f"{template.key} ({template.source})"


def replicas(
    interpreters: Interpreters, template: ResourceTemplate, *, components: bool = False
) -> Interpreted:
    """GetReplicas, asked once per template (scheduling asks up to three times); with
    `components` (MultiplePodTemplatesScheduling on in Karmada's controller-manager) a kind
    with a GetComponents script is read by it instead."""
    key = ("replicas", id(template.body), components)
    known = interpreters.memo.get(key)
    if known is not None:
        answer: Interpreted = known[1]
        return answer
    if components:
        parts = interpreters.components(template.body, about(template))
        if parts is not None:
            answer = Interpreted(0, None, parts.by.describe, parts.items)
            interpreters.memo[key] = (template.body, answer)
            return answer
    found = interpreters.replicas(template.body, about(template))
    group, kind, body = template.group, template.kind, template.body
    if found is not None:
        answer = Interpreted(found.count, found.requirements, found.by.describe)
    else:
        answer = Interpreted(
            workloads.read_replicas(group, kind, body),
            workloads.replica_requirements(group, kind, body),
        )
    interpreters.memo[key] = (template.body, answer)
    return answer


def revise(
    interpreters: Interpreters,
    template: ResourceTemplate,
    body: dict[str, Any],
    count: int,
    owned: Owned | None,
) -> dict[str, Any]:
    """`body` (the template's own copy for one cluster, `owned` its paths overrides may
    change) with that cluster's share of the replicas written in (ReviseReplica). The
    native rules write in place. A script's answer depends only on the template and the
    count, so clusters with the same share share one answer, each with its own copy of the
    owned paths."""
    key = ("revised", id(template.body), count)
    known = interpreters.memo.get(key)
    if known is None:
        revised = interpreters.revise(template.body, count, about(template))
        if revised is None:
            workloads.revise_replicas(template.group, template.kind, body, count)
            return body
        # The template is kept with its answer, so that its id names it while it is here.
        known = interpreters.memo[key] = (template.body, _ordered_like(revised, body))
    shared: dict[str, Any] = known[1]
    return own_copy(shared, owned)


def references(interpreters: Interpreters, template: ResourceTemplate) -> References:
    found = interpreters.dependencies(template.body, about(template))
    if found is None:
        return References(tuple(dependencies.references(template)))
    by = ", ".join(chosen.describe for chosen in found.by)
    return References(tuple(_reference(d) for d in found.items), by)


def _reference(dependency: Dependency) -> Reference:
    return Reference(
        kinds.group_of(dependency.api_version),
        dependency.kind,
        dependency.name,
        dependency.selector,
        dependency.namespace,
    )


def _ordered_like(value: Any, reference: Any) -> Any:
    """A script's answer with its keys in the order the object it was given had them (new
    keys after, as the script's JSON sorts them), so that a revised object reads like its
    template."""
    if isinstance(value, dict) and isinstance(reference, dict):
        keys = [k for k in reference if k in value] + [k for k in value if k not in reference]
        return {k: _ordered_like(value[k], reference.get(k)) for k in keys}
    if isinstance(value, list) and isinstance(reference, list):
        return [
            _ordered_like(item, reference[i] if i < len(reference) else None)
            for i, item in enumerate(value)
        ]
    return value


@dataclass(frozen=True)
class Customized:
    """Which customization scripts answer for a template's kind, operation by operation
    (None: Karmada's native rules, or nothing, answer that one)."""

    replicas: Interpreted | None
    revision: str | None
    dependencies: References | None
    health: str | None
    # GetComponents: read only with Karmada's MultiplePodTemplatesScheduling feature gate,
    # which is off by default and which hubless schedules as.
    components: Components | None = None
    failures: tuple[str, ...] = ()  # the operations whose scripts failed, as located errors


def customized(interpreters: Interpreters, template: ResourceTemplate) -> Customized | None:
    """For `explain`: None when no script applies to the template's kind at all."""
    api_version, kind = template.api_version, template.kind
    if (api_version, kind) not in interpreters.kinds():
        return None
    failures: list[str] = []

    def attempt(operation: Callable[[], T]) -> T | None:
        try:
            return operation()
        except UserError as exc:
            failures.extend(str(problem) for problem in exc.problems)
            return None

    found = attempt(lambda: replicas(interpreters, template))
    revision = interpreters.chosen(api_version, kind, REVISION)
    health = interpreters.chosen(api_version, kind, HEALTH)
    needs = attempt(lambda: references(interpreters, template))
    components = attempt(lambda: interpreters.components(template.body, about(template)))
    return Customized(
        found if found is not None and found.by != NATIVE else None,
        revision.describe if revision is not None else None,
        needs if needs is not None and needs.by != NATIVE else None,
        health.describe if health is not None else None,
        components,
        tuple(failures),
    )
