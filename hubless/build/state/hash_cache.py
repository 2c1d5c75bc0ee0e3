"""rendered/.hubless/hashes: what each file below rendered/ hashed to, by its stat.

Local to one checkout (never committed), like git's index: for every folder, its files in
name order with their size, mtime and inode and the sha256 of their bytes. A file whose
stat is unchanged has the same bytes, so it need not be read again; a folder whose files
all stat as recorded need not be looked at one file at a time (hubless.build.state.hashes).

Only facts about files are kept, nothing hubless derives from them, so the cache does not
depend on hubless's code; its first line names its format. A cache that is missing, of
another format or damaged in any way is not used: every file is read instead.

The format: the first line; then a JSON line listing [folder, file count, length of the
names, latest mtime]; then, for each folder in that order, the names (UTF-8, NUL-separated),
every size and every mtime in nanoseconds (8-byte signed integers in the machine's byte
order), every inode (8-byte unsigned) and every sha256 (32 bytes).
"""

from __future__ import annotations

import contextlib
import json
import os
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from hubless.build.state.paths import HASH_CACHE, HASH_CACHE_PENDING

_FORMAT = b"hubless hashes 2\n"
_SHA256 = 32
_INT = 8
_STATS = 3 * _INT  # size, mtime, inode


class Stamp(NamedTuple):
    """A file as last hashed: if size, mtime and inode still match, so does the hash."""

    size: int
    mtime_ns: int
    inode: int
    sha256: bytes


Row = tuple[str, int, int, int]  # a file as listed: name, size, mtime_ns, inode


def _names(names: Iterable[str]) -> bytes:
    # Names that are not UTF-8 come back from the file system as surrogate escapes.
    return "\0".join(names).encode("utf-8", "surrogateescape")


class Listing(NamedTuple):
    """A folder's files as they stat now, in name order, packed as the cache keeps them."""

    names: bytes
    stats: bytes
    newest: int  # the latest mtime_ns

    @classmethod
    def of(cls, rows: Iterable[Row]) -> Listing:
        """`rows` sorted by name."""
        columns = tuple(zip(*rows, strict=True))
        if not columns:
            return cls(b"", b"", -1)
        names, sizes, mtimes, inodes = columns
        stats = array("q", sizes).tobytes() + array("q", mtimes).tobytes()
        return cls(_names(names), stats + array("Q", inodes).tobytes(), max(mtimes))


class Folder(NamedTuple):
    """A folder's files as last hashed, in name order."""

    listing: Listing
    hashes: bytes  # every file's sha256, one after the other

    @classmethod
    def of(cls, stamps: Mapping[str, Stamp]) -> Folder:
        names = sorted(stamps)
        rows = [(name, *stamps[name][:3]) for name in names]
        return cls(Listing.of(rows), b"".join(stamps[name].sha256 for name in names))

    @property
    def names(self) -> list[str]:
        names = self.listing.names
        return names.decode("utf-8", "surrogateescape").split("\0") if names else []

    @property
    def sha256s(self) -> list[bytes]:
        hashes = self.hashes
        return [hashes[i : i + _SHA256] for i in range(0, len(hashes), _SHA256)]

    def stamps(self, before: int) -> dict[str, Stamp]:
        """Every file's stamp by name, but those whose mtime is not older than `before`."""
        count = len(self.hashes) // _SHA256
        stats = self.listing.stats
        sizes, mtimes, inodes = array("q"), array("q"), array("Q")
        sizes.frombytes(stats[: count * _INT])
        mtimes.frombytes(stats[count * _INT : 2 * count * _INT])
        inodes.frombytes(stats[2 * count * _INT :])
        return {
            name: Stamp(size, mtime, inode, sha256)
            for name, size, mtime, inode, sha256 in zip(
                self.names, sizes, mtimes, inodes, self.sha256s, strict=True
            )
            if mtime < before
        }


class Cache(NamedTuple):
    folders: dict[str, Folder]  # by path below rendered/ ("" for rendered/ itself)
    # When the cache was written: a file whose mtime is not older may have changed in the
    # same clock tick after it was hashed (git's "racily clean" entries), so is not trusted.
    written: int


def _folders(data: bytes) -> dict[str, Folder]:
    """The folders of a cache file's bytes; ValueError (or another) if it is not one."""
    if not data.startswith(_FORMAT):
        raise ValueError("not a hash cache of this format")
    end = data.index(b"\n", len(_FORMAT))
    index: Any = json.loads(data[len(_FORMAT) : end])
    folders: dict[str, Folder] = {}
    offset = end + 1
    for folder, count, length, newest in index:
        if not all(isinstance(n, int) for n in (count, length, newest)) or count < 1:
            raise ValueError("a folder")
        names = data[offset : offset + length]
        offset += length
        stats = data[offset : offset + count * _STATS]
        offset += count * _STATS
        hashes = data[offset : offset + count * _SHA256]
        offset += count * _SHA256
        if (
            not isinstance(folder, str)
            or len(names) != length
            or len(stats) != count * _STATS
            or len(hashes) != count * _SHA256
            or names.count(b"\0") != count - 1
        ):
            raise ValueError("a folder's files")
        folders[folder] = Folder(Listing(names, stats, newest), hashes)
    if offset != len(data):
        raise ValueError("trailing bytes")
    return folders


def read_cache(root: Path) -> Cache:
    """The cache below rendered/ (`root`); empty if there is none that reads."""
    try:
        with open(root / HASH_CACHE, "rb") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            return Cache(_folders(handle.read()), written)
    except (OSError, ValueError, TypeError, KeyError):
        return Cache({}, 0)


def write_cache(root: Path, folders: Mapping[str, Folder]) -> None:
    """Replace the cache with `folders` (those with files). Written aside and renamed into
    place: a reader sees the old cache or the new one; a link in the way is replaced, never
    written through."""
    kept = sorted((f, record) for f, record in folders.items() if record.hashes)
    index = [
        [folder, len(record.hashes) // _SHA256, len(record.listing.names), record.listing.newest]
        for folder, record in kept
    ]
    parts = [_FORMAT, json.dumps(index, separators=(",", ":")).encode("utf-8"), b"\n"]
    for _, record in kept:
        parts += (record.listing.names, record.listing.stats, record.hashes)
    pending = root / HASH_CACHE_PENDING
    with contextlib.suppress(FileNotFoundError):
        pending.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    with open(os.open(pending, flags, 0o666), "wb") as handle:
        handle.write(b"".join(parts))
    # Gone: a `render --check` running beside this one put its own cache in place.
    with contextlib.suppress(FileNotFoundError):
        os.replace(pending, root / HASH_CACHE)
