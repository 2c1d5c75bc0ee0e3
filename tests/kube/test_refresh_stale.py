"""render and validate warn about Cluster statuses that no refresh has written lately."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hubless.commands.render import render
from hubless.commands.validate import validate
from tests.conftest import cluster_yaml, run_hubless, write_tree

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
RECORD = """\
  - type: hubless.io/LastRefresh
    status: 'True'
    reason: ClusterReady
    message: observed 1 time in a row
    lastTransitionTime: '{at}'
"""


def _refreshed(name: str, at: str) -> str:
    text = cluster_yaml(name)
    marker = "    status: 'True'\n"
    head, _, tail = text.rpartition(marker)  # after the last condition
    return head + marker + RECORD.format(at=at) + tail


def _fleet(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": "\n---\n".join(
                [
                    _refreshed("east", "2026-03-05T06:00:00Z"),
                    _refreshed("west", "2026-03-02T12:00:00Z"),
                    cluster_yaml("north"),
                ]
            ),
            "templates/.keep": "",
        },
    )
    return tmp_path


def _line_of(repo: Path, name: str) -> int:
    lines = (repo / "policies/clusters.yaml").read_text().splitlines()
    return lines.index(f"  name: {name}") - 2  # the document starts at apiVersion


def _stale(repo: Path) -> list[str]:
    option = (
        "longer ago than --cluster-status-max-age 1d: placement uses what it says "
        "(run hubless clusters refresh)"
    )
    # In the inventory's order (by name); east was refreshed 6 hours before NOW.
    return [
        f"policies/clusters.yaml:{_line_of(repo, 'north')}: warning: cluster north: status was "
        f"never refreshed, {option}",
        f"policies/clusters.yaml:{_line_of(repo, 'west')}: warning: cluster west: status was "
        f"last refreshed at 2026-03-02T12:00:00Z, {option}",
    ]


@pytest.mark.parametrize("command", ["render", "validate"])
def test_stale_statuses_are_warned_on_every_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    repo = _fleet(tmp_path)
    max_age = (timedelta(days=1), "--cluster-status-max-age 1d")
    runs: list[Any] = [
        lambda: render(repo, check=False, max_age=max_age, now=NOW),
        lambda: render(repo, check=False, max_age=max_age, now=NOW),  # nothing to do
        lambda: render(repo, check=True, max_age=max_age, now=NOW),
    ]
    if command == "validate":
        runs = [lambda: validate(repo, kube_version_default=None, max_age=max_age, now=NOW)]
    for run in runs:
        assert run() == 0
        err = capsys.readouterr().err.splitlines()
        assert [line for line in err if "refreshed" in line] == _stale(repo)
    # Without the option, nothing is said about it.
    render(repo, check=True)
    assert "refreshed" not in capsys.readouterr().err


def test_a_wrong_duration_is_an_error(tmp_path: Path) -> None:
    repo = _fleet(tmp_path)
    done = run_hubless("render", "--cluster-status-max-age", "1 week", cwd=repo)
    assert (done.returncode, done.stderr) == (
        1,
        "error: --cluster-status-max-age: '1 week' is not a duration like 90s, 30m, 2h, 1d "
        "or 1h30m\n",
    )
