"""Comparing two revisions (hubless.build.revisions): `hubless diff` compiles only the
templates that differ when that says exactly what compiling everything says."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import git
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from hubless.build import revisions
from hubless.build.revisions import Revision, changed_files, may_compare_alone
from hubless.cli import cli
from hubless.commands import diff as diff_command
from hubless.commands.diff import ClusterChange, as_json, as_markdown, as_text, changes_between
from hubless.commands.render import render
from hubless.errors import UserError
from tests.build.test_plan import MANIFEST, applied, on_disk
from tests.conftest import cluster_yaml, run_hubless, write_tree
from tests.test_render import CONFIGMAP, base_files

CLUSTERS = "---\n".join(
    cluster_yaml(n, {"env": "prod"}, summary={"allocatable": {"pods": "100", "cpu": cpu}})
    for n, cpu in (("alpha", "10"), ("beta", "30"), ("gamma", "20"))
)
POLICIES = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: configs}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {app: shop}}}]
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
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: beta}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  overrideRules:
  - targetCluster: {clusterNames: [beta]}
    overriders:
      labelsOverrider: [{operator: add, value: {zone: b}}]
"""


def config(name: str, value: str = "1", app: str = "shop") -> str:
    return (
        "apiVersion: v1\nkind: ConfigMap\n"
        f"metadata: {{name: {name}, namespace: shop, labels: {{app: {app}}}}}\n"
        f"data: {{value: '{value}'}}\n"
    )


def web(name: str, replicas: int = 6, image: str = "web:1") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  replicas: {replicas}
  template:
    spec:
      containers: [{{name: web, image: "{image}", resources: {{requests: {{cpu: "1"}}}}}}]
