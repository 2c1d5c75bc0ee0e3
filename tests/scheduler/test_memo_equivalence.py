"""A compile's ScheduleMemo changes nothing: on random fleets, placements and previous
placements, every cluster's verdict (first failing filter in Karmada's order, its reason,
whether only the API keeps it out), the rejections in the clusters' order, the candidates
and whole schedules are those of running every filter on every cluster for every request
(Karmada's findClustersThatFit and RunFilterPlugins), whatever the memo saw before."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.errors import Source
from hubless.interpreter.interpreters import Component
from hubless.model import (
    AGGREGATED,
    DIVIDED,
    DUPLICATED,
    AffinityTerm,
    Cluster,
    ClusterAffinity,
    LabelSelector,
    Placement,
    ReplicaScheduling,
    Requirement,
    ResourceKey,
    ResourceSummary,
    SpreadConstraint,
    StaticWeight,
    Taint,
    Toleration,
    WeightPreference,
)
from hubless.scheduler import Schedule, ScheduleInput, Unschedulable, filters, keep, schedule
from hubless.scheduler.core import ScheduleMemo
from hubless.scheduler.verdicts import plain
from hubless.scheduler.workload_groups import Peer, WorkloadGroups
from hubless.workloads import ReplicaRequirements

SRC = Source("policies/clusters.yaml", 1)
NAMES = [f"m{i:02d}" for i in range(14)]
KINDS = [
    ("v1", "ConfigMap", False),
    ("v1", "Service", False),
    ("apps/v1", "Deployment", True),
    ("example.com/v1", "Widget", True),
]
SERVES_ALL = {
    api: frozenset(kind for v, kind, _ in KINDS if v == api) for api in {v for v, _, _ in KINDS}
}
TAINTS = [
    Taint("maintenance", "", "NoSchedule"),
    Taint("gpu", "true", "NoExecute"),
    Taint("slow", "", "PreferNoSchedule"),
]
TOLERATIONS = [
    Toleration("maintenance", "Exists", "", ""),
    Toleration("gpu", "Equal", "true", "NoExecute"),
    Toleration("", "Exists", "", ""),
]


@st.composite
def clusters(draw: st.DrawFn) -> tuple[Cluster, ...]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=len(NAMES), unique=True))
    made = []
    for name in names:  # in the drawn order: not necessarily by name
        apis = draw(
            st.sampled_from([None, SERVES_ALL, SERVES_ALL])
            | st.dictionaries(
                st.sampled_from(sorted({v for v, _, _ in KINDS})),
                st.frozensets(st.sampled_from(sorted({k for _, k, _ in KINDS}))),
            )
        )
        summary = None
        if draw(st.sampled_from([True, True, True, False])):
            summary = ResourceSummary(
                allocatable={
                    "pods": Fraction(draw(st.integers(0, 40))),
                    "cpu": Fraction(draw(st.integers(0, 16))),
                }
            )
        made.append(
            Cluster(
                name,
                SRC,
                draw(st.dictionaries(st.sampled_from(["env", "tier"]), st.sampled_from("ab"))),
                provider=draw(st.sampled_from(["", "aws", "gcp"])),
                region=draw(st.sampled_from(["", "r1", "r2"])),
                zones=draw(st.sampled_from([(), ("z1",), ("z1", "z2")])),
                taints=tuple(draw(st.lists(st.sampled_from(TAINTS), max_size=2, unique=True))),
                api_enablements=apis,
                complete_api_enablements=draw(st.booleans()),
                resource_summary=summary,
            )
        )
    return tuple(made)


affinities = st.builds(
    ClusterAffinity,
    label_selector=st.none()
    | st.builds(
        LabelSelector,
        match_labels=st.sampled_from([(), (("env", "a"),)]),
        match_expressions=st.sampled_from(
            [(), (Requirement("tier", "In", ("b",)),), (Requirement("env", "DoesNotExist", ()),)]
        ),
    ),
    field_selector=st.none()
    | st.sampled_from(
        [(Requirement("provider", "In", ("aws",)),), (Requirement("zone", "Exists", ()),)]
    ),
    cluster_names=st.sampled_from([(), tuple(NAMES[::2]), tuple(NAMES[:5])]),
    exclude=st.sampled_from([(), (NAMES[1],), (NAMES[3], NAMES[4])]),
)

terms = st.lists(
    st.builds(AffinityTerm, st.just(""), affinities, st.lists(affinities, max_size=2).map(tuple)),
    min_size=1,
    max_size=3,
).map(lambda ts: tuple(AffinityTerm(f"t{i}", t.affinity, t.overflow) for i, t in enumerate(ts)))

spreads = st.sampled_from(
    [
        (),
        (SpreadConstraint("cluster", "", 1, 1),),
        (SpreadConstraint("cluster", "", 2, 3),),
        (SpreadConstraint("region", "", 1, 2), SpreadConstraint("cluster", "", 1, 3)),
        (SpreadConstraint("zone", "", 1, 1),),
        (SpreadConstraint("provider", "", 1, 1),),
    ]
)

strategies_ = st.sampled_from(
    [
        ReplicaScheduling(DUPLICATED),
        ReplicaScheduling(
            DIVIDED, "Weighted", WeightPreference(dynamic_weight="AvailableReplicas")
        ),
        ReplicaScheduling(DIVIDED, AGGREGATED),
        ReplicaScheduling(
            DIVIDED,
            "Weighted",
            WeightPreference(static_weights=(StaticWeight(ClusterAffinity(), 1),)),
        ),
    ]
)


@st.composite
def placements(draw: st.DrawFn) -> Placement:
    affinity = draw(st.none() | affinities)
    return Placement(
        cluster_affinity=affinity,
        cluster_affinities=draw(terms) if affinity is None and draw(st.booleans()) else (),
        cluster_tolerations=tuple(draw(st.lists(st.sampled_from(TOLERATIONS), max_size=2))),
        spread_constraints=draw(spreads),
        replica_scheduling=draw(strategies_),
        replica_scheduling_set=True,
    )


def subsets(of: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(of), unique=True)


@st.composite
def requests(draw: st.DrawFn, pool: list[Placement]) -> ScheduleInput:
    api_version, kind, workload = draw(st.sampled_from(KINDS))
    placement = draw(st.sampled_from(pool))
    names = [*NAMES, "gone"]  # a previous cluster no longer in the inventory
    groups = draw(st.none() | st.sampled_from([WorkloadGroups("g"), WorkloadGroups("", "h")]))
    peers = st.lists(
        st.builds(
            Peer,
            st.sampled_from([ResourceKey("apps", "Deployment", "ns", p) for p in "xyz"]),
            subsets(NAMES).map(frozenset),
        ),
        max_size=2,
    ).map(tuple)
    return ScheduleInput(
        resource=ResourceKey("", kind, "ns", draw(st.sampled_from("abc"))),
        api_version=api_version,
        kind=kind,
        placement=placement,
        replicas=draw(st.integers(1, 12)) if workload else 0,
        is_workload=workload,
        requirements=draw(st.none() | st.sampled_from([ReplicaRequirements({"cpu": 500}, False)]))
        if workload
        else None,
        previous={n: draw(st.integers(0 if not workload else 1, 4)) for n in draw(subsets(names))},
        previous_affinity=draw(st.sampled_from(["", "t0", "t1", "t2"])),
        fresh=draw(st.booleans()),
        served_here=frozenset(draw(subsets(NAMES))),
        evicted={n: draw(st.sampled_from(["tainted", "drained"])) for n in draw(subsets(NAMES))},
        groups=groups,
        affinity_peers=draw(peers) if groups is not None else (),
        anti_affinity_peers=draw(peers) if groups is not None else (),
    )


def _outcome(
    request: ScheduleInput, fleet: tuple[Cluster, ...], memo: ScheduleMemo | None
) -> object:
    try:
        return schedule(request, fleet, memo)
    except Unschedulable as exc:
        return (str(exc), exc.schedule)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_memo_gives_what_every_filter_on_every_cluster_gives(data: st.DataObject) -> None:
    fleet = data.draw(clusters())
    pool = data.draw(st.lists(placements(), min_size=1, max_size=3))
    memo = ScheduleMemo()
    asked: list[ScheduleInput] = []
    for _ in range(data.draw(st.integers(1, 10))):
        request = data.draw(requests(pool))
        if asked and data.draw(st.booleans()):
            # an earlier request with one field of this one: what the memo keeps for the
            # earlier must not answer for this one
            other = request
            name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(ScheduleInput)]))
            request = dataclasses.replace(data.draw(st.sampled_from(asked)))
            request = dataclasses.replace(request, **{name: getattr(other, name)})
        asked.append(request)
        expected = plain(request, fleet)
        found = memo.verdicts.filter(request, fleet)
        assert found.feasible == expected.feasible
        assert found.rejected == expected.rejected
        assert found.by_name == expected.by_name
        assert _outcome(request, fleet, memo) == _outcome(request, fleet, None)
        # a placement kept as it is still tells what the filters say of every cluster now
        kept: Schedule = keep(request, fleet, (), "kept", memo)
        assert kept == keep(request, fleet, (), "kept", None)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_request_that_differs_in_one_field_is_not_answered_for_another(
    data: st.DataObject,
) -> None:
    """Every field of the request, changed alone after the memo answered the request."""
    fleet = data.draw(clusters())
    pool = data.draw(st.lists(placements(), min_size=1, max_size=2))
    first = data.draw(requests(pool))
    memo = ScheduleMemo()
    _outcome(first, fleet, memo)
    keep(first, fleet, (), "kept", memo)
    for field in dataclasses.fields(ScheduleInput):
        other = data.draw(requests(pool))
        request = dataclasses.replace(first, **{field.name: getattr(other, field.name)})
        assert memo.verdicts.filter(request, fleet).rejected == plain(request, fleet).rejected
        assert _outcome(request, fleet, memo) == _outcome(request, fleet, None)
        assert keep(request, fleet, (), "kept", memo) == keep(request, fleet, (), "kept", None)


def _same_at(name: str, mine: ScheduleInput, other: ScheduleInput) -> dict[str, object]:
    """The per-cluster fields of `other`, saying of `name` what `mine` says: whether it is
    in the previous placement (with other replicas) and where CRDs serve the API, and why
    it is evicted."""
    previous = {n: r for n, r in other.previous.items() if n != name}
    if name in mine.previous:
        previous[name] = mine.previous[name] + 1
    served = other.served_here - {name} | (mine.served_here & {name})
    evicted = {n: r for n, r in other.evicted.items() if n != name}
    if name in mine.evicted:
        evicted[name] = mine.evicted[name]
    return {"previous": previous, "served_here": served, "evicted": evicted}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_each_filter_reads_only_what_it_declares(data: st.DataObject) -> None:
    """A filter's verdict on a cluster is the same for any two requests that agree on the
    fields it declares (and, for previous, served_here and evicted, on what they say of
    that cluster): what the memo keys its verdicts by is all the filter reads."""
    fleet = data.draw(clusters())
    pool = data.draw(st.lists(placements(), min_size=1, max_size=2))
    mine, other = data.draw(requests(pool)), data.draw(requests(pool))
    for plugin in filters.FILTERS:
        for on in fleet:
            per_cluster = _same_at(on.name, mine, other)
            agreeing = dataclasses.replace(
                other,
                **{
                    field: per_cluster[field] if field in per_cluster else getattr(mine, field)
                    for field in plugin.reads
                },
            )
            assert plugin.check(agreeing, on) == plugin.check(mine, on), plugin.name


def _with_room(name: str, pods: int, cpu: int = 0) -> Cluster:
    allocatable = {"pods": Fraction(pods)} | ({"cpu": Fraction(cpu)} if cpu else {})
    return Cluster(
        name,
        SRC,
        {},
        api_enablements=SERVES_ALL,
        complete_api_enablements=True,
        resource_summary=ResourceSummary(allocatable=allocatable),
    )


def test_an_unbounded_estimate_stands_for_the_replicas_asked_each_time() -> None:
    # Karmada's dynamic weights count a cluster the estimator leaves unbounded as room for
    # exactly the replicas asked: a remembered answer for 3 replicas must not serve 10.
    fleet = (_with_room("a", 2**31 + 5), _with_room("b", 5))
    placement = Placement(
        replica_scheduling=ReplicaScheduling(
            DIVIDED, "Weighted", WeightPreference(dynamic_weight="AvailableReplicas")
        ),
        replica_scheduling_set=True,
    )

    def asking(replicas: int) -> ScheduleInput:
        key = ResourceKey("apps", "Deployment", "ns", "web")
        return ScheduleInput(key, "apps/v1", "Deployment", placement, replicas, True)

    memo = ScheduleMemo()
    schedule(asking(3), fleet, memo)
    divided = schedule(asking(10), fleet, memo)

    # room 10 (the replicas asked) and 5: 10 replicas divided 10:5 is 6.67 and 3.33
    assert [(t.name, t.replicas) for t in divided.clusters] == [("a", 7), ("b", 3)]
    assert divided == schedule(asking(10), fleet, None)


def test_component_sets_are_estimated_per_requests() -> None:
    # With MultiplePodTemplatesScheduling and a spread of exactly one cluster, the room
    # is in whole sets of the components: 10 CPUs hold 20 sets of 500m, 1 set of 6.
    fleet = (_with_room("x", 1000, cpu=10),)
    placement = Placement(
        spread_constraints=(SpreadConstraint("cluster", "", 1, 1),),
        replica_scheduling=ReplicaScheduling(
            DIVIDED, "Weighted", WeightPreference(dynamic_weight="AvailableReplicas")
        ),
        replica_scheduling_set=True,
    )

    def needing(cpu_millis: int) -> ScheduleInput:
        key = ResourceKey("example.com", "Widget", "ns", "w")
        part = Component("main", 1, ReplicaRequirements({"cpu": cpu_millis}, False))
        return ScheduleInput(
            key, "example.com/v1", "Widget", placement, 1, True,
            components=(part,), component_sets=True,
        )  # fmt: skip

    memo = ScheduleMemo()
    small = schedule(needing(500), fleet, memo)
    large = schedule(needing(6000), fleet, memo)

    assert [c.allocatable for c in small.decisive.candidates] == [20]
    assert [c.allocatable for c in large.decisive.candidates] == [1]
    assert large == schedule(needing(6000), fleet, None)


@st.composite
def roomy_clusters(draw: st.DrawFn) -> tuple[Cluster, ...]:
    """Clusters every filter passes (no taints, every API served), with room drawn: the
    requests on them reach selection and assignment."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    return tuple(
        Cluster(
            name,
            SRC,
            {},
            region=draw(st.sampled_from(["r1", "r2"])),
            zones=("z1",),
            provider="aws",
            api_enablements=SERVES_ALL,
            complete_api_enablements=True,
            resource_summary=ResourceSummary(
                allocatable={
                    "pods": Fraction(draw(st.integers(0, 40))),
                    "cpu": Fraction(draw(st.integers(0, 16))),
                }
            ),
        )
        for name in names
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_selection_and_assignment_are_kept_only_for_what_they_read(data: st.DataObject) -> None:
    fleet = data.draw(roomy_clusters())
    placement = Placement(
        spread_constraints=data.draw(spreads),
        replica_scheduling=data.draw(strategies_),
        replica_scheduling_set=True,
    )
    names = [cluster.name for cluster in fleet]

    def drawn(field: str) -> object:
        match field:
            case "resource":  # another template of the same policy: the memo answers
                return ResourceKey("apps", "Deployment", "ns", data.draw(st.sampled_from("abc")))
            case "replicas":
                return data.draw(st.integers(1, 12))
            case "requirements":
                return data.draw(st.none() | st.just(ReplicaRequirements({"cpu": 500}, False)))
            case "previous":
                return {n: data.draw(st.integers(1, 4)) for n in data.draw(subsets(names))}
            case _:
                return data.draw(st.booleans())

    fields = ["resource", "replicas", "requirements", "previous", "fresh"]
    request = ScheduleInput(
        ResourceKey("apps", "Deployment", "ns", "a"), "apps/v1", "Deployment", placement, 1, True
    )
    request = dataclasses.replace(request, **{field: drawn(field) for field in fields})
    memo = ScheduleMemo()
    assert _outcome(request, fleet, memo) == _outcome(request, fleet, None)
    for _ in range(data.draw(st.integers(1, 8))):
        # one field changed from the last request: kept work may answer only what it read
        field = data.draw(st.sampled_from(fields))
        request = dataclasses.replace(request, **{field: drawn(field)})
        assert _outcome(request, fleet, memo) == _outcome(request, fleet, None)
