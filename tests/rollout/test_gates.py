"""The gates between waves: each verdict, holding or not, with its whole reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hubless.build.state.rollouts import Promotion, RolloutState, RolloutStates, write_rollouts
from hubless.git import last_change_time
from hubless.model import RolloutGates
from hubless.rollout.gates import (
    Verdict,
    approval_gate,
    check_gates,
    healthy_gate,
    soak_gate,
)
from hubless.status.clusters import ClusterState
from hubless.status.health import Health
from tests.rollout.fleet import commit, git
from tests.rollout.test_state import WHERE

PROMOTED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _promoted_ingit(repo: Path) -> datetime | None:
    """A repository whose canary wave was promoted by a commit of 2026-03-01 10:00 UTC."""
    git(repo, "init", "-q")
    state = RolloutState(
        "web", "0" * 40, "sha256:" + "0" * 64, (Promotion("canary", 1, ("edge-1",)),)
    )
    write_rollouts(repo, RolloutStates({"web": state}))
    commit(repo, "web: promote canary", "2026-03-01T10:00:00Z")
    return last_change_time(repo, WHERE)


def test_soak_counts_from_the_commit_that_promoted_the_previous_wave(tmp_path: Path) -> None:
    promoted_at = _promoted_ingit(tmp_path)
    soak = timedelta(minutes=30)
    assert soak_gate(soak, "canary", promoted_at, PROMOTED + timedelta(minutes=10)) == Verdict(
        "soak",
        False,
        "wave 'canary' was promoted at 2026-03-01T10:00:00Z, 10m ago; the soak is 30m, 20m to go",
    )
    assert soak_gate(soak, "canary", promoted_at, PROMOTED + timedelta(minutes=30)) == Verdict(
        "soak", True, "wave 'canary' was promoted at 2026-03-01T10:00:00Z, 30m ago; the soak is 30m"
    )
    assert soak_gate(
        soak, "canary", promoted_at, PROMOTED + timedelta(hours=2, seconds=5)
    ) == Verdict(
        "soak",
        True,
        "wave 'canary' was promoted at 2026-03-01T10:00:00Z, 2h5s ago; the soak is 30m",
    )


def test_soak_does_not_hold_before_the_promotion_is_committed() -> None:
    assert soak_gate(timedelta(hours=1), "canary", None, PROMOTED) == Verdict(
        "soak",
        False,
        "the promotion of wave 'canary' is not committed yet; the soak of 1h counts from that "
        "commit",
    )
    assert soak_gate(None, "canary", None, PROMOTED) == Verdict("soak", True, "no soak is set")


def test_manual_approval_holds_only_for_an_advance_naming_the_rollout() -> None:
    assert approval_gate("manual", explicit=True) == Verdict(
        "approval", True, "approval is manual, and this advance names the rollout"
    )
    assert approval_gate("manual", explicit=False) == Verdict(
        "approval",
        False,
        "approval is manual: only `hubless rollout advance` naming this rollout promotes it",
    )
    assert approval_gate("auto", explicit=False) == Verdict("approval", True, "approval is auto")


def _state(
    cluster: str, state: str = "current", health: Health = Health.HEALTHY, detail: str = ""
) -> ClusterState:
    return ClusterState(
        cluster=cluster,
        state=state,
        detail=detail,
        should_run="a" * 40,
        runs="a" * 40,
        synced=True,
        health=health,
        health_detail="" if health is Health.HEALTHY else "Deployment/shop/web is Progressing",
        reported_at=PROMOTED,
        reported_by=("status/edge-1.json:1",),
    )


def test_healthy_needs_every_promoted_cluster_current_and_healthy() -> None:
    states = {
        "edge-1": _state("edge-1"),
        "eu-a": _state("eu-a"),
        "eu-b": _state("eu-b", health=Health.UNKNOWN),
        "eu-c": _state("eu-c", state="behind", detail="runs bbbbbbb, not aaaaaaa or later"),
    }
    assert healthy_gate(True, ["eu-a", "edge-1"], states) == Verdict(
        "healthy", True, "clusters edge-1, eu-a current and healthy"
    )
    assert healthy_gate(True, ["edge-1"], states) == Verdict(
        "healthy", True, "cluster edge-1 current and healthy"
    )
    assert healthy_gate(True, ["edge-1", "eu-b", "eu-c", "us-1"], states) == Verdict(
        "healthy",
        False,
        "eu-b is Unknown (Deployment/shop/web is Progressing); eu-c is behind (runs bbbbbbb, "
        "not aaaaaaa or later); us-1 reports no status",
    )


def test_healthy_without_any_status_does_not_hold_and_says_so() -> None:
    assert healthy_gate(True, ["edge-1"], None) == Verdict(
        "healthy",
        False,
        "no cluster status is available (hubless status reads it), so the health of the "
        "promoted waves is not known",
    )
    assert healthy_gate(False, ["edge-1"], None) == Verdict(
        "healthy", True, "no health check is set"
    )


def test_force_skips_soak_and_health_but_never_manual_approval() -> None:
    gates = RolloutGates(soak=timedelta(minutes=30), approval="manual", healthy=True)
    verdicts = check_gates(
        gates,
        previous_wave="canary",
        promoted_at=PROMOTED,
        promoted_clusters=["edge-1"],
        states=None,
        now=PROMOTED + timedelta(minutes=5),
        explicit=False,
        force=True,
    )
    assert verdicts == (
        Verdict(
            "soak",
            True,
            "skipped by --force (wave 'canary' was promoted at 2026-03-01T10:00:00Z, 5m ago; "
            "the soak is 30m, 25m to go)",
        ),
        Verdict(
            "approval",
            False,
            "approval is manual: only `hubless rollout advance` naming this rollout promotes it",
        ),
        Verdict(
            "healthy",
            True,
            "skipped by --force (no cluster status is available (hubless status reads it), so "
            "the health of the promoted waves is not known)",
        ),
    )
    unforced = check_gates(
        gates,
        previous_wave="canary",
        promoted_at=PROMOTED,
        promoted_clusters=["edge-1"],
        states={"edge-1": _state("edge-1")},
        now=PROMOTED + timedelta(minutes=45),
        explicit=True,
    )
    assert [v.holds for v in unforced] == [True, True, True]
