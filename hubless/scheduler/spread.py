"""spreadConstraints: which feasible clusters are selected (Karmada's SelectBestClusters)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from hubless.model import DIVIDED, DUPLICATED, WEIGHTED, Placement, SpreadConstraint
from hubless.scheduler.candidates import Candidate, sort_key
from hubless.scheduler.errors import NotEnoughRoom, ScheduleError, replicas_wanted, sets_wanted
from hubless.scheduler.groups import Group, select_groups

_WEIGHT_UNIT = 1000  # group scores count available replicas first, cluster scores second


def ignores_spread_constraints(placement: Placement) -> bool:
    """Static weights (or no weight preference) divide over every feasible cluster; an
    empty `weightPreference: {}` does not, as in Karmada."""
    strategy = placement.replica_scheduling
    if strategy.type != DIVIDED or strategy.division_preference != WEIGHTED:
        return False
    preference = strategy.weight_preference
    if preference is None:
        return True
    return bool(preference.static_weights) and not preference.dynamic_weight


def _ignores_capacity(placement: Placement) -> bool:
    return not placement.replica_scheduling_set or placement.replica_scheduling.type == DUPLICATED


def _by_field(placement: Placement) -> dict[str, SpreadConstraint]:
    return {c.field: c for c in placement.spread_constraints if c.field}


def _group_score(
    clusters: Sequence[Candidate], placement: Placement, replicas: int, min_groups: int
) -> int:
    if not placement.replica_scheduling_set or placement.replica_scheduling.type == DUPLICATED:
        valid = [c for c in clusters if c.available >= replicas]
        if not valid:
            return 0
        return len(valid) * _WEIGHT_UNIT + sum(c.score for c in valid) // len(valid)
    target = math.ceil(replicas / min_groups)
    cluster_constraint = _by_field(placement).get("cluster")
    needed = max(cluster_constraint.min_groups if cluster_constraint else 0, min_groups)
    total = score = walked = 0
    for candidate in clusters:
        total += candidate.available
        score += candidate.score
        walked += 1
        if walked >= needed and total >= target:
            break
    if total < target:
        return total * _WEIGHT_UNIT + score // len(clusters)
    return target * _WEIGHT_UNIT + score // walked


def _select_by_cluster(
    constraint: SpreadConstraint,
    candidates: list[Candidate],
    need_replicas: int | None,
    sets: bool = False,
) -> list[Candidate]:
    if len(candidates) < constraint.min_groups:
        raise ScheduleError(
            f"{len(candidates)} feasible clusters, fewer than the cluster spread "
            f"constraint's minGroups {constraint.min_groups}"
        )
    count = min(len(candidates), constraint.max_groups)
    if need_replicas is None:
        return candidates[:count]
    chosen, rest = candidates[:count], candidates[count:]
    # Swap in bigger clusters from the back until the selection has enough room.
    position = len(chosen) - 1
    while sum(c.available for c in chosen) < need_replicas and position >= 0:
        best, best_available = None, chosen[position].available
        for index, candidate in enumerate(rest):
            if candidate.available > best_available:
                best, best_available = index, candidate.available
        if best is not None:
            chosen[position], rest[best] = rest[best], chosen[position]
        position -= 1
    if sum(c.available for c in chosen) < need_replicas:
        wanted = sets_wanted(need_replicas) if sets else replicas_wanted(need_replicas)
        room = [c.room(with_current=True, sets=sets) for c in candidates]
        if count == len(candidates):
            raise NotEnoughRoom(wanted, room)
        # Only `count` of them may be chosen: their total is not the room.
        clusters = "1 cluster" if count == 1 else f"{count} clusters"
        limit = f"{wanted} on at most {clusters} (the cluster spread constraint's maxGroups)"
        raise NotEnoughRoom(limit, room, total=False)
    return chosen


def _select_by_region(
    placement: Placement, candidates: list[Candidate], replicas: int
) -> list[Candidate]:
    constraints = _by_field(placement)
    region, cluster = constraints["region"], constraints.get("cluster")
    regions: dict[str, list[Candidate]] = {}
    for candidate in candidates:  # already in Karmada's order
        regions.setdefault(candidate.cluster.region, []).append(candidate)
    if len(regions) < region.min_groups:
        raise ScheduleError(
            f"{len(regions)} feasible regions, fewer than the region spread constraint's "
            f"minGroups {region.min_groups}"
        )
    groups = [
        Group(name, len(members), _group_score(members, placement, replicas, region.min_groups))
        for name, members in regions.items()
    ]
    chosen = select_groups(
        groups, region.min_groups, region.max_groups, cluster.min_groups if cluster else 0
    )
    if not chosen:
        raise ScheduleError(
            "no combination of regions satisfies the spread constraints "
            "(is the region constraint's maxGroups set?)"
        )
    selected = [regions[group.name][0] for group in chosen]
    pool = [c for group in chosen for c in regions[group.name][1:]]
    count = min(len(pool) + len(selected), cluster.max_groups if cluster else 0)
    if count - len(selected) > 0:
        pool.sort(key=sort_key)
        selected.extend(pool[: count - len(selected)])
    return selected


def select_clusters(
    placement: Placement, candidates: list[Candidate], replicas: int, *, sets: bool = False
) -> list[Candidate]:
    """The selected clusters, from candidates already in Karmada's sort order; with
    `sets`, their room and `replicas` count component sets."""
    if not placement.spread_constraints or ignores_spread_constraints(placement):
        return list(candidates)
    # A whole set of components is the unit: one must fit (Karmada's needReplicas 1).
    need_replicas = None if _ignores_capacity(placement) else 1 if sets else replicas
    constraints = _by_field(placement)
    if "region" in constraints:
        return _select_by_region(placement, candidates, replicas)
    if "cluster" in constraints:
        return _select_by_cluster(constraints["cluster"], list(candidates), need_replicas, sets)
    raise ScheduleError(
        "only cluster and region spread constraints select clusters "
        "(zone, provider and spreadByLabel are not supported by Karmada's scheduler)"
    )
