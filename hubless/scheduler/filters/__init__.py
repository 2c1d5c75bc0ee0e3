"""Cluster filters: each returns None when a cluster passes, or the reason it does not.

One module per filter, registered here in Karmada's order, as Karmada registers its plugins.
Each declares what it reads of the request: a filter must be a pure function of those
fields and the cluster (hubless.scheduler.verdicts keeps its verdicts by them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

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


class Plugin(NamedTuple):
    name: str
    check: Filter
    # the ScheduleInput fields `check` reads; previous, served_here and evicted only at
    # the cluster's own name
    reads: frozenset[str]


FILTERS: tuple[Plugin, ...] = (
    Plugin(api_enablement.NAME, api_enablement.check, api_enablement.READS),
    # before TaintToleration, so that an evicted cluster says why it was left
    Plugin(cluster_eviction.NAME, cluster_eviction.check, cluster_eviction.READS),
    Plugin(taint_toleration.NAME, taint_toleration.check, taint_toleration.READS),
    Plugin(cluster_affinity.NAME, cluster_affinity.check, cluster_affinity.READS),
    Plugin(spread_constraint.NAME, spread_constraint.check, spread_constraint.READS),
    Plugin(
        workload_affinity.ANTI_AFFINITY,
        workload_affinity.check_anti_affinity,
        workload_affinity.READS_ANTI_AFFINITY,
    ),
    Plugin(
        workload_affinity.AFFINITY,
        workload_affinity.check_affinity,
        workload_affinity.READS_AFFINITY,
    ),
)
