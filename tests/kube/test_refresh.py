"""`hubless clusters refresh` end to end: fake API servers behind a real kubeconfig.

Every response is shaped as the Kubernetes API reference shows it (Version, APIVersions,
APIGroupList, APIResourceList, NodeList, PodList); the expected statuses are worked out
from Karmada's cluster-status controller's rules, by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hubless.cli import cli
from hubless.commands.clusters import refresh
from tests.fakekube import (
    Answer,
    FakeCluster,
    Route,
    not_found,
    object_list,
    serving,
    unreachable_url,
    write_kubeconfig,
)

T1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
T3 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T4 = datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
T5 = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)


def _resources(group_version: str, *resources: tuple[str, str]) -> Answer:
    return 200, {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {"name": name, "singularName": "", "namespaced": True, "kind": kind, "verbs": ["get"]}
            for name, kind in resources
        ],
    }


def _node(name: str, ready: str, allocatable: Mapping[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "spec": {},
        "status": {
            "capacity": dict(allocatable),
            "allocatable": dict(allocatable),
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "reason": "KubeletHasSufficientMemory",
                },
                {"type": "Ready", "status": ready, "reason": "KubeletReady"},
            ],
        },
    }


def _container(name: str, requests: Mapping[str, str]) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", "resources": {"requests": dict(requests)}}


def _pod(name: str, node: str, phase: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    body = {"containers": [], **spec} | ({"nodeName": node} if node else {})
    return {
        "metadata": {"name": name, "namespace": "shop"},
        "spec": body,
        "status": {"phase": phase},
    }


def healthy_routes() -> dict[str, Route]:
    """A two-node cluster: one Running pod with an init container and overhead, one
    Pending pod with no node, one Succeeded pod (which no longer counts)."""
    return {
        "/readyz": (200, "ok"),
        "/version": (
            200,
            {"major": "1", "minor": "31", "gitVersion": "v1.31.2", "platform": "linux/amd64"},
        ),
        "/api": (
            200,
            {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
        ),
        "/apis": (
            200,
            {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": "autoscaling",
                        "versions": [
                            {"groupVersion": "autoscaling/v2", "version": "v2"},
                            {"groupVersion": "autoscaling/v1", "version": "v1"},
                        ],
                        "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"},
                    },
                    {
                        "name": "apps",
                        "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                        "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
                    },
                ],
            },
        ),
        "/api/v1": _resources(
            "v1",
            ("pods", "Pod"),
            ("pods/log", "Pod"),
            ("nodes", "Node"),
            ("configmaps", "ConfigMap"),
        ),
        "/apis/apps/v1": _resources(
            "apps/v1",
            ("statefulsets", "StatefulSet"),
            ("deployments", "Deployment"),
            ("deployments/scale", "Scale"),
        ),
        "/apis/autoscaling/v2": _resources(
            "autoscaling/v2", ("horizontalpodautoscalers", "HorizontalPodAutoscaler")
        ),
        "/apis/autoscaling/v1": _resources(
            "autoscaling/v1", ("horizontalpodautoscalers", "HorizontalPodAutoscaler")
        ),
        "/api/v1/nodes": object_list(
            "Node",
            [
                _node(
                    "node-a",
                    "True",
                    {
                        "cpu": "3920m",
                        "memory": "15992864Ki",
                        "pods": "110",
                        "ephemeral-storage": "95551679124",
                    },
                ),
                _node("node-b", "False", {"cpu": "4", "memory": "16Gi", "pods": "110"}),
            ],
        ),
        "/api/v1/pods": object_list(
            "Pod",
            [
                _pod(
                    "web-1",
                    "node-a",
                    "Running",
                    {
                        "containers": [
                            _container("app", {"cpu": "250m", "memory": "64Mi"}),
                            _container("proxy", {"cpu": "500m", "memory": "128Mi"}),
                        ],
                        "initContainers": [_container("setup", {"cpu": "1", "memory": "32Mi"})],
                        "overhead": {"cpu": "10m", "memory": "1Mi"},
                    },
                ),
                _pod(
                    "web-2",
                    "",
                    "Pending",
                    {"containers": [_container("app", {"cpu": "100m", "memory": "100Mi"})]},
                ),
                _pod(
                    "batch-1",
                    "node-b",
                    "Succeeded",
                    {"containers": [_container("job", {"cpu": "2"})]},
                ),
            ],
        ),
    }


CLUSTERS = """\
# The fleet's clusters (kept by hand, status by hubless clusters refresh)
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: east
  annotations:
    hubless.io/kubeconfig-context: admin@east   # the CI reader
