"""The rollout state file beside the placement record: its bytes, reading it back from the
work tree or a revision, and located errors for a broken one; and the git facts a rollout
reads (when a path last changed, a file at a revision)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hubless.build.state.rollouts import (
    Promotion,
    RolloutState,
    RolloutStates,
    read_rollouts,
    rollouts_at,
    write_rollouts,
)
from hubless.errors import UserError
from hubless.git import committed_bytes, last_change_time
from tests.rollout.fleet import commit, git

WHERE = "rendered/.hubless/rollouts.json"
BASE = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "ab" * 32

STATES = RolloutStates(
    {
        "web": RolloutState(
            "web",
            BASE,
            DIGEST,
            (Promotion("canary", 1, ("edge-1",)), Promotion("eu", 1, ("eu-a", "eu-b"))),
        ),
        "api": RolloutState("api", BASE, DIGEST),
    }
)

TEXT = f"""{{
  "apiVersion": "hubless.io/v1alpha1",
  "rollouts": [
    {{
      "name": "api",
      "baseRevision": "{BASE}",
      "targetDigest": "{DIGEST}",
      "promoted": []
    }},
    {{
      "name": "web",
      "baseRevision": "{BASE}",
      "targetDigest": "{DIGEST}",
      "promoted": [
        {{
          "wave": "canary",
          "batches": 1,
          "clusters": [
            "edge-1"
          ]
        }},
        {{
          "wave": "eu",
          "batches": 1,
          "clusters": [
            "eu-a",
            "eu-b"
          ]
        }}
      ]
    }}
  ]
}}
"""


def test_the_state_file_is_written_in_name_order_and_read_back(tmp_path: Path) -> None:
    assert STATES.text() == TEXT
    write_rollouts(tmp_path, STATES)
    assert (tmp_path / WHERE).read_bytes() == TEXT.encode()
    assert read_rollouts(tmp_path) == STATES
    assert STATES.rollouts["web"].promoted_clusters == {"edge-1", "eu-a", "eu-b"}


def test_no_rollout_under_way_leaves_no_file(tmp_path: Path) -> None:
    write_rollouts(tmp_path, STATES)
    write_rollouts(tmp_path, RolloutStates({}))
    assert not (tmp_path / WHERE).exists()
    assert (tmp_path / "rendered/.hubless").is_dir()
    assert read_rollouts(tmp_path) == RolloutStates({}, f"HEAD:{WHERE}")


def test_states_and_promotion_times_come_fromgit(tmp_path: Path) -> None:
    repo = tmp_path
    git(repo, "init", "-q")
    (repo / "README.md").write_text("fleet\n")
    commit(repo, "start", "2026-03-01T09:00:00Z")
    assert last_change_time(repo, WHERE) is None
    assert rollouts_at(repo, "HEAD") == RolloutStates({})
    one = RolloutStates({"web": STATES.rollouts["web"]})
    write_rollouts(repo, one)
    first = commit(repo, "canary and eu", "2026-03-01T10:00:00Z")
    (repo / "README.md").write_text("fleet, edited\n")  # a later commit not touching it
    commit(repo, "docs", "2026-03-01T11:30:00Z")
    assert last_change_time(repo, WHERE) == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert committed_bytes(repo, WHERE, first) == one.text().encode()
    assert committed_bytes(repo, "README.md", first) == b"fleet\n"
    assert committed_bytes(repo, "README.md") == b"fleet, edited\n"
    assert committed_bytes(repo, "missing.txt") is None
    assert committed_bytes(repo, "README.md", "no-such-revision") is None
    # the work tree's file is what a render sees; without one, the committed one
    write_rollouts(repo, STATES)
    assert read_rollouts(repo) == STATES
    (repo / WHERE).unlink()
    assert read_rollouts(repo) == RolloutStates(one.rollouts, f"HEAD:{WHERE}")
    assert rollouts_at(repo, first) == one
    write_rollouts(repo, RolloutStates({}))
    commit(repo, "web complete", "2026-03-02T08:15:00Z")
    assert last_change_time(repo, WHERE) == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert rollouts_at(repo, "HEAD") == RolloutStates({})


def _broken(old: str, new: str) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, 1)


BROKEN = {
    "not JSON": ('"promoted": []', '"promoted": [}', 8, "invalid YAML"),
    "another file": (
        '"apiVersion": "hubless.io/v1alpha1"',
        '"apiVersion": "v1"',
        2,
        "apiVersion: must be hubless.io/v1alpha1",
    ),
    "an unknown field": (
        '"promoted": []',
        '"promoted": [], "started": 1',
        8,
        "rollouts[0].started: unknown field; known fields: baseRevision, name, promoted, "
        "targetDigest",
    ),
    "a missing digest": (
        f'"targetDigest": "{DIGEST}",\n      "promoted": []',
        '"promoted": []',
        5,
        "rollouts[0]: missing required field 'targetDigest'",
    ),
    "no batch": (
        '"batches": 1',
        '"batches": 0',
        17,
        "rollouts[1].promoted[0].batches: must be 1 or more",
    ),
    "clusters not names": (
        '"edge-1"',
        "7",
        19,
        "rollouts[1].promoted[0].clusters[0]: must be a string",
    ),
    "a rollout twice": (
        '"name": "api"',
        '"name": "web"',
        11,
        "rollouts[1].name: rollout 'web' is listed twice",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_state_file_is_an_error_at_its_line(tmp_path: Path, case: str) -> None:
    old, new, line, message = BROKEN[case]
    path = tmp_path / WHERE
    path.parent.mkdir(parents=True)
    path.write_text(_broken(old, new))
    with pytest.raises(UserError) as caught:
        read_rollouts(tmp_path)
    (problem,) = caught.value.problems
    shown = str(problem)
    expected = f"{WHERE}:{line}: error: {message}"
    assert (shown[: len(expected)] if case == "not JSON" else shown) == expected
