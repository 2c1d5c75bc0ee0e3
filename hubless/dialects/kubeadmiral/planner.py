"""KubeAdmiral's replica division for schedulingMode Divide.

Two layers, both following KubeAdmiral's scheduler (pkg/controllers/scheduler):

* the planners, which take per-cluster preferences and return a plan plus an overflow:
  `plan_spread` (the shared weighted planner) and `plan_binpack` (PreferenceBinPack's planner);
* the replica plugins, which turn a scheduling unit and the selected clusters into the final
  replicas per cluster: `spread` (ClusterCapacityWeight, replicasStrategy Spread, which derives
  weights from cluster capacity via `capacity_weights` when no placement sets one) and `binpack`
  (PreferenceBinPack, replicasStrategy Binpack).

Replica counts are plain ints. Quirks of KubeAdmiral's arithmetic (ceil-rounded weighted shares,
earlier clusters taking the rounding surplus, Go's half-away-from-zero rounding, FNV-1 ordering)
are kept on purpose: the point is to place replicas exactly where KubeAdmiral would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from hubless.dialects.gomath import cluster_hash, go_div, go_round

# Dynamic weights always add up to this.
WEIGHT_TOTAL = 1000
# A cluster's dynamic weight may not exceed its share of allocatable times this.
SUPPLY_LIMIT_RATIO = 1.4


@dataclass(frozen=True)
class ClusterPreference:
    """A cluster's preferences as the planners take them; Binpack ignores `weight`."""

    min_replicas: int = 0
    max_replicas: int | None = None  # None: unbounded
    weight: int = 0


class PlanResult(NamedTuple):
    """A planner's answer: replicas per cluster, and replicas over a cluster's capacity.

    The plugins place `plan[c] + overflow[c]` replicas in cluster c.
    """

    plan: dict[str, int]
    overflow: dict[str, int]


@dataclass(frozen=True)
class DivideUnit:
    """What the replica plugins read from a KubeAdmiral scheduling unit in Divide mode.

    The per-cluster maps hold only the clusters whose placement sets the field, as in
    KubeAdmiral: a non-empty `weights` switches Spread from capacity weights to static weights
    (a cluster missing from it then weighs 0). In `current`, None means "placed, replicas not
    recorded", which counts as `desired_replicas`. The capacity maps and
    `keep_unschedulable_replicas` come from auto/custom migration and are empty offline.
    """

    key: str  # "<namespace>/<name>", or "<name>" when cluster-scoped; seeds the tie-break
    desired_replicas: int
    min_replicas: Mapping[str, int] = field(default_factory=dict)
    max_replicas: Mapping[str, int] = field(default_factory=dict)
    weights: Mapping[str, int] = field(default_factory=dict)
    current: Mapping[str, int | None] = field(default_factory=dict)
    avoid_disruption: bool = True  # the CRD default of replicaRescheduling.avoidDisruption
    keep_unschedulable_replicas: bool = False
    estimated_capacity: Mapping[str, int] = field(default_factory=dict)
    limited_capacity: Mapping[str, int] = field(default_factory=dict)
    scheduled_replicas: Mapping[str, int] = field(default_factory=dict)  # Binpack only


@dataclass(frozen=True)
class MemberCluster:
    """A selected cluster as the replica plugins see it.

    `allocatable` and `available` are the Kubernetes `Quantity.Value()` (whole units, rounded
    up) of the weighting resource in the cluster's status: `nvidia.com/gpu` when the workload
    requests GPUs, otherwise `cpu`, so CPU counts whole cores, not millicores. Missing means 0.
    `no_schedule_taint` is true when the cluster has a NoSchedule taint the unit does not
    tolerate; such a cluster may keep its current replicas but not grow.
    """

    name: str
    allocatable: int = 0
    available: int = 0
    no_schedule_taint: bool = False


def _spread_order(
    preferences: Mapping[str, ClusterPreference], key: str
) -> list[tuple[str, ClusterPreference]]:
    # Weight first; equal weights go by a hash of name + key, so single replicas of different
    # workloads do not all land on the alphabetically first cluster. The name only settles
    # hash collisions, which KubeAdmiral's unstable sort leaves unspecified.
    return sorted(
        preferences.items(),
        key=lambda item: (-item[1].weight, cluster_hash(item[0], key), item[0]),
    )


