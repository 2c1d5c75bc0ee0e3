"""Kubefed's ReplicaSchedulingPreference planner.

The `GO_*` tables hold every case of Kubefed's planner_test.go
(pkg/controller/util/planner), with the expected values it asserts. Kubefed calls its
planner with an empty object key in those tests, so the "hash dependent" cases depend on
the FNV-1 hashes of the bare names "A".."E".
"""

from __future__ import annotations

from functools import reduce
from typing import Any

import pytest

from hubless.dialects.gomath import cluster_hash
from hubless.dialects.kubefed.planner import (
    WILDCARD,
    ClusterPreference,
    ReplicaSchedulingSpec,
    parse_rsp_spec,
    plan,
    schedule,
)

P = ClusterPreference
ANY = WILDCARD

# (preferences, total, clusters, expected plan); no current replicas, no capacity, and
# the overflow must be empty.
GO_WITHOUT_EXISTING: dict[str, tuple[dict[str, P], int, list[str], dict[str, int]]] = {
    # TestEqual
    "equal-50-over-3": ({ANY: P(weight=1)}, 50, ["A", "B", "C"], {"A": 16, "B": 17, "C": 17}),
    "equal-50-over-2": ({ANY: P(weight=1)}, 50, ["A", "B"], {"A": 25, "B": 25}),
    "equal-1-over-2": ({ANY: P(weight=1)}, 1, ["A", "B"], {"A": 0, "B": 1}),
    "equal-1-over-4": (
        {ANY: P(weight=1)},
        1,
        ["A", "B", "C", "D"],
        {"A": 0, "B": 0, "C": 0, "D": 1},
    ),
    "equal-1-over-1": ({ANY: P(weight=1)}, 1, ["A"], {"A": 1}),
    "equal-no-clusters": ({ANY: P(weight=1)}, 1, [], {}),
    # TestMin
    "min-2-weight-0": ({ANY: P(min_replicas=2)}, 50, ["A", "B", "C"], {"A": 2, "B": 2, "C": 2}),
    "min-20-too-many": (
        {ANY: P(min_replicas=20)},
        50,
        ["A", "B", "C"],
        {"A": 10, "B": 20, "C": 20},
    ),
    "min-explicit-beats-wildcard": (
        {ANY: P(min_replicas=20), "A": P(min_replicas=100, weight=1)},
        50,
        ["A", "B", "C"],
        {"A": 50, "B": 0, "C": 0},
    ),
    "min-10-max-12": (
        {ANY: P(min_replicas=10, max_replicas=12, weight=1)},
        50,
        ["A", "B", "C"],
        {"A": 12, "B": 12, "C": 12},
    ),
    # TestMax
    "max-2": ({ANY: P(weight=1, max_replicas=2)}, 50, ["A", "B", "C"], {"A": 2, "B": 2, "C": 2}),
    "max-2-weight-0": (
        {ANY: P(max_replicas=2)},
        50,
        ["A", "B", "C"],
        {"A": 0, "B": 0, "C": 0},
    ),
    # TestWeight
    "weight-1-2": (
        {"A": P(weight=1), "B": P(weight=2)},
        60,
        ["A", "B", "C"],
        {"A": 20, "B": 40, "C": 0},
    ),
    "weight-10000-1": (
        {"A": P(weight=10000), "B": P(weight=1)},
        50,
        ["A", "B", "C"],
        {"A": 50, "B": 0, "C": 0},
    ),
    "weight-heavy-cluster-unavailable": (
        {"A": P(weight=10000), "B": P(weight=1)},
        50,
        ["B", "C"],
        {"B": 50, "C": 0},
    ),
    "weight-heavy-capped": (
        {"A": P(weight=10000, max_replicas=10), "B": P(weight=1), "C": P(weight=1)},
        50,
        ["A", "B", "C"],
        {"A": 10, "B": 20, "C": 20},
    ),
    "weight-two-capped": (
        {
            "A": P(weight=10000, max_replicas=10),
            "B": P(weight=1),
            "C": P(weight=1, max_replicas=10),
        },
        50,
        ["A", "B", "C"],
        {"A": 10, "B": 30, "C": 10},
    ),
    "weight-three-capped": (
        {
            "A": P(weight=10000, max_replicas=10),
            "B": P(weight=1),
            "C": P(weight=1, max_replicas=21),
            "D": P(weight=1, max_replicas=10),
        },
        71,
        ["A", "B", "C", "D"],
        {"A": 10, "B": 30, "C": 21, "D": 10},
    ),
    "weight-three-capped-two-open": (
        {
            "A": P(weight=10000, max_replicas=10),
            "B": P(weight=1),
            "C": P(weight=1, max_replicas=21),
            "D": P(weight=1, max_replicas=10),
            "E": P(weight=1),
        },
        91,
        ["A", "B", "C", "D", "E"],
        {"A": 10, "B": 25, "C": 21, "D": 10, "E": 25},
    ),
}

