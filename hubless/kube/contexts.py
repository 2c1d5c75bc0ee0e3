"""Which kubeconfig context reaches which cluster of the inventory."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hubless.errors import UserError
from hubless.model import Cluster

# On a Cluster object: the kubeconfig context that reaches it.
CONTEXT_ANNOTATION = "hubless.io/kubeconfig-context"


def parse_context_options(options: Iterable[str]) -> dict[str, str]:
    """`--context CLUSTER=CONTEXT` options as cluster -> context."""
    found: dict[str, str] = {}
    for option in options:
        cluster, sep, context = option.partition("=")
        if not sep or not cluster or not context:
            raise UserError.at(None, f"--context {option!r}: expected CLUSTER=CONTEXT")
        if found.get(cluster, context) != context:
            raise UserError.at(None, f"--context names two contexts for cluster {cluster}")
        found[cluster] = context
    return found


def context_for(cluster: Cluster, given: Mapping[str, str]) -> str:
    """`--context CLUSTER=CONTEXT` first, then the Cluster's annotation, then its name."""
    return given.get(cluster.name) or cluster.kubeconfig_context or cluster.name


def unknown_clusters(given: Mapping[str, str], clusters: Iterable[Cluster]) -> list[str]:
    """--context names that are no cluster of the inventory."""
    names = {cluster.name for cluster in clusters}
    return sorted(name for name in given if name not in names)
