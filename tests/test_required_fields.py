"""Validation accepts what the cluster's API server accepts: a field the OpenAPI schema
lists as required but the server's validation never requires (hubless.optional_fields)
may be absent; a field the server does require still fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubless import kubeschema
from hubless.optional_fields import NOT_ENFORCED, NotEnforced
from tests.conftest import COMMON_APIS, cluster_yaml, run_hubless, write_tree

APIS = {
    **COMMON_APIS,
    "networking.k8s.io/v1": ("NetworkPolicy",),
    "scheduling.k8s.io/v1": ("PriorityClass",),
}
POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: StatefulSet}
  - {apiVersion: apps/v1, kind: Deployment}
  - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy}
  - {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding}
  - {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass}
  - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
"""
# Karmada's test helper NewStatefulSet (test/helper/resource.go): no serviceName.
STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: "nginx:1.19.0"}]
"""


def cluster(name: str, version: str) -> str:
    text = cluster_yaml(name, apis=APIS)
    return text.replace("status:\n", f"status:\n  kubernetesVersion: {version}\n")


def fleet(root: Path, clusters: dict[str, str], *templates: str) -> Path:
    files = {
        "policies/clusters.yaml": "---\n".join(cluster(n, v) for n, v in clusters.items()),
        "policies/all.yaml": POLICY,
        "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    }
    files.update({f"templates/t{i}.yaml": text for i, text in enumerate(templates)})
    write_tree(root, files)
    return root


def test_a_statefulset_without_service_name_passes_on_1_30_and_1_31(tmp_path: Path) -> None:
    # serviceName is `required` in the 1.25-1.32 schemas; the API server lets it be empty.
    path = fleet(tmp_path, {"old": "v1.30.4", "new": "v1.31.1"}, STATEFULSET)
    result = run_hubless("validate", cwd=path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        # the StatefulSet and its Namespace on each cluster
        "valid: 2 clusters, 4 objects, 4 checked against their cluster's Kubernetes schema\n"
    )
    result = run_hubless("render", cwd=path)
    assert (result.returncode, result.stderr) == (0, "")
    expected = (
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\n  namespace: shop\n"
        "spec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: nginx\n"
        "  template:\n    metadata:\n      labels:\n        app: nginx\n    spec:\n"
        "      containers:\n      - name: nginx\n        image: nginx:1.19.0\n"
    )
    for name in ("old", "new"):
        written = path / "rendered" / name / "shop" / "statefulset.apps_web.yaml"
        assert written.read_text() == expected


POD_TEMPLATE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
"""


@pytest.mark.parametrize(
    "template",
    [
        # NetworkPolicySpec.podSelector: an empty selector, every pod (1.25-1.33)
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: deny, namespace: shop}\nspec: {policyTypes: [Ingress]}\n",
        # RoleRef.apiGroup: defaulted to rbac.authorization.k8s.io (1.25-1.35)
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
        "metadata: {name: read, namespace: shop}\nroleRef: {kind: Role, name: reader}\n"
        "subjects: [{kind: ServiceAccount, name: app, namespace: shop}]\n",
        # PriorityClass.value: 0 is valid (1.25-1.35)
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: batch}\n"
        "description: the default priority, with a name\n",
        # Sysctl.value, PreferredSchedulingTerm.preference, HTTPHeader.value
        POD_TEMPLATE + "      securityContext: {sysctls: [{name: net.ipv4.tcp_syncookies}]}\n"
        "      affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: "
        "[{weight: 1}]}}\n"
        "      containers:\n      - name: web\n        image: web:1\n"
        "        readinessProbe: {httpGet: {path: /, port: 80, httpHeaders: [{name: X-Probe}]}}\n",
        # CustomResourceDefinitionVersion.served and .storage: false is valid
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\nspec:\n  group: example.com\n"
        "  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n  versions:\n"
        "  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}\n"
        "  - {name: v1beta1, schema: {openAPIV3Schema: {type: object}}}\n",
    ],
    ids=["NetworkPolicy", "RoleBinding", "PriorityClass", "pod spec", "CRD"],
)
def test_other_fields_the_api_server_does_not_require_may_be_absent(
    tmp_path: Path, template: str
) -> None:
    result = run_hubless("validate", cwd=fleet(tmp_path, {"one": "v1.30.2"}, template))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        # the object and the Namespace shop
        "valid: 1 clusters, 2 objects, 2 checked against their cluster's Kubernetes schema\n"
    )


def test_fields_the_api_server_requires_still_fail(tmp_path: Path) -> None:
    # A Deployment needs its selector, a container its name (ValidateDeploymentSpec,
    # validateContainerCommon).
    template = POD_TEMPLATE.replace("  selector: {matchLabels: {app: web}}\n", "")
    template += '      containers: [{image: "web:1"}]\n'
    result = run_hubless("validate", cwd=fleet(tmp_path, {"one": "v1.30.2"}, template))
    assert result.returncode == 1
    where = "templates/t0.yaml:1: error: Deployment.apps/shop/web for cluster one (Kubernetes 1.30)"
    assert result.stderr.splitlines() == [
        f"{where}: spec: 'selector' is a required property",
        f"{where}: spec.template.spec.containers.0: 'name' is a required property",
    ]


def test_a_correction_applies_to_its_versions_only(tmp_path: Path) -> None:
    # A sleep of 0 seconds is refused until PodLifecycleSleepActionAllowZero is on by
    # default (1.33); the schemas require `seconds` throughout.
    template = POD_TEMPLATE + (
        "      containers:\n      - name: web\n        image: web:1\n"
        "        lifecycle: {preStop: {sleep: {}}}\n"
    )
    path = fleet(tmp_path, {"older": "v1.32.3", "newer": "v1.33.0"}, template)
    result = run_hubless("validate", cwd=path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "templates/t0.yaml:1: error: Deployment.apps/shop/web for cluster older "
        "(Kubernetes 1.32): spec.template.spec.containers.0.lifecycle.preStop.sleep: "
        "'seconds' is a required property"
    ]


@pytest.mark.parametrize("entry", NOT_ENFORCED, ids=lambda e: f"{e.definition}.{e.field}")
def test_each_correction_names_a_field_its_schemas_require(entry: NotEnforced) -> None:
    """The table is exact: every version of an entry's range lists the field as required
    in the bundled schemas (so a wrong name or range cannot hide)."""
    versions = [v for v in kubeschema.bundled_versions() if entry.first <= v <= entry.last]
    assert versions, entry
    for version in versions:
        directory = kubeschema._directory(version)
        definitions = json.loads(directory.joinpath("_definitions.json").read_text())["$defs"]
        assert entry.field in definitions[entry.definition].get("required", []), (entry, version)
