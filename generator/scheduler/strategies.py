"""Replica strategies, one function each, chosen from one table like Karmada's assignment.go."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from generator.model import DUPLICATED, TargetCluster
from generator.scheduler.candidates import Candidate
from generator.scheduler.input import ScheduleInput

Strategy = Callable[[ScheduleInput, Sequence[Candidate]], list[TargetCluster]]


def duplicated(request: ScheduleInput, clusters: Sequence[Candidate]) -> list[TargetCluster]:
    """Every selected cluster runs the template's full replica count."""
    return [TargetCluster(candidate.name, request.replicas) for candidate in clusters]


STRATEGIES: dict[str, Strategy] = {DUPLICATED: duplicated}


def strategy_name(request: ScheduleInput) -> str:
    return request.placement.replica_scheduling.type


def assign_replicas(request: ScheduleInput, clusters: Sequence[Candidate]) -> list[TargetCluster]:
    if not request.is_workload:
        # ConfigMaps, Services, ...: every selected cluster, no replicas to divide.
        return [TargetCluster(candidate.name, 0) for candidate in clusters]
    strategy = STRATEGIES[strategy_name(request)]
    return strategy(request, clusters)
