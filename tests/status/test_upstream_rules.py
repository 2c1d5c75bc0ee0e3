"""`hubless status` read against the rules in Argo CD's and Flux's own source: each case
is a status as their controllers write it, and the expected reading is the one their
code gives (the file and function are named at each test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hubless.model import ResourceKey
from hubless.status.agents import inventory_key
from tests.conftest import write_tree
from tests.status.test_status_command import (
    _commit,
    _run,
    _write,
    application,
    argo_resource,
    fleet,  # noqa: F401  (a fixture)
    kustomization,
)


def test_a_failed_kustomization_is_failed_while_it_retries(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # kustomize-controller (internal/controller/kustomization_controller.go, finalizeStatus;
    # docs/spec/v1/kustomizations.md "Failed Kustomization"): a failed attempt sets Ready
    # False and keeps Reconciling True with reason ProgressingWithRetry; while an attempt
    # runs, Ready is Unknown.
    root, revs = fleet
    exports = tmp_path / "exports"
    failing = kustomization(
        "rendered/a",
        f"main@sha1:{revs['C1']}",
        ready="False",
        reason="HealthCheckFailed",
        message="timeout waiting for: [Deployment/shop/web status: 'InProgress']",
        inventory=["shop_web_apps_Deployment", "shop_settings__ConfigMap"],
    )
    failing["status"]["lastAttemptedRevision"] = f"main@sha1:{revs['C3']}"
    failing["status"]["conditions"].append(
        {
            "type": "Reconciling",
            "status": "True",
            "reason": "ProgressingWithRetry",
            "message": "Detecting drift for revision main@sha1:... with a timeout of 9m30s",
            "lastTransitionTime": "2026-12-06T16:55:00Z",
            "observedGeneration": 1,
        }
    )
    _write(exports / "a.json", failing)
    running = kustomization(
        "rendered/b",
        f"main@sha1:{revs['C1']}",
        ready="Unknown",
        reason="Progressing",
        message="Reconciliation in progress",
        reconciling=True,
        inventory=["shop_web_apps_Deployment"],
    )
    _write(exports / "b.json", running)
    _, out, _ = _run(root, [exports], capsys)
    c1, c2 = revs["C1"][:7], revs["C2"][:7]
    assert out.splitlines()[1:3] == [
        "  a  failed (Kustomization flux-system/hubless-fleet: timeout waiting for: "
        "[Deployment/shop/web status: 'InProgress']), out of sync, Unknown "
        "(nothing reports its health)",
        f"  b  behind (runs {c1}, should run {c2}), sync unknown, Unknown "
        "(nothing reports its health)",
    ]


READER = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: hubless:reader
rules: []
"""


@pytest.mark.parametrize(
    ("entry_id", "key"),
    [
        # fluxcd/cli-utils pkg/object/objmetadata_test.go, TestParseObjMetadata
        ("_test-name_apps_ReplicaSet", ResourceKey("apps", "ReplicaSet", "", "test-name")),
        (
            "test-namespace_kubeadm__nodes-kubeadm-config_rbac.authorization.k8s.io_Role",
            ResourceKey(
                "rbac.authorization.k8s.io",
                "Role",
                "test-namespace",
                "kubeadm:nodes-kubeadm-config",
            ),
        ),
        (
            "test-namespace_system____leader-locking-kube-scheduler_rbac.authorization.k8s.io_Role",
            ResourceKey(
                "rbac.authorization.k8s.io",
                "Role",
                "test-namespace",
                "system::leader-locking-kube-scheduler",
            ),
        ),
        (
            "test-namespace___leader-locking-kube-scheduler_rbac.authorization.k8s.io_ClusterRole",
            ResourceKey(
                "rbac.authorization.k8s.io",
                "ClusterRole",
                "test-namespace",
                ":leader-locking-kube-scheduler",
            ),
        ),
        (
            "test-namespace_test_name_with_underscores_apps_Deployment",
            ResourceKey("apps", "Deployment", "test-namespace", "test_name_with_underscores"),
        ),
        ("_test-name_apps", None),
        ("test-namespacetest-nametest-grouptest-kind", None),
    ],
)
def test_flux_inventory_ids_as_cli_utils_parses_them(
    entry_id: str, key: ResourceKey | None
) -> None:
    assert inventory_key(entry_id) == key


