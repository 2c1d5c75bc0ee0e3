"""What rendered/ holds, as file hashes and one digest, and what makes that cheap.

The output digest (the manifest's `output`) is made of one digest per folder: the sha256 of
the folder's file count, its file names (sorted, NUL-separated) and each file's sha256 in
the same order; then the sha256 of every folder's path and digest, by path. Folders
without files add nothing, so the digest is a function of the files' paths and bytes only.

The local cache (hubless.build.state.hash_cache) keeps each file's sha256 with its size,
mtime and inode: a folder whose files all stat as cached is not looked at file by file,
and a file whose stat is unchanged is not read again. On a fresh checkout every file is
read, so the answer never depends on the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from hubless.build.state.hash_cache import Cache, Folder, Listing, Row, read_cache, write_cache
from hubless.build.state.hash_cache import Stamp as Stamp
from hubless.build.state.paths import LOCAL_FILES, MANIFEST, META_DIR, TXN
from hubless.workers import can_fork, forked_pool

# Not output: the manifest holds the digest, and local files are not committed.
_UNHASHED = LOCAL_FILES | {MANIFEST}
# The same, as names in the one folder that holds them all.
_UNHASHED_NAMES = frozenset(p.rpartition("/")[2] for p in _UNHASHED)
assert {p.rpartition("/")[0] for p in _UNHASHED} == {META_DIR}


def _folder_digest(names: bytes, hashes: bytes) -> bytes:
    """`names`: NUL-separated, sorted; `hashes`: their sha256s in that order."""
    return hashlib.sha256(b"%d\0%s\0%s" % (len(hashes) // 32, names, hashes)).digest()


def _combined(folders: Iterable[tuple[str, bytes]]) -> str:
    """The output digest of (folder path, folder digest) pairs."""
    parts = sorted(folders)
    return hashlib.sha256(
        b"".join(f.encode("utf-8", "surrogateescape") + b"\0" + d for f, d in parts)
    ).hexdigest()


def digest_of(hashes: Mapping[str, bytes]) -> str:
    """The output digest of files' sha256s by path (below rendered/)."""
    by_folder: dict[str, dict[str, bytes]] = {}
    for relative, sha256 in hashes.items():
        folder, _, name = relative.rpartition("/")
        files = by_folder.get(folder)
        if files is None:
            files = by_folder[folder] = {}
        files[name] = sha256
    return _combined((folder, _files_digest(files)) for folder, files in by_folder.items())


def _files_digest(files: Mapping[str, bytes]) -> bytes:
    """The digest of one folder's files, given their sha256s by name."""
    names = sorted(files)
    joined = "\0".join(names).encode("utf-8", "surrogateescape")
    return _folder_digest(joined, b"".join(map(files.__getitem__, names)))


def tree_digest(tree: Mapping[str, bytes]) -> str:
    """The output digest of a tree about to be written."""
    return digest_of({p: hashlib.sha256(c).digest() for p, c in tree.items() if p not in _UNHASHED})


# Where the stat of every file is shared with a forked process: from this many files (as
# cached), or on a fresh checkout (every file read) from this many cluster folders.
PARALLEL_FILES = 50_000
PARALLEL_FOLDERS = 100

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC

# rendered/ and its cache, set only in the parent just before forking: the forked process
# reads them from its copy.
_SHARED: tuple[str, Cache] | None = None


def _hashed(path: str, rows: list[Row], listing: Listing, known: Mapping[str, Stamp]) -> Folder:
    """A folder's files hashed, those whose stamp in `known` still holds not read again."""
    hashes = []
    for name, size, mtime, inode in rows:
        stamp = known.get(name)
        if stamp is not None and stamp[:3] == (size, mtime, inode):
            hashes.append(stamp.sha256)
        else:
            with open(os.path.join(path, name), "rb") as handle:
                hashes.append(hashlib.sha256(handle.read()).digest())
    return Folder(listing, b"".join(hashes))


