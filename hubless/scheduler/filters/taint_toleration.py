"""TaintToleration: NoSchedule and NoExecute taints must be tolerated.

PreferNoSchedule is ignored, and clusters of the previous placement always pass, as in
Karmada (a new taint does not evict what is already there).
"""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput
from hubless.selectors import tolerates

NAME = "TaintToleration"
READS = frozenset({"placement", "previous"})  # what `check` reads of the request


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    if cluster.name in request.previous:
        return None
    tolerations = request.placement.cluster_tolerations
    for taint in cluster.taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            value = f"={taint.value}" if taint.value else ""
            return f"taint {taint.key}{value}:{taint.effect} is not tolerated"
    return None
