"""Policies naming clusters that are not in the inventory are warned about at their line."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cluster_yaml, run_hubless, write_tree

POLICIES = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: by-name}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  placement:
    clusterAffinity: {clusterNames: [east, esat]}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: weighted, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
        - targetCluster: {clusterNames: [east]}
          weight: 1
        - targetCluster: {clusterNames: [wset, nrth]}
          weight: 2
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: tune}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  overrideRules:
  - targetCluster: {clusterNames: [west]}
    overriders: {labelsOverrider: [{operator: add, value: {a: b}}]}
  - targetCluster: {clusterNames: [wets]}
    overriders: {labelsOverrider: [{operator: add, value: {a: c}}]}
"""


def test_cluster_names_missing_from_the_inventory_are_warned_about(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": cluster_yaml("east") + "---\n" + cluster_yaml("west"),
            "policies/policies.yaml": POLICIES,
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n",
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "not in the inventory" in line]
    # Lines: the first policy starts at 1, the second at 9, the override rule is at 32.
    assert warnings == [
        "policies/policies.yaml:1: warning: ClusterPropagationPolicy/by-name names cluster "
        "'esat' in placement.clusterAffinity.clusterNames, not in the inventory: no cluster "
        "matches that name",
        "policies/policies.yaml:9: warning: PropagationPolicy/shop/weighted names clusters "
        "'nrth', 'wset' in staticWeightList[1].targetCluster.clusterNames, not in the "
        "inventory: no cluster matches that name",
        "policies/policies.yaml:32: warning: ClusterOverridePolicy/tune overrideRules[1] names "
        "cluster 'wets' in targetCluster.clusterNames, not in the inventory: no cluster "
        "matches that name",
    ]
