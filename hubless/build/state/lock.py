"""The repository's render lock: one render of a repository at a time."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from hubless.build.state.paths import LOCK, META_DIR
from hubless.build.state.transaction import check_root, make_parents
from hubless.errors import Source, UserError
from hubless.repository import RENDERED_DIR

WAITING = "waiting for another `hubless render` of this repository to finish"


@contextlib.contextmanager
def locked(root: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold the repository's render lock; `on_wait` runs once if another holds it.

    An advisory lock on rendered/.hubless/lock: the kernel releases it when its holder
    exits, even when killed, so a stale lock never blocks the next run. A POSIX record
    lock (lockf), not flock: it belongs to this process alone, so a forked worker that
    inherited the descriptor does not keep holding it."""
    check_root(root)
    created = not root.exists()
    path = root / LOCK
    try:
        root.mkdir(exist_ok=True)
        make_parents(root, LOCK)
        if path.is_symlink():
            path.unlink()
        handle = open(path, "a+b")  # noqa: SIM115 (closed below, after the unlock)
    except OSError as exc:
        raise UserError.at(
            Source(f"{RENDERED_DIR}/{LOCK}", 0),
            f"cannot take the render lock ({exc.strerror or exc}): make {RENDERED_DIR}/ writable",
        ) from None
    with handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            on_wait()
            fcntl.lockf(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            # Two listings, not a walk: after a successful render the tree is large.
            if (
                created
                and os.listdir(root) == [META_DIR]
                and os.listdir(root / META_DIR) == ["lock"]
            ):
                # A first render that failed leaves no trace.
                path.unlink()
                (root / META_DIR).rmdir()
                root.rmdir()
            fcntl.lockf(handle, fcntl.LOCK_UN)
