"""KubeAdmiral's Divide-mode replica planners: Spread (weighted) and Binpack.

Most cases are KubeAdmiral's own unit tests, with their expected values:
pkg/controllers/scheduler/planner/planner_test.go (the weighted planner),
pkg/controllers/scheduler/framework/plugins/preferencebinpack/planner_test.go (Binpack) and
pkg/controllers/scheduler/framework/plugins/rsp/rsp_test.go (ClusterCapacityWeight). The
planner tests run like KubeAdmiral's harness: up to three rounds, each feeding plan + overflow
back as the existing replicas, with capacity estimated only where a cluster holds more than
its capacity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest

from hubless.dialects.kubeadmiral.planner import (
    ClusterPreference,
    DivideUnit,
    MemberCluster,
    PlanResult,
    binpack,
    capacity_weights,
    plan_binpack,
    plan_spread,
    spread,
    weight_limits,
)

Counts = dict[str, int]
Expected = tuple[Counts, Counts]  # plan, overflow
# One expectation per (avoidDisruption, keepUnschedulableReplicas):
# (False, False), (False, True), (True, False), (True, True).
Expectations = tuple[Expected, Expected, Expected, Expected]
FLAGS = [(False, False), (False, True), (True, False), (True, True)]


def pref(
    min_replicas: int = 0, max_replicas: int | None = None, weight: int = 0
) -> ClusterPreference:
    return ClusterPreference(min_replicas, max_replicas, weight)


def same(plan: Counts, overflow: Counts | None = None) -> Expectations:
    """Without existing replicas the flags must not matter."""
    expected = (plan, overflow or {})
    return (expected, expected, expected, expected)


def by_avoid(rebalanced: Expected, kept: Expected) -> Expectations:
    """With existing replicas only avoidDisruption matters."""
    return (rebalanced, rebalanced, kept, kept)


@dataclass(frozen=True)
class PlannerCase:
    name: str
    preferences: Mapping[str, ClusterPreference]
    replicas: int
    clusters: list[str]
    expected: Expectations
    existing: Counts = field(default_factory=dict)
    capacity: Counts = field(default_factory=dict)
    limited: Counts = field(default_factory=dict)
    scheduled: Counts = field(default_factory=dict)


Planner = Callable[[PlannerCase, Counts, Counts, bool, bool], PlanResult]


def converge(case: PlannerCase, planner: Planner, avoid: bool, keep: bool) -> PlanResult:
    """KubeAdmiral's test harness: reschedule until plan and overflow stop changing."""
    existing = case.existing
    last: PlanResult | None = None
    for _ in range(3):
        estimated = {
            name: cap for name, cap in case.capacity.items() if existing.get(name, 0) > cap
        }
        result = planner(case, existing, estimated, avoid, keep)
        if last is not None and result == last:
            return result
        if last is None and not result.plan and not result.overflow:
            return result
        existing = dict(result.plan)
        for name, extra in result.overflow.items():
            existing[name] = existing.get(name, 0) + extra
        last = result
    raise AssertionError(f"{case.name}: no convergence after 3 rounds")


def run_spread(
    case: PlannerCase, existing: Counts, estimated: Counts, avoid: bool, keep: bool
) -> PlanResult:
    return plan_spread(
        case.preferences,
        case.replicas,
        case.clusters,
        "",
        current=existing,
        estimated_capacity=estimated,
        limited_capacity=case.limited,
        avoid_disruption=avoid,
        keep_unschedulable_replicas=keep,
    )


def run_binpack(
    case: PlannerCase, existing: Counts, estimated: Counts, avoid: bool, keep: bool
) -> PlanResult:
    return plan_binpack(
        case.preferences,
        case.replicas,
        case.clusters,
        current=existing,
        estimated_capacity=estimated,
        limited_capacity=case.limited,
        avoid_disruption=avoid,
        keep_unschedulable_replicas=keep,
        scheduled_replicas=case.scheduled,
    )


def flag_params(cases: list[PlannerCase]) -> list[object]:
    return [
        pytest.param(case, avoid, keep, expected, id=f"{case.name}-avoid={avoid}-keep={keep}")
        for case in cases
        for (avoid, keep), expected in zip(FLAGS, case.expected, strict=True)
    ]


