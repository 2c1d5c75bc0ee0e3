"""`hubless status` end to end: a fleet repository whose git history changes each cluster's
folder at a different commit, and reports shaped as Argo CD, Flux and the API server print
them. Expected values follow the rules: a cluster is current when its applied commit is
the last commit that changed rendered/<cluster>/ or a descendant of it."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hubless.cli import cli
from hubless.commands.status import status
from hubless.errors import UserError
from tests.conftest import write_tree

NOW = datetime(2026, 12, 6, 17, 0, 0, tzinfo=UTC)

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: {replicas}
"""
SETTINGS = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
"""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Clusters a, b and c. C1 creates every folder; C2 changes only b's; C3 changes
    only a template (no folder). So a should run C1, b C2, c C1; HEAD is C3."""
    root = tmp_path / "fleet"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    write_tree(
        root,
        {
            "policies/clusters.yaml": "# the inventory\n",
            "templates/web.yaml": WEB.format(replicas=3),
            "rendered/a/.hubless-cluster": "marker\n",
            "rendered/a/shop/deployment.apps_web.yaml": WEB.format(replicas=3),
            "rendered/a/shop/configmap_settings.yaml": SETTINGS,
            "rendered/b/.hubless-cluster": "marker\n",
            "rendered/b/shop/deployment.apps_web.yaml": WEB.format(replicas=2),
            "rendered/c/.hubless-cluster": "marker\n",
            "rendered/c/shop/deployment.apps_web.yaml": WEB.format(replicas=1),
        },
    )
    c1 = _commit(root, "C1")
    write_tree(root, {"rendered/b/shop/deployment.apps_web.yaml": WEB.format(replicas=4)})
    c2 = _commit(root, "C2")
    write_tree(root, {"templates/web.yaml": WEB.format(replicas=4) + "# a comment\n"})
    c3 = _commit(root, "C3")
    return root, {"C1": c1, "C2": c2, "C3": c3}


def application(
    name: str,
    path: str,
    revision: str,
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    resources: list[dict[str, Any]] | None = None,
    reconciled_at: str = "2026-12-06T16:58:00Z",
    operation: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An Argo CD Application as `kubectl get -o json` prints it (types.go shapes)."""
    status: dict[str, Any] = {
        "sync": {
            "status": sync,
            "revision": revision,
            "comparedTo": {
                "source": {"repoURL": "https://git.example.com/fleet.git", "path": path},
                "destination": {"server": "https://kubernetes.default.svc"},
            },
        },
        "health": {"status": health},
        "reconciledAt": reconciled_at,
        "sourceType": "Directory",
    }
    if resources is not None:
        status["resources"] = resources
    if operation is not None:
        status["operationState"] = operation
    if history is not None:
        status["history"] = history
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {
                "repoURL": "https://git.example.com/fleet.git",
                "targetRevision": "main",
                "path": path,
                "directory": {"recurse": True},
            },
            "destination": {"server": "https://kubernetes.default.svc"},
        },
        "status": status,
    }


def argo_resource(
    group: str, kind: str, name: str, status: str = "Synced", health: str | None = "Healthy"
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "group": group,
        "version": "v1",
        "kind": kind,
        "namespace": "shop",
        "name": name,
        "status": status,
    }
    if health is not None:
        item["health"] = {"status": health}
    return item


def kustomization(
    path: str,
    applied: str,
    *,
    ready: str = "True",
    reason: str = "ReconciliationSucceeded",
    message: str = "Applied revision",
    reconciling: bool = False,
    inventory: list[str] | None = None,
    changed: str = "2026-12-06T16:55:00Z",
) -> dict[str, Any]:
    """A Flux Kustomization (kustomize.toolkit.fluxcd.io/v1) as Flux prints it."""
    conditions = [
        {
            "type": "Ready",
            "status": ready,
            "reason": reason,
            "message": message,
            "lastTransitionTime": changed,
            "observedGeneration": 1,
        }
    ]
    if reconciling:
        conditions.append(
            {
                "type": "Reconciling",
                "status": "True",
                "reason": "Progressing",
                "message": "Reconciliation in progress",
                "lastTransitionTime": changed,
                "observedGeneration": 1,
            }
        )
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "hubless-fleet", "namespace": "flux-system"},
        "spec": {
            "interval": "10m",
            "path": path,
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": "hubless-fleet"},
        },
        "status": {
            "conditions": conditions,
            "inventory": {"entries": [{"id": i, "v": "v1"} for i in (inventory or [])]},
            "lastAppliedRevision": applied,
            "lastAttemptedRevision": applied,
            "observedGeneration": 1,
        },
    }


def deployment(replicas: int, ready: int) -> dict[str, Any]:
    """A live Deployment: healthy by Karmada's rule when every replica is updated and
    available at the observed generation."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 2},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": 2,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
        },
    }


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _run(
    root: Path, sources: list[Path], capsys: pytest.CaptureFixture[str], **options: Any
) -> tuple[int, str, str]:
    code = status(root, tuple(sources), now=NOW, **options)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _exports(tmp_path: Path, revs: dict[str, str]) -> Path:
    """a: Argo CD synced at HEAD (C3); b: Flux at C1 though C2 changed its folder; c: none.
    Live Deployments: a's ready, b's 1 of 4 ready."""
    exports = tmp_path / "exports"
    _write(
        exports / "argocd.json",
        {
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                application(
                    "fleet-a",
                    "rendered/a",
                    revs["C3"],
                    resources=[
                        argo_resource("", "ConfigMap", "settings", health=None),
                        argo_resource("apps", "Deployment", "web"),
                    ],
                )
            ],
        },
    )
    _write(
        exports / "flux.json",
        kustomization(
            "./rendered/b/",
            f"main@sha1:{revs['C1']}",
            inventory=["shop_web_apps_Deployment", "shop_old_apps_Deployment"],
        ),
    )
    _write(exports / "a" / "deployments.json", deployment(3, 3))
    _write(exports / "b.json", deployment(4, 1))
    return exports


