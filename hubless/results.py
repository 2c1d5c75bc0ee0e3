"""What compiling a fleet produces: decisions (where each template goes, and why) and the
fully overridden objects of each cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from hubless.errors import Problem, Source
from hubless.match import Contender
from hubless.model import Binding, OverridePolicy, OverrideRule, PropagationPolicy, ResourceKey
from hubless.overriders import Change
from hubless.scheduler import Schedule

# Decision.via for templates placed without a propagation policy of their own.
NAMESPACE_SYNC = "namespace-sync"  # Karmada's namespace sync: every cluster
DEPENDENCY = "dependency"  # only because propagateDeps workloads need it


@dataclass(frozen=True)
class Decision:
    """Why a template is where it is: the binding, the policy contest and the schedule."""

    binding: Binding
    via: str  # the policy, NAMESPACE_SYNC or DEPENDENCY
    contest: tuple[Contender, ...] = ()  # every matching propagation policy, winner first
    schedule: Schedule | None = None  # None for namespace sync
    propagate_deps: bool = False
    # (workload, its clusters) for every propagateDeps workload that needs this object
    required_by: tuple[tuple[ResourceKey, tuple[str, ...]], ...] = ()
    replicas_by_overrides: bool = False  # another dialect's overrides write the replicas


class RuleRef(NamedTuple):
    """An override rule as messages name it: `OverridePolicy/ns/name overrideRules[0]`."""

    label: str
    source: Source

    @classmethod
    def of(cls, policy: OverridePolicy, rule: OverrideRule) -> RuleRef:
        return cls(f"{policy.ref} overrideRules[{rule.index}]", rule.source)


@dataclass(frozen=True)
class RenderedObject:
    key: ResourceKey
    body: dict[str, Any]
    overrides: tuple[str, ...]  # the override rules that applied, in order
    # with tracing: per applied rule, the (pointer, before, after) it changed
    changes: tuple[tuple[str, tuple[Change, ...]], ...] = ()
    source: Source | None = None  # its template's; None for a cluster's bootstrap objects
    # the last rule that changed its group, kind, namespace or name (None: its template's)
    moved_by: RuleRef | None = None


@dataclass(frozen=True)
class Compiled:
    """Decisions over the whole fleet, and the objects of the clusters that were built."""

    objects: dict[str, list[RenderedObject]]  # cluster name -> objects in key order
    decisions: tuple[Decision, ...]
    unmatched: tuple[ResourceKey, ...]  # no propagation policy: propagated nowhere
    skipped: tuple[ResourceKey, ...]  # objects Karmada never propagates (kube-*, events)
    warnings: tuple[Problem, ...] = ()
    # placed nowhere because their policy names a scheduler hubless does not run
    other_scheduler: tuple[tuple[ResourceKey, PropagationPolicy], ...] = ()
    # placed nowhere because their policy waits for override policies (the warning says)
    held: tuple[tuple[ResourceKey, Problem], ...] = ()

    def decision_for(self, key: ResourceKey) -> Decision | None:
        return next((d for d in self.decisions if d.binding.resource == key), None)
