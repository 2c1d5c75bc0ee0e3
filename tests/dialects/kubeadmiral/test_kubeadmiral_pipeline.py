"""KubeAdmiral's scheduler pipeline: filters, scores, select plugins, profiles, annotations.

The plugin cases are KubeAdmiral's own unit tests (kubewharf/kubeadmiral, under
pkg/controllers/scheduler/: framework/plugins/*/*_test.go, profile_test.go, scheduler_test.go,
schedulingunit_test.go, core/generic_scheduler_test.go), with their expected outcomes; where
upstream only checks success or failure, the expected reason is this module's wording. The
end-to-end cases at the bottom are worked out by hand, the arithmetic in comments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

import pytest

from hubless.dialects.kubeadmiral.scheduler import (
    BINPACK,
    DIVIDE,
    DUPLICATE,
    SPREAD,
    Affinity,
    ClusterSelectorTerm,
    FederatedCluster,
    KubeAdmiralPolicy,
    KubeAdmiralSchedule,
    KubeAdmiralScheduleError,
    PlacementPreference,
    PluginLists,
    PluginSet,
    PreferredTerm,
    SchedulingObject,
    SchedulingProfile,
    SchedulingUnit,
    apply_profile,
    build_unit,
    default_plugins,
    effective_policy,
    filters,
    plugins_for,
    read_annotations,
    schedule,
    scores,
    select,
)
from hubless.model import Requirement, Taint, Toleration

GPU = "nvidia.com/gpu"
SCALAR = "example.com/aaa"

# --- helpers ---------------------------------------------------------------------------------


FOO = "foo.bar/any"


def resources(
    milli_cpu: int, memory: int, extra: Mapping[str, int] | None = None
) -> dict[str, Fraction]:
    """KubeAdmiral's test amounts: CPU in millicores, memory and the rest in whole units."""
    amounts = {"cpu": Fraction(milli_cpu, 1000), "memory": Fraction(memory)}
    amounts.update({name: Fraction(value) for name, value in (extra or {}).items()})
    return amounts


def res_cluster(
    name: str,
    alloc_cpu: int,
    alloc_mem: int,
    avail_cpu: int,
    avail_mem: int,
    extra: Mapping[str, tuple[int, int]] | None = None,
) -> FederatedCluster:
    """makeCluster, plus clusterWithResourceName: extra maps a resource to (allocatable, available)."""
    extra = extra or {}
    return FederatedCluster(
        name,
        allocatable=resources(alloc_cpu, alloc_mem, {k: v[0] for k, v in extra.items()}),
        available=resources(avail_cpu, avail_mem, {k: v[1] for k, v in extra.items()}),
    )


request = resources


def req(key: str, operator: str, *values: str) -> Requirement:
    return Requirement(key, operator, values)


def required(*terms: ClusterSelectorTerm) -> Affinity:
    return Affinity(required=terms)


def exprs(*requirements: Requirement) -> ClusterSelectorTerm:
    return ClusterSelectorTerm(match_expressions=requirements)


def fields(*requirements: Requirement) -> ClusterSelectorTerm:
    return ClusterSelectorTerm(match_fields=requirements)


def taint(key: str, value: str, effect: str) -> Taint:
    return Taint(key, value, effect)


def tol(key: str = "", operator: str = "", value: str = "", effect: str = "") -> Toleration:
    return Toleration(key, operator, value, effect)


# --- filters ---------------------------------------------------------------------------------

FilterCase = tuple[
    str,
    Callable[[SchedulingUnit, FederatedCluster], str | None],
    SchedulingUnit,
    FederatedCluster,
    str | None,
]

DAEMONSET = ("apps", "v1", "DaemonSet")
NO_EFFECT_FILTER = "cluster affinity has no terms, which matches no cluster"
NO_TERM = "matches no required cluster affinity term"

FILTER_CASES: list[FilterCase] = [
    # apiresources_test.go
    (
        "the cluster has the resources for schedulingUnit",
        filters.api_resources,
        SchedulingUnit(gvk=DAEMONSET),
        FederatedCluster("clusterA", api_resource_types=frozenset({DAEMONSET})),
        None,
    ),
    (
        "the cluster does not have the resources for schedulingUnit",
        filters.api_resources,
        SchedulingUnit(gvk=DAEMONSET),
        FederatedCluster("clusterA", api_resource_types=frozenset({("apps", "v1", "Deployment")})),
        "does not serve apps/v1 DaemonSet",
    ),
    (
        "an inventory without apiResourceTypes serves everything",
        filters.api_resources,
        SchedulingUnit(gvk=DAEMONSET),
        FederatedCluster("clusterA"),
        None,
    ),
    (
        "an empty apiResourceTypes serves nothing; core kinds show no group",
        filters.api_resources,
        SchedulingUnit(gvk=("", "v1", "ConfigMap")),
        FederatedCluster("clusterA", api_resource_types=frozenset()),
        "does not serve v1 ConfigMap",
    ),
    # taint_toleration_test.go, TestTaintTolerationFilter
    (
        "no tolerations, a NoSchedule taint",
        filters.taint_toleration,
        SchedulingUnit(),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "NoSchedule"),)),
        "taint dedicated=user1:NoSchedule is not tolerated",
    ),
    (
        "tolerated dedicated cluster (operator empty)",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("dedicated", "", "user1", "NoSchedule"),)),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "NoSchedule"),)),
        None,
    ),
    (
        "toleration for another value",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("dedicated", "Equal", "user2", "NoSchedule"),)),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "NoSchedule"),)),
        "taint dedicated=user1:NoSchedule is not tolerated",
    ),
    (
        "operator Exists tolerates any value",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("foo", "Exists", effect="NoSchedule"),)),
        FederatedCluster("clusterA", taints=(taint("foo", "bar", "NoSchedule"),)),
        None,
    ),
    (
        "several tolerations, several taints, all tolerated",
        filters.taint_toleration,
        SchedulingUnit(
            tolerations=(
                tol("dedicated", "Equal", "user2", "NoSchedule"),
                tol("foo", "Exists", effect="NoSchedule"),
            )
        ),
        FederatedCluster(
            "clusterA",
            taints=(taint("dedicated", "user2", "NoSchedule"), taint("foo", "bar", "NoSchedule")),
        ),
        None,
    ),
    (
        "key and value match but the (non-empty) effect does not",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("foo", "Equal", "bar", "PreferNoSchedule"),)),
        FederatedCluster("clusterA", taints=(taint("foo", "bar", "NoSchedule"),)),
        "taint foo=bar:NoSchedule is not tolerated",
    ),
    (
        "an empty toleration effect matches every effect",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("foo", "Equal", "bar"),)),
        FederatedCluster("clusterA", taints=(taint("foo", "bar", "NoSchedule"),)),
        None,
    ),
    (
        "PreferNoSchedule taints never filter (mismatched toleration)",
        filters.taint_toleration,
        SchedulingUnit(tolerations=(tol("dedicated", "Equal", "user2", "NoSchedule"),)),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "PreferNoSchedule"),)),
        None,
    ),
    (
        "PreferNoSchedule taints never filter (no toleration)",
        filters.taint_toleration,
        SchedulingUnit(),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "PreferNoSchedule"),)),
        None,
    ),
    # The rule for clusters already placed (taint_toleration.go).
    (
        "a placed cluster ignores NoSchedule",
        filters.taint_toleration,
        SchedulingUnit(current={"clusterA": 2}),
        FederatedCluster("clusterA", taints=(taint("dedicated", "user1", "NoSchedule"),)),
        None,
    ),
    (
        "a placed cluster still needs NoExecute tolerated",
        filters.taint_toleration,
        SchedulingUnit(current={"clusterA": None}),
        FederatedCluster("clusterA", taints=(taint("gone", "", "NoExecute"),)),
        "taint gone:NoExecute is not tolerated",
    ),
    # placement/filter_test.go
    (
        "clusterNames empty",
        filters.placement_filter,
        SchedulingUnit(),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "clusterNames nil",
        filters.placement_filter,
        SchedulingUnit(cluster_names=frozenset()),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "name not in clusterNames",
        filters.placement_filter,
        SchedulingUnit(cluster_names=frozenset({"cluster2", "cluster3"})),
        FederatedCluster("cluster1"),
        "not among the placements",
    ),
    (
        "name in clusterNames",
        filters.placement_filter,
        SchedulingUnit(cluster_names=frozenset({"cluster1", "cluster2"})),
        FederatedCluster("cluster1"),
        None,
    ),
    # clusterterminating_test.go (the nil-argument cases have no counterpart)
    (
        "cluster scheduled",
        filters.cluster_terminating,
        SchedulingUnit(current={"cluster1": 1}),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "cluster scheduled, but is terminating",
        filters.cluster_terminating,
        SchedulingUnit(current={"cluster1": 1}),
        FederatedCluster("cluster1", terminating=True),
        "being deleted",
    ),
    (
        "cluster not scheduled",
        filters.cluster_terminating,
        SchedulingUnit(current={"cluster1": 1}),
        FederatedCluster("cluster2"),
        None,
    ),
    (
        "cluster not scheduled, and is terminating",
        filters.cluster_terminating,
        SchedulingUnit(current={"cluster1": 1}),
        FederatedCluster("cluster2", terminating=True),
        "being deleted",
    ),
    # clusterready.go (no upstream test)
    ("ready", filters.cluster_ready, SchedulingUnit(), FederatedCluster("c"), None),
    (
        "unready",
        filters.cluster_ready,
        SchedulingUnit(),
        FederatedCluster("c", ready=False),
        "not ready",
    ),
    (
        "unready but already placed",
        filters.cluster_ready,
        SchedulingUnit(current={"c": 3}),
        FederatedCluster("c", ready=False),
        None,
    ),
    # cluster_evicted_test.go: the caller resolves validUntil into evicted_clusters.
    (
        "no custom migration info",
        filters.cluster_evicted,
        SchedulingUnit(),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "another cluster is unavailable",
        filters.cluster_evicted,
        SchedulingUnit(evicted=frozenset({"cluster2"})),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "only a limited capacity, no unavailable cluster",
        filters.cluster_evicted,
        SchedulingUnit(),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "validUntil has passed",
        filters.cluster_evicted,
        SchedulingUnit(evicted=frozenset()),
        FederatedCluster("cluster1"),
        None,
    ),
    (
        "cluster is evicted",
        filters.cluster_evicted,
        SchedulingUnit(evicted=frozenset({"cluster1"})),
        FederatedCluster("cluster1"),
        "unavailable by the object's migration configuration",
    ),
]