spec:
  syncMode: Push
  region: "eu-1"
  resourceModels:
  - {grade: 0, ranges: [{name: cpu, min: "0", max: "1"}, {name: memory, min: "0", max: 4Gi}]}
  - {grade: 1, ranges: [{name: cpu, min: "1", max: "4"}, {name: memory, min: 4Gi, max: 16Gi}]}
  - {grade: 2, ranges: [{name: cpu, min: "4", max: "128"}, {name: memory, min: 16Gi, max: 1Ti}]}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: gone}
status:
  kubernetesVersion: v1.30.0
  conditions:
  - type: Ready
    status: "True"
    reason: ClusterReady
    message: cluster is healthy and ready to accept workloads
    lastTransitionTime: "2026-01-01T00:00:00Z"

# the next one is new
spec:
  syncMode: Push
"""

EAST_STATUS = """\
status:
  kubernetesVersion: v1.31.2
  apiEnablements:
  - groupVersion: apps/v1
    resources:
    - name: deployments
      kind: Deployment
    - name: statefulsets
      kind: StatefulSet
  - groupVersion: autoscaling/v1
    resources:
    - name: horizontalpodautoscalers
      kind: HorizontalPodAutoscaler
  - groupVersion: autoscaling/v2
    resources:
    - name: horizontalpodautoscalers
      kind: HorizontalPodAutoscaler
  - groupVersion: v1
    resources:
    - name: configmaps
      kind: ConfigMap
    - name: nodes
      kind: Node
    - name: pods
      kind: Pod
  conditions:
  - type: CompleteAPIEnablements
    status: 'True'
    reason: Complete
    message: collected complete APIEnablements from the cluster
    lastTransitionTime: '2026-03-01T10:00:00Z'
  - type: Ready
    status: 'True'
    reason: ClusterReady
    message: cluster is healthy and ready to accept workloads
    lastTransitionTime: '2026-03-01T10:00:00Z'
  - type: hubless.io/LastRefresh
    status: 'True'
    reason: ClusterReady
    message: observed 1 time in a row
    lastTransitionTime: '{time}'
  nodeSummary:
    totalNum: 2
    readyNum: 1
  resourceSummary:
    allocatable:
      cpu: 7920m
      ephemeral-storage: '95551679124'
      memory: 32770080Ki
      pods: '220'
    allocating:
      cpu: 100m
      memory: 100Mi
      pods: '1'
    allocated:
      cpu: 1010m
      memory: 193Mi
      pods: '1'
    allocatableModelings:
    - grade: 0
      count: 0
    - grade: 1
      count: 1
    - grade: 2
      count: 1
"""

GONE_STATUS = """\
status:
  kubernetesVersion: v1.30.0
  conditions:
  - type: Ready
    status: 'False'
    reason: ClusterNotReachable
    message: cluster is not reachable
    lastTransitionTime: '2026-03-01T10:00:00Z'
  - type: hubless.io/LastRefresh
    status: 'False'
    reason: ClusterNotReachable
    message: observed 1 time in a row
    lastTransitionTime: '2026-03-01T10:00:00Z'
