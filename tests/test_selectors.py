"""Label selectors, field selectors, ClusterAffinity and tolerations, by Kubernetes/Karmada rules."""

from __future__ import annotations

import pytest

from hubless.errors import Source
from hubless.model import Cluster, ClusterAffinity, LabelSelector, Requirement, Taint, Toleration
from hubless.selectors import (
    cluster_matches,
    field_selector_matches,
    label_selector_matches,
    requirement_matches,
    tolerates,
)

LABELS = {"env": "prod", "tier": "critical"}


@pytest.mark.parametrize(
    ("operator", "key", "values", "expected"),
    [
        ("In", "env", ("prod", "dev"), True),
        ("In", "env", ("dev",), False),
        ("In", "missing", ("prod",), False),
        ("NotIn", "env", ("dev",), True),
        ("NotIn", "env", ("prod",), False),
        ("NotIn", "missing", ("prod",), True),  # an absent key is "not in" anything
        ("Exists", "env", (), True),
        ("Exists", "missing", (), False),
        ("DoesNotExist", "env", (), False),
        ("DoesNotExist", "missing", (), True),
        ("Gt", "env", ("1",), False),  # not a label selector operator
    ],
)
def test_requirement_operators(
    operator: str, key: str, values: tuple[str, ...], expected: bool
) -> None:
    assert requirement_matches(Requirement(key, operator, values), LABELS) is expected


def test_empty_selector_matches_everything_even_no_labels() -> None:
    assert label_selector_matches(LabelSelector(), {})
    assert label_selector_matches(LabelSelector(), LABELS)


def test_match_labels_and_expressions_must_all_hold() -> None:
    selector = LabelSelector(
        match_labels=(("env", "prod"),),
        match_expressions=(Requirement("tier", "In", ("critical",)),),
    )
    assert label_selector_matches(selector, LABELS)
    assert not label_selector_matches(selector, {"env": "prod", "tier": "standard"})
    assert not label_selector_matches(selector, {"tier": "critical"})


def cluster(name: str = "c1", **kwargs: object) -> Cluster:
    return Cluster(name=name, source=Source("policies/c.yaml", 1), labels=dict(LABELS), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("requirement", "zones", "expected"),
    [
        (Requirement("zone", "In", ("a", "b")), ("b", "c"), True),
        (Requirement("zone", "In", ("a",)), ("b", "c"), False),
        (Requirement("zone", "In", ("a",)), (), False),
        (Requirement("zone", "NotIn", ("a",)), ("b",), True),
        (Requirement("zone", "NotIn", ("a",)), ("a", "b"), False),
        (Requirement("zone", "NotIn", ("a",)), (), True),
        (Requirement("zone", "Exists", ()), ("a",), True),
        (Requirement("zone", "Exists", ()), (), False),
        (Requirement("zone", "DoesNotExist", ()), (), True),
    ],
)
def test_zone_expressions_test_every_zone(
    requirement: Requirement, zones: tuple[str, ...], expected: bool
) -> None:
    assert field_selector_matches((requirement,), cluster(zones=zones)) is expected


def test_provider_and_region_expressions() -> None:
    aws = cluster(provider="aws", region="us-east-1")
    bare = cluster()
    assert field_selector_matches((Requirement("provider", "In", ("aws",)),), aws)
    assert not field_selector_matches((Requirement("provider", "In", ("gcp",)),), aws)
    assert field_selector_matches((Requirement("region", "NotIn", ("eu-west-1",)),), aws)
    # An empty provider is an absent key: NotIn matches, In does not.
    assert field_selector_matches((Requirement("provider", "NotIn", ("aws",)),), bare)
    assert not field_selector_matches((Requirement("provider", "In", ("aws",)),), bare)
    # Keys other than provider/region/zone never match with In.
    assert not field_selector_matches((Requirement("name", "In", ("c1",)),), aws)


def test_cluster_affinity_conditions() -> None:
    c = cluster("c1", provider="aws")
    assert cluster_matches(ClusterAffinity(), c)
    assert cluster_matches(ClusterAffinity(cluster_names=("c0", "c1")), c)
    assert not cluster_matches(ClusterAffinity(cluster_names=("c0",)), c)
    # exclude wins over clusterNames
    assert not cluster_matches(ClusterAffinity(cluster_names=("c1",), exclude=("c1",)), c)
    both = ClusterAffinity(
        label_selector=LabelSelector(match_labels=(("env", "prod"),)),
        field_selector=(Requirement("provider", "In", ("gcp",)),),
    )
    assert not cluster_matches(both, c)  # every present condition must hold
    assert cluster_matches(
        ClusterAffinity(label_selector=LabelSelector(match_labels=(("env", "prod"),))), c
    )


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "v", "NoSchedule"), True),
        (Toleration("k", "Equal", "v", "NoSchedule"), Taint("k", "w", "NoSchedule"), False),
        (Toleration("k", "Equal", "v", "NoExecute"), Taint("k", "v", "NoSchedule"), False),
        (Toleration("k", "Equal", "v", ""), Taint("k", "v", "NoExecute"), True),
        (Toleration("k", "Exists", "", "NoSchedule"), Taint("k", "any", "NoSchedule"), True),
        (Toleration("other", "Exists", "", ""), Taint("k", "v", "NoSchedule"), False),
        (Toleration("", "Exists", "", ""), Taint("k", "v", "NoSchedule"), True),
        (Toleration("", "Exists", "", "NoExecute"), Taint("k", "v", "NoSchedule"), False),
    ],
)
def test_toleration_rules(toleration: Toleration, taint: Taint, expected: bool) -> None:
    assert tolerates(toleration, taint) is expected
