"""Wall seconds, CPU seconds and peak RSS of commands and of work done in this process."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HUBLESS = [sys.executable, "-m", "hubless"]


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement: CPU is user + system, the processes waited for included."""

    wall: float
    cpu: float
    rss_mib: float = 0.0  # 0 when not measured (work done in this process)


class CommandFailed(RuntimeError):
    """A timed command exited non-zero: its time says nothing, so the benchmark stops."""


def timed(command: Sequence[str], cwd: Path) -> Sample:
    """Run `command` to completion in `cwd`; stdout is dropped, stderr kept for a failure."""
    return timed_with_stderr(command, cwd)[0]


def timed_with_stderr(command: Sequence[str], cwd: Path) -> tuple[Sample, str]:
    """`timed`, and what the command wrote to stderr."""
    # stderr goes to a file, not a pipe nobody reads: a long warning list would block on it.
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        # wait4's usage covers the child and every process it waited for (its workers).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        said = stderr.read().decode("utf-8", "replace")
        if process.returncode != 0:
            raise CommandFailed(
                f"{' '.join(command)} (in {cwd}) exited {process.returncode}:\n{said[-4000:]}"
            )
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), said


def installed_as_pip_installs() -> None:
    """Write the bytecode of every hubless module, as `pip install` does, so that a timed
    command never pays for compiling one: an editable install run with
    PYTHONDONTWRITEBYTECODE set would otherwise compile every module edited since its last
    bytecode on each run, which no installed hubless does."""
    import hubless

    package = Path(hubless.__file__).parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )


def run(command: Sequence[str], cwd: Path) -> None:
    """Run a command that is not measured (setting up or restoring); fail loudly."""
    timed(command, cwd)


def in_process(action: Callable[[], object]) -> Sample:
    """Wall and CPU seconds of `action`, here and in the processes it waits for."""
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    before = [resource.getrusage(w) for w in who]
    start = time.perf_counter()
    action()
    wall = time.perf_counter() - start
    after = [resource.getrusage(w) for w in who]
    cpu = sum(
        (a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime)
        for a, b in zip(after, before, strict=True)
    )
    return Sample(wall, cpu)


def median(samples: Sequence[Sample]) -> Sample:
    """Median wall and CPU of the runs (each on its own), and the largest peak RSS."""
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.rss_mib for s in samples),
    )
