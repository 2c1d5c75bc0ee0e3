"""What rendered/ holds, as file hashes, and the local cache that makes that cheap.

The cache (rendered/.hubless/hashes, not committed) keeps each file's sha256 with its
size, mtime and inode: a file whose stat is unchanged is not read again. On a fresh
checkout every file is read, so the answer never depends on the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from hubless.build.state.paths import (
    HASH_CACHE,
    HASH_CACHE_PENDING,
    LOCAL_FILES,
    MANIFEST,
    META_DIR,
    TXN,
)
from hubless.workers import can_fork, forked_pool

# Not output: the manifest holds the digest, and local files are not committed.
_UNHASHED = LOCAL_FILES | {MANIFEST}


class Stamp(NamedTuple):
    """A file as last hashed: if size, mtime and inode still match, so does the hash."""

    size: int
    mtime_ns: int
    inode: int
    sha256: bytes


# A Stamp's fields as a plain tuple: the cache holds one per file, and a no-op render of a
# large fleet is the loop that builds and compares them (a NamedTuple costs a third more).
_Fields = tuple[int, int, int, bytes]


def digest_of(hashes: Mapping[str, bytes]) -> str:
    """One digest of many files' hashes, by path."""
    digest = hashlib.sha256()
    for relative in sorted(hashes):
        digest.update(relative.encode("utf-8") + b"\0" + hashes[relative])
    return digest.hexdigest()


def tree_digest(tree: Mapping[str, bytes]) -> str:
    """The output digest of a tree about to be written."""
    return digest_of({p: hashlib.sha256(c).digest() for p, c in tree.items() if p not in _UNHASHED})


def disk_digest(root: Path) -> str | None:
    """The digest of what rendered/ holds, or None if it holds anything odd."""
    hashes = disk_hashes(root)
    return digest_of(hashes) if hashes is not None else None


def _load_cache(root: Path) -> dict[str, _Fields]:
    """The cached stamps. An entry whose mtime is not older than the cache itself is left
    out: a file changed within the same clock tick after it was hashed would look the same
    (git's "racily clean" entries)."""
    cache: dict[str, _Fields] = {}
    try:
        with open(root / HASH_CACHE, encoding="utf-8") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            for line in handle:
                relative, size, mtime, inode, digest = line.rstrip("\n").split("\t")
                if int(mtime) < written:
                    cache[relative] = (int(size), int(mtime), int(inode), bytes.fromhex(digest))
    except (OSError, ValueError):
        return {}
    return cache


def _line(relative: str, stamp: Stamp | _Fields) -> str:
    size, mtime_ns, inode, sha256 = stamp
    return f"{relative}\t{size}\t{mtime_ns}\t{inode}\t{sha256.hex()}\n"


def remember(root: Path, written: Mapping[str, Stamp]) -> None:
    """Add what a render just wrote to the cache, so the next run need not read those
    files again. Appended: when read, a later line wins, and entries for removed files are
    dropped by the next full rewrite (`disk_hashes` rewrites a cache that differs from
    what it found)."""
    if not (root / META_DIR).is_dir():
        return
    path = root / HASH_CACHE
    if path.is_symlink():
        path.unlink()
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(
            _line(relative, stamp)
            for relative, stamp in written.items()
            if relative not in _UNHASHED
        )


def _save_cache(root: Path, entries: Mapping[str, _Fields]) -> None:
    path = root / HASH_CACHE
    if path.is_symlink():
        path.unlink()
    pending = root / HASH_CACHE_PENDING
    with open(pending, "w", encoding="utf-8") as handle:
        handle.writelines(_line(relative, stamp) for relative, stamp in sorted(entries.items()))
    os.replace(pending, path)


def disk_hashes(root: Path) -> dict[str, bytes] | None:
    """Every output file's sha256 by path below rendered/, or None if it holds anything
    odd (a symbolic link, an interrupted render)."""
    cache = _load_cache(root)
    stamps: dict[str, _Fields] = {}
    entries: list[tuple[str, bytes]] = []
    # scandir, not os.walk + lstat by path: a symlink shows in the entry's type, and the
    # one stat per file needs no path lookup (a no-op render of a large fleet is this loop).
    pending = [("", os.fspath(root))]
    while pending:
        prefix, directory = pending.pop()
        with os.scandir(directory) as scan:
            for entry in scan:
                relative = prefix + entry.name
                if entry.is_symlink():
                    return None
                if entry.is_dir():
                    if relative == TXN:
                        return None  # an interrupted render: let the full path deal with it
                    pending.append((relative + "/", entry.path))
                    continue
                if relative in _UNHASHED:
                    continue
                info = entry.stat(follow_symlinks=False)
                known = cache.get(relative)
                # Indexing, not attribute access: this loop runs once per file.
                if known is not None and known[:3] == (
                    info.st_size,
                    info.st_mtime_ns,
                    info.st_ino,
                ):
                    digest = known[3]
                else:
                    with open(entry.path, "rb") as handle:
                        digest = hashlib.sha256(handle.read()).digest()
                stamps[relative] = (info.st_size, info.st_mtime_ns, info.st_ino, digest)
                entries.append((relative, digest))
    if stamps != cache and (root / META_DIR).is_dir():
        _save_cache(root, stamps)
    return dict(entries)


@contextlib.contextmanager
def hashing(root: Path) -> Iterator[Callable[[], dict[str, bytes] | None]]:
    """`disk_hashes(root)`, worked out by another process while this one goes on (a large
    rendered/ takes a second or more to stat); call the yielded function for the answer."""
    if not can_fork():
        yield lambda: disk_hashes(root)
        return
    with forked_pool(1) as pool:
        future = pool.submit(disk_hashes, root)
        yield future.result