AFFINITY_CASES: list[tuple[str, SchedulingUnit, Mapping[str, str], str, str | None]] = [
    # cluster_affinity_test.go, TestClusterAffinity: (name, unit, labels, cluster name, reason)
    ("no selector", SchedulingUnit(), {}, "", None),
    (
        "missing labels",
        SchedulingUnit(cluster_selector={"foo": "bar"}),
        {},
        "",
        "clusterSelector wants foo=bar, the cluster has no label foo",
    ),
    ("same labels", SchedulingUnit(cluster_selector={"foo": "bar"}), {"foo": "bar"}, "", None),
    (
        "cluster labels are superset",
        SchedulingUnit(cluster_selector={"foo": "bar"}),
        {"foo": "bar", "baz": "blah"},
        "",
        None,
    ),
    (
        "cluster labels are subset",
        SchedulingUnit(cluster_selector={"foo": "bar", "baz": "blah"}),
        {"foo": "bar"},
        "",
        "clusterSelector wants baz=blah, the cluster has no label baz",
    ),
    (
        "In matches",
        SchedulingUnit(affinity=required(exprs(req("foo", "In", "bar", "value2")))),
        {"foo": "bar"},
        "",
        None,
    ),
    (
        "Gt compares integers",
        SchedulingUnit(affinity=required(exprs(req("kernel-version", "Gt", "0204")))),
        {"kernel-version": "0206"},
        "",
        None,
    ),
    (
        "NotIn matches",
        SchedulingUnit(affinity=required(exprs(req("mem-type", "NotIn", "DDR", "DDR2")))),
        {"mem-type": "DDR3"},
        "",
        None,
    ),
    (
        "Exists matches",
        SchedulingUnit(affinity=required(exprs(req("GPU", "Exists")))),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        None,
    ),
    (
        "affinity that does not match",
        SchedulingUnit(affinity=required(exprs(req("foo", "In", "value1", "value2")))),
        {"foo": "bar"},
        "",
        NO_TERM,
    ),
    (
        "nil []ClusterSelectorTerm",
        SchedulingUnit(affinity=Affinity(required=())),
        {"foo": "bar"},
        "",
        NO_EFFECT_FILTER,
    ),
    (
        "empty []ClusterSelectorTerm",
        SchedulingUnit(affinity=Affinity(required=())),
        {"foo": "bar"},
        "",
        NO_EFFECT_FILTER,
    ),
    (
        "empty MatchExpressions match nothing",
        SchedulingUnit(affinity=required(ClusterSelectorTerm())),
        {"foo": "bar"},
        "",
        NO_TERM,
    ),
    ("no Affinity", SchedulingUnit(), {"foo": "bar"}, "", None),
    (
        "Affinity with nil required selector",
        SchedulingUnit(affinity=Affinity()),
        {"foo": "bar"},
        "",
        None,
    ),
    (
        "matchExpressions ANDed, matching",
        SchedulingUnit(
            affinity=required(exprs(req("GPU", "Exists"), req("GPU", "NotIn", "AMD", "INTEL")))
        ),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        None,
    ),
    (
        "matchExpressions ANDed, not matching",
        SchedulingUnit(
            affinity=required(exprs(req("GPU", "Exists"), req("GPU", "In", "AMD", "INTEL")))
        ),
        {"GPU": "NVIDIA-GRID-K1"},
        "",
        NO_TERM,
    ),
    (
        "terms ORed",
        SchedulingUnit(
            affinity=required(
                exprs(req("foo", "In", "bar", "value2")),
                exprs(req("diffkey", "In", "wrong", "value2")),
            )
        ),
        {"foo": "bar"},
        "",
        None,
    ),
    (
        "affinity and clusterSelector both satisfied",
        SchedulingUnit(
            cluster_selector={"foo": "bar"}, affinity=required(exprs(req("foo", "Exists")))
        ),
        {"foo": "bar"},
        "",
        None,
    ),
    (
        "affinity satisfied, clusterSelector not",
        SchedulingUnit(
            cluster_selector={"foo": "bar"}, affinity=required(exprs(req("foo", "Exists")))
        ),
        {"foo": "barrrrrr"},
        "",
        "clusterSelector wants foo=bar, the cluster has foo=barrrrrr",
    ),
    (
        "invalid value in a term",
        SchedulingUnit(affinity=required(exprs(req("foo", "NotIn", "invalid value: ___@#$%^")))),
        {"foo": "bar"},
        "",
        "invalid cluster affinity term: value 'invalid value: ___@#$%^' must be alphanumeric "
        "with '-', '_' or '.' inside",
    ),
    (
        "matchFields In, matching",
        SchedulingUnit(affinity=required(fields(req("metadata.name", "In", "cluster_1")))),
        {},
        "cluster_1",
        None,
    ),
    (
        "matchFields In, not matching",
        SchedulingUnit(affinity=required(fields(req("metadata.name", "In", "cluster_1")))),
        {},
        "cluster_2",
        NO_TERM,
    ),
    (
        "two terms: fields do not match, expressions do",
        SchedulingUnit(
            affinity=required(
                fields(req("metadata.name", "In", "cluster_1")), exprs(req("foo", "In", "bar"))
            )
        ),
        {"foo": "bar"},
        "cluster_2",
        None,
    ),
    (
        "two terms again (upstream repeats the case)",
        SchedulingUnit(
            affinity=required(
                fields(req("metadata.name", "In", "cluster_1")), exprs(req("foo", "In", "bar"))
            )
        ),
        {"foo": "bar"},
        "cluster_2",
        None,
    ),
    (
        "two terms: both match",
        SchedulingUnit(
            affinity=required(
                fields(req("metadata.name", "In", "cluster_1")), exprs(req("foo", "In", "bar"))
            )
        ),
        {"foo": "bar"},
        "cluster_1",
        None,
    ),
    (
        "two terms: neither matches",
        SchedulingUnit(
            affinity=required(
                fields(req("metadata.name", "In", "cluster_1")),
                exprs(req("foo", "In", "not-match-to-bar")),
            )
        ),
        {"foo": "bar"},
        "cluster_2",
        NO_TERM,
    ),
    # Kubernetes requirement rules that the filter inherits (labels.NewRequirement).
    (
        "Gt with a negative value is an invalid label value",
        SchedulingUnit(affinity=required(exprs(req("n", "Gt", "-1")))),
        {"n": "3"},
        "c",
        "invalid cluster affinity term: value '-1' must be alphanumeric with '-', '_' or '.' "
        "inside",
    ),
    (
        "Lt against a non-integer label never matches",
        SchedulingUnit(affinity=required(exprs(req("n", "Lt", "5")))),
        {"n": "x"},
        "c",
        NO_TERM,
    ),
    (
        "an earlier matching term hides a later invalid one",
        SchedulingUnit(
            affinity=required(exprs(req("foo", "Exists")), exprs(req("bad key!", "Exists")))
        ),
        {"foo": "1"},
        "c",
        None,
    ),
    (
        "matchFields with two values is invalid",
        SchedulingUnit(affinity=required(fields(req("metadata.name", "In", "a", "c")))),
        {},
        "c",
        "invalid cluster affinity term: field selector In needs exactly one value",
    ),
]

