"""`hubless rollout status|advance|abort` through git: a rollout from its first wave to
completion, batches of maxConcurrency, each gate holding and not, abort back to the base
bytes, a restart when the sources change mid-rollout."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hubless.commands import render as render_command
from hubless.commands import rollout as rollout_command
from hubless.commands import status as status_command
from hubless.errors import UserError
from hubless.status.clusters import ClusterState
from tests.conftest import write_tree
from tests.rollout.fleet import (
    ROLLOUT,
    commit,
    files,
    folders,
    full_render,
    git,
    hubless,
    mixed,
    state,
)
from tests.rollout.test_render import based
from tests.status.test_status_command import application

AUTO = ROLLOUT.replace("approval: manual", "approval: auto")
PROMOTED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def started(repo: Path, rollout: str = ROLLOUT) -> str:
    """A committed base with tag 1.25, then tag 1.26 rendered and committed at PROMOTED."""
    base = based(repo)
    if rollout != ROLLOUT:
        write_tree(repo, files(rollout=rollout))
        assert hubless(repo, "render").exit_code == 0
        base = commit(repo, "policy", "2026-03-01T09:30:00Z")
    write_tree(repo, files(tag="1.26", rollout=rollout))
    assert hubless(repo, "render").exit_code == 0
    commit(repo, "tag 1.26", "2026-03-01T10:00:00Z")
    return base


def advanced(repo: Path, *args: str) -> str:
    result = hubless(repo, "rollout", "advance", *args)
    assert result.exit_code == 0, result.output
    assert hubless(repo, "render", "--check").exit_code == 0
    return result.output


def test_three_waves_in_batches_to_completion(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    started(repo)
    new, steps = {"tag": "1.26"}, tmp_path / "expected"
    assert folders(repo) == mixed(steps / "0", new, {}, {"edge-1"})
    out = advanced(repo, "web", "--force", "--commit")
    assert out.splitlines()[0] == "web: promoting wave eu, batch 1 of 2 (eu-a, eu-b)"
    assert folders(repo) == mixed(steps / "1", new, {}, {"edge-1", "eu-a", "eu-b"})
    assert state(repo)["rollouts"][0]["promoted"] == [
        {"wave": "canary", "batches": 1, "clusters": ["edge-1"]},
        {"wave": "eu", "batches": 1, "clusters": ["eu-a", "eu-b"]},
    ]
    out = advanced(repo, "web", "--force", "--commit")
    assert out.splitlines()[0] == "web: promoting wave eu, batch 2 of 2 (eu-c)"
    assert folders(repo) == mixed(steps / "2", new, {}, {"edge-1", "eu-a", "eu-b", "eu-c"})
    out = advanced(repo, "web", "--force", "--commit")
    assert out.splitlines()[0] == "web: promoting wave rest, batch 1 of 1 (us-1, us-2)"
    # Complete: every cluster has the sources' content, and nothing is left behind.
    assert folders(repo) == full_render(steps / "3", **new)
    assert state(repo) is None
    status = hubless(repo, "rollout", "status")
    assert status.output == "no rollout is under way\n"


def test_status_shows_each_cluster_and_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "fleet"
    base = started(repo)
    now = PROMOTED + timedelta(minutes=10)
    result = hubless(repo, "rollout", "status", "--format", "json")
    data = json.loads(result.output)["rollouts"][0]
    assert data["waves"] == [
        {"name": "canary", "clusters": {"edge-1": "updated"}},
        {
            "name": "eu",
            "maxConcurrency": "50%",
            "clusters": {"eu-a": "held", "eu-b": "held", "eu-c": "held"},
        },
        {"name": "rest", "clusters": {"us-1": "held", "us-2": "held"}},
    ]
    assert data["next"] == {"wave": "eu", "batch": 1, "batches": 2, "clusters": ["eu-a", "eu-b"]}
    # NAME given: the gates as `advance web` judges them, at `now`.
    assert rollout_command.status(repo, "web", now=now) == 0
    assert capsys.readouterr().out == (
        f"rollout web (policies/rollout.yaml:1): base {base[:12]}\n"
        "  wave canary: edge-1 updated\n"
        "  wave eu (batches of 50%): eu-a held, eu-b held, eu-c held\n"
        "  wave rest: us-1 held, us-2 held\n"
        "  next: wave eu, batch 1 of 2 (eu-a, eu-b)\n"
        "  soak: does not hold: wave 'canary' was promoted at 2026-03-01T10:00:00Z, 10m ago; "
        "the soak is 30m, 20m to go\n"
        "  approval: holds: approval is manual, and this advance names the rollout\n"
        "  healthy: does not hold: no cluster status is available (hubless status reads it), "
        "so the health of the promoted waves is not known\n"
    )


def _render(repo: Path) -> int:
    return render_command.render(repo, check=False)


def _health(repo: Path, exports: Path) -> dict[str, ClusterState]:
    """The clusters' status as `--status EXPORTS` reads it."""
    return status_command.states_from(repo, (exports,), PROMOTED)


