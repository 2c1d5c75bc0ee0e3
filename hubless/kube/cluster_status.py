"""A Cluster's status as Karmada's cluster-status controller computes it, from what the
member cluster's API server answered (pure: responses in, status out).

The rules are Karmada's (pkg/controllers/status/cluster_status_controller.go,
cluster_condition_cache.go, pkg/util/resource.go, pkg/modeling): the Ready condition
from /readyz (else /healthz), delayed by a threshold; the rest of the status collected
only while the cluster is Ready. One difference by design: the threshold counts
consecutive refreshes rather than seconds, and what the last refresh saw is kept in the
status itself (condition `hubless.io/LastRefresh`), since no controller stays running.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, ClassVar

from hubless.model import ResourceModel
from hubless.quantity import BINARY_SI, DECIMAL_SI, canonical, parse_quantity, quantity_format

READY = "Ready"
COMPLETE_API_ENABLEMENTS = "CompleteAPIEnablements"
# What the last refresh observed (status and reason of the Ready it saw), how many
# refreshes in a row saw it (the message), and when it ran (lastTransitionTime).
LAST_REFRESH = "hubless.io/LastRefresh"

CLUSTER_READY = ("True", "ClusterReady", "cluster is healthy and ready to accept workloads")
CLUSTER_NOT_READY = (
    "False",
    "ClusterNotReady",
    "cluster is reachable but health endpoint responded without ok",
)
CLUSTER_NOT_REACHABLE = ("False", "ClusterNotReachable", "cluster is not reachable")
STATUS_COLLECTION_FAILED = "StatusCollectionFailed"

_OBSERVED = re.compile(r"observed (\d+) times? in a row")
# ClusterStatus's fields in the order Karmada's API serializes them.
_STATUS_ORDER = (
    "kubernetesVersion", "apiEnablements", "conditions", "nodeSummary", "resourceSummary",
)  # fmt: skip


@dataclass(frozen=True)
class Discovery:
    """ServerGroupsAndResources: each group version's APIResourceList (resources as the
    server lists them), and whether some group versions could not be read."""

    resource_lists: tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...] = ()
    failed: bool = False


@dataclass(frozen=True)
class Observation:
    """What one refresh read from a cluster.

    `client_error` is set when no client could be built (the kubeconfig); `health` is
    the HTTP status of /readyz (or /healthz when /readyz is 404), None when no answer or
    an error answer came (Karmada counts both as not reachable). The rest is read only
    when the cluster is healthy."""

    client_error: str = ""
    health: int | None = None
    why: str = ""  # why the health check failed, in one line (for the user, not the status)
    version: str = ""
    discovery: Discovery = field(default_factory=Discovery)
    nodes: tuple[Mapping[str, Any], ...] = ()
    pods: tuple[Mapping[str, Any], ...] = ()


# --- Ready and its threshold ----------------------------------------------------------------


def health_of(readyz: int | None, healthz: int | None) -> int | None:
    """The status code that decides readiness: /healthz only when /readyz is 404."""
    return healthz if readyz == 404 else readyz


def observed_ready(observation: Observation) -> dict[str, str]:
    """The Ready condition one observation gives (generateReadyCondition)."""
    if observation.client_error:
        return _condition(
            READY,
            "False",
            STATUS_COLLECTION_FAILED,
            f"failed to create a ClusterClient: {observation.client_error}",
        )
    health = observation.health
    # The REST client turns any status outside 200..206 into an error: not reachable.
    if health is None or not 200 <= health <= 206:
        status, reason, message = CLUSTER_NOT_REACHABLE
    elif health != 200:
        status, reason, message = CLUSTER_NOT_READY
    else:
        status, reason, message = CLUSTER_READY
    return _condition(READY, status, reason, message)


def _condition(kind: str, status: str, reason: str, message: str) -> dict[str, str]:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def find_condition(conditions: Sequence[Any], kind: str) -> Mapping[str, Any] | None:
    for condition in conditions:
        if isinstance(condition, Mapping) and condition.get("type") == kind:
            return condition
    return None


def _times_observed(record: Mapping[str, Any]) -> int:
    match = _OBSERVED.fullmatch(str(record.get("message") or ""))
    return int(match.group(1)) if match else 1


def threshold_adjusted(
    conditions: Sequence[Any], observed: Mapping[str, str], threshold: int
) -> tuple[Mapping[str, Any], dict[str, str]]:
    """The Ready condition to write and the new LastRefresh record.

    Karmada keeps the current Ready while the observation flips between True and not
    True, until the new state has lasted the threshold; a cluster seen for the first
    time (no record) takes the observation at once, and so does one without Ready."""
    record = find_condition(conditions, LAST_REFRESH)
    current = find_condition(conditions, READY)
    if record is None or str(record.get("status")) != observed["status"]:
        times = 1
    else:
        times = min(_times_observed(record) + 1, threshold)
    plural = "time" if times == 1 else "times"
    refreshed = _condition(
        LAST_REFRESH, observed["status"], observed["reason"], f"observed {times} {plural} in a row"
    )
    if record is None or current is None:
        return observed, refreshed
    flips = (observed["status"] == "True") != (str(current.get("status")) == "True")
    if flips and times < threshold:
        return current, refreshed
    return observed, refreshed


def set_condition(conditions: list[Any], condition: Mapping[str, Any], now: str) -> None:
    """meta.SetStatusCondition: a new type is appended; a changed status moves
    lastTransitionTime to now; reason and message always follow."""
    existing = find_condition(conditions, str(condition["type"]))
    if existing is None:
        conditions.append(
            {**condition, "lastTransitionTime": condition.get("lastTransitionTime") or now}
        )
        return
    index = next(i for i, c in enumerate(conditions) if c is existing)
    updated = dict(existing)
    if existing.get("status") != condition["status"]:
        updated["status"] = condition["status"]
        updated["lastTransitionTime"] = condition.get("lastTransitionTime") or now
    updated["reason"] = condition["reason"]
    updated["message"] = condition["message"]
    conditions[index] = updated


# --- API enablements --------------------------------------------------------------------------


def api_enablements(discovery: Discovery) -> list[dict[str, Any]]:
    """Every group version with its resources, subresources ("pods/status") left out,
    resources sorted by name and group versions by name (stable sorts, as Karmada's)."""
    enablements = []
    for group_version, resources in discovery.resource_lists:
        kept = [
            {"name": str(r.get("name", "")), "kind": str(r.get("kind", ""))}
            for r in resources
            if "/" not in str(r.get("name", ""))
        ]
        kept.sort(key=lambda r: r["name"])
        entry: dict[str, Any] = {"groupVersion": group_version}
        if kept:
            entry["resources"] = kept
        enablements.append(entry)
    enablements.sort(key=lambda e: str(e["groupVersion"]))
    return enablements


def enablements_condition(enablements: Sequence[Any], discovery: Discovery) -> dict[str, str]:
    if not enablements:
        return _condition(
            COMPLETE_API_ENABLEMENTS,
            "False",
            "Empty",
            "collected empty APIEnablements from the cluster",
        )
    if discovery.failed:
        return _condition(
            COMPLETE_API_ENABLEMENTS,
            "False",
            "Partial",
            f"might collect partial APIEnablements({len(enablements)}) from the cluster",
        )
    return _condition(
        COMPLETE_API_ENABLEMENTS,
        "True",
        "Complete",
        "collected complete APIEnablements from the cluster",
    )


# --- nodes, pods and resources ----------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        obj = obj.get(key) if isinstance(obj, Mapping) else None
    return obj


def node_ready(node: Mapping[str, Any]) -> bool:
    for condition in _get(node, "status", "conditions") or ():
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def node_summary(nodes: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """totalNum and readyNum, zeros left out (the API omits them)."""
    summary = {"totalNum": len(nodes), "readyNum": sum(1 for n in nodes if node_ready(n))}
    return {key: number for key, number in summary.items() if number}


_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _extended(name: str) -> bool:
    """IsExtendedResourceName: outside kubernetes.io, and a qualified name as a quota."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    prefix, _, short = f"requests.{name}".rpartition("/")
    return (
        0 < len(prefix) <= 253
        and _DNS_SUBDOMAIN.fullmatch(prefix) is not None
        and 0 < len(short) <= 63
        and _QUALIFIED_NAME.fullmatch(short) is not None
    )


def _scalar(name: str) -> bool:
    """IsScalarResourceName: extended, hugepages-*, *kubernetes.io/*, attachable-volumes-*."""
    return (
        _extended(name)
        or name.startswith("hugepages-")
        or "kubernetes.io/" in name
        or name.startswith("attachable-volumes-")
    )


def _quantity(raw: Any) -> Fraction:
    return parse_quantity(raw) or Fraction(0)


@dataclass
class Resource:
    """Karmada's util.Resource: whole units per resource (cpu in millicores), summed."""

    milli_cpu: int = 0
    memory: int = 0
    ephemeral_storage: int = 0
    pods: int = 0
    scalars: dict[str, int] = field(default_factory=dict)

    _FIELDS: ClassVar[dict[str, str]] = {
        "cpu": "milli_cpu",
        "memory": "memory",
        "ephemeral-storage": "ephemeral_storage",
    }

    def _units(self, name: str, raw: Any) -> int:
        amount = _quantity(raw)
        return math.ceil(amount * 1000) if name == "cpu" else math.ceil(amount)

    def add(self, resources: Mapping[str, Any]) -> None:
        for name, raw in resources.items():
            units = self._units(name, raw)
            if name == "pods":
                self.pods += units
            elif name in self._FIELDS:
                setattr(self, self._FIELDS[name], getattr(self, self._FIELDS[name]) + units)
            elif _scalar(name):
                self.scalars[name] = self.scalars.get(name, 0) + units

    def set_max(self, resources: Mapping[str, Any]) -> None:
        for name, raw in resources.items():
            units = self._units(name, raw)
            if name == "pods":
                self.pods = max(self.pods, units)
            elif name in self._FIELDS:
                setattr(self, self._FIELDS[name], max(getattr(self, self._FIELDS[name]), units))
            elif _scalar(name) and units > self.scalars.get(name, 0):
                self.scalars[name] = units

    def add_pod_request(self, spec: Mapping[str, Any]) -> None:
        """AddPodRequest: containers summed, then raised to each init container (against
        the running total, as Karmada does), then the overhead."""
        for container in spec.get("containers") or ():
            self.add(_get(container, "resources", "requests") or {})
        for container in spec.get("initContainers") or ():
            self.set_max(_get(container, "resources", "requests") or {})
        overhead = spec.get("overhead")
        if isinstance(overhead, Mapping):
            self.add(overhead)

    def resource_list(self) -> dict[str, tuple[Fraction, str]]:
        """ResourceList(): positive amounts only, each in the format Karmada prints it."""
        result: dict[str, tuple[Fraction, str]] = {}
        if self.milli_cpu > 0:
            result["cpu"] = (Fraction(self.milli_cpu, 1000), DECIMAL_SI)
        if self.memory > 0:
            result["memory"] = (Fraction(self.memory), BINARY_SI)
        if self.ephemeral_storage > 0:
            result["ephemeral-storage"] = (Fraction(self.ephemeral_storage), BINARY_SI)
        if self.pods > 0:
            result["pods"] = (Fraction(self.pods), DECIMAL_SI)
        for name, units in self.scalars.items():
            if units > 0:
                form = BINARY_SI if name.startswith("hugepages-") else DECIMAL_SI
                result[name] = (Fraction(units), form)
        return result


def _printed(resources: Mapping[str, tuple[Fraction, str]]) -> dict[str, str]:
    return {name: canonical(*resources[name]) for name in sorted(resources)}


def _spec(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = pod.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _occupies_node(pod: Mapping[str, Any]) -> bool:
    """Bound and not finished: kube-scheduler counts Succeeded and Failed pods as gone."""
    phase = _get(pod, "status", "phase")
    return bool(_spec(pod).get("nodeName")) and phase not in ("Succeeded", "Failed")


def _allocatable(node: Mapping[str, Any]) -> dict[str, tuple[Fraction, str]]:
    raw = _get(node, "status", "allocatable") or {}
    return {name: (_quantity(value), quantity_format(value)) for name, value in raw.items()}


def cluster_allocatable(nodes: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Fraction, str]]:
    """Every node's allocatable summed, each resource in the format of its first node."""
    total: dict[str, tuple[Fraction, str]] = {}
    for node in nodes:
        for name, (amount, form) in _allocatable(node).items():
            previous = total.get(name)
            total[name] = (previous[0] + amount, previous[1]) if previous else (amount, form)
    return total


def pods_requests(pods: Sequence[Mapping[str, Any]]) -> Resource:
    resource = Resource()
    for pod in pods:
        resource.add_pod_request(_spec(pod))
    resource.add({"pods": len(pods)})
    return resource


def resource_summary(
    nodes: Sequence[Mapping[str, Any]], pods: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """allocatable (nodes), allocating (pods without a node), allocated (bound pods still
    running), each with the number of pods; empty lists left out."""
    allocating = pods_requests([p for p in pods if not _spec(p).get("nodeName")])
    allocated = pods_requests([p for p in pods if _occupies_node(p)])
    summary = {
        "allocatable": _printed(cluster_allocatable(nodes)),
        "allocating": _printed(allocating.resource_list()),
        "allocated": _printed(allocated.resource_list()),
    }
    return {key: value for key, value in summary.items() if value}


# --- resource models ---------------------------------------------------------------------------


def node_available(
    allocatable: dict[str, tuple[Fraction, str]], used: Resource | None
) -> dict[str, Fraction] | None:
    """getNodeAvailable: allocatable less what its pods request; None when no pod fits."""
    available = {name: amount for name, (amount, _) in allocatable.items()}
    if used is None:
        return available
    requested = used.resource_list()
    if not requested:
        return available
    pods = math.ceil(available.get("pods", Fraction(0))) - math.ceil(
        requested.get("pods", (Fraction(0), ""))[0]
    )
    if pods <= 0:
        return None
    for name, (amount, _) in requested.items():
        if name in available:
            available[name] -= amount
    return available


def _last_not_greater(minimums: Sequence[Fraction], target: Fraction) -> int:
    """searchLastLessElement: the binary search for the last minimum <= target, or -1."""
    low, high = 0, len(minimums) - 1
    while low <= high:
        middle = low + ((high - low) >> 1)
        if minimums[middle] <= target:
            if middle == len(minimums) - 1 or minimums[middle + 1] > target:
                return middle
            low = middle + 1
        else:
            high = middle - 1
    return -1


def allocatable_modelings(
    models: Sequence[ResourceModel],
    nodes: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
) -> list[dict[str, int]] | None:
    """How many nodes fall in each grade of spec.resourceModels, by what is still free
    on them: a node's grade is the lowest over the resources of the highest grade whose
    minimum it reaches. None without models, or when the models name different numbers
    of resources (Karmada's InitSummary refuses them)."""
    if not models:
        return None
    names: list[str] = []
    for model in models:
        for name in model.minimums:
            if len(names) != len(model.minimums):
                names.append(name)
    if names and len(names) != len(models[0].minimums):
        return None
    columns = [[model.minimums.get(name, Fraction(0)) for model in models] for name in names]
    used: dict[str, Resource] = {}
    for pod in pods:
        if _occupies_node(pod):
            resource = used.setdefault(str(_spec(pod)["nodeName"]), Resource())
            resource.add_pod_request(_spec(pod))
            resource.add({"pods": 1})
    counts = [0] * len(models)
    for node in nodes:
        name = str(_get(node, "metadata", "name") or "")
        available = node_available(_allocatable(node), used.get(name))
        if available is None:
            break  # Karmada stops counting at the first node with no room for a pod
        grade = min(
            (
                _last_not_greater(column, available.get(n, Fraction(0)))
                for n, column in zip(names, columns, strict=True)
            ),
            default=math.inf,
        )
        if grade == -1 or grade == math.inf:
            continue
        counts[int(grade)] += 1
    return [
        {"grade": model.grade, "count": count} for model, count in zip(models, counts, strict=True)
    ]


# --- the whole status -----------------------------------------------------------------------------


def refreshed_status(
    previous: Mapping[str, Any],
    models: Sequence[ResourceModel],
    observation: Observation,
    *,
    threshold: int,
    now: datetime,
) -> dict[str, Any]:
    """The status a refresh writes, given the one in the file.

    As syncClusterStatus: Ready (threshold adjusted) always; everything else is
    collected only when the cluster answered healthy and Ready is True, and otherwise
    kept as it was."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    status = {key: value for key, value in previous.items()}
    conditions = [
        dict(c) if isinstance(c, Mapping) else c for c in previous.get("conditions") or ()
    ]
    observed = observed_ready(observation)
    ready, record = threshold_adjusted(conditions, observed, threshold)
    new_conditions: list[Mapping[str, Any]] = []
    if observed["status"] == "True" and ready.get("status") == "True":
        version = observation.version
        enablements = api_enablements(observation.discovery)
        summary = resource_summary(observation.nodes, observation.pods)
        modelings = allocatable_modelings(models, observation.nodes, observation.pods)
        if modelings:
            summary["allocatableModelings"] = modelings
        for key, value in (
            ("kubernetesVersion", version),
            ("apiEnablements", enablements),
            ("nodeSummary", node_summary(observation.nodes)),
            ("resourceSummary", summary),
        ):
            status[key] = value
        if not version:
            del status["kubernetesVersion"]
        if not enablements:
            del status["apiEnablements"]
        new_conditions.append(enablements_condition(enablements, observation.discovery))
    for condition in (*new_conditions, ready):
        set_condition(conditions, condition, stamp)
    # The record's time is the refresh's, whether or not what it saw changed.
    stamped = {**record, "lastTransitionTime": stamp}
    kept = find_condition(conditions, LAST_REFRESH)
    if kept is None:
        conditions.append(stamped)
    else:
        conditions[next(i for i, c in enumerate(conditions) if c is kept)] = stamped
    status["conditions"] = conditions
    ordered = {key: status[key] for key in _STATUS_ORDER if key in status}
    return ordered | {key: value for key, value in status.items() if key not in ordered}


def refreshed_at(status: Mapping[str, Any]) -> str:
    """When the status was last refreshed ("" if never): LastRefresh's time."""
    conditions = status.get("conditions")
    record = find_condition(conditions if isinstance(conditions, list) else [], LAST_REFRESH)
    return str(record.get("lastTransitionTime") or "") if record else ""