# TestEqualWithExisting: rebalance off, no capacity, every cluster under {"*": weight 1};
# (total, clusters, current replicas, expected plan) and the overflow must be empty.
GO_WITH_EXISTING: dict[str, tuple[int, list[str], dict[str, int], dict[str, int]]] = {
    "keeps-30-in-C": (50, ["A", "B", "C"], {"C": 30}, {"A": 10, "B": 10, "C": 30}),
    "keeps-30-in-A": (50, ["A", "B"], {"A": 30}, {"A": 30, "B": 20}),
    "15-A0-B8": (15, ["A", "B"], {"A": 0, "B": 8}, {"A": 7, "B": 8}),
    "15-A1-B8": (15, ["A", "B"], {"A": 1, "B": 8}, {"A": 7, "B": 8}),
    "15-A4-B8": (15, ["A", "B"], {"A": 4, "B": 8}, {"A": 7, "B": 8}),
    "15-A5-B8": (15, ["A", "B"], {"A": 5, "B": 8}, {"A": 7, "B": 8}),
    "15-A6-B8": (15, ["A", "B"], {"A": 6, "B": 8}, {"A": 7, "B": 8}),
    "15-A7-B8": (15, ["A", "B"], {"A": 7, "B": 8}, {"A": 7, "B": 8}),
    "large-numbers": (500000, ["A", "B"], {"A": 300000}, {"A": 300000, "B": 200000}),
    "under-share-grows": (50, ["A", "B"], {"A": 10}, {"A": 25, "B": 25}),
    # Kubefed marks this one as not what it would like (10/40) but asserts it as is.
    "B-over-total": (50, ["A", "B"], {"A": 10, "B": 70}, {"A": 0, "B": 50}),
    "single-replica-stays": (1, ["A", "B"], {"A": 30}, {"A": 1, "B": 0}),
    "both-under-share": (50, ["A", "B"], {"A": 10, "B": 20}, {"A": 25, "B": 25}),
}

