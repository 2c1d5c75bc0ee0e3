"""APIEnablement: the cluster must serve the resource's group/version and kind.

Enabled when status.apiEnablements lists it; otherwise Disabled if the
CompleteAPIEnablements condition is True, else Unknown. Only Enabled passes, so a
Cluster without status.apiEnablements receives nothing. Clusters of the previous
placement always pass, as in Karmada.

Beyond Karmada: a cluster on which this render places a CustomResourceDefinition serving
the API passes too (`ScheduleInput.served_here`). Karmada waits until the cluster reports
the new API; a compiler knows the CRD will be there.
"""

from __future__ import annotations

from hubless.model import Cluster
from hubless.scheduler.input import ScheduleInput

NAME = "APIEnablement"
# what `check` reads of the request (hubless.scheduler.verdicts keys its verdicts by it)
READS = frozenset({"api_version", "kind", "previous", "served_here"})


def enabled_by_status(api_version: str, kind: str, cluster: Cluster) -> bool:
    """Whether the cluster's status.apiEnablements lists the API (Karmada's Enabled)."""
    return kind in (cluster.api_enablements or {}).get(api_version, ())


def check(request: ScheduleInput, cluster: Cluster) -> str | None:
    if cluster.name in request.previous:
        return None
    if enabled_by_status(request.api_version, request.kind, cluster):
        return None
    if cluster.name in request.served_here:
        return None
    state = "disabled" if cluster.complete_api_enablements else "unknown"
    return f"{request.api_version} {request.kind} is not in status.apiEnablements (API {state})"
