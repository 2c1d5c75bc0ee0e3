"""The GitOps workflow: diffs between commits, render --commit, the pre-commit hook,
bootstrap objects, and the workflow files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import jsonschema
import pytest

from hubless import bootstrap
from tests.conftest import cluster_yaml, run_hubless, write_tree

REPO = Path(__file__).resolve().parent.parent
CLUSTERS = "---\n".join(
    cluster_yaml(n, {"env": "prod"}, summary={"allocatable": {"pods": "100", "cpu": c}})
    for n, c in (("alpha", "10"), ("beta", "30"), ("gamma", "20"))
)
POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: web}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference: {dynamicWeight: AvailableReplicas}
"""
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: REPLICAS
  template:
    spec:
      containers: [{name: web, image: "web:1", resources: {requests: {cpu: "1"}}}]
"""


def config(name: str, value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop}}\ndata: {{k: '{value}'}}\n"


def commit(repository: git.Repo, message: str) -> str:
    repository.git.add(all=True)
    repository.git.commit(m=message)
    return repository.head.commit.hexsha


@pytest.fixture
def fleet_repo(tmp_path: Path) -> tuple[Path, git.Repo]:
    repository = git.Repo.init(tmp_path)
    with repository.config_writer() as writer:
        writer.set_value("user", "name", "Test")
        writer.set_value("user", "email", "test@example.com")
    return tmp_path, repository


def test_diff_between_two_commits(fleet_repo: tuple[Path, git.Repo]) -> None:
    path, repository = fleet_repo
    (path / "README").write_text("a fleet\n")
    empty = commit(repository, "before hubless")
    write_tree(
        path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/p.yaml": POLICY,
            "templates/a.yaml": config("a", "1"),
            "templates/b.yaml": config("b", "1"),
            "templates/web.yaml": WEB.replace("REPLICAS", "6"),
        },
    )
    assert run_hubless("render", cwd=path).returncode == 0
    first = commit(repository, "fleet")

    # b removed, c added, a changed, web scaled (replicas move), gamma leaves the fleet.
    (path / "templates/b.yaml").unlink()
    write_tree(
        path,
        {
            "templates/c.yaml": config("c", "1"),
            "templates/a.yaml": config("a", "2"),
            "templates/web.yaml": WEB.replace("REPLICAS", "9"),
            "policies/clusters.yaml": CLUSTERS.rsplit("---\n", 1)[0],
        },
    )
    second = commit(repository, "change")

    result = run_hubless("diff", "--base", first, "--head", second, "--format", "json", cwd=path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    summary = {c["name"]: (c["added"], c["removed"], c["changed"]) for c in data["clusters"]}
    # Webster over available cpu 10:30:20 put 6 replicas as 1:3:2. Scaling to 9 with gamma
    # gone: alpha and beta keep theirs (1, 3) and 5 more are divided over 10:30 -> 1:4.
    assert summary == {
        "alpha": (["alpha/shop/configmap_c.yaml"], ["alpha/shop/configmap_b.yaml"],
                  ["alpha/shop/configmap_a.yaml", "alpha/shop/deployment.apps_web.yaml"]),
        "beta": (["beta/shop/configmap_c.yaml"], ["beta/shop/configmap_b.yaml"],
                 ["beta/shop/configmap_a.yaml", "beta/shop/deployment.apps_web.yaml"]),
        "gamma": ([], ["gamma/shop/configmap_a.yaml", "gamma/shop/configmap_b.yaml",
                       "gamma/shop/deployment.apps_web.yaml"], []),
    }  # fmt: skip
    alpha_web = data["clusters"][0]["diffs"]["alpha/shop/deployment.apps_web.yaml"]
    assert "-  replicas: 1\n+  replicas: 2\n" in alpha_web
    beta_web = data["clusters"][1]["diffs"]["beta/shop/deployment.apps_web.yaml"]
    assert "-  replicas: 3\n+  replicas: 7\n" in beta_web

    # A base from before hubless: everything is added.
    result = run_hubless("diff", "--base", empty, "--head", first, "--exit-code", cwd=path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-3:] == [
        "alpha  +3 -0 ~0",
        "beta   +3 -0 ~0",
        "gamma  +3 -0 ~0",
    ]
    # The work tree is the default head; no difference exits 0 even with --exit-code.
    assert run_hubless("diff", "--base", second, "--exit-code", cwd=path).returncode == 0


def test_markdown_is_a_summary_then_folded_diffs(fleet_repo: tuple[Path, git.Repo]) -> None:
    path, repository = fleet_repo
    write_tree(
        path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/p.yaml": POLICY,
            "templates/a.yaml": config("a", "1"),
        },
    )
    base = commit(repository, "one")
    write_tree(path, {"templates/a.yaml": config("a", "2")})
    result = run_hubless("diff", "--base", base, "--format", "markdown", cwd=path)
    lines = result.stdout.splitlines()
    assert lines[0] == f"### hubless: rendered changes ({base} → work tree)"
    assert lines[2] == "3 clusters change: 0 objects added, 0 removed, 3 changed."
    assert lines[4:9] == [
        "| cluster | added | removed | changed |",
        "|---|---:|---:|---:|",
        "| `alpha` | +0 | -0 | ~1 |",
        "| `beta` | +0 | -0 | ~1 |",
        "| `gamma` | +0 | -0 | ~1 |",
    ]
    assert lines[10] == "<details><summary><code>alpha</code>: +0 -0 ~1</summary>"
    assert "```diff" in lines and lines.count("</details>") == 3
    assert "-  k: '1'" in lines and "+  k: '2'" in lines


def test_markdown_is_cut_to_fit_a_comment() -> None:
    from hubless.commands.diff import ClusterChange, as_markdown

    huge = [
        ClusterChange(f"c{i}", changed=["x"], diffs={"x": "+" + "y" * 25_000 + "\n"})
        for i in range(4)
    ]
    text = as_markdown(huge, "main", "work tree")
    assert len(text) < 65_536
    assert "_Diffs of 2 clusters left out to fit a comment (c2, c3)" in text


def test_render_commit(fleet_repo: tuple[Path, git.Repo]) -> None:
    path, repository = fleet_repo
    write_tree(
        path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/p.yaml": POLICY,
            "templates/a.yaml": config("a", "1"),
        },
    )
    commit(repository, "sources")
    (path / "notes.txt").write_text("unrelated\n")
    repository.git.add("notes.txt")  # staged, and must stay out of the render commit

    result = run_hubless("render", "--commit", cwd=path)
    assert result.returncode == 0, result.stderr
    assert "committed" in result.stdout
    message = repository.head.commit.message
    # Each new cluster folder: its ConfigMap and its marker.
    assert message.splitlines()[0] == "hubless: render 3 clusters (+6 ~0 -0)"
    assert message.splitlines()[2:] == ["alpha: +2 ~0 -0", "beta: +2 ~0 -0", "gamma: +2 ~0 -0"]
    files = sorted(repository.head.commit.stats.files)
    assert all(str(f).startswith("rendered/") for f in files) and "notes.txt" not in files
    assert "notes.txt" in repository.git.diff("--cached", "--name-only")  # still staged

    again = run_hubless("render", "--commit", "-m", "again", cwd=path)
    assert again.returncode == 0 and "nothing to commit" in again.stdout

    (path / "rendered/alpha/shop/configmap_a.yaml").write_text("edited by hand\n")
    refused = run_hubless("render", "--commit", cwd=path)
    assert refused.returncode == 1
    assert (
        "rendered/ has changes that this render did not make (rendered/alpha/shop/configmap_a.yaml)"
        in refused.stderr
    )
    repository.git.checkout("--", "rendered")

    (Path(repository.git_dir) / "MERGE_HEAD").write_text(repository.head.commit.hexsha + "\n")
    merging = run_hubless("render", "--commit", cwd=path)
    assert merging.returncode == 1 and "a merge is in progress" in merging.stderr


def test_render_commit_names_an_interrupted_rebase(fleet_repo: tuple[Path, git.Repo]) -> None:
    path, repository = fleet_repo
    write_tree(
        path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/p.yaml": POLICY,
            "templates/a.yaml": config("a", "1"),
        },
    )
    commit(repository, "sources")
    base = repository.active_branch.name
    repository.git.checkout("-b", "topic")
    write_tree(path, {"templates/a.yaml": config("a", "topic")})
    commit(repository, "topic")
    repository.git.checkout(base)
    write_tree(path, {"templates/a.yaml": config("a", "main")})
    commit(repository, "main")
    repository.git.checkout("topic")
    with pytest.raises(git.GitCommandError):
        repository.git.rebase(base)  # stops at the conflict in templates/a.yaml
    rebasing = run_hubless("render", "--commit", cwd=path)
    assert rebasing.returncode == 1
    assert rebasing.stderr == "error: a rebase is in progress: finish it before `render --commit`\n"


@pytest.mark.parametrize("flavour", ["argocd", "flux", "central"])
def test_bootstrap_output_is_schema_valid(tmp_path: Path, flavour: str) -> None:
    write_tree(tmp_path, {"policies/clusters.yaml": CLUSTERS})
    args = ["bootstrap", "--repo-url", "https://git.example.com/fleet.git"]
    if flavour == "central":
        args += ["--gitops", "argocd", "--central"]
    else:
        args += ["--gitops", flavour, "--cluster", "beta"]
    result = run_hubless(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from hubless.documents import parse_documents

    documents = [d.data for d in parse_documents(result.stdout, "out")]
    kinds = [d["kind"] for d in documents]
    assert (
        kinds
        == {
            "argocd": ["Application"],
            "flux": ["GitRepository", "Kustomization"],
            "central": ["ApplicationSet"],
        }[flavour]
    )
    for document in documents:
        jsonschema.validate(document, bootstrap.SCHEMAS[(document["apiVersion"], document["kind"])])
    if flavour == "argocd":
        spec = documents[0]["spec"]
        assert spec["source"]["path"] == "rendered/beta" and spec["source"]["directory"] == {
            "recurse": True
        }
        # allowEmpty: auto-sync prunes the last objects of a folder emptied to its marker.
        assert spec["syncPolicy"]["automated"] == {
            "prune": True,
            "selfHeal": True,
            "allowEmpty": True,
        }
        annotations = documents[0]["metadata"]["annotations"]
        assert annotations == {"argocd.argoproj.io/manifest-generate-paths": "/rendered/beta"}
    if flavour == "central":
        automated = documents[0]["spec"]["template"]["spec"]["syncPolicy"]["automated"]
        assert automated == {"prune": True, "selfHeal": True, "allowEmpty": True}
    if flavour == "flux":
        assert (
            documents[1]["spec"]["path"] == "./rendered/beta"
            and documents[1]["spec"]["prune"] is True
        )


def test_bootstrap_schemas_catch_mistakes() -> None:
    bad = bootstrap.flux_objects("beta", "git.example.com/fleet", "main", "rendered")[
        0
    ]  # no scheme
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            bad, bootstrap.SCHEMAS[("source.toolkit.fluxcd.io/v1", "GitRepository")]
        )


def test_workflows_pass_actionlint() -> None:
    actionlint = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    workflows = sorted(str(p) for p in (REPO / ".github/workflows").glob("*.yaml"))
    result = subprocess.run([actionlint, *workflows], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hook_stops_and_fixes_a_commit(
    fleet_repo: tuple[Path, git.Repo], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The hook from .pre-commit-hooks.yaml, installed with pre-commit, on a real commit."""
    path, repository = fleet_repo
    project = git.Repo(REPO)
    if project.is_dirty(untracked_files=False, path=".pre-commit-hooks.yaml"):
        pytest.skip("the hook definition has uncommitted changes")
    write_tree(
        path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/p.yaml": POLICY,
            "templates/a.yaml": config("a", "1"),
            ".pre-commit-config.yaml": textwrap.dedent(
                f"""
                repos:
                - repo: {REPO}
                  rev: {project.head.commit.hexsha}
                  hooks:
                  - id: hubless-render
                """
            ),
        },
    )
    assert run_hubless("render", cwd=path).returncode == 0
    commit(repository, "fleet")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = subprocess.run(
        [*pre_commit, "install"], cwd=path, capture_output=True, text=True, env=env, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # A template changes but rendered/ does not: the commit is stopped and rendered/ fixed.
    write_tree(path, {"templates/a.yaml": config("a", "2")})
    repository.git.add("templates/a.yaml")
    stopped = subprocess.run(
        ["git", "commit", "-m", "change a"],
        cwd=path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert stopped.returncode != 0, stopped.stdout + stopped.stderr
    output = stopped.stdout + stopped.stderr
    assert (
        "hubless render" in output
        and "Failed" in output
        and "files were modified by this hook" in output
    )
    assert "k: '2'" in (path / "rendered/alpha/shop/configmap_a.yaml").read_text()

    # Staging the re-rendered files lets the commit through.
    repository.git.add(all=True)
    done = subprocess.run(
        ["git", "commit", "-m", "change a"],
        cwd=path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "k: '2'" in repository.git.show("HEAD:rendered/alpha/shop/configmap_a.yaml")