# TestWithExistingAndCapacity: (rebalance, preferences, total, clusters, capacity,
# expected plan, expected overflow); current replicas are empty in all of them.
GO_WITH_CAPACITY: dict[
    str,
    tuple[bool, dict[str, P], int, list[str], dict[str, int], dict[str, int], dict[str, int]],
] = {
    "rebalance-capacity-C": (
        True,
        {ANY: P(weight=1)},
        50,
        ["A", "B", "C"],
        {"C": 10},
        {"A": 20, "B": 20, "C": 10},
        {"C": 7},
    ),
    "rebalance-only-B-limited": (
        True,
        {"A": P(weight=10000), "B": P(weight=1)},
        50,
        ["B", "C"],
        {"B": 10},
        {"B": 10, "C": 0},
        {"B": 40},
    ),
    "rebalance-heavier-B-limited": (
        True,
        {"A": P(weight=1), "B": P(weight=2)},
        60,
        ["A", "B", "C"],
        {"B": 10},
        {"A": 50, "B": 10, "C": 0},
        {"B": 30},
    ),
    "rebalance-capacity-below-max": (
        True,
        {
            "A": P(weight=10000, max_replicas=10),
            "B": P(weight=1),
            "C": P(weight=1, max_replicas=21),
            "D": P(weight=1, max_replicas=10),
        },
        71,
        ["A", "B", "C", "D"],
        {"C": 10},
        {"A": 10, "B": 41, "C": 10, "D": 10},
        {"C": 11},
    ),
    "no-rebalance-both-limited": (
        False,
        {"A": P(weight=1), "B": P(weight=1)},
        60,
        ["A", "B", "C"],
        {"A": 10, "B": 10},
        {"A": 10, "B": 10, "C": 0},
        {"A": 20, "B": 20},
    ),
    "no-rebalance-overflow-trimmed-away": (
        False,
        {"A": P(weight=1), "B": P(weight=5)},
        60,
        ["A", "B", "C"],
        {"B": 10},
        {"A": 50, "B": 10, "C": 0},
        {},
    ),
    "no-rebalance-min-limited-by-capacity": (
        False,
        {ANY: P(min_replicas=20)},
        50,
        ["A", "B", "C"],
        {"B": 10},
        {"A": 20, "B": 10, "C": 20},
        {},
    ),
    "rebalance-min-and-weight": (
        True,
        {ANY: P(min_replicas=20, weight=1)},
        60,
        ["A", "B"],
        {"B": 10},
        {"A": 50, "B": 10},
        {"B": 15},
    ),
}


def _fnv1_reference(data: bytes) -> int:
    """FNV-1, 32 bits, straight from its definition (multiply by the prime, then xor)."""
    return reduce(lambda h, byte: (h * 16777619) % 2**32 ^ byte, data, 2166136261)


def _winner_of_one(clusters: list[str], key: str) -> str:
    """Where one replica goes among equal weights: the smallest FNV-1 of name + key."""
    return min(clusters, key=lambda name: _fnv1_reference((name + key).encode()))


@pytest.mark.parametrize("case", GO_WITHOUT_EXISTING.values(), ids=GO_WITHOUT_EXISTING.keys())
def test_go_cases_without_existing(
    case: tuple[dict[str, P], int, list[str], dict[str, int]],
) -> None:
    preferences, total, clusters, expected = case
    planned, overflow = plan(preferences, total, clusters, "")
    assert planned == expected
    assert overflow == {}


@pytest.mark.parametrize("case", GO_WITH_EXISTING.values(), ids=GO_WITH_EXISTING.keys())
def test_go_cases_with_existing(
    case: tuple[int, list[str], dict[str, int], dict[str, int]],
) -> None:
    total, clusters, current, expected = case
    planned, overflow = plan({ANY: P(weight=1)}, total, clusters, "", current=current)
    assert planned == expected
    assert overflow == {}


@pytest.mark.parametrize("case", GO_WITH_CAPACITY.values(), ids=GO_WITH_CAPACITY.keys())
def test_go_cases_with_capacity(
    case: tuple[bool, dict[str, P], int, list[str], dict[str, int], dict[str, int], dict[str, int]],
) -> None:
    rebalance, preferences, total, clusters, capacity, expected, expected_overflow = case
    planned, overflow = plan(
        preferences, total, clusters, "", current={}, capacity=capacity, rebalance=rebalance
    )
    assert planned == expected
    assert overflow == expected_overflow


def test_go_case_count() -> None:
    # planner_test.go has 6 + 13 + 8 + 4 + 2 + 7 = 40 doCheck* calls.
    assert len(GO_WITHOUT_EXISTING) + len(GO_WITH_EXISTING) + len(GO_WITH_CAPACITY) == 40


def test_hash_is_fnv1_not_fnv1a() -> None:
    # Published FNV test vectors: FNV-1 "a" = 0x050c5d7e, "foobar" = 0x31f0b262
    # (FNV-1a would give 0xe40c292c and 0xbf9cf968).
    assert cluster_hash("a", "") == 0x050C5D7E
    assert cluster_hash("foo", "bar") == 0x31F0B262
    assert _fnv1_reference(b"foobar") == 0x31F0B262
    for name in ["A", "B", "member-1", "cluster-é"]:
        assert cluster_hash(name, "ns/app") == _fnv1_reference(f"{name}ns/app".encode())


