"""Is a live object healthy? Karmada's default native health interpreter, rule for rule.

Karmada (pkg/resourceinterpreter/default/native/healthy.go) has one rule per exact
apiVersion and kind; `interpret_health` applies the same rules to an object as the API
server returns it:

- apps/v1 Deployment, StatefulSet: status.observedGeneration equals metadata.generation,
  status.updatedReplicas is at least spec.replicas (when spec.replicas is set), and
  status.availableReplicas is at least status.updatedReplicas.
- apps/v1 ReplicaSet: observedGeneration equals generation, and availableReplicas is at
  least spec.replicas (when set).
- apps/v1 DaemonSet: observedGeneration equals generation, updatedNumberScheduled is at
  least desiredNumberScheduled, numberAvailable is at least updatedNumberScheduled.
- v1 Service: healthy unless it is of type LoadBalancer without an ingress entry carrying
  an ip or a hostname.
- networking.k8s.io/v1 Ingress: an ingress entry with an ip or a hostname.
- v1 PersistentVolumeClaim: status.phase is Bound.
- v1 Pod: phase Succeeded, or phase Running with condition Ready True.
- policy/v1 PodDisruptionBudget: currentHealthy is at least desiredHealthy.

A missing field counts as Go's zero value (Karmada decodes into the typed object), so a
missing spec.replicas skips its check rather than meaning 1. A field of the wrong type is
what Karmada fails to decode: Unknown. Every other apiVersion/kind (Job, ConfigMap, custom
resources, Ingress in extensions/v1beta1...) has no rule: Healthy once it exists, as
Karmada's work status controller counts a kind no interpreter judges (since v1.12).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hubless.status.decode import Malformed, integer, maps, optional_integer, string


class Health(enum.Enum):
    HEALTHY = "Healthy"
    UNHEALTHY = "Unhealthy"
    UNKNOWN = "Unknown"


def _generation_observed(obj: Mapping[str, Any]) -> bool:
    return integer(obj, "status", "observedGeneration") == integer(obj, "metadata", "generation")


def _rolled_out(obj: Mapping[str, Any]) -> bool:
    """Deployment and StatefulSet share one rule."""
    if not _generation_observed(obj):
        return False
    desired = optional_integer(obj, "spec", "replicas")
    updated = integer(obj, "status", "updatedReplicas")
    if desired is not None and updated < desired:
        return False
    return integer(obj, "status", "availableReplicas") >= updated


def _replica_set(obj: Mapping[str, Any]) -> bool:
    if not _generation_observed(obj):
        return False
    desired = optional_integer(obj, "spec", "replicas")
    return desired is None or integer(obj, "status", "availableReplicas") >= desired


def _daemon_set(obj: Mapping[str, Any]) -> bool:
    if not _generation_observed(obj):
        return False
    updated = integer(obj, "status", "updatedNumberScheduled")
    if updated < integer(obj, "status", "desiredNumberScheduled"):
        return False
    return integer(obj, "status", "numberAvailable") >= updated


def _has_load_balancer_address(obj: Mapping[str, Any]) -> bool:
    return any(
        string(entry, "ip") or string(entry, "hostname")
        for entry in maps(obj, "status", "loadBalancer", "ingress")
    )


def _service(obj: Mapping[str, Any]) -> bool:
    if string(obj, "spec", "type") != "LoadBalancer":
        return True
    return _has_load_balancer_address(obj)


def _persistent_volume_claim(obj: Mapping[str, Any]) -> bool:
    return string(obj, "status", "phase") == "Bound"


def _pod(obj: Mapping[str, Any]) -> bool:
    phase = string(obj, "status", "phase")
    if phase == "Succeeded":
        return True
    # The first Ready condition counts, as Kubernetes' GetPodCondition finds it.
    ready = next(
        (c for c in maps(obj, "status", "conditions") if string(c, "type") == "Ready"), None
    )
    return phase == "Running" and ready is not None and string(ready, "status") == "True"


def _pod_disruption_budget(obj: Mapping[str, Any]) -> bool:
    return integer(obj, "status", "currentHealthy") >= integer(obj, "status", "desiredHealthy")


_RULES: Mapping[tuple[str, str], Callable[[Mapping[str, Any]], bool]] = {
    ("apps/v1", "Deployment"): _rolled_out,
    ("apps/v1", "StatefulSet"): _rolled_out,
    ("apps/v1", "ReplicaSet"): _replica_set,
    ("apps/v1", "DaemonSet"): _daemon_set,
    ("v1", "Service"): _service,
    ("networking.k8s.io/v1", "Ingress"): _has_load_balancer_address,
    ("v1", "PersistentVolumeClaim"): _persistent_volume_claim,
    ("v1", "Pod"): _pod,
    ("policy/v1", "PodDisruptionBudget"): _pod_disruption_budget,
}


def interpret_health(obj: Mapping[str, Any]) -> Health:
    """The health of one live object, as Karmada's default native interpreter judges it."""
    rule = _RULES.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
    if rule is None:
        # Karmada's work status controller (since v1.12): a kind no interpreter judges is
        # healthy once it exists; only a failed interpretation is Unknown.
        return Health.HEALTHY
    try:
        return Health.HEALTHY if rule(obj) else Health.UNHEALTHY
    except Malformed:
        return Health.UNKNOWN


