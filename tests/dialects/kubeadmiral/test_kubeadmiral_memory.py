"""KubeAdmiral remembers: the last render's placement is the scheduler's current one.

Each case is one of KubeAdmiral's own scheduler tests that has a current state, run as two
renders: the first places the replicas the upstream case starts from, the second is the case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hubless.commands.render import render
from tests.conftest import read_rendered, write_tree

CORE = "core.kubeadmiral.io/v1alpha1"
NO_SCHEDULE = {"key": "a", "value": "b", "effect": "NoSchedule"}


def cluster(name: str, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": CORE,
        "kind": "FederatedCluster",
        "metadata": {"name": name},
        "spec": {"apiEndpoint": f"https://{name}", "taints": taints or []},
        "status": {
            "conditions": [
                {"type": "Joined", "status": "True"},
                {"type": "Ready", "status": "True"},
            ]
        },
    }


def policy(
    weights: dict[str, int],
    maximum: dict[str, int] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    placement = []
    for name, weight in weights.items():
        preferences: dict[str, int] = {"weight": weight}
        if maximum and name in maximum:
            preferences["maxReplicas"] = maximum[name]
        placement.append({"cluster": name, "preferences": preferences})
    return {
        "apiVersion": CORE,
        "kind": "PropagationPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"schedulingMode": "Divide", "placement": placement, **spec},
    }


def template(replicas: int, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": "web",
        "namespace": "shop",
        "labels": {"app": "web", "kubeadmiral.io/propagation-policy-name": "web"},
    }
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "shop/web:1.0"}]},
            },
        },
    }


def member(replicas: int) -> dict[str, Any]:
    """The Deployment KubeAdmiral applies in a cluster given `replicas`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web", "kubeadmiral.io/managed": "true"},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "shop/web:1.0"}]},
            },
        },
    }


def rendered(
    repo: Path,
    clusters: list[dict[str, Any]],
    policy: dict[str, Any],
    deployment: dict[str, Any],
    *options: str,
) -> dict[str, object]:
    """Render the fleet into `repo` (over the last render) and return each cluster's Deployment."""
    write_tree(
        repo,
        {
            "policies/clusters.yaml": "\n---\n".join(json.dumps(c) for c in clusters),
            "policies/policy.yaml": json.dumps(policy),
            "templates/web.yaml": json.dumps(deployment),
        },
    )
    assert render(repo, check=False, fresh="--fresh" in options) == 0
    return {
        path.partition("/")[0]: body
        for path, body in read_rendered(repo).items()
        if path.endswith("/deployment.apps_web.yaml")
    }


THREE = [cluster("cluster1"), cluster("cluster2"), cluster("cluster3")]
# rsp_test.go builds its scheduling units without AvoidDisruption, Go's zero value: off.
DISRUPT = {"reschedulePolicy": {"replicaRescheduling": {"avoidDisruption": False}}}
TAINTED = [cluster("cluster1", [NO_SCHEDULE]), cluster("cluster2"), cluster("cluster3")]


# Equal weights are ordered by FNV-1 of cluster name and object key. Upstream's planner tests
# use the key "", ordering C, B, A; this Deployment's key shop/web orders cluster3, cluster1,
# cluster2, so upstream's A and B trade places below.
EQUAL = dict.fromkeys(("cluster1", "cluster2", "cluster3"), 1)


def test_avoid_disruption_keeps_what_runs_when_scaling_up(tmp_path: Path) -> None:
    # planner/planner_test.go, TestWithExisting (first case): weights 1 each, 50 replicas over
    # A, B, C with C running 30: avoidDisruption keeps C's 30 and spreads the 20 new ones,
    # the first in order taking ceil(20/2) = 11 (upstream's B), the other 9.
    first = rendered(tmp_path, THREE, policy({"cluster3": 1}), template(30))
    assert first == {"cluster3": member(30)}
    second = rendered(tmp_path, THREE, policy(EQUAL), template(50))
    assert second == {"cluster1": member(11), "cluster2": member(9), "cluster3": member(30)}


def test_without_avoid_disruption_the_division_starts_over(tmp_path: Path) -> None:
    # TestWithExisting, the same case with avoidDisruption off: 17, 17, 16 in hash order, as
    # from scratch (upstream's A 16, B 17, C 17).
    rendered(tmp_path, THREE, policy({"cluster3": 1}), template(30))
    off = policy(EQUAL, **DISRUPT)
    second = rendered(tmp_path, THREE, off, template(50))
    assert second == {"cluster1": member(17), "cluster2": member(16), "cluster3": member(17)}


