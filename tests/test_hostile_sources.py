"""Sources a pull request could make hostile: links out of the repository, files that are
not files, names that are not text, unreadable folders, impossible workloads, runaway
templates. Each is one error line and exit status 1, never a traceback or a hang."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubless.load import read_sources
from tests.conftest import Unprivileged, cluster_yaml, write_tree

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}, {apiVersion: apps/v1, kind: Deployment}]
  placement:
    replicaScheduling: {replicaSchedulingType: Divided}
"""
CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: shop}\ndata: {a: b}\n"
SECRET_CONFIG = CONFIG % "stolen"


def render(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hubless render` in `repo`; a hang is a failure, not a stuck test run."""
    return subprocess.run(
        [sys.executable, "-m", "hubless", "render", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The error lines of a render that must fail cleanly."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository at tmp_path/repo, with a file beside it (outside it) worth stealing."""
    root = tmp_path / "repo"
    write_tree(
        root,
        {"policies/c.yaml": cluster_yaml("one"), "policies/p.yaml": POLICY,
         "templates/ok.yaml": CONFIG % "ok"},
    )  # fmt: skip
    (tmp_path / "outside.yaml").write_text(SECRET_CONFIG)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/inner.yaml").write_text(SECRET_CONFIG)
    return root


# -- symbolic links ----------------------------------------------------------------------


def test_a_file_link_out_of_the_repository_is_refused(repo: Path) -> None:
    (repo / "templates/ext.yaml").symlink_to("../../outside.yaml")
    outside = os.path.realpath(repo.parent / "outside.yaml")
    assert refused(render(repo)) == [
        f"templates/ext.yaml:1: error: a symbolic link out of the repository (to {outside})"
    ]
    assert not any("stolen" in p.read_text() for p in repo.rglob("rendered/**/*.yaml"))


def test_links_out_of_the_repository_are_refused_at_any_depth(repo: Path) -> None:
    (repo / "templates/deep/er").mkdir(parents=True)
    (repo / "templates/deep/er/ext.yml").symlink_to("/etc/hostname")
    (repo / "templates/dir").symlink_to(repo.parent / "outside")
    (repo / "policies/more").symlink_to("../../outside")
    assert refused(render(repo)) == [
        "policies/more:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})",
        "templates/deep/er/ext.yml:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath('/etc/hostname')})",
        "templates/dir:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})",
    ]


def test_a_linked_top_folder_out_of_the_repository_is_refused(repo: Path) -> None:
    (repo / "templates/ok.yaml").unlink()
    (repo / "templates").rmdir()
    (repo / "templates").symlink_to(repo.parent / "outside")
    assert refused(render(repo)) == [
        "templates:1: error: a symbolic link out of the repository "
        f"(to {os.path.realpath(repo.parent / 'outside')})"
    ]


def test_links_inside_the_repository_are_followed(repo: Path) -> None:
    write_tree(repo, {"shared/app.yaml": CONFIG % "app", "shared/sub/more.yaml": CONFIG % "more"})
    (repo / "templates/app.yaml").symlink_to("../shared/app.yaml")
    (repo / "templates/shared").symlink_to("../shared/sub")
    paths = [f.path for f in read_sources(repo)]
    assert paths == [
        "policies/c.yaml",
        "policies/p.yaml",
        "templates/app.yaml",
        "templates/ok.yaml",
        "templates/shared/more.yaml",
    ]
    result = render(repo)
    assert result.returncode == 0, result.stderr
    rendered = "".join(p.read_text() for p in (repo / "rendered/one").rglob("*.yaml"))
    assert "name: app\n" in rendered and "name: more\n" in rendered


def test_links_into_hidden_folders_are_refused(repo: Path) -> None:
    write_tree(repo, {".git/config.yaml": SECRET_CONFIG})
    (repo / "templates/git.yaml").symlink_to("../.git/config.yaml")
    assert refused(render(repo)) == [
        "templates/git.yaml:1: error: a symbolic link into .git/config.yaml, a hidden path "
        "hubless does not read"
    ]


def test_a_dangling_link_is_an_error(repo: Path) -> None:
    (repo / "templates/gone.yaml").symlink_to("missing.yaml")
    assert refused(render(repo)) == [
        "templates/gone.yaml:1: error: a dangling symbolic link (to missing.yaml, "
        "which does not exist)"
    ]


def test_a_link_loop_is_an_error(repo: Path) -> None:
    (repo / "templates/a.yaml").symlink_to("b.yaml")
    (repo / "templates/b.yaml").symlink_to("a.yaml")
    assert refused(render(repo)) == [
        "templates/a.yaml:1: error: a symbolic link loop",
        "templates/b.yaml:1: error: a symbolic link loop",
    ]


def test_a_folder_link_loop_is_an_error(repo: Path) -> None:
    (repo / "templates/sub").mkdir()
    (repo / "templates/sub/up").symlink_to("..")
    assert refused(render(repo)) == [
        "templates/sub/up:1: error: a symbolic link to a folder already read as templates "
        "(a loop, or two ways to the same files)"
    ]


# -- files that are not regular files ----------------------------------------------------


def test_a_fifo_is_refused_without_opening_it(repo: Path) -> None:
    os.mkfifo(repo / "templates/pipe.yaml")
    assert refused(render(repo)) == ["templates/pipe.yaml:1: error: not a regular file (a FIFO)"]


def test_a_linked_fifo_and_a_socket_are_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(repo / "fifo")
    (repo / "templates/linked.yaml").symlink_to("../fifo")
    monkeypatch.chdir(repo / "policies")  # a socket's path must be short: bind it relative
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.yaml")
        assert refused(render(repo)) == [
            "policies/sock.yaml:1: error: not a regular file (a socket)",
            "templates/linked.yaml:1: error: not a regular file (a FIFO)",
        ]


def test_files_that_are_not_sources_are_ignored_whatever_they_are(repo: Path) -> None:
    os.mkfifo(repo / "templates/pipe")
    (repo / "templates/.hidden.yaml").symlink_to("/etc/hostname")
    assert [f.path for f in read_sources(repo)][-1] == "templates/ok.yaml"


# -- names -------------------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_an_error(repo: Path) -> None:
    with open(os.path.join(os.fsencode(repo / "templates"), b"caf\xe9.yaml"), "w") as f:
        f.write(CONFIG % "cafe")
    assert refused(render(repo)) == [
        "templates/caf\\xe9.yaml:1: error: the file name is not UTF-8 text"
    ]


# -- permissions -------------------------------------------------------------------------


@pytest.fixture
def locked(unprivileged: Unprivileged) -> Iterator[Path]:
    root = unprivileged.root
    write_tree(
        root,
        {"policies/c.yaml": cluster_yaml("one"), "policies/p.yaml": POLICY,
         "templates/x.yaml": CONFIG % "x", "templates/private/y.yaml": CONFIG % "y"},
    )  # fmt: skip
    yield root
    for path in (root / "templates/x.yaml", root / "templates/private"):
        path.chmod(0o755)


def test_an_unreadable_template_is_an_error(locked: Path, unprivileged: Unprivileged) -> None:
    (locked / "templates/x.yaml").chmod(0)
    assert refused(unprivileged.run("render")) == [
        "templates/x.yaml:1: error: cannot read: Permission denied"
    ]


def test_an_unreadable_folder_is_an_error(locked: Path, unprivileged: Unprivileged) -> None:
    (locked / "templates/private").chmod(0)
    assert refused(unprivileged.run("render")) == [
        "templates/private:1: error: cannot read: Permission denied"
    ]
