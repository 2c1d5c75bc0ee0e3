"""Replica strategies, one function each, chosen from one table like Karmada's assignment.go.

Every strategy receives the selected clusters in Karmada's order and returns replicas per
cluster; clusters left with 0 replicas are dropped by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from hubless.model import (
    AGGREGATED,
    DUPLICATED,
    DYNAMIC_WEIGHT,
    STATIC_WEIGHT,
)
from hubless.scheduler.candidates import Candidate
from hubless.scheduler.division import divide_replicas, merge
from hubless.scheduler.errors import NotEnoughRoom, Room, replicas_wanted
from hubless.scheduler.input import ScheduleInput
from hubless.selectors import cluster_matches


class Division(NamedTuple):
    """Replicas per cluster, the weights they were divided by, and how."""

    replicas: dict[str, int]
    weights: dict[str, int]
    how: str


Strategy = Callable[[ScheduleInput, Sequence[Candidate]], Division]


def duplicated(request: ScheduleInput, clusters: Sequence[Candidate]) -> Division:
    """Every selected cluster runs the template's full replica count."""
    replicas = {candidate.cluster.name: request.replicas for candidate in clusters}
    return Division(replicas, {}, "every selected cluster runs every replica")


def static_weights(request: ScheduleInput, clusters: Sequence[Candidate]) -> Division:
    """A cluster's weight is the largest weight of the entries matching it; without any
    weight at all every cluster weighs 1. The previous placement plays no part."""
    preference = request.placement.replica_scheduling.weight_preference
    entries = preference.static_weights if preference is not None else ()
    weights = {}
    for candidate in clusters:
        weight = max(
            (e.weight for e in entries if cluster_matches(e.target, candidate.cluster)), default=0
        )
        if weight > 0:
            weights[candidate.name] = weight
    how = f"{request.replicas} divided by static weight"
    if not weights:
        weights = {candidate.name: 1 for candidate in clusters}
        how = f"{request.replicas} divided evenly (no static weight matched)"
    return Division(divide_replicas(request.replicas, weights), weights, how)


def _sorted_desc(weights: list[tuple[str, int]]) -> list[tuple[str, int]]:
    # Karmada sorts with Go's sort.Sort, an insertion sort (stable) for up to 12 entries.
    return sorted(weights, key=lambda item: -item[1])


def _divide(
    strategy: str,
    wanted: int,
    weights: list[tuple[str, int]],
    room: Callable[[], Sequence[Room]],
    prior: set[str],
    wanted_text: str,
) -> tuple[dict[str, int], dict[str, int]]:
    """Karmada's dynamicDivideReplicas: `wanted` divided by each cluster's room (its
    weight); `room` tells it when it is not enough."""
    if sum(w for _, w in weights) < wanted:
        raise NotEnoughRoom(wanted_text, room())
    if strategy == AGGREGATED:
        # Clusters that already run replicas first, then the fewest clusters that fit.
        weights = _sorted_desc(weights)
        weights = [w for w in weights if w[0] in prior] + [w for w in weights if w[0] not in prior]
        total = 0
        for index, (_, weight) in enumerate(weights):
            total += weight
            if total >= wanted:
                weights = weights[: index + 1]
                break
    # Karmada sorts by room for every strategy (dynamicScaleUp); only Aggregated's choice
    # reads that order: a division by weight depends on the weights alone.
    return divide_replicas(wanted, dict(weights)), dict(weights)


def dynamic(request: ScheduleInput, clusters: Sequence[Candidate]) -> Division:
    """DynamicWeight and Aggregated: divide by available capacity, keep what is placed.

    Scale up divides only the missing replicas and adds them to the previous placement;
    scale down divides the new total over the previous clusters by their replicas; an
    equal total keeps the previous placement. Clusters that are no longer candidates lose
    their replicas.
    """
    strategy = request.placement.replica_scheduling.strategy
    names = {candidate.cluster.name for candidate in clusters}
    scheduled = {n: r for n, r in request.previous.items() if n in names}
    assigned = sum(scheduled.values())
    wanted = request.replicas
    prior = {n for n, r in scheduled.items() if r > 0}
    if request.fresh:
        # room plus current replicas: what `available` holds
        weights = [(c.cluster.name, c.available) for c in clusters]
        divided, used = _divide(
            strategy,
            wanted,
            weights,
            lambda: [c.room(with_current=True) for c in clusters],
            set(),
            replicas_wanted(wanted),
        )
        how = f"rescheduled: {wanted} divided by available plus current replicas"
        return Division(divided, used, how)
    if assigned > wanted:
        # The current replicas are the weights; they hold more than is wanted.
        room = [Room(n, r, "current replicas") for n, r in scheduled.items()]
        divided, used = _divide(
            strategy,
            wanted,
            [(r.cluster, r.replicas) for r in room],
            lambda: room,
            set(),
            replicas_wanted(wanted),
        )
        how = f"scale down from {assigned}: {wanted} divided by the current replicas"
        return Division(divided, used, how)
    if assigned < wanted:
        more = wanted - assigned
        text = replicas_wanted(wanted)
        if assigned:
            text = f"{replicas_wanted(more, more=True)} (scale up from {assigned} to {wanted})"
        weights = [(c.cluster.name, c.allocatable) for c in clusters]
        divided, used = _divide(
            strategy, more, weights, lambda: [c.room() for c in clusters], prior, text
        )
        if assigned:
            how = f"scale up from {assigned}: {more} more divided by available replicas"
        else:
            how = f"{wanted} divided by available replicas"
        return Division(merge(scheduled, divided), used, how)
    return Division(scheduled, {}, "unchanged: the previous placement already holds every replica")


STRATEGIES: dict[str, Strategy] = {
    DUPLICATED: duplicated,
    STATIC_WEIGHT: static_weights,
    DYNAMIC_WEIGHT: dynamic,
    AGGREGATED: dynamic,
}


def strategy_name(request: ScheduleInput) -> str:
    return request.placement.replica_scheduling.strategy


def assign_replicas(request: ScheduleInput, clusters: Sequence[Candidate]) -> Division:
    if not request.is_workload:
        # ConfigMaps, Services, ...: every selected cluster, no replicas to divide.
        return Division({c.cluster.name: 0 for c in clusters}, {}, "not a workload")
    return STRATEGIES[strategy_name(request)](request, clusters)
