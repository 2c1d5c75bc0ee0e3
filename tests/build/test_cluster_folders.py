"""Every cluster of the inventory has its folder, always: a marker keeps it in git when the
cluster runs nothing, in every way a render can go (hubless.build.layout, .tree)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hubless.build.layout import CLUSTER_MARKER_TEXT
from hubless.build.plan import plan_render
from hubless.build.result import Strategy
from hubless.commands.merge import merge
from hubless.commands.render import render, render_shard
from hubless.documents import parse_documents
from tests.conftest import cluster_yaml, run_hubless, snapshot, write_tree

REPO = Path(__file__).resolve().parents[2]
MARKER = ".hubless-cluster"


def clusters(*extra: str, without: str = "") -> str:
    """alpha and beta run the shop; idle (and any extra cluster) is labelled to get nothing."""
    names = [("alpha", "prod"), ("beta", "prod"), ("idle", "idle")] + [(n, "idle") for n in extra]
    return "---\n".join(cluster_yaml(n, {"env": env}) for n, env in names if n != without)


POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: shop}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  placement:
    clusterAffinity:
      labelSelector: {matchLabels: {env: prod}}
"""


def configmap(name: str, value: str = "1") -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop}}\n"
        f"data: {{k: '{value}'}}\n"
    )


def files() -> dict[str, str]:
    return {
        "policies/clusters.yaml": clusters(),
        "policies/shop.yaml": POLICY,
        "templates/a.yaml": configmap("a"),
        "templates/b.yaml": configmap("b"),
    }


def folder(repo: Path, cluster: str) -> dict[str, bytes]:
    """Every file of a cluster's folder, by path inside it."""
    root = repo / "rendered" / cluster
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def configmap_file(name: str, value: str = "1") -> bytes:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: shop\n"
        f"data:\n  k: '{value}'\n"
    ).encode()


def rendered_files(repo: Path) -> dict[str, bytes]:
    return {path: content for path, (content, _) in snapshot(repo / "rendered").items()}


def full_render_of(repo: Path, tmp_path: Path) -> dict[str, bytes]:
    """rendered/ as a render with no shortcut writes it from the same repository."""
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()
    assert render(full, check=False) == 0
    return rendered_files(full)


def test_a_cluster_that_receives_nothing_has_its_folder_with_only_the_marker(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, files())
    assert render(tmp_path, check=False) == 0
    assert folder(tmp_path, "idle") == {MARKER: CLUSTER_MARKER_TEXT}
    assert folder(tmp_path, "alpha") == {
        MARKER: CLUSTER_MARKER_TEXT,
        "shop/configmap_a.yaml": configmap_file("a"),
        "shop/configmap_b.yaml": configmap_file("b"),
    }
    assert folder(tmp_path, "beta") == folder(tmp_path, "alpha")
    # The markers are output: `render --check` neither misses nor reports them.
    checked = run_hubless("render", "--check", cwd=tmp_path)
    assert (checked.returncode, checked.stdout) == (0, "rendered/ is up to date\n")


def test_removing_a_cluster_s_last_object_keeps_its_folder_with_the_marker(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, files())
    render(repo, check=False)
    write_tree(repo, {"policies/shop.yaml": POLICY.replace("env: prod", "env: none")})
    assert render(repo, check=False) == 0
    for cluster in ("alpha", "beta", "idle"):
        assert folder(repo, cluster) == {MARKER: CLUSTER_MARKER_TEXT}, cluster
    assert rendered_files(repo) == full_render_of(repo, tmp_path)
    checked = run_hubless("render", "--check", cwd=repo)
    assert (checked.returncode, checked.stdout) == (0, "rendered/ is up to date\n")


def test_a_cluster_removed_from_the_inventory_loses_its_folder(tmp_path: Path) -> None:
    write_tree(tmp_path, files())
    render(tmp_path, check=False)
    assert folder(tmp_path, "idle") == {MARKER: CLUSTER_MARKER_TEXT}
    write_tree(tmp_path, {"policies/clusters.yaml": clusters(without="idle")})
    assert render(tmp_path, check=False) == 0
    assert sorted(p.name for p in (tmp_path / "rendered").iterdir()) == [
        ".hubless",
        "alpha",
        "beta",
    ]
    write_tree(tmp_path, {"policies/clusters.yaml": clusters(without="alpha")})
    assert render(tmp_path, check=False) == 0  # a cluster with objects: the same
    assert sorted(p.name for p in (tmp_path / "rendered").iterdir()) == [
        ".hubless",
        "beta",
        "idle",
    ]


