"""A template's status from its clusters' statuses: Karmada's AggregateStatus, with its test vectors.

Cases marked "Karmada:" are those of aggregatestatus_test.go
(pkg/resourceinterpreter/default/native): the same member statuses, and Karmada's
expected status written as the Kubernetes API writes it (counters the API omits when zero
are omitted; condition timestamps left out, as Karmada's own test clears them).
"""

from __future__ import annotations

from typing import Any

import pytest

from hubless.status.aggregate import aggregate_status

T0 = "2023-02-08T07:16:00Z"
T1 = "2023-02-08T07:17:00Z"
T2 = "2023-02-08T07:18:00Z"


def running(ready: bool = True, **extra: Any) -> dict[str, Any]:
    return {"ready": ready, "state": {"running": {"startedAt": T0}}, **extra}


# Karmada: the full container status a member reports; only ready and state are kept.
FULL_CONTAINER = running(
    containerID="containerd://6cee0afa333472f672341352e0d",
    image="nginx:latest",
    imageID="docker.io/library/import-2022-06-05@sha256:dfb593",
    name="busybox-2",
    restartCount=0,
    started=True,
)


def test_deployment() -> None:
    # Karmada: update deployment status
    member = {
        "replicas": 1,
        "readyReplicas": 1,
        "updatedReplicas": 1,
        "availableReplicas": 1,
        "unavailableReplicas": 0,
    }
    assert aggregate_status("Deployment", {"member1": member, "member2": member}) == {
        "replicas": 2,
        "updatedReplicas": 2,
        "readyReplicas": 2,
        "availableReplicas": 2,
    }


def test_deployment_counts_only_clusters_that_reported() -> None:
    statuses = {
        "a": {"replicas": 3, "readyReplicas": 2, "unavailableReplicas": 1},
        "b": None,
        "c": {"replicas": 4, "readyReplicas": 4, "availableReplicas": 4, "updatedReplicas": 4},
    }
    assert aggregate_status("Deployment", statuses) == {
        "replicas": 7,
        "updatedReplicas": 4,
        "readyReplicas": 6,
        "availableReplicas": 4,
        "unavailableReplicas": 1,
    }


def test_statefulset() -> None:
    # Karmada: update statefulSet status
    member = {
        "replicas": 1,
        "readyReplicas": 1,
        "currentReplicas": 1,
        "updatedReplicas": 1,
        "availableReplicas": 1,
    }
    assert aggregate_status("StatefulSet", {"member1": member, "member2": member}) == {
        "replicas": 2,
        "availableReplicas": 2,
        "readyReplicas": 2,
        "currentReplicas": 2,
        "updatedReplicas": 2,
    }


def test_statefulset_and_replicaset_always_write_replicas() -> None:
    assert aggregate_status("StatefulSet", {"a": {}}) == {"replicas": 0, "availableReplicas": 0}
    assert aggregate_status("ReplicaSet", {"a": {"replicas": 2, "readyReplicas": 1}, "b": {}}) == {
        "replicas": 2,
        "readyReplicas": 1,
    }


def test_daemonset() -> None:
    # Karmada: update daemonSet status
    member = {
        "currentNumberScheduled": 1,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 1,
        "numberReady": 1,
        "updatedNumberScheduled": 1,
        "numberAvailable": 1,
        "numberUnavailable": 0,
    }
    assert aggregate_status("DaemonSet", {"member1": member, "member2": member}) == {
        "currentNumberScheduled": 2,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 2,
        "numberReady": 2,
        "updatedNumberScheduled": 2,
        "numberAvailable": 2,
    }


def test_horizontal_pod_autoscaler() -> None:
    # Karmada: update hpa status (member3 has not reported)
    statuses = {
        "member1": {"currentReplicas": 2, "desiredReplicas": 2},
        "member2": {"currentReplicas": 4, "desiredReplicas": 4},
        "member3": None,
    }
    assert aggregate_status("HorizontalPodAutoscaler", statuses) == {
        "desiredReplicas": 6,
        "currentReplicas": 6,
    }