# planner_test.go, TestWithoutExisting (some results depend on the hash of the names).
SPREAD_WITHOUT_EXISTING = [
    PlannerCase(
        "even-3", {"*": pref(weight=1)}, 50, ["A", "B", "C"], same({"A": 16, "B": 17, "C": 17})
    ),
    PlannerCase("even-2", {"*": pref(weight=1)}, 50, ["A", "B"], same({"A": 25, "B": 25})),
    PlannerCase("one-of-2", {"*": pref(weight=1)}, 1, ["A", "B"], same({"A": 0, "B": 1})),
    PlannerCase(
        "one-of-4",
        {"*": pref(weight=1)},
        1,
        ["A", "B", "C", "D"],
        same({"A": 0, "B": 0, "C": 0, "D": 1}),
    ),
    PlannerCase("one-of-1", {"*": pref(weight=1)}, 1, ["A"], same({"A": 1})),
    PlannerCase("no-clusters", {"*": pref(weight=1)}, 1, [], same({})),
    PlannerCase(
        "min-only", {"*": pref(min_replicas=2)}, 50, ["A", "B", "C"], same({"A": 2, "B": 2, "C": 2})
    ),
    PlannerCase(
        "mins-exceed-total",
        {"*": pref(min_replicas=20)},
        50,
        ["A", "B", "C"],
        same({"A": 10, "B": 20, "C": 20}),
    ),
    PlannerCase(
        "own-min-over-star",
        {"*": pref(min_replicas=20), "A": pref(min_replicas=100, weight=1)},
        50,
        ["A", "B", "C"],
        same({"A": 50, "B": 0, "C": 0}),
    ),
    PlannerCase(
        "min-plus-weight",
        {"A": pref(min_replicas=10, weight=1), "B": pref(weight=1)},
        50,
        ["A", "B"],
        same({"A": 30, "B": 20}),
    ),
    PlannerCase(
        "mins-then-weights",
        {
            "A": pref(min_replicas=3, weight=2),
            "B": pref(min_replicas=3, weight=3),
            "C": pref(min_replicas=3, weight=5),
        },
        10,
        ["A", "B", "C"],
        same({"A": 3, "B": 3, "C": 4}),
    ),
    PlannerCase(
        "min-and-max",
        {"*": pref(min_replicas=10, max_replicas=12, weight=1)},
        50,
        ["A", "B", "C"],
        same({"A": 12, "B": 12, "C": 12}),
    ),
    PlannerCase(
        "max-caps",
        {"*": pref(max_replicas=2, weight=1)},
        50,
        ["A", "B", "C"],
        same({"A": 2, "B": 2, "C": 2}),
    ),
    PlannerCase(
        "weight-0", {"*": pref(max_replicas=2)}, 50, ["A", "B", "C"], same({"A": 0, "B": 0, "C": 0})
    ),
    PlannerCase(
        "no-preference-no-plan",
        {"A": pref(weight=1), "B": pref(weight=2)},
        60,
        ["A", "B", "C"],
        same({"A": 20, "B": 40}),
    ),
    PlannerCase(
        "heavy-weight",
        {"A": pref(weight=10000), "B": pref(weight=1)},
        50,
        ["A", "B", "C"],
        same({"A": 50, "B": 0}),
    ),
    PlannerCase(
        "heavy-unavailable",
        {"A": pref(weight=10000), "B": pref(weight=1)},
        50,
        ["B", "C"],
        same({"B": 50}),
    ),
    PlannerCase(
        "heavy-capped",
        {"A": pref(max_replicas=10, weight=10000), "B": pref(weight=1), "C": pref(weight=1)},
        50,
        ["A", "B", "C"],
        same({"A": 10, "B": 20, "C": 20}),
    ),
    PlannerCase(
        "two-capped",
        {
            "A": pref(max_replicas=10, weight=10000),
            "B": pref(weight=1),
            "C": pref(max_replicas=10, weight=1),
        },
        50,
        ["A", "B", "C"],
        same({"A": 10, "B": 30, "C": 10}),
    ),
    PlannerCase(
        "three-capped",
        {
            "A": pref(max_replicas=10, weight=10000),
            "B": pref(weight=1),
            "C": pref(max_replicas=21, weight=1),
            "D": pref(max_replicas=10, weight=1),
        },
        71,
        ["A", "B", "C", "D"],
        same({"A": 10, "B": 30, "C": 21, "D": 10}),
    ),
    PlannerCase(
        "three-capped-two-open",
        {
            "A": pref(max_replicas=10, weight=10000),
            "B": pref(weight=1),
            "C": pref(max_replicas=21, weight=1),
            "D": pref(max_replicas=10, weight=1),
            "E": pref(weight=1),
        },
        91,
        ["A", "B", "C", "D", "E"],
        same({"A": 10, "B": 25, "C": 21, "D": 10, "E": 25}),
    ),
]

EVEN = {"*": pref(weight=1)}

# planner_test.go, TestWithExisting.
SPREAD_WITH_EXISTING = [
    PlannerCase(
        "c-30",
        EVEN,
        50,
        ["A", "B", "C"],
        by_avoid(({"A": 16, "B": 17, "C": 17}, {}), ({"A": 9, "B": 11, "C": 30}, {})),
        existing={"C": 30},
    ),
    PlannerCase(
        "a-30",
        EVEN,
        50,
        ["A", "B"],
        by_avoid(({"A": 25, "B": 25}, {}), ({"A": 30, "B": 20}, {})),
        existing={"A": 30},
    ),
    PlannerCase(
        "a-limited-0",
        EVEN,
        50,
        ["A", "B"],
        same({"A": 0, "B": 50}),
        existing={"A": 30},
        limited={"A": 0},
    ),
    PlannerCase(
        "a-limited-10",
        EVEN,
        50,
        ["A", "B"],
        same({"A": 10, "B": 40}),
        existing={"A": 30},
        limited={"A": 10},
    ),
    PlannerCase(
        "scale-up-0-8", EVEN, 15, ["A", "B"], same({"A": 7, "B": 8}), existing={"A": 0, "B": 8}
    ),
    PlannerCase(
        "scale-up-1-8", EVEN, 15, ["A", "B"], same({"A": 7, "B": 8}), existing={"A": 1, "B": 8}
    ),
    PlannerCase(
        "scale-up-4-8", EVEN, 15, ["A", "B"], same({"A": 7, "B": 8}), existing={"A": 4, "B": 8}
    ),
    PlannerCase(
        "settled-7-8", EVEN, 15, ["A", "B"], same({"A": 7, "B": 8}), existing={"A": 7, "B": 8}
    ),
    PlannerCase(
        "all-in-a",
        EVEN,
        15,
        ["A", "B"],
        by_avoid(({"A": 7, "B": 8}, {}), ({"A": 15, "B": 0}, {})),
        existing={"A": 15, "B": 0},
    ),
    PlannerCase(
        "uneven-5-10",
        EVEN,
        15,
        ["A", "B"],
        by_avoid(({"A": 7, "B": 8}, {}), ({"A": 5, "B": 10}, {})),
        existing={"A": 5, "B": 10},
    ),
    PlannerCase(
        "a-30-again",
        EVEN,
        50,
        ["A", "B"],
        by_avoid(({"A": 25, "B": 25}, {}), ({"A": 30, "B": 20}, {})),
        existing={"A": 30},
    ),
    PlannerCase("a-10", EVEN, 50, ["A", "B"], same({"A": 25, "B": 25}), existing={"A": 10}),
    PlannerCase(
        "a-10-b-20", EVEN, 50, ["A", "B"], same({"A": 25, "B": 25}), existing={"A": 10, "B": 20}
    ),
    PlannerCase(
        "scale-down-10-70",
        EVEN,
        50,
        ["A", "B"],
        by_avoid(({"A": 25, "B": 25}, {}), ({"A": 10, "B": 40}, {})),
        existing={"A": 10, "B": 70},
    ),
    PlannerCase(
        "scale-down-to-1",
        EVEN,
        1,
        ["A", "B"],
        by_avoid(({"A": 0, "B": 1}, {}), ({"A": 1, "B": 0}, {})),
        existing={"A": 30},
    ),
    PlannerCase(
        "scale-down-to-10",
        EVEN,
        10,
        ["A", "B"],
        same({"A": 5, "B": 5}),
        existing={"A": 50, "B": 30},
    ),
    PlannerCase(
        "scale-down-by-hash",
        {"A": pref(weight=499), "B": pref(weight=499), "C": pref(weight=1)},
        15,
        ["A", "B", "C"],
        same({"A": 7, "B": 8, "C": 0}),
        existing={"A": 15, "B": 15, "C": 0},
    ),
    PlannerCase(
        "scale-up-by-gap",
        EVEN,
        18,
        ["A", "B", "C"],
        by_avoid(({"A": 6, "B": 6, "C": 6}, {}), ({"A": 10, "B": 4, "C": 4}, {})),
        existing={"A": 10, "B": 1, "C": 1},
    ),
    PlannerCase(
        "weight-0-keeps-existing",
        {"A": pref(weight=0), "B": pref(weight=1), "C": pref(weight=1)},
        18,
        ["A", "B", "C"],
        by_avoid(({"A": 0, "B": 9, "C": 9}, {}), ({"A": 10, "B": 1, "C": 7}, {})),
        existing={"A": 10, "B": 1, "C": 7},
    ),
]

