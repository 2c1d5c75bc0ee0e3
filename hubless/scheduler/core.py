"""The scheduling pipeline, like Karmada's generic scheduler: filter, score, select, assign.

`schedule` also runs Karmada's clusterAffinities loop: terms are tried in order, starting
from the one the previous placement used, and the first that schedules wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from hubless.model import Cluster, TargetCluster
from hubless.scheduler.candidates import Candidate, sort_key
from hubless.scheduler.division import merge
from hubless.scheduler.errors import NotEnoughRoom, ScheduleError, replicas_wanted
from hubless.scheduler.estimator import Estimates, available_replicas, available_sets
from hubless.scheduler.filters import FILTERS, api_enablement
from hubless.scheduler.input import ScheduleInput
from hubless.scheduler.spread import select_clusters
from hubless.scheduler.strategies import Division, assign_replicas, strategy_name
from hubless.selectors import cluster_matches
from hubless.workloads import ReplicaRequirements

LOCALITY_SCORE = 100


class Rejection(NamedTuple):
    cluster: str
    filter: str
    reason: str
    # APIEnablement rejected it and every other filter passes it: only the missing API
    # keeps the resource off. (APIEnablement comes first; after its rejection the other
    # filters run to tell, after any other's they do not.)
    only_api: bool = False


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

    Filter results by what the filters read (the placement, the affinity term, the
    resource's API and kind, whether it is a workload, the clusters that held it before);
    whole schedules by everything in the request but the resource's name; the estimator's
    answers by cluster and requests. Keys hold ids of objects that live as long as the
    memo."""

    filters: dict[tuple[object, ...], tuple[list[Cluster], list[Rejection]]] = field(
        default_factory=dict
    )
    schedules: dict[tuple[object, ...], Schedule] = field(default_factory=dict)
    estimates: Estimates = field(default_factory=dict)


def _filter(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None
) -> tuple[list[Cluster], list[Rejection]]:
    key = (
        id(request.placement),
        id(request.term),
        request.api_version,
        request.kind,
        request.is_workload,
        frozenset(request.previous),
        request.served_here,
        id(clusters),
        tuple(sorted(request.evicted.items())),
        request.groups,
        request.affinity_peers,
        request.anti_affinity_peers,
    )
    found = memo.filters.get(key) if memo is not None else None
    if found is not None:
        return found
    feasible: list[Cluster] = []
    rejected: list[Rejection] = []
    for cluster in clusters:
        for name, check in FILTERS:
            reason = check(request, cluster)
            if reason is not None:
                only_api = name == api_enablement.NAME and all(
                    other(request, cluster) is None
                    for other_name, other in FILTERS
                    if other_name != name
                )
                rejected.append(Rejection(cluster.name, name, reason, only_api))
                break
        else:
            feasible.append(cluster)
    if memo is not None:
        memo.filters[key] = (feasible, rejected)
    return feasible, rejected


def _evaluate(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None
) -> Attempt:
    """Filter and estimate: each cluster's verdict, and the feasible ones' room in
    Karmada's order. An error when no cluster passes."""
    term = request.term.name if request.term is not None else ""
    feasible, rejected = _filter(request, clusters, memo)
    if not feasible:
        return Attempt(term, tuple(rejected), error="no cluster passed the filters")
    if request.estimates_sets:
        available = available_sets(feasible, request.components or ())
    else:
        available = available_replicas(
            feasible,
            request.replicas,
            request.requirements,
            components=bool(request.components),
            known=memo.estimates if memo is not None else None,
        )
    candidates = sorted(
        (
            Candidate(
                cluster,
                LOCALITY_SCORE if cluster.name in request.previous else 0,
                _overflow_order(request, cluster),
                available[cluster.name].replicas,
                available[cluster.name].replicas + request.previous.get(cluster.name, 0),
                available[cluster.name].limit,
            )
            for cluster in feasible
        ),
        key=sort_key,
    )
    return Attempt(term, tuple(rejected), tuple(candidates), sets=request.estimates_sets)


def _attempt(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None = None
) -> tuple[Attempt, list[TargetCluster] | None]:
    base = _evaluate(request, clusters, memo)
    if base.error:
        return base, None
    candidates = list(base.candidates)
    try:
        selected = select_clusters(request.placement, candidates, request.replicas, sets=base.sets)
        if not selected:
            raise ScheduleError("no clusters available to schedule")
        division = _assign(request, selected)
    except ScheduleError as exc:
        return dataclasses.replace(base, error=str(exc)), None
    targets = [TargetCluster(name, n) for name, n in division.replicas.items()]
    if request.is_workload:
        # Karmada withdraws a workload from clusters that get no replicas.
        targets = [target for target in targets if target.replicas > 0]
    chosen = tuple(sorted(c.name for c in selected))
    done = dataclasses.replace(
        base, selected=chosen, weights=tuple(sorted(division.weights.items())), how=division.how
    )
    return done, sorted(targets)


def schedule(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None = None
) -> Schedule:
    """Schedule one resource template. Raises Unschedulable when Karmada would fail it
    without clearing the placement; a FitError (no cluster fits) yields no clusters.

    `memo`, shared by the templates of one compile, keeps results: templates of one policy
    and kind are mostly scheduled alike."""
    if memo is None:
        return _schedule(request, clusters, None)
    requirements = request.requirements
    key = (
        id(request.placement),
        request.api_version,
        request.kind,
        request.replicas,
        request.is_workload,
        None if requirements is None else _requests_key(requirements),
        frozenset(request.previous.items()),
        request.previous_affinity,
        id(request.term),
        request.fresh,
        request.served_here,
        id(clusters),
        None
        if request.components is None
        else tuple(
            (c.name, c.replicas, None if c.requirements is None else _requests_key(c.requirements))
            for c in request.components
        ),
        request.component_sets,
        tuple(sorted(request.evicted.items())),
        request.groups,
        request.affinity_peers,
        request.anti_affinity_peers,
    )
    found = memo.schedules.get(key)
    if found is None:
        found = memo.schedules[key] = _schedule(request, clusters, memo)
    return found


def _requests_key(requirements: ReplicaRequirements) -> tuple[object, ...]:
    return (tuple(sorted(requirements.requests.items())), requirements.node_claim)


def _schedule(
    request: ScheduleInput, clusters: Sequence[Cluster], memo: ScheduleMemo | None
) -> Schedule:
    strategy = strategy_name(request)
    terms = request.placement.cluster_affinities
    if not terms:
        attempt, targets = _attempt(request, clusters, memo)
        if targets is None:
            if attempt.fits_nowhere:
                return Schedule((), "", strategy, (attempt,))
            failed = Schedule((), "", strategy, (attempt,), error=attempt.error)
            raise Unschedulable(_failure(attempt), failed)
        return Schedule(tuple(targets), "", strategy, (attempt,))

    names = [term.name for term in terms]
    start = names.index(request.previous_affinity) if request.previous_affinity in names else 0
    if request.fresh:
        start = 0  # a requested reschedule tries the terms from the first again
    attempts: list[Attempt] = []
    for term in terms[start:]:
        attempt, targets = _attempt(dataclasses.replace(request, term=term), clusters, memo)
        attempts.append(attempt)
        if targets is not None:
            return Schedule(tuple(targets), term.name, strategy, tuple(attempts))
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
    attempt = _evaluate(dataclasses.replace(request, term=term), clusters, memo)
    return Schedule(targets, request.previous_affinity, strategy, (attempt,), kept=reason)
