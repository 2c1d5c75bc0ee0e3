"""Karmada's MultiClusterService (networking.karmada.io/v1alpha1) in templates/: a
CrossCluster one takes its Service over from every propagation policy and sends it to its
provider and consumer clusters; it is checked as Karmada's webhook checks it."""

from __future__ import annotations

import json
from pathlib import Path

from hubless.commands.render import render
from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = "---\n".join(cluster_yaml(name) for name in ("east", "north", "south", "west"))

SERVICE_YAML = """
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
}
POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: v1, kind: Service}]
  placement:
    clusterAffinity: {clusterNames: [east]}
"""
PATH = "{}/shop/service_web.yaml"


def mcs(spec: str) -> str:
    return (
        "apiVersion: networking.karmada.io/v1alpha1\n"
        "kind: MultiClusterService\n"
        "metadata: {name: web, namespace: shop}\n"
        "spec:\n" + spec
    )


def fleet(tmp_path: Path, spec: str) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/web.yaml": POLICY,
            "templates/web.yaml": SERVICE_YAML,
            "templates/mcs.yaml": mcs(spec),
        },
    )


def services(tmp_path: Path) -> dict[str, object]:
    return {p: o for p, o in read_rendered(tmp_path).items() if "/shop/service_" in p}


# Karmada pkg/controllers/multiclusterservice/mcs_controller.go: handleMultiClusterService-
# CreateOrUpdate claims the Service (claimMultiClusterServiceForService; the detector then
# leaves it to the MultiClusterService, detector.go "Policy cannot reclaim it") and
# buildResourceBinding places it on the union of providers and consumers (TestBuildResourceBinding
# "Build ResourceBinding with non-overlapping clusters").
def test_a_cross_cluster_service_goes_to_its_providers_and_consumers_not_its_policys(
    tmp_path: Path,
) -> None:
    fleet(
        tmp_path,
        "  types: [CrossCluster]\n"
        "  providerClusters: [{name: west}]\n"
        "  consumerClusters: [{name: north}]\n",
    )
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {PATH.format("north"): SERVICE, PATH.format("west"): SERVICE}


# pkg/util/helper/mcs.go GetProviderClusters / GetConsumerClusters: an empty list is
# every cluster (TestBuildResourceBinding "Build ResourceBinding with empty consumer
# clusters").
def test_an_empty_consumer_list_means_every_cluster(tmp_path: Path) -> None:
    fleet(tmp_path, "  types: [CrossCluster]\n  providerClusters: [{name: west}]\n")
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {
        PATH.format(name): SERVICE for name in ("east", "north", "south", "west")
    }


# MultiClusterServiceCrossClusterEnabled: only CrossCluster claims the Service
# (TestServiceHasCrossClusterMultiClusterService "Service has no cross-cluster MCS").
def test_a_load_balancer_service_stays_with_its_policy(tmp_path: Path) -> None:
    fleet(tmp_path, "  types: [LoadBalancer]\n  providerClusters: [{name: west}]\n")
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {PATH.format("east"): SERVICE}


def test_explain_says_the_multicluster_service_claims_the_service(tmp_path: Path) -> None:
    fleet(tmp_path, "  types: [CrossCluster]\n  consumerClusters: [{name: north}]\n")
    result = run_hubless("explain", "Service/shop/web", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "claimed by MultiClusterService/shop/web: it goes to the union of its provider and "
        "consumer clusters, and no propagation policy applies"
    ) in result.stdout.splitlines()
    data = json.loads(run_hubless("explain", "Service/shop/web", "-o", "json", cwd=tmp_path).stdout)
    assert data["via"] == "MultiClusterService/shop/web"
    assert [c["name"] for c in data["clusters"] if c["selected"]] == [
        "east",
        "north",
        "south",
        "west",
    ]


def errors(tmp_path: Path) -> tuple[int, list[str]]:
    result = run_hubless("render", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.splitlines()


# pkg/webhook/multiclusterservice/validating_test.go TestValidateMultiClusterServiceSpec:
# "multiple exposure type mcs", "invalid ExposureType", "duplicated svc name",
# "invalid svc port", "invalid cluster name".
def test_the_webhooks_rules_are_errors_at_their_lines(tmp_path: Path) -> None:
    cases = {
        "  types: [CrossCluster, LoadBalancer]\n": (
            "templates/mcs.yaml:5: error: spec.types: must not hold more than one type"
        ),
        '  types: [""]\n': (
            "templates/mcs.yaml:5: error: spec.types[0]: '' is not one of 'CrossCluster', "
            "'LoadBalancer'"
        ),
        "  types: [CrossCluster]\n  ports:\n  - {name: foo, port: 80}\n  - {name: foo, port: 81}\n": (
            "templates/mcs.yaml:8: error: spec.ports[1].name: duplicate port name 'foo'"
        ),
        "  types: [CrossCluster]\n  ports:\n  - {port: 163121}\n": (
            "templates/mcs.yaml:7: error: spec.ports[0].port: 163121 must be a port number "
            "from 1 to 65535"
        ),
        f"  types: [CrossCluster]\n  providerClusters: [{{name: {'a' * 49}}}]\n": (
            f"templates/mcs.yaml:6: error: spec.providerClusters[0]: cluster name {'a' * 49!r} "
            "must be a DNS-1123 label of at most 48 characters"
        ),
    }
    for spec, expected in cases.items():
        fleet(tmp_path, spec)
        code, lines = errors(tmp_path)
        assert (code, lines) == (1, [expected]), spec


def test_a_cluster_missing_from_the_inventory_is_warned_about(tmp_path: Path) -> None:
    fleet(
        tmp_path,
        "  types: [CrossCluster]\n  providerClusters: [{name: west}, {name: mars}]\n"
        "  consumerClusters: [{name: north}]\n",
    )
    code, lines = errors(tmp_path)
    assert code == 0
    assert (
        "templates/mcs.yaml:6: warning: MultiClusterService.networking.karmada.io/shop/web "
        "names cluster 'mars', which is not in the inventory"
    ) in lines
    assert services(tmp_path) == {PATH.format("north"): SERVICE, PATH.format("west"): SERVICE}


def test_changing_or_removing_the_multicluster_service_moves_the_service(tmp_path: Path) -> None:
    # Only the MultiClusterService's file changes: the Service must follow all the same.
    fleet(
        tmp_path,
        "  types: [CrossCluster]\n  providerClusters: [{name: west}]\n"
        "  consumerClusters: [{name: west}]\n",
    )
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {PATH.format("west"): SERVICE}
    (tmp_path / "templates/mcs.yaml").write_text(
        mcs(
            "  types: [CrossCluster]\n  providerClusters: [{name: south}]\n"
            "  consumerClusters: [{name: south}]\n"
        )
    )
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {PATH.format("south"): SERVICE}
    (tmp_path / "templates/mcs.yaml").unlink()
    assert render(tmp_path, check=False) == 0
    assert services(tmp_path) == {PATH.format("east"): SERVICE}