# planner_test.go, TestWithExistingAndCapacity.
SPREAD_WITH_CAPACITY = [
    PlannerCase(
        "c-short-of-capacity",
        EVEN,
        50,
        ["A", "B", "C"],
        (
            ({"A": 20, "B": 20, "C": 10}, {"C": 7}),
            ({"A": 20, "B": 20, "C": 10}, {"C": 7}),
            ({"A": 30, "B": 20, "C": 0}, {}),
            ({"A": 30, "B": 20, "C": 0}, {}),
        ),
        existing={"A": 30, "B": 20},
        capacity={"C": 10},
    ),
    PlannerCase(
        "c-over-capacity",
        EVEN,
        50,
        ["A", "B", "C"],
        (
            ({"A": 20, "B": 20, "C": 10}, {"C": 7}),
            ({"A": 20, "B": 20, "C": 10}, {"C": 7}),
            ({"A": 30, "B": 10, "C": 10}, {}),
            ({"A": 30, "B": 10, "C": 10}, {"C": 7}),
        ),
        existing={"A": 30, "C": 20},
        capacity={"C": 10},
    ),
    PlannerCase(
        "only-cluster-over-capacity",
        {"A": pref(weight=10000), "B": pref(weight=1)},
        50,
        ["B", "C"],
        same({"B": 10}, {"B": 40}),
        existing={"B": 50},
        capacity={"B": 10},
    ),
    PlannerCase(
        "heavy-over-capacity",
        {"A": pref(weight=1), "B": pref(weight=5)},
        60,
        ["A", "B", "C"],
        (
            ({"A": 50, "B": 10}, {"B": 40}),
            ({"A": 50, "B": 10}, {"B": 40}),
            ({"A": 50, "B": 10}, {}),
            ({"A": 50, "B": 10}, {"B": 40}),
        ),
        existing={"A": 20, "B": 40},
        capacity={"B": 10},
    ),
    PlannerCase(
        "all-in-a-b-capped",
        {"A": pref(weight=1), "B": pref(weight=2)},
        60,
        ["A", "B", "C"],
        (
            ({"A": 50, "B": 10}, {"B": 30}),
            ({"A": 50, "B": 10}, {"B": 30}),
            ({"A": 60, "B": 0}, {}),
            ({"A": 60, "B": 0}, {}),
        ),
        existing={"A": 60},
        capacity={"B": 10},
    ),
    PlannerCase(
        "capacity-below-total",
        {"A": pref(weight=1), "B": pref(weight=1)},
        60,
        ["A", "B", "C"],
        same({"A": 10, "B": 10}, {"A": 20, "B": 20}),
        existing={"A": 30, "B": 30},
        capacity={"A": 10, "B": 10},
    ),
    PlannerCase(
        "both-over-capacity",
        {"A": pref(weight=1), "B": pref(weight=2)},
        60,
        ["A", "B"],
        (
            ({"A": 25, "B": 10}, {"A": 25, "B": 30}),
            ({"A": 25, "B": 10}, {"A": 25, "B": 30}),
            ({"A": 25, "B": 10}, {"A": 25, "B": 25}),
            ({"A": 25, "B": 10}, {"A": 25, "B": 30}),
        ),
        existing={"A": 30, "B": 40},
        capacity={"A": 25, "B": 10},
    ),
    PlannerCase(
        "caps-and-capacity",
        {
            "A": pref(max_replicas=10, weight=10000),
            "B": pref(weight=1),
            "C": pref(max_replicas=21, weight=1),
            "D": pref(max_replicas=10, weight=1),
        },
        71,
        ["A", "B", "C", "D"],
        (
            ({"A": 10, "B": 41, "C": 10, "D": 10}, {"C": 11}),
            ({"A": 10, "B": 41, "C": 10, "D": 10}, {"C": 11}),
            ({"A": 20, "B": 33, "C": 10, "D": 8}, {}),
            ({"A": 20, "B": 33, "C": 10, "D": 8}, {"C": 11}),
        ),
        existing={"A": 20},
        capacity={"C": 10},
    ),
    PlannerCase(
        "capacity-below-min",
        {"*": pref(min_replicas=20)},
        50,
        ["A", "B", "C"],
        (
            ({"A": 20, "B": 10, "C": 20}, {"B": 10}),
            ({"A": 20, "B": 10, "C": 20}, {"B": 10}),
            ({"A": 24, "B": 10, "C": 16}, {}),
            ({"A": 24, "B": 10, "C": 16}, {"B": 10}),
        ),
        existing={"A": 24},
        capacity={"B": 10},
    ),
    PlannerCase(
        "capacity-below-min-weighted",
        {"*": pref(min_replicas=20, weight=1)},
        60,
        ["A", "B"],
        (
            ({"A": 50, "B": 10}, {"B": 25}),
            ({"A": 50, "B": 10}, {"B": 25}),
            ({"A": 50, "B": 10}, {}),
            ({"A": 50, "B": 10}, {"B": 25}),
        ),
        capacity={"B": 10},
    ),
]


