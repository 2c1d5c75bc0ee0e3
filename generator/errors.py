"""User-facing errors: every problem names a file and a line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Source(NamedTuple):
    """Where something was written: a path (relative to the repo) and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Problem(NamedTuple):
    source: Source | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        return f"{where}error: {self.message}"


class UserError(Exception):
    """One or more mistakes in the user's input; printed without a traceback, exit 1."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, source: Source | None, message: str) -> UserError:
        return cls([Problem(source, message)])


class Problems:
    """Collects problems so that one run reports all of them, not just the first."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, source: Source | None, message: str) -> None:
        self.items.append(Problem(source, message))

    def extend(self, error: UserError) -> None:
        self.items.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.items:
            raise UserError(self.items)