def test_empty_key_orders_single_letters_backwards() -> None:
    # By the FNV-1 definition, one byte b hashes to (offset * prime mod 2^32) ^ b. That product
    # ends in binary 111 and "A".."D" differ only in their low three bits, so the xor reverses
    # their order: D < C < B < A.
    base = (2166136261 * 16777619) % 2**32
    assert base & 0b111 == 0b111
    assert [cluster_hash(name, "") for name in "ABCD"] == [base ^ ord(name) for name in "ABCD"]
    assert _winner_of_one(["A", "B", "C", "D"], "") == "D"


def test_tie_break_uses_the_object_key() -> None:
    clusters = ["member-1", "member-2", "member-3"]
    key = "default/web"
    winner = _winner_of_one(clusters, key)
    # FNV-1 picks member-3 here, where FNV-1a or alphabetical order would pick member-1.
    assert winner == "member-3"
    fnv1a = {
        name: reduce(lambda h, b: ((h ^ b) * 16777619) % 2**32, (name + key).encode(), 2166136261)
        for name in clusters
    }
    assert min(clusters, key=fnv1a.__getitem__) == "member-1"

    planned, _ = plan({ANY: P(weight=1)}, 1, clusters, key)
    assert planned == {"member-1": 0, "member-2": 0, "member-3": 1}


def test_ceiling_rounding_favours_smaller_hashes() -> None:
    # Each share is ceil(4 * 1 / 3) = 2, capped by what is left, handed out in hash order.
    clusters = ["member-1", "member-2", "member-3"]
    key = "default/web"
    by_hash = sorted(clusters, key=lambda name: _fnv1_reference((name + key).encode()))
    assert by_hash == ["member-3", "member-2", "member-1"]
    planned, _ = plan({ANY: P(weight=1)}, 4, clusters, key)
    assert planned == {"member-3": 2, "member-2": 2, "member-1": 0}


def test_same_clusters_other_key_other_winner() -> None:
    clusters = ["A", "B", "C", "D"]
    assert _winner_of_one(clusters, "default/web") == "B"
    planned, _ = plan({ANY: P(weight=1)}, 1, clusters, "default/web")
    assert planned == {"A": 0, "B": 1, "C": 0, "D": 0}


def test_weight_outranks_hash() -> None:
    # A has the largest hash under the empty key but the largest weight, so it goes first.
    planned, _ = plan({ANY: P(weight=1), "A": P(weight=2)}, 1, ["A", "B", "C", "D"], "")
    assert planned == {"A": 1, "B": 0, "C": 0, "D": 0}


def test_wildcard_fills_in_for_clusters_without_an_entry() -> None:
    # W = 2 + 1 + 1: A's share is ceil(40 * 2 / 4) = 20, B's and C's ceil(40 / 4) = 10.
    planned, overflow = plan({ANY: P(weight=1), "A": P(weight=2)}, 40, ["A", "B", "C"], "x/y")
    assert planned == {"A": 20, "B": 10, "C": 10}
    assert overflow == {}


def test_explicit_entry_replaces_the_whole_wildcard() -> None:
    # A's own entry has no minimum and weight 0, so none of the wildcard's fields apply to it.
    # B and C get their minimum 1, then ceil(8 / 2) = 4 each, capped at 3; A's share is
    # ceil(0 / 2) = 0, and the next pass has only A, with W = 0, so 4 replicas stay unplaced.
    preferences = {ANY: P(min_replicas=1, max_replicas=3, weight=1), "A": P()}
    planned, overflow = plan(preferences, 10, ["A", "B", "C"], "")
    assert planned == {"A": 0, "B": 3, "C": 3}
    assert overflow == {}


