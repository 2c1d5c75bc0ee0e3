"""Per-kind knowledge of workloads: defaulting, reading and revising replicas.

Mirrors Karmada's native resource interpreter, applied to templates after the Kubernetes
defaulting its API server would have done.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from hubless.quantity import parse_quantity, request_units

_REPLICA_KINDS = frozenset(
    [("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet")]
)
_JOB = ("batch", "Job")
_POD = ("", "Pod")
_COUNTED_RESOURCES = ("cpu", "memory", "ephemeral-storage")

_POD_TEMPLATE = ("spec", "template", "spec")
# (API group, kind) -> where its pod spec is, as steps from the object's root: the one
# table of pod-spec locations. Each reader keeps to the kinds its upstream knows (see
# `pod_spec_paths`).
POD_SPECS: dict[tuple[str, str], tuple[str, ...]] = {
    _POD: ("spec",),
    ("apps", "ReplicaSet"): _POD_TEMPLATE,
    ("apps", "Deployment"): _POD_TEMPLATE,
    ("apps", "DaemonSet"): _POD_TEMPLATE,
    ("apps", "StatefulSet"): _POD_TEMPLATE,
    _JOB: _POD_TEMPLATE,
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
}


def pod_spec_paths(kinds: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """The locations of POD_SPECS for `kinds` (each of which must be in it), in that order."""
    return {kind: POD_SPECS[kind] for kind in kinds}


# The kinds whose pod spec Karmada's native interpreter reads.
_INTERPRETED = pod_spec_paths(
    [_POD, ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
     ("apps", "DaemonSet"), _JOB]
)  # fmt: skip


def _spec(body: dict[str, Any]) -> dict[str, Any] | None:
    spec = body.get("spec")
    return spec if isinstance(spec, dict) else None


def _insert_first(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """`mapping` with `key` first, set to `value` (in place of a null one)."""
    return {key: value, **{k: v for k, v in mapping.items() if k != key}}


def apply_defaults(group: str, kind: str, body: dict[str, Any]) -> None:
    """The replica defaults the Kubernetes API server writes before Karmada reads them."""
    spec = _spec(body)
    if spec is None:
        return
    if (group, kind) in _REPLICA_KINDS and spec.get("replicas") is None:
        body["spec"] = _insert_first(spec, "replicas", 1)
    elif (group, kind) == _JOB:
        parallelism, completions = spec.get("parallelism"), spec.get("completions")
        if parallelism is None and completions is None:
            rest = {k: v for k, v in spec.items() if k not in ("parallelism", "completions")}
            body["spec"] = {"parallelism": 1, "completions": 1, **rest}
        elif parallelism is None:
            body["spec"] = _insert_first(spec, "parallelism", 1)


MAX_REPLICAS = 2**31 - 1  # replica counts are int32 in the Kubernetes API

# (API group, kind) -> the replica counts the API server checks and Karmada reads.
_COUNTS: dict[tuple[str, str], tuple[str, ...]] = {
    **{kind: ("replicas",) for kind in _REPLICA_KINDS},
    _JOB: ("parallelism", "completions"),
}
# (API group, kind) -> where its pod template must be: the API server refuses it without.
_POD_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {
    kind: steps[:-1] for kind, steps in POD_SPECS.items() if kind != _POD
}


class Flaw(NamedTuple):
    """Something the API server would refuse: the message, and where it was written as
    steps from the object's root (the deepest of them the object has)."""

    steps: tuple[str, ...]
    message: str


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list) and len(value) > 3:
        return "a list"
    return json.dumps(value)


def flaws(group: str, kind: str, body: dict[str, Any]) -> list[Flaw]:
    """The API server's checks of a workload's replica counts and pod template, as the
    template was written (before `apply_defaults`)."""
    found = []
    spec = _spec(body) or {}
    for field in _COUNTS.get((group, kind), ()):
        count = spec.get(field)
        if count is None:
            continue  # defaulted
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_REPLICAS:
            found.append(
                Flaw(
                    ("spec", field),
                    f"spec.{field} must be an integer from 0 to {MAX_REPLICAS}, "
                    f"not {_shown(count)}",
                )
            )
    steps = _POD_TEMPLATES.get((group, kind))
    if steps is not None and mapping_at(body, steps) is None:
        where = ".".join(steps)
        found.append(Flaw(steps, f"{kind} has no pod template: {where} must be a map"))
    return found


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_replicas(group: str, kind: str, body: dict[str, Any]) -> int:
    """The replica count Karmada's interpreter reports (0 for non-workloads)."""
    spec = _spec(body) or {}
    if (group, kind) in _REPLICA_KINDS:
        return _int(spec.get("replicas"))
    if (group, kind) == _JOB:
        parallelism = _int(spec.get("parallelism"))
        completions = spec.get("completions")
        if completions is None:
            return parallelism
        return min(parallelism, _int(completions))
    if (group, kind) == _POD:
        return 1
    return 0


