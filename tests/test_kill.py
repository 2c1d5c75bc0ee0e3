"""Nothing lost: `hubless render` killed with SIGKILL at many points of a large render
leaves, after the next run's recovery, exactly the old tree or exactly the new one."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from hubless.build.state.transaction import recover
from tests.conftest import LOCAL_FILES, cluster_yaml, write_tree

KILL_POINTS = 50


def fleet(clusters: int, apps: int, version: str) -> dict[str, str]:
    inventory = "---\n".join(
        cluster_yaml(f"c{i:02d}", {"env": "prod" if i % 2 else "dev"}, region=f"r{i % 3}")
        for i in range(clusters)
    )
    files = {
        "policies/clusters.yaml": inventory,
        "policies/apps.yaml": (
            "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\n"
            "metadata: {name: apps}\nspec:\n  resourceSelectors:\n"
            "  - {apiVersion: apps/v1, kind: Deployment}\n  - {apiVersion: v1, kind: ConfigMap}\n"
        ),
    }
    for j in range(apps):
        files[f"templates/app{j:03d}.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app{j}, namespace: apps}}\n"
            f"data: {{version: '{version}', payload: '{'x' * 200}'}}\n---\n"
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{j}, namespace: apps}}\n"
            f"spec:\n  replicas: 2\n  template:\n    spec:\n"
            f"      containers: [{{name: app, image: 'app:{version}'}}]\n"
        )
    return files


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().endswith(LOCAL_FILES)
    }


def render(repo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hubless", "render"],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_at_many_points_never_leaves_a_mixed_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    # Old: 24 clusters, version 1. New: a cluster fewer, one more app, every app changed.
    write_tree(repo, fleet(16, 30, "1"))
    assert render(repo).wait() == 0
    old = tree(repo / "rendered")
    saved = tmp_path / "old-rendered"
    shutil.copytree(repo / "rendered", saved)

    # The new sources, rendered once without interruption: the new tree, and how long the
    # very render that will be killed takes.
    write_tree(repo, fleet(15, 31, "2"))
    start = time.monotonic()
    assert render(repo).wait() == 0
    duration = time.monotonic() - start
    new = tree(repo / "rendered")
    assert old != new

    journal = repo / "rendered/.hubless/txn/journal.json"
    outcomes = {"old": 0, "new": 0}
    mid_swap = 0
    for point in range(KILL_POINTS):
        shutil.rmtree(repo / "rendered")
        shutil.copytree(saved, repo / "rendered")
        process = render(repo)
        if point < KILL_POINTS // 2:
            # Spread over the whole run and a little past it, start-up included.
            time.sleep(duration * 1.1 * (point + 0.5) / (KILL_POINTS // 2))
        else:
            # Aim at the swap itself: a little after the journal is committed.
            # Generous: a busy machine may take far longer than the timed run did.
            deadline = time.monotonic() + max(4 * duration, 60)
            while not journal.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(0.002 * (point - KILL_POINTS // 2))
        if process.poll() is None:
            if (repo / "rendered/.hubless/txn").exists() and journal.exists():
                mid_swap += 1
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        recover(repo / "rendered")  # what the next run does first
        after = tree(repo / "rendered")
        assert after in (old, new), f"kill point {point}: a mixed tree"
        outcomes["old" if after == old else "new"] += 1
        if point >= KILL_POINTS // 2:
            assert after == new, f"kill point {point}: killed after the commit, not completed"
    assert outcomes["old"] + outcomes["new"] == KILL_POINTS
    # Kills landed before the commit point, and in the middle of swapping files in.
    assert outcomes["old"] > 0 and mid_swap > 0, (outcomes, mid_swap)
    print(
        f"kill points: {KILL_POINTS}, old tree: {outcomes['old']}, new tree: "
        f"{outcomes['new']}, killed mid-swap: {mid_swap}"
    )


def _group_members(group: int) -> set[int]:
    """The live processes of a process group (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _group_gone(group: int, seconds: float) -> bool:
    """Whether every process of the group has exited (and been reaped) within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_render_killed_while_its_workers_run_never_blocks_the_next(tmp_path: Path) -> None:
    """Large enough that serialization, staging and hashing fork workers: SIGKILL the
    render at points spread over its run; its workers die with it, and the next render
    completes."""
    # On a memory file system where there is one: the test copies thousands of files.
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    try:
        _kill_with_workers(base)
    finally:
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)


def _kill_with_workers(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, fleet(40, 55, "1"))  # 4,400 objects: every pool forks
    assert render(repo).wait() == 0
    saved = tmp_path / "old-rendered"
    shutil.copytree(repo / "rendered", saved)
    write_tree(repo, fleet(39, 55, "2"))  # a cluster fewer: the reuse path hashes in a worker
    reference = tmp_path / "reference"
    shutil.copytree(repo, reference)
    start = time.monotonic()
    assert render(reference).wait() == 0
    duration = time.monotonic() - start
    new = tree(reference / "rendered")
    points, killed_with_workers = 6, 0
    for point in range(points):
        shutil.rmtree(repo / "rendered")
        shutil.copytree(saved, repo / "rendered")
        # Its own process group, so that its workers can be found after it is gone.
        process = subprocess.Popen(
            [sys.executable, "-m", "hubless", "render", "--no-validate"],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if point % 2:
            time.sleep(duration * point / points)  # spread over the run
        else:
            # Wait for a worker to be forked (whenever that is on a busy machine), then a
            # little longer each time.
            while process.poll() is None and len(_group_members(process.pid)) < 2:
                time.sleep(0.01)
            time.sleep(0.02 * point)
        if process.poll() is None:
            killed_with_workers += len(_group_members(process.pid)) > 1
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert _group_gone(process.pid, 10), f"kill point {point}: a worker outlived its render"
        following = render(repo)
        try:
            assert following.wait(timeout=120) == 0
        except subprocess.TimeoutExpired:
            following.kill()
            raise AssertionError(f"kill point {point}: the next render never finished") from None
        assert tree(repo / "rendered") == new
    assert killed_with_workers > 0