def _spread_desired(
    ordered: Sequence[tuple[str, ClusterPreference]],
    estimated: Mapping[str, int],
    limited: Mapping[str, int],
    total: int,
    keep_unschedulable: bool,
) -> PlanResult:
    remaining = total
    plan: dict[str, int] = {}
    overflow: dict[str, int] = {}

    # Minimums first, in order, as far as the total goes.
    for name, pref in ordered:
        replicas = min(pref.min_replicas, remaining)
        if name in limited and limited[name] < replicas:
            replicas = limited[name]
        if name in estimated and estimated[name] < replicas:
            # Minimums beyond capacity are overflow too, or the next schedule would retry them.
            overflow[name] = replicas - estimated[name]
            replicas = estimated[name]
        remaining -= replicas
        plan[name] = replicas

    # Weighted rounds: each hands out ceil(share) of what was left at its start; a capped
    # cluster drops out, and the rounds stop once nothing moves.
    active = list(ordered)
    moved = True
    while moved and remaining > 0:
        moved = False
        weight_sum = sum(pref.weight for _, pref in active)
        if weight_sum <= 0:
            break
        to_distribute = remaining
        still_open: list[tuple[str, ClusterPreference]] = []
        for name, pref in active:
            start = plan[name]
            extra = go_div(to_distribute * pref.weight + weight_sum - 1, weight_sum)
            target = start + min(extra, remaining)
            full = False
            if pref.max_replicas is not None and target > pref.max_replicas:
                target, full = pref.max_replicas, True
            if name in limited and target > limited[name]:
                target, full = limited[name], True
            if name in estimated and target > estimated[name]:
                overflow[name] = overflow.get(name, 0) + target - estimated[name]
                target, full = estimated[name], True
            if not full:
                still_open.append((name, pref))
            remaining -= target - start
            plan[name] = target
            if target > start:
                moved = True
        active = still_open

    if keep_unschedulable:
        return PlanResult(plan, overflow)
    # Otherwise overflow only covers replicas that found no place at all.
    trimmed = {name: min(extra, remaining) for name, extra in overflow.items()}
    return PlanResult(plan, {name: extra for name, extra in trimmed.items() if extra > 0})


def plan_spread(
    preferences: Mapping[str, ClusterPreference],
    total_replicas: int,
    clusters: Sequence[str],
    key: str,
    *,
    current: Mapping[str, int] | None = None,
    estimated_capacity: Mapping[str, int] | None = None,
    limited_capacity: Mapping[str, int] | None = None,
    avoid_disruption: bool = True,
    keep_unschedulable_replicas: bool = False,
) -> PlanResult:
    """KubeAdmiral's weighted replica planner (planner.Plan).

    Only clusters in `clusters` with a preference (their own, else the "*" entry) are planned,
    and the plan has an entry, possibly 0, for each of them. Without `avoid_disruption` the
    plan is the desired distribution. With it, existing replicas stay put: only the difference
    between the current and the desired totals moves, spread over the clusters below (or
    above) their desired share in proportion to the gap.
    """
    current = current or {}
    estimated = estimated_capacity or {}
    limited = limited_capacity or {}

    chosen: dict[str, ClusterPreference] = {}
    for name in clusters:
        pref = preferences.get(name, preferences.get("*"))
        if pref is not None:
            chosen[name] = pref
    ordered = _spread_order(chosen, key)

    # Rebalancing freely while moving unschedulable replicas away would undo itself on the
    # next schedule, so without avoidDisruption they are always kept.
    keep = keep_unschedulable_replicas or not avoid_disruption
    desired, overflow = _spread_desired(ordered, estimated, limited, total_replicas, keep)
    if not avoid_disruption:
        return PlanResult(desired, overflow)

    plan: dict[str, int] = {}
    for name, _ in ordered:
        replicas = current.get(name, 0)
        if name in limited:
            replicas = min(replicas, limited[name])
        if name in estimated:
            replicas = min(replicas, estimated[name])
        plan[name] = replicas
    current_total = sum(plan.values())
    desired_total = sum(desired.values())

    if current_total > desired_total:
        # Take replicas from clusters above their desired count, by how far above they are.
        down = {
            name: ClusterPreference(max_replicas=plan[name], weight=plan[name] - want)
            for name, want in desired.items()
            if want < plan[name]
        }
        removed, _ = _spread_desired(
            _spread_order(down, key), {}, {}, current_total - desired_total, False
        )
        for name, count in removed.items():
            plan[name] -= count
    elif current_total < desired_total:
        # Add replicas to clusters below their desired count; only a cluster's own
        # preference (not "*") caps it here.
        up: dict[str, ClusterPreference] = {}
        for name, want in desired.items():
            if want > plan[name]:
                own = preferences.get(name)
                cap = None
                if own is not None and own.max_replicas is not None:
                    cap = own.max_replicas - plan[name]
                up[name] = ClusterPreference(max_replicas=cap, weight=want - plan[name])
        added, _ = _spread_desired(
            _spread_order(up, key), {}, {}, desired_total - current_total, False
        )
        for name, count in added.items():
            plan[name] += count
    return PlanResult(plan, overflow)