"""


CONFIGS = ("c0", "c1", "c2", "c3")
WEBS = ("w0", "w1")


def fleet() -> dict[str, str]:
    files = {"policies/clusters.yaml": CLUSTERS, "policies/p.yaml": POLICIES}
    files.update({f"templates/{n}.yaml": config(n) for n in CONFIGS})
    files.update({f"templates/{n}.yaml": web(n) for n in WEBS})
    return files


def commit(repository: git.Repo, message: str) -> str:
    repository.git.add(all=True)
    repository.git.commit("--allow-empty", m=message)
    return str(repository.head.commit.hexsha)


def rendered_repo(path: Path, files: dict[str, str]) -> git.Repo:
    """A fleet repository with `files` rendered and committed."""
    repository = git.Repo.init(path)
    write_tree(path, files)
    render(path, check=False)
    commit(repository, "fleet")
    return repository


def edit(path: Path, changed: dict[str, str | None]) -> None:
    for relative, text in changed.items():
        if text is None:
            (path / relative).unlink()
    write_tree(path, {k: v for k, v in changed.items() if v is not None})


def head_as(path: Path, repository: git.Repo, how: str) -> str | None:
    """The head of the comparison: the work tree as it is, or a commit of it (rendered
    first or not)."""
    if how == "work tree":
        return None
    if how == "rendered":
        render(path, check=False)
    return commit(repository, "change")


@contextmanager
def full_compiles_counted() -> Iterator[list[str | None]]:
    """The revisions compiled whole while inside."""
    whole: list[str | None] = []
    original = Revision.compiled

    def counted(self: Revision) -> object:
        whole.append(self.ref)
        return original(self)

    with mock.patch.object(Revision, "compiled", counted):
        yield whole


def full_comparison(repo: Path, base: str, head: str | None) -> list[ClusterChange]:
    with mock.patch.object(diff_command, "may_compare_alone", lambda _: False):
        return changes_between(repo, base, head)


def outputs(changes: list[ClusterChange], base: str, head: str | None) -> tuple[str, ...]:
    name = head or "work tree"
    return as_text(changes), as_markdown(changes, base, name), as_json(changes, base, name)


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base")
    rendered_repo(path, fleet())
    return path


CONFIG_EDITS = st.sampled_from(["keep", "value", "unlabel", "remove"])
WEB_EDITS = st.one_of(
    st.sampled_from(["keep", "image", "remove"]), st.integers(min_value=0, max_value=12)
)


@settings(max_examples=20, deadline=None)
@given(
    configs=st.tuples(*(CONFIG_EDITS for _ in CONFIGS)),
    webs=st.tuples(*(WEB_EDITS for _ in WEBS)),
    added=st.booleans(),
    how=st.sampled_from(["work tree", "commit", "rendered"]),
)
def test_comparing_only_the_changed_templates_says_what_the_full_comparison_says(
    base_repo: Path,
    configs: tuple[str, ...],
    webs: tuple[str | int, ...],
    added: bool,
    how: str,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "repo"
        shutil.copytree(base_repo, path, symlinks=True)
        repository = git.Repo(path)
        base = str(repository.head.commit.hexsha)
        changed: dict[str, str | None] = {}
        for name, change in zip(CONFIGS, configs, strict=True):
            if change == "value":
                changed[f"templates/{name}.yaml"] = config(name, "2")
            elif change == "unlabel":  # out of the policy's reach: it leaves every cluster
                changed[f"templates/{name}.yaml"] = config(name, app="other")
            elif change == "remove":
                changed[f"templates/{name}.yaml"] = None
        for name, web_change in zip(WEBS, webs, strict=True):
            if web_change == "image":
                changed[f"templates/{name}.yaml"] = web(name, image="web:2")
            elif web_change == "remove":
                changed[f"templates/{name}.yaml"] = None
            elif isinstance(web_change, int):  # replicas divided again: placements move
                changed[f"templates/{name}.yaml"] = web(name, replicas=web_change)
        if added:
            changed["templates/new.yaml"] = config("new", "3")
        edit(path, changed)
        head = head_as(path, repository, how)

        with full_compiles_counted() as whole:
            alone = changes_between(path, base, head)
        assert whole == []  # only the changed templates were compiled
        assert outputs(alone, base, head) == outputs(full_comparison(path, base, head), base, head)


def test_a_template_edit_is_compared_alone_through_the_command_line(tmp_path: Path) -> None:
    repository = rendered_repo(tmp_path, fleet())
    edit(tmp_path, {"templates/c1.yaml": config("c1", "2")})
    # Each cluster's file ends with metadata.labels (beta's has the override's too), then
    # data: a hunk of the three lines before the value.
    expected = "".join(
        f"--- a/rendered/{c}/shop/configmap_c1.yaml\n"
        f"+++ b/rendered/{c}/shop/configmap_c1.yaml\n"
        f"{hunk}"
        " data:\n"
        "-  value: '1'\n"
        "+  value: '2'\n"
        for c, hunk in (
            ("alpha", "@@ -6,4 +6,4 @@\n   labels:\n     app: shop\n"),
            ("beta", "@@ -7,4 +7,4 @@\n     app: shop\n     zone: b\n"),
            ("gamma", "@@ -6,4 +6,4 @@\n   labels:\n     app: shop\n"),
        )
    )
    expected += "\nalpha  +0 -0 ~1\nbeta   +0 -0 ~1\ngamma  +0 -0 ~1\n"
    with full_compiles_counted() as whole:
        result = CliRunner().invoke(cli, ["diff", "--base", "HEAD", "--repo", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, expected)
    assert whole == []
    commit(repository, "c1: 2")
    with full_compiles_counted() as whole:
        result = CliRunner().invoke(
            cli, ["diff", "--base", "HEAD~1", "--format", "json", "--repo", str(tmp_path)]
        )
    assert whole == []
    data = json.loads(result.output)
    assert [(c["name"], c["changed"]) for c in data["clusters"]] == [
        (c, [f"{c}/shop/configmap_c1.yaml"]) for c in ("alpha", "beta", "gamma")
    ]


PROPAGATE_DEPS = POLICIES.replace(
    "metadata: {name: web}\nspec:\n", "metadata: {name: web}\nspec:\n  propagateDeps: true\n"
)
RENAMING = (
    POLICIES
    + """---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: rename}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: c0}]
  overrideRules:
  - targetCluster: {clusterNames: [gamma]}
    overriders:
      plaintext: [{path: /metadata/name, operator: replace, value: c0-gamma}]