FIT_CASES: list[tuple[str, Mapping[str, Fraction], FederatedCluster, str | None]] = [
    # fit_test.go, TestEnoughRequests
    ("no resources requested always fits", request(0, 0), res_cluster("c", 10, 20, 0, 0), None),
    ("equal edge case requested fits", request(10, 20), res_cluster("c", 10, 20, 10, 20), None),
    (
        "too many resources fails",
        request(1, 1),
        res_cluster("c", 10, 20, 0, 0),
        "insufficient cpu, memory",
    ),
    ("cpu fails", request(4, 2), res_cluster("c", 10, 20, 3, 3), "insufficient cpu"),
    ("memory fails", request(4, 2), res_cluster("c", 10, 20, 5, 1), "insufficient memory"),
    (
        "scalar fits",
        {SCALAR: Fraction(1)},
        FederatedCluster("c", allocatable={SCALAR: Fraction(2)}, available={SCALAR: Fraction(2)}),
        None,
    ),
    (
        "scalar fails",
        {SCALAR: Fraction(1)},
        FederatedCluster("c", allocatable={SCALAR: Fraction(0)}, available={SCALAR: Fraction(0)}),
        f"insufficient {SCALAR}",
    ),
    (
        "zero scalar fits",
        {SCALAR: Fraction(0)},
        FederatedCluster("c", allocatable={SCALAR: Fraction(0)}, available={SCALAR: Fraction(0)}),
        None,
    ),
    (
        "scalar missing on the cluster",
        {SCALAR: Fraction(1)},
        res_cluster("c", 2, 2, 2, 2),
        f"insufficient {SCALAR}",
    ),
    ("zero scalar, cluster without it", {SCALAR: Fraction(0)}, res_cluster("c", 2, 2, 2, 2), None),
]


@pytest.mark.parametrize(("name", "plugin", "unit", "cluster", "expected"), FILTER_CASES)
def test_filter(
    name: str,
    plugin: Callable[[SchedulingUnit, FederatedCluster], str | None],
    unit: SchedulingUnit,
    cluster: FederatedCluster,
    expected: str | None,
) -> None:
    assert plugin(unit, cluster) == expected


@pytest.mark.parametrize(("name", "unit", "labels", "cluster_name", "expected"), AFFINITY_CASES)
def test_cluster_affinity_filter(
    name: str,
    unit: SchedulingUnit,
    labels: Mapping[str, str],
    cluster_name: str,
    expected: str | None,
) -> None:
    cluster = FederatedCluster(cluster_name, labels=labels)
    assert filters.cluster_affinity(unit, cluster) == expected


@pytest.mark.parametrize(("name", "needs", "cluster", "expected"), FIT_CASES)
def test_cluster_resources_fit(
    name: str, needs: Mapping[str, Fraction], cluster: FederatedCluster, expected: str | None
) -> None:
    assert (
        filters.cluster_resources_fit(SchedulingUnit(resource_request=needs), cluster) == expected
    )


def test_cluster_resources_fit_skips_placed_clusters() -> None:
    unit = SchedulingUnit(resource_request=request(1, 1), current={"c": 1})
    assert filters.cluster_resources_fit(unit, res_cluster("c", 10, 20, 0, 0)) is None


# --- scores ----------------------------------------------------------------------------------

PNS = "PreferNoSchedule"
LABEL1 = {"foo": "bar"}
LABEL2 = {"key": "value"}
LABEL3 = {"az": "az1"}
LABEL4 = {"abc": "az11", "def": "az22"}
LABEL5 = {"foo": "bar", "key": "value", "az": "az1"}
AFFINITY1 = Affinity(preferred=(PreferredTerm(2, exprs(req("foo", "In", "bar"))),))
AFFINITY2 = Affinity(
    preferred=(
        PreferredTerm(2, exprs(req("foo", "In", "bar"))),
        PreferredTerm(4, exprs(req("key", "In", "value"))),
        PreferredTerm(
            5,
            exprs(req("foo", "In", "bar"), req("key", "In", "value"), req("az", "In", "az1")),
        ),
    )
)


def by_labels(*labels: tuple[str, Mapping[str, str]]) -> list[FederatedCluster]:
    return [FederatedCluster(name, labels=dict(values)) for name, values in labels]


def by_taints(*taints: tuple[str, tuple[Taint, ...]]) -> list[FederatedCluster]:
    return [FederatedCluster(name, taints=values) for name, values in taints]


SCORE_CASES: list[
    tuple[str, Callable[..., list[int]], SchedulingUnit, list[FederatedCluster], list[int]]
] = [
    # taint_toleration_test.go, TestTaintTolerationScore
    (
        "tolerated PreferNoSchedule taint scores higher",
        scores.taint_toleration,
        SchedulingUnit(tolerations=(tol("foo", "Equal", "bar", PNS),)),
        by_taints(
            ("clusterA", (taint("foo", "bar", PNS),)), ("clusterB", (taint("foo", "blah", PNS),))
        ),
        [100, 0],
    ),
    (
        "the number of tolerated taints does not matter",
        scores.taint_toleration,
        SchedulingUnit(
            tolerations=(
                tol("cpu-type", "Equal", "arm64", PNS),
                tol("disk-type", "Equal", "ssd", PNS),
            )
        ),
        by_taints(
            ("clusterA", ()),
            ("clusterB", (taint("cpu-type", "arm64", PNS),)),
            ("clusterC", (taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS))),
        ),
        [100, 100, 100],
    ),
    (
        "more untolerated taints score lower",
        scores.taint_toleration,
        SchedulingUnit(tolerations=(tol("foo", "Equal", "bar", PNS),)),
        by_taints(
            ("clusterA", ()),
            ("clusterB", (taint("cpu-type", "arm64", PNS),)),
            ("clusterC", (taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS))),
        ),
        [100, 50, 0],
    ),
    (
        "only PreferNoSchedule taints and tolerations count",
        scores.taint_toleration,
        SchedulingUnit(
            tolerations=(
                tol("cpu-type", "Equal", "arm64", "NoSchedule"),
                tol("disk-type", "Equal", "ssd", "NoSchedule"),
            )
        ),
        by_taints(
            ("clusterA", ()),
            ("clusterB", (taint("cpu-type", "arm64", "NoSchedule"),)),
            ("clusterC", (taint("cpu-type", "arm64", PNS), taint("disk-type", "ssd", PNS))),
        ),
        [100, 100, 0],
    ),
    (
        "no taints and tolerations",
        scores.taint_toleration,
        SchedulingUnit(),
        by_taints(("clusterA", ()), ("clusterB", (taint("cpu-type", "arm64", PNS),))),
        [100, 0],
    ),
    # cluster_affinity_test.go, TestClusterAffinityPriority
    (
        "no affinity: all zero",
        scores.cluster_affinity,
        SchedulingUnit(),
        by_labels(("cluster1", LABEL1), ("cluster2", LABEL2), ("cluster3", LABEL3)),
        [0, 0, 0],
    ),
    (
        "no cluster matches the preferred terms",
        scores.cluster_affinity,
        SchedulingUnit(affinity=AFFINITY1),
        by_labels(("cluster1", LABEL4), ("cluster2", LABEL2), ("cluster3", LABEL3)),
        [0, 0, 0],
    ),
    (
        "only cluster1 matches",
        scores.cluster_affinity,
        SchedulingUnit(affinity=AFFINITY1),
        by_labels(("cluster1", LABEL1), ("cluster2", LABEL2), ("cluster3", LABEL3)),
        [100, 0, 0],
    ),
    (
        # raw 2, 11, 4 -> 100*2/11 = 18, 100, 100*4/11 = 36
        "all match with different weights",
        scores.cluster_affinity,
        SchedulingUnit(affinity=AFFINITY2),
        by_labels(("cluster1", LABEL1), ("cluster5", LABEL5), ("cluster2", LABEL2)),
        [18, 100, 36],
    ),
    # balanced_allocation_test.go
    (
        "balanced: nothing requested",
        scores.balanced_allocation,
        SchedulingUnit(resource_request=request(0, 0)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 4000, 10000, 4000, 10000),
        ],
        [100, 100],
    ),
    (
        "balanced: differently sized clusters",
        scores.balanced_allocation,
        SchedulingUnit(resource_request=request(3000, 5000)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 6000, 10000, 6000, 10000),
        ],
        [87, 100],
    ),
    (
        "balanced: with GPU",
        scores.balanced_allocation,
        SchedulingUnit(resource_request=request(3000, 5000, {GPU: 5000})),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000, {GPU: (20000, 20000)}),
            res_cluster("cluster2", 6000, 10000, 6000, 10000, {GPU: (10000, 10000)}),
        ],
        [79, 100],
    ),
    (
        "balanced: with an extended resource",
        scores.balanced_allocation,
        SchedulingUnit(resource_request=request(6000, 5000, {FOO: 4000})),
        [
            res_cluster("cluster1", 10000, 10000, 10000, 10000, {FOO: (10000, 10000)}),
            res_cluster("cluster2", 15000, 10000, 15000, 10000, {FOO: (20000, 20000)}),
        ],
        [91, 87],
    ),
    # least_allocated_test.go
    (
        "least: nothing requested",
        scores.least_allocated,
        SchedulingUnit(resource_request=request(0, 0)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 4000, 10000, 4000, 10000),
        ],
        [100, 100],
    ),
    (
        "least: differently sized clusters",
        scores.least_allocated,
        SchedulingUnit(resource_request=request(3000, 5000)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 6000, 10000, 6000, 10000),
        ],
        [37, 50],
    ),
    (
        "least: with GPU (weight 4)",
        scores.least_allocated,
        SchedulingUnit(resource_request=request(3000, 5000, {GPU: 5000})),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000, {GPU: (10000, 10000)}),
            res_cluster("cluster2", 6000, 10000, 6000, 10000, {GPU: (10000, 10000)}),
        ],
        [45, 50],
    ),
    (
        "least: GPU fraction differs",
        scores.least_allocated,
        SchedulingUnit(resource_request=request(6000, 5000, {GPU: 4000})),
        [
            res_cluster("cluster1", 10000, 10000, 10000, 10000, {GPU: (10000, 10000)}),
            res_cluster("cluster2", 15000, 10000, 15000, 10000, {GPU: (6700, 6700)}),
        ],
        [55, 45],
    ),
    (
        "least: extended resource (weight 1)",
        scores.least_allocated,
        SchedulingUnit(resource_request=request(6000, 5000, {FOO: 4000})),
        [
            res_cluster("cluster1", 10000, 10000, 10000, 10000, {FOO: (10000, 10000)}),
            res_cluster("cluster2", 15000, 10000, 15000, 10000, {FOO: (20000, 20000)}),
        ],
        [50, 63],
    ),
    # most_allocated_test.go
    (
        "most: nothing requested",
        scores.most_allocated,
        SchedulingUnit(resource_request=request(0, 0)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 4000, 10000, 4000, 10000),
        ],
        [0, 0],
    ),
    (
        "most: differently sized clusters",
        scores.most_allocated,
        SchedulingUnit(resource_request=request(3000, 5000)),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000),
            res_cluster("cluster2", 6000, 10000, 6000, 10000),
        ],
        [62, 50],
    ),
    (
        "most: with GPU",
        scores.most_allocated,
        SchedulingUnit(resource_request=request(3000, 5000, {GPU: 5000})),
        [
            res_cluster("cluster1", 4000, 10000, 4000, 10000, {GPU: (10000, 10000)}),
            res_cluster("cluster2", 6000, 10000, 6000, 10000, {GPU: (10000, 10000)}),
        ],
        [54, 50],
    ),
    (
        "most: GPU fraction differs",
        scores.most_allocated,
        SchedulingUnit(resource_request=request(6000, 5000, {GPU: 4000})),
        [
            res_cluster("cluster1", 10000, 10000, 10000, 10000, {GPU: (10000, 10000)}),
            res_cluster("cluster2", 15000, 10000, 15000, 10000, {GPU: (6600, 6600)}),
        ],
        [45, 55],
    ),
    (
        "most: extended resource",
        scores.most_allocated,
        SchedulingUnit(resource_request=request(6000, 5000, {FOO: 4000})),
        [
            res_cluster("cluster1", 10000, 10000, 10000, 10000, {FOO: (10000, 10000)}),
            res_cluster("cluster2", 15000, 10000, 15000, 10000, {FOO: (20000, 20000)}),
        ],
        [50, 36],
    ),
    # Without resource data both resource scores are 0 (allocatable 0 counts as full).
    (
        "balanced: no resource data",
        scores.balanced_allocation,
        SchedulingUnit(),
        [FederatedCluster("a"), FederatedCluster("b")],
        [0, 0],
    ),
    (
        "least: no resource data",
        scores.least_allocated,
        SchedulingUnit(),
        [FederatedCluster("a"), FederatedCluster("b")],
        [0, 0],
    ),
]


