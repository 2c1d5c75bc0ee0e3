"""KubeAdmiral's scheduler run for one object: filter, score, select, then divide replicas.

Mirrors the global scheduler's order of decisions: a missing profile or the no-scheduling
annotation stops before anything is computed; a sticky object that is already placed keeps
its placement; otherwise the joined clusters go through the profile's filters (the first
failure removes a cluster), its scores (summed), its select plugins (PrioritySort, MaxCluster),
and, in Divide mode, the replicas plugin. The result keeps an explanation of every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from hubless.dialects.kubeadmiral.planner import (
    DivideUnit,
    MemberCluster,
    binpack,
    capacity_weights,
    spread,
)
from hubless.dialects.kubeadmiral.scheduler import profile as names
from hubless.dialects.kubeadmiral.scheduler.annotations import read_annotations
from hubless.dialects.kubeadmiral.scheduler.filters import NO_SCHEDULE, run_filters, untolerated
from hubless.dialects.kubeadmiral.scheduler.profile import PluginLists, plugins_for
from hubless.dialects.kubeadmiral.scheduler.scores import SCORES
from hubless.dialects.kubeadmiral.scheduler.select import SELECTS, by_priority
from hubless.dialects.kubeadmiral.scheduler.types import (
    CPU,
    DUPLICATE,
    GPU,
    FederatedCluster,
    KubeAdmiralPolicy,
    KubeAdmiralScheduleError,
    SchedulingObject,
    SchedulingProfile,
)
from hubless.dialects.kubeadmiral.scheduler.unit import SchedulingUnit, build_unit
from hubless.quantity import value

# (cluster, ((plugin, score), ...), total)
ClusterScores = tuple[str, tuple[tuple[str, int], ...], int]


@dataclass(frozen=True)
class KubeAdmiralSchedule:
    """Where the object goes, and why.

    `clusters` maps each placed cluster, in selection order, to its replicas: None in
    Duplicate mode (the template's count is used), a positive count in Divide mode.
    `kept_current` is set when KubeAdmiral would not reschedule (sticky, no-scheduling) and
    `clusters` is the current placement. `rejected` has (cluster, filter, reason) per
    filtered cluster; `scores` each feasible cluster's normalized score per plugin and the
    total; `selected` the (cluster, sort key) list the select plugins kept, whose order is
    the Binpack fill order; `weights` the Spread weights (from the placements, or derived
    from capacity). `trail` says all of it in sentences. `enable_follower_scheduling` is what
    KubeAdmiral records for the follower controller (the policy's disableFollowerScheduling,
    negated); an object with the no-scheduling annotation leads no followers either way.
    """

    clusters: Mapping[str, int | None]
    mode: str = DUPLICATE
    plugins: PluginLists | None = None
    kept_current: bool = False
    unjoined: tuple[str, ...] = ()
    rejected: tuple[tuple[str, str, str], ...] = ()
    scores: tuple[ClusterScores, ...] = ()
    selected: tuple[tuple[str, int], ...] = ()
    weights: Mapping[str, int] = field(default_factory=dict)
    trail: tuple[str, ...] = ()
    enable_follower_scheduling: bool = True


def _profile(policy: KubeAdmiralPolicy, profile: SchedulingProfile | None) -> None:
    wanted = policy.scheduling_profile
    if wanted and profile is None:
        raise KubeAdmiralScheduleError(f"scheduling profile {wanted!r} does not exist")
    if profile is not None and profile.name != wanted:
        named = f"names {wanted!r}" if wanted else "names no scheduling profile"
        raise KubeAdmiralScheduleError(
            f"the policy {named}, but scheduling profile {profile.name!r} was given"
        )


def _weight_resource(unit: SchedulingUnit) -> str:
    # Dynamic weights follow GPUs when the pod asks for any, CPU otherwise.
    return GPU if GPU in unit.resource_request else CPU


def _whole(resources: Mapping[str, Fraction], resource: str) -> int:
    # Quantity.Value(): whole units rounded up, so CPU counts whole cores here.
    return value(resources.get(resource, Fraction(0)))


def _divide(
    unit: SchedulingUnit,
    plugin: str,
    selected: Sequence[FederatedCluster],
    trail: list[str],
) -> tuple[dict[str, int], dict[str, int]]:
    if not selected:
        return {}, {}
    desired = unit.desired_replicas or 0
    if desired <= 0:
        trail.append(f"replicas: {desired} requested, so the object is placed nowhere")
        return {}, {}
    resource = _weight_resource(unit)
    members = [
        MemberCluster(
            cluster.name,
            _whole(cluster.allocatable, resource),
            _whole(cluster.available, resource),
            untolerated(cluster.taints, unit.tolerations, (NO_SCHEDULE,)) is not None,
        )
        for cluster in selected
    ]
    for member in members:
        if member.no_schedule_taint:
            trail.append(
                f"replicas: {member.name} has an untolerated NoSchedule taint, it may keep "
                "its current replicas but gets no new ones"
            )
    divide = DivideUnit(
        key=unit.key,
        desired_replicas=desired,
        min_replicas={m.name: unit.min_replicas.get(m.name, 0) for m in members},
        max_replicas=unit.max_replicas,
        weights=unit.weights,
        current=unit.current,
        avoid_disruption=unit.avoid_disruption,
    )
    weights: dict[str, int] = {}
    if plugin == names.PREFERENCE_BIN_PACK:
        replicas = binpack(divide, members)
        trail.append(f"replicas ({plugin}): {desired} filled in selection order")
    else:
        if unit.weights:
            weights = {m.name: unit.weights.get(m.name, 0) for m in members}
            source = "placement weights (unweighted clusters get only their minimum)"
        else:
            weights = capacity_weights(
                [m.name for m in members],
                {m.name: m.allocatable for m in members},
                {m.name: m.available for m in members},
            )
            source = f"weights from available {resource}, capped by allocatable share"
        shown = ", ".join(f"{name}={weight}" for name, weight in weights.items())
        trail.append(f"replicas ({plugin}): {desired} spread by {source}: {shown}")
        replicas = spread(divide, members)
    dropped = [m.name for m in members if m.name not in replicas]
    if dropped:
        trail.append(f"replicas: no replicas for {', '.join(dropped)}, not placed there")
    return replicas, weights


def schedule(
    obj: SchedulingObject,
    policy: KubeAdmiralPolicy,
    clusters: Sequence[FederatedCluster],
    profile: SchedulingProfile | None = None,
    current: Mapping[str, int | None] | None = None,
) -> KubeAdmiralSchedule:
    """Schedule `obj` under `policy` (the object's scheduling annotations are applied here)
    over `clusters`, as KubeAdmiral's global scheduler would.

    `profile` is the SchedulingProfile the policy names (None when it names none).
    `current` is the placement from a previous run, cluster -> replicas (None for
    Duplicate), used by sticky placements, by filters that let a placed cluster keep the
    object, and by avoidDisruption; leave it out to compile from scratch.

    Raises KubeAdmiralScheduleError where KubeAdmiral would leave the object unscheduled
    with an error: a missing or invalid profile, Divide without a replica count, a negative
    maxClusters in the policy, an invalid preferred-affinity term.
    """
    if len({c.name for c in clusters}) != len(clusters):
        raise ValueError("cluster names must be unique")
    current = dict(current or {})
    _profile(policy, profile)
    overrides = read_annotations(obj.annotations)
    trail = list(overrides.notes)
    if current:
        shown = ", ".join(
            f"{name} (no replica count)" if count is None else f"{name}={count}"
            for name, count in current.items()
        )
        trail.append(f"current placement (the last render's): {shown}")
    followers = not policy.disable_follower_scheduling
    if overrides.no_scheduling:
        return KubeAdmiralSchedule(
            dict(current),
            kept_current=True,
            trail=tuple(trail),
            enable_follower_scheduling=followers,
        )

    unit, notes = build_unit(obj, policy, current, overrides)
    trail += notes
    plugins = plugins_for(profile, unit.strategy)
    trail.append(
        f"profile {profile.name if profile else '(default)'}: filters {', '.join(plugins.filter)}"
        f"; scores {', '.join(plugins.score) or '-'}; select {', '.join(plugins.select) or '-'}"
        f"; replicas {', '.join(plugins.replicas)}"
    )
    base = KubeAdmiralSchedule(
        {}, mode=unit.mode, plugins=plugins, enable_follower_scheduling=followers
    )
    if unit.sticky and current:
        trail.append("sticky (rescheduling disabled) and already placed: placement kept")
        return replace(base, clusters=current, kept_current=True, trail=tuple(trail))

    # The order clusters are listed in does not matter: name order stands in for the cache's.
    candidates = sorted((c for c in clusters if c.joined), key=lambda c: c.name)
    unjoined = tuple(sorted(c.name for c in clusters if not c.joined))
    if unjoined:
        trail.append(f"not joined, not candidates: {', '.join(unjoined)}")

    feasible: list[FederatedCluster] = []
    rejected: list[tuple[str, str, str]] = []
    for cluster in candidates:
        failure = run_filters(plugins.filter, unit, cluster)
        if failure is None:
            feasible.append(cluster)
        else:
            rejected.append((cluster.name, *failure))
            trail.append(f"filter {failure[0]} rejects {cluster.name}: {failure[1]}")
    base = replace(base, unjoined=unjoined, rejected=tuple(rejected))
    if not feasible:
        trail.append("no cluster fits: the object is placed nowhere")
        return replace(base, trail=tuple(trail))

    per_plugin = {plugin: SCORES[plugin](unit, feasible) for plugin in plugins.score}
    scores: list[ClusterScores] = []
    for index, cluster in enumerate(feasible):
        parts = tuple((plugin, values[index]) for plugin, values in per_plugin.items())
        total = sum(score for _, score in parts)
        scores.append((cluster.name, parts, total))
        shown = ", ".join(f"{plugin}={score}" for plugin, score in parts)
        trail.append(f"score {cluster.name}: {total}" + (f" ({shown})" if shown else ""))

    ranked: list[tuple[str, int]] = [(name, total) for name, _, total in scores]
    keyed = "score"
    for plugin in plugins.select:
        ranked = SELECTS[plugin](unit, ranked)
        if plugin == names.PRIORITY_SORT and by_priority(unit):
            keyed = "priority"  # from here on the sort key is the placement priority
        shown = ", ".join(f"{name} ({keyed} {key})" for name, key in ranked)
        trail.append(f"select {plugin}: {shown or 'nothing'}")
    base = replace(base, scores=tuple(scores), selected=tuple(ranked))

    by_name = {cluster.name: cluster for cluster in feasible}
    chosen = [by_name[name] for name, _ in ranked]
    if unit.mode == DUPLICATE:
        placed: dict[str, int | None] = {cluster.name: None for cluster in chosen}
        trail.append(f"Duplicate: the whole object goes to {', '.join(placed) or 'no cluster'}")
        return replace(base, clusters=placed, trail=tuple(trail))

    replicas, weights = _divide(unit, plugins.replicas[0], chosen, trail)
    shown = ", ".join(f"{name}={count}" for name, count in replicas.items())
    trail.append(f"Divide: {shown or 'no cluster'}")
    return replace(base, clusters=dict(replicas), weights=weights, trail=tuple(trail))