def _refused(repo: Path, now: datetime, health: dict[str, ClusterState] | None = None) -> str:
    with pytest.raises(UserError) as raised:
        rollout_command.advance(repo, "web", render=_render, health=health, now=now)
    return str(raised.value)


def test_soak_counts_from_the_promotion_commit(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    started(repo, ROLLOUT.replace("    healthy: true\n", ""))
    assert _refused(repo, PROMOTED + timedelta(minutes=10)) == (
        "error: rollout web not advanced: soak does not hold: wave 'canary' was promoted at "
        "2026-03-01T10:00:00Z, 10m ago; the soak is 30m, 20m to go"
    )
    assert (
        rollout_command.advance(repo, "web", render=_render, now=PROMOTED + timedelta(minutes=31))
        == 0
    )
    assert state(repo)["rollouts"][0]["promoted"][-1]["clusters"] == ["eu-a", "eu-b"]
    # The promotion is not committed yet: the soak has nothing to count from.
    assert _refused(repo, PROMOTED + timedelta(hours=5)) == (
        "error: rollout web not advanced: soak does not hold: the promotion of wave 'eu' is "
        "not committed yet; the soak of 30m counts from that commit"
    )


def test_healthy_without_and_with_status(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    started(repo, ROLLOUT.replace("    soak: 30m\n", ""))
    assert _refused(repo, PROMOTED) == (
        "error: rollout web not advanced: healthy does not hold: no cluster status is available "
        "(hubless status reads it), so the health of the promoted waves is not known"
    )
    sha = git(repo, "log", "-1", "--format=%H", "--", "rendered/edge-1")
    exports = tmp_path / "status"
    exports.mkdir()
    degraded = application("fleet-edge-1", "rendered/edge-1", sha, health="Degraded")
    (exports / "edge-1.json").write_text(json.dumps(degraded))
    assert _refused(repo, PROMOTED, _health(repo, exports)) == (
        "error: rollout web not advanced: healthy does not hold: edge-1 is Unhealthy "
        "(Application argocd/fleet-edge-1: Degraded)"
    )
    healthy = application("fleet-edge-1", "rendered/edge-1", sha)
    (exports / "edge-1.json").write_text(json.dumps(healthy))
    assert (
        rollout_command.advance(
            repo, "web", render=_render, health=_health(repo, exports), now=PROMOTED
        )
        == 0
    )


def test_all_never_advances_a_manual_rollout(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    started(repo)
    result = hubless(repo, "rollout", "advance", "--all", "--force")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "web: not advanced: approval does not hold: approval is manual: only `hubless rollout "
        "advance` naming this rollout promotes it\nno rollout advanced\n"
    )
    repo = tmp_path / "auto"
    started(repo, AUTO)
    result = hubless(repo, "rollout", "advance", "--all", "--force", "--commit")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "web: promoting wave eu, batch 1 of 2 (eu-a, eu-b)"
    assert folders(repo) == mixed(tmp_path / "e", {"tag": "1.26"}, {}, {"edge-1", "eu-a", "eu-b"})


def test_abort_returns_every_cluster_to_the_base_bytes(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    base = started(repo)
    advanced(repo, "web", "--force", "--commit")
    result = hubless(repo, "rollout", "abort", "web", "--commit")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"aborted rollout web: every cluster has its objects as rendered at {base[:12]}; the "
        "sources still say the new content, so the next change to its objects restarts the "
        "rollout from the first wave"
    )
    assert folders(repo) == mixed(tmp_path / "e", {"tag": "1.26"}, {}, set())
    assert hubless(repo, "render", "--check").exit_code == 0
    # The next change restarts it from the first wave.
    write_tree(repo, files(tag="1.27"))
    assert hubless(repo, "render").exit_code == 0
    assert folders(repo) == mixed(tmp_path / "f", {"tag": "1.27"}, {}, {"edge-1"})


def test_a_change_mid_rollout_restarts_from_the_first_wave(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    base = started(repo)
    advanced(repo, "web", "--force", "--commit")
    write_tree(repo, files(tag="1.27"))
    assert hubless(repo, "render").exit_code == 0
    # edge-1 gets 1.27; eu-a and eu-b keep the 1.26 they have; the rest keep 1.25.
    at_126 = full_render(tmp_path / "126", tag="1.26")
    expected = mixed(tmp_path / "e", {"tag": "1.27"}, {}, {"edge-1"})
    expected.update({p: c for p, c in at_126.items() if p.split("/")[0] in ("eu-a", "eu-b")})
    assert folders(repo) == expected
    assert state(repo)["rollouts"][0]["baseRevision"] == base
    assert state(repo)["rollouts"][0]["promoted"] == [
        {"wave": "canary", "batches": 1, "clusters": ["edge-1"]}
    ]
