"""`hubless status collect` against fake API servers behind a real kubeconfig.

Every response is shaped as the Kubernetes API reference (discovery, lists without
per-item apiVersion/kind, chunked lists with `continue`, 404 Status) and the Argo CD
Application / Flux Kustomization CRDs define them; the official client reads them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hubless.build.layout import CLUSTER_MARKER, CLUSTER_MARKER_TEXT, object_path
from hubless.cli import cli
from hubless.kube.collect import as_printed
from hubless.kube.discovery import Resource
from hubless.serialize import dump
from tests.conftest import cluster_yaml, run_hubless, write_tree
from tests.fakekube import (
    FakeCluster,
    discovery,
    object_list,
    serving,
    unreachable_url,
    write_kubeconfig,
)

NOW = datetime(2026, 12, 6, 17, 0, 0, tzinfo=UTC)
SHA = "6f3c0e1b2a9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"
REPO_URL = "https://git.example.com/platform/fleet.git"
MANAGED = [
    {
        "manager": "kube-controller-manager",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "time": "2026-12-06T16:58:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:status": {"f:readyReplicas": {}}},
    }
]


def meta(name: str, namespace: str = "", **extra: Any) -> dict[str, Any]:
    """Metadata as the API server returns it (managedFields included)."""
    found: dict[str, Any] = {"name": name}
    if namespace:
        found["namespace"] = namespace
    found.update(
        uid=f"uid-{namespace}-{name}",
        resourceVersion="4711",
        creationTimestamp="2026-12-01T09:00:00Z",
        managedFields=MANAGED,
        **extra,
    )
    return found


def without_managed(obj: Mapping[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return {**obj, "metadata": metadata}


def bare(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An item of a list response: the API server leaves out apiVersion and kind."""
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}


# --- Argo CD (east): Applications as the Application CRD defines them -----------------

APPLICATION = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": meta(
        "hubless-fleet",
        "argocd",
        generation=12,
        annotations={"argocd.argoproj.io/manifest-generate-paths": "/rendered/east"},
        finalizers=["resources-finalizer.argocd.argoproj.io"],
    ),
    "spec": {
        "project": "default",
        "source": {
            "repoURL": REPO_URL,
            "targetRevision": "main",
            "path": "rendered/east",
            "directory": {"recurse": True},
        },
        "destination": {"server": "https://kubernetes.default.svc"},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True, "allowEmpty": True}},
    },
    "status": {
        "controllerNamespace": "argocd",
        "health": {"status": "Healthy", "lastTransitionTime": "2026-12-06T16:40:12Z"},
        "sync": {
            "status": "Synced",
            "revision": SHA,
            "comparedTo": {
                "source": {
                    "repoURL": REPO_URL,
                    "targetRevision": "main",
                    "path": "rendered/east",
                    "directory": {"recurse": True},
                },
                "destination": {"server": "https://kubernetes.default.svc"},
            },
        },
        "resources": [
            {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "namespace": "shop",
                "name": "web",
                "status": "Synced",
                "health": {"status": "Healthy"},
            },
            {"version": "v1", "kind": "Namespace", "name": "shop", "status": "Synced"},
        ],
        "operationState": {
            "operation": {"sync": {"revision": SHA}, "initiatedBy": {"automated": True}},
            "phase": "Succeeded",
            "message": "successfully synced (all tasks run)",
            "startedAt": "2026-12-06T16:40:00Z",
            "finishedAt": "2026-12-06T16:40:05Z",
            "syncResult": {
                "revision": SHA,
                "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "rendered/east"},
                "resources": [
                    {
                        "group": "apps",
                        "version": "v1",
                        "kind": "Deployment",
                        "namespace": "shop",
                        "name": "web",
                        "status": "Synced",
                        "message": "deployment.apps/web serverside-applied",
                        "hookPhase": "Running",
                        "syncPhase": "Sync",
                    }
                ],
            },
        },
        "reconciledAt": "2026-12-06T16:59:30Z",
        "sourceType": "Directory",
        "summary": {"images": ["registry.example.com/shop/web:1.4.2"]},
    },
}
# A multi-source Application whose first source is the cluster's folder (./ and a slash).
COMBINED = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": meta("shop-with-redis", "argocd"),
    "spec": {
        "project": "default",
        "sources": [
            {"repoURL": REPO_URL, "targetRevision": "main", "path": "./rendered/east/"},
            {"repoURL": "https://charts.example.com", "chart": "redis", "targetRevision": "18.1.0"},
        ],
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
    },
    "status": {"sync": {"status": "OutOfSync", "revisions": [SHA, "18.1.0"]}},
}
# Deploys another folder: not the cluster's.
ELSEWHERE = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": meta("payments", "argocd"),
    "spec": {
        "project": "default",
        "source": {"repoURL": REPO_URL, "targetRevision": "main", "path": "apps/payments"},
        "destination": {"server": "https://kubernetes.default.svc"},
    },
}

