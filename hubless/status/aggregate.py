"""One status for a resource template from its clusters' statuses, as Karmada aggregates it.

Karmada's default native AggregateStatus (pkg/resourceinterpreter/default/native/
aggregatestatus.go) writes into the resource template the status summed up from the
members it runs on; `aggregate_status` computes the same status from the `status` of the
live object in each cluster. Clusters are taken in name order (Karmada sorts the binding's
items by cluster name); a cluster mapped to None has not reported its status yet.

- Deployment, ReplicaSet, StatefulSet, DaemonSet, HorizontalPodAutoscaler: the replica
  counters are summed.
- PodDisruptionBudget: the counters are summed; disruptedPods are named `<cluster>/<pod>`.
- Job: active, succeeded and failed are summed. Condition Failed when a cluster's Job
  failed (naming those clusters), Complete when every cluster's Job completed, and
  SuccessCriteriaMet besides when every cluster met its success criteria. startTime is the
  earliest once every cluster started, completionTime the latest once every cluster
  completed.
- CronJob: active Jobs are listed together; the latest lastScheduleTime and
  lastSuccessfulTime.
- Pod: the phase is Failed if any cluster's pod failed, else Pending if any is pending
  (or has not reported), else Running if any runs, else Succeeded; the container statuses
  of all clusters are listed, each with only `ready` and `state`.
- PersistentVolumeClaim: Lost if any cluster's claim is lost, else the phase of the last
  cluster whose claim is not Bound, else Bound.
- PersistentVolume: Failed, Pending (or not reported), Available, Bound, Released: the
  first of these any cluster reports.
- Service, Ingress: the load balancer ingress entries of all clusters, each address once
  with the union of its ports, sorted (entries with a hostname first, by hostname, then
  by ip).

Fields are written as the Kubernetes API writes them: a counter the API omits when zero is
omitted, one it always writes is written. What Karmada cannot take from member clusters is
left out: observedGeneration (it compares the template's generation, which files in git do
not have) and condition timestamps (Karmada stamps the time it aggregated). A kind without
a rule, or a status Karmada could not decode (a field of the wrong type), gives {}: Karmada
then leaves the template's status as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hubless.status.decode import (
    Malformed,
    as_map,
    field,
    integer,
    maps,
    optional_string,
    string,
)

Member = tuple[str, Mapping[str, Any] | None]  # a cluster's name and its object's status


def _counters(
    members: Sequence[Member], omitted_when_zero: Sequence[str], always: Sequence[str] = ()
) -> dict[str, int]:
    """Sum each counter over the members, in the order the API type lists them."""
    names = [*always, *omitted_when_zero]
    totals = {name: 0 for name in names}
    for _, status in members:
        if status is not None:
            for name in names:
                totals[name] += integer(status, name)
    return {name: total for name, total in totals.items() if total or name in always}


def _deployment(members: Sequence[Member]) -> dict[str, Any]:
    return _counters(
        members,
        [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ],
    )


def _replica_set(members: Sequence[Member]) -> dict[str, Any]:
    return _counters(members, ["readyReplicas", "availableReplicas"], always=["replicas"])


def _stateful_set(members: Sequence[Member]) -> dict[str, Any]:
    return _counters(
        members,
        ["readyReplicas", "currentReplicas", "updatedReplicas"],
        always=["replicas", "availableReplicas"],
    )


def _daemon_set(members: Sequence[Member]) -> dict[str, Any]:
    return _counters(
        members,
        ["updatedNumberScheduled", "numberAvailable", "numberUnavailable"],
        always=[
            "currentNumberScheduled",
            "numberMisscheduled",
            "desiredNumberScheduled",
            "numberReady",
        ],
    )


def _horizontal_pod_autoscaler(members: Sequence[Member]) -> dict[str, Any]:
    return _counters(members, ["currentReplicas"], always=["desiredReplicas"])


def _pod_disruption_budget(members: Sequence[Member]) -> dict[str, Any]:
    status: dict[str, Any] = _counters(
        members,
        [],
        always=["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"],
    )
    disrupted: dict[str, Any] = {}
    for cluster, member in members:
        if member is not None:
            for pod, since in as_map(field(member, "disruptedPods")).items():
                moment = _time(since)
                disrupted[f"{cluster}/{pod}"] = None if moment is None else _timestamp(moment)
    if disrupted:
        status = {"disruptedPods": dict(sorted(disrupted.items())), **status}
    return status


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Malformed
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Malformed from None
    if moment.tzinfo is None:
        raise Malformed
    return moment


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    return any(
        string(c, "type") == kind and string(c, "status") == "True"
        for c in maps(status, "conditions")
    )


def _job_finished(status: Mapping[str, Any]) -> str | None:
    """Complete or Failed: the first such condition that is True, as Karmada looks."""
    for condition in maps(status, "conditions"):
        kind = string(condition, "type")
        if kind in ("Complete", "Failed") and string(condition, "status") == "True":
            return kind
    return None


def _condition(kind: str, reason: str, message: str) -> dict[str, str]:
    return {"type": kind, "status": "True", "reason": reason, "message": message}


def _job(members: Sequence[Member]) -> dict[str, Any]:
    failed_in: list[str] = []
    completed = criteria_met = started = finished = 0
    start: datetime | None = None
    completion: datetime | None = None
    for cluster, status in members:
        if status is None:
            continue
        outcome = _job_finished(status)
        if outcome == "Complete":
            completed += 1
        elif outcome == "Failed":
            failed_in.append(cluster)
        if _condition_true(status, "SuccessCriteriaMet"):
            criteria_met += 1
        began = _time(field(status, "startTime"))
        if began is not None:
            started += 1
            start = began if start is None or began < start else start
        ended = _time(field(status, "completionTime"))
        if ended is not None:
            finished += 1
            completion = ended if completion is None or completion < ended else completion
    reported = len(members)
    conditions = []
    if failed_in:
        conditions.append(
            _condition(
                "Failed",
                "JobFailed",
                f"Job executed failed in member clusters {','.join(failed_in)}",
            )
        )
    # Nothing reported yet is not a completed Job.
    if reported and completed == reported:
        conditions.append(_condition("Complete", "Completed", "Job completed"))
        if criteria_met == reported:
            conditions.append(
                _condition(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "All member clusters have met success criteria",
                )
            )
    result: dict[str, Any] = {}
    if conditions:
        result["conditions"] = conditions
    if start is not None and started == reported:
        result["startTime"] = _timestamp(start)
    if completion is not None and finished == reported:
        result["completionTime"] = _timestamp(completion)
    result.update(_counters(members, ["active", "succeeded", "failed"]))
    return result


def _latest(current: datetime | None, seen: datetime | None) -> datetime | None:
    if current is None or (seen is not None and current < seen):
        return seen
    return current


def _cron_job(members: Sequence[Member]) -> dict[str, Any]:
    active: list[Mapping[str, Any]] = []
    scheduled: datetime | None = None
    succeeded: datetime | None = None
    for _, status in members:
        if status is None:
            continue
        active.extend(maps(status, "active"))
        scheduled = _latest(scheduled, _time(field(status, "lastScheduleTime")))
        succeeded = _latest(succeeded, _time(field(status, "lastSuccessfulTime")))
    result: dict[str, Any] = {}
    if active:
        result["active"] = [dict(reference) for reference in active]
    if scheduled is not None:
        result["lastScheduleTime"] = _timestamp(scheduled)
    if succeeded is not None:
        result["lastSuccessfulTime"] = _timestamp(succeeded)
    return result


def _first_phase(phases: set[str], order: Sequence[str]) -> dict[str, Any]:
    for phase in order:
        if phase in phases:
            return {"phase": phase}
    return {}


def _container_statuses(status: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    kept = []
    for container in maps(status, key):
        ready = field(container, "ready")
        if ready is not None and not isinstance(ready, bool):
            raise Malformed
        kept.append({"ready": bool(ready), "state": dict(as_map(field(container, "state")))})
    return kept


def _pod(members: Sequence[Member]) -> dict[str, Any]:
    if not members:
        return {}
    phases: set[str] = set()
    containers: list[dict[str, Any]] = []
    init_containers: list[dict[str, Any]] = []
    for _, status in members:
        if status is None:
            # Not reported yet: Karmada counts it pending rather than let it look done.
            phases.add("Pending")
            continue
        phases.add(string(status, "phase"))
        containers.extend(_container_statuses(status, "containerStatuses"))
        init_containers.extend(_container_statuses(status, "initContainerStatuses"))
    # Unknown is deliberately not ranked (deprecated, karmada-io/karmada#2137).
    result = _first_phase(phases, ["Failed", "Pending", "Running", "Succeeded"])
    if init_containers:
        result["initContainerStatuses"] = init_containers
    if containers:
        result["containerStatuses"] = containers
    return result


def _persistent_volume(members: Sequence[Member]) -> dict[str, Any]:
    phases = {"Pending" if status is None else string(status, "phase") for _, status in members}
    return _first_phase(phases, ["Failed", "Pending", "Available", "Bound", "Released"])


def _persistent_volume_claim(members: Sequence[Member]) -> dict[str, Any]:
    phase = "Bound"
    for _, status in members:
        if status is None:
            continue
        reported = string(status, "phase")
        if reported == "Lost":
            phase = "Lost"
            break
        if reported != "Bound":
            phase = reported
    return {"phase": phase} if phase else {}


def _port(entry: Mapping[str, Any]) -> tuple[int, str, str | None]:
    return (integer(entry, "port"), string(entry, "protocol"), optional_string(entry, "error"))


def _load_balancer(members: Sequence[Member], with_ip_mode: bool) -> dict[str, Any]:
    """Each address once, with the union of the ports the clusters report for it."""
    ports: dict[tuple[str, str, str | None], set[tuple[int, str, str | None]]] = {}
    for _, status in members:
        if status is None:
            continue
        for reported in maps(status, "loadBalancer", "ingress"):
            mode = optional_string(reported, "ipMode") if with_ip_mode else None
            address = (string(reported, "hostname"), string(reported, "ip"), mode)
            ports.setdefault(address, set()).update(_port(p) for p in maps(reported, "ports"))
    entries = []
    # Entries with a hostname first; ports with an error after those without.
    for hostname, ip, mode in sorted(
        ports, key=lambda a: (a[0] == "", a[0], a[1], a[2] is None, a[2] or "")
    ):
        entry: dict[str, Any] = {}
        if ip:
            entry["ip"] = ip
        if hostname:
            entry["hostname"] = hostname
        if mode is not None:
            entry["ipMode"] = mode
        listed = sorted(
            ports[(hostname, ip, mode)], key=lambda p: (p[0], p[1], p[2] is not None, p[2] or "")
        )
        if listed:
            entry["ports"] = [
                {"port": port, "protocol": protocol} | ({} if error is None else {"error": error})
                for port, protocol, error in listed
            ]
        entries.append(entry)
    return {"loadBalancer": {"ingress": entries} if entries else {}}


def _service(members: Sequence[Member]) -> dict[str, Any]:
    return _load_balancer(members, with_ip_mode=True)


def _ingress(members: Sequence[Member]) -> dict[str, Any]:
    return _load_balancer(members, with_ip_mode=False)


_RULES: Mapping[str, Callable[[Sequence[Member]], dict[str, Any]]] = {
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "StatefulSet": _stateful_set,
    "DaemonSet": _daemon_set,
    "HorizontalPodAutoscaler": _horizontal_pod_autoscaler,
    "PodDisruptionBudget": _pod_disruption_budget,
    "Job": _job,
    "CronJob": _cron_job,
    "Pod": _pod,
    "PersistentVolume": _persistent_volume,
    "PersistentVolumeClaim": _persistent_volume_claim,
    "Service": _service,
    "Ingress": _ingress,
}


def aggregate_status(kind: str, statuses: Mapping[str, Mapping[str, Any] | None]) -> dict[str, Any]:
    """The status Karmada gives a template of `kind` from each cluster's status (or None)."""
    rule = _RULES.get(kind)
    if rule is None:
        return {}
    try:
        return rule([(cluster, statuses[cluster]) for cluster in sorted(statuses)])
    except Malformed:
        return {}