def test_pod_disruption_budget() -> None:
    # Karmada: update pdb status
    healthy = {"currentHealthy": 1, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 1}
    assert aggregate_status("PodDisruptionBudget", {"member1": healthy, "member2": healthy}) == {
        "disruptionsAllowed": 2,
        "currentHealthy": 2,
        "desiredHealthy": 2,
        "expectedPods": 2,
    }


def test_pod_disruption_budget_names_disrupted_pods_by_cluster() -> None:
    # Karmada: update pdb status with disrupted pods
    unhealthy = {
        "currentHealthy": 0,
        "desiredHealthy": 1,
        "disruptionsAllowed": 0,
        "expectedPods": 1,
        "disruptedPods": {"pod-1234": T0},
    }
    assert aggregate_status(
        "PodDisruptionBudget", {"member2": unhealthy, "member1": unhealthy}
    ) == {
        "disruptedPods": {"member1/pod-1234": T0, "member2/pod-1234": T0},
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 2,
        "expectedPods": 2,
    }


COMPLETE = {"type": "Complete", "status": "True", "reason": "Completed", "message": "Job completed"}
CRITERIA_MET = {
    "type": "SuccessCriteriaMet",
    "status": "True",
    "reason": "CompletionsReached",
    "message": "All member clusters have met success criteria",
}
JOB_DONE = {
    "active": 0,
    "succeeded": 1,
    "failed": 0,
    "startTime": T0,
    "completionTime": T0,
    "conditions": [
        {"type": "Complete", "status": "True"},
        {"type": "SuccessCriteriaMet", "status": "True"},
    ],
}
JOB_FAILED = {
    "active": 0,
    "succeeded": 0,
    "failed": 1,
    "startTime": T0,
    "completionTime": T0,
    "conditions": [{"type": "Failed", "status": "True"}],
}


def test_job_complete_in_every_cluster() -> None:
    # Karmada: update job status without job failed
    assert aggregate_status("Job", {"member1": JOB_DONE, "member2": JOB_DONE}) == {
        "conditions": [COMPLETE, CRITERIA_MET],
        "startTime": T0,
        "completionTime": T0,
        "succeeded": 2,
    }


def test_job_failed_in_a_cluster() -> None:
    # Karmada: update job status with job failed
    assert aggregate_status("Job", {"member1": JOB_DONE, "member2": JOB_FAILED}) == {
        "conditions": [
            {
                "type": "Failed",
                "status": "True",
                "reason": "JobFailed",
                "message": "Job executed failed in member clusters member2",
            }
        ],
        "startTime": T0,
        "completionTime": T0,
        "succeeded": 1,
        "failed": 1,
    }


def test_job_times_and_completion_wait_for_every_cluster() -> None:
    early = {"startTime": T1, "active": 1}
    done = JOB_DONE | {
        "startTime": T0,
        "completionTime": T2,
        "conditions": JOB_DONE["conditions"][:1],
    }
    # Earliest start once all started; no completion until all completed.
    assert aggregate_status("Job", {"a": early, "b": done}) == {
        "startTime": T0,
        "active": 1,
        "succeeded": 1,
    }
    # A cluster that has not reported holds everything back.
    assert aggregate_status("Job", {"a": done, "b": None}) == {"succeeded": 1}
    # Latest completion; Complete without SuccessCriteriaMet when one cluster lacks it.
    later = done | {"completionTime": T1}
    assert aggregate_status(
        "Job", {"a": done, "b": later | {"conditions": JOB_DONE["conditions"]}}
    ) == {
        "conditions": [COMPLETE],
        "startTime": T0,
        "completionTime": T2,
        "succeeded": 2,
    }
    # Failed in two clusters: named in cluster order.
    assert aggregate_status("Job", {"z": JOB_FAILED, "a": JOB_FAILED})["conditions"] == [
        {
            "type": "Failed",
            "status": "True",
            "reason": "JobFailed",
            "message": "Job executed failed in member clusters a,z",
        }
    ]
    assert aggregate_status("Job", {}) == {}