def test_each_cluster_against_the_last_commit_that_changed_its_folder(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    code, out, err = _run(root, [_exports(tmp_path, revs)], capsys)
    c1, c2 = revs["C1"][:7], revs["C2"][:7]
    c3 = revs["C3"][:7]
    assert (code, err) == (0, "")
    assert out == (
        "clusters:\n"
        f"  a  current (runs {c3}), synced, Healthy\n"
        f"  b  behind (runs {c1}, should run {c2}), synced, Unhealthy "
        "(Deployment.apps/shop/web is not healthy)\n"
        "       extra 1: Deployment.apps/shop/old\n"
        "  c  unknown (no report), sync unknown, Unknown (no report)\n"
        "resources:\n"
        "  ConfigMap/shop/settings: 1/1 cluster current, 1/1 healthy\n"
        "  Deployment.apps/shop/web: 1/3 clusters current, 1/3 healthy, 4/7 replicas ready "
        "(on 2 of 3 clusters reporting)\n"
    )


def test_json_report(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    exports = _exports(tmp_path, revs)
    code, out, _ = _run(root, [exports], capsys, output="json")
    assert code == 0
    assert json.loads(out) == {
        "clusters": [
            {
                "name": "a",
                "state": "current",
                "detail": None,
                "shouldRun": revs["C1"],
                "runs": revs["C3"],
                "synced": True,
                "health": "Healthy",
                "healthDetail": None,
                "reportedAt": "2026-12-06T16:58:00Z",
                "reportedBy": [f"Application argocd/fleet-a ({exports}/argocd.json:5)"],
                "missing": [],
                "extra": [],
                "outOfSync": [],
            },
            {
                "name": "b",
                "state": "behind",
                "detail": f"runs {revs['C1'][:7]}, should run {revs['C2'][:7]}",
                "shouldRun": revs["C2"],
                "runs": revs["C1"],
                "synced": True,
                "health": "Unhealthy",
                "healthDetail": "Deployment.apps/shop/web is not healthy",
                "reportedAt": "2026-12-06T16:55:00Z",
                "reportedBy": [f"Kustomization flux-system/hubless-fleet ({exports}/flux.json:1)"],
                "missing": [],
                "extra": ["Deployment.apps/shop/old"],
                "outOfSync": [],
            },
            {
                "name": "c",
                "state": "unknown",
                "detail": "no report",
                "shouldRun": revs["C1"],
                "runs": None,
                "synced": None,
                "health": "Unknown",
                "healthDetail": "no report",
                "reportedAt": None,
                "reportedBy": [],
                "missing": [],
                "extra": [],
                "outOfSync": [],
            },
        ],
        "resources": [
            {
                "resource": "ConfigMap/shop/settings",
                "clusters": ["a"],
                "current": 1,
                "healthy": 1,  # Argo CD judges no health for it: healthy once present
                "replicas": None,
                "replicasFrom": 0,
            },
            {
                "resource": "Deployment.apps/shop/web",
                "clusters": ["a", "b", "c"],
                "current": 1,
                "healthy": 1,
                "replicas": {"desired": 7, "ready": 4},
                "replicasFrom": 2,
            },
        ],
    }


def test_require_names_every_cluster_that_falls_short(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    exports = _exports(tmp_path, revs)
    c1, c2 = revs["C1"][:7], revs["C2"][:7]
    code, _, err = _run(root, [exports], capsys, require="current")
    assert code == 1
    assert err == (
        f"error: 2 clusters are not current: b: behind (runs {c1}, should run {c2}); "
        "c: unknown (no report)\n"
    )
    # Every cluster current, b not healthy: only `healthy` fails, naming b's health.
    _write(
        exports / "flux.json",
        kustomization(
            "rendered/b", f"main@sha1:{revs['C3']}", inventory=["shop_web_apps_Deployment"]
        ),
    )
    web = [argo_resource("apps", "Deployment", "web")]
    _write(exports / "c.json", application("fleet-c", "rendered/c", revs["C1"], resources=web))
    assert _run(root, [exports], capsys, require="current")[:3:2] == (0, "")
    code, _, err = _run(root, [exports], capsys, require="healthy")
    assert code == 1
    assert err == (
        "error: 1 cluster is not healthy: b: Unhealthy (Deployment.apps/shop/web is not healthy)\n"
    )


def test_a_revision_unknown_here_and_a_failed_sync(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    exports = tmp_path / "exports"
    unknown = "0123456789abcdef0123456789abcdef01234567"
    _write(exports / "a.json", application("fleet-a", "./rendered/a/", unknown))
    failed = {
        "phase": "Failed",
        "message": "one or more objects failed to apply, reason: Deployment.apps is forbidden",
        "startedAt": "2026-12-06T16:50:00Z",
        "finishedAt": "2026-12-06T16:51:00Z",
        "operation": {"sync": {"revision": revs["C2"]}},
        "syncResult": {"revision": revs["C2"], "resources": []},
    }
    _write(
        exports / "b.json",
        application(
            "fleet-b",
            "rendered/b",
            revs["C3"],
            sync="OutOfSync",
            health="Healthy",
            operation=failed,
            history=[{"id": 0, "revision": revs["C1"], "deployedAt": "2026-12-01T00:00:00Z"}],
        ),
    )
    code, out, _ = _run(root, [exports], capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[1] == "  a  behind (runs 0123456, unknown here: fetch?), synced, Healthy"
    assert lines[2] == (
        "  b  failed (Application argocd/fleet-b: one or more objects failed to apply, "
        "reason: Deployment.apps is forbidden), out of sync, Healthy"
    )


def test_an_out_of_sync_application_runs_its_last_deployed_commit(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Argo CD compared b with C3 (newest), found it OutOfSync; what runs is the newest
    # history entry, C1, from before C2 changed b's folder.
    root, revs = fleet
    exports = tmp_path / "exports"
    history = [
        {"id": 0, "revision": revs["C1"], "deployedAt": "2026-12-01T00:00:00Z"},
    ]
    _write(
        exports / "b.json",
        application(
            "fleet-b",
            "rendered/b",
            revs["C3"],
            sync="OutOfSync",
            health="Healthy",
            history=history,
            resources=[argo_resource("apps", "Deployment", "web", status="OutOfSync")],
        ),
    )
    _, out, _ = _run(root, [exports], capsys)
    c1, c2 = revs["C1"][:7], revs["C2"][:7]
    assert out.splitlines()[2:4] == [
        f"  b  behind (runs {c1}, should run {c2}), out of sync, Healthy",
        "       out of sync 1: Deployment.apps/shop/web",
    ]


def test_reports_older_than_max_age_are_unknown(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    exports = tmp_path / "exports"
    _write(
        exports / "a.json",
        application("fleet-a", "rendered/a", revs["C3"], reconciled_at="2026-12-06T16:29:59Z"),
    )
    _write(
        exports / "b.json",
        application("fleet-b", "rendered/b", revs["C3"], reconciled_at="2026-12-06T16:30:00Z"),
    )
    _, out, _ = _run(root, [exports], capsys, max_age="30m")
    assert out.splitlines()[1:3] == [
        "  a  unknown (report from 2026-12-06T16:29:59Z, older than 30m), synced, Healthy",
        f"  b  current (runs {revs['C3'][:7]}), synced, Healthy",
    ]
    with pytest.raises(UserError) as caught:
        _run(root, [exports], capsys, max_age="30 minutes")
    assert [str(p) for p in caught.value.problems] == [
        "error: --max-age: '30 minutes' is not a duration like 90s, 30m, 2h, 1d or 1h30m"
    ]


def test_flux_inventory_and_live_objects_tell_what_is_missing(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, revs = fleet
    exports = tmp_path / "exports"
    # a's Kustomization applied the Deployment only: the ConfigMap is missing.
    _write(
        exports / "a.yaml",
        kustomization("rendered/a", f"sha1:{revs['C3']}", inventory=["shop_web_apps_Deployment"]),
    )
    # c's live Deployments were read, and web is not among them.
    other = deployment(1, 1)
    other["metadata"]["name"] = "api"
    _write(
        exports / "c" / "deployments.json",
        {"apiVersion": "apps/v1", "kind": "DeploymentList", "items": [other]},
    )
    _, out, _ = _run(root, [exports], capsys)
    assert out.splitlines()[1:6] == [
        f"  a  current (runs {revs['C3'][:7]}), synced, Unhealthy (1 object missing)",
        "       missing 1: ConfigMap/shop/settings",
        "  b  unknown (no report), sync unknown, Unknown (no report)",
        "  c  unknown (no Argo CD Application or Flux Kustomization reports rendered/c), "
        "sync unknown, Unhealthy (1 object missing)",
        "       missing 1: Deployment.apps/shop/web",
    ]


def test_a_live_object_whose_cluster_cannot_be_told_is_an_error(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = fleet
    path = tmp_path / "exports" / "everything.yaml"
    path.parent.mkdir()
    path.write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
        "  metadata: {name: settings, namespace: shop}\n- just text\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError) as caught:
        _run(root, [path.parent], capsys)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:4: error: ConfigMap/shop/settings: cannot tell which cluster this object is "
        "from: read it from a ClusterReport, or from a file or folder named after the cluster",
        f"{path}:7: error: not a Kubernetes object: a map with string apiVersion, kind and "
        "metadata.name",
    ]


def test_cluster_reports_and_the_markdown_summary(
    fleet: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, revs = fleet
    reports = tmp_path / "status"
    _write(
        reports / "whatever.json",
        {
            "apiVersion": "hubless.io/v1alpha1",
            "kind": "ClusterReport",
            "metadata": {"name": "a"},
            "collectedAt": "2026-12-06T16:00:00Z",
            "context": "prod-a",
            "error": None,
            "items": [
                application("fleet", "rendered/a", revs["C1"]),
                deployment(3, 3),
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "settings", "namespace": "shop"},
                },
            ],
        },
    )
    _write(
        reports / "b.json",
        {
            "apiVersion": "hubless.io/v1alpha1",
            "kind": "ClusterReport",
            "metadata": {"name": "b"},
            "collectedAt": "2026-12-06T16:00:00Z",
            "context": "prod-b",
            "error": "dial tcp 10.0.0.1:6443: connect: connection refused",
            "items": [],
        },
    )
    result = CliRunner().invoke(
        cli,
        ["status", "--repo", str(root), "--from", str(reports), "--format", "markdown"],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "### hubless status: 3 clusters (1 current, 2 unknown)\n"
        "\n"
        "| cluster | state | synced | health | missing | extra | out of sync |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        f"| a | current (runs {revs['C1'][:7]}) | synced | Healthy | — | — | — |\n"
        "| b | unknown (cannot be read: dial tcp 10.0.0.1:6443: connect: connection refused) "
        "| sync unknown | Unknown (cannot be read) | — | — | — |\n"
        "| c | unknown (no report) | sync unknown | Unknown (no report) | — | — | — |\n"
        "\n"
        "| resource | clusters |\n"
        "| --- | --- |\n"
        "| `ConfigMap/shop/settings` | 1/1 cluster current, 1/1 healthy |\n"
        "| `Deployment.apps/shop/web` | 1/3 clusters current, 1/3 healthy, 3/3 replicas "
        "ready (on 1 of 3 clusters reporting) |\n"
    )
