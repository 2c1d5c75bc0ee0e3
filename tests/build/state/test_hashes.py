"""File hashes of rendered/ and the stat cache that makes them cheap."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hubless.build.state.hashes import (
    Stamp,
    _load_cache,
    digest_of,
    disk_digest,
    disk_hashes,
    hashing,
    remember,
    tree_digest,
)
from hubless.build.state.paths import HASH_CACHE
from hubless.commands.render import render
from tests.conftest import snapshot, write_tree
from tests.test_render import base_files

FILES = {
    "east/shop/configmap_web.yaml": b"kind: ConfigMap\n",
    "east/_cluster/namespace_shop.yaml": b"kind: Namespace\n",
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
    """The rule: sha256 over each path (sorted), a NUL, and the file's sha256."""
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + sha(files[relative]))
    return digest.hexdigest()


def cache_line(root: Path, relative: str) -> str:
    info = os.stat(root / relative)
    digest = sha((root / relative).read_bytes()).hex()
    return f"{relative}\t{info.st_size}\t{info.st_mtime_ns}\t{info.st_ino}\t{digest}\n"


def age_cache(root: Path) -> None:
    """Date the cache after every file it lists, so none of its entries is racy."""
    newest = max(p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file())
    os.utime(root / HASH_CACHE, ns=(newest + 10**9, newest + 10**9))


def test_digest_of() -> None:
    hashes = {relative: sha(content) for relative, content in FILES.items()}
    assert digest_of(hashes) == expected_digest(FILES)
    assert digest_of(dict(reversed(hashes.items()))) == expected_digest(FILES)
    assert digest_of({}) == hashlib.sha256().hexdigest()


def test_tree_digest_leaves_out_the_manifest_and_local_files() -> None:
    assert tree_digest({**FILES, **UNHASHED, ".hubless/hashes": b"x"}) == expected_digest(FILES)


def test_disk_hashes_of_every_output_file(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, **UNHASHED})
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
    assert disk_digest(tmp_path) == expected_digest(FILES)


