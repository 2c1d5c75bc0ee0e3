"""Karmada's general estimator: how many more replicas a cluster can take.

It reads only the Cluster's status.resourceSummary (and, when present, its resource
models), the way Karmada's default estimator does; the per-cluster accurate estimator
needs live clusters and has no offline equivalent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from hubless.interpreter.interpreters import Component
from hubless.model import Cluster, ResourceSummary
from hubless.quantity import request_units
from hubless.workloads import ReplicaRequirements

MAX_INT32 = 2**31 - 1
PODS_PER_MODEL_NODE = 110  # Kubernetes' default pod limit per node


class Estimate(NamedTuple):
    replicas: int
    limit: str  # what bounded the answer, for `explain`


# Answers already given, by (id of the cluster, the requests): a compile asks the same
# question of every cluster once per template and scheduling pass.
Estimates = dict[tuple[int, tuple[tuple[str, int], ...] | None], Estimate]


def _summary_estimate(summary: ResourceSummary, requests: dict[str, int]) -> Estimate:
    """floor(available / request), the minimum over the requested resources."""
    best: Estimate | None = None
    for name, requested in requests.items():  # already in name order
        if requested <= 0:
            continue
        have = summary.free_units.get(name)  # cpu in millicores, like the request
        if have is None:
            return Estimate(0, f"{name} is not allocatable")
        if have <= 0:
            return Estimate(0, f"no {name} left")
        fits = have // requested
        if best is None or fits < best.replicas:
            best = Estimate(fits, name)
    return best if best is not None else Estimate(2**63 - 1, "no requests")


def _grade_counts(cluster: Cluster) -> dict[int, int] | None:
    """Nodes per resource-model grade (allocatableModelings summed), or None when the
    cluster has no models to count against."""
    summary = cluster.resource_summary
    if summary is None or not summary.allocatable_modelings or not cluster.resource_models:
        return None
    counts: dict[int, int] = {}
    for grade, count in summary.allocatable_modelings:
        counts[grade] = counts.get(grade, 0) + count
    return counts


def _model_estimate(cluster: Cluster, requests: dict[str, int]) -> Estimate | None:
    """Replicas that fit on virtual nodes built from the resource models, or None."""
    counts = _grade_counts(cluster)
    if counts is None:
        return None
    total = 0
    for model in cluster.resource_models:  # ascending grade
        per_node = PODS_PER_MODEL_NODE
        for name, requested in requests.items():
            if requested <= 0:
                continue
            capacity = model.minimums.get(name)
            if capacity is None:
                per_node = 0
                break
            have = request_units(name, capacity)
            per_node = min(per_node, have // requested)
        total += per_node * counts.get(model.grade, 0)
    return Estimate(total, "resource models")


def _no_room(cluster: Cluster) -> Estimate | None:
    """Where the general estimator stops before any request: no summary, no pods left."""
    summary = cluster.resource_summary
    if summary is None:
        return Estimate(0, "no status.resourceSummary")
    if summary.free_pods <= 0:
        return Estimate(0, "no pods left")
    return None


def estimate(cluster: Cluster, requirements: ReplicaRequirements | None) -> Estimate:
    """What Karmada's general estimator answers for one cluster, and what bounded it."""
    stop = _no_room(cluster)
    if stop is not None:
        return stop
    summary = cluster.resource_summary
    assert summary is not None
    pods = summary.free_pods
    if requirements is None:
        return Estimate(min(pods, MAX_INT32), "pods")
    modelled = _model_estimate(cluster, requirements.requests)
    found = modelled or _summary_estimate(summary, requirements.requests)
    if pods < found.replicas:
        found = Estimate(pods, "pods")
    return Estimate(min(found.replicas, MAX_INT32), found.limit)


NOT_A_WORKLOAD = Estimate(MAX_INT32, "not a workload")