@dataclass(frozen=True)
class Replicas:
    desired: int
    ready: int


def _scaled(obj: Mapping[str, Any]) -> Replicas:
    # Live objects carry the API server's default, files may omit it: 1.
    desired = optional_integer(obj, "spec", "replicas")
    return Replicas(1 if desired is None else desired, integer(obj, "status", "readyReplicas"))


def _daemon_set_replicas(obj: Mapping[str, Any]) -> Replicas:
    return Replicas(
        integer(obj, "status", "desiredNumberScheduled"), integer(obj, "status", "numberReady")
    )


def _job_replicas(obj: Mapping[str, Any]) -> Replicas:
    # A Job is done, not running: its replicas are completions, ready once succeeded.
    completions = optional_integer(obj, "spec", "completions")
    desired = 1 if completions is None else completions
    complete = any(
        string(c, "type") == "Complete" and string(c, "status") == "True"
        for c in maps(obj, "status", "conditions")
    )
    if complete:
        return Replicas(desired, desired)
    return Replicas(desired, min(integer(obj, "status", "succeeded"), desired))


def _pod_replicas(obj: Mapping[str, Any]) -> Replicas:
    return Replicas(1, 1 if _pod(obj) else 0)


_COUNTS: Mapping[tuple[str, str], Callable[[Mapping[str, Any]], Replicas]] = {
    ("apps/v1", "Deployment"): _scaled,
    ("apps/v1", "StatefulSet"): _scaled,
    ("apps/v1", "ReplicaSet"): _scaled,
    ("apps/v1", "DaemonSet"): _daemon_set_replicas,
    ("batch/v1", "Job"): _job_replicas,
    ("v1", "Pod"): _pod_replicas,
}


def replica_counts(obj: Mapping[str, Any]) -> Replicas | None:
    """How many replicas a live workload wants and how many are ready; None for other kinds.

    The fields are those Karmada sums into the binding's status (aggregatestatus.go):
    - Deployment, StatefulSet, ReplicaSet: spec.replicas (the API default 1 when missing)
      and status.readyReplicas.
    - DaemonSet: status.desiredNumberScheduled and status.numberReady.
    - Job: spec.completions (1 when missing: one success completes it) and
      status.succeeded, capped at completions; all of them once the Job has condition
      Complete True (the finish Karmada's aggregation looks for, which a success policy
      can reach with fewer successes).
    - Pod: one replica, Karmada's pod replica; ready when the pod is healthy by the rule
      above (Running and Ready, or Succeeded).
    An object with a field of the wrong type cannot be counted: None.
    """
    count = _COUNTS.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
    if count is None:
        return None
    try:
        return count(obj)
    except Malformed:
        return None
