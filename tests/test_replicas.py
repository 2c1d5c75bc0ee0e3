"""Divided replicas by Karmada's rules: Webster, static and dynamic weights, Aggregated,
the general estimator, Job completions, and when a placement is kept."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubless.compile import compile_fleet
from hubless.errors import Source, UserError
from hubless.load import SourceFile, load_fleet
from hubless.model import (
    AGGREGATED,
    DIVIDED,
    WEIGHTED,
    Cluster,
    ClusterAffinity,
    LabelSelector,
    Placement,
    PreviousPlacement,
    ReplicaScheduling,
    ResourceKey,
    ResourceModel,
    ResourceSummary,
    StaticWeight,
    WeightPreference,
)
from hubless.scheduler import ScheduleError, ScheduleInput, schedule
from hubless.scheduler.division import allocate_webster_seats
from hubless.scheduler.estimator import estimate
from hubless.workloads import ReplicaRequirements, replica_requirements
from tests.conftest import cluster_yaml

SRC = Source("policies/clusters.yaml", 1)
APIS = {"apps/v1": frozenset({"Deployment"})}


# --- Webster ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "expected"),
    [
        (1, {"A": 1, "B": 0, "C": 0, "D": 0}),
        (2, {"A": 1, "B": 1, "C": 0, "D": 0}),
        (3, {"A": 2, "B": 1, "C": 0, "D": 0}),
        (4, {"A": 2, "B": 1, "C": 1, "D": 0}),
        (5, {"A": 2, "B": 2, "C": 1, "D": 0}),
        (6, {"A": 2, "B": 2, "C": 1, "D": 1}),
        (7, {"A": 3, "B": 2, "C": 1, "D": 1}),
        (8, {"A": 3, "B": 3, "C": 1, "D": 1}),
    ],
)
def test_webster_classic_example(seats: int, expected: dict[str, int]) -> None:
    # Sainte-Laguë: divisors 1, 3, 5, ... over 100k, 80k, 30k, 20k votes.
    votes = {"A": 100_000, "B": 80_000, "C": 30_000, "D": 20_000}
    assert allocate_webster_seats(seats, votes) == expected


def test_webster_ties_go_to_fewer_seats_then_smaller_name() -> None:
    # a and b tie at every round: a (smaller name) first, then b (fewer seats).
    assert allocate_webster_seats(3, {"b": 1, "a": 1}) == {"a": 2, "b": 1}
    # 1:3 over 9 seats is 2:7 (Karmada's documented example); the sixth seat is a tie
    # between 1/3 and 3/9 that the party with fewer seats wins.
    assert allocate_webster_seats(9, {"A": 1, "B": 3}) == {"A": 2, "B": 7}
    assert allocate_webster_seats(9, {"A": 1, "B": 2}) == {"A": 3, "B": 6}


def test_webster_initial_seats_and_zero_votes() -> None:
    assert allocate_webster_seats(0, {"A": 100, "B": 200}) == {"A": 0, "B": 0}
    assert allocate_webster_seats(2, {"A": 1}, {"B": 3}) == {"A": 2, "B": 3}
    assert allocate_webster_seats(1, {}) == {}


# --- strategies through the scheduler -----------------------------------------------------


def cluster(
    name: str, labels: dict[str, str] | None = None, *, pods: int = 1000, cpu: str = "1000"
) -> Cluster:
    summary = ResourceSummary(allocatable={"pods": Fraction(pods), "cpu": Fraction(cpu)})
    return Cluster(
        name,
        SRC,
        labels or {},
        api_enablements=APIS,
        complete_api_enablements=True,
        resource_summary=summary,
    )


def divided(preference: str = WEIGHTED, weights: WeightPreference | None = None) -> Placement:
    return Placement(
        replica_scheduling=ReplicaScheduling(DIVIDED, preference, weights),
        replica_scheduling_set=True,
    )


def run(
    placement: Placement, clusters: list[Cluster], replicas: int, **kwargs: object
) -> dict[str, int]:
    request = ScheduleInput(
        resource=ResourceKey("apps", "Deployment", "default", "web"),
        api_version="apps/v1",
        kind="Deployment",
        placement=placement,
        replicas=replicas,
        is_workload=True,
        requirements=kwargs.pop("requirements", ReplicaRequirements({"cpu": 1000}, False)),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return {t.name: t.replicas for t in schedule(request, clusters).clusters}


def by_label(**labels: str) -> ClusterAffinity:
    return ClusterAffinity(label_selector=LabelSelector(tuple(labels.items())))


def test_static_weights_take_the_largest_matching_weight_and_skip_zero() -> None:
    clusters = [
        cluster("a", {"zone": "x", "big": "yes"}),
        cluster("b", {"zone": "x"}),
        cluster("c", {"zone": "y"}),
    ]
    weights = WeightPreference(
        (StaticWeight(by_label(zone="x"), 1), StaticWeight(by_label(big="yes"), 2)),
    )
    # a matches both entries (weight 2), b weight 1, c none (left out): 9 split 2:1 = 6:3.
    assert run(divided(weights=weights), clusters, 9) == {"a": 6, "b": 3}


def test_static_weights_without_any_match_divide_evenly() -> None:
    clusters = [cluster("a"), cluster("b"), cluster("c")]
    nothing = WeightPreference((StaticWeight(by_label(none="x"), 5),))
    assert run(divided(weights=nothing), clusters, 4) == {"a": 2, "b": 1, "c": 1}
    assert run(divided(), clusters, 4) == {"a": 2, "b": 1, "c": 1}  # no preference at all


def test_static_weights_ignore_the_previous_placement() -> None:
    clusters = [cluster("a"), cluster("b")]
    assert run(divided(), clusters, 4, previous={"a": 4}) == {"a": 2, "b": 2}


def test_static_zero_seats_withdraw_the_cluster() -> None:
    clusters = [cluster("a"), cluster("b"), cluster("c")]
    assert run(divided(), clusters, 2) == {"a": 1, "b": 1}


DYNAMIC = WeightPreference(dynamic_weight="AvailableReplicas")


def three() -> list[Cluster]:
    # available replicas at 1 cpu each: a 10, b 5, c 0
    return [cluster("a", cpu="10"), cluster("b", cpu="5"), cluster("c", cpu="0")]


def test_dynamic_weight_first_schedule() -> None:
    # Webster over 10:5:0 for 6 seats: a, b, a, a, b, a.
    assert run(divided(weights=DYNAMIC), three(), 6) == {"a": 4, "b": 2}


def test_dynamic_weight_scale_up_divides_only_the_new_replicas() -> None:
    # 3 more over 10:5 -> a, b, a; added to the previous 4:2.
    assert run(divided(weights=DYNAMIC), three(), 9, previous={"a": 4, "b": 2}) == {"a": 6, "b": 3}


def test_dynamic_weight_scale_down_divides_over_the_previous_replicas() -> None:
    # 6 over the previous 6:3 -> a, b, a, a, b, a.
    assert run(divided(weights=DYNAMIC), three(), 6, previous={"a": 6, "b": 3}) == {"a": 4, "b": 2}


def test_dynamic_weight_equal_total_keeps_the_placement() -> None:
    assert run(divided(weights=DYNAMIC), three(), 6, previous={"a": 1, "b": 5}) == {"a": 1, "b": 5}


def test_dynamic_weight_forgets_clusters_that_are_no_longer_candidates() -> None:
    # b left the inventory: its 2 replicas are re-placed on the remaining capacity (a).
    clusters = [cluster("a", cpu="10"), cluster("c", cpu="0")]
    assert run(divided(weights=DYNAMIC), clusters, 6, previous={"a": 4, "b": 2}) == {"a": 6}


def test_fresh_reschedule_divides_available_plus_current() -> None:
    # weights a 10+1, b 5+5: 6 seats -> a, b, a, b, a, b.
    result = run(divided(weights=DYNAMIC), three(), 6, previous={"a": 1, "b": 5}, fresh=True)
    assert result == {"a": 3, "b": 3}


def test_aggregated_uses_the_fewest_clusters() -> None:
    assert run(divided(AGGREGATED), three(), 6) == {"a": 6}
    # 12 needs a and b (10 + 5), split in proportion 10:5.
    assert run(divided(AGGREGATED), three(), 12) == {"a": 8, "b": 4}


def test_aggregated_scale_up_prefers_clusters_already_used() -> None:
    # b holds replicas, so it comes first: b alone can take the 2 missing ones.
    assert run(divided(AGGREGATED), three(), 4, previous={"b": 2}) == {"b": 4}


def test_not_enough_capacity_names_wanted_and_found() -> None:
    with pytest.raises(ScheduleError) as caught:
        run(divided(weights=DYNAMIC), three(), 20)
    # Each cluster's room is its free cpu over 1 cpu per replica; c has none left.
    assert str(caught.value) == (
        "not enough room: 20 replicas wanted, room for 15: a 10 (cpu), b 5 (cpu), c 0 (no cpu left)"
    )


def test_not_enough_room_on_a_scale_up_names_the_more_replicas_wanted() -> None:
    with pytest.raises(ScheduleError) as caught:
        run(divided(weights=DYNAMIC), three(), 25, previous={"a": 4, "b": 2})
    # 19 more on top of the 6 placed; the room is what the clusters can still take.
    assert str(caught.value) == (
        "not enough room: 19 more replicas wanted (scale up from 6 to 25), room for 15: "
        "a 10 (cpu), b 5 (cpu), c 0 (no cpu left)"
    )


def test_not_enough_room_on_a_fresh_schedule_counts_the_running_replicas() -> None:
    with pytest.raises(ScheduleError) as caught:
        run(divided(weights=DYNAMIC), three(), 25, previous={"a": 4, "b": 2}, fresh=True)
    assert str(caught.value) == (
        "not enough room: 25 replicas wanted, room for 21: "
        "a 10 (cpu) + 4 running, b 5 (cpu) + 2 running, c 0 (no cpu left)"
    )


# --- properties ---------------------------------------------------------------------------

capacities = st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(capacities, st.integers(min_value=1, max_value=200), st.sampled_from([WEIGHTED, AGGREGATED]))
def test_dynamic_assignment_sums_to_the_total_when_capacity_allows(
    caps: list[int], replicas: int, preference: str
) -> None:
    clusters = [cluster(f"c{i}", cpu=str(cap)) for i, cap in enumerate(caps)]
    placement = divided(preference, DYNAMIC if preference == WEIGHTED else None)
    if sum(caps) < replicas:
        with pytest.raises(ScheduleError):
            run(placement, clusters, replicas)
        return
    first = run(placement, clusters, replicas)
    assert sum(first.values()) == replicas
    assert all(n > 0 for n in first.values())
    assert run(placement, clusters, replicas) == first  # deterministic
    # A re-run that knows the result moves nothing.
    assert run(placement, clusters, replicas, previous=first) == first


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=100),
)
def test_static_assignment_sums_to_the_total(weights: list[int], replicas: int) -> None:
    clusters = [cluster(f"c{i}", {"id": str(i)}) for i in range(len(weights))]
    preference = WeightPreference(
        tuple(StaticWeight(by_label(id=str(i)), w) for i, w in enumerate(weights))
    )
    result = run(divided(weights=preference), clusters, replicas)
    assert sum(result.values()) == replicas


# --- estimator ----------------------------------------------------------------------------


def with_summary(**tables: dict[str, str]) -> Cluster:
    from hubless.quantity import parse_quantity

    parsed = {k: {n: parse_quantity(v) for n, v in t.items()} for k, t in tables.items()}
    return Cluster("x", SRC, {}, resource_summary=ResourceSummary(**parsed))  # type: ignore[arg-type]


def test_estimator_takes_the_tightest_resource() -> None:
    c = with_summary(
        allocatable={"cpu": "10", "memory": "16Gi", "pods": "110"},
        allocated={"cpu": "2500m", "memory": "4Gi", "pods": "10"},
        allocating={"memory": "0"},
    )
    # cpu 7500m / 500m = 15, memory 12Gi / 1Gi = 12, pods 100.
    assert estimate(c, ReplicaRequirements({"cpu": 500, "memory": 2**30}, False)).replicas == 12
    assert estimate(c, ReplicaRequirements({"cpu": 500}, False)).replicas == 15
    assert estimate(c, None).replicas == 100  # no requirements: the pod count
    # A resource the cluster does not offer: nothing fits.
    assert estimate(c, ReplicaRequirements({"nvidia.com/gpu": 1}, False)).replicas == 0


def test_estimator_pods_extended_resources_and_rounding() -> None:
    c = with_summary(
        allocatable={"cpu": "4", "pods": "20", "nvidia.com/gpu": "4"},
        allocated={"pods": "18", "nvidia.com/gpu": "1"},
        allocating={"pods": "1"},
    )
    assert estimate(c, ReplicaRequirements({"nvidia.com/gpu": 1}, False)).replicas == 1  # pods
    assert estimate(c, None).replicas == 1
    full = with_summary(allocatable={"pods": "5"}, allocated={"pods": "5"})
    assert estimate(full, None).replicas == 0
    assert estimate(Cluster("y", SRC, {}), None).replicas == 0  # no resourceSummary


def test_estimator_with_resource_models() -> None:
    summary = ResourceSummary(
        allocatable={"pods": Fraction(1000), "cpu": Fraction(1000), "memory": Fraction(2**50)},
        allocatable_modelings=((0, 5), (1, 3), (2, 2)),
    )
    models = (
        ResourceModel(0, {"cpu": Fraction(0), "memory": Fraction(0)}),
        ResourceModel(1, {"cpu": Fraction(2), "memory": Fraction(4 * 2**30)}),
        ResourceModel(2, {"cpu": Fraction(4), "memory": Fraction(8 * 2**30)}),
    )
    c = Cluster("m", SRC, {}, resource_summary=summary, resource_models=models)
    # Per node min(cpu, memory) fits: grade 0 none, grade 1 two (x3), grade 2 four (x2).
    needs = ReplicaRequirements({"cpu": 1000, "memory": 2 * 2**30}, False)
    assert estimate(c, needs).replicas == 14


def test_replica_requirements_from_the_pod_template() -> None:
    body = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "resources": {
                                "requests": {"cpu": "250m"},
                                "limits": {"cpu": "1", "memory": "1Gi"},
                            }
                        },
                        {"resources": {"limits": {"nvidia.com/gpu": 1}}},
                    ],
                    "initContainers": [
                        {"resources": {"requests": {"cpu": "2", "memory": "512Mi"}}}
                    ],
                    "overhead": {"cpu": "100m"},
                }
            }
        }
    }
    # Limits stand in for missing requests; init containers take the max; overhead adds.
    assert replica_requirements("apps", "Deployment", body) == ReplicaRequirements(
        {"cpu": 2100, "memory": 2**30, "nvidia.com/gpu": 1}, False
    )
    claim = {"spec": {"template": {"spec": {"containers": [{}], "nodeSelector": {"disk": "ssd"}}}}}
    assert replica_requirements("apps", "Deployment", claim) == ReplicaRequirements({}, True)
    assert (
        replica_requirements(
            "apps", "Deployment", {"spec": {"template": {"spec": {"containers": [{}]}}}}
        )
        is None
    )
    assert replica_requirements("apps", "DaemonSet", body) is None  # not a workload kind


# --- compiling: Job completions, keeping placements ------------------------------------------

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: batch/v1, kind: Job}, {apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [a]}, weight: 3}
        - {targetCluster: {clusterNames: [b]}, weight: 1}
"""
JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  parallelism: 4
  completions: 10
  template: {spec: {containers: [{name: x, image: x}]}}
