"""Commands read YAML parsed by earlier runs from rendered/.hubless/parses, and say exactly
what they say without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubless import policy_schemas, yaml_pieces
from hubless.build.plan import compile_repo, plan_render
from hubless.build.state.hashes import remember
from hubless.build.state.paths import PARSE_CACHE
from hubless.build.state.transaction import apply
from hubless.commands.explain import explain
from hubless.load import load_fleet, read_sources
from tests.conftest import cluster_yaml, run_hubless, write_tree
from tests.test_render import CONFIGMAP, DEPLOYMENT, OP, PP

NAMES = ("east", "north", "south", "west")


def inventory(*names: str) -> str:
    """A `kubectl get clusters -o yaml` export: one v1 List."""
    items = "".join(
        "- " + cluster_yaml(name, {"env": "prod"}).replace("\n", "\n  ").rstrip() + "\n"
        for name in names
    )
    return "apiVersion: v1\nkind: List\nitems:\n" + items


def files(*names: str) -> dict[str, str]:
    return {
        "policies/clusters.yaml": inventory(*names),
        "policies/web.yaml": PP,
        "policies/web-overrides.yaml": OP,
        "templates/web/deployment.yaml": DEPLOYMENT,
        "templates/web/configmap.yaml": CONFIGMAP,
        "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    }


def rendered_repo(tmp_path: Path, *names: str) -> Path:
    """A rendered repository, compiled once since: its parse cache is warm."""
    write_tree(tmp_path, files(*names))
    remember(tmp_path / "rendered", apply(tmp_path / "rendered", plan_render(tmp_path).change))
    # The first render writes rendered/.hubless/.gitignore, which the cache needs beside it.
    assert not (tmp_path / "rendered" / PARSE_CACHE).exists()
    compile_repo(tmp_path)
    return tmp_path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts hubless parses (each piece of YAML it did not find in the cache)."""
    texts: list[str] = []
    real = yaml_pieces._parsed

    def counting(text: str) -> yaml_pieces._Piece | None:
        texts.append(text)
        return real(text)

    monkeypatch.setattr(yaml_pieces, "_parsed", counting)
    return texts


def test_a_second_run_parses_nothing_and_compiles_the_same(
    tmp_path: Path, parsed: list[str]
) -> None:
    repo = rendered_repo(tmp_path, *NAMES)
    assert (repo / "rendered" / PARSE_CACHE).is_file()
    parsed.clear()
    warm = compile_repo(repo)
    assert parsed == []
    (repo / "rendered" / PARSE_CACHE).unlink()
    cold = compile_repo(repo)
    assert parsed != []
    assert warm.compiled == cold.compiled
    assert warm.fleet == cold.fleet
    assert warm.fleet == load_fleet(read_sources(repo))


def test_an_edited_cluster_is_the_only_piece_parsed_again(
    tmp_path: Path, parsed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = rendered_repo(tmp_path, *NAMES)
    text = (repo / "policies/clusters.yaml").read_text()
    north = "    name: north\n    labels:\n      env: prod\n"
    assert north in text
    edited_text = text.replace(north, north.replace("prod", "dev"))
    (repo / "policies/clusters.yaml").write_text(edited_text)
    parsed.clear()
    assert explain(repo, "Deployment/shop/web", cluster=None, output="text") == 0
    [edited] = parsed
    assert edited.startswith("- apiVersion: cluster.karmada.io/v1alpha1")
    assert "name: north" in edited
    shown = capsys.readouterr().out
    cold = tmp_path / "cold"
    write_tree(cold, files(*NAMES))
    (cold / "policies/clusters.yaml").write_text(edited_text)
    assert explain(cold, "Deployment/shop/web", cluster=None, output="text") == 0
    assert capsys.readouterr().out == shown
    assert "  north  no: ClusterAffinity: label env=dev not in [prod]\n" in shown


def test_a_cluster_added_to_the_inventory_is_the_only_piece_parsed(
    tmp_path: Path, parsed: list[str]
) -> None:
    repo = rendered_repo(tmp_path, *NAMES)
    (repo / "policies/clusters.yaml").write_text(inventory(*NAMES, "added"))
    parsed.clear()
    fleet = compile_repo(repo).fleet
    assert [text.split("name: ")[1].split("\n")[0] for text in parsed] == ["added"]
    assert [c.name for c in fleet.clusters] == sorted([*NAMES, "added"])


def test_a_damaged_cache_is_parsed_around(tmp_path: Path, parsed: list[str]) -> None:
    repo = rendered_repo(tmp_path, *NAMES)
    cache = repo / "rendered" / PARSE_CACHE
    cache.write_bytes(cache.read_bytes()[:-100])
    parsed.clear()
    assert compile_repo(repo).fleet == load_fleet(read_sources(repo))
    assert len(parsed) > len(NAMES)


def test_mistakes_are_reported_at_their_line_on_every_run(tmp_path: Path) -> None:
    repo = rendered_repo(tmp_path, *NAMES)
    text = inventory(*NAMES)
    # An unknown field in the third item's spec, and a syntax error in another file.
    lines = text.split("\n")
    where = lines.index("  spec:", lines.index("    name: south")) + 1
    lines.insert(where, "    regoin: eu")
    (repo / "policies/clusters.yaml").write_text("\n".join(lines))
    (repo / "policies/broken.yaml").write_text("apiVersion: v1\nkind: [\n")
    known = ", ".join(sorted(policy_schemas.CLUSTER_SPEC["properties"]))
    expected = (
        "policies/broken.yaml:3: error: invalid YAML: did not find expected node content\n"
        f"policies/clusters.yaml:{where + 1}: error: spec.regoin: unknown field (did you "
        f"mean 'region'?); known fields: {known}\n"
    )
    outputs = [run_hubless("validate", cwd=repo) for _ in range(2)]
    assert (repo / "rendered" / PARSE_CACHE).is_file()
    for result in outputs:
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == expected


def test_an_inventory_parsed_ahead_compiles_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed: list[str]
) -> None:
    """With its parse cache gone, a run parses the inventory's pieces on two cores before
    reading them (here from any size): it compiles what a run without any cache compiles,
    and keeps every piece."""
    monkeypatch.setattr(yaml_pieces, "AHEAD_CHARACTERS", 0)
    repo = rendered_repo(tmp_path, *NAMES)
    (repo / "rendered" / PARSE_CACHE).unlink()
    parsed.clear()
    ahead = compile_repo(repo)
    # The List's head and four Clusters, two policies and three templates: ten pieces, the
    # first of each pair parsed here and the others by the second process.
    assert len(parsed) == 5
    assert ahead.fleet == load_fleet(read_sources(repo))
    parsed.clear()
    assert compile_repo(repo).compiled == ahead.compiled
    assert parsed == []  # all ten were kept
