"""How `hubless status` reads a live object: through the resource interpreters first.

For each operation Karmada asks a ResourceInterpreterCustomization of policies/, then
hubless's built-in one, then its native rules (hubless.interpreter.interpreters):

- health: InterpretHealth, else `health.interpret_health` (a kind no rule judges is
  Healthy once it exists, as Karmada's work status controller counts it);
- the status a member reports: ReflectStatus, else `reflect.reflect_status`;
- the template's status from its members: AggregateStatus, given one AggregatedStatusItem
  per cluster as Karmada's binding controller builds them. Only a script's answer is shown:
  native kinds keep hubless's own summary.

A script that fails is an error at its line: the object's health is then Unknown (as
Karmada records a failed interpretation) and every other object is judged as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.errors import Problem, UserError
from hubless.interpreter.customization import AGGREGATION, HEALTH
from hubless.interpreter.interpreters import Interpreters
from hubless.status.health import Health, interpret_health
from hubless.status.reflect import reflect_status


@dataclass(frozen=True)
class Judged:
    """An object's health and who judged it."""

    health: Health
    by: str | None  # the customization whose script judged it; None for the native rule
    problems: tuple[Problem, ...] = ()


def _failure(error: UserError) -> tuple[Problem, ...]:
    return tuple(error.problems)


def judge_health(interpreters: Interpreters, body: Mapping[str, Any], about: str) -> Judged:
    chosen = interpreters.chosen(str(body.get("apiVersion", "")), str(body.get("kind", "")), HEALTH)
    if chosen is None:
        return Judged(interpret_health(body), None)
    try:
        answer = interpreters.health(body, about)
    except UserError as error:
        return Judged(Health.UNKNOWN, chosen.describe, _failure(error))
    healthy = answer is not None and answer[0]
    return Judged(Health.HEALTHY if healthy else Health.UNHEALTHY, chosen.describe)


@dataclass(frozen=True)
class Reflected:
    status: Any  # None: no status recorded
    problems: tuple[Problem, ...] = ()


def reflect(interpreters: Interpreters, body: Mapping[str, Any], about: str) -> Reflected:
    try:
        answer = interpreters.reflect_status(body, about)
    except UserError as error:
        return Reflected(None, _failure(error))
    if answer is None:
        return Reflected(reflect_status(body))
    status, _ = answer
    return Reflected(status)


@dataclass(frozen=True)
class Member:
    """What one cluster tells of a template's object, before it becomes a status item."""

    cluster: str
    applied: bool  # the object is on the cluster (Karmada: the Work's Applied condition)
    health: Health
    body: Mapping[str, Any] | None  # the live object, when read


@dataclass(frozen=True)
class Aggregated:
    status: Mapping[str, Any] | None  # None: no statusAggregation script applies
    by: str | None
    problems: tuple[Problem, ...] = ()


def aggregate(
    interpreters: Interpreters,
    template: Mapping[str, Any],
    members: Sequence[Member],
    about: str,
) -> Aggregated:
    """The template's `.status` as its AggregateStatus script makes it from the members
    (sorted by cluster name, as Karmada sorts the binding's items)."""
    api_version, kind = str(template.get("apiVersion", "")), str(template.get("kind", ""))
    chosen = interpreters.chosen(api_version, kind, AGGREGATION)
    if chosen is None:
        return Aggregated(None, None)
    problems: list[Problem] = []
    items = []
    for member in sorted(members, key=lambda m: m.cluster):
        item: dict[str, Any] = {"clusterName": member.cluster, "applied": member.applied}
        # Not applied: Karmada records no status and Unknown health.
        item["health"] = member.health.value if member.applied else Health.UNKNOWN.value
        if member.applied and member.body is not None:
            reflected = reflect(interpreters, member.body, f"{about} on {member.cluster}")
            problems.extend(reflected.problems)
            if reflected.problems:
                # The work status controller stops before it judges health.
                item["health"] = Health.UNKNOWN.value
            elif reflected.status is not None:
                item["status"] = reflected.status
        items.append(item)
    try:
        # No member: the binding's aggregatedStatus is a nil list, which the script sees as nil.
        answer = interpreters.aggregate_status(template, items or None, about)
    except UserError as error:
        return Aggregated(None, chosen.describe, (*problems, *_failure(error)))
    if answer is None:  # pragma: no cover - chosen above
        return Aggregated(None, None, tuple(problems))
    aggregated, _ = answer
    status = aggregated.get("status")
    return Aggregated(
        dict(status) if isinstance(status, Mapping) else {}, chosen.describe, tuple(problems)
    )