@pytest.mark.parametrize(("name", "plugin", "unit", "clusters", "expected"), SCORE_CASES)
def test_score(
    name: str,
    plugin: Callable[..., list[int]],
    unit: SchedulingUnit,
    clusters: list[FederatedCluster],
    expected: list[int],
) -> None:
    assert plugin(unit, clusters) == expected


def test_invalid_preferred_term_fails_the_schedule() -> None:
    unit = SchedulingUnit(affinity=Affinity(preferred=(PreferredTerm(1, exprs(req("k", "Bad"))),)))
    with pytest.raises(KubeAdmiralScheduleError, match="preferred cluster affinity term"):
        scores.cluster_affinity(unit, [FederatedCluster("a")])


def test_normalize_keeps_negative_scores_without_a_positive_one() -> None:
    # Go's DefaultNormalizeScore only scales by a positive maximum.
    assert scores.normalize([-5, 0], reverse=False) == [-5, 0]
    assert scores.normalize([-5, 10], reverse=False) == [-50, 100]
    assert scores.normalize([0, 0], reverse=True) == [100, 100]


# --- select ----------------------------------------------------------------------------------

SELECT_CASES: list[
    tuple[
        str, Callable[..., list[tuple[str, int]]], SchedulingUnit, list[tuple[str, int]], list[str]
    ]
] = [
    # priority_sort_test.go
    (
        "2 clusters, no priority, duplicate",
        select.priority_sort,
        SchedulingUnit(mode=DUPLICATE),
        [("foo", 1), ("bar", 2)],
        ["bar", "foo"],
    ),
    (
        "2 clusters, no priority, binpack",
        select.priority_sort,
        SchedulingUnit(mode=DIVIDE, strategy=BINPACK),
        [("foo", 1), ("bar", 2)],
        ["bar", "foo"],
    ),
    (
        "2 clusters, 2 have priority",
        select.priority_sort,
        SchedulingUnit(priorities={"bar": 50, "foo": 100}),
        [("bar", 2), ("foo", 1)],
        ["foo", "bar"],
    ),
    (
        "2 clusters, 1 has priority",
        select.priority_sort,
        SchedulingUnit(priorities={"bar": 1}),
        [("bar", 2), ("foo", 1)],
        ["bar", "foo"],
    ),
    (
        "2 clusters, 1 has priority, not in the list",
        select.priority_sort,
        SchedulingUnit(priorities={"fun": 1}),
        [("bar", 2), ("foo", 1)],
        ["bar", "foo"],
    ),
    (
        "3 clusters, 1 has priority",
        select.priority_sort,
        SchedulingUnit(priorities={"foo": 1}),
        [("abc", 3), ("bar", 2), ("foo", 1)],
        ["foo", "abc", "bar"],
    ),
    # max_cluster_test.go
    ("1 cluster", select.max_cluster, SchedulingUnit(), [("foo", 1)], ["foo"]),
    ("2 clusters", select.max_cluster, SchedulingUnit(), [("foo", 1), ("fun", 2)], ["fun", "foo"]),
    (
        "2 clusters, same score",
        select.max_cluster,
        SchedulingUnit(),
        [("abc", 2), ("fun", 2)],
        ["abc", "fun"],
    ),
    (
        "divide, 5 replicas, 1 cluster",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=5),
        [("foo", 1)],
        ["foo"],
    ),
    (
        "divide, 5 replicas",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=5),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "divide, nil replicas",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "divide, 10 replicas",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=10),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "divide, 11 replicas",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=11),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "5 replicas, 3 max clusters",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=5, max_clusters=3),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "11 replicas, 3 max clusters",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=11, max_clusters=3),
        [("foo", 1), ("fun", 2)],
        ["fun", "foo"],
    ),
    (
        "11 replicas, 1 max cluster",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, desired_replicas=11, max_clusters=1),
        [("foo", 1), ("fun", 2)],
        ["fun"],
    ),
    (
        "0 max clusters",
        select.max_cluster,
        SchedulingUnit(mode=DIVIDE, max_clusters=0),
        [("foo", 1)],
        [],
    ),
]


@pytest.mark.parametrize(("name", "plugin", "unit", "ranked", "expected"), SELECT_CASES)
def test_select(
    name: str,
    plugin: Callable[..., list[tuple[str, int]]],
    unit: SchedulingUnit,
    ranked: list[tuple[str, int]],
    expected: list[str],
) -> None:
    assert [cluster for cluster, _ in plugin(unit, ranked)] == expected


def test_max_cluster_rejects_a_negative_limit() -> None:
    # max_cluster_test.go, "cluster with invalid max clusters"
    with pytest.raises(KubeAdmiralScheduleError, match="maxClusters is -1"):
        select.max_cluster(SchedulingUnit(mode=DIVIDE, max_clusters=-1), [])


def test_priority_sort_replaces_the_key() -> None:
    unit = SchedulingUnit(priorities={"foo": 1})
    assert select.priority_sort(unit, [("abc", 3), ("foo", 1)]) == [("foo", 1), ("abc", 0)]


# --- profiles --------------------------------------------------------------------------------

ABC = ("a", "b", "c")
BASE = PluginLists(ABC, ABC, ABC, ABC)


def lists(
    filter: tuple[str, ...] = ABC, score: tuple[str, ...] = ABC, sel: tuple[str, ...] = ABC
) -> PluginLists:
    return PluginLists(filter, score, sel, ABC)


def sp(**points: PluginSet) -> SchedulingProfile:
    return SchedulingProfile("p", **points)


def ps(enabled: str = "", disabled: str = "") -> PluginSet:
    return PluginSet(tuple(enabled.split()), tuple(disabled.split()))


