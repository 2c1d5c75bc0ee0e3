"""File hashes of rendered/, the output digest, and the stat cache that makes them cheap."""

from __future__ import annotations

import builtins
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hubless.build.state import hashes as hashes_module
from hubless.build.state.hash_cache import Folder, Stamp, read_cache, write_cache
from hubless.build.state.hashes import (
    digest_of,
    disk_digest,
    disk_hashes,
    finding,
    on_disk,
    remember,
    tree_digest,
)
from hubless.build.state.paths import HASH_CACHE, MANIFEST
from hubless.commands.render import render
from tests.conftest import snapshot, write_tree
from tests.test_render import base_files

FILES = {
    "east/shop/configmap_web.yaml": b"kind: ConfigMap\n",
    "east/_cluster/namespace_shop.yaml": b"kind: Namespace\n",
    "east/shop/deployment.apps_web.yaml": b"kind: Deployment\n",
    "west/shop/configmap_web.yaml": b"kind: ConfigMap\nwest: true\n",
    ".hubless/placement.json": b"{}\n",
    ".hubless/.gitignore": b"hashes\n",
}
# Never hashed: the manifest holds the digest, the rest is local to one checkout.
UNHASHED = {
    ".hubless/manifest.json": b"{}",
    ".hubless/lock": b"",
    ".hubless/hashes.tmp": b"partial",
}


