"""Each resource across the clusters whose folder holds it, summed up as Karmada sums its
members' status into the binding: how many clusters are current, how many report it
healthy, and the replicas ready of those desired, from each cluster's live object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hubless.model import ResourceKey
from hubless.status.clusters import ClusterState, Expected
from hubless.status.health import Health, Replicas


@dataclass(frozen=True)
class ResourceSummary:
    resource: ResourceKey
    clusters: tuple[str, ...]  # whose folder holds it
    current: int  # of those, the clusters that are current
    healthy: int  # ... that report it healthy
    replicas: Replicas | None  # summed over the clusters whose live object gives them
    replicas_from: int  # how many clusters that is


def resource_summaries(
    expected: Mapping[str, Expected], states: Mapping[str, ClusterState]
) -> list[ResourceSummary]:
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
        summaries.append(
            ResourceSummary(key, tuple(clusters), current, healthy, replicas, len(counted))
        )
    return summaries
