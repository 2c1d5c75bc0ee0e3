"""Karmada's general estimator: how many more replicas a cluster can take.

It reads only the Cluster's status.resourceSummary (and, when present, its resource
models), the way Karmada's default estimator does; the per-cluster accurate estimator
needs live clusters and has no offline equivalent.
"""

from __future__ import annotations

from fractions import Fraction

from generator.model import Cluster, ResourceSummary
from generator.quantity import milli_value, value
from generator.workloads import ReplicaRequirements

MAX_INT32 = 2**31 - 1
PODS_PER_MODEL_NODE = 110  # Kubernetes' default pod limit per node


def _pods(summary: ResourceSummary) -> int:
    allowed = sum(
        value(table.get("pods", Fraction(0))) * sign
        for table, sign in (
            (summary.allocatable, 1),
            (summary.allocated, -1),
            (summary.allocating, -1),
        )
    )
    return max(allowed, 0)


def _summary_estimate(summary: ResourceSummary, requests: dict[str, int]) -> int:
    """floor(available / request), the minimum over the requested resources."""
    best: int | None = None
    for name, requested in requests.items():
        if requested <= 0:
            continue
        if name not in summary.allocatable:
            return 0
        available = (
            summary.allocatable[name]
            - summary.allocated.get(name, Fraction(0))
            - summary.allocating.get(name, Fraction(0))
        )
        if value(available) <= 0:
            return 0
        # cpu requests are millicores; other requests are whole units.
        have = milli_value(available) if name == "cpu" else value(available)
        fits = have // requested
        best = fits if best is None else min(best, fits)
    return best if best is not None else 2**63 - 1


def _model_estimate(cluster: Cluster, requests: dict[str, int]) -> int | None:
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
    return total


def max_available_replicas(cluster: Cluster, requirements: ReplicaRequirements | None) -> int:
    """What Karmada's general estimator answers for one cluster."""
    summary = cluster.resource_summary
    if summary is None:
        return 0
    pods = _pods(summary)
    if pods <= 0:
        return 0
    if requirements is None:
        return min(pods, MAX_INT32)
    modelled = _model_estimate(cluster, requirements.requests)
    estimate = (
        modelled if modelled is not None else _summary_estimate(summary, requirements.requests)
    )
    return min(pods, estimate, MAX_INT32)


def available_replicas(
    clusters: list[Cluster], replicas: int, requirements: ReplicaRequirements | None
) -> dict[str, int]:
    """Per cluster, like Karmada's calAvailableReplicas: non-workloads are unbounded."""
    if replicas == 0:
        return {cluster.name: MAX_INT32 for cluster in clusters}
    result = {}
    for cluster in clusters:
        estimate = max_available_replicas(cluster, requirements)
        result[cluster.name] = replicas if estimate == MAX_INT32 else estimate
    return result