"""
SUMMARY = {"allocatable": {"pods": "100", "cpu": "100"}}


def sources(
    policy: str = POLICY, templates: str = JOB, clusters: tuple[str, ...] = ("a", "b")
) -> list[SourceFile]:
    inventory = "---\n".join(cluster_yaml(n, summary=SUMMARY) for n in clusters)
    return [
        SourceFile("policies/clusters.yaml", inventory),
        SourceFile("policies/p.yaml", policy.lstrip()),
        SourceFile("templates/t.yaml", templates.lstrip()),
    ]


def test_job_parallelism_and_completions_are_divided() -> None:
    compiled = compile_fleet(load_fleet(sources()))
    specs = {c: objs[0].body["spec"] for c, objs in compiled.objects.items()}
    # parallelism 4 split 3:1; completions 10 split by that parallelism 3:1 -> 7:3.
    assert {c: (s["parallelism"], s["completions"]) for c, s in specs.items()} == {
        "a": (3, 7),
        "b": (1, 3),
    }


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  template: {spec: {containers: [{name: x, image: x, resources: {requests: {cpu: "1"}}}]}}
"""


def placements(compiled: object) -> dict[str, int]:
    [decision] = compiled.decisions  # type: ignore[attr-defined]
    return {t.name: t.replicas for t in decision.binding.clusters}


