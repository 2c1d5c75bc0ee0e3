"""Cluster failover: Karmada's taint manager evicting from NoExecute-tainted clusters.

Karmada's taint manager (pkg/controllers/cluster/taint_manager.go) evicts a binding from a
cluster whose NoExecute taints its placement's clusterTolerations do not all tolerate, at
once, or, when each is tolerated, at the earliest `timeAdded + tolerationSeconds` of the
tolerations used; a toleration without tolerationSeconds tolerates forever. The eviction
opens a graceful eviction task that keeps the cluster out of scheduling (the
ClusterEviction filter) and, with purgeMode Gracefully, keeps the old copy there until
the task ends, `--graceful-eviction-timeout` after it began.

A render has no clock: its "now" is the latest time the Cluster objects record (a
`hubless clusters refresh` stamp or a NoExecute taint's timeAdded), so the same sources
always decide the same, and time moves when a refresh is committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hubless.model import Cluster, FeatureGates, PropagationPolicy, Taint, Toleration
from hubless.selectors import tolerates

DIRECTLY = "Directly"
GRACEFULLY = "Gracefully"
NO_EXECUTE = "NoExecute"


def has_no_execute(cluster: Cluster) -> bool:
    return any(t.effect == NO_EXECUTE for t in cluster.taints)


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 time as Kubernetes writes it, in UTC; None when it is not one."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def fleet_now(clusters: Iterable[Cluster]) -> datetime | None:
    """The render's now: the latest refresh or NoExecute taint time of any Cluster."""
    times: list[datetime] = []
    for cluster in clusters:
        stamps = [cluster.refreshed_at]
        stamps.extend(t.time_added for t in cluster.taints if t.effect == NO_EXECUTE)
        times.extend(t for t in (parse_time(s) for s in stamps if s) if t is not None)
    return max(times, default=None)


@dataclass(frozen=True)
class Eviction:
    """When the taint manager evicts a binding from one cluster, and why."""

    cluster: str
    at: datetime | None  # None: no time is known (no refresh, no timeAdded)
    why: str

    def ends(self, timeout_seconds: int) -> datetime | None:
        """When its graceful eviction task times out."""
        return None if self.at is None else self.at + timedelta(seconds=timeout_seconds)


def _taint(taint: Taint) -> str:
    value = f"={taint.value}" if taint.value else ""
    return f"{taint.key}{value}:{taint.effect}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def eviction(
    cluster: Cluster, tolerations: Sequence[Toleration], now: datetime | None
) -> Eviction | None:
    """Karmada's needEviction for one binding and cluster, at `now` (None: no time known,
    so no toleration has run out)."""
    taints = [t for t in cluster.taints if t.effect == NO_EXECUTE]
    if not taints:
        return None
    used: list[Toleration] = []
    for taint in taints:
        # GetMatchingTolerations: the first toleration that tolerates each taint
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            # evicted when the taint came; without its time, now
            at = parse_time(taint.time_added) or now
            return Eviction(cluster.name, at, f"taint {_taint(taint)} is not tolerated")
        used.append(match)
    triggers = []
    for toleration in used:
        if toleration.seconds is None:
            continue
        for taint in taints:
            added = parse_time(taint.time_added)
            if added is not None and tolerates(toleration, taint):
                when = added + timedelta(seconds=toleration.seconds)
                triggers.append((when, taint, toleration.seconds))
    if not triggers:
        return None  # every taint tolerated forever
    when, taint, seconds = min(triggers, key=lambda t: t[0])
    if now is None or when > now:
        return None
    return Eviction(
        cluster.name,
        when,
        f"taint {_taint(taint)} was tolerated for {seconds}s from {taint.time_added}",
    )


def purge_mode(policy: PropagationPolicy, gates: FeatureGates) -> str:
    """Karmada's getPurgeMode: the policy's failover.cluster, else the controller's flag."""
    return policy.cluster_purge_mode or gates.eviction_purge_mode


def evictions(
    policy: PropagationPolicy,
    clusters: Iterable[Cluster],
    gates: FeatureGates,
    now: datetime | None,
) -> dict[str, Eviction]:
    """The clusters the taint manager evicts what `policy` places, by name."""
    if not gates.taint_eviction:
        return {}
    tolerations = policy.placement.cluster_tolerations
    found = {}
    for cluster in clusters:
        evicted = eviction(cluster, tolerations, now)
        if evicted is not None:
            found[cluster.name] = evicted
    return found


def graceful(evicted: Eviction, gates: FeatureGates, now: datetime | None) -> bool:
    """Whether a Gracefully purged eviction still keeps the old copy at `now`: its task
    lives until now is after its start plus the timeout (assessEvictionTasks)."""
    ends = evicted.ends(gates.graceful_eviction_seconds)
    return ends is None or now is None or not now > ends


def describe(evicted: Eviction, mode: str, gates: FeatureGates, now: datetime | None) -> str:
    """What explain and the filter say of an eviction."""
    text = f"the taint manager evicts it: {evicted.why}"
    if mode != GRACEFULLY:
        return f"{text}; purgeMode {mode} removes it there at once"
    ends = evicted.ends(gates.graceful_eviction_seconds)
    if ends is not None and now is not None and now > ends:
        return f"{text}; purgeMode Gracefully kept it there until {_stamp(ends)}"
    until = f"until {_stamp(ends)}" if ends is not None else "until a Cluster records a time"
    return f"{text}; purgeMode Gracefully keeps it there {until}"
