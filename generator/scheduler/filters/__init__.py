"""Cluster filters: each returns None when a cluster passes, or the reason it does not.

One module per filter, registered here in one tuple, as Karmada registers its plugins.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.model import Cluster
from generator.scheduler.filters import cluster_affinity, taint_toleration
from generator.scheduler.input import ScheduleInput

Filter = Callable[[ScheduleInput, Cluster], "str | None"]

FILTERS: tuple[Filter, ...] = (
    cluster_affinity.check,
    taint_toleration.check,
)
