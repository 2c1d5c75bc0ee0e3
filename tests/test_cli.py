"""The command line: exit codes and `path:line: error: message` without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cluster_yaml, run_hubless, write_tree

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"


def small_fleet(root: Path) -> None:
    write_tree(
        root,
        {
            "policies/clusters.yaml": cluster_yaml("one") + "---\n" + cluster_yaml("two"),
            "policies/all.yaml": POLICY,
            "templates/c.yaml": CONFIGMAP,
        },
    )


def test_check_exit_codes_and_listing(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    result = run_hubless("render", "--check", cwd=tmp_path)
    assert result.returncode == 1
    assert "missing: rendered/one/default/configmap_c.yaml" in result.stdout
    assert not (tmp_path / "rendered").exists()  # --check writes nothing

    assert run_hubless("render", cwd=tmp_path).returncode == 0
    result = run_hubless("render", "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "up to date" in result.stdout

    (tmp_path / "rendered/two/default/configmap_c.yaml").write_text("edited: by hand\n")
    (tmp_path / "rendered/one/default/extra.yaml").write_text("kind: x\n")
    result = run_hubless("render", "--check", cwd=tmp_path)
    assert result.returncode == 1
    assert "stale: rendered/two/default/configmap_c.yaml" in result.stdout
    assert "extra: rendered/one/default/extra.yaml" in result.stdout
    assert (tmp_path / "rendered/two/default/configmap_c.yaml").read_text() == "edited: by hand\n"


def test_render_summary(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    result = run_hubless("render", "--repo", str(tmp_path), cwd=tmp_path.parent)
    assert result.returncode == 0, result.stderr
    # Files: 2 objects, each cluster folder's marker, the record, its .gitignore, the manifest.
    assert result.stdout == "rendered 2 clusters, 2 objects: 7 files added, 0 changed, 0 removed\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "templates/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c\ndata: 1\n"
            },
            "templates/bad.yaml:4: error: invalid YAML",
        ),
        (
            {"templates/nokind.yaml": "a: 1\n---\napiVersion: v1\nmetadata: {name: x}\n"},
            "templates/nokind.yaml:3: error: missing kind",
        ),
        (
            {"policies/extra.yaml": "# a deployment in the wrong place\n" + CONFIGMAP},
            "policies/extra.yaml:2: error: v1 ConfigMap does not belong in policies/",
        ),
        (
            {"templates/dup.yaml": CONFIGMAP},
            "templates/dup.yaml:1: error: ConfigMap/default/c is defined twice (also at templates/c.yaml:1)",
        ),
        (
            {"templates/noname.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"},
            "templates/noname.yaml:1: error: missing metadata.name",
        ),
        (
            {
                "policies/typo.yaml": POLICY.replace(
                    "spec:\n", "spec:\n  placement:\n    replicaSheduling: {}\n"
                )
            },
            "policies/typo.yaml:6: error: spec.placement.replicaSheduling: unknown field "
            "(did you mean 'replicaScheduling'?)",
        ),
    ],
)
def test_user_errors_are_one_line_each_without_traceback(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    small_fleet(tmp_path)
    write_tree(tmp_path, files)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "rendered").exists()


def test_all_errors_of_a_run_are_reported_together(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    write_tree(
        tmp_path,
        {
            "templates/a.yaml": "kind: ConfigMap\nmetadata: {name: a}\n",
            "templates/b.yaml": "apiVersion: v1\nmetadata: {name: b}\n",
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "templates/a.yaml:1: error: missing apiVersion",
        "templates/b.yaml:1: error: missing kind",
    ]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = run_hubless("render", "--no-such-flag", cwd=tmp_path)
    assert result.returncode == 2
    result = run_hubless("render", "--repo", str(tmp_path / "missing"), cwd=tmp_path)
    assert result.returncode == 2


def test_help_is_useful(tmp_path: Path) -> None:
    result = run_hubless("render", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--check" in result.stdout and "rendered/" in result.stdout


@pytest.mark.parametrize("command", [["render"], ["render", "--check"], ["validate"], ["merge"]])
def test_a_folder_that_is_not_a_fleet_repository_is_refused_and_left_alone(
    tmp_path: Path, command: list[str]
) -> None:
    write_tree(tmp_path, {"templates/app.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
    inside = tmp_path / "templates"  # where a user might run it by mistake
    result = run_hubless(*command, cwd=inside)
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {inside.resolve()} is not a fleet repository: it holds neither policies/ nor "
        "templates/ (run hubless in the folder that holds them, or give --repo)\n"
    )
    assert sorted(p.name for p in inside.iterdir()) == ["app.yaml"]  # nothing created


def test_commands_that_do_not_talk_to_clusters_do_not_import_the_kubernetes_client() -> None:
    """Importing it costs every run a tenth of a second (render, pre-commit hooks)."""
    probe = "import sys, hubless.cli; print(sorted(m for m in ('kubernetes', 'pydantic') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"
