"""Renders that keep unchanged clusters' files: the same bytes as a full render, and only
the clusters whose inputs changed are made again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build.plan import plan_render
from generator.build.result import Strategy
from generator.commands.render import render
from tests.conftest import cluster_yaml, snapshot, write_tree

NAMES = ("east-1", "east-2", "west-1", "west-2", "dev-1")


def clusters(
    *extra: str, labels: dict[str, dict[str, str]] | None = None, without: str = ""
) -> str:
    def one(name: str) -> str:
        env = "dev" if name.startswith("dev") else "prod"
        region = "us-west1" if name.startswith("west") else "us-east1"
        own = {"env": env, "tier": "a"} | (labels or {}).get(name, {})
        return cluster_yaml(name, own, provider="gcp", region=region)

    return "\n---\n".join(one(name) for name in (*NAMES, *extra) if name != without)


TEMPLATES = {
    "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    "templates/web.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
""",
    "templates/settings.yaml": """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {app: web}}
data: {mode: fast}
""",
}

POLICIES = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - targetCluster: {labelSelector: {matchLabels: {tier: a}}}
          weight: 1
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: settings, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap}
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: regions}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment}
  - {apiVersion: v1, kind: ConfigMap}
  overrideRules:
  - targetCluster: {fieldSelector: {matchExpressions: [{key: region, operator: In, values: [us-west1]}]}}
    overriders:
      imageOverrider: [{component: Registry, operator: replace, value: west.example.com}]
      annotationsOverrider: [{operator: add, value: {region: west}}]
  - targetCluster: {labelSelector: {matchLabels: {canary: "true"}}}
    overriders:
      labelsOverrider: [{operator: add, value: {track: canary}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: east-1, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap, name: settings}
  overrideRules:
  - targetCluster: {clusterNames: [east-1]}
    overriders:
      plaintext: [{path: /data/mode, operator: replace, value: slow}]
"""


def files() -> dict[str, str]:
    return {"policies/clusters.yaml": clusters(), "policies/policies.yaml": POLICIES, **TEMPLATES}


def change_and_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: dict[str, str]
) -> tuple[frozenset[str], dict[str, tuple[bytes, int]], dict[str, tuple[bytes, int]]]:
    """Render, apply the change, render again; check it equals a full render. Returns the
    clusters kept, and the tree before and after."""
    repo = tmp_path / "repo"
    write_tree(repo, files())
    render(repo, check=False)
    before = snapshot(repo / "rendered")
    write_tree(repo, changed)
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()  # no shortcut: a full render
    rendering = plan_render(repo)
    assert rendering.strategy is Strategy.CLUSTERS, "the render reused no cluster"
    kept = [rendering.reused]
    render(repo, check=False)
    render(full, check=False)
    after = snapshot(repo / "rendered")
    assert {k: v[0] for k, v in after.items()} == {
        k: v[0] for k, v in snapshot(full / "rendered").items()
    }
    assert render(repo, check=True) == 0
    assert len(kept) == 1, "the render reused no cluster"
    for path, (content, mtime) in after.items():
        if path.split("/", 1)[0] in kept[0]:
            assert before[path] == (content, mtime)  # not written again
    return kept[0], before, after


def folders(tree: dict[str, tuple[bytes, int]]) -> set[str]:
    return {p.split("/", 1)[0] for p in tree if not p.startswith(".hubless/")}


def test_a_new_cluster_is_made_and_the_others_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, before, after = change_and_compare(
        tmp_path, monkeypatch, {"policies/clusters.yaml": clusters("west-3")}
    )
    # The Divided Deployment is not rescheduled for a new cluster (Karmada's rule), the
    # ConfigMap and Namespace go to it: every other cluster is as it was.
    assert kept == frozenset(NAMES)
    assert folders(after) - folders(before) == {"west-3"}
    west3 = {p for p in after if p.startswith("west-3/")}
    assert west3 == {
        "west-3/_cluster/namespace_shop.yaml",
        "west-3/shop/configmap_settings.yaml",
    }
    assert b"region: west" in after["west-3/shop/configmap_settings.yaml"][0]


def test_a_removed_cluster_goes_and_the_others_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path, monkeypatch, {"policies/clusters.yaml": clusters(without="dev-1")}
    )
    assert "dev-1" not in folders(after)
    # The Deployment's clusters all remain, so it is kept where it was; only dev-1 changes.
    assert kept == frozenset(NAMES) - {"dev-1"}


def test_a_relabelled_cluster_alone_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {"policies/clusters.yaml": clusters(labels={"west-2": {"canary": "true"}})},
    )
    assert kept == frozenset(NAMES) - {"west-2"}
    assert b"track: canary" in after["west-2/shop/configmap_settings.yaml"][0]


def test_an_override_for_one_cluster_makes_only_that_cluster_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {"policies/policies.yaml": POLICIES.replace("value: slow", "value: slower")},
    )
    assert kept == frozenset(NAMES) - {"east-1"}
    assert b"mode: slower" in after["east-1/shop/configmap_settings.yaml"][0]


def test_a_placement_change_makes_the_clusters_it_moves_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ConfigMap's policy now takes dev clusters too.
    policies = POLICIES.replace(
        "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
        "    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}",
        "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
        "    clusterAffinity: {labelSelector: {matchLabels: {tier: a}}}",
    )
    assert policies != POLICIES
    kept, _, after = change_and_compare(tmp_path, monkeypatch, {"policies/policies.yaml": policies})
    assert kept == frozenset(NAMES) - {"dev-1"}
    assert "dev-1/shop/configmap_settings.yaml" in after


def test_a_template_edit_with_a_cluster_change_makes_the_template_s_clusters_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {
            "policies/clusters.yaml": clusters("east-3"),
            "templates/web.yaml": TEMPLATES["templates/web.yaml"].replace("web:1.0", "web:1.1"),
        },
    )
    # Every cluster holding the Deployment is made again (a digest leaves bodies out);
    # dev-1 holds only the Namespace.
    assert kept == {"dev-1"}
    assert b"web:1.1" in after["east-1/shop/deployment.apps_web.yaml"][0]
