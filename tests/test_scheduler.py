"""Karmada's scheduler, rule by rule: filters, scoring order, spread constraints, terms."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from hubless.dialects.karmada import readiness_taints
from hubless.errors import Source
from hubless.model import (
    AffinityTerm,
    Cluster,
    ClusterAffinity,
    LabelSelector,
    Placement,
    ReplicaScheduling,
    ResourceKey,
    ResourceSummary,
    SpreadConstraint,
    Taint,
    Toleration,
)
from hubless.scheduler import ScheduleError, ScheduleInput, schedule
from hubless.scheduler.filters import api_enablement, spread_constraint, taint_toleration
from hubless.scheduler.groups import Group, select_groups
from hubless.workloads import ReplicaRequirements

SRC = Source("policies/clusters.yaml", 1)
APIS = {"apps/v1": frozenset({"Deployment"}), "v1": frozenset({"ConfigMap"})}


def cluster(
    name: str,
    labels: dict[str, str] | None = None,
    *,
    region: str = "",
    pods: int = 100,
    cpu: str = "100",
    **kwargs: object,
) -> Cluster:
    summary = ResourceSummary(allocatable={"pods": Fraction(pods), "cpu": Fraction(cpu)})
    values: dict[str, object] = {
        "api_enablements": APIS,
        "complete_api_enablements": True,
        "resource_summary": summary,
        "region": region,
    }
    values.update(kwargs)
    return Cluster(name, SRC, labels or {}, **values)  # type: ignore[arg-type]


def request(
    placement: Placement | None = None, replicas: int = 0, **kwargs: object
) -> ScheduleInput:
    values: dict[str, object] = {
        "resource": ResourceKey("apps", "Deployment", "default", "web"),
        "api_version": "apps/v1",
        "kind": "Deployment",
        "placement": placement or Placement(),
        "replicas": replicas,
        "is_workload": replicas > 0,
    }
    values.update(kwargs)
    return ScheduleInput(**values)  # type: ignore[arg-type]


def names(result: object) -> list[str]:
    return [t.name for t in result.clusters]  # type: ignore[attr-defined]


# --- readiness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ready", "taints"),
    [
        ("True", ()),
        ("False", (Taint("cluster.karmada.io/not-ready", "", "NoSchedule"),)),
        ("", (Taint("cluster.karmada.io/not-ready", "", "NoSchedule"),)),  # no Ready condition
        ("Unknown", (Taint("cluster.karmada.io/unreachable", "", "NoSchedule"),)),
    ],
)
def test_readiness_taints_follow_the_ready_condition(ready: str, taints: tuple[Taint, ...]) -> None:
    assert readiness_taints(ready) == taints


# --- filters ------------------------------------------------------------------------------


def test_api_enablement_states() -> None:
    enabled = cluster("a")
    assert api_enablement.check(request(), enabled) is None
    statefulset = request(kind="StatefulSet")
    assert "API disabled" in (api_enablement.check(statefulset, enabled) or "")
    unknown = cluster("b", complete_api_enablements=False)
    assert "API unknown" in (api_enablement.check(statefulset, unknown) or "")
    none = cluster("c", api_enablements=None)
    assert api_enablement.check(request(), none) is not None
    # The group/version must match as well as the kind.
    assert api_enablement.check(request(api_version="apps/v1beta2"), enabled) is not None
    # A cluster of the previous placement passes whatever its API list says.
    assert api_enablement.check(dataclasses.replace(statefulset, previous={"c": 1}), none) is None


def test_taint_filter_and_previous_placement_bypass() -> None:
    tainted = cluster("t", taints=(Taint("gpu", "yes", "NoSchedule"),))
    soft = cluster("s", taints=(Taint("gpu", "yes", "PreferNoSchedule"),))
    assert taint_toleration.check(request(), tainted) == "taint gpu=yes:NoSchedule is not tolerated"
    assert taint_toleration.check(request(), soft) is None
    tolerant = Placement(cluster_tolerations=(Toleration("gpu", "Equal", "yes", "NoSchedule"),))
    assert taint_toleration.check(request(tolerant), tainted) is None
    assert taint_toleration.check(request(previous={"t": 2}), tainted) is None
    execute = cluster("e", taints=(Taint("k", "", "NoExecute"),))
    assert taint_toleration.check(request(), execute) == "taint k:NoExecute is not tolerated"


def test_spread_constraint_filter_needs_the_property() -> None:
    by_region = Placement(
        spread_constraints=(
            SpreadConstraint("region", "", 1, 2),
            SpreadConstraint("cluster", "", 1, 2),
        )
    )
    assert (
        spread_constraint.check(request(by_region), cluster("a")) == "no spec.region to spread by"
    )
    assert spread_constraint.check(request(by_region), cluster("a", region="r")) is None
    by_zone = Placement(spread_constraints=(SpreadConstraint("zone", "", 1, 1),))
    assert spread_constraint.check(request(by_zone), cluster("a")) == "no spec.zones to spread by"


def test_filters_report_the_first_rejection_in_karmadas_order() -> None:
    tainted_without_api = cluster("x", api_enablements={}, taints=(Taint("k", "", "NoSchedule"),))
    result = schedule(request(), [cluster("ok"), tainted_without_api])
    [rejection] = result.decisive.rejected
    assert (rejection.cluster, rejection.filter) == ("x", "APIEnablement")
    assert names(result) == ["ok"]


def test_no_feasible_cluster_clears_the_placement() -> None:
    result = schedule(
        request(Placement(cluster_affinity=ClusterAffinity(cluster_names=("none",)))),
        [cluster("a")],
    )
    assert result.clusters == ()


# --- spread constraints -------------------------------------------------------------------


def spread(*constraints: SpreadConstraint) -> Placement:
    return Placement(spread_constraints=constraints)


def test_cluster_spread_picks_by_available_replicas_then_name() -> None:
    # Duplicated ignores capacity for the check but still sorts by it.
    clusters = [
        cluster("a", pods=10),
        cluster("b", pods=50),
        cluster("c", pods=50),
        cluster("d", pods=30),
    ]
    result = schedule(request(spread(SpreadConstraint("cluster", "", 1, 2)), replicas=3), clusters)
    assert names(result) == ["b", "c"]


def test_cluster_spread_prefers_the_previous_clusters() -> None:
    clusters = [cluster("a", pods=10), cluster("b", pods=50), cluster("c", pods=50)]
    result = schedule(
        request(spread(SpreadConstraint("cluster", "", 1, 2)), replicas=3, previous={"a": 3}),
        clusters,
    )
    assert names(result) == ["a", "b"]  # ClusterLocality scores a first, then available


def test_non_workloads_sort_by_name() -> None:
    clusters = [cluster("c", pods=90), cluster("a", pods=1), cluster("b", pods=5)]
    result = schedule(request(spread(SpreadConstraint("cluster", "", 1, 2)), replicas=0), clusters)
    assert names(result) == ["a", "b"]  # every non-workload cluster is "unbounded"


def test_cluster_spread_errors() -> None:
    clusters = [cluster("a"), cluster("b")]
    with pytest.raises(
        ScheduleError, match="fewer than the cluster spread constraint's minGroups 3"
    ):
        schedule(request(spread(SpreadConstraint("cluster", "", 3, 3)), replicas=1), clusters)
    # maxGroups unset selects nothing.
    with pytest.raises(ScheduleError, match="no clusters available to schedule"):
        schedule(request(spread(SpreadConstraint("cluster", "", 1, 0)), replicas=1), clusters)
    with pytest.raises(ScheduleError, match="only cluster and region"):
        schedule(request(spread(SpreadConstraint("", "team", 1, 2)), replicas=1), clusters)


def test_region_spread_takes_one_cluster_per_region_then_the_best_others() -> None:
    clusters = [
        cluster("r1-a", region="r1", pods=20),
        cluster("r1-b", region="r1", pods=90),
        cluster("r2-a", region="r2", pods=40),
        cluster("r3-a", region="r3", pods=10),
    ]
    placement = spread(SpreadConstraint("region", "", 2, 2), SpreadConstraint("cluster", "", 3, 3))
    result = schedule(request(placement, replicas=5), clusters)
    # Regions: r1 has 2 clusters (value 2), r2 and r3 one each. Scores (Duplicated): every
    # cluster has >= 5 available, so r1 = 2*1000, r2 = r3 = 1000. Two regions with >= 3
    # clusters in all: r1 with r2 or r3 (3 clusters each, same weight 3000); r2 sorts before
    # r3 in the search, so [r1, r2] was found first. Then r1-b (most available), r2-a, and
    # the pool's best: r1-a.
    assert names(result) == ["r1-a", "r1-b", "r2-a"]


def test_region_spread_without_enough_regions() -> None:
    clusters = [cluster("a", region="r1"), cluster("b", region="r1")]
    placement = spread(SpreadConstraint("region", "", 2, 2), SpreadConstraint("cluster", "", 1, 2))
    with pytest.raises(ScheduleError, match="1 feasible regions, fewer than"):
        schedule(request(placement, replicas=1), clusters)
    unset = spread(SpreadConstraint("region", "", 1, 0), SpreadConstraint("cluster", "", 1, 2))
    with pytest.raises(ScheduleError, match="no combination of regions"):
        schedule(request(unset, replicas=1), clusters)


@pytest.mark.parametrize(
    ("groups", "minimum", "maximum", "target", "expected"),
    [
        ([], 2, 3, 1, []),
        ([Group("R1", 1, 80)], 2, 3, 1, []),  # not enough groups
        ([Group("R1", 1, 80), Group("R2", 2, 30)], 2, 3, 4, []),  # not enough clusters
        ([Group("R1", 1, 80)], 1, 3, 1, ["R1"]),
        (
            [Group("R1", 1, 80), Group("R3", 1, 80), Group("R2", 1, 60), Group("R5", 2, 60), Group("R4", 5, 50), Group("R6", 3, 50)],
            1, 3, 10, ["R5", "R4", "R6"],
        ),
        (
            [Group("R1", 1, 60), Group("R2", 1, 50), Group("R3", 1, 40), Group("R4", 3, 30), Group("R5", 3, 20), Group("R6", 3, 10)],
            1, 3, 6, ["R1", "R4", "R5"],
        ),
        # Equal weight and size: the combination found first wins.
        ([Group("R1", 1, 60), Group("R2", 2, 50), Group("R3", 3, 40), Group("R4", 4, 30)], 1, 2, 5, ["R1", "R4"]),
        # Equal weight: more clusters wins.
        ([Group("R4", 1, 60), Group("R3", 3, 50), Group("R1", 3, 40), Group("R2", 4, 30)], 1, 2, 5, ["R3", "R1"]),
        # The best path is [X, Y] (weight 95, found via Y first), but [X] alone is
        # feasible and a strict prefix of it: the prefix is preferred.
        ([Group("X", 3, 90), Group("Y", 1, 5)], 1, 2, 3, ["X"]),
        # Without such a prefix, the heavier path stands.
        ([Group("A", 3, 10), Group("B", 1, 90)], 1, 2, 3, ["B", "A"]),
    ],
)  # fmt: skip
def test_group_selection(
    groups: list[Group], minimum: int, maximum: int, target: int, expected: list[str]
) -> None:
    assert [g.name for g in select_groups(groups, minimum, maximum, target)] == expected


# --- clusterAffinities ----------------------------------------------------------------------


def terms(*pairs: tuple[str, ClusterAffinity]) -> Placement:
    return Placement(cluster_affinities=tuple(AffinityTerm(n, a) for n, a in pairs))


PRIMARY = ClusterAffinity(label_selector=LabelSelector((("tier", "primary"),)))
BACKUP = ClusterAffinity(label_selector=LabelSelector((("tier", "backup"),)))


def test_first_term_that_schedules_wins() -> None:
    clusters = [cluster("p", {"tier": "primary"}), cluster("b", {"tier": "backup"})]
    result = schedule(
        request(terms(("primary", PRIMARY), ("backup", BACKUP)), replicas=1), clusters
    )
    assert (names(result), result.affinity_name) == (["p"], "primary")


def test_falls_through_to_the_next_term() -> None:
    clusters = [
        cluster("p", {"tier": "primary"}, api_enablements={}),
        cluster("b", {"tier": "backup"}),
    ]
    result = schedule(
        request(terms(("primary", PRIMARY), ("backup", BACKUP)), replicas=1), clusters
    )
    assert (names(result), result.affinity_name) == (["b"], "backup")
    assert [a.term for a in result.attempts] == ["primary", "backup"]
    assert result.attempts[0].error == "no cluster passed the filters"


def test_starts_from_the_recorded_term() -> None:
    clusters = [cluster("p", {"tier": "primary"}), cluster("b", {"tier": "backup"})]
    result = schedule(
        request(
            terms(("primary", PRIMARY), ("backup", BACKUP)),
            replicas=1,
            previous={"b": 1},
            previous_affinity="backup",
        ),
        clusters,
    )
    assert (names(result), result.affinity_name) == (["b"], "backup")


def test_every_term_failing() -> None:
    nothing = [cluster("x", {"tier": "other"})]
    placement = terms(("primary", PRIMARY), ("backup", BACKUP))
    # First failure "nothing fits": the placement is cleared.
    assert schedule(request(placement, replicas=1), nothing).clusters == ()
    # First failure of another kind: Karmada keeps the old result and reports an error.
    spread_terms = dataclasses.replace(
        placement, spread_constraints=(SpreadConstraint("cluster", "", 2, 2),)
    )
    clusters = [cluster("p", {"tier": "primary"})]
    with pytest.raises(ScheduleError, match="term 'primary': 1 feasible clusters"):
        schedule(request(spread_terms, replicas=1), clusters)


def test_overflow_affinities_join_for_workloads_only() -> None:
    term = AffinityTerm("main", PRIMARY, (BACKUP,))
    placement = Placement(
        cluster_affinities=(term,),
        replica_scheduling=ReplicaScheduling("Duplicated"),
    )
    clusters = [cluster("p", {"tier": "primary"}), cluster("b", {"tier": "backup"})]
    workload = schedule(request(placement, replicas=1), clusters)
    assert {c.name: c.overflow_order for c in workload.decisive.candidates} == {"p": 0, "b": 1}
    config = schedule(request(placement, replicas=0, kind="ConfigMap", api_version="v1"), clusters)
    assert names(config) == ["p"]


# --- estimator order ------------------------------------------------------------------------


def test_capacity_orders_clusters_for_workloads_with_requests() -> None:
    needs = ReplicaRequirements({"cpu": 2000}, False)  # 2 cpu per replica
    clusters = [cluster("small", cpu="10"), cluster("big", cpu="40"), cluster("none", cpu="1")]
    result = schedule(
        request(
            spread(SpreadConstraint("cluster", "", 1, 1)),
            replicas=1,
            requirements=needs,
            is_workload=True,
        ),
        clusters,
    )
    assert {c.name: c.available for c in result.decisive.candidates} == {
        "big": 20,
        "small": 5,
        "none": 0,
    }
    assert names(result) == ["big"]


def test_the_estimator_answers_once_per_cluster_and_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A compile's memo keeps each cluster's answer per requests: templates asking alike
    get the answer the estimator gives (floor(free / request), capped by free pods)."""
    from hubless.scheduler import estimator

    clusters = [cluster("a", pods=10, cpu="8"), cluster("b", pods=3, cpu="100")]
    two_cpu = ReplicaRequirements({"cpu": 2000}, False)
    half_cpu = ReplicaRequirements({"cpu": 500}, False)
    known: estimator.Estimates = {}
    asked: list[str] = []
    real = estimator.estimate

    def counting(on: Cluster, requirements: ReplicaRequirements | None) -> estimator.Estimate:
        asked.append(on.name)
        return real(on, requirements)

    monkeypatch.setattr(estimator, "estimate", counting)
    first = estimator.replica_estimates(clusters, two_cpu, known)
    again = estimator.replica_estimates(clusters, two_cpu, known)
    other = estimator.replica_estimates(clusters, half_cpu, known)
    # a: 8 cpu / 2 = 4 (pods 10); b: 100 / 2 = 50, but 3 pods left
    assert first == again == [estimator.Estimate(4, "cpu"), estimator.Estimate(3, "pods")]
    # a: 8 / 0.5 = 16, capped by its 10 pods; b: 3 pods
    assert other == [estimator.Estimate(10, "pods"), estimator.Estimate(3, "pods")]
    assert asked == ["a", "b", "a", "b"]  # the second call with two_cpu asked nothing
