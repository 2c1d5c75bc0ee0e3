"""A digest of the inputs and of the output, kept beside the output.

When the sources, the previous placement and hubless itself are unchanged and rendered/
still holds exactly what was written, a render has nothing to do: it verifies the output
digest (reading the files, not trusting timestamps, so it holds on a fresh checkout) and
skips loading and compiling altogether.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import hashlib
import json
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from generator import __version__
from generator.load import SourceFile
from generator.model import ResourceTemplate

META_DIR = ".hubless"
MANIFEST_PATH = ".hubless/manifest.json"  # relative to rendered/
HASH_CACHE_PATH = ".hubless/hashes"  # local, not committed: file hashes by size and mtime
_SKIPPED = {MANIFEST_PATH, ".hubless/lock", HASH_CACHE_PATH}


@functools.cache
def code_digest() -> str:
    """hubless's own code: a change to it may change the output, so it is an input too."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def inputs_digest(files: Iterable[SourceFile], options: str) -> str:
    """Sources and options. The placement record, also an input, is part of the output,
    which the output digest covers; renders settle it, so it is what they compiled from."""
    digest = hashlib.sha256()
    for part in (__version__, code_digest(), options):
        digest.update(part.encode("utf-8") + b"\0")
    for file in files:
        digest.update(file.path.encode("utf-8") + b"\0" + file.text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def tree_digest(tree: Mapping[str, bytes]) -> str:
    return digest_of({p: hashlib.sha256(c).digest() for p, c in tree.items() if p not in _SKIPPED})


def disk_digest(root: Path) -> str | None:
    """The digest of what rendered/ holds, or None if it holds anything odd."""
    hashes = disk_hashes(root)
    return digest_of(hashes) if hashes is not None else None


def digest_of(hashes: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for relative in sorted(hashes):
        digest.update(relative.encode("utf-8") + b"\0" + hashes[relative])
    return digest.hexdigest()


Stamp = tuple[int, int, int, bytes]  # size, mtime (ns), inode, sha256


def _load_cache(root: Path) -> dict[str, Stamp]:
    """The cached stamps. An entry whose mtime is not older than the cache itself is left
    out: a file changed within the same clock tick after it was hashed would look the same
    (git's "racily clean" entries)."""
    cache = {}
    try:
        with open(root / HASH_CACHE_PATH, encoding="utf-8") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            for line in handle:
                relative, size, mtime, inode, digest = line.rstrip("\n").split("\t")
                if int(mtime) < written:
                    cache[relative] = (int(size), int(mtime), int(inode), bytes.fromhex(digest))
    except (OSError, ValueError):
        return {}
    return cache


def remember(root: Path, written: Mapping[str, Stamp]) -> None:
    """Add what a render just wrote to the local hash cache, so the next run need not read
    those files again. Appended: when read, a later line wins, and entries for removed
    files are dropped by the next full rewrite (`disk_hashes` rewrites a cache that
    differs from what it found)."""
    if not (root / META_DIR).is_dir():
        return
    path = root / HASH_CACHE_PATH
    if path.is_symlink():
        path.unlink()
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(
            f"{relative}\t{size}\t{mtime}\t{inode}\t{digest.hex()}\n"
            for relative, (size, mtime, inode, digest) in written.items()
            if relative not in _SKIPPED
        )


_TXN_DIR = ".hubless/txn"


def disk_hashes(root: Path) -> dict[str, bytes] | None:
    """Every file's sha256 by path below rendered/, or None if it holds anything odd.

    A local cache (not committed) keeps each hash with the file's size, mtime and inode:
    a file whose stat is unchanged is not read again. On a fresh checkout every file is
    read, so the answer never depends on the cache."""
    cache = _load_cache(root)
    fresh: dict[str, Stamp] = {}
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
                    if relative == _TXN_DIR:
                        return None  # an interrupted render: let the full path deal with it
                    pending.append((relative + "/", entry.path))
                    continue
                if relative in _SKIPPED:
                    continue
                info = entry.stat(follow_symlinks=False)
                known = cache.get(relative)
                if known is not None and known[:3] == (
                    info.st_size,
                    info.st_mtime_ns,
                    info.st_ino,
                ):
                    digest = known[3]
                else:
                    with open(entry.path, "rb") as handle:
                        digest = hashlib.sha256(handle.read()).digest()
                fresh[relative] = (info.st_size, info.st_mtime_ns, info.st_ino, digest)
                entries.append((relative, digest))
    if fresh != cache and (root / META_DIR).is_dir():
        _save_cache(root, fresh)
    return dict(entries)


@contextlib.contextmanager
def hashing(root: Path) -> Iterator[Callable[[], dict[str, bytes] | None]]:
    """`disk_hashes(root)`, worked out by another process while this one goes on (a large
    rendered/ takes a second or more to stat); call the yielded function for the answer."""
    if "fork" not in mp.get_all_start_methods():
        yield lambda: disk_hashes(root)
        return
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
        future = pool.submit(disk_hashes, root)
        yield future.result


def _save_cache(root: Path, entries: Mapping[str, Stamp]) -> None:
    path = root / HASH_CACHE_PATH
    if path.is_symlink():
        path.unlink()
    pending = path.with_name("hashes.tmp")
    with open(pending, "w", encoding="utf-8") as handle:
        for relative, (size, mtime, inode, digest) in sorted(entries.items()):
            handle.write(f"{relative}\t{size}\t{mtime}\t{inode}\t{digest.hex()}\n")
    os.replace(pending, path)


def policies_digest(files: Iterable[SourceFile]) -> str:
    """Everything but templates: a change here can move anything, so no shortcut applies."""
    return inputs_digest((f for f in files if not f.path.startswith("templates/")), "policies")


def template_digests(templates: Iterable[ResourceTemplate]) -> dict[str, str]:
    return {
        str(t.key): hashlib.sha256(
            json.dumps(t.body, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        for t in templates
    }


class Manifest(NamedTuple):
    """manifest.json: what the last render read and wrote, and what reuse needs."""

    inputs: str  # sources, options and hubless itself
    output: str  # every file it wrote
    policies: str  # everything but templates
    templates: dict[str, str]  # template key -> its body's digest
    code: str  # hubless itself (code_digest)
    clusters: dict[str, str]  # cluster -> what its objects are made of (generator.reuse)
    placements: dict[str, str]  # template key -> its entries on every cluster


def manifest_bytes(manifest: Manifest) -> bytes:
    data = {k: v for k, v in manifest._asdict().items() if v or k in ("inputs", "output")}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _strings(data: dict[str, object], key: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(key)
    return {str(k): str(v) for k, v in value.items()}


def read_manifest(root: Path) -> Manifest | None:
    try:
        data = json.loads((root / MANIFEST_PATH).read_text(encoding="utf-8"))
        return Manifest(
            str(data["inputs"]),
            str(data["output"]),
            str(data.get("policies", "")),
            _strings(data, "templates"),
            str(data.get("code", "")),
            _strings(data, "clusters"),
            _strings(data, "placements"),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
