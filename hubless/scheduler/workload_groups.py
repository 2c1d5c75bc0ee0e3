"""workloadAffinity: a workload's groups and where the other workloads of each group run.

Karmada's detector names a binding's groups "<groupByLabelKey>=<the template's value>",
only for namespaced templates whose labels carry the key; its scheduler then reads every
other binding of the group in the same namespace from its cache. hubless's cache is the
render itself: workloads already scheduled in this render, and the placement record for
the ones not yet scheduled, in the order templates are scheduled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from hubless.model import ResourceKey, WorkloadAffinity


class WorkloadGroups(NamedTuple):
    """Karmada's WorkloadAffinityGroups ("" where a group is not set)."""

    affinity: str = ""
    anti_affinity: str = ""


class Peer(NamedTuple):
    """Another workload of a group and the clusters its binding targets."""

    resource: ResourceKey
    clusters: frozenset[str]


def groups_of(
    workload_affinity: WorkloadAffinity | None, labels: Mapping[str, str], namespace: str
) -> WorkloadGroups | None:
    """The groups Karmada's detector writes into the binding (getWorkloadAffinityGroups).
    Cluster-scoped templates have none: only ResourceBindings are grouped."""
    if workload_affinity is None or not namespace:
        return None
    affinity = anti_affinity = ""
    key = workload_affinity.affinity_key
    if key and key in labels:
        affinity = f"{key}={labels[key]}"
    key = workload_affinity.anti_affinity_key
    if key and key in labels:
        anti_affinity = f"{key}={labels[key]}"
    if not affinity and not anti_affinity:
        return None
    return WorkloadGroups(affinity, anti_affinity)


class PeerPlacements:
    """Where each grouped workload's binding targets, by namespace and group name."""

    def __init__(self) -> None:
        self._affinity: dict[tuple[str, str], dict[ResourceKey, frozenset[str]]] = {}
        self._anti_affinity: dict[tuple[str, str], dict[ResourceKey, frozenset[str]]] = {}
        self._groups: dict[ResourceKey, WorkloadGroups] = {}

    def place(self, resource: ResourceKey, groups: WorkloadGroups, clusters: Iterable[str]) -> None:
        """Record (or replace) where a workload's binding targets."""
        self.forget(resource)
        targets = frozenset(clusters)
        namespace = resource.namespace
        if groups.affinity:
            self._affinity.setdefault((namespace, groups.affinity), {})[resource] = targets
        if groups.anti_affinity:
            key = (namespace, groups.anti_affinity)
            self._anti_affinity.setdefault(key, {})[resource] = targets
        self._groups[resource] = groups

    def forget(self, resource: ResourceKey) -> None:
        groups = self._groups.pop(resource, None)
        if groups is None:
            return
        namespace = resource.namespace
        self._affinity.get((namespace, groups.affinity), {}).pop(resource, None)
        self._anti_affinity.get((namespace, groups.anti_affinity), {}).pop(resource, None)

    def affinity_peers(self, resource: ResourceKey, group: str) -> tuple[Peer, ...]:
        """The other workloads of the affinity group that target clusters (a workload
        placed nowhere constrains nobody), by resource."""
        members = self._affinity.get((resource.namespace, group), {}) if group else {}
        return _peers(members, resource)

    def anti_affinity_peers(self, resource: ResourceKey, group: str) -> tuple[Peer, ...]:
        members = self._anti_affinity.get((resource.namespace, group), {}) if group else {}
        return _peers(members, resource)


def _peers(
    members: Mapping[ResourceKey, frozenset[str]], resource: ResourceKey
) -> tuple[Peer, ...]:
    return tuple(
        Peer(key, clusters)
        for key, clusters in sorted(members.items())
        if key != resource and clusters
    )