def test_disk_hashes_writes_the_cache_sorted(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    disk_hashes(tmp_path)
    text = (tmp_path / HASH_CACHE).read_text()
    assert text == "".join(cache_line(tmp_path, relative) for relative in sorted(FILES))


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


def test_an_interrupted_render_makes_the_hashes_unknown(tmp_path: Path) -> None:
    make(tmp_path, {**FILES, ".hubless/txn/files/0": b"staged"})
    assert disk_hashes(tmp_path) is None


def test_a_trusted_stamp_is_not_read_again(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    info = os.stat(tmp_path / relative)
    # The cache claims another digest with the file's exact stat, and is older than nothing.
    (tmp_path / HASH_CACHE).write_text(
        f"{relative}\t{info.st_size}\t{info.st_mtime_ns}\t{info.st_ino}\t{'ab' * 32}\n"
    )
    age_cache(tmp_path)
    hashes = disk_hashes(tmp_path)
    assert hashes == {**{p: sha(c) for p, c in FILES.items()}, relative: bytes.fromhex("ab" * 32)}


def test_a_stamp_that_no_longer_matches_is_read_again(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    relative = "east/shop/configmap_web.yaml"
    info = os.stat(tmp_path / relative)
    wrong_size = f"{relative}\t{info.st_size + 1}\t{info.st_mtime_ns}\t{info.st_ino}\t{'ab' * 32}\n"
    wrong_inode = (
        f"{relative}\t{info.st_size}\t{info.st_mtime_ns}\t{info.st_ino + 1}\t{'ab' * 32}\n"
    )
    wrong_mtime = (
        f"{relative}\t{info.st_size}\t{info.st_mtime_ns - 1}\t{info.st_ino}\t{'ab' * 32}\n"
    )
    for lie in (wrong_size, wrong_inode, wrong_mtime):
        (tmp_path / HASH_CACHE).write_text(lie)
        age_cache(tmp_path)
        assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
        # The cache was rewritten with the truth.
        assert (tmp_path / HASH_CACHE).read_text() == "".join(
            cache_line(tmp_path, p) for p in sorted(FILES)
        )


def test_an_unreadable_cache_costs_only_reading_every_file(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    (tmp_path / HASH_CACHE).write_text("not\ta cache\n")
    assert disk_hashes(tmp_path) == {p: sha(c) for p, c in FILES.items()}
    assert (tmp_path / HASH_CACHE).read_text() == "".join(
        cache_line(tmp_path, p) for p in sorted(FILES)
    )


def test_remember_appends_stamps_and_a_later_line_wins(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    disk_hashes(tmp_path)
    before = (tmp_path / HASH_CACHE).read_text()
    first = Stamp(1, 2, 3, b"\x01" * 32)
    second = Stamp(4, 5, 6, b"\x02" * 32)
    remember(
        tmp_path,
        {"a/x.yaml": first, ".hubless/manifest.json": first, ".hubless/lock": first},
    )
    remember(tmp_path, {"a/x.yaml": second})
    assert (tmp_path / HASH_CACHE).read_text() == before + (
        f"a/x.yaml\t1\t2\t3\t{'01' * 32}\na/x.yaml\t4\t5\t6\t{'02' * 32}\n"
    )
    age_cache(tmp_path)
    assert _load_cache(tmp_path)["a/x.yaml"] == second


def test_remember_without_a_meta_folder_writes_nothing(tmp_path: Path) -> None:
    remember(tmp_path, {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)})
    assert list(tmp_path.iterdir()) == []


def test_a_linked_cache_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    root = tmp_path / "rendered"
    make(root, FILES)
    (root / HASH_CACHE).symlink_to(outside)
    remember(root, {"a/x.yaml": Stamp(1, 2, 3, b"\x01" * 32)})
    assert outside.read_text() == "keep me\n"
    assert not (root / HASH_CACHE).is_symlink()
    assert (root / HASH_CACHE).read_text() == f"a/x.yaml\t1\t2\t3\t{'01' * 32}\n"
    (root / HASH_CACHE).unlink()
    (root / HASH_CACHE).symlink_to(outside)
    assert disk_hashes(root) is None  # a link is odd, even in place of the cache
    assert outside.read_text() == "keep me\n"


def test_hashing_answers_what_disk_hashes_answers(tmp_path: Path) -> None:
    make(tmp_path, FILES)
    with hashing(tmp_path) as hashed:
        assert hashed() == {p: sha(c) for p, c in FILES.items()}
    (tmp_path / "east/link").symlink_to(tmp_path / "west")
    with hashing(tmp_path) as hashed:
        assert hashed() is None


def test_render_leaves_a_true_stamp_for_every_file_it_wrote(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    root = tmp_path / "rendered"
    cache = _load_cache(root)
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
    # A cache claiming another digest for the file, with the file's exact stat, written in
    # the same clock tick as the file (as when a file changes just after being hashed).
    lie = f"east/shop/configmap_web.yaml\t{info.st_size}\t{info.st_mtime_ns}\t{info.st_ino}\t"
    cache = root / HASH_CACHE
    cache.write_text(lie + "00" * 32 + "\n")
    os.utime(cache, ns=(info.st_mtime_ns, info.st_mtime_ns))
    hashes = disk_hashes(root)
    assert hashes is not None
    assert hashes["east/shop/configmap_web.yaml"] == hashlib.sha256(truth).digest()
    # An older cache is trusted: proof that the stamp, not the digest, decided above.
    cache.write_text(lie + "00" * 32 + "\n")
    os.utime(cache, ns=(info.st_mtime_ns + 10**9, info.st_mtime_ns + 10**9))
    hashes = disk_hashes(root)
    assert hashes is not None and hashes["east/shop/configmap_web.yaml"] == bytes(32)
