"""Kubefed remembers: an RSP plans with the replicas the last render placed as those running.

Each case is one of Kubefed's planner tests with existing replicas (planner_test.go,
TestEqualWithExisting), run as two renders: the first places the replicas the upstream case
starts from, the second is the case. Kubefed reads each candidate cluster's member object
(its spec.replicas, when all are ready); under GitOps that is what the last render wrote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hubless.commands.render import render
from tests.conftest import read_rendered, write_tree
from tests.dialects.kubefed.test_kubefed import deployment, kubefed_cluster, namespace, rsp


def member(replicas: int) -> dict[str, Any]:
    """The Deployment Kubefed's sync writes in a cluster planned `replicas`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web", "kubefed.io/managed": "true"},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
            },
        },
    }


def rendered(repo: Path, clusters: list[str], preference: dict[str, Any]) -> dict[str, object]:
    """Render over the last render; each cluster's Deployment."""
    placement = {"clusters": [{"name": name} for name in clusters]}
    write_tree(
        repo,
        {
            "policies/clusters.yaml": "\n---\n".join(kubefed_cluster(n) for n in clusters),
            "policies/rsp.yaml": json.dumps(preference),
            "templates/objects.yaml": "\n---\n".join(
                json.dumps(o) for o in (namespace(placement), deployment(placement))
            ),
        },
    )
    assert render(repo, check=False) == 0
    return {
        path.partition("/")[0]: body
        for path, body in read_rendered(repo).items()
        if path.endswith("/deployment.apps_web.yaml")
    }


def test_existing_replicas_stay_and_the_rest_spread(tmp_path: Path) -> None:
    # TestEqualWithExisting: "*" weight 1, 50 over A, B, C with C running 30: A 10, B 10,
    # C 30. The first render gives c its 30 (a and b, without a preference, get the object
    # with 0 replicas, as Kubefed writes them; 0 running changes nothing here).
    first = rendered(tmp_path, ["a", "b", "c"], rsp({"c": {"weight": 1}}, 30))
    assert first == {"a": member(0), "b": member(0), "c": member(30)}
    second = rendered(tmp_path, ["a", "b", "c"], rsp(None, 50))
    assert second == {"a": member(10), "b": member(10), "c": member(30)}


def test_existing_replicas_are_kept_up_to_the_total(tmp_path: Path) -> None:
    # TestEqualWithExisting: 1 replica over A and B with A running 30: A 1, B 0. Here the
    # running cluster is b, which FNV-1 orders after a (key shop/web): from scratch the
    # replica would go to a.
    rendered(tmp_path, ["a", "b"], rsp({"b": {"weight": 1}}, 30))
    second = rendered(tmp_path, ["a", "b"], rsp(None, 1))
    assert second == {"a": member(0), "b": member(1)}


def test_two_clusters_keep_the_running_thirty(tmp_path: Path) -> None:
    # TestEqualWithExisting: 50 over A and B with A running 30: A 30, B 20.
    rendered(tmp_path, ["a", "b"], rsp({"a": {"weight": 1}}, 30))
    second = rendered(tmp_path, ["a", "b"], rsp(None, 50))
    assert second == {"a": member(30), "b": member(20)}


def test_rebalance_plans_as_if_nothing_ran(tmp_path: Path) -> None:
    # spec.rebalance: running replicas are not preallocated, so 50 over A and B with A
    # running 30 is the even split TestEqual gives without existing replicas: 25 and 25.
    rendered(tmp_path, ["a", "b"], rsp({"a": {"weight": 1}}, 30))
    second = rendered(tmp_path, ["a", "b"], rsp(None, 50, rebalance=True))
    assert second == {"a": member(25), "b": member(25)}
