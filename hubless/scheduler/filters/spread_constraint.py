"""SpreadConstraint: a cluster needs the property each spreadByField constraint groups by."""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput

NAME = "SpreadConstraint"
READS = frozenset({"placement"})  # what `check` reads of the request


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    for constraint in request.placement.spread_constraints:
        if constraint.field == "provider" and not cluster.provider:
            return "no spec.provider to spread by"
        if constraint.field == "region" and not cluster.region:
            return "no spec.region to spread by"
        if constraint.field == "zone" and not cluster.zones:
            return "no spec.zones to spread by"
    return None
