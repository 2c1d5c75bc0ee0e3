"""KubeAdmiral's score plugins. Each scores all feasible clusters at once, normalization
included, on a 0-100 scale; the pipeline adds the plugins' scores up without weights."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from hubless.dialects.gomath import go_div
from hubless.dialects.kubeadmiral.scheduler import profile as names
from hubless.dialects.kubeadmiral.scheduler.filters import (
    PREFER_NO_SCHEDULE,
    amount,
    in_use,
    is_scalar,
)
from hubless.dialects.kubeadmiral.scheduler.labels import InvalidSelector, expressions_match
from hubless.dialects.kubeadmiral.scheduler.types import (
    CPU,
    EPHEMERAL_STORAGE,
    GPU,
    MEMORY,
    FederatedCluster,
    KubeAdmiralScheduleError,
)
from hubless.dialects.kubeadmiral.scheduler.unit import SchedulingUnit
from hubless.selectors import tolerates

MAX_SCORE = 100
# How much each resource counts in the allocation scores; any other resource counts 1.
RESOURCE_WEIGHTS = {CPU: 1, MEMORY: 1, GPU: 4}

Score = Callable[[SchedulingUnit, Sequence[FederatedCluster]], list[int]]


def normalize(scores: Sequence[int], reverse: bool) -> list[int]:
    """Scale to 0-100 by the highest score (only positive maxima count), integer math; with
    `reverse`, 100 minus that, and everything 100 when no score is positive."""
    highest = max((s for s in scores if s > 0), default=0)
    if highest == 0:
        return [MAX_SCORE] * len(scores) if reverse else list(scores)
    scaled = [go_div(MAX_SCORE * s, highest) for s in scores]
    return [MAX_SCORE - s for s in scaled] if reverse else scaled


def taint_toleration(unit: SchedulingUnit, clusters: Sequence[FederatedCluster]) -> list[int]:
    """Fewer untolerated PreferNoSchedule taints score higher: the count, reverse-normalized.
    Only tolerations with no effect or PreferNoSchedule count here."""
    tolerations = [t for t in unit.tolerations if t.effect in ("", PREFER_NO_SCHEDULE)]
    counts = [
        sum(
            1
            for taint in cluster.taints
            if taint.effect == PREFER_NO_SCHEDULE
            and not any(tolerates(t, taint) for t in tolerations)
        )
        for cluster in clusters
    ]
    return normalize(counts, reverse=True)


def cluster_affinity(unit: SchedulingUnit, clusters: Sequence[FederatedCluster]) -> list[int]:
    """The weights of the preferred terms a cluster matches, normalized to the best match.
    Raises KubeAdmiralScheduleError for an invalid term: the whole schedule fails."""
    preferred = unit.affinity.preferred if unit.affinity is not None else ()
    raw = []
    for cluster in clusters:
        total = 0
        for term in preferred:
            if term.weight == 0:
                continue
            try:
                # Only matchExpressions count; an empty list matches nothing.
                if expressions_match(term.preference.match_expressions, cluster.labels):
                    total += term.weight
            except InvalidSelector as error:
                raise KubeAdmiralScheduleError(
                    f"preferred cluster affinity term is invalid: {error}"
                ) from None
        raw.append(total)
    return normalize(raw, reverse=False)


def relevant_resources(unit: SchedulingUnit) -> list[str]:
    """CPU and memory always, each scalar resource the unit requests (in name order), and
    ephemeral storage when requested."""
    request = unit.resource_request
    resources = [CPU, MEMORY, *sorted(r for r in request if is_scalar(r))]
    if amount(request, EPHEMERAL_STORAGE) != 0:
        resources.append(EPHEMERAL_STORAGE)
    return resources


def _allocatable_and_requested(
    unit: SchedulingUnit, cluster: FederatedCluster, resource: str
) -> tuple[int, int]:
    # "Requested" is what is already in use plus one more pod of this unit.
    requested = in_use(cluster, resource) + amount(unit.resource_request, resource)
    return amount(cluster.allocatable, resource), requested


def balanced_allocation(unit: SchedulingUnit, clusters: Sequence[FederatedCluster]) -> list[int]:
    """Favours clusters whose resources are used evenly: 100 * (1 - standard deviation of the
    requested/allocatable fractions), truncated; 0 when any fraction reaches 1 (a resource
    with no allocatable counts as full)."""
    resources = relevant_resources(unit)
    scores = []
    for cluster in clusters:
        fractions = []
        for resource in resources:
            allocatable, requested = _allocatable_and_requested(unit, cluster, resource)
            fractions.append(1.0 if allocatable == 0 else float(requested) / float(allocatable))
        if any(f >= 1 for f in fractions):
            scores.append(0)
            continue
        if len(fractions) == 2:
            deviation = abs((fractions[0] - fractions[1]) / 2)
        else:
            # A plain left-to-right sum, as Go's (whose order is Go's map order, so its last
            # bit may differ); Python's sum() compensates rounding since 3.12.
            total = 0.0
            for f in fractions:
                total += f
            mean = total / len(fractions)
            squares = 0.0
            for f in fractions:
                squares += (f - mean) * (f - mean)
            deviation = math.sqrt(squares / len(fractions))
        scores.append(math.trunc((1 - deviation) * MAX_SCORE))
    return scores


def _weighted(
    unit: SchedulingUnit,
    clusters: Sequence[FederatedCluster],
    per_resource: Callable[[int, int], int],
) -> list[int]:
    resources = relevant_resources(unit)
    weight_sum = sum(RESOURCE_WEIGHTS.get(r, 1) for r in resources)
    scores = []
    for cluster in clusters:
        total = 0
        for resource in resources:
            allocatable, requested = _allocatable_and_requested(unit, cluster, resource)
            total += per_resource(requested, allocatable) * RESOURCE_WEIGHTS.get(resource, 1)
        scores.append(go_div(total, weight_sum))
    return scores


def _least(requested: int, allocatable: int) -> int:
    if allocatable == 0 or requested > allocatable:
        return 0
    return go_div((allocatable - requested) * MAX_SCORE, allocatable)


def _most(requested: int, allocatable: int) -> int:
    if allocatable == 0 or requested > allocatable:
        return 0
    return go_div(requested * MAX_SCORE, allocatable)


def least_allocated(unit: SchedulingUnit, clusters: Sequence[FederatedCluster]) -> list[int]:
    """Favours free clusters: the weighted mean of each resource's free percentage."""
    return _weighted(unit, clusters, _least)


def most_allocated(unit: SchedulingUnit, clusters: Sequence[FederatedCluster]) -> list[int]:
    """Favours busy clusters: the weighted mean of each resource's used percentage."""
    return _weighted(unit, clusters, _most)


SCORES: Mapping[str, Score] = {
    names.TAINT_TOLERATION: taint_toleration,
    names.BALANCED_ALLOCATION: balanced_allocation,
    names.LEAST_ALLOCATED: least_allocated,
    names.MOST_ALLOCATED: most_allocated,
    names.CLUSTER_AFFINITY: cluster_affinity,
}