def _binpack_desired(
    ordered: Sequence[tuple[str, ClusterPreference]],
    estimated: Mapping[str, int],
    limited: Mapping[str, int],
    total: int,
) -> PlanResult:
    remaining = total
    plan: dict[str, int] = {}
    overflow: dict[str, int] = {}

    for name, pref in ordered:
        replicas = min(pref.min_replicas, remaining)
        if name in limited and limited[name] < replicas:
            replicas = limited[name]
        if name in estimated and estimated[name] < replicas:
            overflow[name] = replicas - estimated[name]
            replicas = estimated[name]
        remaining -= replicas
        plan[name] = replicas

    # One pass in fill order: each cluster takes everything left, up to its caps.
    for name, pref in ordered:
        start = plan[name]
        target = start + remaining
        if pref.max_replicas is not None and target > pref.max_replicas:
            target = pref.max_replicas
        if name in limited and target > limited[name]:
            target = limited[name]
        if name in estimated and target > estimated[name]:
            overflow[name] = max(target - estimated[name], overflow.get(name, 0))
            target = estimated[name]
        remaining -= target - start
        plan[name] = target
    return PlanResult(plan, overflow)


def _binpack_should_plan(
    clusters: Sequence[str],
    current: Mapping[str, int],
    estimated: Mapping[str, int],
    limited: Mapping[str, int],
    scheduled: Mapping[str, int],
) -> bool:
    available = set(clusters)
    if any(name not in available for name in current):
        return True
    if any(name in limited and count > limited[name] for name, count in current.items()):
        return True
    # While the scheduled-replicas feedback disagrees with the estimate (or, without an
    # estimate, with the current count), replicas are still starting; wait for them.
    for name, count in scheduled.items():
        if name in estimated:
            if estimated[name] != count:
                return False
        elif count != current.get(name, 0):
            return False
    return True


