"""Durations as users write them on the command line: 90s, 30m, 2h, 1d, or 1h30m."""

from __future__ import annotations

import re
from datetime import timedelta

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(?:\d+[smhd])+")


def parse_duration(text: str) -> timedelta:
    """<number><unit>, repeated; units s, m, h, d. Raises ValueError saying what is wrong."""
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 90s, 30m, 2h, 1d or 1h30m")
    seconds = sum(int(n) * _SECONDS[u] for n, u in re.findall(r"(\d+)([smhd])", text))
    if seconds == 0:
        raise ValueError(f"{text!r} is no time at all: give a duration longer than 0s")
    return timedelta(seconds=seconds)
