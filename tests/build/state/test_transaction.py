"""Moving a tree into rendered/: compare, apply (journaled, all or nothing), recover."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from hubless.build.state import transaction
from hubless.build.state.hashes import Stamp
from hubless.build.state.transaction import TreeChange, apply, compare, compare_paths, recover
from hubless.errors import UserError
from tests.conftest import snapshot

OLD = {
    ".hubless/placement.json": b"old record\n",
    "east/shop/a.yaml": b"a\n",
    "east/shop/b.yaml": b"b\n",
    "west/shop/c.yaml": b"c\n",
}
LOCAL = {".hubless/lock": b"", ".hubless/hashes": b"cache\n"}
NEW = {
    ".hubless/placement.json": b"new record\n",  # changed
    "east/shop/a.yaml": b"a\n",  # unchanged
    # east/shop/b.yaml removed
    "west/shop/c.yaml": b"c2\n",  # changed
    "east/_cluster/ns.yaml": b"east ns\n",  # added to an existing cluster
    "north/_cluster/ns.yaml": b"north ns\n",  # added with a new cluster
    "north/shop/d.yaml": b"d\n",
}
CHANGE = TreeChange(
    added={
        "east/_cluster/ns.yaml": b"east ns\n",
        "north/_cluster/ns.yaml": b"north ns\n",
        "north/shop/d.yaml": b"d\n",
    },
    changed={".hubless/placement.json": b"new record\n", "west/shop/c.yaml": b"c2\n"},
    removed=("east/shop/b.yaml",),
)


def make(root: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def contents(root: Path) -> dict[str, bytes]:
    """Every file and link below root, links as "-> target"."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[relative] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            found[relative] = path.read_bytes()
    return found


