"""Replica strategies, one function each, chosen from one table like Karmada's assignment.go."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator.model import DUPLICATED, Cluster, TargetCluster
from generator.scheduler.input import ScheduleInput

Strategy = Callable[[ScheduleInput, Sequence[Cluster]], list[TargetCluster]]


def duplicated(request: ScheduleInput, clusters: Sequence[Cluster]) -> list[TargetCluster]:
    """Every selected cluster runs the template's full replica count."""
    return [TargetCluster(cluster.name, request.replicas) for cluster in clusters]


STRATEGIES: dict[str, Strategy] = {DUPLICATED: duplicated}


def assign_replicas(request: ScheduleInput, clusters: Sequence[Cluster]) -> list[TargetCluster]:
    if not request.is_workload:
        # ConfigMaps, Services, ...: every selected cluster, no replicas to divide.
        return [TargetCluster(cluster.name, 0) for cluster in clusters]
    strategy = STRATEGIES[request.placement.replica_scheduling.type]
    return strategy(request, clusters)
