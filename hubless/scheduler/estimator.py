"""Karmada's general estimator: how many more replicas a cluster can take.

It reads only the Cluster's status.resourceSummary (and, when present, its resource
models), the way Karmada's default estimator does; the per-cluster accurate estimator
needs live clusters and has no offline equivalent.
"""

from __future__ import annotations

from typing import NamedTuple

from hubless.model import Cluster, ResourceSummary
from hubless.quantity import milli_value, value
from hubless.workloads import ReplicaRequirements

MAX_INT32 = 2**31 - 1
PODS_PER_MODEL_NODE = 110  # Kubernetes' default pod limit per node


class Estimate(NamedTuple):
    replicas: int
    limit: str  # what bounded the answer, for `explain`


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


def _model_estimate(cluster: Cluster, requests: dict[str, int]) -> Estimate | None:
    """Replicas that fit on virtual nodes built from the resource models, or None."""
    summary = cluster.resource_summary
    if summary is None or not summary.allocatable_modelings or not cluster.resource_models:
        return None
    counts: dict[int, int] = {}
    for grade, count in summary.allocatable_modelings:
        counts[grade] = counts.get(grade, 0) + count
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
            have = milli_value(capacity) if name == "cpu" else value(capacity)
            per_node = min(per_node, have // requested)
        total += per_node * counts.get(model.grade, 0)
    return Estimate(total, "resource models")


def estimate(cluster: Cluster, requirements: ReplicaRequirements | None) -> Estimate:
    """What Karmada's general estimator answers for one cluster, and what bounded it."""
    summary = cluster.resource_summary
    if summary is None:
        return Estimate(0, "no status.resourceSummary")
    pods = summary.free_pods
    if pods <= 0:
        return Estimate(0, "no pods left")
    if requirements is None:
        return Estimate(min(pods, MAX_INT32), "pods")
    modelled = _model_estimate(cluster, requirements.requests)
    found = modelled or _summary_estimate(summary, requirements.requests)
    if pods < found.replicas:
        found = Estimate(pods, "pods")
    return Estimate(min(found.replicas, MAX_INT32), found.limit)


def available_replicas(
    clusters: list[Cluster], replicas: int, requirements: ReplicaRequirements | None
) -> dict[str, Estimate]:
    """Per cluster, like Karmada's calAvailableReplicas: non-workloads are unbounded."""
    if replicas == 0:
        return {cluster.name: Estimate(MAX_INT32, "not a workload") for cluster in clusters}
    result = {}
    for cluster in clusters:
        found = estimate(cluster, requirements)
        if found.replicas == MAX_INT32:
            found = Estimate(replicas, found.limit)
        result[cluster.name] = found
    return result
