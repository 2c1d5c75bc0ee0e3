"""The commit inside a revision as Argo CD and Flux report it, and the ancestry verdict."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import pytest

from hubless.status.durations import parse_duration, spell_duration
from hubless.status.revisions import commit_of, judge

SHA = "5394cb7f48332b2de7c17dd8b8384bbc84b7e738"


@pytest.mark.parametrize(
    ("reported", "commit"),
    [
        # source-controller's revision format (RFC-0005): <ref>@<algorithm>:<checksum>
        (f"main@sha1:{SHA}", SHA),
        (f"refs/heads/main@sha1:{SHA}", SHA),
        (f"v1.0.0@sha1:{SHA}", SHA),
        (f"sha1:{SHA}", SHA),
        # before Flux 2.0: <branch>/<commit>, HEAD/<commit> for a pinned commit
        (f"main/{SHA}", SHA),
        (f"HEAD/{SHA}", SHA),
        # Argo CD: the commit itself
        (SHA, SHA),
        # nothing to tell: kept as given
        ("6.5.0", "6.5.0"),
    ],
)
def test_commit_of(reported: str, commit: str) -> None:
    assert commit_of(reported) == commit


class _Line:
    """A history A <- B <- C; X is not in it."""

    order: ClassVar[list[str]] = ["a" * 40, "b" * 40, "c" * 40]

    def resolve(self, revision: str) -> str | None:
        return revision if revision in self.order else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.order.index(ancestor) <= self.order.index(descendant)


def test_current_means_the_commit_or_a_descendant() -> None:
    a, b, c = _Line.order
    assert judge(b, b, _Line()).current
    assert judge(c, b, _Line()).current
    assert judge(a, b, _Line()).detail == "runs aaaaaaa, should run bbbbbbb"
    assert judge("f" * 40, b, _Line()).detail == "runs fffffff, unknown here: fetch?"


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(spell_duration(timedelta(seconds=seconds))) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "m", "1.5h", "-1m", "1w", "0s"])
def test_not_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