def folders(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir() and not p.is_symlink()
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    rendered = tmp_path / "rendered"
    make(rendered, {**OLD, **LOCAL})
    return rendered


def test_compare_finds_the_added_the_changed_and_the_removed(root: Path) -> None:
    assert compare(root, NEW) == CHANGE


def test_compare_of_the_same_tree_is_empty(root: Path) -> None:
    change = compare(root, OLD)
    assert change == TreeChange()
    assert change.empty


def test_compare_with_nothing_on_disk_adds_everything(tmp_path: Path) -> None:
    assert compare(tmp_path / "rendered", NEW) == TreeChange(added=NEW)


def test_compare_replaces_links_whatever_they_point_to(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make(outside, {"shop/a.yaml": b"a\n", "shop/b.yaml": b"b\n"})
    (root / "west/shop/c.yaml").unlink()
    (root / "west/shop/c.yaml").symlink_to(root / "east/shop/a.yaml")
    (root / "north").symlink_to(outside, target_is_directory=True)
    desired = {**OLD, "west/shop/c.yaml": b"a\n", "north/shop/a.yaml": b"a\n"}
    # A linked file is changed even with the same bytes behind it; a linked folder is an
    # entry of its own (removed), never looked into.
    assert compare(root, desired) == TreeChange(
        added={"north/shop/a.yaml": b"a\n"},
        changed={"west/shop/c.yaml": b"a\n"},
        removed=("north",),
    )


def test_compare_notes_an_interrupted_render_and_leaves_its_files_out(root: Path) -> None:
    make(root, {".hubless/txn/files/0": b"staged\n"})
    assert compare(root, OLD) == TreeChange(interrupted=True)
    assert not compare(root, OLD).empty


def test_compare_paths_looks_only_at_the_paths_given(root: Path) -> None:
    files = {
        "east/shop/a.yaml": b"a\n",  # the same
        "west/shop/c.yaml": b"c2\n",
        "south/x.yaml": b"x\n",
    }
    removals = ["east/shop/b.yaml", "east/shop/never-there.yaml"]
    assert compare_paths(root, files, removals) == TreeChange(
        added={"south/x.yaml": b"x\n"},
        changed={"west/shop/c.yaml": b"c2\n"},
        removed=("east/shop/b.yaml",),
    )


def test_tree_change_excluding() -> None:
    assert CHANGE.excluding(".hubless/placement.json") == TreeChange(
        added=CHANGE.added, changed={"west/shop/c.yaml": b"c2\n"}, removed=CHANGE.removed
    )
    assert CHANGE.excluding("east/shop/b.yaml").removed == ()
    only = TreeChange(changed={".hubless/manifest.json": b"{}"})
    assert not only.empty and only.excluding(".hubless/manifest.json").empty
    interrupted = TreeChange(interrupted=True).excluding("x")
    assert interrupted == TreeChange(interrupted=True)


@pytest.mark.parametrize("kind", ["link", "file"])
def test_rendered_must_be_a_plain_directory(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "rendered"
    if kind == "link":
        (tmp_path / "elsewhere").mkdir()
        root.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    else:
        root.write_text("x")
    for attempt in (
        lambda: compare(root, {}),
        lambda: compare_paths(root, {}, ()),
        lambda: apply(root, CHANGE),
    ):
        with pytest.raises(UserError) as caught:
            attempt()
        assert str(caught.value) == f"error: {root} must be a plain directory"
    if kind == "link":
        assert list((tmp_path / "elsewhere").iterdir()) == []
    else:
        assert root.read_text() == "x"


def test_apply_writes_the_new_tree_and_prunes_emptied_folders(root: Path) -> None:
    untouched = os.stat(root / "east/shop/a.yaml")
    stamps = apply(root, CHANGE)
    assert contents(root) == {**NEW, **LOCAL}
    assert folders(root) == [
        ".hubless",
        "east",
        "east/_cluster",
        "east/shop",
        "north",
        "north/_cluster",
        "north/shop",
        "west",
        "west/shop",
    ]
    after = os.stat(root / "east/shop/a.yaml")
    assert (after.st_ino, after.st_mtime_ns) == (untouched.st_ino, untouched.st_mtime_ns)
    # The stamp of every file written holds for the file in place.
    written = {**CHANGE.added, **CHANGE.changed}
    expected = {}
    for relative, content in written.items():
        info = os.stat(root / relative)
        expected[relative] = Stamp(
            info.st_size, info.st_mtime_ns, info.st_ino, hashlib.sha256(content).digest()
        )
    assert stamps == expected


def test_apply_removes_a_cluster_s_last_file_and_its_folders(root: Path) -> None:
    apply(root, TreeChange(removed=("west/shop/c.yaml",)))
    assert contents(root) == {
        **{k: v for k, v in OLD.items() if not k.startswith("west/")},
        **LOCAL,
    }
    assert folders(root) == [".hubless", "east", "east/shop"]


def test_apply_creates_rendered(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    apply(root, TreeChange(added=NEW))
    assert contents(root) == NEW


def test_apply_replaces_links_and_never_writes_through_them(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make(outside, {"shop/c.yaml": b"precious\n"})
    os.rename(root / "west", tmp_path / "old-west")
    (root / "west").symlink_to(outside, target_is_directory=True)
    desired = {**OLD, "west/shop/c.yaml": b"c2\n"}
    apply(root, compare(root, desired))
    assert contents(outside) == {"shop/c.yaml": b"precious\n"}
    assert contents(root) == {**desired, **LOCAL}
    assert not (root / "west").is_symlink()


def commit_without_replay(monkeypatch: pytest.MonkeyPatch, root: Path, change: TreeChange) -> None:
    """Apply `change` as a render killed just after its journal was committed."""

    def killed(_: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(transaction, "_replay", killed)
    with pytest.raises(KeyboardInterrupt):
        apply(root, change)
    monkeypatch.undo()


def test_a_committed_journal_not_yet_replayed_is_finished_by_recover(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(root)
    commit_without_replay(monkeypatch, root, CHANGE)
    # Nothing visible has changed yet, and the journal is there.
    assert {k: v for k, v in snapshot(root).items() if not k.startswith(".hubless/txn/")} == before
    assert (root / ".hubless/txn/journal.json").is_file()
    assert compare(root, NEW).interrupted
    assert recover(root) is True
    assert contents(root) == {**NEW, **LOCAL}
    assert not (root / ".hubless/txn").exists()
    assert recover(root) is False  # nothing left to do
    assert compare(root, NEW) == TreeChange()


def test_a_replay_killed_half_way_is_finished_by_recover(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    calls: list[Any] = []

    def dying(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 3:  # the journal, one move, then killed
            raise KeyboardInterrupt
        real(source, target)

    monkeypatch.setattr(os, "replace", dying)
    with pytest.raises(KeyboardInterrupt):
        apply(root, CHANGE)
    monkeypatch.undo()
    assert contents(root) not in ({**OLD, **LOCAL}, {**NEW, **LOCAL})  # half applied
    assert recover(root) is True
    assert contents(root) == {**NEW, **LOCAL}
    assert not (root / ".hubless/txn").exists()


def test_a_replay_may_be_repeated(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit_without_replay(monkeypatch, root, CHANGE)
    journal = (root / ".hubless/txn/journal.json").read_bytes()
    transaction._replay(root)
    # As if killed just before the final clean-up: the journal is replayed again.
    make(root, {".hubless/txn/journal.json": journal})
    assert recover(root) is True
    assert contents(root) == {**NEW, **LOCAL}


def test_an_uncommitted_render_is_rolled_back(root: Path) -> None:
    before = snapshot(root)
    make(root, {".hubless/txn/files/0": b"half written", ".hubless/txn/journal.json.tmp": b"{"})
    assert recover(root) is True
    assert snapshot(root) == before
    assert recover(root) is False


def test_a_failure_while_staging_changes_nothing(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(root)
    real = transaction._stage
    calls: list[str] = []

    def failing(path: str, content: bytes) -> Stamp:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(path, content)

    monkeypatch.setattr(transaction, "_stage", failing)
    with pytest.raises(
        UserError, match=r"could not write the new files \(disk full\): nothing was changed"
    ):
        apply(root, CHANGE)
    assert snapshot(root) == before
    assert not (root / ".hubless/txn").exists()
    # A rendered/ the failed render would have created is not left behind.
    calls.clear()
    with pytest.raises(
        UserError, match=r"could not write the new files \(disk full\): nothing was changed"
    ):
        apply(root.parent / "fresh", TreeChange(added=NEW))
    assert not (root.parent / "fresh").exists()


def test_a_stale_transaction_is_cleared_before_a_new_one(root: Path) -> None:
    make(root, {".hubless/txn/files/7": b"left over", ".hubless/txn/journal.json.tmp": b"{"})
    apply(root, CHANGE)
    assert contents(root) == {**NEW, **LOCAL}


def test_files_written_by_several_processes_are_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"c{i % 7}/ns/configmap_{i}.yaml": f"n: {i}\n".encode() * (i % 5) for i in range(60)}
    change = transaction.TreeChange(added=files)
    monkeypatch.setattr(transaction, "STAGE_PARALLEL_THRESHOLD", 1)
    stamps = transaction.apply(tmp_path / "two", change, workers=2)
    serial = transaction.apply(tmp_path / "one", change, workers=1)
    assert {k: v[0] for k, v in snapshot(tmp_path / "two").items()} == files
    assert {k: v[0] for k, v in snapshot(tmp_path / "one").items()} == files
    assert set(stamps) == set(serial) == set(files)
    for relative, (size, _, inode, digest) in stamps.items():
        assert (size, inode) == (len(files[relative]), os.stat(tmp_path / "two" / relative).st_ino)
        assert digest == hashlib.sha256(files[relative]).digest()
