"""What the policies say about the cluster inventory: names of clusters that do not exist.

Karmada matches a cluster name that is not in the inventory with nothing and says
nothing; a typo then quietly places a workload nowhere (or divides it among fewer
clusters). Every such name is a warning at the policy or rule that wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator

from hubless.errors import Problem, Source
from hubless.model import ClusterAffinity, Fleet


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
    warnings = []
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