def test_a_missing_marker_is_reported_by_check_and_written_again(tmp_path: Path) -> None:
    write_tree(tmp_path, files())
    render(tmp_path, check=False)
    (tmp_path / "rendered/idle" / MARKER).unlink()
    (tmp_path / "rendered/idle").rmdir()  # as a clone without the folder has it
    checked = run_hubless("render", "--check", cwd=tmp_path)
    assert checked.returncode == 1
    assert checked.stdout == "missing: rendered/idle/.hubless-cluster\n"
    assert render(tmp_path, check=False) == 0
    assert folder(tmp_path, "idle") == {MARKER: CLUSTER_MARKER_TEXT}


def test_every_kind_of_render_keeps_the_folders(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, files())
    render(repo, check=False)
    before = snapshot(repo / "rendered")

    # Nothing changed: nothing is written.
    assert plan_render(repo).strategy is Strategy.UNCHANGED
    assert render(repo, check=False) == 0
    assert snapshot(repo / "rendered") == before

    # One template changed: only it is rendered again; the markers stay as they were.
    write_tree(repo, {"templates/b.yaml": configmap("b", "2")})
    assert plan_render(repo).strategy is Strategy.TEMPLATES
    assert render(repo, check=False) == 0
    after = snapshot(repo / "rendered")
    for cluster in ("alpha", "beta", "idle"):
        assert after[f"{cluster}/{MARKER}"] == before[f"{cluster}/{MARKER}"]
    assert rendered_files(repo) == full_render_of(repo, tmp_path)

    # The inventory changed: a new cluster that gets nothing has its folder, the unchanged
    # clusters are kept as they are.
    write_tree(repo, {"policies/clusters.yaml": clusters("spare")})
    rendering = plan_render(repo)
    assert rendering.strategy is Strategy.CLUSTERS
    assert rendering.reused == {"alpha", "beta", "idle"}
    assert render(repo, check=False) == 0
    assert folder(repo, "spare") == {MARKER: CLUSTER_MARKER_TEXT}
    assert snapshot(repo / "rendered")["idle/" + MARKER] == before["idle/" + MARKER]
    assert rendered_files(repo) == full_render_of(repo, tmp_path)
    assert render(repo, check=True) == 0


def test_shards_and_their_merge_write_every_cluster_s_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {**files(), "policies/clusters.yaml": clusters("spare", "quiet")})
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    render(full, check=False)
    for index in (1, 2, 3):
        assert render_shard(repo, f"{index}/3") == 0
    assert merge(repo) == 0
    merged = rendered_files(repo)
    assert merged == rendered_files(full)
    for cluster in ("idle", "spare", "quiet"):
        assert folder(repo, cluster) == {MARKER: CLUSTER_MARKER_TEXT}, cluster


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_an_emptied_folder_builds_to_nothing_as_flux_builds_it(tmp_path: Path) -> None:
    """CI's build of a folder (.ci/kustomize-build: Flux's generated kustomization) before
    and after its last object goes."""
    write_tree(tmp_path, files())
    render(tmp_path, check=False)

    def build(cluster: str) -> subprocess.CompletedProcess[str]:
        script = REPO / ".ci/kustomize-build"
        folder = tmp_path / "rendered" / cluster
        return subprocess.run(
            [str(script), str(folder)], capture_output=True, text=True, check=False
        )

    built = build("alpha")
    assert built.returncode == 0, built.stderr
    assert [d.data for d in parse_documents(built.stdout, "built")] == [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"},
         "data": {"k": "1"}}
        for name in ("a", "b")
    ]  # fmt: skip
    write_tree(tmp_path, {"policies/shop.yaml": POLICY.replace("env: prod", "env: none")})
    render(tmp_path, check=False)
    for cluster in ("alpha", "idle"):
        built = build(cluster)
        assert (built.returncode, built.stdout, built.stderr) == (0, "", ""), cluster