def test_clusters_without_any_preference_get_zero_entries() -> None:
    planned, overflow = plan({}, 10, ["A", "B"], "")
    assert planned == {"A": 0, "B": 0}
    assert overflow == {}
    planned, _ = plan({"B": P(weight=1)}, 10, ["A", "B", "C"], "")
    assert planned == {"A": 0, "B": 10, "C": 0}


def test_rebalance_irrelevant_without_live_state() -> None:
    preferences = {ANY: P(min_replicas=1, weight=1), "B": P(weight=3, max_replicas=5)}
    for total in range(12):
        kept = plan(preferences, total, ["A", "B", "C"], "ns/app", rebalance=False)
        moved = plan(preferences, total, ["A", "B", "C"], "ns/app", rebalance=True)
        assert kept == moved


def test_rebalance_ignores_current_replicas() -> None:
    # Same as the Go case "keeps-30-in-C" but with rebalance: the plain 50/3 split returns.
    planned, _ = plan(
        {ANY: P(weight=1)}, 50, ["A", "B", "C"], "", current={"C": 30}, rebalance=True
    )
    assert planned == {"A": 16, "B": 17, "C": 17}


def test_weight_share_rounds_toward_zero_like_go() -> None:
    # Weights are not validated, so one may be negative. W = 3; A takes all 4. B's share is
    # (4 * -1 + 3 - 1) / 3 = -2 / 3, which Go truncates to 0; flooring would give -1.
    planned, _ = plan({"A": P(weight=4), "B": P(weight=-1)}, 4, ["A", "B"], "")
    assert planned == {"A": 4, "B": 0}


def test_schedule_adds_overflow_and_keeps_current_clusters() -> None:
    # Plan {A: 20, B: 20, C: 10} with overflow {C: 7} (Go case "rebalance-capacity-C");
    # X runs the object now but is no candidate, so it is written with 0.
    result = schedule(
        {ANY: P(weight=1)},
        50,
        ["A", "B", "C"],
        "",
        current={"X": 3},
        capacity={"C": 10},
        rebalance=True,
    )
    assert result == {"X": 0, "A": 20, "B": 20, "C": 17}


def test_schedule_keeps_zero_replica_candidates() -> None:
    result = schedule({"A": P(weight=1)}, 5, ["A", "B"], "ns/app")
    assert result == {"A": 5, "B": 0}


def test_parse_rsp_spec_defaults_to_wildcard_weight_one() -> None:
    missing: dict[str, Any] = {"targetKind": "FederatedDeployment", "totalReplicas": 3}
    for spec in (missing, {**missing, "clusters": {}}, {**missing, "clusters": None}):
        assert parse_rsp_spec(spec) == ReplicaSchedulingSpec(3, False, {ANY: P(weight=1)})


def test_parse_rsp_spec_reads_preferences() -> None:
    parsed = parse_rsp_spec(
        {
            "totalReplicas": 9,
            "rebalance": True,
            "clusters": {
                "a": {"minReplicas": 1, "maxReplicas": 4, "weight": 2},
                "*": {"weight": 1},
                "b": None,
            },
        }
    )
    assert parsed == ReplicaSchedulingSpec(
        total_replicas=9,
        rebalance=True,
        clusters={"a": P(1, 4, 2), ANY: P(weight=1), "b": P()},
    )
    planned, overflow = plan(parsed.clusters, parsed.total_replicas, ["a", "b", "c"], "ns/x")
    # a: min 1, then ceil(8 * 2 / 3) = 6 capped at max 4; b has weight 0; c takes the rest.
    assert planned == {"a": 4, "b": 0, "c": 5}
    assert overflow == {}


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"totalReplicas": "3"},
        {"totalReplicas": True},
        {"totalReplicas": 3, "rebalance": "yes"},
        {"totalReplicas": 3, "clusters": ["a"]},
        {"totalReplicas": 3, "clusters": {"a": 1}},
        {"totalReplicas": 3, "clusters": {"a": {"weight": 1.5}}},
        {"totalReplicas": 3, "clusters": {"a": {"maxReplicas": False}}},
    ],
)
def test_parse_rsp_spec_rejects_bad_types(spec: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        parse_rsp_spec(spec)