def _walk(
    root: str, cache: Cache, folders: list[str], left: frozenset[str] = frozenset()
) -> dict[str, Folder | None] | None:
    """Every folder with files at or below `folders` (but the top folders in `left`), each
    hashed, or None where the cache holds for all its files; None if anything is odd (a
    symbolic link, an interrupted render, a FIFO)."""
    found: dict[str, Folder | None] = {}
    pending = list(folders)
    while pending:
        folder = pending.pop()
        path = os.path.join(root, folder) if folder else root
        skipped = _UNHASHED_NAMES if folder == META_DIR else frozenset()
        rows: list[Row] = []
        # Listed through the folder's descriptor: each stat is relative to it, with no
        # path lookup (a no-op render of a large fleet is this loop).
        descriptor = os.open(path, _FOLDER_FLAGS)
        try:
            with os.scandir(descriptor) as scan:
                for entry in scan:
                    # The entry's type, not a stat: a file costs one stat, a link none.
                    if entry.is_file(follow_symlinks=False):
                        if entry.name not in skipped:
                            info = entry.stat(follow_symlinks=False)
                            rows.append((entry.name, info.st_size, info.st_mtime_ns, info.st_ino))
                    elif entry.is_dir(follow_symlinks=False):
                        inner = f"{folder}/{entry.name}" if folder else entry.name
                        if inner == TXN:
                            return None  # an interrupted render: the full path deals with it
                        if inner not in left:
                            pending.append(inner)
                    else:
                        return None  # a link, or not a file at all (a FIFO is never opened)
        finally:
            os.close(descriptor)
        if not rows:
            continue
        rows.sort()
        listing = Listing.of(rows)
        cached = cache.folders.get(folder)
        if cached is not None and cached.listing == listing and listing.newest < cache.written:
            found[folder] = None
            continue
        known = cached.stamps(before=cache.written) if cached is not None else {}
        found[folder] = _hashed(path, rows, listing, known)
    return found


def _forked_walk(folders: list[str]) -> dict[str, Folder | None] | None:
    assert _SHARED is not None
    root, cache = _SHARED
    return _walk(root, cache, folders)


def _halves(root: str, cache: Cache) -> list[str]:
    """The top folders another process hashes, if that is worth a fork: every other one."""
    if cache.folders and sum(len(r.hashes) for r in cache.folders.values()) < 32 * PARALLEL_FILES:
        return []
    tops = sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
    if not cache.folders and len(tops) < PARALLEL_FOLDERS:
        return []
    return tops[1::2] if can_fork() else []


def _disk_folders(root: Path) -> dict[str, Folder] | None:
    """Every folder with files below rendered/, hashed; None if it holds anything odd. The
    cache is brought up to date."""
    global _SHARED
    cache = read_cache(root)
    top = os.fspath(root)
    theirs = _halves(top, cache)
    if theirs:
        # Most of the time goes into the stat system calls: a second process halves it.
        _SHARED = (top, cache)
        try:
            with forked_pool(1) as pool:
                other = pool.submit(_forked_walk, theirs)
                mine = _walk(top, cache, [""], frozenset(theirs))
                found = other.result()
        finally:
            _SHARED = None
        found = None if mine is None or found is None else {**mine, **found}
    else:
        found = _walk(top, cache, [""])
    if found is None:
        return None
    folders = {f: cache.folders[f] if record is None else record for f, record in found.items()}
    if folders != cache.folders and (root / META_DIR).is_dir():
        write_cache(root, folders)
    return folders


