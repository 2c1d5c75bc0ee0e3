"""Cluster filters: each returns None when a cluster passes, or the reason it does not.

One module per filter, registered here in Karmada's order, as Karmada registers its plugins.
"""

from __future__ import annotations

from collections.abc import Callable

from hubless.model import Cluster
from hubless.scheduler.filters import (
    api_enablement,
    cluster_affinity,
    cluster_eviction,
    spread_constraint,
    taint_toleration,
    workload_affinity,
)
from hubless.scheduler.input import ScheduleInput

Filter = Callable[[ScheduleInput, Cluster], "str | None"]

FILTERS: tuple[tuple[str, Filter], ...] = (
    (api_enablement.NAME, api_enablement.check),
    # before TaintToleration, so that an evicted cluster says why it was left
    (cluster_eviction.NAME, cluster_eviction.check),
    ("TaintToleration", taint_toleration.check),
    ("ClusterAffinity", cluster_affinity.check),
    ("SpreadConstraint", spread_constraint.check),
    (workload_affinity.ANTI_AFFINITY, workload_affinity.check_anti_affinity),
    (workload_affinity.AFFINITY, workload_affinity.check_affinity),
)
