"""Worker processes forked by a render, which never outlive it.

A render shares large read-only data with its workers by forking. A worker left behind by
a killed render (a cancelled CI job, the OOM killer) would block forever writing its
result to a pipe nobody reads: every worker asks the kernel to kill it when its parent
dies.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import concurrent.futures

# multiprocessing and concurrent.futures are imported by the functions that use them: a
# render with nothing to do imports this module (through hubless.build.state) but never
# forks, and their import is a good part of its start-up.

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


def _die_with_parent(parent: int) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the render; a worker
    # finishes its bounded share, or dies with the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request above took effect


def forked_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A pool of `workers` processes forked from this one, each killed if this one dies."""
    import concurrent.futures
    import multiprocessing as mp

    return concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=mp.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