# --- east's live objects, as the API reference shows them ------------------------------

NAMESPACE_SHOP = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": meta("shop", labels={"kubernetes.io/metadata.name": "shop"}),
    "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Active"},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": meta(
        "web", "shop", generation=7, annotations={"deployment.kubernetes.io/revision": "7"}
    ),
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [{"name": "web", "image": "registry.example.com/shop/web:1.4.2"}]
            },
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        },
    },
    "status": {
        "observedGeneration": 7,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability.",
                "lastUpdateTime": "2026-12-06T16:41:00Z",
                "lastTransitionTime": "2026-12-06T16:41:00Z",
            }
        ],
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": meta("web", "shop"),
    "spec": {
        "type": "ClusterIP",
        "selector": {"app": "web"},
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "clusterIP": "10.96.12.34",
        "clusterIPs": ["10.96.12.34"],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
    },
    "status": {"loadBalancer": {}},
}
CONFIG = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": meta("web-config", "shop"),
    "data": {"LOG_LEVEL": "info"},
}
FLAGS = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": meta("web-flags", "shop"),
    "data": {"checkout-v2": "true"},
}
ROOT_CA = {  # every namespace has it; hubless did not place it
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": meta("kube-root-ca.crt", "shop"),
    "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"},
}
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": meta(
        "web-tls",
        "shop",
        annotations={
            "kubectl.kubernetes.io/last-applied-configuration": (
                '{"apiVersion":"v1","data":{"tls.key":"c2VjcmV0"},"kind":"Secret"}\n'
            ),
            "cert-manager.io/issuer-name": "letsencrypt",
        },
    ),
    "type": "kubernetes.io/tls",
    "data": {"tls.crt": "Y2VydA==", "tls.key": "c2VjcmV0"},
}
CLUSTER_ROLE = {  # in east's folder, not on east (404)
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "shop-reader"},
    "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
}
SERVICE_MONITOR = {  # in east's folder; east does not serve monitoring.coreos.com/v1
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "ServiceMonitor",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]},
}

CORE = [
    ("bindings", "Binding", True),
    ("configmaps", "ConfigMap", True),
    ("namespaces", "Namespace", False),
    ("namespaces/status", "Namespace", False),
    ("secrets", "Secret", True),
    ("services", "Service", True),
    ("services/proxy", "ServiceProxyOptions", True),
]
APPS = [
    ("deployments", "Deployment", True),
    ("deployments/scale", "Scale", True),
    ("statefulsets", "StatefulSet", True),
]
RBAC = [("clusterroles", "ClusterRole", False), ("roles", "Role", True)]

# --- Flux (west): Kustomizations as the Kustomization CRD (v1) defines them -------------