def test_cron_job() -> None:
    # Karmada: update cronjob status
    reference = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": "foo",
        "namespace": "default",
        "resourceVersion": "1",
        "uid": "1d5db04f-f2e8-4807-b6d4-7b78f402250d",
    }
    statuses = {
        "member1": {"active": [reference], "lastScheduleTime": T0, "lastSuccessfulTime": None},
        "member2": {"active": [reference], "lastScheduleTime": T1, "lastSuccessfulTime": T1},
    }
    assert aggregate_status("CronJob", statuses) == {
        "active": [reference, reference],
        "lastScheduleTime": T1,
        "lastSuccessfulTime": T1,
    }


def terminated(exit_code: int) -> dict[str, Any]:
    return {"ready": False, "state": {"terminated": {"exitCode": exit_code}}}


INITIALIZING = {"ready": False, "state": {"waiting": {"reason": "PodInitializing"}}}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (  # Karmada: update initContainer status
            {
                "member1": {
                    "initContainerStatuses": [INITIALIZING, running(ready=False)],
                    "phase": "Pending",
                }
            },
            {"phase": "Pending", "initContainerStatuses": [INITIALIZING, running(ready=False)]},
        ),
        (  # Karmada: update pod status
            {
                "member1": {"containerStatuses": [FULL_CONTAINER], "phase": "Running"},
                "member2": {"containerStatuses": [FULL_CONTAINER], "phase": "Running"},
            },
            {"phase": "Running", "containerStatuses": [running(), running()]},
        ),
        (  # Karmada: update pod status as one Pod failed (here: pending)
            {
                "member1": {"containerStatuses": [FULL_CONTAINER], "phase": "Running"},
                "member2": {
                    "containerStatuses": [FULL_CONTAINER | {"ready": False}],
                    "phase": "Pending",
                },
            },
            {"phase": "Pending", "containerStatuses": [running(), running(ready=False)]},
        ),
        (  # Karmada: failed pod status, Running + Failed => Failed
            {
                "member1": {"containerStatuses": [running()], "phase": "Running"},
                "member2": {"containerStatuses": [terminated(125)], "phase": "Failed"},
            },
            {"phase": "Failed", "containerStatuses": [running(), terminated(125)]},
        ),
        (  # Karmada: succeeded pod status, Running + Succeeded => Running
            {
                "member1": {"containerStatuses": [running()], "phase": "Running"},
                "member2": {"containerStatuses": [terminated(0)], "phase": "Succeeded"},
            },
            {"phase": "Running", "containerStatuses": [running(), terminated(0)]},
        ),
        (  # Karmada: pending pod status, Running + nil => Pending
            {"member1": {"containerStatuses": [running()], "phase": "Running"}, "member2": None},
            {"phase": "Pending", "containerStatuses": [running()]},
        ),
        ({"a": {"phase": "Succeeded"}, "b": {"phase": "Succeeded"}}, {"phase": "Succeeded"}),
        ({"a": {"phase": "Unknown"}}, {}),  # Unknown is not ranked
        ({}, {}),
    ],
)
def test_pod(statuses: dict[str, Any], expected: dict[str, Any]) -> None:
    assert aggregate_status("Pod", statuses) == expected


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["Bound", "Bound"], {"phase": "Bound"}),  # Karmada
        (["Bound", "Lost"], {"phase": "Lost"}),  # Karmada
        (["Bound", "Pending"], {"phase": "Pending"}),  # Karmada
        (["Lost", "Pending"], {"phase": "Lost"}),
        ([None, "Bound"], {"phase": "Bound"}),  # not reported: skipped
        ([], {"phase": "Bound"}),
    ],
)
def test_persistent_volume_claim(phases: list[str | None], expected: dict[str, Any]) -> None:
    statuses = {
        f"member{i}": None if phase is None else {"phase": phase}
        for i, phase in enumerate(phases, 1)
    }
    assert aggregate_status("PersistentVolumeClaim", statuses) == expected


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        (["Available", "Available"], "Available"),  # Karmada
        (["Released", "Released"], "Released"),  # Karmada
        (["Bound", "Released"], "Bound"),  # Karmada
        (["Released", "Failed"], "Failed"),  # Karmada
        (["Available", "Pending"], "Pending"),  # Karmada
        (["Bound", None], "Pending"),  # not reported counts as pending
    ],
)
def test_persistent_volume(phases: list[str | None], expected: str) -> None:
    statuses = {
        f"member{i}": None if phase is None else {"phase": phase}
        for i, phase in enumerate(phases, 1)
    }
    assert aggregate_status("PersistentVolume", statuses) == {"phase": expected}


