"""The error an overrider raises when it cannot apply."""

from __future__ import annotations

from hubless.errors import Source


class OverrideFailure(Exception):
    """An overrider could not apply; `source` is the entry that failed, when known."""

    def __init__(self, message: str, source: Source | None = None) -> None:
        super().__init__(message)
        self.source = source