"""
)
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {app: shop}}\n"
SUSPENDED = POLICIES.replace(
    "metadata: {name: web}\nspec:\n",
    "metadata: {name: web}\nspec:\n  suspension: {dispatchingOnClusters: {clusterNames: [beta]}}\n",
)
WITH_CONFIG = web("w0").replace(
    'resources: {requests: {cpu: "1"}}',
    'resources: {requests: {cpu: "1"}}, envFrom: [{configMapRef: {name: c3}}]',
)


@pytest.mark.parametrize(
    ("why", "policies", "changed"),
    [
        (
            "a policy changed",
            POLICIES,
            {
                "templates/c1.yaml": config("c1", "2"),
                "policies/p.yaml": POLICIES.replace("zone: b", "zone: bb"),
            },
        ),
        # c3 now follows w0 to w0's clusters
        ("a template gained a dependency", PROPAGATE_DEPS, {"templates/w0.yaml": WITH_CONFIG}),
        ("an override renames", RENAMING, {"templates/c0.yaml": config("c0", "2")}),
        ("a Namespace changed", POLICIES, {"templates/ns.yaml": NAMESPACE}),
        ("a policy holds", SUSPENDED, {"templates/w1.yaml": web("w1", image="web:2")}),
    ],
)
@pytest.mark.parametrize("how", ["work tree", "commit", "rendered"])
def test_the_comparison_steps_aside_to_compile_everything(
    tmp_path: Path, why: str, policies: str, changed: dict[str, str | None], how: str
) -> None:
    repository = rendered_repo(tmp_path, {**fleet(), "policies/p.yaml": policies})
    edit(tmp_path, changed)
    head = head_as(tmp_path, repository, how)
    base = "HEAD" if head is None else "HEAD~1"
    before = Revision.read(tmp_path, base)
    assert (
        not may_compare_alone(before)
        or changed_files(before, Revision.read(tmp_path, head)) is None
    ), why
    with full_compiles_counted() as whole:
        changes = changes_between(tmp_path, base, head)
    assert whole == [base, head]
    assert changes == full_comparison(tmp_path, base, head)
    assert changes  # something did change


def test_a_removed_template_is_compared_alone(tmp_path: Path) -> None:
    rendered_repo(tmp_path, fleet())
    edit(tmp_path, {"templates/w1.yaml": None})
    with full_compiles_counted() as whole:
        changes = changes_between(tmp_path, "HEAD", None)
    assert whole == []
    assert changes == full_comparison(tmp_path, "HEAD", None)
    assert [(c.name, c.removed) for c in changes] == [
        (c, [f"{c}/shop/deployment.apps_w1.yaml"]) for c in ("alpha", "beta", "gamma")
    ]


def test_a_base_rendered_from_other_sources_is_compiled_whole(tmp_path: Path) -> None:
    """The base's manifest is what vouches for the templates left out; a base committed
    without rendering is not vouched for, nor is one rendered by another hubless."""
    repository = rendered_repo(tmp_path, fleet())
    edit(tmp_path, {"templates/c0.yaml": config("c0", "2")})
    commit(repository, "c0: 2, not rendered")
    assert not may_compare_alone(Revision.read(tmp_path, "HEAD"))
    assert may_compare_alone(Revision.read(tmp_path, "HEAD~1"))
    with mock.patch.object(revisions.SourceDigests, "of") as digests:
        digests.return_value.inputs = "another hubless's"
        assert not may_compare_alone(Revision.read(tmp_path, "HEAD~1"))


FAILING_ON_C0 = """---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: flag}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: c0}]
  overrideRules:
  - overriders:
      plaintext: [{path: /data/flag, operator: replace, value: "on"}]
