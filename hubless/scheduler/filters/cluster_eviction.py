"""ClusterEviction: a cluster the taint manager evicts the resource from takes no part.

Karmada's plugin keeps out clusters in the binding's graceful eviction tasks; the taint
manager would evict the resource from any other such cluster as soon as it was placed
there, so hubless keeps out every cluster that evicts it now (hubless.failover).
"""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput

NAME = "ClusterEviction"
READS = frozenset({"evicted"})  # what `check` reads of the request


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    return request.evicted.get(cluster.name)
