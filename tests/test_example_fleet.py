"""The example fleet at the top of the repository: current, and placed by Karmada's rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hubless.commands.render import render
from tests.conftest import read_rendered

REPO = Path(__file__).resolve().parent.parent
PROD = {"prod-aws-use1", "prod-aws-euw1", "prod-gcp-euw4", "prod-gcp-apse1"}
ALL = PROD | {"staging-gcp-euw4", "dev-aws-use1"}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    repo = tmp_path_factory.mktemp("example")
    for part in ("policies", "templates"):
        shutil.copytree(REPO / part, repo / part)
    assert render(repo, check=False) == 0
    return read_rendered(repo)


def where(rendered: dict[str, object], suffix: str) -> set[str]:
    return {path.split("/", 1)[0] for path in rendered if path.endswith(suffix)}


@pytest.mark.parametrize("fleet", [".", "examples/migrate-kubefed", "examples/migrate-kubeadmiral"])
def test_committed_rendered_tree_is_current(fleet: str, tmp_path: Path) -> None:
    for part in ("policies", "templates", "rendered"):
        shutil.copytree(REPO / fleet / part, tmp_path / part)
    assert render(tmp_path, check=True) == 0


def test_storefront_goes_to_prod_and_staging_except_the_excluded_cluster(
    rendered: dict[str, object],
) -> None:
    expected = {"prod-aws-use1", "prod-aws-euw1", "prod-gcp-euw4", "staging-gcp-euw4"}
    for suffix in (
        "shop/deployment.apps_storefront.yaml",
        "shop/service_storefront.yaml",
        "shop/configmap_storefront-config.yaml",
    ):
        assert where(rendered, suffix) == expected


def test_storefront_overrides_per_region_and_env(rendered: dict[str, object]) -> None:
    def deployment(cluster: str) -> dict:
        return rendered[f"{cluster}/shop/deployment.apps_storefront.yaml"]  # type: ignore[return-value]

    images = {
        c: [x["image"] for x in deployment(c)["spec"]["template"]["spec"]["containers"]]
        for c in ("prod-aws-use1", "prod-aws-euw1", "prod-gcp-euw4", "staging-gcp-euw4")
    }
    us = [
        "registry.us.example.com/shop/storefront:1.8.2",
        "registry.us.example.com/library/nginx:1.27",
    ]
    eu = [
        "registry.eu.example.com/shop/storefront:1.8.2",
        "registry.eu.example.com/library/nginx:1.27",
    ]
    assert images == {
        "prod-aws-use1": us,
        "prod-aws-euw1": eu,
        "prod-gcp-euw4": eu,
        "staging-gcp-euw4": eu,
    }
    assert {c: deployment(c)["spec"]["replicas"] for c in images} == {
        "prod-aws-use1": 6, "prod-aws-euw1": 6, "prod-gcp-euw4": 6, "staging-gcp-euw4": 2,
    }  # fmt: skip
    staging_config = rendered["staging-gcp-euw4/shop/configmap_storefront-config.yaml"]
    assert staging_config["data"]["LOG_LEVEL"] == "debug"  # type: ignore[index]


def test_database_on_named_clusters_with_one_replica_on_staging(
    rendered: dict[str, object],
) -> None:
    named = {"prod-aws-use1", "prod-gcp-euw4", "staging-gcp-euw4"}
    assert where(rendered, "data/statefulset.apps_postgres.yaml") == named
    assert where(rendered, "data/backupschedule.backup.example.com_postgres-nightly.yaml") == named
    assert (
        where(
            rendered,
            "_cluster/customresourcedefinition.apiextensions.k8s.io_backupschedules.backup.example.com.yaml",
        )
        == named
    )
    replicas = {
        c: rendered[f"{c}/data/statefulset.apps_postgres.yaml"]["spec"]["replicas"] for c in named
    }  # type: ignore[index]
    assert replicas == {"prod-aws-use1": 3, "prod-gcp-euw4": 3, "staging-gcp-euw4": 1}
    retention = {
        c: rendered[f"{c}/data/backupschedule.backup.example.com_postgres-nightly.yaml"]["spec"][
            "retentionDays"
        ]
        for c in named
    }  # type: ignore[index]
    assert retention == {"prod-aws-use1": 14, "prod-gcp-euw4": 14, "staging-gcp-euw4": 3}


def test_cluster_scoped_objects(rendered: dict[str, object]) -> None:
    # env Exists matches every cluster; the tainted one is tolerated.
    assert (
        where(rendered, "_cluster/clusterrole.rbac.authorization.k8s.io_fleet-readonly.yaml") == ALL
    )
    assert where(rendered, "_cluster/storageclass.storage.k8s.io_fast.yaml") == ALL
    provisioners = {
        c: rendered[f"{c}/_cluster/storageclass.storage.k8s.io_fast.yaml"]["provisioner"]  # type: ignore[index]
        for c in ALL
    }
    assert provisioners == {
        c: ("pd.csi.storage.gke.io" if "-gcp-" in c else "ebs.csi.aws.com") for c in ALL
    }


def test_explicit_priority_sends_the_canary_off_production(rendered: dict[str, object]) -> None:
    assert where(rendered, "monitoring/daemonset.apps_node-exporter.yaml") == PROD
    assert where(rendered, "monitoring/daemonset.apps_node-exporter-canary.yaml") == {
        "staging-gcp-euw4",
        "dev-aws-use1",
    }


def test_namespaces(rendered: dict[str, object]) -> None:
    for name in ("shop", "data", "monitoring", "edge"):
        assert where(rendered, f"_cluster/namespace_{name}.yaml") == ALL
    assert where(rendered, "_cluster/namespace_sandbox.yaml") == {"dev-aws-use1"}
    assert where(rendered, "sandbox/resourcequota_sandbox-quota.yaml") == {"dev-aws-use1"}


def test_edge_cache_spreads_over_two_regions_of_the_first_affinity_term(
    rendered: dict[str, object],
) -> None:
    # Term `critical` holds prod-aws-use1 (us-east-1) and prod-aws-euw1 (eu-west-1): two
    # regions, one cluster each, as the spread constraints ask.
    assert where(rendered, "edge/deployment.apps_edge-cache.yaml") == {
        "prod-aws-use1",
        "prod-aws-euw1",
    }
    assert where(rendered, "_cluster/namespace_edge.yaml") == ALL


def test_checkout_is_divided_by_available_replicas(rendered: dict[str, object]) -> None:
    # Room at 500m cpu per replica (cpu is the tightest resource everywhere):
    # prod-aws-use1 86650m free -> 173, prod-aws-euw1 57650m -> 115, prod-gcp-euw4
    # 43650m -> 87. Webster over 173:115:87 for 12 seats gives 5:4:3.
    replicas = {
        path.split("/")[0]: obj["spec"]["replicas"]  # type: ignore[index]
        for path, obj in rendered.items()
        if path.endswith("shop/deployment.apps_checkout.yaml")
    }
    assert replicas == {"prod-aws-use1": 5, "prod-aws-euw1": 4, "prod-gcp-euw4": 3}


def test_reindex_job_is_divided_by_static_weight(rendered: dict[str, object]) -> None:
    # AWS weight 2, GCP weight 1; prod-gcp-apse1 is tainted. Webster over 2:2:1 for a
    # parallelism of 6 gives 3:2:1 (the euw1/use1 tie goes to the smaller name), and the
    # 30 completions follow that parallelism: 15:10:5.
    specs = {
        path.split("/")[0]: obj["spec"]  # type: ignore[index]
        for path, obj in rendered.items()
        if path.endswith("data/job.batch_reindex.yaml")
    }
    assert {c: (s["parallelism"], s["completions"]) for c, s in specs.items()} == {
        "prod-aws-euw1": (3, 15),
        "prod-aws-use1": (2, 10),
        "prod-gcp-euw4": (1, 5),
    }


def test_storefront_dependencies_follow_the_deployment(rendered: dict[str, object]) -> None:
    storefront = where(rendered, "shop/deployment.apps_storefront.yaml")
    assert where(rendered, "shop/configmap_storefront-config.yaml") == storefront
    assert where(rendered, "shop/sealedsecret.bitnami.com_storefront-db.yaml") == storefront


def test_embedded_settings_are_overridden_on_staging(rendered: dict[str, object]) -> None:
    data = rendered["staging-gcp-euw4/shop/configmap_storefront-config.yaml"]["data"]  # type: ignore[index]
    assert data["settings.json"] == (
        '{"checkout":{"timeoutSeconds":5,"retries":2},"currency":"USD","sandboxPayments":true}'
    )
    # YAML comes back with its keys sorted, as Karmada's Go YAML library writes it.
    assert data["app.yaml"] == (
        "cache:\n  ttlSeconds: 300\nlogging:\n  format: json\n  level: debug\n"
        "tracing:\n  enabled: true\n  sampleRate: 0.25\n"
    )
    prod = rendered["prod-aws-use1/shop/configmap_storefront-config.yaml"]["data"]  # type: ignore[index]
    assert (
        prod["app.yaml"] == "logging:\n  level: info\n  format: json\ncache:\n  ttlSeconds: 300\n"
    )


def test_every_object_is_labelled_with_its_environment(rendered: dict[str, object]) -> None:
    env = {"prod-aws-use1": "prod", "staging-gcp-euw4": "staging", "dev-aws-use1": "dev"}
    for path, obj in rendered.items():
        cluster = path.split("/")[0]
        if cluster in env and "hubless-fleet" not in path:  # bootstrap objects: no policies
            labels = obj["metadata"]["labels"]  # type: ignore[index]
            assert labels["fleet.example.com/env"] == env[cluster], path
    dev_ns = rendered["dev-aws-use1/_cluster/namespace_shop.yaml"]
    assert dev_ns["metadata"]["annotations"] == {"fleet.example.com/support": "best-effort"}  # type: ignore[index]


def test_self_managed_clusters_get_their_bootstrap_objects(rendered: dict[str, object]) -> None:
    flux = rendered[
        "dev-aws-use1/flux-system/gitrepository.source.toolkit.fluxcd.io_hubless-fleet.yaml"
    ]
    assert flux["spec"]["ignore"] == "/*\n!/rendered/dev-aws-use1/\n"  # type: ignore[index]
    argo = rendered["staging-gcp-euw4/argocd/application.argoproj.io_hubless-fleet.yaml"]
    assert argo["spec"]["source"]["path"] == "rendered/staging-gcp-euw4"  # type: ignore[index]
    assert not any("hubless-fleet" in path for path in rendered if path.startswith("prod-"))