"""


def _expected(east_time: str = "2026-03-01T10:00:00Z") -> str:
    head, _, tail = CLUSTERS.partition("---\n")
    gone_head, _, gone_tail = tail.partition("status:\n")
    gone_rest = gone_tail[gone_tail.index("\n# the next") :]
    return head + EAST_STATUS.format(time=east_time) + "---\n" + gone_head + GONE_STATUS + gone_rest


def test_refresh_rewrites_only_the_status_of_every_cluster(
    fleet: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = fleet({"policies/clusters.yaml": CLUSTERS})
    with serving(FakeCluster(healthy_routes())) as east:
        config = write_kubeconfig(
            tmp_path / "kubeconfig", {"admin@east": east.url, "gone": unreachable_url()}
        )
        assert refresh(repo, kubeconfig=config, contexts=(), threshold=1, now=T1) == 0
        first = (repo / "policies/clusters.yaml").read_bytes()
        assert first.decode() == _expected()
        # Nothing changed on the clusters: not one byte changes in the file.
        assert refresh(repo, kubeconfig=config, contexts=(), threshold=1, now=T1) == 0
        assert (repo / "policies/clusters.yaml").read_bytes() == first
    assert {method for method, _ in east.requests} == {"GET"}
    assert [path for _, path in east.requests][:8] == [
        "/readyz", "/version", "/api", "/apis", "/api/v1", "/apis/autoscaling/v2",
        "/apis/autoscaling/v1", "/apis/apps/v1",
    ]  # fmt: skip
    err = capsys.readouterr().err
    # The second run reads the rewritten file, where the Cluster starts lower.
    assert err.splitlines() == [
        f"policies/clusters.yaml:{line}: warning: cluster gone (context gone): cluster is not reachable "
        "(cannot connect: connection refused or no route)"
        for line in (16, 81)
    ]


def test_a_later_refresh_records_its_time_and_nothing_else(fleet: Any, tmp_path: Path) -> None:
    repo = fleet({"policies/clusters.yaml": CLUSTERS})
    file = repo / "policies/clusters.yaml"
    with serving(FakeCluster(healthy_routes())) as east:
        config = write_kubeconfig(tmp_path / "kubeconfig", {"admin@east": east.url})
        options: dict[str, Any] = {"kubeconfig": config, "contexts": ("gone=admin@east",)}
        refresh(repo, threshold=1, now=T1, **options)
        first = file.read_text()
        refresh(repo, threshold=1, now=T2, **options)
    # gone was Ready already: its Ready keeps the time it became Ready.
    assert "lastTransitionTime: '2026-01-01T00:00:00Z'" in first
    record = "message: observed 1 time in a row\n    lastTransitionTime: '2026-03-01T1{}:00:00Z'"
    assert first.count(record.format(0)) == 2
    assert file.read_text() == first.replace(record.format(0), record.format(1))


def _ready_block(status: str, reason: str, message: str, since: str) -> str:
    return (
        f"  - type: Ready\n    status: '{status}'\n    reason: {reason}\n"
        f"    message: {message}\n    lastTransitionTime: '{since}'\n"
    )


def _record(status: str, reason: str, times: int, at: str) -> str:
    plural = "time" if times == 1 else "times"
    return (
        f"  - type: hubless.io/LastRefresh\n    status: '{status}'\n    reason: {reason}\n"
        f"    message: observed {times} {plural} in a row\n    lastTransitionTime: '{at}'\n"
    )


def test_ready_flips_after_threshold_consecutive_observations(fleet: Any, tmp_path: Path) -> None:
    repo = fleet({"policies/clusters.yaml": CLUSTERS.partition("---\n")[0]})
    health: list[int] = [200]
    routes = healthy_routes()
    # A 500 from /readyz: the REST client takes it for an error, which Karmada counts as
    # not reachable (only 201..206 are "reachable but not ok").
    routes["/readyz"] = lambda query: (health[0], "ok" if health[0] == 200 else "failed")
    file = repo / "policies/clusters.yaml"
    ready = _ready_block(
        "True",
        "ClusterReady",
        "cluster is healthy and ready to accept workloads",
        "2026-03-01T10:00:00Z",
    )
    with serving(FakeCluster(routes)) as east:
        config = write_kubeconfig(tmp_path / "kubeconfig", {"admin@east": east.url})
        refresh(repo, kubeconfig=config, contexts=(), threshold=2, now=T1)
        collected = file.read_text()
        assert ready + _record("True", "ClusterReady", 1, "2026-03-01T10:00:00Z") in collected

        health[0] = 500
        refresh(repo, kubeconfig=config, contexts=(), threshold=2, now=T2)
        # Ready stays True (one failure is not two); the rest of the status is kept.
        assert file.read_text() == collected.replace(
            _record("True", "ClusterReady", 1, "2026-03-01T10:00:00Z"),
            _record("False", "ClusterNotReachable", 1, "2026-03-01T11:00:00Z"),
        )

        refresh(repo, kubeconfig=config, contexts=(), threshold=2, now=T3)
        assert file.read_text() == collected.replace(
            ready + _record("True", "ClusterReady", 1, "2026-03-01T10:00:00Z"),
            _ready_block(
                "False", "ClusterNotReachable", "cluster is not reachable", "2026-03-01T12:00:00Z"
            )
            + _record("False", "ClusterNotReachable", 2, "2026-03-01T12:00:00Z"),
        )

        health[0] = 200
        refresh(repo, kubeconfig=config, contexts=(), threshold=2, now=T4)
        assert file.read_text() == collected.replace(
            ready + _record("True", "ClusterReady", 1, "2026-03-01T10:00:00Z"),
            _ready_block(
                "False", "ClusterNotReachable", "cluster is not reachable", "2026-03-01T12:00:00Z"
            )
            + _record("True", "ClusterReady", 1, "2026-03-01T13:00:00Z"),
        )

        refresh(repo, kubeconfig=config, contexts=(), threshold=2, now=T5)
        assert file.read_text() == collected.replace(
            ready + _record("True", "ClusterReady", 1, "2026-03-01T10:00:00Z"),
            ready.replace("10:00:00Z", "14:00:00Z")
            + _record("True", "ClusterReady", 2, "2026-03-01T14:00:00Z"),
        )
    assert {method for method, _ in east.requests} == {"GET"}


def test_healthz_answers_when_readyz_is_not_installed(fleet: Any, tmp_path: Path) -> None:
    repo = fleet({"policies/clusters.yaml": CLUSTERS.partition("---\n")[0]})
    routes = healthy_routes()
    routes["/readyz"] = not_found("/readyz")
    routes["/healthz"] = (202, "ok")  # reachable, but not 200
    with serving(FakeCluster(routes)) as east:
        config = write_kubeconfig(tmp_path / "kubeconfig", {"admin@east": east.url})
        refresh(repo, kubeconfig=config, contexts=(), threshold=1, now=T1)
    assert (repo / "policies/clusters.yaml").read_text() == CLUSTERS.partition("---\n")[0] + (
        "status:\n  conditions:\n"
        + _ready_block(
            "False",
            "ClusterNotReady",
            "cluster is reachable but health endpoint responded without ok",
            "2026-03-01T10:00:00Z",
        )
        + _record("False", "ClusterNotReady", 1, "2026-03-01T10:00:00Z")
    )
    assert [path for _, path in east.requests] == ["/readyz", "/healthz"]


def test_the_command_line_refreshes_with_the_time_of_the_run(fleet: Any, tmp_path: Path) -> None:
    repo = fleet({"policies/clusters.yaml": CLUSTERS})
    with serving(FakeCluster(healthy_routes())) as east:
        config = write_kubeconfig(
            tmp_path / "kubeconfig", {"admin@east": east.url, "gone": unreachable_url()}
        )
        before = datetime.now(UTC).replace(microsecond=0)
        result = CliRunner().invoke(
            cli, ["clusters", "refresh", "--repo", str(repo), "--kubeconfig", str(config)]
        )
        after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    text = (repo / "policies/clusters.yaml").read_text()
    stamp = text.split("type: hubless.io/LastRefresh", 1)[0].rsplit("lastTransitionTime: ", 1)[1]
    stamp = stamp.split("\n", 1)[0].strip("'\"")
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= moment <= after
    # Every time the run writes is the run's (T1 in the other tests).
    assert text == _expected(east_time=stamp).replace("2026-03-01T10:00:00Z", stamp)
    assert (
        result.stderr.count("warning: cluster gone (context gone): cluster is not reachable") == 1
    )
