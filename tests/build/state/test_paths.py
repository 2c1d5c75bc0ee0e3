"""The paths under rendered/.hubless/: what is committed and what stays local."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from hubless.build.state.paths import (
    GITIGNORE,
    GITIGNORE_TEXT,
    HASH_CACHE,
    HASH_CACHE_PENDING,
    JOURNAL,
    JOURNAL_PENDING,
    LOCAL_FILES,
    LOCK,
    MANIFEST,
    PARSE_CACHE,
    PARSE_CACHE_PENDING,
    RECORD,
    SHARD_DIGESTS,
    SHARDS,
    TXN_FILES,
    TXN_FOLDERS,
    cluster_of,
    is_meta,
)


def test_git_ignores_the_local_files_and_nothing_committed(tmp_path: Path) -> None:
    repository = git.Repo.init(tmp_path)
    rendered = tmp_path / "rendered"
    local = [
        LOCK,
        HASH_CACHE,
        HASH_CACHE_PENDING,
        PARSE_CACHE,
        PARSE_CACHE_PENDING,
        JOURNAL,
        JOURNAL_PENDING,
        f"{TXN_FILES}/0",
        f"{TXN_FOLDERS}/east/shop/configmap_web.yaml",
        f"{SHARDS}/1-of-2/east/shop/configmap_web.yaml",
        f"{SHARDS}/1-of-2/{SHARD_DIGESTS}",
    ]
    committed = [GITIGNORE, RECORD, MANIFEST, "east/shop/configmap_web.yaml"]
    for relative in local + committed:
        path = rendered / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x\n")
    (rendered / GITIGNORE).write_bytes(GITIGNORE_TEXT)
    listed = repository.git.status("--porcelain", "--untracked-files=all").splitlines()
    assert sorted(listed) == sorted(f"?? rendered/{relative}" for relative in committed)


def test_the_local_files_are_under_the_meta_folder() -> None:
    assert {
        ".hubless/lock",
        ".hubless/hashes",
        ".hubless/hashes.tmp",
        ".hubless/parses",
        ".hubless/parses.tmp",
    } == LOCAL_FILES
    assert all(is_meta(relative) for relative in LOCAL_FILES)


@pytest.mark.parametrize(
    ("relative", "meta"),
    [
        (".hubless/placement.json", True),
        (".hubless/txn/files/0", True),
        (".hubless", False),  # the folder itself is not a path below it
        (".hubless-east/shop/x.yaml", False),  # a cluster whose name merely starts alike
        ("east/.hubless/x.yaml", False),
        ("east/shop/configmap_web.yaml", False),
    ],
)
def test_is_meta(relative: str, meta: bool) -> None:
    assert is_meta(relative) is meta


@pytest.mark.parametrize(
    ("relative", "cluster"),
    [
        ("east/shop/configmap_web.yaml", "east"),
        ("west-2/_cluster/namespace_shop.yaml", "west-2"),
        (".hubless/manifest.json", ".hubless"),
        ("east", "east"),
    ],
)
def test_cluster_of(relative: str, cluster: str) -> None:
    assert cluster_of(relative) == cluster