def plan_binpack(
    preferences: Mapping[str, ClusterPreference],
    total_replicas: int,
    clusters: Sequence[str],
    *,
    current: Mapping[str, int] | None = None,
    estimated_capacity: Mapping[str, int] | None = None,
    limited_capacity: Mapping[str, int] | None = None,
    avoid_disruption: bool = True,
    keep_unschedulable_replicas: bool = False,
    scheduled_replicas: Mapping[str, int] | None = None,
) -> PlanResult:
    """KubeAdmiral's PreferenceBinPack planner: fill `clusters` in the given order.

    `clusters` is the fill order (KubeAdmiral passes the selection order: priority descending,
    then name). Preferences are looked up by exact name only, and weights are ignored. The
    plan has an entry for every cluster in `clusters`, except when planning is deferred (the
    current counts come back unchanged) or the scheduled-replicas feedback already adds up to
    the total (that feedback comes back as the plan).
    """
    current = current or {}
    estimated = estimated_capacity or {}
    limited = limited_capacity or {}
    scheduled = scheduled_replicas or {}

    if not _binpack_should_plan(clusters, current, estimated, limited, scheduled):
        return PlanResult(dict(current), {})

    ordered = [(name, preferences.get(name, ClusterPreference())) for name in clusters]
    keep = keep_unschedulable_replicas or not avoid_disruption
    desired, overflow = _binpack_desired(ordered, estimated, limited, total_replicas)

    plan: dict[str, int] = {}
    current_total = 0
    scheduled_total = 0
    for name, _ in ordered:
        replicas = current.get(name, 0)
        if name in estimated:
            replicas = min(replicas, estimated[name])
        if name in limited:
            replicas = min(replicas, limited[name])
        plan[name] = replicas
        current_total += replicas
        if name in scheduled:
            count = scheduled[name]
            if name in limited:
                count = min(count, limited[name])
            scheduled_total += count

    if not keep and scheduled_total == total_replicas:
        # Every replica is already running somewhere: keep exactly that, with no overflow.
        return PlanResult(dict(scheduled), {})
    if not avoid_disruption:
        return PlanResult(desired, overflow)

    desired_total = sum(desired.values())
    if not keep:
        unscheduled = total_replicas - scheduled_total
        trimmed = {name: min(extra, unscheduled) for name, extra in overflow.items()}
        overflow = {name: extra for name, extra in trimmed.items() if extra > 0}

    # Unlike Spread, the amount moved is measured against the requested total, not the
    # desired plan's total.
    if current_total > desired_total:
        # Empty the last clusters in fill order first.
        down = [
            (name, ClusterPreference(max_replicas=plan[name]))
            for name in reversed(clusters)
            if desired.get(name, 0) < plan.get(name, 0)
        ]
        removed, _ = _binpack_desired(down, {}, {}, current_total - total_replicas)
        for name, count in removed.items():
            plan[name] -= count
    elif current_total < desired_total:
        up: list[tuple[str, ClusterPreference]] = []
        for name in clusters:
            have = plan.get(name, 0)
            if desired.get(name, 0) > have:
                own = preferences.get(name, ClusterPreference())
                cap = None if own.max_replicas is None else own.max_replicas - have
                up.append(
                    (name, ClusterPreference(min_replicas=own.min_replicas, max_replicas=cap))
                )
        added, _ = _binpack_desired(up, {}, limited, total_replicas - current_total)
        for name, count in added.items():
            plan[name] += count
    return PlanResult(plan, overflow)


def weight_limits(
    clusters: Sequence[str],
    allocatable: Mapping[str, int],
    supply_limit_ratio: float = SUPPLY_LIMIT_RATIO,
) -> dict[str, int]:
    """The largest dynamic weight each cluster may get: its share of allocatable, stretched.

    Every cluster gets an equal share when no cluster reports any allocatable.
    """
    if not clusters:
        return {}
    total = float(sum(allocatable.get(name, 0) for name in clusters))
    if total == 0:
        even = go_round(WEIGHT_TOTAL / len(clusters))
        return dict.fromkeys(clusters, even)
    return {
        name: go_round(allocatable.get(name, 0) / total * WEIGHT_TOTAL * supply_limit_ratio)
        for name in clusters
    }


def capacity_weights(
    clusters: Sequence[str],
    allocatable: Mapping[str, int],
    available: Mapping[str, int],
    supply_limit_ratio: float = SUPPLY_LIMIT_RATIO,
) -> dict[str, int]:
    """ClusterCapacityWeight's dynamic weights, adding up to 1000.

    Values are `Quantity.Value()` of one resource (see `MemberCluster`); a missing cluster
    counts as 0. Each weight is the cluster's share of the positive available amounts, capped
    by `weight_limits`, then renormalized; the rounding remainder goes to the heaviest cluster.
    KubeAdmiral picks among equally heavy clusters in map order (at random); here the first in
    `clusters` wins.
    """
    if not clusters:
        return {}
    limits = weight_limits(clusters, allocatable, supply_limit_ratio)
    free = {name: max(available.get(name, 0), 0) for name in clusters}
    free_total = float(sum(free.values()))
    if free_total == 0:
        return dict.fromkeys(clusters, go_round(WEIGHT_TOTAL / len(clusters)))

    capped = {
        name: min(go_round(free[name] / free_total * WEIGHT_TOTAL), limits[name])
        for name in clusters
    }
    capped_total = sum(capped.values())
    if capped_total == 0:
        # KubeAdmiral divides 0 by 0 here and converts NaN to an integer, which Go leaves to
        # the platform; either result makes the planner hand out minimums only, as 0 does.
        return dict.fromkeys(clusters, 0)
    weights = {
        name: go_round(weight / capped_total * WEIGHT_TOTAL) for name, weight in capped.items()
    }
    heaviest = max(clusters, key=lambda name: weights[name])  # first of equals wins
    weights[heaviest] += WEIGHT_TOTAL - sum(weights.values())
    return weights


