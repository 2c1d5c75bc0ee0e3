"""Each resource across the clusters whose folder holds it, summed up as Karmada sums its
members' status into the binding: how many clusters are current, how many report it
healthy, and the replicas ready of those desired, from each cluster's live object. A kind
with a statusAggregation script also gets the status that script makes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubless.errors import Problem
from hubless.interpreter.interpreters import Interpreters
from hubless.model import ResourceKey
from hubless.status.clusters import ClusterState, Expected
from hubless.status.health import Health, Replicas
from hubless.status.interpreting import Member, aggregate


@dataclass(frozen=True)
class ResourceSummary:
    resource: ResourceKey
    clusters: tuple[str, ...]  # whose folder holds it
    current: int  # of those, the clusters that are current
    healthy: int  # ... that report it healthy
    replicas: Replicas | None  # summed over the clusters whose live object gives them
    replicas_from: int  # how many clusters that is
    health_by: tuple[str, ...] = ()  # the customizations whose scripts judged its health
    aggregated: Mapping[str, Any] | None = None  # the statusAggregation script's `.status`
    aggregated_by: str | None = None
    problems: tuple[Problem, ...] = ()  # a status script that failed on it


def _template(key: ResourceKey, states: list[ClusterState]) -> dict[str, Any]:
    """The object a statusAggregation script is given when templates/ has none for the key
    (a dependency or another dialect's object): its identity, as the clusters report it."""
    api_version = next(
        (
            str(o.body.get("apiVersion", ""))
            for state in states
            if (o := state.objects.get(key)) is not None and o.body is not None
        ),
        "",
    )
    metadata = {"name": key.name} | ({"namespace": key.namespace} if key.namespace else {})
    return {"apiVersion": api_version, "kind": key.kind, "metadata": metadata}


def resource_summaries(
    expected: Mapping[str, Expected],
    states: Mapping[str, ClusterState],
    interpreters: Interpreters | None = None,
    templates: Mapping[ResourceKey, Mapping[str, Any]] | None = None,
) -> list[ResourceSummary]:
    """`templates` are the resource templates of templates/ at HEAD, what Karmada gives a
    statusAggregation script as the object to write the status into."""
    interpreters = Interpreters() if interpreters is None else interpreters
    holders: dict[ResourceKey, list[str]] = {}
    for cluster in sorted(expected):
        for key in expected[cluster].objects:
            holders.setdefault(key, []).append(cluster)
    summaries = []
    for key in sorted(holders):
        clusters = holders[key]
        current = sum(1 for c in clusters if states[c].current)
        objects = [states[c].objects.get(key) for c in clusters]
        healthy = sum(1 for o in objects if o is not None and o.health is Health.HEALTHY)
        counted = [o.replicas for o in objects if o is not None and o.replicas is not None]
        replicas = (
            Replicas(sum(r.desired for r in counted), sum(r.ready for r in counted))
            if counted
            else None
        )
        judges = sorted({o.judged_by for o in objects if o is not None and o.judged_by})
        template = (templates or {}).get(key) or _template(key, [states[c] for c in clusters])
        members = [
            Member(
                c,
                o is not None and o.missing is False,
                o.health if o else Health.UNKNOWN,
                o.body if o else None,
            )
            for c, o in zip(clusters, objects, strict=True)
        ]
        aggregated = aggregate(interpreters, template, members, str(key))
        summaries.append(
            ResourceSummary(
                key,
                tuple(clusters),
                current,
                healthy,
                replicas,
                len(counted),
                tuple(judges),
                aggregated.status,
                aggregated.by,
                aggregated.problems,
            )
        )
    return summaries
