"""Durations as users write them on the command line: 90s, 30m, 2h, 1d, or 1h30m.

The one parser of `--max-age` and every other duration option, so that all spell them alike.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+)([smhd])")
_WHOLE = re.compile(r"(?:\d+[smhd])+")


def parse_duration(text: str) -> timedelta:
    """A duration: one or more <number><unit>, units s, m, h, d (1h30m is 90 minutes).

    Raises ValueError with a message naming what was given."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 90s, 30m, 2h, 1d or 1h30m")
    seconds = sum(int(number) * _UNITS[unit] for number, unit in _PART.findall(text))
    if seconds == 0:
        raise ValueError(f"{text!r} is no time at all: give a duration longer than 0s")
    return timedelta(seconds=seconds)


def spell_duration(duration: timedelta) -> str:
    """The shortest spelling parse_duration reads back (1h30m, 2d, 45s)."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"
