"""Health of live objects: Karmada's default native rules, with Karmada's own test vectors.

The cases marked "Karmada:" are the objects of Karmada's healthy_test.go
(pkg/resourceinterpreter/default/native), each expected value being Karmada's; the others
follow from the rule in healthy.go (a missing field is Go's zero value).
"""

from __future__ import annotations

from typing import Any

import pytest

from hubless.status.health import Health, Replicas, interpret_health, replica_counts

HEALTHY = Health.HEALTHY
UNHEALTHY = Health.UNHEALTHY
UNKNOWN = Health.UNKNOWN


def obj(api_version: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, **fields}


def rolled(kind: str, generation: int, replicas: int | None, **status: int) -> dict[str, Any]:
    spec = {} if replicas is None else {"replicas": replicas}
    return obj(
        "apps/v1",
        kind,
        metadata={"name": "web", "generation": generation},
        spec=spec,
        status=status,
    )


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet"])
@pytest.mark.parametrize(
    ("generation", "replicas", "status", "expected"),
    [
        # Karmada: healthy
        (1, 3, {"availableReplicas": 3, "updatedReplicas": 3, "observedGeneration": 1}, HEALTHY),
        # Karmada: generation not equal to observedGeneration
        (1, 3, {"availableReplicas": 3, "updatedReplicas": 3, "observedGeneration": 2}, UNHEALTHY),
        # Karmada: replicas not equal to updatedReplicas
        (1, 3, {"updatedReplicas": 1, "observedGeneration": 1}, UNHEALTHY),
        # Karmada: availableReplicas not equal to updatedReplicas (0 and 1 of 3)
        (1, 3, {"availableReplicas": 0, "updatedReplicas": 3, "observedGeneration": 1}, UNHEALTHY),
        (1, 3, {"availableReplicas": 1, "updatedReplicas": 3, "observedGeneration": 1}, UNHEALTHY),
        # No spec.replicas: the updated check is skipped, not taken as 1.
        (2, None, {"availableReplicas": 0, "updatedReplicas": 0, "observedGeneration": 2}, HEALTHY),
        # More available than updated (old pods still serving) is fine.
        (1, 2, {"availableReplicas": 4, "updatedReplicas": 2, "observedGeneration": 1}, HEALTHY),
        # Neither generation reported: 0 == 0.
        (0, 0, {}, HEALTHY),
    ],
)
def test_deployment_and_statefulset(
    kind: str, generation: int, replicas: int | None, status: dict[str, int], expected: Health
) -> None:
    assert interpret_health(rolled(kind, generation, replicas, **status)) is expected


@pytest.mark.parametrize(
    ("replicas", "status", "expected"),
    [
        # Karmada: replicaSet healthy
        (3, {"availableReplicas": 3, "observedGeneration": 1}, HEALTHY),
        # Karmada: generation not equal to observedGeneration
        (3, {"availableReplicas": 3, "observedGeneration": 2}, UNHEALTHY),
        # Karmada: replicas not equal to availableReplicas
        (3, {"availableReplicas": 2, "observedGeneration": 2}, UNHEALTHY),
        (3, {"availableReplicas": 2, "observedGeneration": 1}, UNHEALTHY),
        # Updated replicas play no part for a ReplicaSet.
        (3, {"availableReplicas": 3, "updatedReplicas": 0, "observedGeneration": 1}, HEALTHY),
        (None, {"availableReplicas": 0, "observedGeneration": 1}, HEALTHY),
    ],
)
def test_replicaset(replicas: int | None, status: dict[str, int], expected: Health) -> None:
    assert interpret_health(rolled("ReplicaSet", 1, replicas, **status)) is expected


@pytest.mark.parametrize(
    ("metadata", "status", "expected"),
    [
        # Karmada: daemonSet healthy
        ({"generation": 1}, {"observedGeneration": 1}, HEALTHY),
        # Karmada: generation not equal to observedGeneration
        ({"generation": 1}, {"observedGeneration": 2}, UNHEALTHY),
        # Karmada: updatedNumberScheduled < desiredNumberScheduled
        ({}, {"updatedNumberScheduled": 3, "desiredNumberScheduled": 5}, UNHEALTHY),
        # Karmada: numberAvailable < updatedNumberScheduled
        ({}, {"updatedNumberScheduled": 5, "numberAvailable": 3}, UNHEALTHY),
        (
            {"generation": 4},
            {
                "observedGeneration": 4,
                "desiredNumberScheduled": 5,
                "updatedNumberScheduled": 5,
                "numberAvailable": 5,
                "numberReady": 2,  # readiness is not part of the rule
            },
            HEALTHY,
        ),
    ],
)
def test_daemonset(metadata: dict[str, int], status: dict[str, int], expected: Health) -> None:
    daemon_set = obj("apps/v1", "DaemonSet", metadata=metadata, status=status)
    assert interpret_health(daemon_set) is expected