KUSTOMIZATION = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": meta(
        "hubless-fleet",
        "flux-system",
        generation=3,
        finalizers=["finalizers.fluxcd.io"],
    ),
    "spec": {
        "interval": "10m",
        "sourceRef": {"kind": "GitRepository", "name": "hubless-fleet"},
        "path": "./rendered/west",
        "prune": True,
        "wait": True,
        "timeout": "5m",
    },
    "status": {
        "observedGeneration": 3,
        "lastAppliedRevision": f"main@sha1:{SHA}",
        "lastAttemptedRevision": f"main@sha1:{SHA}",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "ReconciliationSucceeded",
                "message": f"Applied revision: main@sha1:{SHA}",
                "observedGeneration": 3,
                "lastTransitionTime": "2026-12-06T16:45:00Z",
            },
            {
                "type": "Healthy",
                "status": "True",
                "reason": "Succeeded",
                "message": "Health check passed in 2.015s",
                "observedGeneration": 3,
                "lastTransitionTime": "2026-12-06T16:45:00Z",
            },
        ],
        "inventory": {
            "entries": [
                {"id": "_data__Namespace", "v": "v1"},
                {"id": "data_db_apps_StatefulSet", "v": "v1"},
                {
                    "id": "flux-system_hubless-fleet_kustomize.toolkit.fluxcd.io_Kustomization",
                    "v": "v1",
                },
            ]
        },
    },
}
INFRA = {  # deploys another path: not west's folder
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": meta("infrastructure", "flux-system"),
    "spec": {
        "interval": "1h",
        "sourceRef": {"kind": "GitRepository", "name": "platform"},
        "path": "./infrastructure",
        "prune": True,
    },
}
NAMESPACE_DATA = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": meta("data", labels={"kubernetes.io/metadata.name": "data"}),
    "spec": {"finalizers": ["kubernetes"]},
    "status": {"phase": "Active"},
}
STATEFULSET = {
    "apiVersion": "apps/v1",
    "kind": "StatefulSet",
    "metadata": meta("db", "data", generation=2),
    "spec": {
        "replicas": 2,
        "serviceName": "db",
        "selector": {"matchLabels": {"app": "db"}},
        "template": {
            "metadata": {"labels": {"app": "db"}},
            "spec": {"containers": [{"name": "db", "image": "postgres:16.4"}]},
        },
    },
    "status": {
        "observedGeneration": 2,
        "replicas": 2,
        "readyReplicas": 1,
        "currentReplicas": 2,
        "updatedReplicas": 2,
        "availableReplicas": 1,
        "currentRevision": "db-5d8f7c9b4",
        "updateRevision": "db-5d8f7c9b4",
        "collisionCount": 0,
    },
}
TOKEN = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NTUyMSwic3RhcnQiOiJpbmZyYSJ9"  # opaque


def kustomization_pages(query: Mapping[str, list[str]]) -> tuple[int, Any]:
    """A chunked list: the first page says `continue`, the second ends it."""
    if query.get("continue") == [TOKEN]:
        return 200, {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "KustomizationList",
            "metadata": {"resourceVersion": "5521"},
            "items": [INFRA],
        }
    return 200, {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "KustomizationList",
        "metadata": {"resourceVersion": "5521", "continue": TOKEN, "remainingItemCount": 1},
        "items": [KUSTOMIZATION],
    }


# --- the fleet -------------------------------------------------------------------------


def with_context(text: str, context: str) -> str:
    annotation = f"metadata:\n  annotations: {{hubless.io/kubeconfig-context: {context}}}\n"
    return text.replace("metadata:\n", annotation, 1)


def rendered_folder(cluster: str, objects: list[dict[str, Any]]) -> dict[str, str]:
    """rendered/<cluster>/ as `hubless render` lays it out: one file per object, a marker."""
    files = {f"rendered/{cluster}/{CLUSTER_MARKER}": CLUSTER_MARKER_TEXT.decode()}
    for obj in objects:
        body = {k: v for k, v in obj.items() if k != "status"}
        body["metadata"] = {
            k: v for k, v in obj["metadata"].items() if k in ("name", "namespace", "labels")
        }
        files[f"rendered/{cluster}/{object_path(body)}"] = dump(body)
    return files


