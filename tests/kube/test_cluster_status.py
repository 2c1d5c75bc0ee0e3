"""The status computations, with the cases of Karmada's own tests
(pkg/controllers/status/cluster_status_controller_test.go) as vectors."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from hubless.kube.cluster_status import (
    Discovery,
    Observation,
    Resource,
    allocatable_modelings,
    api_enablements,
    cluster_allocatable,
    enablements_condition,
    node_available,
    node_summary,
    observed_ready,
    resource_summary,
)
from hubless.model import ResourceModel
from hubless.quantity import BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI, canonical


def test_node_summary_counts_ready_nodes() -> None:  # TestGetNodeSummary
    nodes = [
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {"status": {"conditions": [{"type": "MemoryPressure"}]}},
    ]
    assert node_summary(nodes) == {"totalNum": 2, "readyNum": 1}


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        # TestGenerateReadyCondition and TestGetClusterHealthStatus: 200 is healthy, 202
        # reachable but not ok, 404 on both endpoints (or no answer) not reachable.
        (200, ("True", "ClusterReady", "cluster is healthy and ready to accept workloads")),
        (
            202,
            (
                "False",
                "ClusterNotReady",
                "cluster is reachable but health endpoint responded without ok",
            ),
        ),
        (404, ("False", "ClusterNotReachable", "cluster is not reachable")),
        (None, ("False", "ClusterNotReachable", "cluster is not reachable")),
    ],
)
def test_ready_condition(health: int | None, expected: tuple[str, str, str]) -> None:
    status, reason, message = expected
    assert observed_ready(Observation(health=health)) == {
        "type": "Ready",
        "status": status,
        "reason": reason,
        "message": message,
    }


def _zero_test_nodes() -> list[dict[str, Any]]:
    return [{"status": {"allocatable": {"test": "0"}}}, {"status": {"allocatable": {"test": "0"}}}]


def _zero_test_pod(**spec: Any) -> dict[str, Any]:
    return {"spec": {"containers": [{"resources": {"requests": {"test": "0"}}}], **spec}}


def test_resource_summary_of_a_resource_kubernetes_does_not_count() -> None:
    # TestGetResourceSummary / TestGetClusterAllocatable / TestGetAllocatingResource:
    # "test" is summed into allocatable as it is, but a pod request counts only the
    # resources Karmada knows (it is no extended resource), and the pods themselves.
    assert cluster_allocatable(_zero_test_nodes()) == {"test": (Fraction(0), DECIMAL_SI)}
    assert resource_summary(_zero_test_nodes(), [_zero_test_pod()]) == {
        "allocatable": {"test": "0"},
        "allocating": {"pods": "1"},
    }
    # TestGetAllocatedResource: a Pending pod bound to a node is allocated.
    bound = {**_zero_test_pod(nodeName="node1"), "status": {"phase": "Pending"}}
    assert resource_summary([], [bound]) == {"allocated": {"pods": "1"}}


@pytest.mark.parametrize(
    ("pods_used", "expected"),
    [
        (11, None),  # resource isn't enough
        (9, {"pods": Fraction(1)}),  # resource is enough
        (0, {"pods": Fraction(10)}),  # allocatedResourceList is nil
    ],
)
def test_node_available(pods_used: int, expected: dict[str, Fraction] | None) -> None:
    # TestGetNodeAvailable
    assert (
        node_available({"pods": (Fraction(10), DECIMAL_SI)}, Resource(pods=pods_used)) == expected
    )
    assert node_available({"pods": (Fraction(10), DECIMAL_SI)}, None) == {"pods": Fraction(10)}


def _models(*minimums: dict[str, Fraction | int]) -> list[ResourceModel]:
    return [
        ResourceModel(grade, {k: Fraction(v) for k, v in m.items()})
        for grade, m in enumerate(minimums)
    ]


def test_allocatable_modelings() -> None:
    # TestGetAllocatableModelings: grades (cpu 0/1m, memory 0/1024m); the nodes have
    # neither, so both fall in grade 0, bound pod or not.
    models = _models(
        {"cpu": 0, "memory": 0}, {"cpu": Fraction(1, 1000), "memory": Fraction(1024, 1000)}
    )
    expected = [{"grade": 0, "count": 2}, {"grade": 1, "count": 0}]
    assert allocatable_modelings(models, _zero_test_nodes(), [_zero_test_pod()]) == expected
    running = {**_zero_test_pod(nodeName="node1"), "status": {"phase": "Running"}}
    assert allocatable_modelings(models, _zero_test_nodes(), [running]) == expected
    # "cluster.Spec.ResourceModels is empty" and "InitSummary occurs error"
    assert allocatable_modelings([], _zero_test_nodes(), []) is None
    uneven = [models[0], ResourceModel(1, {"cpu": Fraction(1, 1000)})]
    assert allocatable_modelings(uneven, _zero_test_nodes(), []) is None


def test_a_node_with_no_room_for_a_pod_stops_the_count() -> None:
    # getAllocatableModelings breaks out of its loop over nodes at such a node.
    nodes = [
        {"metadata": {"name": "a"}, "status": {"allocatable": {"cpu": "2", "pods": "1"}}},
        {"metadata": {"name": "b"}, "status": {"allocatable": {"cpu": "2", "pods": "1"}}},
    ]
    pod = {"spec": {"nodeName": "a", "containers": []}, "status": {"phase": "Running"}}
    assert allocatable_modelings(_models({"cpu": 0}, {"cpu": 1}), nodes, [pod]) == [
        {"grade": 0, "count": 0},
        {"grade": 1, "count": 0},
    ]
    assert allocatable_modelings(_models({"cpu": 0}, {"cpu": 1}), nodes[::-1], [pod]) == [
        {"grade": 0, "count": 0},
        {"grade": 1, "count": 1},
    ]


def test_init_containers_raise_the_running_total() -> None:
    # AddPodRequest compares an init container with everything summed so far, so a
    # second pod's init container only counts where it exceeds the total.
    first = {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}
    second = {
        "containers": [{"resources": {"requests": {"cpu": "500m"}}}],
        "initContainers": [{"resources": {"requests": {"cpu": "1200m", "nvidia.com/gpu": "1"}}}],
        "overhead": {"cpu": "50m"},
    }
    total = Resource()
    total.add_pod_request(first)
    total.add_pod_request(second)
    assert total.milli_cpu == 1550 and total.scalars == {"nvidia.com/gpu": 1}


def test_api_enablements_skip_subresources_and_sort() -> None:
    discovery = Discovery(
        (
            ("v1", ({"name": "pods", "kind": "Pod"}, {"name": "pods/status", "kind": "Pod"})),
            ("apps/v1", ({"name": "deployments", "kind": "Deployment"},)),
        ),
        failed=True,
    )
    enablements = api_enablements(discovery)
    assert enablements == [
        {"groupVersion": "apps/v1", "resources": [{"name": "deployments", "kind": "Deployment"}]},
        {"groupVersion": "v1", "resources": [{"name": "pods", "kind": "Pod"}]},
    ]
    assert enablements_condition(enablements, discovery)["message"] == (
        "might collect partial APIEnablements(2) from the cluster"
    )
    assert enablements_condition([], Discovery())["reason"] == "Empty"


@pytest.mark.parametrize(
    ("value", "form", "text"),
    [
        # Kubernetes' canonical forms (apimachinery quantity tests' cases)
        (Fraction(1), BINARY_SI, "1"),
        (Fraction(1024), BINARY_SI, "1Ki"),
        (Fraction(1536), BINARY_SI, "1536"),
        (Fraction(3, 2), BINARY_SI, "1500m"),
        (Fraction(2**30), BINARY_SI, "1Gi"),
        (Fraction(1000), DECIMAL_SI, "1k"),
        (Fraction(1, 1000), DECIMAL_SI, "1m"),
        (Fraction(1, 10**9), DECIMAL_SI, "1n"),
        (Fraction(1, 10**10), DECIMAL_SI, "1n"),
        (Fraction(1500), DECIMAL_SI, "1500"),
        (Fraction(10**6), DECIMAL_EXPONENT, "1e6"),
        (Fraction(0), BINARY_SI, "0"),
    ],
)
def test_canonical_quantities(value: Fraction, form: str, text: str) -> None:
    assert canonical(value, form) == text