def load_balanced(ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": ingress}}


@pytest.mark.parametrize(
    ("service_type", "status", "expected"),
    [
        # Karmada: service healthy
        ("LoadBalancer", load_balanced([{"ip": "localhost"}]), HEALTHY),
        # Karmada: not loadBalancer type
        ("NodePort", load_balanced([{"ip": "localhost"}]), HEALTHY),
        # Karmada: status.loadBalancer.ingress list is empty
        ("LoadBalancer", load_balanced([]), UNHEALTHY),
        ("LoadBalancer", load_balanced([{"hostname": "lb.example.com"}]), HEALTHY),
        # An entry with neither ip nor hostname (only ports) is no address.
        ("LoadBalancer", load_balanced([{"ports": [{"port": 80, "protocol": "TCP"}]}]), UNHEALTHY),
        ("LoadBalancer", {}, UNHEALTHY),
        ("ClusterIP", {}, HEALTHY),
        (None, {}, HEALTHY),  # no type is not LoadBalancer
    ],
)
def test_service(service_type: str | None, status: dict[str, Any], expected: Health) -> None:
    spec = {} if service_type is None else {"type": service_type}
    assert interpret_health(obj("v1", "Service", spec=spec, status=status)) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # Karmada: ingress healthy
        (load_balanced([{"ip": "localhost"}]), HEALTHY),
        # Karmada: status.loadBalancer.ingress list is empty
        (load_balanced([]), UNHEALTHY),
        (load_balanced([{"ip": ""}, {"hostname": "web.example.com"}]), HEALTHY),
        ({}, UNHEALTHY),
    ],
)
def test_ingress(status: dict[str, Any], expected: Health) -> None:
    ingress = obj("networking.k8s.io/v1", "Ingress", status=status)
    assert interpret_health(ingress) is expected


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Bound", HEALTHY),  # Karmada: persistentVolumeClaim healthy
        ("Pending", UNHEALTHY),  # Karmada: status.phase not equals to Bound
        ("Lost", UNHEALTHY),
        (None, UNHEALTHY),
    ],
)
def test_persistent_volume_claim(phase: str | None, expected: Health) -> None:
    status = {} if phase is None else {"phase": phase}
    assert interpret_health(obj("v1", "PersistentVolumeClaim", status=status)) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        # Karmada: service type pod healthy
        ({"conditions": [{"type": "Ready", "status": "True"}], "phase": "Running"}, HEALTHY),
        # Karmada: job type pod healthy
        ({"phase": "Succeeded"}, HEALTHY),
        # Karmada: pod condition ready false
        ({"conditions": [{"type": "Ready", "status": "Unknown"}], "phase": "Running"}, UNHEALTHY),
        # Karmada: pod phase not running and not succeeded
        ({"phase": "Failed"}, UNHEALTHY),
        # Karmada: condition or phase nil
        (None, UNHEALTHY),
        ({"phase": "Running"}, UNHEALTHY),  # no Ready condition
        ({"conditions": [{"type": "Ready", "status": "True"}], "phase": "Pending"}, UNHEALTHY),
        (
            {
                "conditions": [
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "ContainersReady", "status": "True"},
                    {"type": "Ready", "status": "True"},
                ],
                "phase": "Running",
            },
            HEALTHY,
        ),
    ],
)
def test_pod(status: dict[str, Any] | None, expected: Health) -> None:
    pod = obj("v1", "Pod", metadata={"name": "fake-pod"})
    if status is not None:
        pod["status"] = status
    assert interpret_health(pod) is expected


