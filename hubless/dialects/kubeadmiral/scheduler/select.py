"""KubeAdmiral's select plugins: they order and cut the scored clusters. Each takes and returns
(cluster, key) pairs; the key starts as the summed score and PrioritySort may replace it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hubless.dialects.kubeadmiral.scheduler import profile as names
from hubless.dialects.kubeadmiral.scheduler.types import BINPACK, DIVIDE, KubeAdmiralScheduleError
from hubless.dialects.kubeadmiral.scheduler.unit import SchedulingUnit

Ranked = list[tuple[str, int]]
Select = Callable[[SchedulingUnit, Sequence[tuple[str, int]]], Ranked]


def by_priority(unit: SchedulingUnit) -> bool:
    """Whether placement priorities, not scores, order the clusters: when any placement sets
    a priority, and always for Divide with Binpack (scores would drift as it fills)."""
    return bool(unit.priorities) or (unit.mode == DIVIDE and unit.strategy == BINPACK)


def priority_sort(unit: SchedulingUnit, ranked: Sequence[tuple[str, int]]) -> Ranked:
    """Highest key first, ties by cluster name; the key becomes the priority (0 when unset)
    when `by_priority`."""
    if by_priority(unit):
        ranked = [(name, unit.priorities.get(name, 0)) for name, _ in ranked]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))


def max_cluster(unit: SchedulingUnit, ranked: Sequence[tuple[str, int]]) -> Ranked:
    """The `max_clusters` highest keys. Raises KubeAdmiralScheduleError for a negative limit.

    The sort is stable here; KubeAdmiral's is not, but it keeps an already sorted list (as
    PrioritySort leaves it) and lists of up to 12 clusters as they are on ties."""
    if unit.max_clusters is not None and unit.max_clusters < 0:
        raise KubeAdmiralScheduleError(f"maxClusters is {unit.max_clusters}, less than 0")
    ordered = sorted(ranked, key=lambda item: -item[1])
    return ordered if unit.max_clusters is None else ordered[: unit.max_clusters]


SELECTS: Mapping[str, Select] = {
    names.PRIORITY_SORT: priority_sort,
    names.MAX_CLUSTER: max_cluster,
}
