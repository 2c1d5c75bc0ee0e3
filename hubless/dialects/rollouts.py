"""hubless's own policy kind, hubless.io/v1alpha1 RolloutPolicy -> model.

Its resourceSelectors and each wave's `clusters` are written and read exactly as a
PropagationPolicy's resourceSelectors and ClusterAffinity are (the Karmada front end's
parsers). What spans policies and clusters is checked in hubless.rollout.checks.
"""

from __future__ import annotations

import re
from typing import Any

from hubless import policy_schemas
from hubless.dialects.karmada import parse_cluster_affinity, parse_resource_selectors
from hubless.documents import Document
from hubless.errors import UserError
from hubless.fields import Fields
from hubless.model import (
    AUTO,
    MANUAL,
    ROLLOUT_POLICY,
    MaxConcurrency,
    RolloutGates,
    RolloutPolicy,
    Wave,
)
from hubless.names import name_problem
from hubless.status.durations import parse_duration

API = "hubless.io/v1alpha1"
DIALECT = "hubless"
KINDS = {(API, ROLLOUT_POLICY)}

_PERCENT = re.compile(r"([0-9]+)%")


def _max_concurrency(wave: Fields) -> MaxConcurrency | None:
    value = wave.raw("maxConcurrency")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return MaxConcurrency(value)
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match and 1 <= int(match.group(1)) <= 100:
            return MaxConcurrency(int(match.group(1)), percent=True)
    raise wave.error(
        "maxConcurrency",
        f"must be a number of clusters (1 or more) or a percentage from 1% to 100%, not {value!r}",
    )


def _waves(spec: Fields) -> tuple[Wave, ...]:
    waves: list[Wave] = []
    named: dict[str, Wave] = {}
    for wave in spec.maps("waves"):
        name = wave.text("name", required=True)
        if not name:
            raise wave.error("name", "must not be empty")
        if name in named:
            raise wave.error("name", f"wave {name!r} is named twice (also at {named[name].source})")
        parsed = Wave(
            name=name,
            source=wave.source(),
            clusters=parse_cluster_affinity(wave.section("clusters")),
            max_concurrency=_max_concurrency(wave),
        )
        named[name] = parsed
        waves.append(parsed)
    return tuple(waves)


def _gates(spec: Fields) -> RolloutGates:
    gates = spec.section("gates")
    if gates is None:
        return RolloutGates()
    soak = None
    if "soak" in gates:
        try:
            soak = parse_duration(gates.text("soak"))
        except ValueError as exc:
            raise gates.error("soak", str(exc)) from None
    return RolloutGates(
        soak=soak,
        approval=gates.enum("approval", (MANUAL, AUTO), default=AUTO),
        healthy=gates.flag("healthy"),
    )


def parse(document: Document) -> Any:
    """A RolloutPolicy document, after its schema check."""
    problems = policy_schemas.check(document, ROLLOUT_POLICY)
    if problems:
        raise UserError(problems)
    top = Fields(document, document.data, "")
    metadata = top.section("metadata")
    assert metadata is not None  # the schema requires it
    if "namespace" in metadata:
        raise metadata.error("namespace", "a RolloutPolicy is cluster-scoped")
    name = metadata.text("name", required=True)
    problem = name_problem("hubless.io", ROLLOUT_POLICY, name)
    if problem is not None:
        raise metadata.error("name", problem)
    spec = top.section("spec")
    assert spec is not None
    return RolloutPolicy(
        name=name,
        source=document.source,
        resource_selectors=parse_resource_selectors(spec, ""),
        waves=_waves(spec),
        gates=_gates(spec),
    )
