"""`hubless bootstrap --report-status HOST`: what makes a cluster post a commit status on
the commit it deployed, named after the cluster, through Flux's notification-controller or
Argo CD Notifications.

Expected objects are written from the upstream APIs: notification.toolkit.fluxcd.io/v1beta3
Provider/Alert (the Provider's commitStatusExpr names the status; without it the
controller's default is `<kind>/<name>/<provider uid prefix>`, which says nothing of the
cluster), and argocd-notifications-cm entries as notifications-engine reads them (trigger
conditions, a template's github.status, a service whose `$key` strings come from
argocd-notifications-secret; subscriptions `subscribe.<trigger>.<service>`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hubless import bootstrap
from hubless.documents import parse_documents
from hubless.kubeschema import Catalog, Version
from tests.conftest import cluster_yaml, run_hubless, write_tree

URL = "https://github.com/acme/fleet.git"
CLUSTERS = "---\n".join(cluster_yaml(name) for name in ("alpha", "beta"))


def _bootstrap(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    write_tree(tmp_path, {"policies/clusters.yaml": CLUSTERS})
    result = run_hubless("bootstrap", "--repo-url", URL, *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [document.data for document in parse_documents(result.stdout, "out")]


def _flux_status(cluster: str, host: str) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Provider",
            "metadata": {"name": "hubless-fleet", "namespace": "flux-system"},
            "spec": {
                "type": host,
                "address": URL,
                "secretRef": {"name": "hubless-fleet-status"},
                "commitStatusExpr": f'"hubless/{cluster}"',
            },
        },
        {
            "apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Alert",
            "metadata": {"name": "hubless-fleet", "namespace": "flux-system"},
            "spec": {
                "providerRef": {"name": "hubless-fleet"},
                "eventSeverity": "info",
                "eventSources": [{"kind": "Kustomization", "name": "hubless-fleet"}],
            },
        },
    ]


@pytest.mark.parametrize("host", ["github", "gitlab"])
def test_flux_adds_a_provider_and_an_alert_on_the_clusters_kustomization(
    tmp_path: Path, host: str
) -> None:
    pulling = _bootstrap(tmp_path, "--gitops", "flux", "--cluster", "beta")
    documents = _bootstrap(
        tmp_path, "--gitops", "flux", "--cluster", "beta", "--report-status", host
    )
    assert documents[:2] == pulling  # what pulls the folder is unchanged
    assert documents[2:] == _flux_status("beta", host)
    kustomization = documents[1]
    assert documents[3]["spec"]["eventSources"] == [
        {"kind": kustomization["kind"], "name": kustomization["metadata"]["name"]}
    ]


def test_flux_commit_statuses_differ_per_cluster(tmp_path: Path) -> None:
    """Every cluster's Kustomization is named alike (notification-controller#194): the
    status each posts must still be its own."""
    expressions = {
        cluster: _bootstrap(
            tmp_path, "--gitops", "flux", "--cluster", cluster, "--report-status", "github"
        )[2]["spec"]["commitStatusExpr"]
        for cluster in ("alpha", "beta")
    }
    assert expressions == {"alpha": '"hubless/alpha"', "beta": '"hubless/beta"'}


def _entries(configmap: dict[str, Any]) -> dict[str, Any]:
    return {key: yaml.safe_load(value) for key, value in configmap["data"].items()}


def _notifications(where: str) -> dict[str, Any]:
    """The argocd-notifications-cm entries, parsed, for one cluster or a Go template."""
    return {
        "service.github.hubless-github": {
            "appID": "$hubless-github-appID",
            "installationID": "$hubless-github-installationID",
            "privateKey": "$hubless-github-privateKey",
        },
        "template.hubless-commit-status": {
            "message": f"Synced and healthy on {where}.",
            "github": {
                "repoURLPath": "{{.app.spec.source.repoURL}}",
                "revisionPath": "{{.app.status.operationState.syncResult.revision}}",
                "status": {"state": "success", "label": f"hubless/{where}"},
            },
        },
        "trigger.hubless-deployed": [
            {
                "description": (
                    "The sync succeeded and the application is healthy; once per revision."
                ),
                "when": "app.status.operationState != nil"
                " and app.status.operationState.phase == 'Succeeded'"
                " and app.status.health.status == 'Healthy'",
                "oncePer": "app.status.operationState?.syncResult?.revision",
                "send": ["hubless-commit-status"],
            }
        ],
    }


SUBSCRIPTION = "notifications.argoproj.io/subscribe.hubless-deployed.hubless-github"


def test_argocd_subscribes_its_application_to_a_github_commit_status(tmp_path: Path) -> None:
    (pulling,) = _bootstrap(tmp_path, "--gitops", "argocd", "--cluster", "beta")
    application, configmap = _bootstrap(
        tmp_path, "--gitops", "argocd", "--cluster", "beta", "--report-status", "github"
    )
    pulling["metadata"]["annotations"][SUBSCRIPTION] = ""
    assert application == pulling
    assert {key: configmap[key] for key in ("apiVersion", "kind", "metadata")} == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-notifications-cm", "namespace": "argocd"},
    }
    assert _entries(configmap) == _notifications("beta")


def test_argocd_commit_statuses_differ_per_cluster(tmp_path: Path) -> None:
    labels = {
        cluster: _entries(
            _bootstrap(
                tmp_path, "--gitops", "argocd", "--cluster", cluster, "--report-status", "github"
            )[1]
        )["template.hubless-commit-status"]["github"]["status"]["label"]
        for cluster in ("alpha", "beta")
    }
    assert labels == {"alpha": "hubless/alpha", "beta": "hubless/beta"}


def test_a_central_argocd_names_each_status_after_the_applications_cluster(
    tmp_path: Path,
) -> None:
    (pulling,) = _bootstrap(tmp_path, "--gitops", "argocd", "--central")
    applicationset, configmap = _bootstrap(
        tmp_path, "--gitops", "argocd", "--central", "--report-status", "github"
    )
    pulling["spec"]["template"]["metadata"]["annotations"][SUBSCRIPTION] = ""
    assert applicationset == pulling
    # The generated Applications' destination is the cluster's name.
    assert applicationset["spec"]["template"]["spec"]["destination"] == {
        "name": "{{.path.basename}}"
    }
    assert _entries(configmap) == _notifications("{{.app.spec.destination.name}}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--gitops", "argocd", "--cluster", "beta", "--report-status", "gitlab"],
            "error: --report-status gitlab: Argo CD Notifications posts commit statuses "
            "to github only\n",
        ),
        (
            ["--gitops", "argocd", "--central", "--report-status", "gitea"],
            "error: --report-status gitea: Argo CD Notifications posts commit statuses "
            "to github only\n",
        ),
    ],
)
def test_argocd_reports_to_github_only(tmp_path: Path, args: list[str], message: str) -> None:
    write_tree(tmp_path, {"policies/clusters.yaml": CLUSTERS})
    result = run_hubless("bootstrap", "--repo-url", URL, *args, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", message)


@pytest.mark.parametrize(
    "args",
    [
        ["--gitops", "flux", "--cluster", "beta"],
        ["--gitops", "argocd", "--cluster", "beta"],
        ["--gitops", "argocd", "--central"],
    ],
)
def test_reporting_objects_are_schema_valid(tmp_path: Path, args: list[str]) -> None:
    documents = _bootstrap(tmp_path, *args, "--report-status", "github")
    catalog = Catalog([])
    for document in documents:
        key = (document["apiVersion"], document["kind"])
        if key in bootstrap.SCHEMAS:
            jsonschema.validate(document, bootstrap.SCHEMAS[key])
        else:  # the ConfigMap: Kubernetes' own schema, then each entry's
            assert key == ("v1", "ConfigMap")
            assert catalog.check(document, Version(1, 30)) == []
            for entry, value in _entries(document).items():
                schema = bootstrap.notification_schema(entry)
                assert schema is not None, entry
                jsonschema.validate(value, schema)


def test_reporting_schemas_catch_mistakes() -> None:
    provider, alert = bootstrap.flux_status_objects("beta", URL, "github")
    providers = bootstrap.SCHEMAS[("notification.toolkit.fluxcd.io/v1beta3", "Provider")]
    alerts = bootstrap.SCHEMAS[("notification.toolkit.fluxcd.io/v1beta3", "Alert")]
    untyped = {**provider, "spec": {k: v for k, v in provider["spec"].items() if k != "type"}}
    not_a_source = {
        **alert,
        "spec": {**alert["spec"], "eventSources": [{"kind": "Deployment", "name": "web"}]},
    }
    for document, schema in ((untyped, providers), (not_a_source, alerts)):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)
    template = _notifications("beta")["template.hubless-commit-status"]
    misspelt = {**template, "github": {"status": {"state": "success", "lable": "hubless/beta"}}}
    no_such_state = {**template, "github": {"status": {"state": "ok", "label": "hubless/beta"}}}
    for entry in (misspelt, no_such_state):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(entry, bootstrap.NOTIFICATION_SCHEMAS["template"])
