"""KubeAdmiral's filter plugins: each returns why a cluster cannot take the object, or None.

The first failing filter, in profile order, removes a cluster."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction

from hubless import quantity
from hubless.dialects.kubeadmiral.scheduler import profile as names
from hubless.dialects.kubeadmiral.scheduler.labels import InvalidSelector, terms_match
from hubless.dialects.kubeadmiral.scheduler.types import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    FederatedCluster,
)
from hubless.dialects.kubeadmiral.scheduler.unit import SchedulingUnit
from hubless.model import Taint, Toleration
from hubless.selectors import tolerates

NO_SCHEDULE = "NoSchedule"
PREFER_NO_SCHEDULE = "PreferNoSchedule"
NO_EXECUTE = "NoExecute"

Filter = Callable[[SchedulingUnit, FederatedCluster], str | None]


def _taint(taint: Taint) -> str:
    return (
        f"{taint.key}={taint.value}:{taint.effect}"
        if taint.value
        else f"{taint.key}:{taint.effect}"
    )


def untolerated(
    taints: Sequence[Taint], tolerations: Sequence[Toleration], effects: Sequence[str]
) -> Taint | None:
    """The first taint with one of `effects` that no toleration tolerates."""
    for taint in taints:
        if taint.effect in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def api_resources(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """The cluster must serve the object's group/version/kind; an unlisted inventory passes."""
    if cluster.api_resource_types is None or unit.gvk in cluster.api_resource_types:
        return None
    group, version, kind = unit.gvk
    return f"does not serve {group + '/' if group else ''}{version} {kind}"


def taint_toleration(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """NoSchedule and NoExecute taints must be tolerated; a cluster already holding the object
    only needs its NoExecute taints tolerated, so it keeps what it has."""
    placed = cluster.name in unit.current
    effects = (NO_EXECUTE,) if placed else (NO_SCHEDULE, NO_EXECUTE)
    taint = untolerated(cluster.taints, unit.tolerations, effects)
    return None if taint is None else f"taint {_taint(taint)} is not tolerated"


def placement_filter(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """When placements list clusters, only those may be chosen."""
    if not unit.cluster_names or cluster.name in unit.cluster_names:
        return None
    return "not among the placements"


def cluster_affinity(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """clusterSelector (exact key=value, unvalidated), then the required affinity terms."""
    for key, value in sorted(unit.cluster_selector.items()):
        if cluster.labels.get(key) != value:
            have = cluster.labels.get(key)
            now = f"{key}={have}" if have is not None else f"no label {key}"
            return f"clusterSelector wants {key}={value}, the cluster has {now}"
    affinity = unit.affinity
    if affinity is None or affinity.required is None:
        return None
    try:
        if terms_match(affinity.required, cluster.labels, cluster.name):
            return None
    except InvalidSelector as error:
        # An invalid term only rejects the cluster; it does not fail the schedule.
        return f"invalid cluster affinity term: {error}"
    if not affinity.required:
        return "cluster affinity has no terms, which matches no cluster"
    return "matches no required cluster affinity term"


def cluster_ready(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """Unready clusters take no new objects but keep the ones they have."""
    if cluster.ready or cluster.name in unit.current:
        return None
    return "not ready"


def cluster_terminating(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    return "being deleted" if cluster.terminating else None


def cluster_evicted(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """The object's custom migration marks the cluster unavailable."""
    return (
        "unavailable by the object's migration configuration"
        if cluster.name in unit.evicted
        else None
    )


def katalyst_resources_exist(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    # Only checks Katalyst resources, which reach the unit only with KubeAdmiral's Katalyst
    # support switched on; offline it is off, so nothing is ever rejected.
    return None


def is_scalar(resource: str) -> bool:
    """Extended, hugepages, prefixed-native and attachable-volume resources: counted in whole
    units and compared one by one (unprefixed native names such as `pods` are ignored)."""
    if resource in (CPU, MEMORY, EPHEMERAL_STORAGE):
        return False
    return "/" in resource or resource.startswith(("hugepages-", "attachable-volumes-"))


def amount(resources: Mapping[str, Fraction], resource: str) -> int:
    """A resource in the unit KubeAdmiral's resource plugins use: millicores for CPU,
    `Quantity.Value()` (rounded up) otherwise; missing is 0."""
    exact = resources.get(resource, Fraction(0))
    return quantity.milli_value(exact) if resource == CPU else quantity.value(exact)


def in_use(cluster: FederatedCluster, resource: str) -> int:
    """Allocatable minus available: what the cluster's own workloads already request.

    A resource without an available figure counts as fully used. One whose available exceeds
    allocatable is not subtracted (KubeAdmiral stops subtracting at that resource and logs;
    which other resources it had subtracted by then depends on Go's map order)."""
    allocatable = amount(cluster.allocatable, resource)
    if resource not in cluster.available:
        return allocatable
    available = amount(cluster.available, resource)
    return allocatable if available > allocatable else allocatable - available


def cluster_resources_fit(unit: SchedulingUnit, cluster: FederatedCluster) -> str | None:
    """One pod's request must fit into allocatable minus what is in use: CPU, memory and each
    scalar resource requested above 0 (ephemeral storage is not checked). Clusters already
    holding the object are not checked."""
    if cluster.name in unit.current:
        return None
    request = unit.resource_request
    scalars = sorted(r for r in request if is_scalar(r))
    if not any(amount(request, r) for r in (CPU, MEMORY, EPHEMERAL_STORAGE)) and not scalars:
        return None
    short = [
        resource
        for resource in (CPU, MEMORY)
        if amount(cluster.allocatable, resource)
        < amount(request, resource) + in_use(cluster, resource)
    ]
    short += [
        resource
        for resource in scalars
        if amount(request, resource) > 0
        and amount(cluster.allocatable, resource)
        < amount(request, resource) + in_use(cluster, resource)
    ]
    return f"insufficient {', '.join(short)}" if short else None


FILTERS: Mapping[str, Filter] = {
    names.API_RESOURCES: api_resources,
    names.TAINT_TOLERATION: taint_toleration,
    names.PLACEMENT_FILTER: placement_filter,
    names.CLUSTER_AFFINITY: cluster_affinity,
    names.CLUSTER_READY: cluster_ready,
    names.CLUSTER_TERMINATING: cluster_terminating,
    names.CLUSTER_EVICTED: cluster_evicted,
    names.CLUSTER_RESOURCES_FIT: cluster_resources_fit,
    names.KATALYST_RESOURCES_EXIST: katalyst_resources_exist,
}


def run_filters(
    plugins: Sequence[str], unit: SchedulingUnit, cluster: FederatedCluster
) -> tuple[str, str] | None:
    """(plugin, reason) of the first filter that rejects the cluster, or None."""
    for plugin in plugins:
        reason = FILTERS[plugin](unit, cluster)
        if reason is not None:
            return plugin, reason
    return None
