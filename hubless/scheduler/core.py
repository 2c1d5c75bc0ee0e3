"""The scheduling pipeline, like Karmada's generic scheduler: filter, score, select, assign.

`schedule` also runs Karmada's clusterAffinities loop: terms are tried in order, starting
from the one the previous placement used, and the first that schedules wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hubless.model import Cluster, TargetCluster
from hubless.scheduler.candidates import Candidate, in_order
from hubless.scheduler.division import merge
from hubless.scheduler.errors import NotEnoughRoom, ScheduleError, replicas_wanted
from hubless.scheduler.estimator import (
    NOT_A_WORKLOAD,
    Estimate,
    Estimates,
    bounded,
    component_sets,
    not_a_workload,
    replica_estimates,
    unbounded,
)
from hubless.scheduler.identity import Held
from hubless.scheduler.input import ScheduleInput
from hubless.scheduler.spread import select_clusters
from hubless.scheduler.strategies import Division, assign_replicas, strategy_name
from hubless.scheduler.verdicts import Filtered, Verdicts, plain
from hubless.scheduler.verdicts import Rejection as Rejection  # Attempt's, named here too
from hubless.selectors import cluster_matches
from hubless.workloads import ReplicaRequirements

LOCALITY_SCORE = 100


@dataclass(frozen=True)
class Attempt:
    """One run of the pipeline: for a clusterAffinities term, or the only one."""

    term: str
    rejected: tuple[Rejection, ...] = ()
    candidates: tuple[Candidate, ...] = ()  # feasible clusters in Karmada's order
    selected: tuple[str, ...] = ()
    error: str = ""
    weights: tuple[tuple[str, int], ...] = ()  # what replicas were divided by
    how: str = ""  # how replicas were assigned
    sets: bool = False  # candidates' room is in component sets, not replicas

    @property
    def fits_nowhere(self) -> bool:
        """No cluster passed the filters (Karmada's FitError: the placement is cleared)."""
        return bool(self.error) and not self.candidates


@dataclass(frozen=True)
class Schedule:
    clusters: tuple[TargetCluster, ...]
    affinity_name: str
    strategy: str
    attempts: tuple[Attempt, ...]
    # why the previous placement was kept without scheduling, if it was; its one attempt
    # then holds what the filters and the estimator say of each cluster now
    kept: str = ""
    error: str = ""  # why scheduling failed (no clusters then), if it did

    @property
    def decisive(self) -> Attempt:
        """The attempt whose result stands (the last one tried)."""
        return self.attempts[-1] if self.attempts else Attempt(self.affinity_name)


class Unschedulable(ScheduleError):
    """Scheduling failed where Karmada keeps the old result and reports an event: the
    message names each cluster the filters excluded and why; `schedule` holds every
    attempt, for explain."""

    def __init__(self, message: str, schedule: Schedule) -> None:
        super().__init__(message)
        self.schedule = schedule


_LISTED = 10  # excluded clusters a message names; explain lists them all


def _failure(attempt: Attempt) -> str:
    """An attempt's error with each cluster the filters excluded and why."""
    if not attempt.rejected:
        return attempt.error
    shown = [f"{r.cluster} ({r.filter}: {r.reason})" for r in attempt.rejected[:_LISTED]]
    if len(attempt.rejected) > _LISTED:
        shown.append(f"and {len(attempt.rejected) - _LISTED} more")
    return f"{attempt.error}; excluded: {', '.join(shown)}"


def _overflow_order(request: ScheduleInput, cluster: Cluster) -> int:
    if request.placement.cluster_affinity is not None or request.term is None:
        return 0
    if cluster_matches(request.term.affinity, cluster):
        return 0
    for index, affinity in enumerate(request.term.overflow, start=1):
        if cluster_matches(affinity, cluster):
            return index
    return 1000


def _assign(request: ScheduleInput, selected: list[Candidate]) -> Division:
    """Assign replicas; with overflow affinities, tier by tier (Karmada's overflow mode)."""
    if not (request.is_workload and request.term is not None and request.term.overflow):
        return assign_replicas(request, selected)
    tiers: dict[int, list[Candidate]] = {}
    for candidate in selected:
        tiers.setdefault(candidate.overflow_order, []).append(candidate)
    remaining = request.replicas
    result: dict[str, int] = {}
    weights: dict[str, int] = {}
    hows = []
    for order in sorted(tiers):
        tier = tiers[order]
        part = min(remaining, sum(c.available for c in tier))
        division = assign_replicas(dataclasses.replace(request, replicas=part), tier)
        result = merge(result, division.replicas)
        weights.update(division.weights)
        hows.append(f"tier {order}: {division.how}")
        remaining -= part
        if remaining <= 0:
            break
    if remaining > 0:
        raise NotEnoughRoom(
            f"{replicas_wanted(request.replicas)} over the affinity and its overflowAffinities",
            [c.room(with_current=True) for c in selected],
        )
    return Division(result, weights, "; ".join(hows))


@dataclass
class ScheduleMemo:
    """What one compile already worked out, for templates that are scheduled alike.

    Each filter's verdicts by what that filter reads (hubless.scheduler.verdicts); the
    candidates by the verdicts, the previous placement and what the estimate reads; whole
    schedules by everything in the request but the resource's name; the estimator's
    answers by cluster and requests. Keys name the policy's objects by id: `held` keeps
    them alive as long as the memo."""

    held: Held = field(default_factory=Held)
    verdicts: Verdicts = field(init=False)
    evaluated: dict[tuple[object, ...], tuple[Attempt, Filtered]] = field(default_factory=dict)
    # select and assign, by the evaluation and what they read beyond it
    attempts: dict[tuple[object, ...], tuple[Attempt, tuple[TargetCluster, ...] | None]] = field(
        default_factory=dict
    )
    schedules: dict[tuple[object, ...], Schedule] = field(default_factory=dict)
    estimates: Estimates = field(default_factory=dict)
    # the estimator's answers for the feasible clusters of one verdict, by requests; and
    # whether one is unbounded (then the replicas wanted stand for it)
    room: dict[tuple[object, ...], tuple[tuple[Estimate, ...], bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.verdicts = Verdicts(self.held)


def _filter(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None
) -> Filtered:
    return plain(request, clusters) if memo is None else memo.verdicts.filter(request, clusters)


def _room(
    request: ScheduleInput, filtered: Filtered, memo: ScheduleMemo | None
) -> tuple[tuple[object, ...], Callable[[], Sequence[Estimate]]]:
    """What the estimate of the feasible clusters (in name order) reads, and the estimate."""
    feasible = filtered.by_name
    if request.estimates_sets:
        components = request.components or ()
        return ("sets", _components_key(request)), lambda: [
            component_sets(cluster, components) for cluster in feasible
        ]
    if not_a_workload(request.replicas, bool(request.components)):
        return ("not a workload",), lambda: [NOT_A_WORKLOAD] * len(feasible)
    requirements = request.requirements
    requests = None if requirements is None else _requests_key(requirements)
    raw: Sequence[Estimate]
    if memo is None:
        raw = replica_estimates(feasible, requirements)
        any_unbounded = any(unbounded(e) for e in raw)
    else:
        key = (id(filtered), requests)  # filtered is held by memo.verdicts
        found = memo.room.get(key)
        if found is None:
            # a tuple: it is handed to every request with these clusters and requests
            raw = tuple(replica_estimates(feasible, requirements, memo.estimates))
            found = memo.room[key] = (raw, any(unbounded(e) for e in raw))
        raw, any_unbounded = found
    if not any_unbounded:  # `bounded` changes nothing: the replicas wanted do not count
        return ("replicas", requests), lambda: raw
    replicas = request.replicas
    return ("replicas", requests, replicas), lambda: [bounded(e, replicas) for e in raw]


def _evaluate(
    request: ScheduleInput,
    clusters: Sequence[Cluster],
    memo: ScheduleMemo | None,
    previous: frozenset[tuple[str, int]] | None = None,
) -> tuple[Attempt, Filtered]:
    """Filter and estimate: each cluster's verdict, and the feasible ones' room in
    Karmada's order. An error when no cluster passes. `previous`: the previous placement's
    items, if known."""
    term = request.term.name if request.term is not None else ""
    filtered = _filter(request, clusters, memo)
    if not filtered.feasible:
        return Attempt(term, filtered.rejected, error="no cluster passed the filters"), filtered
    room_key, room = _room(request, filtered, memo)
    key: tuple[object, ...] = ()
    if memo is not None:
        key = (
            id(filtered),  # held by memo.verdicts
            room_key,
            memo.held.ident(request.placement),
            memo.held.ident(request.term),
            frozenset(request.previous.items()) if previous is None else previous,
        )
        found = memo.evaluated.get(key)
        if found is not None:
            return found
    placed = request.previous
    overflow = request.placement.cluster_affinity is None and request.term is not None
    candidates = [
        Candidate(
            cluster,
            LOCALITY_SCORE if cluster.name in placed else 0,
            _overflow_order(request, cluster) if overflow else 0,
            estimate.replicas,
            estimate.replicas + placed.get(cluster.name, 0),
            estimate.limit,
        )
        for cluster, estimate in zip(filtered.by_name, room(), strict=True)
    ]
    in_order(candidates, overflow)
    attempt = Attempt(term, filtered.rejected, tuple(candidates), sets=request.estimates_sets)
    if memo is not None:
        memo.evaluated[key] = (attempt, filtered)
    return attempt, filtered


def _attempt(
    request: ScheduleInput,
    clusters: Sequence[Cluster],
    memo: ScheduleMemo | None = None,
    previous: frozenset[tuple[str, int]] | None = None,
) -> tuple[Attempt, tuple[TargetCluster, ...] | None]:
    base, filtered = _evaluate(request, clusters, memo, previous)
    if base.error:
        return base, None
    key: tuple[object, ...] = ()
    if memo is not None:
        # what selection and assignment read beyond what the evaluation did
        key = (id(base), request.replicas, request.is_workload, request.fresh)
        found = memo.attempts.get(key)
        if found is not None:
            return found
    result = _select_and_assign(request, base, filtered)
    if memo is not None:
        memo.attempts[key] = result
    return result


def _select_and_assign(
    request: ScheduleInput, base: Attempt, filtered: Filtered
) -> tuple[Attempt, tuple[TargetCluster, ...] | None]:
    candidates = list(base.candidates)
    try:
        selected = select_clusters(request.placement, candidates, request.replicas, sets=base.sets)
        if not selected:
            raise ScheduleError("no clusters available to schedule")
        division = _assign(request, selected)
    except ScheduleError as exc:
        return dataclasses.replace(base, error=str(exc)), None
    replicas = division.replicas
    names = filtered.names
    # every candidate has replicas (Duplicated, or not a workload): in name order already
    every = len(replicas) == len(names) and replicas.keys() == filtered.name_set
    ordered = names if every else sorted(replicas)
    if request.is_workload:
        # Karmada withdraws a workload from clusters that get no replicas.
        targets = tuple([TargetCluster(n, replicas[n]) for n in ordered if replicas[n] > 0])
    else:
        targets = tuple([TargetCluster(n, replicas[n]) for n in ordered])
    chosen = names if len(selected) == len(names) else tuple(sorted(c.name for c in selected))
    done = dataclasses.replace(
        base, selected=chosen, weights=tuple(sorted(division.weights.items())), how=division.how
    )
    return done, targets


def schedule(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None = None
) -> Schedule:
    """Schedule one resource template. Raises Unschedulable when Karmada would fail it
    without clearing the placement; a FitError (no cluster fits) yields no clusters.

    `memo`, shared by the templates of one compile, keeps results: templates of one policy
    and kind are mostly scheduled alike."""
    if memo is None:
        return _schedule(request, clusters, None, None)
    requirements = request.requirements
    held = memo.held
    previous = frozenset(request.previous.items())
    key = (
        held.ident(request.placement),
        request.api_version,
        request.kind,
        request.replicas,
        request.is_workload,
        None if requirements is None else _requests_key(requirements),
        previous,
        request.previous_affinity,
        held.ident(request.term),
        request.fresh,
        request.served_here,
        held.ident(clusters),
        _components_key(request),
        request.component_sets,
        tuple(sorted(request.evicted.items())),
        request.groups,
        request.affinity_peers,
        request.anti_affinity_peers,
    )
    found = memo.schedules.get(key)
    if found is None:
        found = memo.schedules[key] = _schedule(request, clusters, memo, previous)
    return found


def _requests_key(requirements: ReplicaRequirements) -> tuple[object, ...]:
    return (tuple(sorted(requirements.requests.items())), requirements.node_claim)


def _components_key(request: ScheduleInput) -> tuple[object, ...] | None:
    if request.components is None:
        return None
    return tuple(
        (c.name, c.replicas, None if c.requirements is None else _requests_key(c.requirements))
        for c in request.components
    )


def _schedule(
    request: ScheduleInput,
    clusters: Sequence[Cluster],
    memo: ScheduleMemo | None,
    previous: frozenset[tuple[str, int]] | None,
) -> Schedule:
    strategy = strategy_name(request)
    terms = request.placement.cluster_affinities
    if not terms:
        attempt, targets = _attempt(request, clusters, memo, previous)
        if targets is None:
            if attempt.fits_nowhere:
                return Schedule((), "", strategy, (attempt,))
            failed = Schedule((), "", strategy, (attempt,), error=attempt.error)
            raise Unschedulable(_failure(attempt), failed)
        return Schedule(targets, "", strategy, (attempt,))

    names = [term.name for term in terms]
    start = names.index(request.previous_affinity) if request.previous_affinity in names else 0
    if request.fresh:
        start = 0  # a requested reschedule tries the terms from the first again
    attempts: list[Attempt] = []
    for term in terms[start:]:
        attempt, targets = _attempt(
            dataclasses.replace(request, term=term), clusters, memo, previous
        )
        attempts.append(attempt)
        if targets is not None:
            return Schedule(targets, term.name, strategy, tuple(attempts))
    first = attempts[0]
    if first.fits_nowhere:  # the first failure was "no cluster fits": cleared
        return Schedule((), request.previous_affinity, strategy, tuple(attempts))
    error = "; ".join(f"clusterAffinities term {a.term!r}: {a.error}" for a in attempts)
    failed = Schedule((), request.previous_affinity, strategy, tuple(attempts), error=error)
    raise Unschedulable(
        "; ".join(f"clusterAffinities term {a.term!r}: {_failure(a)}" for a in attempts), failed
    )


def keep(
    request: ScheduleInput,
    clusters: Sequence[Cluster],
    targets: tuple[TargetCluster, ...],
    reason: str,
    memo: ScheduleMemo | None = None,
    *,
    verdicts: bool = True,
) -> Schedule:
    """The previous placement kept as it is (Karmada does not reschedule it). With
    `verdicts`, also what the filters and the estimator say of every cluster now, under
    the clusterAffinities term that placement used: keeping it does not make them untrue."""
    strategy = strategy_name(request)
    if not verdicts:
        return Schedule(targets, request.previous_affinity, strategy, (), kept=reason)
    terms = request.placement.cluster_affinities
    term = next((t for t in terms if t.name == request.previous_affinity), None)
    if term is None and terms:
        term = terms[0]
    attempt, _ = _evaluate(dataclasses.replace(request, term=term), clusters, memo)
    return Schedule(targets, request.previous_affinity, strategy, (attempt,), kept=reason)
