"""The gates between waves, each judged purely from what it is given: a verdict says
whether it holds now, and why, in a sentence.

- soak: the time since the previous wave was promoted (the commit time of its promotion)
  is at least the soak.
- approval: `auto` lets any advance promote (a scheduled job too); `manual` only an
  explicit advance of this rollout, which is the approval itself.
- healthy: every cluster of the promoted waves is current (runs the commit that last
  changed its folder) and healthy, as `hubless status` judges them. No status at all, or
  none for a cluster, and the gate does not hold.

`force` skips soak and health, never manual approval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hubless.model import MANUAL, RolloutGates
from hubless.status.clusters import ClusterState
from hubless.status.durations import spell_duration
from hubless.status.health import Health

SOAK, APPROVAL, HEALTHY = "soak", "approval", "healthy"


@dataclass(frozen=True)
class Verdict:
    gate: str  # soak, approval or healthy
    holds: bool
    reason: str


def _moment(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def soak_gate(
    soak: timedelta | None, wave: str, promoted_at: datetime | None, now: datetime
) -> Verdict:
    """Whether `soak` has passed since wave `wave` was promoted at `promoted_at`."""
    if soak is None:
        return Verdict(SOAK, True, "no soak is set")
    if promoted_at is None:
        return Verdict(
            SOAK,
            False,
            f"the promotion of wave {wave!r} is not committed yet; the soak of "
            f"{spell_duration(soak)} counts from that commit",
        )
    elapsed = now - promoted_at
    since = f"wave {wave!r} was promoted at {_moment(promoted_at)}"
    if elapsed >= soak:
        return Verdict(
            SOAK,
            True,
            f"{since}, {spell_duration(elapsed)} ago; the soak is {spell_duration(soak)}",
        )
    left = soak - elapsed
    ago = spell_duration(elapsed) if elapsed >= timedelta(seconds=1) else "0s"
    return Verdict(
        SOAK,
        False,
        f"{since}, {ago} ago; the soak is {spell_duration(soak)}, {spell_duration(left)} to go",
    )


def approval_gate(approval: str, explicit: bool) -> Verdict:
    """`explicit`: this rollout was named on the command line (not advanced with others)."""
    if approval != MANUAL:
        return Verdict(APPROVAL, True, "approval is auto")
    if explicit:
        return Verdict(APPROVAL, True, "approval is manual, and this advance names the rollout")
    return Verdict(
        APPROVAL,
        False,
        "approval is manual: only `hubless rollout advance` naming this rollout promotes it",
    )


def _unhealthy(cluster: str, state: ClusterState | None) -> str | None:
    """Why the cluster does not pass, or None when it is current and healthy."""
    if state is None:
        return f"{cluster} reports no status"
    if not state.current:
        return f"{cluster} is {state.state} ({state.detail})"
    if state.health is not Health.HEALTHY:
        return f"{cluster} is {state.health.value} ({state.health_detail})"
    return None


def healthy_gate(
    required: bool, clusters: Sequence[str], states: Mapping[str, ClusterState] | None
) -> Verdict:
    """Whether every one of `clusters` (the promoted waves') is current and healthy."""
    if not required:
        return Verdict(HEALTHY, True, "no health check is set")
    if states is None:
        return Verdict(
            HEALTHY,
            False,
            "no cluster status is available (hubless status reads it), so the health of the "
            "promoted waves is not known",
        )
    if not clusters:
        return Verdict(HEALTHY, True, "no cluster has been promoted yet")
    failing = [reason for c in sorted(clusters) if (reason := _unhealthy(c, states.get(c)))]
    if failing:
        return Verdict(HEALTHY, False, "; ".join(failing))
    noun = "cluster" if len(clusters) == 1 else "clusters"
    return Verdict(HEALTHY, True, f"{noun} {', '.join(sorted(clusters))} current and healthy")


def _forced(verdict: Verdict) -> Verdict:
    if verdict.holds:
        return verdict
    return Verdict(verdict.gate, True, f"skipped by --force ({verdict.reason})")


def check_gates(
    gates: RolloutGates,
    *,
    previous_wave: str,
    promoted_at: datetime | None,
    promoted_clusters: Sequence[str],
    states: Mapping[str, ClusterState] | None,
    now: datetime,
    explicit: bool,
    force: bool = False,
) -> tuple[Verdict, ...]:
    """Every gate's verdict before the next wave (or batch) after `previous_wave`, in the
    order soak, approval, healthy."""
    soak = soak_gate(gates.soak, previous_wave, promoted_at, now)
    healthy = healthy_gate(gates.healthy, promoted_clusters, states)
    if force:
        soak, healthy = _forced(soak), _forced(healthy)
    return (soak, approval_gate(gates.approval, explicit), healthy)