def _current_counts(unit: DivideUnit) -> dict[str, int]:
    return {
        name: unit.desired_replicas if count is None else count
        for name, count in unit.current.items()
    }


def _preference(
    unit: DivideUnit, cluster: MemberCluster, current: Mapping[str, int], weight: int
) -> ClusterPreference:
    cap = unit.max_replicas.get(cluster.name)
    if cluster.no_schedule_taint:
        # A tainted cluster keeps what it has (or less, if its max says so) but gets no more.
        have = current.get(cluster.name, 0)
        if cap is None or have < cap:
            cap = have
    return ClusterPreference(unit.min_replicas.get(cluster.name, 0), cap, weight)


def _placed(clusters: Sequence[MemberCluster], result: PlanResult) -> dict[str, int]:
    # Replicas per cluster in selection order; clusters left at 0 are not placed.
    placed: dict[str, int] = {}
    for cluster in clusters:
        count = result.plan.get(cluster.name, 0) + result.overflow.get(cluster.name, 0)
        if count != 0:
            placed[cluster.name] = count
    return placed


def _positive_estimates(unit: DivideUnit) -> dict[str, int]:
    # A negative estimate means "unknown" and is dropped.
    return {name: count for name, count in unit.estimated_capacity.items() if count >= 0}


def spread(unit: DivideUnit, clusters: Sequence[MemberCluster]) -> dict[str, int]:
    """Replicas per selected cluster for replicasStrategy Spread (ClusterCapacityWeight).

    `clusters` are the selected clusters in selection order. Weights come from the placements
    when any placement sets one, else from `capacity_weights`. Nothing is placed without
    clusters or with `desired_replicas` <= 0, as KubeAdmiral's framework skips the plugin then.
    """
    if not clusters or unit.desired_replicas <= 0:
        return {}
    if unit.weights:
        weights = dict(unit.weights)
    else:
        names = [cluster.name for cluster in clusters]
        weights = capacity_weights(
            names,
            {cluster.name: cluster.allocatable for cluster in clusters},
            {cluster.name: cluster.available for cluster in clusters},
        )
    current = _current_counts(unit)
    preferences = {
        cluster.name: _preference(unit, cluster, current, weights.get(cluster.name, 0))
        for cluster in clusters
    }
    result = plan_spread(
        preferences,
        unit.desired_replicas,
        [cluster.name for cluster in clusters],
        unit.key,
        current=current,
        estimated_capacity=_positive_estimates(unit),
        limited_capacity=unit.limited_capacity,
        avoid_disruption=unit.avoid_disruption,
        keep_unschedulable_replicas=unit.keep_unschedulable_replicas,
    )
    return _placed(clusters, result)


def binpack(unit: DivideUnit, clusters: Sequence[MemberCluster]) -> dict[str, int]:
    """Replicas per selected cluster for replicasStrategy Binpack (PreferenceBinPack).

    `clusters` are the selected clusters in fill order (priority descending, then name).
    Weights, allocatable and available are not used. Nothing is placed without clusters or
    with `desired_replicas` <= 0, as KubeAdmiral's framework skips the plugin then.
    """
    if not clusters or unit.desired_replicas <= 0:
        return {}
    current = _current_counts(unit)
    preferences = {cluster.name: _preference(unit, cluster, current, 0) for cluster in clusters}
    result = plan_binpack(
        preferences,
        unit.desired_replicas,
        [cluster.name for cluster in clusters],
        current=current,
        estimated_capacity=_positive_estimates(unit),
        limited_capacity=unit.limited_capacity,
        avoid_disruption=unit.avoid_disruption,
        keep_unschedulable_replicas=unit.keep_unschedulable_replicas,
        scheduled_replicas=unit.scheduled_replicas,
    )
    return _placed(clusters, result)
