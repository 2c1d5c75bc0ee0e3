"""`hubless validate` and render's validation: each object against its cluster's schema."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    where = "Deployment.apps/shop/web for cluster one (Kubernetes 1.30)"
    assert (
        f"templates/t0.yaml:1: error: {where}: spec: Additional properties are not allowed ('minReadySecond' was unexpected)"
        in lines
    )
    assert (
        f"templates/t0.yaml:1: error: {where}: spec.minReadySeconds: must be an integer or null, not a string"
        in lines
    )
    assert (
        "templates/t1.yaml:1: error: PodDisruptionBudget.policy/shop/p for cluster one (Kubernetes 1.30): "
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


# Problems an override rule made are reported at the rule: the last applied rule that
# wrote the failing field, or a value holding it.

TWO_CLUSTERS = {
    "policies/clusters.yaml": versioned("east", "v1.30.2") + "---\n" + versioned("west", "v1.30.0"),
    "policies/all.yaml": POLICY,
    "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
}


def override(*rules: str) -> str:
    """An OverridePolicy for the Deployment; each rule starts on line 7, 7 + 6, ..."""
    text = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
        "metadata: {name: scale, namespace: shop}\nspec:\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n  overrideRules:\n"
    )
    for rule in rules:
        target, _, patch = rule.rpartition("|")
        clusters = f"{{clusterNames: [{target}]}}" if target else "{}"
        text += (
            f"  - targetCluster: {clusters}\n    overriders:\n      plaintext:\n"
            f"      - {patch}\n      annotationsOverrider:\n"
            "      - {operator: add, value: {rule: applied}}\n"
        )
    return text


def run_both(path: Path) -> list[list[str]]:
    """stderr lines of `validate`, then of `render` (which writes nothing on failure)."""
    outputs = []
    for command in ("validate", "render"):
        result = run_hubless(command, cwd=path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        outputs.append(result.stderr.splitlines())
    assert not (path / "rendered").exists()
    return outputs


@pytest.mark.parametrize(
    ("patch", "problem"),
    [
        (
            "{path: /spec/replicas, operator: replace, value: three}",
            "spec.replicas: must be an integer or null, not a string",
        ),
        ("{path: /spec/selector, operator: remove}", "spec: 'selector' is a required property"),
        (
            "{path: /spec/template/spec/containers/0/cpu, operator: add, value: 1}",
            "spec.template.spec.containers.0: Additional properties are not allowed "
            "('cpu' was unexpected)",
        ),
        (
            '{path: /spec/template/spec/containers, operator: replace, value: [{image: "web:2"}]}',
            "spec.template.spec.containers.0: 'name' is a required property",
        ),
    ],
)
def test_a_value_an_override_rule_made_invalid_is_reported_at_the_rule(
    tmp_path: Path, patch: str, problem: str
) -> None:
    write_tree(
        tmp_path,
        {**TWO_CLUSTERS, "templates/web.yaml": GOOD, "policies/override.yaml": override(patch)},
    )
    expected = (
        "policies/override.yaml:7: error: OverridePolicy/shop/scale overrideRules[0] makes "
        "Deployment.apps/shop/web invalid for clusters east, west (Kubernetes 1.30): "
        f"{problem} (template templates/web.yaml:1)"
    )
    assert run_both(tmp_path) == [[expected], [expected]]


def test_an_invalid_value_from_the_template_stays_at_the_template(tmp_path: Path) -> None:
    # The rule applies, but writes elsewhere: the bad value is the template's own.
    write_tree(
        tmp_path,
        {
            **TWO_CLUSTERS,
            "templates/web.yaml": GOOD.replace("replicas: 2", "minReadySeconds: three"),
            "policies/override.yaml": override(
                "{path: /metadata/labels, operator: add, value: {tier: web}}"
            ),
        },
    )
    expected = (
        "templates/web.yaml:1: error: Deployment.apps/shop/web for clusters east, west "
        "(Kubernetes 1.30): spec.minReadySeconds: must be an integer or null, not a string"
    )
    assert run_both(tmp_path) == [[expected], [expected]]


def test_the_last_rule_that_wrote_the_value_is_blamed_on_its_clusters_only(
    tmp_path: Path,
) -> None:
    write_tree(
        tmp_path,
        {
            **TWO_CLUSTERS,
            "templates/web.yaml": GOOD,
            "policies/override.yaml": override(
                "{path: /spec/replicas, operator: replace, value: two}",
                "west|{path: /spec/replicas, operator: replace, value: many}",
                "{path: /metadata/labels, operator: add, value: {tier: web}}",
            ),
        },
    )
    assert run_both(tmp_path)[0] == [
        "policies/override.yaml:7: error: OverridePolicy/shop/scale overrideRules[0] makes "
        "Deployment.apps/shop/web invalid for cluster east (Kubernetes 1.30): spec.replicas: "
        "must be an integer or null, not a string (template templates/web.yaml:1)",
        "policies/override.yaml:13: error: OverridePolicy/shop/scale overrideRules[1] makes "
        "Deployment.apps/shop/web invalid for cluster west (Kubernetes 1.30): spec.replicas: "
        "must be an integer or null, not a string (template templates/web.yaml:1)",
    ]


def test_one_problem_on_clusters_of_several_versions_is_one_message(tmp_path: Path) -> None:
    clusters = versioned("east", "v1.30.2") + "---\n" + versioned("north", "v1.31.0")
    bad = GOOD.replace("replicas: 2", "replicas: 2\n  minReadySeconds: two")
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters,
            "policies/all.yaml": POLICY,
            "templates/web.yaml": bad,
        },
    )
    assert run_both(tmp_path)[0] == [
        "templates/web.yaml:1: error: Deployment.apps/shop/web for clusters east "
        "(Kubernetes 1.30), north (Kubernetes 1.31): spec.minReadySeconds: must be an integer "
        "or null, not a string"
    ]