PROFILE_CASES: list[tuple[str, SchedulingProfile, PluginLists]] = [
    # profile_test.go, TestApplyProfile
    ("enable filter plugins", sp(filter=ps("d e")), lists(filter=("a", "b", "c", "d", "e"))),
    ("disable some filter plugins", sp(filter=ps(disabled="a c")), lists(filter=("b",))),
    ("disable all filter plugins", sp(filter=ps(disabled="*")), lists(filter=())),
    (
        "enable and disable some filter plugins",
        sp(filter=ps("y z", "a c")),
        lists(filter=("b", "y", "z")),
    ),
    ("enable and disable all filter plugins", sp(filter=ps("y z", "*")), lists(filter=("y", "z"))),
    ("enable score plugins", sp(score=ps("d e")), lists(score=("a", "b", "c", "d", "e"))),
    ("disable some score plugins", sp(score=ps(disabled="a c")), lists(score=("b",))),
    ("disable all score plugins", sp(score=ps(disabled="*")), lists(score=())),
    (
        "enable and disable some score plugins",
        sp(score=ps("y z", "a c")),
        lists(score=("b", "y", "z")),
    ),
    ("enable and disable all score plugins", sp(score=ps("y z", "*")), lists(score=("y", "z"))),
    ("enable select plugins", sp(select=ps("d e")), lists(sel=("a", "b", "c", "d", "e"))),
    ("disable some select plugins", sp(select=ps(disabled="a c")), lists(sel=("b",))),
    ("disable all select plugins", sp(select=ps(disabled="*")), lists(sel=())),
    (
        "enable and disable some select plugins",
        sp(select=ps("y z", "a c")),
        lists(sel=("b", "y", "z")),
    ),
    ("enable and disable all select plugins", sp(select=ps("y z", "*")), lists(sel=("y", "z"))),
    (
        "multiple extension points 1",
        sp(filter=ps("h i j", "*"), select=ps("y z", "a")),
        lists(filter=("h", "i", "j"), sel=("b", "c", "y", "z")),
    ),
    (
        "multiple extension points 2",
        sp(score=ps("z", "a b c"), select=ps(disabled="c")),
        lists(score=("z",), sel=("a", "b")),
    ),
    (
        "multiple extension points 3",
        sp(filter=ps("m"), score=ps("z", "c"), select=ps(disabled="c")),
        lists(filter=("a", "b", "c", "m"), score=("a", "b", "z"), sel=("a", "b")),
    ),
    ("empty profile", sp(), BASE),
]


@pytest.mark.parametrize(("name", "profile", "expected"), PROFILE_CASES)
def test_apply_profile(name: str, profile: SchedulingProfile, expected: PluginLists) -> None:
    assert apply_profile(BASE, profile) == expected


def test_default_plugins() -> None:
    assert default_plugins() == PluginLists(
        filter=(
            "APIResources",
            "TaintToleration",
            "PlacementFilter",
            "ClusterAffinity",
            "ClusterReady",
            "ClusterTerminating",
            "ClusterEvicted",
        ),
        score=(
            "TaintToleration",
            "ClusterResourcesBalancedAllocation",
            "ClusterResourcesLeastAllocated",
            "ClusterAffinity",
        ),
        select=("PrioritySort", "MaxCluster"),
        replicas=("ClusterCapacityWeight",),
    )
    assert apply_profile(default_plugins(), None) == default_plugins()


def test_plugins_for_binpack_and_profile() -> None:
    profile = SchedulingProfile(
        "fit",
        filter=ps("ClusterResourcesFit", "ClusterEvicted"),
        score=ps("ClusterResourcesMostAllocated", "*"),
        select=ps(disabled="PrioritySort"),
    )
    assert plugins_for(profile, BINPACK) == PluginLists(
        filter=(
            "APIResources",
            "TaintToleration",
            "PlacementFilter",
            "ClusterAffinity",
            "ClusterReady",
            "ClusterTerminating",
            "ClusterResourcesFit",
        ),
        score=("ClusterResourcesMostAllocated",),
        select=("MaxCluster",),
        replicas=("PreferenceBinPack",),
    )


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (sp(filter=ps("Webhook1")), "unknown filter plugin 'Webhook1'"),
        (sp(filter=ps("MaxCluster")), "plugin 'MaxCluster' is not a filter plugin"),
        (sp(score=ps("ClusterReady")), "plugin 'ClusterReady' is not a score plugin"),
        (sp(filter=ps("TaintToleration")), "filter plugin 'TaintToleration' is enabled twice"),
        (
            sp(select=ps("MaxCluster", "PrioritySort")),
            "select plugin 'MaxCluster' is enabled twice",
        ),
    ],
)
def test_invalid_profiles(profile: SchedulingProfile, message: str) -> None:
    with pytest.raises(KubeAdmiralScheduleError, match=message):
        plugins_for(profile, SPREAD)


# --- the scheduling unit: policy fields and annotation overrides ------------------------------

DEPLOYMENT = SchedulingObject("test", "default", "apps", "v1", "Deployment", replicas=10)


def unit_for(
    policy: KubeAdmiralPolicy, annotations: Mapping[str, str] | None = None, **obj: Any
) -> SchedulingUnit:
    target = replace(DEPLOYMENT, annotations=annotations or {}, **obj)
    return build_unit(target, policy)[0]


def test_unit_from_policy() -> None:
    # scheduler_test.go, TestGetSchedulingUnit (avoidDisruption explicitly false)
    policy = KubeAdmiralPolicy(DUPLICATE, SPREAD, avoid_disruption=False)
    assert unit_for(policy) == SchedulingUnit(
        key="default/test",
        gvk=("apps", "v1", "Deployment"),
        mode=DUPLICATE,
        strategy=SPREAD,
        sticky=False,
        avoid_disruption=False,
    )


PLACEMENTS_JSON = """[
    {"cluster": "cluster1",
     "preferences": {"minReplicas": 5, "maxReplicas": 10, "weight": 2, "priority": 2}},
    {"cluster": "cluster2", "preferences": {"minReplicas": 2, "weight": 1, "priority": 1}}
]"""

OVERRIDE_CASES: list[tuple[str, KubeAdmiralPolicy, dict[str, str], dict[str, Any]]] = [
    # scheduler_test.go, TestGetSchedulingUnitWithAnnotationOverrides: the unit fields expected
    (
        "scheduling mode override",
        KubeAdmiralPolicy(DIVIDE, SPREAD, cluster_selector={"label": "value1"}),
        {"kubeadmiral.io/scheduling-mode": "Duplicate"},
        {"mode": DUPLICATE, "cluster_selector": {"label": "value1"}},
    ),
    (
        "sticky cluster override",
        KubeAdmiralPolicy(cluster_selector={"label": "value1"}, disable_rescheduling=True),
        {"kubeadmiral.io/sticky-cluster": "false"},
        {"sticky": False, "cluster_selector": {"label": "value1"}},
    ),
    (
        "cluster selector override",
        KubeAdmiralPolicy(cluster_selector={"label": "value1"}, disable_rescheduling=True),
        {"kubeadmiral.io/clusterSelector": '{"override": "label"}'},
        {"sticky": True, "cluster_selector": {"override": "label"}},
    ),
    (
        "cluster affinity override",
        KubeAdmiralPolicy(
            DUPLICATE, SPREAD, cluster_selector={"label": "value1"}, disable_rescheduling=True
        ),
        {
            "kubeadmiral.io/affinity": """{"clusterAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"clusterSelectorTerms": [
                    {"matchExpressions": [
                        {"key": "test", "operator": "In", "values": ["value1", "value2"]}]}]}}}"""
        },
        {
            "sticky": True,
            "cluster_selector": {"label": "value1"},
            "affinity": required(exprs(req("test", "In", "value1", "value2"))),
        },
    ),
    (
        "tolerations override",
        KubeAdmiralPolicy(
            cluster_selector={"label": "value1"},
            tolerations=(tol("test", "Exists", effect="NoExecute"),),
            disable_rescheduling=True,
        ),
        {
            "kubeadmiral.io/tolerations": '[{"key": "override", "operator": "Exists", "effect": "NoSchedule"}]'
        },
        {
            "sticky": True,
            "cluster_selector": {"label": "value1"},
            "tolerations": (tol("override", "Exists", effect="NoSchedule"),),
        },
    ),
    (
        "max clusters override",
        KubeAdmiralPolicy(cluster_selector={"label": "value1"}, max_clusters=5),
        {"kubeadmiral.io/maxClusters": "10"},
        {"cluster_selector": {"label": "value1"}, "max_clusters": 10},
    ),
    (
        "placements override",
        KubeAdmiralPolicy(
            cluster_selector={"label": "value1"},
            max_clusters=5,
            placements={"cluster1": PlacementPreference()},
        ),
        {"kubeadmiral.io/placements": PLACEMENTS_JSON},
        {
            "cluster_selector": {"label": "value1"},
            "max_clusters": 5,
            "cluster_names": frozenset({"cluster1", "cluster2"}),
            "min_replicas": {"cluster1": 5, "cluster2": 2},
            "max_replicas": {"cluster1": 10},
            "weights": {"cluster1": 2, "cluster2": 1},
            "priorities": {"cluster1": 2, "cluster2": 1},
        },
    ),
    # Unreadable annotations leave the policy field (schedulingunit.go).
    (
        "negative maxClusters annotation is ignored",
        KubeAdmiralPolicy(max_clusters=5),
        {"kubeadmiral.io/maxClusters": "-1"},
        {"max_clusters": 5},
    ),
    (
        "unknown mode annotation is ignored",
        KubeAdmiralPolicy(DIVIDE),
        {"kubeadmiral.io/scheduling-mode": "divide"},
        {"mode": DIVIDE, "desired_replicas": 10},
    ),
    (
        "non-string selector values discard the annotation",
        KubeAdmiralPolicy(cluster_selector={"a": "b"}),
        {"kubeadmiral.io/clusterSelector": '{"a": 1}'},
        {"cluster_selector": {"a": "b"}},
    ),
    (
        "a negative weight keeps the policy's weights, the rest comes from the annotation",
        KubeAdmiralPolicy(placements={"x": PlacementPreference(weight=7)}),
        {
            "kubeadmiral.io/placements": '[{"cluster": "y", "preferences": {"weight": -1, "minReplicas": 1}}]'
        },
        {
            "cluster_names": frozenset({"y"}),
            "min_replicas": {"y": 1},
            "weights": {"x": 7},
        },
    ),
    (
        "a null affinity annotation removes the policy's affinity",
        KubeAdmiralPolicy(cluster_affinity=(exprs(req("a", "Exists")),)),
        {"kubeadmiral.io/affinity": "null"},
        {"affinity": Affinity()},
    ),
    (
        "JSON field names match case-insensitively; present but empty terms match nothing",
        KubeAdmiralPolicy(),
        {
            "kubeadmiral.io/affinity": '{"ClusterAffinity": '
            '{"RequiredDuringSchedulingIgnoredDuringExecution": {"clusterselectorterms": null}}}'
        },
        {"affinity": Affinity(required=())},
    ),
    (
        "annotation names are exact",
        KubeAdmiralPolicy(),
        {"kubeadmiral.io/Tolerations": '[{"key": "x"}]', "kubeadmiral.io/maxclusters": "1"},
        {},
    ),
    (
        "integers must be written as integers",
        KubeAdmiralPolicy(),
        {"kubeadmiral.io/placements": '[{"cluster": "a", "preferences": {"weight": 1.0}}]'},
        {"cluster_names": frozenset({"a"})},
    ),
    (
        "the policy's required terms",
        KubeAdmiralPolicy(cluster_affinity=(exprs(req("a", "Exists")),)),
        {},
        {"affinity": required(exprs(req("a", "Exists")))},
    ),
]