def fleet(root: Path) -> Path:
    clusters = "---\n".join(
        [
            with_context(cluster_yaml("east"), "admin@east"),
            cluster_yaml("west"),
            cluster_yaml("gone"),
        ]
    )
    write_tree(root, {"policies/clusters.yaml": clusters})
    east = [
        NAMESPACE_SHOP,
        DEPLOYMENT,
        SERVICE,
        CONFIG,
        FLAGS,
        SECRET,
        CLUSTER_ROLE,
        SERVICE_MONITOR,
    ]
    files = rendered_folder("east", east)
    files.update(rendered_folder("west", [NAMESPACE_DATA, STATEFULSET, KUSTOMIZATION]))
    files.update(rendered_folder("gone", [NAMESPACE_DATA]))
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def east_server() -> FakeCluster:
    routes = discovery({"v1": CORE, "apps/v1": APPS, "rbac.authorization.k8s.io/v1": RBAC})
    routes.update(
        {
            "/apis/argoproj.io/v1alpha1/applications": object_list(
                "Application", [APPLICATION, ELSEWHERE, COMBINED], "argoproj.io/v1alpha1"
            ),
            "/api/v1/namespaces/shop": (200, NAMESPACE_SHOP),
            "/apis/apps/v1/namespaces/shop/deployments/web": (200, DEPLOYMENT),
            "/api/v1/namespaces/shop/services/web": (200, SERVICE),
            "/api/v1/namespaces/shop/secrets/web-tls": (200, SECRET),
            "/api/v1/namespaces/shop/configmaps": object_list(
                "ConfigMap", [bare(ROOT_CA), bare(CONFIG), bare(FLAGS)]
            ),
        }
    )
    return FakeCluster(routes)


def west_server() -> FakeCluster:
    routes = discovery(
        {
            "v1": CORE,
            "apps/v1": APPS,
            "kustomize.toolkit.fluxcd.io/v1": [
                ("kustomizations", "Kustomization", True),
                ("kustomizations/status", "Kustomization", True),
            ],
        }
    )
    routes.update(
        {
            "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations": kustomization_pages,
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/"
            "hubless-fleet": (200, KUSTOMIZATION),
            "/api/v1/namespaces/data": (200, NAMESPACE_DATA),
            "/apis/apps/v1/namespaces/data/statefulsets/db": (200, STATEFULSET),
        }
    )
    return FakeCluster(routes)