@pytest.mark.parametrize(
    ("case", "avoid", "keep", "expected"),
    flag_params(SPREAD_WITHOUT_EXISTING + SPREAD_WITH_EXISTING + SPREAD_WITH_CAPACITY),
)
def test_spread_planner(case: PlannerCase, avoid: bool, keep: bool, expected: Expected) -> None:
    assert converge(case, run_spread, avoid, keep) == expected


# preferencebinpack/planner_test.go, Test_getDesiredPlan: the desired plan is what Plan returns
# without avoidDisruption and without existing replicas.
BINPACK_DESIRED = [
    ("all-in-first", {}, {}, {}, {"A": 10, "B": 0, "C": 0}, {}),
    ("one-estimated", {}, {"A": 5}, {}, {"A": 5, "B": 5, "C": 0}, {"A": 5}),
    ("two-estimated", {}, {"A": 5, "B": 3}, {}, {"A": 5, "B": 3, "C": 2}, {"A": 5, "B": 2}),
    (
        "all-estimated",
        {},
        {"A": 5, "B": 3, "C": 1},
        {},
        {"A": 5, "B": 3, "C": 1},
        {"A": 5, "B": 2, "C": 1},
    ),
    ("one-limited", {}, {"A": 5}, {"A": 3}, {"A": 3, "B": 7, "C": 0}, {}),
    ("all-limited", {}, {"A": 5}, {"A": 3, "B": 2, "C": 1}, {"A": 3, "B": 2, "C": 1}, {}),
    ("one-max", {"A": pref(max_replicas=5)}, {}, {}, {"A": 5, "B": 5, "C": 0}, {}),
    ("one-min", {"B": pref(min_replicas=5)}, {}, {}, {"A": 5, "B": 5, "C": 0}, {}),
    ("min-and-limited", {"B": pref(min_replicas=5)}, {}, {"B": 2}, {"A": 8, "B": 2, "C": 0}, {}),
    (
        "capacity-below-min",
        {"A": pref(min_replicas=2), "B": pref(min_replicas=2), "C": pref(min_replicas=2)},
        {"A": 2, "B": 0, "C": 0},
        {},
        {"A": 2, "B": 0, "C": 0},
        {"A": 8, "B": 8, "C": 8},
    ),
]


@pytest.mark.parametrize(
    ("preferences", "estimated", "limited", "plan", "overflow"),
    [pytest.param(*case[1:], id=case[0]) for case in BINPACK_DESIRED],
)
def test_binpack_desired_plan(
    preferences: Mapping[str, ClusterPreference],
    estimated: Counts,
    limited: Counts,
    plan: Counts,
    overflow: Counts,
) -> None:
    result = plan_binpack(
        preferences,
        10,
        ["A", "B", "C"],
        estimated_capacity=estimated,
        limited_capacity=limited,
        avoid_disruption=False,
    )
    assert result == PlanResult(plan, overflow)