@pytest.mark.parametrize(("name", "policy", "annotations", "expected"), OVERRIDE_CASES)
def test_annotation_overrides(
    name: str, policy: KubeAdmiralPolicy, annotations: dict[str, str], expected: dict[str, Any]
) -> None:
    got = unit_for(policy, annotations)
    base = SchedulingUnit(key="default/test", gvk=("apps", "v1", "Deployment"))
    assert got == replace(base, **expected)


def test_only_the_gpu_request_reaches_the_plugins() -> None:
    needs = {"cpu": Fraction(2), "memory": Fraction(2**30), GPU: Fraction(1)}
    assert unit_for(KubeAdmiralPolicy(), resource_request=needs).resource_request == {GPU: 1}
    assert (
        unit_for(KubeAdmiralPolicy(), resource_request={"cpu": Fraction(2)}).resource_request == {}
    )


@pytest.mark.parametrize(
    ("name", "annotations"),
    [
        # schedulingunit_test.go, Test_getPrioritiesFromObject: none of these override
        ("annotations is nil", {}),
        ("annotation is empty", {}),
        (
            "unmarshal annotation failed",
            {
                "kubeadmiral.io/placements": '{{"cluster": "test1", "preferences":{"priority": "1312"}}}'
            },
        ),
        (
            "priority is less than 0",
            {"kubeadmiral.io/placements": '{{"cluster": "test1", "preferences":{"priority": -1}}}'},
        ),
        (
            "get priorities success (the upstream value is not JSON either)",
            {"kubeadmiral.io/placements": '{{"cluster": "test1", "preferences":{"priority": 1}}}'},
        ),
    ],
)
def test_priorities_from_object(name: str, annotations: dict[str, str]) -> None:
    assert read_annotations(annotations).priorities is None


def test_priorities_from_annotation() -> None:
    overrides = read_annotations(
        {
            "kubeadmiral.io/placements": '[{"cluster": "a", "preferences": {"priority": 1}}, {"cluster": "b"}]'
        }
    )
    assert overrides.priorities == {"a": 1}
    assert overrides.cluster_names == ("a", "b")
    quoted = read_annotations(
        {"kubeadmiral.io/placements": '[{"cluster": "a", "preferences": {"priority": "1"}}]'}
    )
    # A string where an integer belongs only spoils the preferences, not the cluster names.
    assert (quoted.cluster_names, quoted.priorities, quoted.min_replicas) == (("a",), None, None)


@pytest.mark.parametrize(
    ("name", "policy", "kind", "expected"),
    [
        # scheduler_test.go, TestSchedulingMode
        ("deployments can Divide", KubeAdmiralPolicy(DIVIDE), ("apps", "Deployment"), DIVIDE),
        (
            "deployments can Duplicate",
            KubeAdmiralPolicy(DUPLICATE),
            ("apps", "Deployment"),
            DUPLICATE,
        ),
        (
            "no replicas path falls back to Duplicate",
            KubeAdmiralPolicy(DIVIDE),
            ("apps", "StatefulSet"),
            DUPLICATE,
        ),
        (
            "an unknown policy mode is Duplicate",
            KubeAdmiralPolicy("Spread"),
            ("apps", "Deployment"),
            DUPLICATE,
        ),
    ],
)
def test_scheduling_mode(
    name: str, policy: KubeAdmiralPolicy, kind: tuple[str, str], expected: str
) -> None:
    assert unit_for(policy, group=kind[0], kind=kind[1]).mode == expected


@pytest.mark.parametrize(
    ("strategy", "expected"),
    # schedulingunit_test.go, Test_getReplicasStrategyFromPolicy (the CRD default stands for nil)
    [(SPREAD, SPREAD), (BINPACK, BINPACK), ("", SPREAD), ("Packed", SPREAD)],
)
def test_replicas_strategy(strategy: str, expected: str) -> None:
    assert unit_for(KubeAdmiralPolicy(replicas_strategy=strategy)).strategy == expected


def test_placements_priorities_from_policy() -> None:
    # schedulingunit_test.go, Test_getPrioritiesFromPolicy
    assert unit_for(KubeAdmiralPolicy()).priorities == {}
    policy = KubeAdmiralPolicy(
        placements={
            "test1": PlacementPreference(priority=1),
            "test2": PlacementPreference(priority=2),
        }
    )
    assert unit_for(policy).priorities == {"test1": 1, "test2": 2}


def test_effective_policy() -> None:
    policy = KubeAdmiralPolicy(
        DIVIDE,
        max_clusters=5,
        placements={"cluster1": PlacementPreference()},
        tolerations=(tol("a", "Exists"),),
    )
    annotations = {
        "kubeadmiral.io/placements": PLACEMENTS_JSON,
        "kubeadmiral.io/maxClusters": "2",
        "kubeadmiral.io/sticky-cluster": "true",
        "kubeadmiral.io/affinity": '{"clusterAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": '
        '[{"weight": 3, "preference": {"matchExpressions": [{"key": "z", "operator": "Exists"}]}}]}}',
        "kubeadmiral.io/tolerations": "oops",
    }
    assert effective_policy(policy, annotations) == KubeAdmiralPolicy(
        DIVIDE,
        max_clusters=2,
        placements={
            "cluster1": PlacementPreference(5, 10, 2, 2),
            "cluster2": PlacementPreference(2, None, 1, 1),
        },
        tolerations=(tol("a", "Exists"),),
        disable_rescheduling=True,
        affinity_override=Affinity(preferred=(PreferredTerm(3, exprs(req("z", "Exists"))),)),
    )
    assert effective_policy(policy, {}) == policy
    assert read_annotations(annotations).notes == (
        "annotation kubeadmiral.io/sticky-cluster=true replaces disableRescheduling",
        "annotation kubeadmiral.io/affinity replaces the policy's affinity",
        "annotation kubeadmiral.io/tolerations ignored: not JSON: Expecting value: line 1 column 1 (char 0)",
        "annotation kubeadmiral.io/maxClusters=2 replaces maxClusters",
        "annotation kubeadmiral.io/placements replaces the policy's placements",
    )


def test_unit_rejects_divide_without_replicas() -> None:
    with pytest.raises(KubeAdmiralScheduleError, match="Divide needs the object's replica count"):
        unit_for(KubeAdmiralPolicy(DIVIDE), replicas=None)


# --- the pipeline ----------------------------------------------------------------------------


def joined(name: str, **kw: Any) -> FederatedCluster:
    return FederatedCluster(name, **kw)


TWO = [joined("cluster1"), joined("cluster2")]


def test_generic_scheduler_duplicate_skips_replicas() -> None:
    # generic_scheduler_test.go, TestSchedulingWithSchedulingMode (sticky, nothing placed yet)
    result = schedule(DEPLOYMENT, KubeAdmiralPolicy(DUPLICATE, disable_rescheduling=True), TWO)
    assert result.clusters == {"cluster1": None, "cluster2": None}


