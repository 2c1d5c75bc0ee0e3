"""WorkloadAffinity and WorkloadAntiAffinity (Karmada v1.17's filter plugins).

A cluster the binding already targets always passes: these filters never move what runs.
Otherwise an affinity group's workload may only go where every other workload of its group
that is placed somewhere runs (the first of a group goes anywhere), and an anti-affinity
group's workload never where another of its group runs.
"""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput

AFFINITY = "WorkloadAffinity"
ANTI_AFFINITY = "WorkloadAntiAffinity"
# what each check reads of the request
READS_AFFINITY = frozenset({"groups", "affinity_peers", "previous"})
READS_ANTI_AFFINITY = frozenset({"groups", "anti_affinity_peers", "previous"})


def check_affinity(request: ScheduleInput, cluster: Cluster) -> str | None:
    if request.groups is None or cluster.name in request.previous:
        return None
    for peer in request.affinity_peers:
        if cluster.name not in peer.clusters:
            return (
                f"{peer.resource}, of the same affinity group "
                f"{request.groups.affinity}, is not placed on it"
            )
    return None


def check_anti_affinity(request: ScheduleInput, cluster: Cluster) -> str | None:
    if request.groups is None or cluster.name in request.previous:
        return None
    for peer in request.anti_affinity_peers:
        if cluster.name in peer.clusters:
            return (
                f"{peer.resource}, of the same anti-affinity group "
                f"{request.groups.anti_affinity}, is placed on it"
            )
    return None