# preferencebinpack/planner_test.go, TestWithoutExisting, TestWithExisting and
# TestWithExistingAndCapacity.
BINPACK_CASES = [
    PlannerCase("fill-first", {}, 50, ["A", "B"], same({"A": 50, "B": 0})),
    PlannerCase(
        "min-in-second", {"B": pref(min_replicas=10)}, 50, ["A", "B"], same({"A": 40, "B": 10})
    ),
    PlannerCase(
        "two-max",
        {"A": pref(max_replicas=10), "B": pref(max_replicas=21)},
        50,
        ["A", "B", "C"],
        same({"A": 10, "B": 21, "C": 19}),
    ),
    PlannerCase(
        "max-and-min",
        {"A": pref(max_replicas=10), "C": pref(min_replicas=10)},
        50,
        ["A", "B", "C"],
        same({"A": 10, "B": 30, "C": 10}),
    ),
    PlannerCase(
        "max-min-limited",
        {"A": pref(max_replicas=10), "D": pref(min_replicas=10)},
        50,
        ["A", "B", "C", "D"],
        same({"A": 10, "B": 10, "C": 20, "D": 10}),
        limited={"B": 10},
    ),
    PlannerCase(
        "existing-in-last",
        {},
        50,
        ["A", "B", "C"],
        by_avoid(({"A": 50, "B": 0, "C": 0}, {}), ({"A": 20, "B": 0, "C": 30}, {})),
        existing={"C": 30},
        scheduled={"C": 30},
    ),
    PlannerCase(
        "existing-limited-0",
        {},
        50,
        ["A", "B"],
        same({"A": 0, "B": 50}),
        existing={"A": 30},
        limited={"A": 0},
        scheduled={"A": 30},
    ),
    PlannerCase(
        "existing-limited-10",
        {},
        50,
        ["A", "B"],
        same({"A": 10, "B": 40}),
        existing={"A": 30},
        limited={"A": 10},
        scheduled={"A": 30},
    ),
    PlannerCase(
        "existing-in-second",
        {},
        15,
        ["A", "B"],
        by_avoid(({"A": 15, "B": 0}, {}), ({"A": 7, "B": 8}, {})),
        existing={"A": 0, "B": 8},
        scheduled={"B": 8},
    ),
    PlannerCase(
        "scale-down-from-last",
        {},
        15,
        ["A", "B"],
        same({"A": 15, "B": 0}),
        existing={"A": 15, "B": 8},
        scheduled={"A": 15, "B": 8},
    ),
    PlannerCase(
        "new-max-below-existing",
        {"A": pref(max_replicas=10)},
        15,
        ["A", "B"],
        by_avoid(({"A": 10, "B": 5}, {}), ({"A": 15, "B": 0}, {})),
        existing={"A": 15, "B": 0},
        scheduled={"A": 15, "B": 0},
    ),
    PlannerCase(
        "new-min-above-existing",
        {"B": pref(min_replicas=10)},
        15,
        ["A", "B"],
        by_avoid(({"A": 5, "B": 10}, {}), ({"A": 15, "B": 0}, {})),
        existing={"A": 15, "B": 0},
        scheduled={"A": 15, "B": 0},
    ),
    PlannerCase(
        "new-limit-below-existing",
        {},
        15,
        ["A", "B"],
        same({"A": 5, "B": 10}),
        existing={"A": 15, "B": 0},
        limited={"A": 5},
        scheduled={"A": 15, "B": 0},
    ),
    PlannerCase(
        "two-over-capacity",
        {},
        50,
        ["A", "B", "C"],
        (
            ({"A": 30, "B": 10, "C": 10}, {"A": 20, "B": 10}),
            ({"A": 30, "B": 10, "C": 10}, {"A": 20, "B": 10}),
            ({"A": 30, "B": 10, "C": 10}, {"A": 10, "B": 10}),
            ({"A": 30, "B": 10, "C": 10}, {"A": 20, "B": 10}),
        ),
        existing={"A": 50, "B": 20},
        capacity={"A": 30, "B": 10},
        scheduled={"A": 30, "B": 10},
    ),
    PlannerCase(
        "scale-up",
        {},
        50,
        ["A", "B", "C"],
        by_avoid(({"A": 50, "B": 0, "C": 0}, {}), ({"A": 40, "B": 0, "C": 10}, {})),
        existing={"A": 30, "C": 20},
        capacity={"C": 10},
        scheduled={"A": 30, "C": 10},
    ),
    PlannerCase(
        "scale-down",
        {},
        60,
        ["A", "B", "C"],
        same({"A": 40, "B": 20, "C": 0}, {"A": 20}),
        existing={"A": 60, "B": 40},
        capacity={"A": 40},
        scheduled={"A": 40},
    ),
    PlannerCase(
        "capacity-below-total",
        {},
        60,
        ["A", "B", "C"],
        same({"A": 10, "B": 10, "C": 20}, {"A": 50, "B": 40, "C": 20}),
        existing={"A": 60, "B": 50, "C": 40},
        capacity={"A": 10, "B": 10, "C": 20},
    ),
    PlannerCase(
        "max-and-capacity",
        {"A": pref(max_replicas=10), "C": pref(max_replicas=21), "D": pref(max_replicas=10)},
        60,
        ["A", "B", "C", "D"],
        by_avoid(
            ({"A": 10, "B": 10, "C": 21, "D": 10}, {"B": 40}),
            ({"A": 20, "B": 10, "C": 21, "D": 9}, {"B": 40}),
        ),
        existing={"A": 20, "B": 40},
        capacity={"B": 10},
    ),
    PlannerCase(
        "capacity-below-min",
        {"B": pref(min_replicas=20)},
        50,
        ["A", "B", "C"],
        by_avoid(
            ({"A": 40, "B": 10, "C": 0}, {"B": 10}),
            ({"A": 16, "B": 10, "C": 24}, {"B": 10}),
        ),
        existing={"C": 24},
        capacity={"B": 10},
    ),
]


@pytest.mark.parametrize(("case", "avoid", "keep", "expected"), flag_params(BINPACK_CASES))
def test_binpack_planner(case: PlannerCase, avoid: bool, keep: bool, expected: Expected) -> None:
    assert converge(case, run_binpack, avoid, keep) == expected


# The tie-break: Go's hash/fnv New32, i.e. FNV-1 (multiply, then xor), 32 bits.
def reference_fnv1_32(data: bytes) -> int:
    return functools.reduce(lambda h, b: ((h * 0x01000193) % 2**32) ^ b, data, 0x811C9DC5)


def test_reference_hash_is_fnv1_not_fnv1a() -> None:
    assert reference_fnv1_32(b"") == 0x811C9DC5
    assert reference_fnv1_32(b"a") == 0x050C5D7E  # FNV-1a would give 0xE40C292C
    # So for an empty key, "D" sorts first among A..D (the "one-of-4" case above).
    hashes = [reference_fnv1_32(name.encode()) for name in "ABCD"]
    assert hashes == [84696414, 84696413, 84696412, 84696411]