def test_generic_scheduler_divide_divides() -> None:
    # Upstream uses a fake plugin giving 1 each; with the real one and no resource data the
    # weights are 1000/2 = 500 each: cluster1 (hash order first) ceil(10*500/1000) = 5, then 5.
    result = schedule(DEPLOYMENT, KubeAdmiralPolicy(DIVIDE, disable_rescheduling=True), TWO)
    assert result.clusters == {"cluster1": 5, "cluster2": 5}
    assert result.weights == {"cluster1": 500, "cluster2": 500}


def test_generic_scheduler_sticky_keeps_the_placement() -> None:
    # generic_scheduler_test.go, TestSchedulingWithStickyCluster: desired 10, kept at 60
    result = schedule(
        DEPLOYMENT,
        KubeAdmiralPolicy(DIVIDE, disable_rescheduling=True),
        TWO,
        current={"cluster1": 60},
    )
    assert result == KubeAdmiralSchedule(
        clusters={"cluster1": 60},
        mode=DIVIDE,
        plugins=default_plugins(),
        kept_current=True,
        trail=(
            "current placement (the last render's): cluster1=60",
            "profile (default): filters APIResources, TaintToleration, PlacementFilter, "
            "ClusterAffinity, ClusterReady, ClusterTerminating, ClusterEvicted; scores "
            "TaintToleration, ClusterResourcesBalancedAllocation, ClusterResourcesLeastAllocated, "
            "ClusterAffinity; select PrioritySort, MaxCluster; replicas ClusterCapacityWeight",
            "sticky (rescheduling disabled) and already placed: placement kept",
        ),
    )


def summary(result: KubeAdmiralSchedule) -> dict[str, Any]:
    """Everything but the plugin lists and the trail."""
    return {
        "clusters": dict(result.clusters),
        "mode": result.mode,
        "kept_current": result.kept_current,
        "unjoined": result.unjoined,
        "rejected": result.rejected,
        "scores": {name: total for name, _, total in result.scores},
        "selected": result.selected,
        "weights": dict(result.weights),
        "followers": result.enable_follower_scheduling,
    }


FLEET = [
    joined("a", labels={"env": "prod"}),
    joined("b", labels={"env": "dev"}),
    joined("c", labels={"env": "prod"}, taints=(taint("dedicated", "gpu", "NoSchedule"),)),
    joined("d", labels={"env": "prod"}, ready=False),
    joined("e", labels={"env": "prod"}, joined=False),
    joined("f", labels={"env": "prod"}, terminating=True),
    joined("g", labels={"env": "prod"}, taints=(taint("slow", "", "PreferNoSchedule"),)),
]


def test_duplicate_end_to_end() -> None:
    # e is not joined; b fails the selector, c its NoSchedule taint, d readiness, f deletion.
    # Scores without resource data: only TaintToleration counts. a has no PreferNoSchedule
    # taint, g one: max 1, so a = 100 - 100*0/1 = 100, g = 100 - 100*1/1 = 0.
    # PrioritySort: a (100), g (0). The ConfigMap goes to both, with no replica count.
    obj = SchedulingObject("cm", "default", "", "v1", "ConfigMap")
    result = schedule(obj, KubeAdmiralPolicy(cluster_selector={"env": "prod"}), FLEET)
    assert summary(result) == {
        "clusters": {"a": None, "g": None},
        "mode": DUPLICATE,
        "kept_current": False,
        "unjoined": ("e",),
        "rejected": (
            ("b", "ClusterAffinity", "clusterSelector wants env=prod, the cluster has env=dev"),
            ("c", "TaintToleration", "taint dedicated=gpu:NoSchedule is not tolerated"),
            ("d", "ClusterReady", "not ready"),
            ("f", "ClusterTerminating", "being deleted"),
        ),
        "scores": {"a": 100, "g": 0},
        "selected": (("a", 100), ("g", 0)),
        "weights": {},
        "followers": True,
    }
    assert result.trail[1:] == (
        "not joined, not candidates: e",
        "filter ClusterAffinity rejects b: clusterSelector wants env=prod, the cluster has env=dev",
        "filter TaintToleration rejects c: taint dedicated=gpu:NoSchedule is not tolerated",
        "filter ClusterReady rejects d: not ready",
        "filter ClusterTerminating rejects f: being deleted",
        "score a: 100 (TaintToleration=100, ClusterResourcesBalancedAllocation=0, "
        "ClusterResourcesLeastAllocated=0, ClusterAffinity=0)",
        "score g: 0 (TaintToleration=0, ClusterResourcesBalancedAllocation=0, "
        "ClusterResourcesLeastAllocated=0, ClusterAffinity=0)",
        "select PrioritySort: a (score 100), g (score 0)",
        "select MaxCluster: a (score 100), g (score 0)",
        "Duplicate: the whole object goes to a, g",
    )


def test_placed_clusters_keep_the_object_through_taints_and_readiness() -> None:
    # With c and d already holding it, c's NoSchedule taint and d's readiness no longer
    # filter them; f is still being deleted. Scores a 100, c 100, d 100, g 0.
    obj = SchedulingObject("cm", "default", "", "v1", "ConfigMap")
    result = schedule(
        obj,
        KubeAdmiralPolicy(cluster_selector={"env": "prod"}),
        FLEET,
        current={"c": None, "d": None},
    )
    assert list(result.clusters) == ["a", "c", "d", "g"]


CPU_FLEET = [
    joined("a", allocatable={"cpu": Fraction(10)}, available={"cpu": Fraction(6)}),
    joined("b", allocatable={"cpu": Fraction(10)}, available={"cpu": Fraction(2)}),
    joined("c", allocatable={"cpu": Fraction(20)}, available={"cpu": Fraction(12)}),
]
WEB = SchedulingObject("web", "default", "apps", "v1", "Deployment", replicas=10)


def test_divide_spread_with_capacity_weights() -> None:
    # Scores (no memory figures, so memory counts 0 of 0): BalancedAllocation 0 (memory
    # fraction 1); LeastAllocated (cpu% + 0) / 2: a (10000-4000)*100/10000 = 60 -> 30,
    # b 20 -> 10, c (20000-8000)*100/20000 = 60 -> 30. Totals a 130, b 110, c 130.
    # Weights: sum allocatable 40, caps a,b round(10/40*1400) = 350, c 700; sum available 20:
    # a round(6/20*1000) = 300, b 100, c 600, all under their caps, already adding up to 1000.
    # Plan (weight order c, a, b): c ceil(10*600/1000) = 6, a 3, b 1.
    result = schedule(WEB, KubeAdmiralPolicy(DIVIDE), CPU_FLEET)
    assert summary(result) == {
        "clusters": {"a": 3, "c": 6, "b": 1},
        "mode": DIVIDE,
        "kept_current": False,
        "unjoined": (),
        "rejected": (),
        "scores": {"a": 130, "b": 110, "c": 130},
        "selected": (("a", 130), ("c", 130), ("b", 110)),
        "weights": {"a": 300, "c": 600, "b": 100},
        "followers": True,
    }


@pytest.mark.parametrize(
    ("current", "avoid_disruption", "expected"),
    [
        # Desired as above: c 6, a 3, b 1. With avoidDisruption (the default) only the gap
        # between the current and the desired totals moves.
        # 5 + 5 = 10 = the desired total: nothing moves.
        ({"a": 5, "b": 5}, True, {"a": 5, "b": 5}),
        ({"a": 5, "b": 5}, False, {"a": 3, "c": 6, "b": 1}),
        # 5 < 10: the 5 missing go to clusters below their share, by how far below: c (6 - 0)
        # and b (1 - 0); c first, ceil(5*6/7) = 5, nothing left for b.
        ({"a": 5}, True, {"a": 5, "c": 5}),
        ({"a": 5}, False, {"a": 3, "c": 6, "b": 1}),
        # A placement without a recorded count holds the desired 10: the totals match.
        ({"a": None}, True, {"a": 10}),
    ],
)
def test_divide_spread_with_current_replicas(
    current: dict[str, int | None], avoid_disruption: bool, expected: dict[str, int]
) -> None:
    policy = KubeAdmiralPolicy(DIVIDE, avoid_disruption=avoid_disruption)
    assert schedule(WEB, policy, CPU_FLEET, current=current).clusters == expected


def test_divide_spread_with_max_clusters() -> None:
    # As above, MaxCluster 2 keeps a and c (130 each, a first by name), dropping b (110).
    # Caps: sum allocatable 30, a round(10/30*1400) = 467, c round(20/30*1400) = 933; sum
    # available 18: a round(6/18*1000) = 333, c round(12/18*1000) = 667 (sum 1000).
    # Plan: c ceil(10*667/1000) = 7, then a ceil(3.33) = 4 capped by the 3 left = 3.
    result = schedule(WEB, KubeAdmiralPolicy(DIVIDE, max_clusters=2), CPU_FLEET)
    assert (result.clusters, result.weights) == ({"a": 3, "c": 7}, {"a": 333, "c": 667})
    assert result.trail[-3:] == (
        "select MaxCluster: a (score 130), c (score 130)",
        "replicas (ClusterCapacityWeight): 10 spread by weights from available cpu, capped by "
        "allocatable share: a=333, c=667",
        "Divide: a=3, c=7",
    )


