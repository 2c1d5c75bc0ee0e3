"""The repository's render lock: one render of a repository at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from hubless.build.state.paths import LOCK, META_DIR
from hubless.build.state.transaction import check_root, make_parents

WAITING = "waiting for another `hubless render` of this repository to finish"


@contextlib.contextmanager
def locked(root: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold the repository's render lock; `on_wait` runs once if another holds it.

    An advisory lock on rendered/.hubless/lock: the kernel releases it when its holder
    exits, even when killed, so a stale lock never blocks the next run."""
    check_root(root)
    created = not root.exists()
    root.mkdir(exist_ok=True)
    make_parents(root, LOCK)
    path = root / LOCK
    if path.is_symlink():
        path.unlink()
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
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
            fcntl.flock(handle, fcntl.LOCK_UN)
