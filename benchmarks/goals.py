"""The goals of run.py's rows, per fleet size, and whether a measurement meets them.

CPU goals compare with the floor (or hubless's own cold render) measured in the same run,
so they hold on a busy machine too; wall goals are what a user waits, in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from timing import Sample
from writes import Writes

# The rows, in the order they are printed.
COLD = "cold"
COLD_NO_VALIDATE = "cold-no-validate"
CLONESETS = "clonesets"
KUSTOMIZE = "kustomize"
NOOP = "noop"
NOOP_AGAIN = "noop-again"
CHECK = "check"
CHECK_NO_CACHE = "check-no-cache"
TEMPLATE = "template"
CLUSTER = "cluster"
OVERRIDE = "override"
VALIDATE = "validate"
DIFF = "diff"
FLOOR = "floor"

LABELS = {
    COLD: "cold `hubless render` (validation on)",
    COLD_NO_VALIDATE: "cold render --no-validate (informative)",
    CLONESETS: "cold render, CloneSets via Lua (informative)",
    KUSTOMIZE: "kustomize overlays, same output",
    NOOP: "no-op render, first after a render",
    NOOP_AGAIN: "no-op render, repeated",
    CHECK: "render --check, nothing changed (informative)",
    CHECK_NO_CACHE: "render --check --no-cache, nothing changed (informative: a pull request's CI)",
    TEMPLATE: "one template changed",
    CLUSTER: "one cluster added (inventory change)",
    OVERRIDE: "one OverridePolicy rule changed for one cluster",
    VALIDATE: "`hubless validate`",
    DIFF: "`hubless diff --base HEAD~1`, one template changed",
    FLOOR: "floor: PyYAML C emitter, 2 processes",
}

Kind = Literal["cpu/floor", "cpu/cold", "wall", "rss", "kustomize/cold"]


@dataclass(frozen=True, slots=True)
class Limit:
    """One bound: `kind` names the quantity, `bound` its largest (smallest for kustomize)
    allowed value."""

    kind: Kind
    bound: float

    def describe(self) -> str:
        match self.kind:
            case "cpu/floor":
                return f"CPU ≤ {self.bound:g} x floor"
            case "cpu/cold":
                return f"CPU ≤ {self.bound:g} x cold render"
            case "wall":
                return f"≤ {self.bound:g} s wall"
            case "rss":
                return f"peak RSS ≤ {self.bound / 1024:g} GiB"
            case "kustomize/cold":
                return f"CPU ≥ {self.bound:g} x hubless cold"

    def value(self, sample: Sample, floor: Sample, cold: Sample) -> float:
        match self.kind:
            case "cpu/floor":
                return sample.cpu / floor.cpu
            case "cpu/cold":
                return sample.cpu / cold.cpu
            case "wall":
                return sample.wall
            case "rss":
                return sample.rss_mib
            case "kustomize/cold":
                return sample.cpu / cold.cpu

    def measured(self, value: float) -> str:
        match self.kind:
            case "cpu/floor":
                return f"CPU {value:.3f} x floor"
            case "cpu/cold":
                return f"CPU {value:.2f} x cold"
            case "wall":
                return f"{value:.2f} s wall"
            case "rss":
                return f"{value:.0f} MiB"
            case "kustomize/cold":
                return f"{value:.1f} x hubless CPU"

    def met(self, value: float) -> bool:
        return value >= self.bound if self.kind == "kustomize/cold" else value <= self.bound


# The rows where only the changed files may be written, and the verdict counts at every size.
WRITES_CHECKED = (TEMPLATE, CLUSTER, OVERRIDE)

GOALS: dict[str, dict[str, tuple[Limit, ...]]] = {
    "100x50": {
        COLD: (Limit("cpu/floor", 1),),
        KUSTOMIZE: (Limit("kustomize/cold", 20),),
        NOOP: (Limit("cpu/floor", 0.1),),
        NOOP_AGAIN: (Limit("cpu/floor", 0.1),),
        TEMPLATE: (Limit("cpu/floor", 0.1),),
        CLUSTER: (Limit("cpu/floor", 0.25),),
        VALIDATE: (Limit("cpu/cold", 1),),
    },
    "1000x100": {
        COLD: (Limit("cpu/floor", 0.5), Limit("rss", 1024)),
        KUSTOMIZE: (Limit("kustomize/cold", 20),),
        NOOP: (Limit("wall", 1),),
        NOOP_AGAIN: (Limit("wall", 1),),
        TEMPLATE: (Limit("wall", 2),),
        CLUSTER: (Limit("wall", 2),),
        OVERRIDE: (Limit("wall", 2),),
        VALIDATE: (Limit("cpu/cold", 1),),
        DIFF: (Limit("wall", 3),),
    },
}


@dataclass(frozen=True)
class Verdict:
    goal: str  # the goal as printed, "" when the row has none
    within: bool | None  # None: no goal, or not measured
    text: str


def judge(
    limits: tuple[Limit, ...],
    sample: Sample | None,
    floor: Sample,
    cold: Sample,
    writes: Writes | None = None,
    missing: str = "not measured",
) -> Verdict:
    """Whether `sample` (and the row's writes, when checked) meets every limit."""
    parts = [limit.describe() for limit in limits]
    if writes is not None:
        parts.append("only changed files written")
    goal = "; ".join(parts)
    if sample is None:
        return Verdict(goal, None, missing)
    if not parts:
        return Verdict(goal, None, "-")
    values, missed = [], False
    for limit in limits:
        value = limit.value(sample, floor, cold)
        met = limit.met(value)
        values.append(limit.measured(value) + ("" if met else " (missed)"))
        missed = missed or not met
    if writes is not None:
        values.append(writes.text())
        missed = missed or not writes.ok
    return Verdict(goal, not missed, ("NO: " if missed else "yes: ") + "; ".join(values))