@pytest.mark.parametrize("key", ["default/nginx", "prod/api", "cluster-scoped"])
@pytest.mark.parametrize("replicas", [1, 2, 3])
def test_equal_weights_follow_the_hash_of_name_and_key(key: str, replicas: int) -> None:
    clusters = ["member-1", "member-2", "member-3", "member-4", "member-5"]
    by_hash = sorted(clusters, key=lambda name: reference_fnv1_32((name + key).encode()))
    expected = {name: int(name in by_hash[:replicas]) for name in clusters}
    result = plan_spread({"*": pref(weight=1)}, replicas, clusters, key)
    assert result == PlanResult(expected, {})


def test_weight_outranks_hash() -> None:
    clusters = ["member-1", "member-2", "member-3"]
    key = "default/nginx"
    first_by_hash = min(clusters, key=lambda name: reference_fnv1_32((name + key).encode()))
    heavier = next(name for name in clusters if name != first_by_hash)
    preferences = {name: pref(weight=2 if name == heavier else 1) for name in clusters}
    # ceil(1 * 2 / 4) = 1 goes to the heavier cluster, leaving nothing for the others.
    result = plan_spread(preferences, 1, clusters, key)
    assert result.plan == {name: int(name == heavier) for name in clusters}


# rsp_test.go, TestCalcWeightLimit (supply limit ratio 1.0). A cluster without resource data,
# or without the resource, counts as 0.
@pytest.mark.parametrize(
    ("allocatable", "expected"),
    [
        pytest.param(
            {"cluster1": 100, "cluster2": 100}, {"cluster1": 500, "cluster2": 500}, id="same"
        ),
        pytest.param(
            {"cluster1": 3000, "cluster2": 4000, "cluster3": 3000},
            {"cluster1": 300, "cluster2": 400, "cluster3": 300},
            id="different",
        ),
        pytest.param(
            {"cluster1": 0, "cluster2": 7000, "cluster3": 3000},
            {"cluster1": 0, "cluster2": 700, "cluster3": 300},
            id="one-missing",
        ),
        pytest.param(
            {"cluster1": 0, "cluster2": 0, "cluster3": 0},
            {"cluster1": 333, "cluster2": 333, "cluster3": 333},
            id="all-missing",
        ),
        pytest.param({}, {"cluster1": 333, "cluster2": 333, "cluster3": 333}, id="no-gpu"),
        pytest.param(
            {"cluster3": 3000},
            {"cluster1": 0, "cluster2": 0, "cluster3": 1000},
            id="one-has-gpu",
        ),
        pytest.param(
            {"cluster2": 7000, "cluster3": 3000},
            {"cluster1": 0, "cluster2": 700, "cluster3": 300},
            id="two-have-gpu",
        ),
    ],
)
def test_weight_limits(allocatable: Counts, expected: Counts) -> None:
    assert weight_limits(list(expected), allocatable, supply_limit_ratio=1.0) == expected


def test_weight_limits_round_halves_away_from_zero() -> None:
    # 62.5 and 937.5: Go's math.Round goes up, Python's round() would go to even.
    assert weight_limits(["a", "b"], {"a": 1, "b": 15}, supply_limit_ratio=1.0) == {
        "a": 63,
        "b": 938,
    }


# rsp_test.go, TestAvailableToPercentage (limits from the same clusters at ratio 1.0).
@pytest.mark.parametrize(
    ("allocatable", "available", "expected"),
    [
        pytest.param(
            {"cluster1": 100, "cluster2": 100},
            {"cluster1": 50, "cluster2": 50},
            {"cluster1": 500, "cluster2": 500},
            id="test1",
        ),
        # Limits 500/500, capped 500/200, so 500/700 and 200/700 of 1000.
        pytest.param(
            {"cluster1": 100, "cluster2": 100},
            {"cluster1": 40, "cluster2": 10},
            {"cluster1": 714, "cluster2": 286},
            id="test2",
        ),
        pytest.param({}, {}, {"cluster1": 1000}, id="empty"),
        pytest.param(
            {"cluster2": 400, "cluster3": 200},
            {"cluster2": 100, "cluster3": 100},
            {"cluster1": 0, "cluster2": 600, "cluster3": 400},
            id="one-missing",
        ),
        # makeClusterWithCPU(-1, 100) reports no resources at all.
        pytest.param({}, {}, {"cluster1": 333, "cluster2": 333, "cluster3": 333}, id="all-missing"),
        pytest.param({}, {}, {"cluster1": 333, "cluster2": 333, "cluster3": 333}, id="no-gpu"),
        pytest.param(
            {"cluster3": 3000},
            {"cluster3": 3000},
            {"cluster1": 0, "cluster2": 0, "cluster3": 1000},
            id="one-has-gpu",
        ),
        pytest.param(
            {"cluster2": 7000, "cluster3": 3000},
            {"cluster2": 7000, "cluster3": 3000},
            {"cluster1": 0, "cluster2": 700, "cluster3": 300},
            id="two-have-gpu",
        ),
    ],
)
def test_capacity_weights(allocatable: Counts, available: Counts, expected: Counts) -> None:
    result = capacity_weights(list(expected), allocatable, available, supply_limit_ratio=1.0)
    assert result == expected


def test_capacity_weights_remainder_goes_to_first_heaviest() -> None:
    # Limits 467 each, shares 333 each: the missing 1 goes to the first of the equals
    # (KubeAdmiral picks one of them in map order).
    clusters = ["x", "y", "z"]
    equal = dict.fromkeys(clusters, 10)
    assert capacity_weights(clusters, equal, equal) == {"x": 334, "y": 333, "z": 333}


