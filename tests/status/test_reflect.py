"""Karmada's native ReflectStatus, kind by kind (reflectstatus.go): what a
statusAggregation script receives as a member's status when no statusReflection script
applies. Expected values follow the Go types' JSON: fields tagged omitempty are left out
when zero, the others always written."""

from __future__ import annotations

from typing import Any

import pytest

from hubless.status.reflect import reflect_status


def obj(api_version: str, kind: str, status: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "x", "namespace": "shop", **extra.pop("metadata", {})},
        **extra,
    }
    if status is not None:
        body["status"] = status
    return body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # Zero counters are left out; the member's generation rides along.
        (
            obj(
                "apps/v1",
                "Deployment",
                {"replicas": 2, "readyReplicas": 0, "conditions": [{"type": "Available"}]},
                metadata={"generation": 4},
            ),
            {"generation": 4, "replicas": 2},
        ),
        # Nothing at all to say: not collected yet.
        (obj("apps/v1", "Deployment", {}), None),
        (obj("apps/v1", "ReplicaSet", {}), {"replicas": 0}),
        (
            obj("apps/v1", "StatefulSet", {"currentRevision": "r1", "readyReplicas": 1}),
            {"replicas": 0, "availableReplicas": 0, "readyReplicas": 1},
        ),
        (
            obj("apps/v1", "DaemonSet", {"numberReady": 2, "numberAvailable": 2}),
            {
                "currentNumberScheduled": 0,
                "numberMisscheduled": 0,
                "desiredNumberScheduled": 0,
                "numberReady": 2,
                "numberAvailable": 2,
            },
        ),
        (
            obj(
                "batch/v1", "Job", {"succeeded": 1, "ready": 0, "startTime": "2026-12-06T16:00:00Z"}
            ),
            {"startTime": "2026-12-06T16:00:00Z", "succeeded": 1},
        ),
        (
            obj(
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": []},
            ),
            {"desiredReplicas": 3, "currentReplicas": 3},
        ),
        (
            obj("policy/v1", "PodDisruptionBudget", {"currentHealthy": 2, "observedGeneration": 1}),
            {"disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 0, "expectedPods": 0},
        ),
        # A Service reflects its load balancer, and only of type LoadBalancer.
        (
            obj(
                "v1",
                "Service",
                {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}, "conditions": []},
                spec={"type": "LoadBalancer"},
            ),
            {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}},
        ),
        (obj("v1", "Service", {}, spec={"type": "LoadBalancer"}), {"loadBalancer": {}}),
        (obj("v1", "Service", {"loadBalancer": {}}, spec={"type": "ClusterIP"}), None),
        (obj("v1", "Service", None, spec={"type": "LoadBalancer"}), None),
        # Every other kind: the whole status, whatever it holds.
        (
            obj("networking.k8s.io/v1", "Ingress", {"loadBalancer": {}, "extra": 1}),
            {"loadBalancer": {}, "extra": 1},
        ),
        (obj("example.io/v1", "Widget", {"phase": "Ready"}), {"phase": "Ready"}),
        (obj("example.io/v1", "Widget"), None),
        # What Karmada cannot decode never reaches the binding.
        (obj("apps/v1", "Deployment", {"replicas": "two"}), None),
        (
            obj(
                "apps/v1",
                "Deployment",
                {"replicas": 1},
                metadata={"annotations": {"resourcetemplate.karmada.io/generation": "x"}},
            ),
            None,
        ),
    ],
)
def test_native_reflection(body: dict[str, Any], expected: Any) -> None:
    assert reflect_status(body) == expected
