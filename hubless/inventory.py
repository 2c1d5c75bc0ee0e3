"""What the policies say about the cluster inventory: names of clusters that do not exist.

Karmada matches a cluster name that is not in the inventory with nothing and says
nothing; a typo then quietly places a workload nowhere (or divides it among fewer
clusters). Every such name is a warning at the policy or rule that wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from hubless.errors import Problem, Source
from hubless.model import Cluster, ClusterAffinity, Fleet
from hubless.quota.parse import unknown_cluster_warnings as quota_cluster_warnings


def _named(affinity: ClusterAffinity | None, where: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    if affinity is not None and affinity.cluster_names:
        yield where, affinity.cluster_names


def unknown_cluster_warnings(fleet: Fleet) -> list[Problem]:
    """One warning per field that names clusters missing from the inventory."""
    known = {cluster.name for cluster in fleet.clusters}
    found: list[tuple[Source, str, str, tuple[str, ...]]] = []
    for policy in fleet.propagation_policies:
        placement = policy.placement
        named = list(_named(placement.cluster_affinity, "placement.clusterAffinity"))
        for term in placement.cluster_affinities:
            named += _named(term.affinity, f"placement.clusterAffinities[{term.name}]")
        weights = placement.replica_scheduling.weight_preference
        for index, weight in enumerate(weights.static_weights if weights else ()):
            named += _named(weight.target, f"staticWeightList[{index}].targetCluster")
        found += [(policy.source, str(policy.ref), where, names) for where, names in named]
    for override in fleet.override_policies:
        for rule in override.rules:
            for where, names in _named(rule.target_cluster, "targetCluster"):
                found.append((rule.source, override.rule_name(rule), where, names))
    warnings = [w for quota in fleet.quotas for w in quota_cluster_warnings(quota, known)]
    for source, who, where, names in found:
        missing = sorted(set(names) - known)
        if missing:
            listed = ", ".join(repr(name) for name in missing)
            noun = "cluster" if len(missing) == 1 else "clusters"
            warnings.append(
                Problem.warning(
                    source,
                    f"{who} names {noun} {listed} in {where}.clusterNames, not in the "
                    "inventory: no cluster matches that name",
                )
            )
    return warnings


def stale_status_warnings(
    clusters: Iterable[Cluster], max_age: timedelta, now: datetime, option: str
) -> list[Problem]:
    """Clusters whose status `hubless clusters refresh` last wrote longer than `max_age`
    before `now`, or never (`option` is how the user spelled the age). Give only the
    clusters whose status a refresh writes."""
    warnings = []
    for cluster in clusters:
        try:
            refreshed = datetime.fromisoformat(cluster.refreshed_at)
        except ValueError:
            message = "was never refreshed"
        else:
            if now - refreshed <= max_age:
                continue
            message = f"was last refreshed at {cluster.refreshed_at}"
        warnings.append(
            Problem.warning(
                cluster.source,
                f"cluster {cluster.name}: status {message}, longer ago than {option}: "
                "placement uses what it says (run hubless clusters refresh)",
            )
        )
    return warnings
