"""Progress on stderr: a terminal's rewritten line after 2 s, `--progress` lines, else nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

from hubless.progress import Progress
from tests.conftest import run_hubless
from tests.test_cli import small_fleet


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _two_stages(clock: FakeClock, progress: Progress, *, first: float, second: float) -> None:
    with progress:
        progress.begin("reading sources")
        clock.now += first
        progress.end(30)
        progress.begin("writing objects")
        clock.now += second
        progress.end(1)


def test_a_terminal_shows_nothing_before_two_seconds() -> None:
    clock, stream = FakeClock(), FakeTerminal()
    _two_stages(clock, Progress(stream, clock, tty=True, forced=False), first=0.5, second=1.0)
    assert stream.getvalue() == ""


def test_a_terminal_rewrites_one_line_after_two_seconds_and_clears_it() -> None:
    clock, stream = FakeClock(), FakeTerminal()
    _two_stages(clock, Progress(stream, clock, tty=True, forced=False), first=3.0, second=0.5)
    first = "progress: reading sources: 30 files in 3.0s (10 files/s)"
    last = "progress: writing objects: 1 object in 0.5s (2 objects/s)"
    # Each line covers the longest before it; the clearing covers the longest of all.
    assert stream.getvalue() == (
        "\r" + first
        + "\r" + "progress: writing objects...".ljust(len(first))
        + "\r" + last
        + "\r" + " " * len(last) + "\r"
    )  # fmt: skip


def test_asked_for_on_a_terminal_it_shows_from_the_start() -> None:
    clock, stream = FakeClock(), FakeTerminal()
    progress = Progress(stream, clock, tty=True, forced=True)
    with progress:
        progress.begin("validating")
    line = "progress: validating..."
    assert stream.getvalue() == "\r" + line + "\r" + " " * len(line) + "\r"


def test_asked_for_elsewhere_one_plain_line_per_stage_however_quick() -> None:
    clock, stream = FakeClock(), io.StringIO()
    _two_stages(clock, Progress(stream, clock, tty=False, forced=True), first=0.5, second=0.0)
    assert stream.getvalue() == (
        "progress: reading sources: 30 files in 0.5s (60 files/s)\n"
        "progress: writing objects: 1 object in 0.0s (0 objects/s)\n"
    )


def test_not_a_terminal_and_not_asked_for_writes_nothing_however_long() -> None:
    clock, stream = FakeClock(), io.StringIO()
    _two_stages(clock, Progress(stream, clock, tty=False, forced=False), first=30, second=30)
    assert stream.getvalue() == ""


def _masked(text: str) -> list[str]:
    return [re.sub(r"in [0-9.]+s \([0-9]+ ", "in Ts (R ", line) for line in text.splitlines()]


UNVALIDATED = [
    f"policies/clusters.yaml:{line}: warning: cluster {name} has no status.kubernetesVersion: "
    "its objects are not validated (give one with --kube-version-default)"
    for line, name in ((1, "one"), (62, "two"))
]


def test_render_progress_prints_every_stage_to_stderr(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    result = run_hubless("render", "--progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "rendered 2 clusters, 2 objects: 7 files added, 0 changed, 0 removed\n"
    assert _masked(result.stderr) == [
        "progress: reading sources: 3 files in Ts (R files/s)",
        "progress: deciding placement: 1 resource in Ts (R resources/s)",
        "progress: writing objects: 2 objects in Ts (R objects/s)",
        *UNVALIDATED,
        "progress: validating: 2 objects in Ts (R objects/s)",
        "progress: writing rendered/: 7 files in Ts (R files/s)",
    ]


def test_render_without_progress_off_a_terminal_prints_what_it_did_before(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "rendered 2 clusters, 2 objects: 7 files added, 0 changed, 0 removed\n"
    assert result.stderr.splitlines() == UNVALIDATED


def test_shard_progress_prints_every_stage_then_the_warnings(tmp_path: Path) -> None:
    small_fleet(tmp_path)
    result = run_hubless("render", "--shard", "1/1", "--progress", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "rendered/.hubless/shards/1-of-1"
    assert (
        result.stdout
        == "rendered shard 1/1: 2 clusters, 2 objects in rendered/.hubless/shards/1-of-1\n"
    )
    written = sum(1 for path in folder.rglob("*") if path.is_file())
    assert _masked(result.stderr) == [
        "progress: reading sources: 3 files in Ts (R files/s)",
        "progress: deciding placement: 1 resource in Ts (R resources/s)",
        "progress: writing objects: 2 objects in Ts (R objects/s)",
        "progress: validating: 2 objects in Ts (R objects/s)",
        f"progress: writing rendered/: {written} files in Ts (R files/s)",
        *UNVALIDATED,
    ]
