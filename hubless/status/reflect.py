"""The status a member cluster reports for one object, as Karmada's default native
ReflectStatus grabs it (pkg/resourceinterpreter/default/native/reflectstatus.go).

It is what a statusAggregation script sees as `statusItems[i].status` when no
statusReflection script applies. Karmada decodes the live status into the kind's Go type
and writes back a few fields, as Go's JSON writes them (fields tagged omitempty are left
out when zero):

- apps/v1 Deployment: replicas, updatedReplicas, readyReplicas, availableReplicas,
  unavailableReplicas, observedGeneration, plus the member's metadata.generation and the
  `resourcetemplate.karmada.io/generation` annotation as `generation` and
  `resourceTemplateGeneration`; none at all when all of them are zero.
- apps/v1 ReplicaSet: replicas (always), readyReplicas, availableReplicas,
  observedGeneration, the two generations; none when all are zero.
- apps/v1 DaemonSet: currentNumberScheduled, numberMisscheduled, desiredNumberScheduled,
  numberReady (always), updatedNumberScheduled, numberAvailable, numberUnavailable,
  observedGeneration, the two generations.
- apps/v1 StatefulSet: replicas and availableReplicas (always), readyReplicas,
  currentReplicas, updatedReplicas, the two generations.
- batch/v1 Job: active, succeeded, failed, conditions, startTime, completionTime.
- v1 Service: `loadBalancer` of a Service of type LoadBalancer; none for other types.
- policy/v1 PodDisruptionBudget: disruptionsAllowed, currentHealthy, desiredHealthy,
  expectedPods (always), disruptedPods.
- autoscaling/v2 HorizontalPodAutoscaler: desiredReplicas (always), currentReplicas.
- every other kind (networking.k8s.io/v1 Ingress too): the whole `.status`.

An object without `.status` reflects none (None), and so does one Karmada cannot decode (a
field of the wrong type): its status never reaches the binding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hubless.status.decode import Malformed, as_map, field, integer, string

# The annotation Karmada stamps on the copy it applies: the template's generation.
TEMPLATE_GENERATION = "resourcetemplate.karmada.io/generation"


def _counters(
    status: Mapping[str, Any], always: Sequence[str], omitted_when_zero: Sequence[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in always:
        found[name] = integer(status, name)
    for name in omitted_when_zero:
        value = integer(status, name)
        if value:
            found[name] = value
    return found


def _generations(obj: Mapping[str, Any]) -> dict[str, int]:
    """FederatedGeneration: both omitted when zero; an annotation that is no integer is
    what Karmada fails to parse."""
    written = field(obj, "metadata", "annotations", TEMPLATE_GENERATION)
    if written is not None and not isinstance(written, str):
        raise Malformed
    try:
        template = int(written) if written else 0
    except ValueError:
        raise Malformed from None
    found = {}
    generation = integer(obj, "metadata", "generation")
    if generation:
        found["generation"] = generation
    if template:
        found["resourceTemplateGeneration"] = template
    return found


def _deployment(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    found = _generations(obj) | _counters(
        status,
        (),
        (
            "observedGeneration",
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ),
    )
    # An empty status: Karmada reads it as not collected yet.
    return found or None


def _replica_set(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    found = _generations(obj) | _counters(
        status, ("replicas",), ("readyReplicas", "availableReplicas", "observedGeneration")
    )
    return found


def _daemon_set(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    return _generations(obj) | _counters(
        status,
        ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"),
        ("observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable"),
    )


def _stateful_set(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    return _generations(obj) | _counters(
        status,
        ("replicas", "availableReplicas"),
        ("readyReplicas", "currentReplicas", "updatedReplicas"),
    )


def _kept(status: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: status[name] for name in names if status.get(name) not in (None, [], {})}


def _job(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    if status.get("conditions") is not None and not isinstance(status["conditions"], list):
        raise Malformed
    return _kept(status, ("conditions", "startTime", "completionTime")) | _counters(
        status, (), ("active", "succeeded", "failed")
    )


def _service(obj: Mapping[str, Any], status: Mapping[str, Any]) -> dict[str, Any] | None:
    balancer = dict(as_map(status.get("loadBalancer")))
    return {"loadBalancer": _kept(balancer, ("ingress",))}


def _pod_disruption_budget(
    obj: Mapping[str, Any], status: Mapping[str, Any]
) -> dict[str, Any] | None:
    disrupted = as_map(status.get("disruptedPods"))
    found = {"disruptedPods": dict(disrupted)} if disrupted else {}
    return found | _counters(
        status, ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"), ()
    )


def _horizontal_pod_autoscaler(
    obj: Mapping[str, Any], status: Mapping[str, Any]
) -> dict[str, Any] | None:
    return _counters(status, ("desiredReplicas",), ("currentReplicas",))


_RULES: Mapping[
    tuple[str, str], Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any] | None]
] = {
    ("apps/v1", "Deployment"): _deployment,
    ("apps/v1", "ReplicaSet"): _replica_set,
    ("apps/v1", "DaemonSet"): _daemon_set,
    ("apps/v1", "StatefulSet"): _stateful_set,
    ("batch/v1", "Job"): _job,
    ("v1", "Service"): _service,
    ("policy/v1", "PodDisruptionBudget"): _pod_disruption_budget,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): _horizontal_pod_autoscaler,
}


def reflect_status(obj: Mapping[str, Any]) -> Any:
    """What Karmada's native ReflectStatus records of a live object: a map, or None."""
    rule = _RULES.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
    try:
        if rule is _service and string(obj, "spec", "type") != "LoadBalancer":
            return None
        status = obj.get("status")
        if status is None:
            return None
        if rule is None:
            return dict(as_map(status))
        return rule(obj, as_map(status))
    except Malformed:
        return None