def report_bytes(cluster: str, context: str, items: list[Any], error: str | None = None) -> bytes:
    """The report file as documented: sorted keys, two-space indent, a final newline."""
    document = {
        "apiVersion": "hubless.io/v1alpha1",
        "kind": "ClusterReport",
        "metadata": {"name": cluster},
        "collectedAt": "2026-12-06T17:00:00Z",
        "context": context,
        "error": error,
        "items": items,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def collect(repo: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr("hubless.commands.collect._now", lambda: NOW)
    result = CliRunner().invoke(cli, ["status", "collect", "--repo", str(repo), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stderr


ONLY_MINE = [
    "/apis/argoproj.io/v1alpha1/applications?limit=500",
    "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit=500",
]


def test_each_cluster_s_report_holds_its_gitops_objects_and_the_live_objects_of_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    with serving(east_server()) as east, serving(west_server()) as west:
        kubeconfig = write_kubeconfig(
            tmp_path / "kubeconfig",
            {"admin@east": east.url, "ctx-west": west.url, "gone": unreachable_url()},
        )
        out = tmp_path / "status"
        status, stderr = collect(
            repo,
            monkeypatch,
            "--out",
            str(out),
            "--kubeconfig",
            str(kubeconfig),
            "--context",
            "west=ctx-west",
        )

    assert status == 1  # a cluster could not be read: CI can tell
    assert stderr == "warning: cluster gone: cannot connect: connection refused or no route\n"
    assert sorted(p.name for p in out.iterdir()) == ["east.json", "gone.json", "west.json"]

    secret = without_managed(SECRET)
    secret.pop("data")
    secret["metadata"]["annotations"] = {"cert-manager.io/issuer-name": "letsencrypt"}
    assert (out / "east.json").read_bytes() == report_bytes(
        "east",
        "admin@east",
        [  # by apiVersion, kind, namespace, name; the ClusterRole and ServiceMonitor missing
            without_managed(DEPLOYMENT),
            without_managed(APPLICATION),
            without_managed(COMBINED),
            without_managed(CONFIG),
            without_managed(FLAGS),
            without_managed(NAMESPACE_SHOP),
            secret,
            without_managed(SERVICE),
        ],
    )
    assert (out / "west.json").read_bytes() == report_bytes(
        "west",
        "ctx-west",
        [
            without_managed(STATEFULSET),
            without_managed(KUSTOMIZATION),  # listed, and in the folder: once
            without_managed(NAMESPACE_DATA),
        ],
    )
    assert (out / "gone.json").read_bytes() == report_bytes(
        "gone", "gone", [], "cannot connect: connection refused or no route"
    )

    assert {method for method, _ in east.requests + west.requests} == {"GET"}
    assert [path for _, path in east.requests] == [
        *ONLY_MINE,  # no Flux here: 404
        "/apis/apps/v1",  # discovery: the group versions the folder uses, sorted
        "/apis/monitoring.coreos.com/v1",  # 404: not served, so no read of its object
        "/apis/rbac.authorization.k8s.io/v1",
        "/api/v1",
        "/apis/apps/v1/namespaces/shop/deployments/web",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/shop-reader",  # 404: missing
        "/api/v1/namespaces/shop/configmaps?limit=500",  # two ConfigMaps: one LIST
        "/api/v1/namespaces/shop",
        "/api/v1/namespaces/shop/secrets/web-tls",
        "/api/v1/namespaces/shop/services/web",
    ]
    assert [path for _, path in west.requests] == [
        *ONLY_MINE,  # no Argo CD here: 404; Flux's list comes in two chunks
        f"/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit=500&continue={TOKEN}",
        "/apis/apps/v1",
        "/apis/kustomize.toolkit.fluxcd.io/v1",
        "/api/v1",
        "/apis/apps/v1/namespaces/data/statefulsets/db",
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/hubless-fleet",
        "/api/v1/namespaces/data",
    ]


def test_the_same_observations_give_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    (repo / "policies/clusters.yaml").write_text(
        with_context(cluster_yaml("east"), "admin@east"), encoding="utf-8"
    )
    written = []
    for _ in range(2):
        with serving(east_server()) as east:
            kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", {"admin@east": east.url})
            args = ("--out", str(tmp_path / "status"), "--kubeconfig", str(kubeconfig))
            assert collect(repo, monkeypatch, *args) == (0, "")
        written.append((tmp_path / "status/east.json").read_bytes())
    assert written[0] == written[1]


def test_a_refused_or_forbidden_read_fails_only_that_cluster_s_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    forbidden = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'secrets "web-tls" is forbidden: User "system:serviceaccount:ci:reader" '
        'cannot get resource "secrets" in API group "" in the namespace "shop"',
        "reason": "Forbidden",
        "details": {"name": "web-tls", "kind": "secrets"},
        "code": 403,
    }
    locked = east_server()
    locked.routes["/api/v1/namespaces/shop/secrets/web-tls"] = (403, forbidden)
    with serving(locked) as east, serving(west_server()) as west:
        # west's context is not in the kubeconfig
        kubeconfig = write_kubeconfig(
            tmp_path / "kubeconfig", {"admin@east": east.url, "gone": west.url}
        )
        out = tmp_path / "status"
        status, stderr = collect(
            repo, monkeypatch, "--out", str(out), "--kubeconfig", str(kubeconfig)
        )
    missing = (
        f"kubeconfig: Invalid kube-config file. Expected object with name west in "
        f"{kubeconfig}/contexts list"
    )
    assert status == 1
    assert stderr == (
        "warning: cluster east: GET /api/v1/namespaces/shop/secrets/web-tls: HTTP 403 Forbidden\n"
        f"warning: cluster west: {missing}\n"
    )
    assert (out / "east.json").read_bytes() == report_bytes(
        "east",
        "admin@east",
        [],
        "GET /api/v1/namespaces/shop/secrets/web-tls: HTTP 403 Forbidden",
    )
    assert (out / "west.json").read_bytes() == report_bytes("west", "west", [], missing)
    # `gone` reached west's server through its own context: it read its folder's Namespace.
    assert (out / "gone.json").read_bytes() == report_bytes(
        "gone", "gone", [without_managed(NAMESPACE_DATA)]
    )


def test_central_argo_cd_applications_go_to_the_clusters_whose_folders_they_deploy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    (repo / "policies/clusters.yaml").write_text(
        "---\n".join([with_context(cluster_yaml("east"), "admin@east"), cluster_yaml("west")]),
        encoding="utf-8",
    )
    # The ApplicationSet of `hubless bootstrap --central` names them hubless-<cluster>.
    for_east = {**APPLICATION, "metadata": meta("hubless-east", "argocd")}
    for_west = json.loads(json.dumps(APPLICATION).replace("rendered/east", "rendered/west"))
    for_west["metadata"] = meta("hubless-west", "argocd")
    for_west["spec"]["destination"] = {"name": "west"}
    hub = FakeCluster(
        {
            "/apis/argoproj.io/v1alpha1/applications": object_list(
                "Application", [bare(for_east), bare(for_west), ELSEWHERE], "argoproj.io/v1alpha1"
            )
        }
    )
    east, west = east_server(), west_server()
    east.routes.pop("/apis/argoproj.io/v1alpha1/applications")
    with serving(hub), serving(east), serving(west):
        kubeconfig = write_kubeconfig(
            tmp_path / "kubeconfig",
            {"admin@east": east.url, "west": west.url, "hub": hub.url},
        )
        out = tmp_path / "status"
        args = ("--out", str(out), "--kubeconfig", str(kubeconfig), "--gitops-context", "hub")
        assert collect(repo, monkeypatch, *args) == (0, "")

    assert [path for _, path in hub.requests] == ONLY_MINE  # read once, for every cluster
    assert ONLY_MINE[0] not in [path for _, path in east.requests + west.requests]
    report = json.loads((out / "west.json").read_bytes())
    assert [i["kind"] + "/" + i["metadata"]["name"] for i in report["items"]] == [
        "StatefulSet/db",
        "Application/hubless-west",  # from the hub, apiVersion and kind as kubectl prints
        "Kustomization/hubless-fleet",  # west's own folder lists it: read there
        "Namespace/data",
    ]
    assert report["items"][1] == without_managed(for_west)
    east_items = json.loads((out / "east.json").read_bytes())["items"]
    assert [i for i in east_items if i["kind"] == "Application"] == [without_managed(for_east)]


def test_an_unreachable_gitops_context_fails_every_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    (repo / "policies/clusters.yaml").write_text(cluster_yaml("west"), encoding="utf-8")
    with serving(west_server()) as west:
        kubeconfig = write_kubeconfig(
            tmp_path / "kubeconfig", {"west": west.url, "hub": unreachable_url()}
        )
        out = tmp_path / "status"
        args = ("--out", str(out), "--kubeconfig", str(kubeconfig), "--gitops-context", "hub")
        status, stderr = collect(repo, monkeypatch, *args)
    failed = "gitops context hub: cannot connect: connection refused or no route"
    assert (status, stderr) == (1, f"warning: {failed}\n")
    # What west itself showed is kept; the report says what it could not read.
    assert (out / "west.json").read_bytes() == report_bytes(
        "west",
        "west",
        [
            without_managed(STATEFULSET),
            without_managed(KUSTOMIZATION),
            without_managed(NAMESPACE_DATA),
        ],
        failed,
    )


def test_reports_of_clusters_no_longer_in_the_inventory_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = fleet(tmp_path / "fleet")
    (repo / "policies/clusters.yaml").write_text(cluster_yaml("gone"), encoding="utf-8")
    out = tmp_path / "status"
    write_tree(
        out,
        {
            "retired.json": report_bytes("retired", "retired", []).decode(),
            "notes.json": '{"kept": true}\n',
            "README.md": "status branch\n",
        },
    )
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", {"gone": unreachable_url()})
    status, _ = collect(repo, monkeypatch, "--out", str(out), "--kubeconfig", str(kubeconfig))
    assert status == 1
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "gone.json", "notes.json"]


def test_a_context_for_no_inventory_cluster_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"policies/clusters.yaml": cluster_yaml("east")})
    result = run_hubless("status", "collect", "--context", "north=ctx", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: --context names north, which is no inventory cluster\n"
    assert not (tmp_path / "status").exists()


def test_a_file_in_a_cluster_folder_that_is_no_object_is_an_error(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": cluster_yaml("east"),
            "rendered/east/shop/configmap_web.yaml": "apiVersion: v1\nkind: ConfigMap\n",
        },
    )
    result = run_hubless("status", "collect", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "rendered/east/shop/configmap_web.yaml:1: error: not a Kubernetes object: apiVersion, "
        "kind and metadata.name must be non-empty strings\n"
    )


