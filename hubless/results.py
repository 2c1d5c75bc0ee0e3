"""What compiling a fleet produces: decisions (where each template goes, and why) and the
fully overridden objects of each cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from hubless.errors import Problem, Source, UserError
from hubless.match import Contender
from hubless.model import Binding, OverridePolicy, OverrideRule, PropagationPolicy, ResourceKey
from hubless.overriders import Change
from hubless.scheduler import Schedule

# Decision.via for templates placed without a propagation policy of their own.
NAMESPACE_SYNC = "namespace-sync"  # Karmada's namespace sync: every cluster
DEPENDENCY = "dependency"  # only because propagateDeps workloads need it


class TemplateWarning(NamedTuple):
    """A warning about one template: only compiling that template again can change it."""

    template: ResourceKey
    problem: Problem


class Oversized(NamedTuple):
    """A template's object whose file is over the API server's object size limit."""

    template: ResourceKey
    cluster: str
    size: int  # bytes of its file


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
    # (cluster, CRD name) where only a CRD this render places there serves its API
    api_from_render: tuple[tuple[str, str], ...] = ()


class RuleRef(NamedTuple):
    """An override rule as messages name it: `OverridePolicy/ns/name overrideRules[0]`."""

    label: str
    source: Source

    @classmethod
    def of(cls, policy: OverridePolicy, rule: OverrideRule) -> RuleRef:
        return cls(policy.rule_name(rule), rule.source)


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
    # what keeps its replicas on its cluster, so that spec.replicas is not written: the
    # autoscalers that scale it there, or Karmada's retain-replicas label
    replicas_kept_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Compiled:
    """Decisions over the whole fleet, and the objects of the clusters that were built."""

    objects: dict[str, list[RenderedObject]]  # cluster name -> objects in key order
    decisions: tuple[Decision, ...]
    unmatched: tuple[ResourceKey, ...]  # no propagation policy: propagated nowhere
    skipped: tuple[ResourceKey, ...]  # objects Karmada never propagates (kube-*, events)
    warnings: tuple[TemplateWarning, ...] = ()
    # placed nowhere because their policy names a scheduler hubless does not run
    other_scheduler: tuple[tuple[ResourceKey, PropagationPolicy], ...] = ()
    # placed nowhere because their policy waits for override policies (the warning says)
    held: tuple[tuple[ResourceKey, Problem], ...] = ()
    # objects over the size limit, on the clusters built (a warning in `warnings` each)
    oversized: tuple[Oversized, ...] = ()

    def decision_for(self, key: ResourceKey) -> Decision | None:
        return next((d for d in self.decisions if d.binding.resource == key), None)


class CompileError(UserError):
    """The errors of a compile, with what it decided and built despite them: explain
    shows why a template went nowhere (a failed schedule's verdicts) before the errors."""

    def __init__(self, problems: list[Problem], compiled: Compiled) -> None:
        super().__init__(problems)
        self.compiled = compiled