def mapping_at(body: dict[str, Any], steps: Iterable[str]) -> dict[str, Any] | None:
    """The mapping reached by `steps` (a POD_SPECS location), or None."""
    current: Any = body
    for step in steps:
        current = current.get(step) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else None


def pod_spec(group: str, kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a kind Karmada's interpreter reads one from, when it is a map."""
    steps = _INTERPRETED.get((group, kind))
    return mapping_at(body, steps) if steps is not None else None


class ReplicaRequirements(NamedTuple):
    """What one replica asks for, as Karmada's GenerateReplicaRequirements computes it.

    `requests` holds cpu in millicores and every other resource in whole units.
    """

    requests: dict[str, int]
    node_claim: bool


def _is_counted(name: str) -> bool:
    # cpu, memory, ephemeral-storage and "scalar" resources (extended, hugepages, ...).
    return (
        name in _COUNTED_RESOURCES
        or "/" in name
        or name.startswith(("hugepages-", "attachable-volumes-"))
    )


def _units(name: str, raw: Any) -> int | None:
    amount = parse_quantity(raw)
    return None if amount is None else request_units(name, amount)


def _container_requests(container: Any) -> dict[str, int]:
    """requests, with a limit standing in for a missing request."""
    if not isinstance(container, dict):
        return {}
    resources = container.get("resources")
    if not isinstance(resources, dict):
        return {}
    merged: dict[str, Any] = {}
    for section in ("limits", "requests"):
        values = resources.get(section)
        if isinstance(values, dict):
            merged.update(values)  # requests win over limits
    result = {}
    for name, raw in merged.items():
        units = _units(name, raw) if _is_counted(name) else None
        if units is not None:
            result[name] = units
    return result


def pod_requests(spec: dict[str, Any]) -> dict[str, int]:
    """AddPodTemplateRequest: containers summed, the largest init container, overhead."""
    total: dict[str, int] = {}
    for container in spec.get("containers") or []:
        for name, units in _container_requests(container).items():
            total[name] = total.get(name, 0) + units
    for container in spec.get("initContainers") or []:
        for name, units in _container_requests(container).items():
            total[name] = max(total.get(name, 0), units)
    overhead = spec.get("overhead")
    if isinstance(overhead, dict):
        for name, raw in overhead.items():
            extra = _units(name, raw) if _is_counted(name) else None
            if extra is not None:
                total[name] = total.get(name, 0) + extra
    return {name: units for name, units in sorted(total.items()) if units > 0}


def replica_requirements(group: str, kind: str, body: dict[str, Any]) -> ReplicaRequirements | None:
    """Per-replica requests and whether the pod claims nodes; None when neither."""
    if (group, kind) not in _REPLICA_KINDS and (group, kind) not in (_JOB, _POD):
        return None
    spec = pod_spec(group, kind, body)
    if spec is None:
        return None
    requests = pod_requests(spec)
    affinity = spec.get("affinity")
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
    node_claim = (
        spec.get("nodeSelector") is not None
        or bool(spec.get("tolerations"))
        or (
            isinstance(node_affinity, dict)
            and node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") is not None
        )
    )
    if not requests and not node_claim:
        return None
    return ReplicaRequirements(requests, node_claim)


def has_replica_requirements(group: str, kind: str, body: dict[str, Any]) -> bool:
    return replica_requirements(group, kind, body) is not None


def revise_replicas(group: str, kind: str, body: dict[str, Any], replicas: int) -> None:
    """Write a cluster's assigned replicas, only into a field the template already has."""
    spec = _spec(body)
    if spec is None:
        return
    if (group, kind) in _REPLICA_KINDS and "replicas" in spec:
        spec["replicas"] = replicas
    elif (group, kind) == _JOB and "parallelism" in spec:
        spec["parallelism"] = replicas


def autoscalable(group: str, kind: str) -> bool:
    """Whether an autoscaler can own this kind's `spec.replicas`: the kinds whose replicas
    are scheduled (a Job's parallelism is not scaled through spec.replicas)."""
    return (group, kind) in _REPLICA_KINDS


def without_replicas(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without `spec.replicas`, as a new object sharing the rest (the copy's spec may
    be an override's own value, which must not change)."""
    spec = _spec(body)
    if spec is None or "replicas" not in spec:
        return body
    return {**body, "spec": {k: v for k, v in spec.items() if k != "replicas"}}