def test_capacity_weights_supply_limit_caps_a_free_cluster() -> None:
    # small holds 10% of allocatable but 90% of what is free: its cap is 10% * 1.4 = 140.
    weights = capacity_weights(["small", "big"], {"small": 10, "big": 90}, {"small": 90, "big": 10})
    # Capped 140 and 100, renormalized to 583 and 417.
    assert weights == {"small": 583, "big": 417}


def cpu(name: str, allocatable: int, available: int, tainted: bool = False) -> MemberCluster:
    return MemberCluster(name, allocatable, available, tainted)


def bare(name: str, tainted: bool = False) -> MemberCluster:
    return MemberCluster(name, no_schedule_taint=tainted)


C123 = ["cluster1", "cluster2", "cluster3"]
W235 = {"cluster1": 2, "cluster2": 3, "cluster3": 5}

# rsp_test.go: TestClusterWeights, TestNoScheduleTaint, TestMinReplicas, TestMaxReplicas. The
# scheduling units there leave avoidDisruption false and have an empty key. A cluster's
# no_schedule_taint is set when its NoSchedule taint is not tolerated.
SPREAD_PLUGIN_CASES = [
    (
        "dynamic-weights",
        DivideUnit("", 10, avoid_disruption=False),
        [cpu("cluster1", 200, 200), cpu("cluster2", 300, 300), cpu("cluster3", 500, 500)],
        [("cluster1", 2), ("cluster2", 3), ("cluster3", 5)],
    ),
    (
        "static-weights",
        DivideUnit("", 10, weights=W235, avoid_disruption=False),
        [bare(name) for name in C123],
        [("cluster1", 2), ("cluster2", 3), ("cluster3", 5)],
    ),
    (
        "some-static-weights",
        DivideUnit("", 10, weights={"cluster1": 2, "cluster2": 3}, avoid_disruption=False),
        [bare(name) for name in C123],
        [("cluster1", 4), ("cluster2", 6)],
    ),
    (
        "taint-static-scale-up",
        DivideUnit("", 18, weights=W235, current={"cluster1": 2}, avoid_disruption=False),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 2), ("cluster2", 6), ("cluster3", 10)],
    ),
    (
        "taint-dynamic-scale-up",
        DivideUnit("", 18, current={"cluster1": 2}, avoid_disruption=False),
        [
            cpu("cluster1", 200, 200, tainted=True),
            cpu("cluster2", 300, 300),
            cpu("cluster3", 500, 500),
        ],
        [("cluster1", 2), ("cluster2", 6), ("cluster3", 10)],
    ),
    (
        "taint-some-static-scale-up",
        DivideUnit(
            "",
            10,
            weights={"cluster1": 2, "cluster2": 3},
            current={"cluster1": 2},
            avoid_disruption=False,
        ),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 2), ("cluster2", 8)],
    ),
    (
        "taint-static-first-schedule",
        DivideUnit("", 8, weights=W235, avoid_disruption=False),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster2", 3), ("cluster3", 5)],
    ),
    (
        "taint-static-scale-down",
        DivideUnit(
            "",
            10,
            weights=W235,
            current={"cluster1": 4, "cluster2": 6, "cluster3": 10},
            avoid_disruption=False,
        ),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 2), ("cluster2", 3), ("cluster3", 5)],
    ),
    (
        "taint-dynamic-scale-down",
        DivideUnit(
            "", 10, current={"cluster1": 4, "cluster2": 6, "cluster3": 10}, avoid_disruption=False
        ),
        [
            cpu("cluster1", 200, 200, tainted=True),
            cpu("cluster2", 300, 300),
            cpu("cluster3", 500, 500),
        ],
        [("cluster1", 2), ("cluster2", 3), ("cluster3", 5)],
    ),
    (
        "taint-some-static-scale-down",
        DivideUnit(
            "",
            5,
            weights={"cluster1": 2, "cluster2": 3},
            current={"cluster1": 4, "cluster2": 6, "cluster3": 5},
            avoid_disruption=False,
        ),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 2), ("cluster2", 3)],
    ),
    (
        # cluster1's taint is tolerated, cluster2's is not.
        "taint-tolerated",
        DivideUnit(
            "", 17, weights=W235, current={"cluster1": 2, "cluster2": 3}, avoid_disruption=False
        ),
        [bare("cluster1"), bare("cluster2", tainted=True), bare("cluster3")],
        [("cluster1", 4), ("cluster2", 3), ("cluster3", 10)],
    ),
    (
        "min-replicas",
        DivideUnit(
            "", 10, weights=W235, min_replicas=dict.fromkeys(C123, 3), avoid_disruption=False
        ),
        [bare(name) for name in C123],
        [("cluster1", 3), ("cluster2", 3), ("cluster3", 4)],
    ),
    (
        "max-replicas",
        DivideUnit(
            "", 10, weights=W235, max_replicas=dict.fromkeys(C123, 1), avoid_disruption=False
        ),
        [bare(name) for name in C123],
        [("cluster1", 1), ("cluster2", 1), ("cluster3", 1)],
    ),
    (
        "max-below-current-and-taint",
        DivideUnit(
            "",
            10,
            weights=W235,
            max_replicas=dict.fromkeys(C123, 1),
            current={"cluster1": 2},
            avoid_disruption=False,
        ),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 1), ("cluster2", 1), ("cluster3", 1)],
    ),
    (
        "max-above-current-and-taint",
        DivideUnit(
            "",
            12,
            weights=dict.fromkeys(C123, 1),
            max_replicas=dict.fromkeys(C123, 3),
            current={"cluster1": 2},
            avoid_disruption=False,
        ),
        [bare("cluster1", tainted=True), bare("cluster2"), bare("cluster3")],
        [("cluster1", 2), ("cluster2", 3), ("cluster3", 3)],
    ),
]