def sha(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def make(root: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def expected_digest(files: dict[str, bytes]) -> str:
    """The rule: per folder, the sha256 of the file count, a NUL, the file names (sorted,
    NUL-separated), a NUL and the files' sha256 in that order; then the sha256 of each
    folder's path, a NUL and its digest, by path."""
    folders: dict[str, dict[str, bytes]] = {}
    for relative, content in files.items():
        folder, _, name = relative.rpartition("/")
        folders.setdefault(folder, {})[name] = sha(content)
    combined = hashlib.sha256()
    for folder in sorted(folders):
        names = sorted(folders[folder])
        digest = hashlib.sha256(
            str(len(names)).encode()
            + b"\0"
            + "\0".join(names).encode()
            + b"\0"
            + b"".join(folders[folder][n] for n in names)
        ).digest()
        combined.update(folder.encode() + b"\0" + digest)
    return combined.hexdigest()


def stamp(root: Path, relative: str, digest: bytes | None = None) -> Stamp:
    """The file's stamp as it stats now, with its true sha256 unless `digest` is given."""
    info = os.stat(root / relative)
    true = sha((root / relative).read_bytes())
    return Stamp(info.st_size, info.st_mtime_ns, info.st_ino, true if digest is None else digest)


def true_stamps(root: Path, files: dict[str, bytes]) -> dict[str, Stamp]:
    return {relative: stamp(root, relative) for relative in files}


def cached_stamps(root: Path) -> dict[str, Stamp]:
    """What the cache trusts, by path (entries as new as the cache left out)."""
    cache = read_cache(root)
    return {
        f"{folder}/{name}" if folder else name: s
        for folder, record in cache.folders.items()
        for name, s in record.stamps(before=cache.written).items()
    }


def save(root: Path, stamps: dict[str, Stamp]) -> None:
    """Write a cache holding `stamps`."""
    folders: dict[str, dict[str, Stamp]] = {}
    for relative, s in stamps.items():
        folder, _, name = relative.rpartition("/")
        folders.setdefault(folder, {})[name] = s
    write_cache(root, {folder: Folder.of(files) for folder, files in folders.items()})


def age_cache(root: Path) -> None:
    """Date the cache after every file it lists, so none of its entries is racy."""
    newest = max(p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file())
    os.utime(root / HASH_CACHE, ns=(newest + 10**9, newest + 10**9))


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files the hashing opens, as it opens them."""
    paths: list[str] = []
    real: Callable[..., Any] = builtins.open

    def counting(file: Any, *args: Any, **kwargs: Any) -> Any:
        paths.append(os.fspath(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(hashes_module, "open", counting, raising=False)
    yield paths


def test_digest_of() -> None:
    hashes = {relative: sha(content) for relative, content in FILES.items()}
    assert digest_of(hashes) == expected_digest(FILES)
    assert digest_of(dict(reversed(hashes.items()))) == expected_digest(FILES)
    assert digest_of({}) == hashlib.sha256().hexdigest()


def test_the_digest_tells_files_moved_between_folders() -> None:
    moved = {"east/shop/a.yaml": b"x", "east/b.yaml": b"y"}
    other = {"east/shop/b.yaml": b"y", "east/a.yaml": b"x"}
    assert digest_of({p: sha(c) for p, c in moved.items()}) != digest_of(
        {p: sha(c) for p, c in other.items()}
    )


def test_tree_digest_leaves_out_the_manifest_and_local_files() -> None:
    assert tree_digest({**FILES, **UNHASHED, ".hubless/hashes": b"x"}) == expected_digest(FILES)


def test_disk_hashes_of_every_output_file(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, **UNHASHED})
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
    assert disk_digest(tmp_path) == expected_digest(FILES)


def test_disk_hashes_writes_the_cache(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, **UNHASHED})
    disk_hashes(tmp_path)
    age_cache(tmp_path)
    assert cached_stamps(tmp_path) == true_stamps(tmp_path, FILES)
    assert sorted(read_cache(tmp_path).folders) == [
        ".hubless",
        "east/_cluster",
        "east/shop",
        "west/shop",
    ]


def test_no_cache_is_written_without_a_meta_folder(tmp_path: Path) -> None:
    files = {"east/shop/configmap_web.yaml": b"a\n"}
    make(tmp_path, files)
    assert disk_hashes(tmp_path) == {"east/shop/configmap_web.yaml": sha(b"a\n")}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["east"]


def test_a_link_anywhere_makes_the_hashes_unknown(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    (tmp_path / "east/shop/linked.yaml").symlink_to(tmp_path / "west/shop/configmap_web.yaml")
    assert disk_hashes(tmp_path) is None
    assert disk_digest(tmp_path) is None


def test_a_linked_folder_makes_the_hashes_unknown(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    (tmp_path / "north").symlink_to(tmp_path / "west", target_is_directory=True)
    assert disk_hashes(tmp_path) is None


def test_a_fifo_makes_the_hashes_unknown_and_is_never_opened(
    tmp_path: Path, opened: list[str]
) -> None:
    make(tmp_path, FILES)
    os.mkfifo(tmp_path / "east/shop/pipe.yaml")
    assert disk_hashes(tmp_path) is None
    assert not any(p.endswith("pipe.yaml") for p in opened)


def test_an_interrupted_render_makes_the_hashes_unknown(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, ".hubless/txn/files/0": b"staged"})
    assert disk_hashes(tmp_path) is None


def test_a_trusted_stamp_is_not_read_again(tmp_path: Path, opened: list[str]) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    # The cache claims another digest with the file's exact stat, and is older than nothing.
    save(
        tmp_path,
        {**true_stamps(tmp_path, FILES), relative: stamp(tmp_path, relative, b"\xab" * 32)},
    )
    age_cache(tmp_path)
    hashes = disk_hashes(tmp_path)
    assert hashes == {**{p: sha(c) for p, c in FILES.items()}, relative: b"\xab" * 32}
    assert opened == []  # every folder is as cached: not one file is read


def test_in_a_folder_that_changed_only_the_changed_file_is_read(
    tmp_path: Path, opened: list[str]
) -> None:
    make(tmp_path, FILES)
    save(tmp_path, true_stamps(tmp_path, FILES))
    age_cache(tmp_path)
    (tmp_path / "east/shop/configmap_web.yaml").write_bytes(b"kind: ConfigMap\nedited: 1\n")
    files = {**FILES, "east/shop/configmap_web.yaml": b"kind: ConfigMap\nedited: 1\n"}
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in files.items()}
    assert opened == [os.path.join(tmp_path, "east/shop/configmap_web.yaml")]
    age_cache(tmp_path)
    assert disk_digest(tmp_path) == expected_digest(files)
    assert len(opened) == 1


def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    disk_hashes(tmp_path)
    age_cache(tmp_path)
    before = os.stat(tmp_path / relative)
    # Same size, and the old mtime put back: only the inode tells (a rename keeps no inode).
    (tmp_path / "new").write_bytes(b"kind: ConfigMaq\n")
    os.replace(tmp_path / "new", tmp_path / relative)
    os.utime(tmp_path / relative, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(tmp_path / relative)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    hashes = disk_hashes(tmp_path)
    assert hashes is not None and hashes[relative] == sha(b"kind: ConfigMaq\n")


def test_a_stamp_that_no_longer_matches_is_read_again(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    true = stamp(tmp_path, relative)
    lie = b"\xab" * 32
    for wrong in (
        true._replace(size=true.size + 1, sha256=lie),
        true._replace(inode=true.inode + 1, sha256=lie),
        true._replace(mtime_ns=true.mtime_ns - 1, sha256=lie),
    ):
        save(tmp_path, {**true_stamps(tmp_path, FILES), relative: wrong})
        age_cache(tmp_path)
        assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
        # The cache was rewritten with the truth.
        age_cache(tmp_path)
        assert cached_stamps(tmp_path) == true_stamps(tmp_path, FILES)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"not a cache\n", id="text"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data + b"\0", id="longer"),
        pytest.param(lambda data: data.replace(b"hashes 2", b"hashes 9", 1), id="other format"),
        pytest.param(lambda data: data.replace(b"[[", b"[{", 1), id="bad index"),
        pytest.param(
            lambda data: data.replace(b"configmap_web.yaml", b"configmap_web.yam\0", 1), id="names"
        ),
    ],
)
def test_a_damaged_cache_costs_only_reading_every_file(
    tmp_path: Path, opened: list[str], damage: Callable[[bytes], bytes]
) -> None:
    make(tmp_path, FILES)
    lie = {p: stamp(tmp_path, p, b"\xab" * 32) for p in FILES}  # trusted if it were read
    save(tmp_path, lie)
    cache = tmp_path / HASH_CACHE
    cache.write_bytes(damage(cache.read_bytes()))
    age_cache(tmp_path)
    assert read_cache(tmp_path).folders == {}
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
    assert len(opened) == len(FILES)
    age_cache(tmp_path)
    assert cached_stamps(tmp_path) == true_stamps(tmp_path, FILES)


def test_remember_adds_stamps_and_a_later_one_wins(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    disk_hashes(tmp_path)
    age_cache(tmp_path)
    before = cached_stamps(tmp_path)
    first = Stamp(1, 2, 3, b"\x01" * 32)
    second = Stamp(4, 5, 6, b"\x02" * 32)
    remember(
        tmp_path,
        {"a/x.yaml": first, ".hubless/manifest.json": first, ".hubless/lock": first},
    )
    remember(tmp_path, {"a/x.yaml": second, "east/shop/configmap_web.yaml": second})
    age_cache(tmp_path)
    assert cached_stamps(tmp_path) == {
        **before,
        "a/x.yaml": second,
        "east/shop/configmap_web.yaml": second,
    }


def test_remember_forgets_what_a_render_removed(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    disk_hashes(tmp_path)
    age_cache(tmp_path)
    before = cached_stamps(tmp_path)
    remember(tmp_path, {}, ["west/shop/configmap_web.yaml", "east/shop/configmap_web.yaml"])
    age_cache(tmp_path)
    kept = {p: s for p, s in before.items() if not p.endswith("shop/configmap_web.yaml")}
    assert cached_stamps(tmp_path) == kept
    assert "west/shop" not in read_cache(tmp_path).folders  # no files left in it


def test_remember_leaves_out_entries_as_new_as_the_cache(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    disk_hashes(tmp_path)
    info = os.stat(tmp_path / relative)
    # Written in the cache's clock tick: the file may have changed after it was hashed.
    os.utime(tmp_path / HASH_CACHE, ns=(info.st_mtime_ns, info.st_mtime_ns))
    remember(tmp_path, {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)})
    age_cache(tmp_path)
    assert relative not in cached_stamps(tmp_path)
    assert "a/x.yaml" in cached_stamps(tmp_path)


def test_remember_without_a_meta_folder_writes_nothing(tmp_path: Path) -> None:
    remember(tmp_path, {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)})
    assert list(tmp_path.iterdir()) == []


def test_a_linked_cache_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    root = tmp_path / "rendered"
    make(root, FILES)
    (root / HASH_CACHE).symlink_to(outside)
    (root / ".hubless/hashes.tmp").symlink_to(outside)
    remember(root, {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)})
    assert outside.read_text() == "keep me\n"
    assert not (root / HASH_CACHE).is_symlink()
    age_cache(root)
    assert cached_stamps(root) == {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)}
    (root / HASH_CACHE).unlink()
    (root / HASH_CACHE).symlink_to(outside)
    assert disk_hashes(root) is None  # a link is odd, even in place of the cache
    assert outside.read_text() == "keep me\n"


def test_finding_answers_what_on_disk_answers(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    with finding(tmp_path) as found:
        disk = found()
        assert disk is not None and disk.digest() == expected_digest(FILES)
    (tmp_path / "east/link").symlink_to(tmp_path / "west")
    with finding(tmp_path) as found:
        assert found() is None


def test_on_disk_with_a_render_applied_is_the_tree_after_it(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, **UNHASHED})
    disk = on_disk(tmp_path)
    assert disk is not None
    assert disk.folders() == {
        "east/shop": ["configmap_web.yaml", "deployment.apps_web.yaml"],
        "east/_cluster": ["namespace_shop.yaml"],
        "west/shop": ["configmap_web.yaml"],
        ".hubless": [".gitignore", "placement.json"],
    }
    assert disk.paths_in(["east/shop", "nowhere"]) == [
        "east/shop/configmap_web.yaml",
        "east/shop/deployment.apps_web.yaml",
    ]
    written = {
        "east/shop/configmap_web.yaml": b"kind: ConfigMap\nchanged: true\n",
        "north/shop/configmap_web.yaml": b"kind: ConfigMap\n",
        MANIFEST: b"{}\n",  # never hashed
    }
    removed = ["west/shop/configmap_web.yaml", "east/_cluster/namespace_shop.yaml"]
    disk.apply(written, removed)
    after = {p: c for p, c in FILES.items() if p not in removed}
    after.update((p, c) for p, c in written.items() if p != MANIFEST)
    assert disk.digest() == expected_digest(after)
    assert disk.folders() == {
        "east/shop": ["configmap_web.yaml", "deployment.apps_web.yaml"],
        ".hubless": [".gitignore", "placement.json"],
        "north/shop": ["configmap_web.yaml"],
    }


def test_render_leaves_a_true_stamp_for_every_file_it_wrote(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    root = tmp_path / "rendered"
    cache = cached_stamps(root)
    skipped = {".hubless/manifest.json", ".hubless/lock", ".hubless/hashes"}
    written = {k for k in snapshot(root) if k not in skipped}
    # Entries written in the cache's own clock tick are left out as racy; the rest are true.
    assert set(cache) <= written and cache
    for relative, (size, mtime, inode, digest) in cache.items():
        info = os.stat(root / relative)
        assert (size, mtime, inode) == (info.st_size, info.st_mtime_ns, info.st_ino)
        assert digest == hashlib.sha256((root / relative).read_bytes()).digest()


def test_a_stamp_as_new_as_the_cache_is_not_trusted(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    root = tmp_path / "rendered"
    edited = root / "east/shop/configmap_web.yaml"
    truth = edited.read_bytes()
    info = os.stat(edited)
    files = {p: p for p in snapshot(root) if p != ".hubless/manifest.json"}
    # A cache claiming another digest for the file, with the file's exact stat, written in
    # the same clock tick as the file (as when a file changes just after being hashed).
    lie = {
        **{p: stamp(root, p) for p in files},
        "east/shop/configmap_web.yaml": stamp(root, "east/shop/configmap_web.yaml", bytes(32)),
    }
    cache = root / HASH_CACHE
    save(root, lie)
    os.utime(cache, ns=(info.st_mtime_ns, info.st_mtime_ns))
    hashes = disk_hashes(root)
    assert hashes is not None
    assert hashes["east/shop/configmap_web.yaml"] == hashlib.sha256(truth).digest()
    # An older cache is trusted: proof that the stamp, not the digest, decided above.
    save(root, lie)
    os.utime(cache, ns=(info.st_mtime_ns + 10**9, info.st_mtime_ns + 10**9))
    hashes = disk_hashes(root)
    assert hashes is not None and hashes["east/shop/configmap_web.yaml"] == bytes(32)


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rendered/ large enough to share the hashing with a forked process."""
    monkeypatch.setattr(hashes_module, "PARALLEL_FILES", 1)
    monkeypatch.setattr(hashes_module, "PARALLEL_FOLDERS", 1)


MANY = {
    f"c{i}/shop/configmap_{j}.yaml": f"kind: ConfigMap\n{i}: {j}\n".encode()
    for i in range(6)
    for j in range(3)
}


@pytest.mark.usefixtures("forking")
def test_two_processes_hash_what_one_does(tmp_path: Path) -> None:
    files = {**FILES, **MANY}
    make(tmp_path, {**files, **UNHASHED})
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in files.items()}  # no cache
    age_cache(tmp_path)
    assert cached_stamps(tmp_path) == true_stamps(tmp_path, files)
    assert disk_digest(tmp_path) == expected_digest(files)  # from the cache
    with finding(tmp_path) as found:
        disk = found()
        assert disk is not None and disk.digest() == expected_digest(files)


@pytest.mark.usefixtures("forking")
def test_the_forked_process_trusts_the_cache_and_tells_odd_things(tmp_path: Path) -> None:
    files = {**FILES, **MANY}
    make(tmp_path, files)
    lie = {p: stamp(tmp_path, p, b"\xab" * 32) for p in files}
    save(tmp_path, lie)
    age_cache(tmp_path)
    # Every folder claims another digest: the claims of both halves are trusted.
    assert disk_hashes(tmp_path) == {p: b"\xab" * 32 for p in files}
    for top in sorted({p.split("/")[0] for p in files}):
        (tmp_path / top / "link.yaml").symlink_to(tmp_path / ".hubless/placement.json")
        assert disk_hashes(tmp_path) is None, top
        (tmp_path / top / "link.yaml").unlink()
