"""ClusterAffinity: the cluster must match placement.clusterAffinity (none: all pass)."""

from __future__ import annotations

from generator.model import Cluster
from generator.scheduler.input import ScheduleInput
from generator.selectors import cluster_matches


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    affinity = request.placement.cluster_affinity
    if affinity is None or cluster_matches(affinity, cluster):
        return None
    return "does not match the placement's clusterAffinity"