def test_an_rbac_name_with_a_colon_is_in_the_flux_inventory(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # cli-utils ObjMetadata.String() writes a `:` of an RBAC object's name as `__`.
    root, _ = fleet
    write_tree(
        root, {"rendered/a/clusterrole.rbac.authorization.k8s.io_hubless:reader.yaml": READER}
    )
    c4 = _commit(root, "C4")
    inventory = [
        "_hubless__reader_rbac.authorization.k8s.io_ClusterRole",
        "shop_settings__ConfigMap",
        "shop_web_apps_Deployment",
    ]
    _write(
        tmp_path / "exports" / "a.json",
        kustomization("rendered/a", f"main@sha1:{c4}", inventory=inventory),
    )
    _, out, _ = _run(root, [tmp_path / "exports"], capsys)
    assert (
        out.splitlines()[1]
        == f"  a  current (runs {c4[:7]}), synced, Unknown (nothing reports its health)"
    )


def test_argo_cd_keeping_object_health_in_its_app_tree_says_nothing_of_it(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Argo CD 3 (controller/health.go, setApplicationHealth; upgrading/2.14-3.0.md) no
    # longer writes status.resources[].health unless controller.resource.health.persist
    # is true, and then sets status.resourceHealthSource to appTree: an object without
    # health there is not an object Argo CD judges no health for.
    root, revs = fleet
    app = application(
        "fleet-a",
        "rendered/a",
        revs["C3"],
        resources=[
            argo_resource("", "ConfigMap", "settings", health=None),
            argo_resource("apps", "Deployment", "web", health=None),
        ],
    )
    app["status"]["resourceHealthSource"] = "appTree"
    _write(tmp_path / "exports" / "a.json", app)
    _, out, _ = _run(root, [tmp_path / "exports"], capsys)
    assert out.splitlines()[1] == f"  a  current (runs {revs['C3'][:7]}), synced, Healthy"
    assert out.splitlines()[-2:] == [
        "  ConfigMap/shop/settings: 1/1 cluster current, 0/1 healthy",
        "  Deployment.apps/shop/web: 1/3 clusters current, 0/3 healthy",
    ]


def test_spec_sources_win_over_spec_source(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # pkg/apis/application/v1alpha1/types.go, HasMultipleSources and GetSources, and its
    # TestGetSources: "GetSources with Source and Sources field present" gives the sources.
    root, revs = fleet
    app = application("fleet", "rendered/c", revs["C3"])
    app["spec"]["sources"] = [
        {
            "repoURL": "https://git.example.com/fleet.git",
            "targetRevision": "main",
            "path": "rendered/a",
        },
        {
            "repoURL": "https://git.example.com/fleet.git",
            "targetRevision": "main",
            "path": "rendered/b",
        },
    ]
    app["status"]["sync"]["revisions"] = [revs["C3"], revs["C1"]]
    _write(tmp_path / "exports" / "fleet.json", app)
    _, out, _ = _run(root, [tmp_path / "exports"], capsys)
    c1, c2, c3 = revs["C1"][:7], revs["C2"][:7], revs["C3"][:7]
    assert out.splitlines()[1:4] == [
        f"  a  current (runs {c3}), synced, Healthy",
        f"  b  behind (runs {c1}, should run {c2}), synced, Healthy",
        "  c  unknown (no report), sync unknown, Unknown (no report)",
    ]


def _sync_operation(phase: str, revision: str) -> dict[str, Any]:
    """An operationState as controller/sync.go writes it: syncResult.revision is set
    when the sync starts, to the revision it syncs to."""
    state: dict[str, Any] = {
        "operation": {"sync": {"revision": revision}, "initiatedBy": {"automated": True}},
        "phase": phase,
        "message": "waiting for healthy state of apps/Deployment/web"
        if phase == "Running"
        else "successfully synced (all tasks run)",
        "startedAt": "2026-12-06T16:50:00Z",
        "syncResult": {"revision": revision, "resources": []},
    }
    if phase != "Running":
        state["finishedAt"] = "2026-12-06T16:51:00Z"
    return state


def test_an_application_runs_what_its_last_successful_sync_deployed(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # controller/state.go, persistRevisionHistory: history is appended (oldest first,
    # newest last: RevisionHistories.LastRevisionHistory) only when a full sync
    # succeeded; controller/sync.go sets syncResult.revision as a sync starts. So an
    # OutOfSync application runs its last history entry, and without history the
    # revision of a sync that succeeded, never that of one still running.
    root, revs = fleet
    exports = tmp_path / "exports"
    history = [
        {"id": 3, "revision": revs["C1"], "deployedAt": "2026-12-01T00:00:00Z"},
        {"id": 4, "revision": revs["C2"], "deployedAt": "2026-12-02T00:00:00Z"},
    ]
    _write(
        exports / "a.json",
        application("fleet-a", "rendered/a", revs["C3"], sync="OutOfSync", history=history),
    )
    _write(
        exports / "b.json",
        application(
            "fleet-b",
            "rendered/b",
            revs["C3"],
            sync="OutOfSync",
            health="Progressing",
            operation=_sync_operation("Running", revs["C3"]),
        ),
    )
    _write(
        exports / "c.json",
        application(
            "fleet-c",
            "rendered/c",
            revs["C3"],
            sync="OutOfSync",
            operation=_sync_operation("Succeeded", revs["C3"]),
        ),
    )
    _, out, _ = _run(root, [exports], capsys)
    assert out.splitlines()[1:4] == [
        f"  a  current (runs {revs['C2'][:7]}), out of sync, Healthy",
        "  b  unknown (Application argocd/fleet-b reports no revision), out of sync, "
        "Unknown (Application argocd/fleet-b: Progressing)",
        f"  c  current (runs {revs['C3'][:7]}), out of sync, Healthy",
    ]