def test_two_clusters_keep_the_running_thirty(tmp_path: Path) -> None:
    # TestWithExisting: 50 replicas over A and B with A running 30: A 30, B 20.
    two = [cluster("cluster1"), cluster("cluster2")]
    rendered(tmp_path, two, policy({"cluster1": 1}), template(30))
    second = rendered(tmp_path, two, policy({"cluster1": 1, "cluster2": 1}), template(50))
    assert second == {"cluster1": member(30), "cluster2": member(20)}


def test_no_schedule_taint_keeps_running_replicas_when_scaling_up(tmp_path: Path) -> None:
    # framework/plugins/rsp/rsp_test.go, TestNoScheduleTaint "Static scheduling with weights
    # specified, noScheduleTaint should be respected when scaling up": cluster1 runs 2 and is
    # tainted NoSchedule; 18 replicas by weights 2, 3, 5 give cluster1 its 2, then 6 and 10.
    rendered(tmp_path, THREE, policy({"cluster1": 1}), template(2))
    weights = {"cluster1": 2, "cluster2": 3, "cluster3": 5}
    second = rendered(tmp_path, TAINTED, policy(weights, **DISRUPT), template(18))
    assert second == {"cluster1": member(2), "cluster2": member(6), "cluster3": member(10)}


def test_no_schedule_taint_is_ignored_when_scaling_down(tmp_path: Path) -> None:
    # TestNoScheduleTaint "Static scheduling with weights specified, noScheduleTaint should be
    # ignored when scaling down": 4, 6, 10 running, 10 wanted: 2, 3, 5.
    weights = {"cluster1": 2, "cluster2": 3, "cluster3": 5}
    first = rendered(tmp_path, THREE, policy(weights), template(20))
    assert first == {"cluster1": member(4), "cluster2": member(6), "cluster3": member(10)}
    second = rendered(tmp_path, TAINTED, policy(weights, **DISRUPT), template(10))
    assert second == {"cluster1": member(2), "cluster2": member(3), "cluster3": member(5)}


def test_max_replicas_below_current_wins_over_the_taint(tmp_path: Path) -> None:
    # TestMaxReplicas "MaxReplicas < CurrentReplicas, MaxReplicas and noScheduleTaint are
    # effective at the same time": cluster1 runs 2, tainted; maxReplicas 1 everywhere: 1, 1, 1.
    rendered(tmp_path, THREE, policy({"cluster1": 1}), template(2))
    weights = {"cluster1": 2, "cluster2": 3, "cluster3": 5}
    capped = policy(weights, dict.fromkeys(weights, 1), **DISRUPT)
    second = rendered(tmp_path, TAINTED, capped, template(10))
    assert second == {"cluster1": member(1), "cluster2": member(1), "cluster3": member(1)}


def test_max_replicas_above_current_with_the_taint(tmp_path: Path) -> None:
    # TestMaxReplicas "MaxReplicas > CurrentReplicas, ...": cluster1 runs 2, tainted; weights
    # 1 each, maxReplicas 3 each, 12 wanted: cluster1 keeps 2 (no new ones), 3 and 3.
    rendered(tmp_path, THREE, policy({"cluster1": 1}), template(2))
    weights = dict.fromkeys(("cluster1", "cluster2", "cluster3"), 1)
    capped = policy(weights, dict.fromkeys(weights, 3), **DISRUPT)
    second = rendered(tmp_path, TAINTED, capped, template(12))
    assert second == {"cluster1": member(2), "cluster2": member(3), "cluster3": member(3)}


def test_sticky_cluster_keeps_the_placement(tmp_path: Path) -> None:
    # core/generic_scheduler_test.go, TestSchedulingWithStickyCluster: a sticky object already
    # placed keeps its clusters and replicas whatever the policy now says.
    sticky = {"kubeadmiral.io/sticky-cluster": "true"}
    first = rendered(tmp_path, THREE, policy({"cluster1": 1}), template(6, sticky))
    assert first == {"cluster1": member(6)}
    weights = dict.fromkeys(("cluster1", "cluster2", "cluster3"), 1)
    second = rendered(tmp_path, THREE, policy(weights), template(6, sticky))
    assert second == {"cluster1": member(6)}


def test_fresh_render_forgets_the_current_placement(tmp_path: Path) -> None:
    # `render --fresh` schedules from no placement: the sticky object is placed anew.
    sticky = {"kubeadmiral.io/sticky-cluster": "true"}
    rendered(tmp_path, THREE, policy({"cluster1": 1}), template(6, sticky))
    weights = dict.fromkeys(("cluster1", "cluster2", "cluster3"), 1)
    second = rendered(tmp_path, THREE, policy(weights), template(6, sticky), "--fresh")
    assert second == {"cluster1": member(2), "cluster2": member(2), "cluster3": member(2)}