def load_balancer(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": list(entries)}}


@pytest.mark.parametrize("kind", ["Service", "Ingress"])
def test_load_balancer_ingress(kind: str) -> None:
    # Karmada: update service status when type is LoadBalancer / update ingress status
    assert aggregate_status(kind, {"member1": load_balancer({"ip": "8.8.8.8"})}) == load_balancer(
        {"ip": "8.8.8.8"}
    )
    # Karmada: not a load balancer, nothing to collect
    assert aggregate_status(kind, {"member1": {}}) == {"loadBalancer": {}}


def test_load_balancer_addresses_once_sorted_with_their_ports_merged() -> None:
    tcp80 = {"port": 80, "protocol": "TCP"}
    tcp443 = {"port": 443, "protocol": "TCP"}
    udp80 = {"port": 80, "protocol": "UDP"}
    refused = {"port": 80, "protocol": "TCP", "error": "ConnectionRefused"}
    statuses = {
        "a": load_balancer(
            {"ip": "10.0.0.2", "ports": [tcp443]},
            {"hostname": "z.example.com"},
            {"ip": "10.0.0.1", "ipMode": "Proxy"},
        ),
        "b": load_balancer(
            {"ip": "10.0.0.2", "ports": [refused, tcp80, tcp443]},
            {"hostname": "a.example.com", "ip": "10.0.0.9"},
            {"ip": "10.0.0.1"},
        ),
        "c": load_balancer({"ip": "10.0.0.2", "ports": [udp80]}),
    }
    assert aggregate_status("Service", statuses) == load_balancer(
        {"ip": "10.0.0.9", "hostname": "a.example.com"},
        {"hostname": "z.example.com"},
        {"ip": "10.0.0.1", "ipMode": "Proxy"},
        {"ip": "10.0.0.1"},
        {"ip": "10.0.0.2", "ports": [tcp80, refused, udp80, tcp443]},
    )
    # An Ingress has no ipMode: the two 10.0.0.1 entries are one address.
    ingress_statuses = {
        "a": load_balancer({"ip": "10.0.0.1"}),
        "b": load_balancer({"ip": "10.0.0.1"}, {"hostname": "lb.example.com"}),
    }
    assert aggregate_status("Ingress", ingress_statuses) == load_balancer(
        {"hostname": "lb.example.com"}, {"ip": "10.0.0.1"}
    )


def test_kinds_without_a_rule_give_nothing() -> None:
    assert aggregate_status("ConfigMap", {"a": {"replicas": 1}}) == {}
    assert aggregate_status("Rollout", {"a": {"replicas": 1}}) == {}


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("Deployment", {"replicas": "2"}),
        ("Job", {"startTime": "yesterday"}),
        ("Pod", {"phase": "Running", "containerStatuses": [{"ready": "yes"}]}),
        ("Service", {"loadBalancer": {"ingress": {"ip": "10.0.0.1"}}}),
        ("PersistentVolumeClaim", {"phase": ["Bound"]}),
    ],
)
def test_a_status_karmada_could_not_decode_gives_nothing(kind: str, status: dict[str, Any]) -> None:
    assert aggregate_status(kind, {"ok": {}, "bad": status}) == {}