"""


def test_a_base_that_does_not_compile_fails_the_comparison(tmp_path: Path) -> None:
    """c0 stops compiling in a commit nobody rendered; a later edit of c1 alone must not
    hide that the base is broken."""
    flagged = config("c0").replace("data: {", "data: {flag: 'off', ")
    files = {**fleet(), "templates/c0.yaml": flagged}
    files["policies/p.yaml"] += FAILING_ON_C0
    repository = rendered_repo(tmp_path, files)
    edit(tmp_path, {"templates/c0.yaml": config("c0")})
    base = commit(repository, "c0 without its flag, not rendered")
    edit(tmp_path, {"templates/c1.yaml": config("c1", "2")})
    result = run_hubless("diff", "--base", base, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        # the base's plaintext overrider, at its line
        f"{base}:policies/p.yaml:34: error: ClusterOverridePolicy/flag overrideRules[0] "
        "plaintext: cannot override ConfigMap/shop/c0 for clusters alpha, beta, gamma: "
        "replace /data/flag: can't replace a non-existent object 'flag'"
    ]


def test_templates_that_start_from_other_placements_are_compiled(tmp_path: Path) -> None:
    """The head's record places w1's replicas otherwise (written by hand here; a render
    of an older record does the same): w1 is unchanged, yet its objects differ."""
    rendered_repo(tmp_path, fleet())
    record = tmp_path / "rendered/.hubless/placement.json"
    data = json.loads(record.read_text())
    [w1] = [entry for entry in data["resources"] if entry["name"] == "w1"]
    assert w1["clusters"] == [
        {"name": "alpha", "replicas": 1},
        {"name": "beta", "replicas": 3},
        {"name": "gamma", "replicas": 2},
    ]  # 6 by available cpu, 10:30:20
    w1["clusters"] = [{"name": c, "replicas": 2} for c in ("alpha", "beta", "gamma")]
    record.write_text(json.dumps(data))
    edit(tmp_path, {"templates/c1.yaml": config("c1", "2")})
    before = Revision.read(tmp_path, "HEAD")
    assert may_compare_alone(before)
    assert changed_files(before, Revision.read(tmp_path, None)) is None
    changes = changes_between(tmp_path, "HEAD", None)
    assert changes == full_comparison(tmp_path, "HEAD", None)
    # Karmada keeps a placement whose total is unchanged: w1 stays at 2 on each cluster.
    assert [(c.name, c.changed) for c in changes] == [
        ("alpha", ["alpha/shop/configmap_c1.yaml", "alpha/shop/deployment.apps_w1.yaml"]),
        ("beta", ["beta/shop/configmap_c1.yaml", "beta/shop/deployment.apps_w1.yaml"]),
        ("gamma", ["gamma/shop/configmap_c1.yaml"]),
    ]


def test_tree_at_a_revision_is_what_its_sources_render(tmp_path: Path) -> None:
    repository = git.Repo.init(tmp_path)
    write_tree(tmp_path, base_files())
    applied(tmp_path)
    first = commit(repository, "change")
    expected = {k: v for k, v in on_disk(tmp_path).items() if k != MANIFEST}
    # Uncommitted edits are not seen; a later commit is, by its own revision.
    write_tree(tmp_path, {"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')})
    assert Revision.read(tmp_path, "HEAD").tree() == expected
    applied(tmp_path)
    commit(repository, "change")
    assert Revision.read(tmp_path, first).tree() == expected
    assert Revision.read(tmp_path, "HEAD").tree() == {
        k: v for k, v in on_disk(tmp_path).items() if k != MANIFEST
    }


def test_errors_at_a_revision_name_the_revision(tmp_path: Path) -> None:
    repository = git.Repo.init(tmp_path)
    write_tree(tmp_path, {**base_files(), "templates/broken.yaml": "kind: [\n"})
    commit(repository, "change")
    with pytest.raises(UserError) as caught:
        Revision.read(tmp_path, "HEAD").tree()
    sources = [p.source for p in caught.value.problems]
    assert sources and all(
        s is not None and s.path == "HEAD:templates/broken.yaml" for s in sources
    )
    with pytest.raises(UserError) as caught:
        Revision.read(tmp_path, "nope").tree()
    assert str(caught.value) == "error: 'nope' is not a commit in this repository"


def test_problems_name_the_revision_once(tmp_path: Path) -> None:
    repository = git.Repo.init(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/x.yaml").symlink_to("nowhere")
    commit(repository, "a dangling link")
    result = run_hubless("diff", "--base", "HEAD", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "HEAD:templates/x.yaml:1: error: a dangling symbolic link (to 'nowhere', which does "
        "not exist)"
    ]


def test_problems_of_writing_the_base_name_the_base(tmp_path: Path) -> None:
    """`Widget` and `WIDGET` objects would be one file: found writing the base's files,
    so the base is named, as for any other problem of the base."""
    from tests.test_override_identity import COLLISION, WIDGET_CRDS, widget, widget_policy

    repository = git.Repo.init(tmp_path)
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": cluster_yaml("one"),
            "policies/widgets.yaml": widget_policy("w", "Widget WIDGET", "one"),
            "templates/crds.yaml": WIDGET_CRDS,
            "templates/a.yaml": widget("WIDGET"),
            "templates/b.yaml": widget("Widget"),
        },
    )
    commit(repository, "two kinds that differ by case")
    result = run_hubless("diff", "--base", "HEAD", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        f"HEAD:{COLLISION}"
    ]
