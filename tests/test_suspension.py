"""Karmada's hold switches through `hubless render`: spec.suspension (dispatching,
dispatchingOnClusters) and activationPreference: Lazy. A held object keeps on each held
cluster the bytes committed in rendered/ (new content not written, a new placement not
created, a removed one not deleted); everything else is what a render of the sources
without the switch writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from hubless.cli import cli
from tests.conftest import cluster_yaml, run_hubless, write_tree

CLUSTERS = "---\n".join(cluster_yaml(n) for n in ("alpha", "beta", "gamma"))


def policy(clusters: str, extra: str = "") -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]
  propagateDeps: true
  placement:
    clusterAffinity: {{clusterNames: [{clusters}]}}
{extra}---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: other, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap, name: other}}]
  placement:
    clusterAffinity: {{clusterNames: [alpha, beta, gamma]}}
"""


def web(image: str) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: web
        image: "{image}"
        envFrom: [{{configMapRef: {{name: settings}}}}]
"""


def config(name: str, value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop}}\ndata: {{k: '{value}'}}\n"


def sources(clusters: str, image: str, value: str, extra: str = "") -> dict[str, str]:
    return {
        "policies/clusters.yaml": CLUSTERS,
        "policies/web.yaml": policy(clusters, extra),
        "templates/web.yaml": web(image),
        "templates/settings.yaml": config("settings", value),
        "templates/other.yaml": config("other", value),
    }


def hubless(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--repo", str(repo)])


def render(repo: Path, *args: str) -> Result:
    result = hubless(repo, "render", *args)
    assert result.exit_code == 0, result.output
    return result


def tree(repo: Path) -> dict[str, bytes]:
    """rendered/ as committed output: every file but the local ones and the manifest."""
    root = repo / "rendered"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.relative_to(root).as_posix()
        not in (".hubless/manifest.json", ".hubless/hashes", ".hubless/lock", ".hubless/parses")
    }


def full_render(files: dict[str, str], where: Path) -> dict[str, bytes]:
    """What a render of `files` writes from nothing, outside git (nothing held)."""
    shutil.rmtree(where, ignore_errors=True)
    write_tree(where, files)
    render(where)
    return tree(where)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, git.Repo]:
    path = tmp_path / "fleet"
    path.mkdir()
    return path, git.Repo.init(path)


def commit(repository: git.Repo) -> None:
    repository.git.add(all=True)
    repository.git.commit(m="render")


def replace_sources(path: Path, files: dict[str, str]) -> None:
    for folder in ("policies", "templates"):
        shutil.rmtree(path / folder, ignore_errors=True)
    write_tree(path, files)


WEB = "shop/deployment.apps_web.yaml"
SETTINGS = "shop/configmap_settings.yaml"
OTHER = "shop/configmap_other.yaml"


def start(repo: tuple[Path, git.Repo], clusters: str = "alpha, beta") -> dict[str, bytes]:
    """Version 1 rendered and committed; its rendered/."""
    path, repository = repo
    write_tree(path, sources(clusters, "web:1", "1"))
    render(path)
    commit(repository)
    return tree(path)


SUSPEND_ALL = "  suspension: {dispatching: true}\n"
SUSPEND_ALPHA = "  suspension: {dispatchingOnClusters: {clusterNames: [alpha, delta]}}\n"


def test_dispatching_holds_the_policy_objects_on_every_cluster(
    repo: tuple[Path, git.Repo], tmp_path: Path
) -> None:
    path, repository = repo
    committed = start(repo)
    # Version 2 moves web from beta to gamma, with a new image and new settings.
    changed = sources("alpha, gamma", "web:2", "2", SUSPEND_ALL)
    replace_sources(path, changed)
    result = render(path)
    new = full_render(sources("alpha, gamma", "web:2", "2"), tmp_path / "plain")
    expected = dict(new)
    expected[f"alpha/{WEB}"] = committed[f"alpha/{WEB}"]  # new content not written
    expected[f"beta/{WEB}"] = committed[f"beta/{WEB}"]  # removed, not deleted
    del expected[f"gamma/{WEB}"]  # newly placed, not created
    # The ConfigMap it needs has a binding of its own, which Karmada does not suspend: it
    # follows the decision (gone from beta, created on gamma) with its new content.
    assert new[f"gamma/{SETTINGS}"] != committed[f"alpha/{SETTINGS}"]
    assert f"beta/{SETTINGS}" not in expected
    assert tree(path) == expected
    held = "(PropagationPolicy/shop/web suspension.dispatching)"
    assert [line for line in result.output.splitlines() if line.startswith("held")] == [
        f"held: rendered/alpha/{WEB} {held}",
        f"held: rendered/beta/{WEB} {held}",
        f"held: rendered/gamma/{WEB} {held}",
    ]
    # The decision is recorded as made.
    assert tree(path)[".hubless/placement.json"] == new[".hubless/placement.json"]
    assert hubless(path, "render", "--check").exit_code == 0
    assert render(path).output.splitlines()[-1] == "rendered: nothing changed"
    commit(repository)
    assert hubless(path, "render", "--check").exit_code == 0
    assert tree(path) == expected

    # Released: the next render delivers what the sources say.
    replace_sources(path, sources("alpha, gamma", "web:2", "2"))
    render(path)
    assert tree(path) == new
    assert hubless(path, "render", "--check").exit_code == 0


def test_dispatching_on_clusters_holds_only_those(
    repo: tuple[Path, git.Repo], tmp_path: Path
) -> None:
    path, repository = repo
    committed = start(repo, "alpha, beta")
    replace_sources(path, sources("alpha, gamma", "web:2", "2", SUSPEND_ALPHA))
    render(path)
    new = full_render(sources("alpha, gamma", "web:2", "2"), tmp_path / "plain")
    expected = dict(new)
    expected[f"alpha/{WEB}"] = committed[f"alpha/{WEB}"]
    assert tree(path) == expected  # beta's web deleted, gamma's created
    commit(repository)
    replace_sources(path, sources("alpha, gamma", "web:2", "2"))
    render(path)
    assert tree(path) == new


def test_a_held_template_change_takes_every_render_path(
    repo: tuple[Path, git.Repo], tmp_path: Path
) -> None:
    """With the policy unchanged, only templates change: the changed-templates shortcut
    would apply, and shards render the fleet in parts; both hold the same."""
    path, repository = repo
    write_tree(path, sources("alpha, beta", "web:1", "1", SUSPEND_ALL))
    render(path)
    commit(repository)
    assert f"alpha/{WEB}" not in tree(path)  # suspended from the start: never created
    write_tree(
        path, {"templates/web.yaml": web("web:2"), "templates/other.yaml": config("other", "2")}
    )
    render(path)
    expected = full_render(sources("alpha, beta", "web:2", "1"), tmp_path / "plain")
    expected.update(
        {
            f"{c}/{OTHER}": full_render(sources("alpha, beta", "web:2", "2"), tmp_path / "o")[
                f"{c}/{OTHER}"
            ]
            for c in ("alpha", "beta", "gamma")
        }
    )
    for cluster in ("alpha", "beta"):
        del expected[f"{cluster}/{WEB}"]
    assert tree(path) == expected
    rendered = tree(path)
    shutil.rmtree(path / "rendered")
    repository.git.checkout("--", "rendered")
    for shard in ("1/2", "2/2"):
        render(path, "--shard", shard)
    assert hubless(path, "merge").exit_code == 0
    assert tree(path) == rendered


LAZY = "  activationPreference: Lazy\n"


def test_lazy_policy_change_waits_for_a_template_change(
    repo: tuple[Path, git.Repo], tmp_path: Path
) -> None:
    path, repository = repo
    write_tree(path, sources("alpha, beta", "web:1", "1", LAZY))
    render(path)  # a first render: every template is new, nothing is held
    commit(repository)
    committed = tree(path)
    assert committed == full_render(sources("alpha, beta", "web:1", "1"), tmp_path / "p1")

    # The policy moves web from beta to gamma: web is already rendered and unchanged.
    replace_sources(path, sources("alpha, gamma", "web:1", "1", LAZY))
    result = render(path)
    new = full_render(sources("alpha, gamma", "web:1", "1"), tmp_path / "p2")
    expected = dict(new)
    expected[f"beta/{WEB}"] = committed[f"beta/{WEB}"]
    del expected[f"gamma/{WEB}"]
    assert tree(path) == expected
    held = "(PropagationPolicy/shop/web activationPreference: Lazy)"
    assert [line for line in result.output.splitlines() if line.startswith("held")] == [
        f"held: rendered/beta/{WEB} {held}",
        f"held: rendered/gamma/{WEB} {held}",
    ]
    # Committed, it stays held: only a change of the template itself releases it.
    commit(repository)
    assert render(path).output.splitlines()[-1] == "rendered: nothing changed"
    assert hubless(path, "render", "--check").exit_code == 0
    assert tree(path) == expected

    replace_sources(path, sources("alpha, gamma", "web:2", "1", LAZY))
    render(path)
    assert tree(path) == full_render(sources("alpha, gamma", "web:2", "1"), tmp_path / "p3")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "  suspension: {dispatching: true, dispatchingOnClusters: {clusterNames: [alpha]}}\n",
            "policies/web.yaml:9: error: spec.suspension: dispatching cannot be true together "
            "with dispatchingOnClusters.clusterNames",
        ),
        (
            "  suspension: {dispatching: 'yes'}\n",
            "policies/web.yaml:9: error: spec.suspension.dispatching: must be true or false, "
            "not a string",
        ),
        (
            "  suspension: {scheduling: true}\n",
            "policies/web.yaml:9: error: spec.suspension.scheduling: unknown field; known "
            "fields: dispatching, dispatchingOnClusters",
        ),
        (
            "  activationPreference: lazy\n",
            "policies/web.yaml:9: error: spec.activationPreference: 'lazy' is not one of 'Lazy'",
        ),
    ],
)
def test_switch_mistakes_are_located_errors(
    repo: tuple[Path, git.Repo], extra: str, message: str
) -> None:
    path, _ = repo
    write_tree(path, sources("alpha", "web:1", "1", extra))
    result = run_hubless("render", cwd=path)
    assert (result.returncode, result.stderr.splitlines()) == (1, [message])


def test_explain_and_diff_name_what_is_held(repo: tuple[Path, git.Repo]) -> None:
    path, _ = repo
    start(repo, "alpha, beta")
    replace_sources(path, sources("alpha, beta", "web:2", "1", SUSPEND_ALPHA))
    by = "PropagationPolicy/shop/web suspension.dispatchingOnClusters"

    explained = hubless(path, "explain", "Deployment/shop/web")
    assert explained.exit_code == 0, explained.output
    assert explained.output.splitlines()[-1] == (
        f"held on alpha by {by}: rendered/ keeps what is committed there"
    )
    data = json.loads(hubless(path, "explain", "Deployment/shop/web", "--output", "json").output)
    assert data["held"] == [{"by": by, "clusters": ["alpha"]}]
    other = json.loads(hubless(path, "explain", "ConfigMap/shop/other", "--output", "json").output)
    assert other["held"] == []

    text = hubless(path, "diff", "--base", "HEAD").output
    assert [
        line for line in text.splitlines() if line.startswith(("+++", "alpha", "beta", "held"))
    ] == [
        f"+++ b/rendered/beta/{WEB}",
        "alpha  +0 -0 ~0 held 1",
        "beta   +0 -0 ~1",
        f"held: rendered/alpha/{WEB} ({by})",
    ]
    summary = json.loads(hubless(path, "diff", "--base", "HEAD", "--format", "json").output)
    assert [
        (c["name"], c["added"], c["removed"], c["changed"], c.get("held"))
        for c in summary["clusters"]
    ] == [
        ("alpha", [], [], [], {f"alpha/{WEB}": [by]}),
        ("beta", [], [], [f"beta/{WEB}"], None),
    ]
    markdown = hubless(path, "diff", "--base", "HEAD", "--format", "markdown").output
    assert f"- held: `rendered/alpha/{WEB}` ({by})\n" in markdown
    assert "<code>alpha</code>" not in markdown  # nothing of alpha's changes
    # Only the held file differs on alpha: --exit-code counts beta's change alone.
    replace_sources(path, sources("alpha, beta", "web:1", "1", SUSPEND_ALPHA))
    assert hubless(path, "diff", "--base", "HEAD", "--exit-code").exit_code == 0
