"""`hubless status` at its edges: reports of clusters that have no folder at HEAD, a
--from path that does not exist, and a fleet repository in a subfolder of its git
repository (Argo CD and Flux name their path from the top of the git repository)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.status.test_status_command import (
    WEB,
    _commit,
    _git,
    _run,
    _write,
    application,
    fleet,  # noqa: F401  (a fixture)
    kustomization,
)


def test_an_agent_deploying_the_folder_of_no_cluster_is_a_warning(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, revs = fleet
    path = _write(
        tmp_path / "exports" / "old.json",
        application("fleet-old", "rendered/old", revs["C3"]),
    )
    code, out, err = _run(root, [path.parent], capsys)
    assert code == 0
    assert err == (
        f"{path}:1: warning: Application argocd/fleet-old deploys rendered/old, which is no "
        "cluster's folder at HEAD\n"
    )
    assert out.splitlines()[1:4] == [
        "  a  unknown (no report), sync unknown, Unknown (no report)",
        "  b  unknown (no report), sync unknown, Unknown (no report)",
        "  c  unknown (no report), sync unknown, Unknown (no report)",
    ]


def test_a_cluster_report_of_no_cluster_is_a_warning(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, _ = fleet
    path = _write(
        tmp_path / "status" / "gone.json",
        {
            "apiVersion": "hubless.io/v1alpha1",
            "kind": "ClusterReport",
            "metadata": {"name": "gone"},
            "collectedAt": "2026-12-06T16:00:00Z",
            "context": "gone",
            "error": None,
            "items": [],
        },
    )
    code, out, err = _run(root, [path.parent], capsys)
    assert code == 0
    assert err == (
        f"{path}:1: warning: ClusterReport gone: no cluster gone has a folder in rendered/ "
        "at HEAD; its report is not read\n"
    )
    assert out.splitlines()[1] == "  a  unknown (no report), sync unknown, Unknown (no report)"


def test_a_from_path_that_does_not_exist_is_an_error(
    fleet: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    root, _ = fleet
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [sys.executable, "-m", "hubless", "status", "--repo", str(root), "--from", str(missing)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        f"error: --from {missing}: no such file or folder\n",
    )


def test_a_fleet_repository_in_a_subfolder_of_its_git_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Argo CD's spec.source.path and Flux's spec.path start at the top of the git
    # repository: deploy/fleet/rendered/<cluster>. A path without the subfolder names
    # another folder of that repository, none of this fleet's.
    top = tmp_path / "mono"
    top.mkdir()
    _git(top, "init", "-q", "-b", "main")
    write_tree(
        top,
        {
            "app/README.md": "the application\n",
            "deploy/fleet/policies/clusters.yaml": "# the inventory\n",
            "deploy/fleet/rendered/a/.hubless-cluster": "marker\n",
            "deploy/fleet/rendered/a/shop/deployment.apps_web.yaml": WEB.format(replicas=1),
            "deploy/fleet/rendered/b/.hubless-cluster": "marker\n",
            "deploy/fleet/rendered/b/shop/deployment.apps_web.yaml": WEB.format(replicas=2),
        },
    )
    first = _commit(top, "first")
    write_tree(top, {"app/README.md": "the application, again\n"})
    head = _commit(top, "the application alone")
    exports = tmp_path / "exports"
    _write(
        exports / "a.json",
        application("fleet-a", "deploy/fleet/rendered/a", head, resources=[]),
    )
    _write(
        exports / "b.json",
        kustomization(
            "./deploy/fleet/rendered/b", f"main@sha1:{head}", inventory=["shop_web_apps_Deployment"]
        ),
    )
    _write(exports / "c.json", application("wrong", "rendered/a", head))
    code, out, err = _run(top / "deploy" / "fleet", [exports], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "clusters:\n"
        f"  a  current (runs {head[:7]}), synced, Unhealthy (1 object missing)\n"
        "       missing 1: Deployment.apps/shop/web\n"
        f"  b  current (runs {head[:7]}), synced, Unknown (nothing reports its health)\n"
        "resources:\n"
        "  Deployment.apps/shop/web: 2/2 clusters current, 0/2 healthy\n"
    )
    assert first != head