def replica_estimates(
    clusters: Sequence[Cluster],
    requirements: ReplicaRequirements | None,
    known: Estimates | None = None,
) -> list[Estimate]:
    """`estimate` for each cluster, in order. `known`: answers to reuse and keep (the
    estimate reads only the cluster and the requests)."""
    requests = None if requirements is None else tuple(requirements.requests.items())
    if known is None:
        return [estimate(cluster, requirements) for cluster in clusters]
    result = []
    for cluster in clusters:
        key = (id(cluster), requests)
        found = known.get(key)
        if found is None:
            found = known[key] = estimate(cluster, requirements)
        result.append(found)
    return result


def not_a_workload(replicas: int, components: bool) -> bool:
    """No replicas and no components: it fits anywhere (NOT_A_WORKLOAD)."""
    return replicas == 0 and not components


def unbounded(found: Estimate) -> bool:
    return found.replicas == MAX_INT32


def bounded(found: Estimate, replicas: int) -> Estimate:
    """An unbounded answer (MAX_INT32) as the replicas wanted, as Karmada does."""
    return Estimate(replicas, found.limit) if unbounded(found) else found


def _per_set(components: Sequence[Component]) -> dict[str, int]:
    """What one set of the components asks for, per resource (the sum of replicas times request)."""
    total: dict[str, int] = {}
    for component in components:
        if component.requirements is None:
            continue
        for name, requested in component.requirements.requests.items():
            total[name] = total.get(name, 0) + requested * component.replicas
    return dict(sorted(total.items()))


def _model_nodes(cluster: Cluster) -> list[dict[str, int]] | None:
    """One virtual node per counted node of each grade (ascending), sized by the grade's
    minimums and 110 pods; None when the cluster has no models to build them from."""
    counts = _grade_counts(cluster)
    if counts is None:
        return None
    nodes: list[dict[str, int]] = []
    for model in sorted(cluster.resource_models, key=lambda m: m.grade):
        capacity = {name: request_units(name, amount) for name, amount in model.minimums.items()}
        capacity["pods"] = PODS_PER_MODEL_NODE
        nodes.extend(dict(capacity) for _ in range(counts.get(model.grade, 0)))
    return nodes


def _place(nodes: list[dict[str, int]], component: Component) -> bool:
    """First fit of one component's replicas over the nodes, consuming what they take."""
    requests = component.requirements.requests if component.requirements else {}
    remaining = component.replicas
    for node in nodes:
        fits = node["pods"]
        for name, requested in requests.items():
            if requested > 0:
                fits = min(fits, node.get(name, 0) // requested)
        fits = min(fits, remaining)
        if fits <= 0:
            continue
        node["pods"] -= fits
        for name, requested in requests.items():
            if name in node:
                node[name] = max(node[name] - requested * fits, 0)
        remaining -= fits
        if remaining == 0:
            return True
    return remaining == 0


def _model_sets(nodes: list[dict[str, int]], components: Sequence[Component], bound: int) -> int:
    """Whole sets placed one after another until one does not fit (or `bound` is reached),
    as Karmada's SchedulingSimulator does."""
    sets = 0
    while sets < bound and all(_place(nodes, component) for component in components):
        sets += 1
    return sets


def component_sets(cluster: Cluster, components: Sequence[Component]) -> Estimate:
    """How many whole sets of the components the cluster can take (Karmada's general
    estimator's maxAvailableComponentSets), and what bounded it."""
    stop = _no_room(cluster)
    if stop is not None:
        return stop
    summary = cluster.resource_summary
    assert summary is not None
    pods = summary.free_pods
    pods_per_set = sum(component.replicas for component in components)
    if pods_per_set <= 0:
        return Estimate(min(pods, MAX_INT32), "pods")
    found = Estimate(pods // pods_per_set, "pods")
    for name, requested in _per_set(components).items():
        if requested <= 0:
            continue
        have = summary.free_units.get(name, 0)
        if have <= 0:
            return Estimate(
                0, f"no {name} left" if name in summary.free_units else f"{name} is not allocatable"
            )
        if have // requested < found.replicas:
            found = Estimate(have // requested, name)
    nodes = _model_nodes(cluster)
    if nodes is not None:
        modelled = _model_sets(nodes, components, found.replicas)
        if modelled < found.replicas:
            found = Estimate(modelled, "resource models")
    return Estimate(min(found.replicas, MAX_INT32), found.limit)
