"""Progress of a long render on stderr: which stage runs, and how fast the last ones went.

On a terminal one line is rewritten in place, and only once the work has taken longer
than `DELAY` (a quick render shows nothing extra). Asked for with `--progress`, every
stage prints one plain line when it ends, fit for a CI log. Otherwise nothing is written.
The reporter does work only at stage boundaries, never per object.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

# What each stage counts, in the user's words.
UNITS: dict[str, str] = {
    "reading sources": "files",
    "deciding placement": "resources",
    "writing objects": "objects",
    "validating": "objects",
    "writing rendered/": "files",
}

DELAY = 2.0  # seconds of work before a terminal shows progress

Clock = Callable[[], float]


def stage_line(name: str, count: int, seconds: float) -> str:
    """One finished stage: its count, time and rate."""
    unit = UNITS[name]
    rate = count / seconds if seconds > 0 else 0.0
    noun = unit if count != 1 else unit[:-1]
    return f"{name}: {count} {noun} in {seconds:.1f}s ({rate:.0f} {unit}/s)"


class Progress:
    """Reports stages to `stream`. `tty`: rewrite one line (after `DELAY`); `forced`
    (`--progress`): on a terminal, from the start; elsewhere, one line per stage."""

    def __init__(self, stream: TextIO, clock: Clock, *, tty: bool, forced: bool) -> None:
        self._stream = stream
        self._clock = clock
        self._tty = tty
        self._plain = forced and not tty
        self._delay = 0.0 if forced else DELAY
        self._started = clock()
        self._stage: str | None = None
        self._stage_started = self._started
        self._width = 0  # how much of the terminal line is ours

    @property
    def active(self) -> bool:
        return self._tty or self._plain

    def begin(self, name: str) -> None:
        """Stage `name` starts (one of UNITS)."""
        if not self.active:
            return
        self._stage = name
        self._stage_started = self._clock()
        self._show(f"{name}...")

    def end(self, count: int) -> None:
        """The current stage ends, having handled `count` of its units."""
        if not self.active or self._stage is None:
            return
        now = self._clock()
        line = stage_line(self._stage, count, now - self._stage_started)
        self._stage = None
        if self._plain:
            self._stream.write(f"progress: {line}\n")
            self._stream.flush()
        else:
            self._show(line)

    def finish(self) -> None:
        """Clear the terminal line, so that what follows starts a line of its own."""
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0

    def _show(self, text: str) -> None:
        if not self._tty or self._clock() - self._started < self._delay:
            return
        line = f"progress: {text}"
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = max(self._width, len(line))

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()


def quiet() -> Progress:
    """A reporter that writes nothing."""
    return Progress(io.StringIO(), time.monotonic, tty=False, forced=False)


def on_stderr(stream: TextIO, *, forced: bool) -> Progress:
    """The reporter for a command whose stderr is `stream`."""
    return Progress(stream, time.monotonic, tty=stream.isatty(), forced=forced)