def previous_of(compiled: object) -> dict[ResourceKey, PreviousPlacement]:
    [decision] = compiled.decisions  # type: ignore[attr-defined]
    b = decision.binding
    return {
        b.resource: PreviousPlacement(
            {t.name: t.replicas for t in b.clusters}, b.affinity_name, b.placement_fingerprint
        )
    }


def test_divided_placement_is_kept_when_a_cluster_is_added() -> None:
    first = compile_fleet(load_fleet(sources(templates=DEPLOYMENT)))
    assert placements(first) == {"a": 3, "b": 1}
    # A new cluster with a matching weight joins: Karmada does not reschedule.
    policy = POLICY.replace(
        "- {targetCluster: {clusterNames: [b]}, weight: 1}",
        "- {targetCluster: {clusterNames: [b]}, weight: 1}\n        - {targetCluster: {clusterNames: [c]}, weight: 1}",
    )
    second = compile_fleet(
        load_fleet(sources(policy, DEPLOYMENT, ("a", "b", "c"))), previous_of(first)
    )
    # ...except that this policy changed, which does reschedule: 4 over 3:1:1.
    assert placements(second) == {"a": 2, "b": 1, "c": 1}
    same_policy = compile_fleet(
        load_fleet(sources(templates=DEPLOYMENT, clusters=("a", "b", "c"))), previous_of(first)
    )
    assert placements(same_policy) == {"a": 3, "b": 1}
    [decision] = same_policy.decisions
    assert decision.schedule is not None and decision.schedule.kept


