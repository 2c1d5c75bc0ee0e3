"""`hubless validate` and render's validation: each object against its cluster's schema."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import COMMON_APIS, cluster_yaml, run_hubless, write_tree

APIS = {
    **COMMON_APIS,
    "policy/v1beta1": ("PodDisruptionBudget",),
    "policy/v1": ("PodDisruptionBudget",),
    "example.com/v1": ("Widget",),
    "monitoring.coreos.com/v1": ("ServiceMonitor",),
}


def versioned(name: str, version: str | None) -> str:
    text = cluster_yaml(name, apis=APIS)
    if version is None:
        return text
    return text.replace("status:\n", f"status:\n  kubernetesVersion: {version}\n")


POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment}
  - {apiVersion: policy/v1beta1, kind: PodDisruptionBudget}
  - {apiVersion: policy/v1, kind: PodDisruptionBudget}
  - {apiVersion: example.com/v1, kind: Widget}
  - {apiVersion: monitoring.coreos.com/v1, kind: ServiceMonitor}
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
"""
GOOD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "web:1"}]
"""
CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
"""


def repo(tmp_path: Path, *templates: str, version: str | None = "v1.30.2") -> Path:
    files = {
        "policies/clusters.yaml": versioned("one", version),
        "policies/all.yaml": POLICY,
        "templates/crd.yaml": CRD,
    }
    for index, text in enumerate(templates):
        files[f"templates/t{index}.yaml"] = text
    write_tree(tmp_path, files)
    return tmp_path


def test_valid_objects_pass(tmp_path: Path) -> None:
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\nspec: {size: 3}\n"
    result = run_hubless("validate", cwd=repo(tmp_path, GOOD, widget))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == "valid: 1 clusters, 3 objects, 3 checked against their cluster's Kubernetes schema\n"
    )
    assert not (tmp_path / "rendered").exists()  # validate writes nothing


def test_wrong_types_unknown_fields_and_removed_apis_fail(tmp_path: Path) -> None:
    bad = GOOD.replace("replicas: 2", "replicas: 2\n  minReadySeconds: two\n  minReadySecond: 5")
    pdb = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p, namespace: shop}\nspec: {minAvailable: 1}\n"
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\nspec: {size: 0}\n"
    result = run_hubless("validate", cwd=repo(tmp_path, bad, pdb, widget))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    where = "Deployment.apps/shop/web on cluster one (Kubernetes 1.30)"
    assert (
        f"templates/t0.yaml:1: error: {where}: spec: Additional properties are not allowed ('minReadySecond' was unexpected)"
        in lines
    )
    assert (
        f"templates/t0.yaml:1: error: {where}: spec.minReadySeconds: must be an integer or null, not a string"
        in lines
    )
    assert (
        "templates/t1.yaml:1: error: PodDisruptionBudget.policy/shop/p on cluster one (Kubernetes 1.30): "
        "policy/v1beta1 PodDisruptionBudget is not served by Kubernetes 1.30"
    ) in lines
    assert any(
        "Widget.example.com/shop/w" in line and "spec.size: 0 is less than the minimum of 1" in line
        for line in lines
    )


def test_render_validates_by_default_and_writes_nothing_on_failure(tmp_path: Path) -> None:
    path = repo(tmp_path, GOOD.replace("replicas: 2", "minReadySeconds: two"))
    result = run_hubless("render", cwd=path)
    assert result.returncode == 1 and "spec.minReadySeconds" in result.stderr
    assert not (tmp_path / "rendered").exists()
    assert run_hubless("render", "--no-validate", cwd=path).returncode == 0


def test_unknown_kinds_and_unversioned_clusters_are_reported(tmp_path: Path) -> None:
    # A kind hubless knows the scope of, with no CRD in templates/ to check it against.
    monitor = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: g, namespace: shop}\n"
    result = run_hubless("validate", cwd=repo(tmp_path, GOOD, monitor))
    assert result.returncode == 0
    assert (
        "warning: monitoring.coreos.com/v1 ServiceMonitor has no schema (no CustomResourceDefinition in templates/): not validated on one"
        in result.stderr
    )
    unversioned = repo(
        tmp_path / "u", GOOD.replace("replicas: 2", "minReadySeconds: two"), version=None
    )
    result = run_hubless("validate", cwd=unversioned)
    assert result.returncode == 0
    assert (
        "cluster one has no status.kubernetesVersion: its objects are not validated"
        in result.stderr
    )
    result = run_hubless("validate", "--kube-version-default", "1.28", cwd=unversioned)
    assert result.returncode == 1 and "(Kubernetes 1.28): spec.minReadySeconds" in result.stderr
