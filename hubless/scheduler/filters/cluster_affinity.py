"""ClusterAffinity: the cluster must match placement.clusterAffinity, or the
clusterAffinities term being tried (with its overflow affinities, for workloads).
No affinity at all: every cluster passes."""

from __future__ import annotations

from hubless.model import Cluster, ClusterAffinity
from hubless.scheduler.input import ScheduleInput
from hubless.selectors import affinity_mismatch

NAME = "ClusterAffinity"
READS = frozenset({"placement", "term", "is_workload"})  # what `check` reads of the request


def affinities(request: ScheduleInput) -> list[ClusterAffinity]:
    placement = request.placement
    if placement.cluster_affinity is not None:
        return [placement.cluster_affinity]
    if request.term is None:
        return []
    overflow = list(request.term.overflow) if request.is_workload else []
    return [request.term.affinity, *overflow]


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    candidates = affinities(request)
    if not candidates:
        return None
    reasons = []
    for affinity in candidates:
        reason = affinity_mismatch(affinity, cluster)
        if reason is None:
            return None
        reasons.append(reason)
    return reasons[0]
