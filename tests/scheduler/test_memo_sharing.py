"""One render works out each filter's verdict on a cluster once per what that filter reads
(its `reads`: the placement, the kind, whether the resource is a workload, whether the
cluster is in the previous placement, ...), not once per template and scheduling pass."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from hubless.commands.render import render
from hubless.model import Cluster, ClusterAffinity, Placement
from hubless.scheduler import ScheduleInput, filters, schedule
from hubless.scheduler.core import ScheduleMemo
from hubless.scheduler.filters import Plugin
from hubless.serialize import dump
from tests.conftest import cluster_yaml, read_rendered, write_tree
from tests.test_scheduler import cluster, request

CLUSTERS = ("a", "b", "c")
POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap}
  - {apiVersion: v1, kind: Service}
  - {apiVersion: apps/v1, kind: Deployment}
"""
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "web", "namespace": "shop"},
    "data": {"LOG_LEVEL": "info"},
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]},
        },
    },
}


def _counting(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """Every filter check from now on, by filter and cluster."""
    checked: Counter[tuple[str, str]] = Counter()

    def wrap(plugin: Plugin) -> Plugin:
        def check(request: ScheduleInput, on: Cluster) -> str | None:
            checked[plugin.name, on.name] += 1
            return plugin.check(request, on)

        return plugin._replace(check=check)

    monkeypatch.setattr(filters, "FILTERS", tuple(wrap(p) for p in filters.FILTERS))
    return checked


def test_a_policys_kinds_and_the_passes_of_a_render_share_the_filters_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ConfigMap, a Service and a Deployment of one policy on three clusters. A cold
    render schedules twice: from no previous placement, then from its own result (every
    cluster), so "in the previous placement" takes both values on every cluster. Each
    filter runs once per cluster for each value of what it reads: APIEnablement per kind
    and previous placement; ClusterAffinity per workload or not (overflow affinities are
    for workloads, as in Karmada's plugin); TaintToleration and the workload affinity
    filters per previous placement; ClusterEviction and SpreadConstraint once. Running
    every filter for every template and pass would be 3 kinds x 2 passes = 6 each."""
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": "---\n".join(cluster_yaml(n) for n in CLUSTERS),
            "policies/web.yaml": POLICY,
            "templates/web.yaml": "---\n".join(
                dump(body) for body in (NAMESPACE, CONFIGMAP, SERVICE, DEPLOYMENT)
            ),
        },
    )
    checked = _counting(monkeypatch)
    assert render(tmp_path, check=False) == 0
    runs = {
        "APIEnablement": 3 * 2,
        "ClusterEviction": 1,
        "TaintToleration": 2,
        "ClusterAffinity": 2,
        "SpreadConstraint": 1,
        "WorkloadAntiAffinity": 2,
        "WorkloadAffinity": 2,
    }
    assert checked == {(f, c): n for f, n in runs.items() for c in CLUSTERS}
    assert read_rendered(tmp_path) == {
        path.format(c): body
        for c in CLUSTERS
        for path, body in (
            ("{}/_cluster/namespace_shop.yaml", NAMESPACE),
            ("{}/shop/configmap_web.yaml", CONFIGMAP),
            ("{}/shop/service_web.yaml", SERVICE),
            ("{}/shop/deployment.apps_web.yaml", DEPLOYMENT),
        )
    }


def _schedule_names_only(name: str, clusters: list[Cluster], memo: ScheduleMemo) -> list[str]:
    # the placement lives only as long as this call, as a MultiClusterService's does
    placement = Placement(cluster_affinity=ClusterAffinity(cluster_names=(name,)))
    return [t.name for t in schedule(request(placement), clusters, memo).clusters]


def test_a_placement_made_and_dropped_does_not_answer_for_a_later_one() -> None:
    """The memo keys placements by identity: a placement dropped after scheduling must not
    lend its results to the next one made at the same address."""
    clusters = [cluster("a"), cluster("b")]
    memo = ScheduleMemo()
    assert _schedule_names_only("a", clusters, memo) == ["a"]
    assert _schedule_names_only("b", clusters, memo) == ["b"]
    assert _schedule_names_only("a", clusters, memo) == ["a"]