def test_divide_spread_with_static_weights() -> None:
    # Weights a 2, b 1, c unset -> 0. Only the listed clusters pass PlacementFilter; x does not.
    # Order a, b, c: a ceil(9*2/3) = 6, b ceil(9*1/3) = 3, c 0 -> c is not placed.
    policy = KubeAdmiralPolicy(
        DIVIDE,
        placements={
            "a": PlacementPreference(weight=2),
            "b": PlacementPreference(weight=1),
            "c": PlacementPreference(),
        },
    )
    obj = SchedulingObject("web", "default", "apps", "v1", "Deployment", replicas=9)
    result = schedule(obj, policy, [joined("a"), joined("b"), joined("c"), joined("x")])
    assert summary(result) == {
        "clusters": {"a": 6, "b": 3},
        "mode": DIVIDE,
        "kept_current": False,
        "unjoined": (),
        "rejected": (("x", "PlacementFilter", "not among the placements"),),
        "scores": {"a": 100, "b": 100, "c": 100},
        "selected": (("a", 100), ("b", 100), ("c", 100)),
        "weights": {"a": 2, "b": 1, "c": 0},
        "followers": True,
    }
    assert result.trail[-2:] == (
        "replicas: no replicas for c, not placed there",
        "Divide: a=6, b=3",
    )


def test_divide_binpack_by_priority() -> None:
    # Binpack orders by priority even without any: here b 5, c 5, a 1 -> b, c, a (ties by
    # name). Fill: b takes 3 (its max), c the other 7, a none and is not placed.
    policy = KubeAdmiralPolicy(
        DIVIDE,
        BINPACK,
        placements={
            "a": PlacementPreference(max_replicas=4, priority=1),
            "b": PlacementPreference(max_replicas=3, priority=5),
            "c": PlacementPreference(priority=5),
        },
    )
    result = schedule(WEB, policy, [joined("a"), joined("b"), joined("c")])
    assert summary(result) == {
        "clusters": {"b": 3, "c": 7},
        "mode": DIVIDE,
        "kept_current": False,
        "unjoined": (),
        "rejected": (),
        "scores": {"a": 100, "b": 100, "c": 100},
        "selected": (("b", 5), ("c", 5), ("a", 1)),
        "weights": {},
        "followers": True,
    }
    assert result.plugins is not None and result.plugins.replicas == ("PreferenceBinPack",)
    assert result.trail[-5:] == (
        "select PrioritySort: b (priority 5), c (priority 5), a (priority 1)",
        "select MaxCluster: b (priority 5), c (priority 5), a (priority 1)",
        "replicas (PreferenceBinPack): 10 filled in selection order",
        "replicas: no replicas for a, not placed there",
        "Divide: b=3, c=7",
    )


def test_divide_falls_back_to_duplicate_for_statefulsets() -> None:
    obj = SchedulingObject("db", "default", "apps", "v1", "StatefulSet", replicas=3)
    result = schedule(obj, KubeAdmiralPolicy(DIVIDE), TWO)
    assert (result.mode, dict(result.clusters)) == (DUPLICATE, {"cluster1": None, "cluster2": None})
    assert result.trail[0] == (
        "Divide falls back to Duplicate: apps/v1 StatefulSet has no replicas path in its "
        "FederatedTypeConfig"
    )


def test_divide_zero_replicas_goes_nowhere() -> None:
    obj = SchedulingObject("web", "default", "apps", "v1", "Deployment", replicas=0)
    result = schedule(obj, KubeAdmiralPolicy(DIVIDE), TWO)
    assert result.clusters == {}
    assert result.trail[-2:] == (
        "replicas: 0 requested, so the object is placed nowhere",
        "Divide: no cluster",
    )


def test_no_feasible_cluster_is_an_empty_result() -> None:
    result = schedule(DEPLOYMENT, KubeAdmiralPolicy(cluster_selector={"x": "y"}), TWO)
    assert (result.clusters, result.trail[-1]) == (
        {},
        "no cluster fits: the object is placed nowhere",
    )


def test_annotations_end_to_end() -> None:
    # The tolerations annotation lets c in; maxClusters 1 keeps one cluster. The preferred
    # affinity for zone=z2 scores c 100 more (weight 10 of max 10): a 100, c 200 -> c only.
    annotations = {
        "kubeadmiral.io/tolerations": '[{"key": "dedicated", "operator": "Exists"}]',
        "kubeadmiral.io/maxClusters": "1",
        "kubeadmiral.io/affinity": '{"clusterAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": '
        '[{"weight": 10, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z2"]}]}}]}}',
    }
    obj = SchedulingObject("cm", "default", "", "v1", "ConfigMap", annotations=annotations)
    clusters = [
        joined("a", labels={"zone": "z1"}),
        joined("c", labels={"zone": "z2"}, taints=(taint("dedicated", "gpu", "NoSchedule"),)),
    ]
    result = schedule(obj, KubeAdmiralPolicy(max_clusters=5), clusters)
    assert (dict(result.clusters), result.selected) == ({"c": None}, (("c", 200),))


def test_gpu_request_drives_fit_and_weights() -> None:
    # A profile adds ClusterResourcesFit. The pod asks 2 GPUs (its CPU request is ignored):
    # a has 4 GPUs, 1 free -> 3 in use, 4 < 2 + 3: insufficient. b and c fit.
    # Scores count GPU too (weight 4): b cpu 0 (no cpu data), memory 0, gpu (8-2)*100/8 = 75
    # -> 300/6 = 50; c gpu (4-2)*100/4 = 50 -> 200/6 = 33. Balanced 0 (no cpu/memory data).
    # Weights by GPU: caps b round(8/12*1400) = 933, c 467; free b 8, c 4: 667 and 333.
    # Plan, heavier first: b ceil(6*667/1000) = 5, then c ceil(1.998) = 2 capped by the 1 left.
    profile = SchedulingProfile("gpu", filter=PluginSet(enabled=("ClusterResourcesFit",)))
    obj = SchedulingObject(
        "train",
        "ml",
        "apps",
        "v1",
        "Deployment",
        replicas=6,
        resource_request={"cpu": Fraction(64), GPU: Fraction(2)},
    )
    clusters = [
        joined("a", allocatable={GPU: Fraction(4)}, available={GPU: Fraction(1)}),
        joined("b", allocatable={GPU: Fraction(8)}, available={GPU: Fraction(8)}),
        joined("c", allocatable={GPU: Fraction(4)}, available={GPU: Fraction(4)}),
    ]
    result = schedule(obj, KubeAdmiralPolicy(DIVIDE, scheduling_profile="gpu"), clusters, profile)
    assert summary(result) == {
        "clusters": {"b": 5, "c": 1},
        "mode": DIVIDE,
        "kept_current": False,
        "unjoined": (),
        "rejected": (("a", "ClusterResourcesFit", f"insufficient {GPU}"),),
        "scores": {"b": 150, "c": 133},
        "selected": (("b", 150), ("c", 133)),
        "weights": {"b": 667, "c": 333},
        "followers": True,
    }


def test_follower_scheduling_flag() -> None:
    assert schedule(DEPLOYMENT, KubeAdmiralPolicy(), TWO).enable_follower_scheduling
    policy = KubeAdmiralPolicy(disable_follower_scheduling=True)
    assert not schedule(DEPLOYMENT, policy, TWO).enable_follower_scheduling


def test_no_scheduling_keeps_the_current_placement() -> None:
    obj = SchedulingObject(
        "cm", "default", "", "v1", "ConfigMap", annotations={"kubeadmiral.io/no-scheduling": "yes"}
    )
    result = schedule(obj, KubeAdmiralPolicy(), TWO, current={"cluster2": None})
    assert (dict(result.clusters), result.kept_current) == ({"cluster2": None}, True)


@pytest.mark.parametrize(
    ("policy", "profile", "obj", "message"),
    [
        (
            KubeAdmiralPolicy(scheduling_profile="p"),
            None,
            DEPLOYMENT,
            "scheduling profile 'p' does not exist",
        ),
        (KubeAdmiralPolicy(), SchedulingProfile("p"), DEPLOYMENT, "names no scheduling profile"),
        (KubeAdmiralPolicy(max_clusters=-1), None, DEPLOYMENT, "maxClusters is -1"),
        (
            KubeAdmiralPolicy(DIVIDE),
            None,
            SchedulingObject("web", "default", "apps", "v1", "Deployment"),
            "Divide needs the object's replica count",
        ),
        (
            KubeAdmiralPolicy(),
            None,
            SchedulingObject(
                "cm",
                annotations={
                    "kubeadmiral.io/affinity": '{"clusterAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": '
                    '[{"weight": 1, "preference": {"matchExpressions": [{"key": "k", "operator": "Gt", "values": ["x"]}]}}]}}'
                },
            ),
            "preferred cluster affinity term is invalid: Gt value 'x' is not an integer",
        ),
    ],
)
def test_schedule_errors(
    policy: KubeAdmiralPolicy,
    profile: SchedulingProfile | None,
    obj: SchedulingObject,
    message: str,
) -> None:
    with pytest.raises(KubeAdmiralScheduleError, match=message):
        schedule(obj, policy, TWO, profile)