def test_a_secret_is_reported_without_its_values() -> None:
    applied = '{"apiVersion":"v1","data":{"token":"c2VjcmV0"},"kind":"Secret"}\n'
    secret = {
        "metadata": {
            "name": "api",
            "namespace": "shop",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied},
        },
        "type": "Opaque",
        "data": {"token": "c2VjcmV0"},
        "stringData": {"token": "secret"},
    }
    printed = as_printed(secret, Resource("v1", "secrets", "Secret", True))
    assert printed == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "api", "namespace": "shop"},
        "type": "Opaque",
    }


def test_clusters_are_read_at_the_same_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """east's server answers only once west has been asked something (or after 10 s): read
    one after the other, east would wait for nothing and west would come late."""
    repo = fleet(tmp_path / "fleet")
    (repo / "policies/clusters.yaml").write_text(
        "---\n".join([with_context(cluster_yaml("east"), "admin@east"), cluster_yaml("west")]),
        encoding="utf-8",
    )
    west_asked = threading.Event()
    seen: list[bool] = []

    def slow_applications(query: Mapping[str, list[str]]) -> tuple[int, Any]:
        seen.append(west_asked.wait(timeout=10))
        return object_list("Application", [], "argoproj.io/v1alpha1")

    def west_applications(query: Mapping[str, list[str]]) -> tuple[int, Any]:
        west_asked.set()
        return 404, {"kind": "Status", "code": 404, "reason": "NotFound"}

    east, west = east_server(), west_server()
    east.routes["/apis/argoproj.io/v1alpha1/applications"] = slow_applications
    west.routes["/apis/argoproj.io/v1alpha1/applications"] = west_applications
    with serving(east), serving(west):
        kubeconfig = write_kubeconfig(
            tmp_path / "kubeconfig", {"admin@east": east.url, "west": west.url}
        )
        args = ("--out", str(tmp_path / "status"), "--kubeconfig", str(kubeconfig))
        assert collect(repo, monkeypatch, *args) == (0, "")
    assert seen == [True]