def test_divided_placement_is_redone_when_replicas_change_or_a_cluster_goes() -> None:
    first = compile_fleet(load_fleet(sources(templates=DEPLOYMENT)))
    scaled = compile_fleet(
        load_fleet(sources(templates=DEPLOYMENT.replace("replicas: 4", "replicas: 8"))),
        previous_of(first),
    )
    assert placements(scaled) == {"a": 6, "b": 2}
    gone = compile_fleet(
        load_fleet(sources(templates=DEPLOYMENT, clusters=("a",))), previous_of(first)
    )
    assert placements(gone) == {"a": 4}


def test_unschedulable_divided_workload_is_an_error() -> None:
    policy = POLICY.replace(
        """      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [a]}, weight: 3}
        - {targetCluster: {clusterNames: [b]}, weight: 1}""",
        "      weightPreference: {dynamicWeight: AvailableReplicas}",
    )
    big = DEPLOYMENT.replace("replicas: 4", "replicas: 500")
    with pytest.raises(UserError) as caught:
        compile_fleet(load_fleet(sources(policy, big)))
    assert str(caught.value) == (
        "policies/p.yaml:1: error: ClusterPropagationPolicy/all cannot schedule Deployment.apps/default/web: "
        "not enough room: 500 replicas wanted, room for 200: a 100 (cpu), b 100 (cpu)"
    )
