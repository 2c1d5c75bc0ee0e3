"""A ClusterSetIP ServiceImport's derived Service (Karmada's service_import_controller.go
deriveServiceFromServiceImport: `derived-<name>`, type ClusterIP, the import's ports by
name, protocol, port and appProtocol) is a template, and propagateDeps takes it along."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import COMMON_APIS, cluster_yaml, read_rendered, run_hubless, write_tree

APIS = {**COMMON_APIS, "multicluster.x-k8s.io/v1alpha1": ("ServiceImport",)}
IMPORT = """
apiVersion: multicluster.x-k8s.io/v1alpha1
kind: ServiceImport
metadata: {name: db, namespace: shop}
spec:
  type: ClusterSetIP
  ports:
  - {name: sql, protocol: TCP, port: 5432}
  - {port: 9187, appProtocol: http}
"""
POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: db, namespace: shop}
spec:
  propagateDeps: true
  resourceSelectors: [{apiVersion: multicluster.x-k8s.io/v1alpha1, kind: ServiceImport, name: db}]
  placement:
    clusterAffinity: {clusterNames: [a, b]}
"""


def _fleet(repo: Path, extra: dict[str, str] | None = None) -> None:
    write_tree(
        repo,
        {
            "policies/clusters.yaml": "---\n".join(cluster_yaml(n, apis=APIS) for n in "abc"),
            "policies/db.yaml": POLICY,
            "templates/db.yaml": IMPORT,
            **(extra or {}),
        },
    )


def test_the_derived_service_follows_its_service_import(tmp_path: Path) -> None:
    _fleet(tmp_path)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rendered = read_rendered(tmp_path)
    derived = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "derived-db", "namespace": "shop"},
        "spec": {
            "type": "ClusterIP",
            "ports": [
                {"name": "sql", "protocol": "TCP", "port": 5432},
                {"port": 9187, "appProtocol": "http"},
            ],
        },
    }
    for cluster in "ab":
        assert rendered[f"{cluster}/shop/service_derived-db.yaml"] == derived
    assert "c/shop/service_derived-db.yaml" not in rendered
    explained = run_hubless("explain", "Service/shop/derived-db", cwd=tmp_path).stdout
    assert explained.splitlines()[:3] == [
        "Service/shop/derived-db  (templates/db.yaml:1)",
        "propagated as a dependency (propagateDeps) of:",
        "  ServiceImport.multicluster.x-k8s.io/shop/db on a, b",
    ]


def test_only_a_cluster_set_ip_import_derives_a_service(tmp_path: Path) -> None:
    _fleet(tmp_path, {"templates/db.yaml": IMPORT.replace("ClusterSetIP", "Headless")})
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [p for p in read_rendered(tmp_path) if "derived-db" in p]


def test_a_committed_derived_service_is_an_error(tmp_path: Path) -> None:
    committed = "apiVersion: v1\nkind: Service\nmetadata: {name: derived-db, namespace: shop}\n"
    _fleet(tmp_path, {"templates/derived.yaml": committed})
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "templates/derived.yaml:1: error: Service/shop/derived-db is written by Karmada's "
        "ServiceImport controller from the ServiceImport at templates/db.yaml:1 (type "
        "ClusterSetIP): remove it from templates/\n"
    )
