"""The parse cache: YAML parsed by earlier runs, kept in rendered/.hubless/parses.

Local to one checkout and never required: a file that is missing, damaged, written by
other code or another parser, or not written by hubless in this place is ignored, and
everything is parsed again. Its first line holds what it is good for (hubless's code and
the YAML parser, as one digest), a digest of the rest, and the inode and modification time
hubless gave the file; the rest is one parsed piece of YAML per line (hubless.yaml_pieces).
The inode and time make a copy of the file count for nothing: a cache committed to the
repository, or restored from elsewhere, could otherwise stand for sources it was not made
from.

It is written only beside a `.gitignore` of this version, which lists it: never into a
folder a failed first render must leave empty, and never where git would show it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from hubless.build.state.paths import (
    GITIGNORE,
    GITIGNORE_TEXT,
    META_DIR,
    PARSE_CACHE,
    PARSE_CACHE_PENDING,
)
from hubless.documents import parser_version
from hubless.errors import UserError
from hubless.repository import RENDERED_DIR
from hubless.yaml_pieces import PieceCache

_FORMAT = b"hubless-parses-1"


def _good_for(code: str) -> bytes:
    """What the cached parses depend on besides their text: hubless's code, the parser."""
    text = f"{code}\0{parser_version()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def _linked(rendered: Path) -> bool:
    """Whether rendered/ or its meta folder is a link: hubless's own files are not."""
    return rendered.is_symlink() or (rendered / META_DIR).is_symlink()


def read_parses(rendered: Path, code: str) -> PieceCache:
    """The cache under `rendered`, made by `code` (hubless's code digest); empty when there
    is none that can be trusted."""
    if _linked(rendered):
        return PieceCache()
    try:
        # O_NOFOLLOW: a link is not the file hubless wrote; O_NONBLOCK: a FIFO is not waited on.
        descriptor = os.open(
            rendered / PARSE_CACHE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        )
        with open(descriptor, "rb") as handle:
            found = os.fstat(descriptor)
            if not stat.S_ISREG(found.st_mode):
                return PieceCache()
            blob = handle.read()
    except OSError:
        return PieceCache()
    head, _, body = blob.partition(b"\n")
    fields = head.split(b" ")
    if fields != [
        _FORMAT,
        _good_for(code),
        str(found.st_ino).encode(),
        str(found.st_mtime_ns).encode(),
        hashlib.sha256(body).hexdigest().encode(),
    ]:
        return PieceCache()
    stored = {}
    for line in body.decode("ascii").split("\n"):
        key, _, encoded = line.partition(" ")
        if encoded:
            stored[key] = encoded
    return PieceCache(stored)


def _keeps(rendered: Path) -> bool:
    """Whether a cache may be written under `rendered`: beside a .gitignore that lists it."""
    if _linked(rendered):
        return False
    try:
        return (rendered / GITIGNORE).read_bytes() == GITIGNORE_TEXT
    except OSError:
        return False


def save_parses(rendered: Path, code: str, cache: PieceCache) -> None:
    """Keep what `cache` used, if that differs from what it found; never an error (the
    cache is only a shortcut)."""
    if not cache.changed() or not _keeps(rendered):
        return
    body = "".join(f"{key} {cache.used[key]}\n" for key in sorted(cache.used)).encode("ascii")
    # Whole seconds, which every file system keeps exactly.
    written = time.time_ns() // 10**9 * 10**9
    pending = rendered / PARSE_CACHE_PENDING
    with contextlib.suppress(OSError):
        descriptor = os.open(
            pending, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644
        )
        with open(descriptor, "wb") as handle:
            head = b" ".join(
                [
                    _FORMAT,
                    _good_for(code),
                    str(os.fstat(descriptor).st_ino).encode(),
                    str(written).encode(),
                    hashlib.sha256(body).hexdigest().encode(),
                ]
            )
            handle.write(head + b"\n" + body)
            handle.flush()
            os.utime(descriptor, ns=(written, written))
        os.replace(pending, rendered / PARSE_CACHE)


@contextlib.contextmanager
def parse_cache(repo: Path, code: str) -> Iterator[PieceCache | None]:
    """The repository's parse cache for a block that loads sources; what the block used is
    kept when it ends, also when it ends on a mistake in the sources. None where no cache
    can be kept: reading files in pieces only pays when the pieces are kept."""
    rendered = repo / RENDERED_DIR
    if not _keeps(rendered):
        yield None
        return
    cache = read_parses(rendered, code)
    try:
        yield cache
    except UserError:
        save_parses(rendered, code, cache)
        raise
    save_parses(rendered, code, cache)
