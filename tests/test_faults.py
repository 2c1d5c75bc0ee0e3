"""Faults of the machine during a render: each is one located line, exit 1, no traceback,
and rendered/ is either as it was or completed exactly by the next render (with
`--check` saying so in between)."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hubless.build.state import transaction
from hubless.commands.render import render
from hubless.errors import UserError
from tests.conftest import Unprivileged, cluster_yaml, snapshot, write_tree

POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap}
  placement: {}
"""


def config(name: str, value: str, size: int = 0) -> str:
    padding = f"\n  padding: '{'x' * size}'" if size else ""
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: default}}\n"
        f"data:\n  value: '{value}'{padding}\n"
    )


def files(value: str = "1", count: int = 3, size: int = 0, clusters: int = 2) -> dict[str, str]:
    names = ["a", "b", *(f"c{i}" for i in range(clusters - 2))]
    found = {
        "policies/clusters.yaml": "---\n".join(cluster_yaml(name) for name in names),
        "policies/policy.yaml": POLICY,
    }
    for index in range(count):
        found[f"templates/c{index}.yaml"] = config(f"c{index}", value, size)
    return found


def cli(*args: str, cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubless", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def output(repo: Path) -> dict[str, bytes]:
    """What rendered/ holds, the local cache, lock and journal aside."""
    return {k: v[0] for k, v in snapshot(repo / "rendered").items() if "/txn/" not in k}


def expected_after(repo: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a render of the same sources writes into a clean copy."""
    reference = tmp_path / "reference"
    shutil.copytree(repo, reference, ignore=shutil.ignore_patterns("rendered"))
    assert render(reference, check=False) == 0
    return output(reference)


def test_a_read_only_cluster_folder_fails_before_anything_changes(
    unprivileged: Unprivileged,
) -> None:
    repo = unprivileged.root
    write_tree(repo, files("1"))
    assert unprivileged.run("render").returncode == 0
    before = snapshot(repo / "rendered")
    write_tree(repo, files("2"))
    folder = repo / "rendered/a/default"
    folder.chmod(0o555)
    try:
        result = unprivileged.run("render")
        assert result.returncode == 1
        assert result.stderr.splitlines()[-1] == (
            "rendered/: error: cannot write in rendered/a/default (permission denied): "
            "nothing was changed; make them writable and render again"
        )
        assert "Traceback" not in result.stderr
        assert snapshot(repo / "rendered") == before  # the manifest included
        assert unprivileged.run("render", "--check").returncode == 1
    finally:
        folder.chmod(0o755)
    assert unprivileged.run("render").returncode == 0
    assert unprivileged.run("render", "--check").returncode == 0


def test_a_read_only_rendered_folder_is_one_line(unprivileged: Unprivileged) -> None:
    repo = unprivileged.root
    write_tree(repo, files("1"))
    assert unprivileged.run("render").returncode == 0
    before = snapshot(repo / "rendered")
    write_tree(repo, files("2"))
    folders = [repo / "rendered", repo / "rendered/.hubless"]
    for folder in folders:
        folder.chmod(0o555)
    try:
        result = unprivileged.run("render")
        assert result.returncode == 1
        assert result.stderr.splitlines()[-1].startswith("rendered/: error: cannot write in ")
        assert "Traceback" not in result.stderr
        assert snapshot(repo / "rendered") == before
    finally:
        for folder in folders:
            folder.chmod(0o755)


def test_a_replay_that_cannot_finish_is_reported_and_finished_by_the_next_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, files("1"))
    assert render(repo, check=False) == 0
    old_manifest = (repo / "rendered/.hubless/manifest.json").read_bytes()
    write_tree(repo, files("2"))
    expected = expected_after(repo, tmp_path)
    real = os.replace

    def refused(source: Any, target: Any) -> None:
        if str(target).endswith("b/default/configmap_c1.yaml"):
            raise PermissionError(13, "Permission denied", str(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(UserError) as raised:
        render(repo, check=False)
    monkeypatch.undo()
    assert [str(p) for p in raised.value.problems] == [
        "rendered/: error: could not finish moving the new files in (Permission denied): the "
        "journal in rendered/.hubless/txn is kept; fix the cause and run `hubless render` again "
        "to finish (until then `hubless render --check` reports the render as pending)"
    ]
    # The manifest moves last: it still describes the old tree, and --check is honest.
    assert (repo / "rendered/.hubless/manifest.json").read_bytes() == old_manifest
    assert render(repo, check=True) == 1
    assert render(repo, check=False) == 0
    assert output(repo) == expected
    assert render(repo, check=True) == 0


@pytest.mark.parametrize("journal", [b"", b'{"writes": [', b"[]", b'{"writes": 1, "removes": []}'])
def test_an_unreadable_journal_is_dropped_and_the_render_completes(
    tmp_path: Path, journal: bytes
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, files("1"))
    assert render(repo, check=False) == 0
    write_tree(repo, files("2"))
    expected = expected_after(repo, tmp_path)
    txn = repo / "rendered/.hubless/txn"
    (txn / "files").mkdir(parents=True)
    (txn / "files/0").write_text("half a file")
    (txn / "journal.json").write_bytes(journal)  # a crash mid-write, a full disk
    result = cli("render", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(
        "rendered/.hubless/txn/journal.json: warning: an interrupted render's journal is "
        "unreadable ("
    )
    assert first.endswith("): dropped; this render rewrites every file that differs")
    assert output(repo) == expected
    assert not txn.exists()


@contextlib.contextmanager
def small_file_system(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here ({mounted.stderr.strip()}): no disk-full case"
        )
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="mounts a tmpfs")
def test_a_full_disk_while_staging_changes_nothing(tmp_path: Path) -> None:
    with small_file_system(tmp_path / "small", "512k") as repo:
        write_tree(repo, files("1", count=3, clusters=20))
        assert render(repo, check=False) == 0
        before = snapshot(repo / "rendered")
        # 40 kB of sources, 800 kB of objects: they do not fit.
        write_tree(repo, files("2", count=10, size=4000, clusters=20))
        result = cli("render", "--no-validate", cwd=repo)
        assert result.returncode == 1
        assert result.stderr.splitlines()[-1] == (
            "rendered/: error: could not write the new files (No space left on device): "
            "nothing was changed; free some space and render again"
        )
        assert "Traceback" not in result.stderr
        assert snapshot(repo / "rendered") == before


def test_a_file_size_limit_while_staging_changes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, files("1"))
    assert render(repo, check=False) == 0
    before = snapshot(repo / "rendered")
    write_tree(repo, files("2", size=20_000))

    def limit() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG.
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))

    result = cli("render", "--no-validate", cwd=repo, preexec_fn=limit)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "rendered/: error: could not write the new files (File too large): nothing was "
        "changed; a file is larger than this system lets the process write (ulimit -f) and "
        "render again"
    )
    assert "Traceback" not in result.stderr
    assert snapshot(repo / "rendered") == before


SLOW = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow, namespace: default}\n"
    "data: {n: '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}'}\n"
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_render_says_so_in_one_line(tmp_path: Path, signum: int) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, {**files("1"), "templates/slow.yaml.j2": SLOW})
    process = subprocess.Popen(
        [sys.executable, "-m", "hubless", "render"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Interrupt once it is busy: the Jinja2 template takes far longer than this.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _busy(process.pid):
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr == "error: interrupted\n"
    assert not (repo / "rendered").exists()


def _busy(pid: int) -> bool:
    """Whether the process has used a second of CPU (its imports are done)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return True  # cannot tell: go ahead
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= 1.0


def test_the_failing_step_is_staging_not_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while staging names rendered/, not the numbered staging file."""
    repo = tmp_path / "repo"
    write_tree(repo, files("1"))
    assert render(repo, check=False) == 0
    write_tree(repo, files("2"))

    def full(path: str, content: bytes) -> Any:
        raise OSError(28, "No space left on device", path)

    monkeypatch.setattr(transaction, "_stage", full)
    with pytest.raises(UserError) as raised:
        render(repo, check=False)
    assert [str(p) for p in raised.value.problems] == [
        "rendered/: error: could not write the new files (No space left on device): nothing "
        "was changed; free some space and render again"
    ]


def test_a_shard_that_cannot_be_written_leaves_the_last_one(tmp_path: Path) -> None:
    """A shard is written beside its folder and takes its place whole: a failed write is
    one line and leaves the shard folder as the last render of it left it."""
    repo = tmp_path / "repo"
    write_tree(repo, files("1"))
    # (Its clusters have no Kubernetes version: validation would only warn.)
    assert cli("render", "--shard", "1/1", "--no-validate", cwd=repo).returncode == 0
    shards = repo / "rendered/.hubless/shards"
    before = snapshot(shards)
    write_tree(repo, files("2", size=20_000))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))

    result = cli("render", "--shard", "1/1", "--no-validate", cwd=repo, preexec_fn=limit)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        "rendered/.hubless/shards/1-of-1: error: could not write shard 1 of 1 (File too "
        "large): nothing was written; a file is larger than this system lets the process "
        "write (ulimit -f) and render the shard again\n",
    )
    assert snapshot(shards) == before
