"""User-facing errors: every problem names a file and a line."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple


class Source(NamedTuple):
    """Where something was written: a path (relative to the repo) and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        # Line 0: the path alone (a folder, or a file as a whole).
        return f"{self.path}:{self.line}" if self.line else self.path


ERROR = "error"
WARNING = "warning"  # reported, and the command goes on


class Problem(NamedTuple):
    source: Source | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source is not None else ""
        return f"{where}{self.severity}: {self.message}"

    @classmethod
    def warning(cls, source: Source | None, message: str) -> Problem:
        return cls(source, message, WARNING)


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

    def warn(self, source: Source | None, message: str) -> None:
        self.items.append(Problem.warning(source, message))

    def extend(self, error: UserError) -> None:
        self.items.extend(error.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def raise_if_any(self) -> None:
        """Raise the errors, if there are any (warnings stay with the caller)."""
        errors = self.errors
        if errors:
            raise UserError(errors)


_FOR_CLUSTER = re.compile(r"for cluster ([a-z0-9][-a-z0-9.]*)")


def grouped_by_cluster(problems: Iterable[Problem]) -> list[Problem]:
    """One message per problem: the same problem on several clusters (an override rule that
    fails on each) becomes one line naming them all, where the first stood."""
    grouped: dict[tuple[Source | None, str, str], list[str]] = {}
    order: list[tuple[Source | None, str, str]] = []
    for problem in problems:
        found = list(_FOR_CLUSTER.finditer(problem.message))
        if len(found) != 1:
            key = (problem.source, problem.severity, problem.message)
            cluster = ""
        else:
            match = found[0]
            key = (
                problem.source,
                problem.severity,
                problem.message[: match.start()] + "\0" + problem.message[match.end() :],
            )
            cluster = match.group(1)
        if key not in grouped:
            grouped[key] = []
            order.append(key)
        if cluster and cluster not in grouped[key]:
            grouped[key].append(cluster)
    result = []
    for key in order:
        source, severity, message = key
        clusters = grouped[key]
        if "\0" in message:
            noun = "cluster" if len(clusters) == 1 else "clusters"
            message = message.replace("\0", f"for {noun} {', '.join(clusters)}")
        result.append(Problem(source, message, severity))
    return result