@pytest.mark.parametrize(
    ("desired", "current", "expected"),
    [
        (2, 3, HEALTHY),  # Karmada: podDisruptionBudget healthy
        (2, 2, HEALTHY),  # Karmada: desired healthy equals current healthy
        (2, 1, UNHEALTHY),  # Karmada: fewer healthy pods than desired
    ],
)
def test_pod_disruption_budget(desired: int, current: int, expected: Health) -> None:
    pdb = obj(
        "policy/v1",
        "PodDisruptionBudget",
        status={"desiredHealthy": desired, "currentHealthy": current},
    )
    assert interpret_health(pdb) is expected


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        # Karmada's default interpreter has exactly nine kinds (getAllDefaultHealthInterpreter).
        ("batch/v1", "Job"),
        ("batch/v1", "CronJob"),
        ("v1", "ConfigMap"),
        ("v1", "Namespace"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("argoproj.io/v1alpha1", "Rollout"),
        # Rules are per exact apiVersion, as Karmada keys them by group, version and kind.
        ("extensions/v1beta1", "Ingress"),
        ("policy/v1beta1", "PodDisruptionBudget"),
        ("apps/v1beta2", "Deployment"),
    ],
)
def test_kinds_without_a_rule_are_healthy(api_version: str, kind: str) -> None:
    # Karmada's WorkStatusController.interpretHealth: no InterpretHealth hook for the kind,
    # "we treat it as healthy".
    assert interpret_health(obj(api_version, kind, status={"phase": "Bound"})) is HEALTHY


@pytest.mark.parametrize(
    "bad",
    [
        rolled("Deployment", 1, 3, updatedReplicas=3, observedGeneration=1) | {"status": "ok"},
        obj("apps/v1", "Deployment", spec={"replicas": "3"}),
        obj("apps/v1", "Deployment", status={"availableReplicas": True}),
        obj("v1", "PersistentVolumeClaim", status={"phase": 1}),
        obj("v1", "Service", spec={"type": "LoadBalancer"}, status={"loadBalancer": []}),
        obj("v1", "Pod", status={"phase": "Running", "conditions": "Ready"}),
    ],
)
def test_an_object_karmada_could_not_decode_is_unknown(bad: dict[str, Any]) -> None:
    assert interpret_health(bad) is UNKNOWN


def test_health_values_are_karmadas_words() -> None:
    assert [h.value for h in Health] == ["Healthy", "Unhealthy", "Unknown"]


@pytest.mark.parametrize(
    ("workload", "expected"),
    [
        (rolled("Deployment", 1, 3, readyReplicas=2, availableReplicas=3), Replicas(3, 2)),
        (rolled("StatefulSet", 1, 5, readyReplicas=5), Replicas(5, 5)),
        (rolled("ReplicaSet", 1, 4), Replicas(4, 0)),
        # No spec.replicas: the API server's default, 1.
        (rolled("Deployment", 1, None, readyReplicas=1), Replicas(1, 1)),
        (rolled("Deployment", 1, 0), Replicas(0, 0)),
        (
            obj(
                "apps/v1",
                "DaemonSet",
                status={"desiredNumberScheduled": 6, "numberReady": 4, "numberAvailable": 5},
            ),
            Replicas(6, 4),
        ),
        (obj("batch/v1", "Job", spec={"completions": 5}, status={"succeeded": 2}), Replicas(5, 2)),
        (obj("batch/v1", "Job", spec={"parallelism": 3}, status={"active": 3}), Replicas(1, 0)),
        (
            obj(
                "batch/v1",
                "Job",
                spec={"completions": 5},
                status={"succeeded": 3, "conditions": [{"type": "Complete", "status": "True"}]},
            ),
            Replicas(5, 5),
        ),
        (
            obj(
                "batch/v1",
                "Job",
                spec={"completions": 2},
                status={"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]},
            ),
            Replicas(2, 0),
        ),
        (
            obj(
                "v1",
                "Pod",
                status={"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
            ),
            Replicas(1, 1),
        ),
        (obj("v1", "Pod", status={"phase": "Pending"}), Replicas(1, 0)),
    ],
)
def test_replica_counts(workload: dict[str, Any], expected: Replicas) -> None:
    assert replica_counts(workload) == expected


@pytest.mark.parametrize(
    "other",
    [
        obj("v1", "Service"),
        obj("v1", "ConfigMap"),
        obj("batch/v1", "CronJob"),
        obj("apps/v1beta1", "Deployment", spec={"replicas": 2}),
        obj("apps/v1", "Deployment", spec={"replicas": "two"}),
    ],
)
def test_replica_counts_of_other_kinds_is_none(other: dict[str, Any]) -> None:
    assert replica_counts(other) is None
