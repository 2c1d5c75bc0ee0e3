"""APIEnablement: the cluster must serve the resource's group/version and kind.

Enabled when status.apiEnablements lists it; otherwise Disabled if the
CompleteAPIEnablements condition is True, else Unknown. Only Enabled passes, so a
Cluster without status.apiEnablements receives nothing. Clusters of the previous
placement always pass, as in Karmada.
"""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    if cluster.name in request.previous:
        return None
    enabled = cluster.api_enablements or {}
    if request.kind in enabled.get(request.api_version, ()):
        return None
    state = "disabled" if cluster.complete_api_enablements else "unknown"
    return f"{request.api_version} {request.kind} is not in status.apiEnablements (API {state})"
