"""The pure pipeline: a Fleet in, every cluster's objects and every decision out.

match -> schedule -> override. No I/O here: the same function serves render, --check,
diff and explain.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator import kinds, workloads
from generator.errors import Problems, UserError
from generator.match import override_policies_for, propagation_policy_for
from generator.model import (
    Binding,
    Fleet,
    OverridePolicy,
    ResourceKey,
    ResourceTemplate,
    TargetCluster,
)
from generator.overriders import apply_overrides
from generator.scheduler import ScheduleInput, schedule

SKIP_AUTO_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"
NAMESPACE_SYNC = "namespace-sync"


@dataclass(frozen=True)
class RenderedObject:
    key: ResourceKey
    body: dict[str, Any]
    overrides: tuple[str, ...]  # the override rules that applied, in order


@dataclass(frozen=True)
class Decision:
    """Why a template is where it is: the binding plus what the scheduler rejected."""

    binding: Binding
    via: str  # the policy, or NAMESPACE_SYNC
    rejected: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Compiled:
    objects: dict[str, list[RenderedObject]]  # cluster name -> objects in key order
    decisions: tuple[Decision, ...]
    unmatched: tuple[ResourceKey, ...]  # no propagation policy: propagated nowhere
    skipped: tuple[ResourceKey, ...]  # objects Karmada never propagates (kube-*, events)


def _auto_propagated_namespace(template: ResourceTemplate) -> bool:
    """Karmada's namespace sync copies a Namespace to every cluster unless told not to."""
    if template.group != "" or template.kind != "Namespace":
        return False
    if kinds.is_reserved_namespace(template.name):
        return False
    return template.labels.get(SKIP_AUTO_PROPAGATION) != "true"


def _bind(
    template: ResourceTemplate,
    fleet: Fleet,
    previous: Mapping[ResourceKey, dict[str, int]],
) -> Decision | None:
    if _auto_propagated_namespace(template):
        targets = tuple(TargetCluster(c.name, 0) for c in fleet.clusters)
        return Decision(Binding(template.key, template.source, None, targets), NAMESPACE_SYNC)
    policy = propagation_policy_for(template, fleet.propagation_policies)
    if policy is None or policy.scheduler_name != "default-scheduler":
        return None
    group, kind, body = template.group, template.kind, template.body
    workload = workloads.is_workload(group, kind, body)
    replicas = workloads.read_replicas(group, kind, body)
    request = ScheduleInput(
        resource=template.key,
        api_version=template.api_version,
        placement=policy.placement,
        replicas=replicas,
        is_workload=workload,
        previous=dict(previous.get(template.key, {})),
    )
    result = schedule(request, fleet.clusters)
    binding = Binding(template.key, template.source, policy.ref, result.clusters, replicas)
    return Decision(binding, str(policy.ref), result.rejected)


def compile_fleet(
    fleet: Fleet, previous: Mapping[ResourceKey, dict[str, int]] | None = None
) -> Compiled:
    """Every cluster's fully overridden objects. Raises UserError listing every failure."""
    previous = previous or {}
    problems = Problems()
    clusters = {cluster.name: cluster for cluster in fleet.clusters}
    objects: dict[str, list[RenderedObject]] = {name: [] for name in clusters}
    decisions: list[Decision] = []
    unmatched: list[ResourceKey] = []
    skipped: list[ResourceKey] = []

    for template in fleet.templates:
        if kinds.skipped_by_karmada(template.group, template.kind, template.namespace):
            skipped.append(template.key)
            continue
        decision = _bind(template, fleet, previous)
        if decision is None:
            unmatched.append(template.key)
            continue
        decisions.append(decision)
        policies: list[OverridePolicy] = override_policies_for(template, fleet.override_policies)
        if decision.via == NAMESPACE_SYNC:
            policies = [p for p in policies if p.cluster_scoped]
        workload = workloads.is_workload(template.group, template.kind, template.body)
        for target in decision.binding.clusters:
            body = copy.deepcopy(template.body)
            if workload:
                workloads.revise_replicas(template.group, template.kind, body, target.replicas)
            try:
                body, applied = apply_overrides(body, policies, clusters[target.name], template.key)
            except UserError as exc:
                problems.extend(exc)
                continue
            objects[target.name].append(RenderedObject(template.key, body, tuple(applied)))
    problems.raise_if_any()
    return Compiled(objects, tuple(decisions), tuple(unmatched), tuple(skipped))
