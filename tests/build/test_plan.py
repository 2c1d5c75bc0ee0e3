"""How a render is planned: the strategy, and the change to rendered/ (hubless.build.plan)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hubless.build.digests import SourceDigests
from hubless.build.plan import compile_repo, plan_render
from hubless.build.result import Rendering, Strategy
from hubless.build.state.hashes import remember, tree_digest
from hubless.build.state.record import read_record
from hubless.build.state.transaction import TreeChange, apply
from hubless.build.tree import desired_tree
from hubless.compile import compile_fleet
from hubless.errors import Problem, Source
from hubless.load import load_fleet, read_sources
from hubless.model import ResourceKey, TargetCluster
from tests.build.test_reuse import clusters as divided_clusters
from tests.build.test_reuse import files as divided_files
from tests.conftest import cluster_yaml, write_tree
from tests.test_render import CLUSTERS, CONFIGMAP, base_files

MANIFEST = ".hubless/manifest.json"


def applied(repo: Path) -> Rendering:
    """Plan a render and write it, as `hubless render` does."""
    rendering = plan_render(repo)
    remember(repo / "rendered", apply(repo / "rendered", rendering.change))
    return rendering


def on_disk(repo: Path) -> dict[str, bytes]:
    root = repo / "rendered"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.relative_to(root).as_posix()
        not in (".hubless/lock", ".hubless/hashes", ".hubless/parses")
    }


def json_bytes(data: object) -> bytes:
    """The manifest's layout: sorted keys, two-space indent, a final newline."""
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def test_a_first_render_adds_the_whole_tree_and_its_manifest(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    rendering = plan_render(tmp_path)
    assert rendering.strategy is Strategy.FULL
    sources = read_sources(tmp_path)
    fleet = load_fleet(sources)
    expected = desired_tree(compile_fleet(fleet, until_stable=True))
    added = dict(rendering.change.added)
    manifest = json.loads(added.pop(MANIFEST))
    assert added == expected
    assert rendering.change == TreeChange(added={**expected, MANIFEST: json_bytes(manifest)})
    digests = SourceDigests.of(sources)
    assert (manifest["inputs"], manifest["output"], manifest["policies"]) == (
        digests.inputs,
        tree_digest(expected),
        digests.policies,
    )
    assert sorted(manifest["clusters"]) == ["batch", "dev", "east", "west"]
    assert rendering.fleet == fleet
    assert not (tmp_path / "rendered").exists()  # planning writes nothing


def test_nothing_to_do_when_sources_and_rendered_are_as_left(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    said = applied(tmp_path).warnings
    assert plan_render(tmp_path) == Rendering(Strategy.UNCHANGED, TreeChange(), warnings=said)


def test_rebalance_plans_a_full_render_that_changes_nothing_here(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    applied(tmp_path)
    rendering = plan_render(tmp_path, rebalance=True)
    assert (rendering.strategy, rendering.change) == (Strategy.FULL, TreeChange())


def test_a_hand_edit_in_rendered_is_undone(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    applied(tmp_path)
    before = on_disk(tmp_path)
    path = "west/shop/configmap_web.yaml"
    (tmp_path / "rendered" / path).write_text("kind: tampered\n")
    (tmp_path / "rendered/west/extra.yaml").write_text("kind: extra\n")
    rendering = plan_render(tmp_path)
    assert rendering.strategy is Strategy.FULL
    assert rendering.change == TreeChange(
        changed={path: before[path]}, removed=("west/extra.yaml",)
    )


def test_a_lost_manifest_is_written_again(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    applied(tmp_path)
    manifest = (tmp_path / "rendered" / MANIFEST).read_bytes()
    (tmp_path / "rendered" / MANIFEST).unlink()
    rendering = plan_render(tmp_path)
    assert (rendering.strategy, rendering.change) == (
        Strategy.FULL,
        TreeChange(added={MANIFEST: manifest}),
    )


@pytest.mark.parametrize(
    ("changed", "strategy"),
    [
        ({"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')}, Strategy.TEMPLATES),
        ({"policies/clusters.yaml": CLUSTERS + "---\n" + cluster_yaml("north")}, Strategy.CLUSTERS),
    ],
)
def test_each_shortcut_writes_what_a_full_render_writes(
    tmp_path: Path, changed: dict[str, str], strategy: Strategy
) -> None:
    repo, full = tmp_path / "repo", tmp_path / "full"
    write_tree(repo, base_files())
    applied(repo)
    write_tree(repo, changed)
    write_tree(full, {**base_files(), **changed})
    rendering = applied(repo)
    assert rendering.strategy is strategy
    assert plan_render(full).strategy is Strategy.FULL
    applied(full)
    assert on_disk(repo) == on_disk(full)


def test_a_render_with_nothing_to_do_says_what_the_full_render_said(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            **base_files(),
            "policies/clusters.yaml": CLUSTERS + "---\n" + cluster_yaml("bare", apis=None),
        },
    )
    applied(tmp_path)
    full = plan_render(tmp_path, rebalance=True)
    assert full.strategy is Strategy.FULL
    bare = Source("policies/clusters.yaml", (CLUSTERS + "---\n").count("\n") + 1)
    assert full.warnings.fleet == (
        Problem.warning(
            bare, "cluster bare has no status.apiEnablements, so no policy can place anything on it"
        ),
    )
    unchanged = plan_render(tmp_path)
    assert unchanged.strategy is Strategy.UNCHANGED
    assert unchanged.warnings == full.warnings


def test_compile_repo_starts_from_the_record(tmp_path: Path) -> None:
    write_tree(tmp_path, divided_files())
    applied(tmp_path)
    # A cluster joins: the Divided Deployment stays where the record says it is.
    write_tree(tmp_path, {"policies/clusters.yaml": divided_clusters("west-3")})
    compilation = compile_repo(tmp_path)
    fleet = load_fleet(read_sources(tmp_path))
    record = read_record(tmp_path)
    assert record is not None
    assert compilation.fleet == fleet
    assert compilation.compiled == compile_fleet(fleet, record.previous, until_stable=True)
    web = ResourceKey("apps", "Deployment", "shop", "web")
    kept = compilation.compiled.decision_for(web)
    fresh = compile_fleet(fleet, until_stable=True).decision_for(web)
    assert kept is not None and fresh is not None
    assert kept.binding.clusters == tuple(
        TargetCluster(name, replicas)
        for name, replicas in (("east-1", 2), ("east-2", 2), ("west-1", 1), ("west-2", 1))
    )
    assert "west-3" in {t.name for t in fresh.binding.clusters}  # without the record