class OnDisk:
    """rendered/ as found: every folder with files, its files' names and sha256s. What a
    render changes is applied to it folder by folder, so a fleet's hundreds of thousands of
    files are never listed one by one."""

    def __init__(self, folders: Mapping[str, Folder]) -> None:
        self._folders = folders
        self._changed: dict[str, dict[str, bytes]] = {}  # folders written in, by name

    def digest(self) -> str:
        """The output digest of what it holds (with the changes applied)."""
        digests = [
            (folder, _folder_digest(record.listing.names, record.hashes))
            for folder, record in self._folders.items()
            if folder not in self._changed
        ]
        digests += [
            (folder, _files_digest(files)) for folder, files in self._changed.items() if files
        ]
        return _combined(digests)

    def _files(self, folder: str) -> dict[str, bytes]:
        files = self._changed.get(folder)
        if files is None:
            record = self._folders.get(folder)
            files = dict(zip(record.names, record.sha256s, strict=True)) if record else {}
            self._changed[folder] = files
        return files

    def paths_in(self, folders: Iterable[str]) -> list[str]:
        """Every file of these folders (as found), by path."""
        found: list[str] = []
        for folder in folders:
            record = self._folders.get(folder)
            if record is not None:
                found.extend(f"{folder}/{name}" if folder else name for name in record.names)
        return found

    def folders(self) -> dict[str, list[str]]:
        """Every folder with files, with its files' names (with the changes applied)."""
        found = {f: r.names for f, r in self._folders.items() if f not in self._changed}
        found.update((f, sorted(files)) for f, files in self._changed.items() if files)
        return found

    def apply(self, written: Mapping[str, bytes], removed: Iterable[str]) -> None:
        """Take in files written (their contents, by path) and removed. Hubless's own
        uncommitted and unhashed files are left out, as on disk."""
        for path in removed:
            folder, _, name = path.rpartition("/")
            self._files(folder).pop(name, None)
        for path, content in written.items():
            if path in _UNHASHED:
                continue
            folder, _, name = path.rpartition("/")
            self._files(folder)[name] = hashlib.sha256(content).digest()


def _found(folders: Mapping[str, Folder] | None) -> OnDisk | None:
    return OnDisk(folders) if folders is not None else None


def on_disk(root: Path) -> OnDisk | None:
    """What rendered/ holds, or None if it holds anything odd."""
    return _found(_disk_folders(root))


@contextlib.contextmanager
def finding(root: Path) -> Iterator[Callable[[], OnDisk | None]]:
    """`on_disk(root)`, worked out by another process while this one goes on (a large
    rendered/ takes a second or more to stat); call the yielded function for the answer."""
    if not can_fork():
        yield lambda: on_disk(root)
        return
    with forked_pool(1) as pool:
        future = pool.submit(_disk_folders, root)
        yield lambda: _found(future.result())


def disk_digest(root: Path) -> str | None:
    """The digest of what rendered/ holds, or None if it holds anything odd."""
    disk = on_disk(root)
    return disk.digest() if disk is not None else None


def disk_hashes(root: Path) -> dict[str, bytes] | None:
    """Every output file's sha256 by path below rendered/, or None if it holds anything
    odd (a symbolic link, an interrupted render)."""
    folders = _disk_folders(root)
    if folders is None:
        return None
    hashes: dict[str, bytes] = {}
    for folder, record in folders.items():
        prefix = f"{folder}/" if folder else ""
        hashes.update(zip([prefix + n for n in record.names], record.sha256s, strict=True))
    return hashes


def remember(root: Path, written: Mapping[str, Stamp], removed: Iterable[str] = ()) -> None:
    """Tell the cache what a render just wrote and removed, so that the next run need not
    read those files again."""
    if not (root / META_DIR).is_dir():
        return
    cache = read_cache(root)
    changed: dict[str, dict[str, Stamp | None]] = {}
    for relative, stamp in [*written.items(), *((r, None) for r in removed)]:
        if relative not in _UNHASHED:
            folder, _, name = relative.rpartition("/")
            changed.setdefault(folder, {})[name] = stamp
    # An entry as new as the cache stays out: the rewritten cache would be dated after it.
    folders = {
        folder: record
        if record.listing.newest < cache.written
        else Folder.of(record.stamps(before=cache.written))
        for folder, record in cache.folders.items()
    }
    for folder, stamps in changed.items():
        record = folders.get(folder)
        files = record.stamps(before=cache.written) if record is not None else {}
        for name, stamp in stamps.items():
            if stamp is None:
                files.pop(name, None)
            else:
                files[name] = stamp
        folders[folder] = Folder.of(files)
    write_cache(root, folders)
