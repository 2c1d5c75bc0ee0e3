"""Kinds hubless ships interpreters for, through `hubless render`: a RayService divided by
static weights is counted by the built-in replica script (one head plus its workers) and
each cluster's copy revised by the built-in revision script (workers = replicas - 1,
shared among the worker groups in proportion to what they had)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hubless.serialize import dump
from tests.conftest import COMMON_APIS, cluster_yaml, read_rendered, run_hubless, write_tree

APIS = {**COMMON_APIS, "ray.io/v1": ("RayCluster", "RayJob", "RayService")}


def _pod(name: str, cpu: str) -> dict[str, Any]:
    container = {"name": name, "image": "rayproject/ray:2.9.0"}
    return {"spec": {"containers": [container | {"resources": {"requests": {"cpu": cpu}}}]}}


RAY_SERVICE: dict[str, Any] = {
    "apiVersion": "ray.io/v1",
    "kind": "RayService",
    "metadata": {"name": "serve", "namespace": "ml"},
    "spec": {
        "serveConfigV2": "applications: []\n",
        "rayClusterConfig": {
            "rayVersion": "2.9.0",
            "headGroupSpec": {"rayStartParams": {}, "template": _pod("ray-head", "2")},
            "workerGroupSpecs": [
                {"groupName": "small", "replicas": 2, "template": _pod("worker", "1")},
                {"groupName": "large", "replicas": 4, "template": _pod("worker", "4")},
            ],
        },
    },
}

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: serve, namespace: ml}
spec:
  resourceSelectors: [{apiVersion: ray.io/v1, kind: RayService, name: serve}]
  placement:
    clusterAffinity: {clusterNames: [a, b, c]}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [a]}, weight: 1}
        - {targetCluster: {clusterNames: [b]}, weight: 2}
        - {targetCluster: {clusterNames: [c]}, weight: 4}
"""


def _with_workers(small: int, large: int) -> dict[str, Any]:
    revised = copy.deepcopy(RAY_SERVICE)
    groups = revised["spec"]["rayClusterConfig"]["workerGroupSpecs"]
    groups[0]["replicas"], groups[1]["replicas"] = small, large
    return revised


def _fleet(repo: Path, cpu: str, policy: str) -> None:
    clusters = "---\n".join(
        cluster_yaml(
            name,
            {"env": "prod"},
            apis=APIS,
            summary={"allocatable": {"cpu": cpu, "memory": "64Gi", "pods": "110"}},
        )
        for name in "abc"
    )
    write_tree(
        repo,
        {
            "policies/clusters.yaml": clusters,
            "policies/serve.yaml": policy,
            "templates/serve.yaml": dump(RAY_SERVICE),
        },
    )


def test_a_ray_service_is_divided_as_head_plus_workers(tmp_path: Path) -> None:
    _fleet(tmp_path, "64", POLICY)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rendered = read_rendered(tmp_path)
    # 1 head + 2 + 4 workers = 7 replicas, by weights 1:2:4 exactly a 1, b 2, c 4.
    # a: 0 workers, every group 0. b: 1 worker; small gets floor(1 * 2/6 + 0.5) = 0 and
    # the last group the rest, 1. c: 3 workers; small floor(3 * 2/6 + 0.5) = 1, large 2.
    expected = {"a": _with_workers(0, 0), "b": _with_workers(0, 1), "c": _with_workers(1, 2)}
    for cluster, body in expected.items():
        path = f"{cluster}/ml/rayservice.ray.io_serve.yaml"
        assert rendered[path] == body, path


def test_a_ray_service_replica_requests_the_largest_cpu_of_its_pods(tmp_path: Path) -> None:
    # Each replica is taken to request the head pod's requirements with the largest CPU of
    # head (2) and workers (1, 4): 4 cpus, so 8 cpus hold 2 replicas, and the three
    # clusters 6 of the 7.
    dynamic = POLICY.split("      weightPreference:")[0]
    dynamic += "      weightPreference: {dynamicWeight: AvailableReplicas}\n"
    _fleet(tmp_path, "8", dynamic)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert "7 replicas wanted, room for 6: a 2 (cpu), b 2 (cpu), c 2 (cpu)" in result.stderr
