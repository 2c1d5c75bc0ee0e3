"""The scheduling pipeline, like Karmada's generic scheduler: filter, select, assign."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.model import Cluster, TargetCluster
from generator.scheduler.filters import FILTERS
from generator.scheduler.input import ScheduleInput
from generator.scheduler.strategies import assign_replicas


@dataclass(frozen=True)
class Schedule:
    clusters: tuple[TargetCluster, ...]
    rejected: tuple[tuple[str, str], ...]  # (cluster, why), for `explain`


def feasible_clusters(
    request: ScheduleInput, clusters: Sequence[Cluster]
) -> tuple[list[Cluster], list[tuple[str, str]]]:
    """Clusters that pass every filter, and why each of the others did not."""
    passed, rejected = [], []
    for cluster in clusters:
        for check in FILTERS:
            reason = check(request, cluster)
            if reason is not None:
                rejected.append((cluster.name, reason))
                break
        else:
            passed.append(cluster)
    return passed, rejected


def schedule(request: ScheduleInput, clusters: Sequence[Cluster]) -> Schedule:
    feasible, rejected = feasible_clusters(request, clusters)
    assigned = assign_replicas(request, feasible)
    if request.is_workload:
        # Karmada withdraws a workload from clusters that get no replicas.
        assigned = [target for target in assigned if target.replicas > 0]
    return Schedule(tuple(sorted(assigned)), tuple(rejected))