@pytest.mark.parametrize(
    ("unit", "clusters", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in SPREAD_PLUGIN_CASES],
)
def test_spread_plugin(
    unit: DivideUnit, clusters: list[MemberCluster], expected: list[tuple[str, int]]
) -> None:
    # The result lists clusters in selection order, like KubeAdmiral's ClusterReplicasList.
    assert list(spread(unit, clusters).items()) == expected


# The rest follows from the plugins' rules rather than from a KubeAdmiral test.
def test_nothing_is_placed_without_replicas_or_clusters() -> None:
    clusters = [bare("a"), bare("b")]
    assert spread(DivideUnit("ns/x", 0, weights={"a": 1}), clusters) == {}
    assert binpack(DivideUnit("ns/x", 0), clusters) == {}
    assert spread(DivideUnit("ns/x", 3, weights={"a": 1}), []) == {}
    assert binpack(DivideUnit("ns/x", 3), []) == {}


def test_spread_unrecorded_current_counts_as_desired() -> None:
    # a holds "all" 10 replicas and is tainted, so its max becomes 10; with avoidDisruption
    # nothing moves as the current total already matches.
    unit = DivideUnit("ns/x", 10, weights={"a": 1, "b": 1}, current={"a": None})
    assert spread(unit, [bare("a", tainted=True), bare("b")]) == {"a": 10}


def test_spread_negative_estimates_are_ignored() -> None:
    unit = DivideUnit(
        "",
        10,
        weights={"a": 1, "b": 1},
        estimated_capacity={"a": -1, "b": 2},
        avoid_disruption=False,
    )
    # b (first by hash) holds 2 and overflows 3, kept as avoidDisruption is off; a takes the
    # rest, so b is placed with 2 + 3.
    assert spread(unit, [bare("a"), bare("b")]) == {"a": 8, "b": 5}
    result = plan_spread(
        {"a": pref(weight=1), "b": pref(weight=1)},
        10,
        ["a", "b"],
        "",
        estimated_capacity={"b": 2},
        avoid_disruption=False,
    )
    assert result == PlanResult({"a": 8, "b": 2}, {"b": 3})


def test_binpack_fills_in_selection_order_up_to_max() -> None:
    unit = DivideUnit(
        "ns/x", 12, max_replicas={"high": 5}, min_replicas={"low": 2}, avoid_disruption=False
    )
    assert list(binpack(unit, [bare("high"), bare("mid"), bare("low")]).items()) == [
        ("high", 5),
        ("mid", 5),
        ("low", 2),
    ]


def test_binpack_keeps_existing_replicas_when_avoiding_disruption() -> None:
    # Scale-up goes to the clusters below their desired count in fill order; the replicas
    # already in "second" stay there.
    unit = DivideUnit("ns/x", 10, current={"second": 4})
    assert binpack(unit, [bare("first"), bare("second")]) == {"first": 6, "second": 4}


def test_binpack_tainted_cluster_is_skipped_for_new_replicas() -> None:
    unit = DivideUnit("ns/x", 10, current={"first": 3}, avoid_disruption=False)
    assert binpack(unit, [bare("first", tainted=True), bare("second")]) == {"first": 3, "second": 7}


def test_binpack_waits_for_scheduled_replicas_feedback() -> None:
    # The estimate (4) disagrees with what is scheduled (3): planning is deferred and the
    # current replicas come back unchanged.
    unit = DivideUnit(
        "ns/x",
        10,
        current={"first": 6, "second": 4},
        estimated_capacity={"first": 4},
        scheduled_replicas={"first": 3},
    )
    assert binpack(unit, [bare("first"), bare("second")]) == {"first": 6, "second": 4}


def test_binpack_scale_down_empties_the_last_clusters_first() -> None:
    # Desired a=2, b=2, c=2; a and b hold 4 each. The 2 extra replicas come out of b, the later
    # of the two in fill order, not out of each in proportion.
    unit = DivideUnit("ns/x", 6, max_replicas={"a": 2, "b": 2}, current={"a": 4, "b": 4})
    assert binpack(unit, [bare("a"), bare("b"), bare("c")]) == {"a": 4, "b": 2}


def test_binpack_returns_scheduled_replicas_once_they_add_up() -> None:
    # a is over its limited capacity, so planning runs; the scheduled replicas, counted
    # within the limit, add up to the total, so they are returned as they are.
    result = plan_binpack(
        {},
        10,
        ["a", "b"],
        current={"a": 8, "b": 5},
        limited_capacity={"a": 5},
        scheduled_replicas={"a": 8, "b": 5},
    )
    assert result == PlanResult({"a": 8, "b": 5}, {})
    # Keeping unschedulable replicas skips that shortcut: a is cut to its limit.
    kept = plan_binpack(
        {},
        10,
        ["a", "b"],
        current={"a": 8, "b": 5},
        limited_capacity={"a": 5},
        keep_unschedulable_replicas=True,
        scheduled_replicas={"a": 8, "b": 5},
    )
    assert kept == PlanResult({"a": 5, "b": 5}, {})


def test_spread_scale_up_caps_only_by_a_clusters_own_max() -> None:
    # minReplicas above maxReplicas with weight 0 leaves the desired count at the minimum (5).
    # Scaling up from 0 then caps at max - current only when the cluster has its own entry.
    own = plan_spread({"A": pref(min_replicas=5, max_replicas=3)}, 5, ["A"], "", current={"A": 0})
    star = plan_spread({"*": pref(min_replicas=5, max_replicas=3)}, 5, ["A"], "", current={"A": 0})
    assert own.plan == {"A": 3}
    assert star.plan == {"A": 5}
