"""Per-kind knowledge of workloads: defaulting, reading and revising replicas.

Mirrors Karmada's native resource interpreter, applied to templates after the Kubernetes
defaulting its API server would have done.
"""

from __future__ import annotations

from typing import Any

_REPLICA_KINDS = frozenset(
    [("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet")]
)
_JOB = ("batch", "Job")
_POD = ("", "Pod")
_POD_TEMPLATE_KINDS = _REPLICA_KINDS | {("apps", "DaemonSet"), _JOB}
_COUNTED_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _spec(body: dict[str, Any]) -> dict[str, Any] | None:
    spec = body.get("spec")
    return spec if isinstance(spec, dict) else None


def _insert_first(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return {key: value, **mapping}


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
            body["spec"] = {"parallelism": 1, "completions": 1, **spec}
        elif parallelism is None:
            body["spec"] = _insert_first(spec, "parallelism", 1)


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


def pod_spec(group: str, kind: str, body: dict[str, Any]) -> dict[str, Any] | None:
    spec = _spec(body)
    if spec is None:
        return None
    if (group, kind) == _POD:
        return spec
    if (group, kind) in _POD_TEMPLATE_KINDS:
        template = spec.get("template")
        inner = template.get("spec") if isinstance(template, dict) else None
        return inner if isinstance(inner, dict) else None
    return None


def _has_requests(container: Any) -> bool:
    if not isinstance(container, dict):
        return False
    resources = container.get("resources")
    if not isinstance(resources, dict):
        return False
    for section in ("requests", "limits"):
        values = resources.get(section)
        if not isinstance(values, dict):
            continue
        for name, quantity in values.items():
            counted = name in _COUNTED_RESOURCES or "/" in name or name.startswith("hugepages-")
            if counted and str(quantity).strip() not in ("", "0"):
                return True
    return False


def has_replica_requirements(group: str, kind: str, body: dict[str, Any]) -> bool:
    """Whether Karmada would compute per-replica requirements (requests or a node claim)."""
    if (group, kind) not in _REPLICA_KINDS and (group, kind) not in (_JOB, _POD):
        return False
    spec = pod_spec(group, kind, body)
    if spec is None:
        return False
    containers = [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]
    if any(_has_requests(c) for c in containers):
        return True
    if spec.get("nodeSelector") or spec.get("tolerations"):
        return True
    affinity = spec.get("affinity")
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
    return isinstance(node_affinity, dict) and bool(
        node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    )


def is_workload(group: str, kind: str, body: dict[str, Any]) -> bool:
    """Karmada assigns replicas only to these: replicas > 0 or per-replica requirements."""
    return read_replicas(group, kind, body) > 0 or has_replica_requirements(group, kind, body)


def revise_replicas(group: str, kind: str, body: dict[str, Any], replicas: int) -> None:
    """Write a cluster's assigned replicas, only into a field the template already has."""
    spec = _spec(body)
    if spec is None:
        return
    if (group, kind) in _REPLICA_KINDS and "replicas" in spec:
        spec["replicas"] = replicas
    elif (group, kind) == _JOB and "parallelism" in spec:
        spec["parallelism"] = replicas
