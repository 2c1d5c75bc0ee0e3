"""Each cluster's state: does it run what rendered/<cluster>/ says it should, and is it healthy?

`cluster_states` is the one judgement; `hubless status` prints it, and a rollout gate reads
it (`ClusterState.current`, `ClusterState.healthy`). It is pure: the expected objects and
revisions, the reports and `now` come in, nothing is read.

- **unknown**: nothing reports the cluster, its ClusterReport says it could not be read,
  the report is older than `max_age`, or only live objects report it (they do not say which
  commit runs).
- **failed**: an Application or Kustomization deploying its folder failed (its message).
- **behind**: one runs a commit that is not the last commit that changed the folder, nor a
  descendant of it (or one the local repository does not have).
- **current** otherwise.

Health is Karmada's three values: Unhealthy when an agent or a live object says so, or an
object of the folder is missing; Unknown when an agent says it is still progressing, or
nothing says anything; else Healthy.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hubless.errors import Problem
from hubless.interpreter.interpreters import Interpreters
from hubless.model import ResourceKey
from hubless.repository import RENDERED_DIR
from hubless.status.agents import AgentReport, owners
from hubless.status.durations import spell_duration
from hubless.status.health import Health, Replicas, replica_counts
from hubless.status.inputs import Inputs, LiveObject
from hubless.status.interpreting import judge_health
from hubless.status.report_file import ClusterReport
from hubless.status.revisions import Ancestry, judge

CURRENT, BEHIND, FAILED, UNKNOWN = "current", "behind", "failed", "unknown"


@dataclass(frozen=True)
class Expected:
    """What one cluster should run: the last commit that changed its folder, its objects."""

    should_run: str | None
    objects: tuple[ResourceKey, ...]


@dataclass(frozen=True)
class ObjectState:
    """One object of the folder on the cluster, as far as the reports tell."""

    missing: bool | None  # None: nothing says
    out_of_sync: bool
    health: Health
    replicas: Replicas | None  # a workload's, from its live object
    body: Mapping[str, Any] | None = None  # the live object, when one was read
    judged_by: str | None = None  # the customization whose script judged its health
    problems: tuple[Problem, ...] = ()  # a script that failed on it


@dataclass(frozen=True)
class ClusterState:
    cluster: str
    state: str  # current | behind | failed | unknown
    detail: str  # why, for every state but current
    should_run: str | None
    runs: str | None  # the commit reported (the first agent's, when several)
    synced: bool | None
    health: Health
    health_detail: str
    reported_at: datetime | None
    reported_by: tuple[str, ...]  # each agent or report, with its file:line
    missing: tuple[ResourceKey, ...] = ()
    extra: tuple[ResourceKey, ...] = ()
    out_of_sync: tuple[ResourceKey, ...] = ()
    objects: Mapping[ResourceKey, ObjectState] = field(default_factory=dict)

    @property
    def current(self) -> bool:
        return self.state == CURRENT

    @property
    def healthy(self) -> bool:
        """Current and healthy: what a health gate waits for."""
        return self.current and self.health is Health.HEALTHY

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The scripts that failed on its live objects."""
        return tuple(p for state in self.objects.values() for p in state.problems)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _revision_state(
    agents: Sequence[tuple[AgentReport, str | None]],
    should_run: str | None,
    ancestry: Ancestry,
) -> tuple[str, str]:
    failed = [f"{agent.what}: {agent.failed}" for agent, _ in agents if agent.failed]
    if failed:
        return FAILED, "; ".join(failed)
    verdicts = []
    for agent, runs in agents:
        if runs is None:
            verdicts.append((UNKNOWN, f"{agent.what} reports no revision"))
        elif should_run is None:
            verdicts.append((UNKNOWN, "its folder was never committed"))
        else:
            verdict = judge(runs, should_run, ancestry)
            verdicts.append((CURRENT, "") if verdict.current else (BEHIND, verdict.detail))
    for wanted in (BEHIND, UNKNOWN):
        details = [detail for state, detail in verdicts if state == wanted]
        if details:
            return wanted, "; ".join(dict.fromkeys(details))
    return CURRENT, ""


def _objects(
    cluster: str,
    expected: Expected,
    agents: Sequence[AgentReport],
    live: Sequence[LiveObject],
    interpreters: Interpreters,
) -> tuple[dict[ResourceKey, ObjectState], tuple[ResourceKey, ...]]:
    by_key = {item.key: item.body for item in live}
    live_kinds = {(key.group, key.kind) for key in by_key}
    listed = [
        ({reported.key: reported for reported in agent.objects}, agent.what)
        for agent in agents
        if agent.objects is not None
    ]
    wanted = set(expected.objects)
    extra = sorted(
        {
            reported.key
            for objects, _ in listed
            for reported in objects.values()
            if reported.key not in wanted or reported.prune
        }
    )
    states = {}
    for key in expected.objects:
        missing: bool | None = None
        out_of_sync = False
        health = Health.UNKNOWN
        replicas = None
        judged_by = None
        problems: tuple[Problem, ...] = ()
        for objects, _ in listed:
            reported = objects.get(key)
            missing = missing or reported is None or reported.missing
            if reported is not None:
                out_of_sync = out_of_sync or reported.out_of_sync
                if reported.health is not None:
                    health = reported.health
        body = by_key.get(key)
        if body is not None:
            judged = judge_health(interpreters, body, f"{key} on {cluster}")
            health, judged_by, problems = judged.health, judged.by, judged.problems
            replicas = replica_counts(body)
            missing = False if missing is None else missing
        elif (key.group, key.kind) in live_kinds:
            # Its kind was read from the cluster, and it was not among them.
            missing = True
        if missing:
            health = Health.UNHEALTHY
        states[key] = ObjectState(
            missing, out_of_sync and not missing, health, replicas, body, judged_by, problems
        )
    return states, tuple(extra)


def _health(
    agents: Sequence[AgentReport],
    objects: Mapping[ResourceKey, ObjectState],
    live: set[ResourceKey],
) -> tuple[Health, str]:
    missing = [key for key, state in objects.items() if state.missing]
    for agent in agents:
        if agent.health is Health.UNHEALTHY:
            return Health.UNHEALTHY, f"{agent.what}: {agent.health_detail}"
    if missing:
        noun = "object" if len(missing) == 1 else "objects"
        return Health.UNHEALTHY, f"{len(missing)} {noun} missing"
    unhealthy = [key for key in sorted(live) if objects[key].health is Health.UNHEALTHY]
    if unhealthy:
        return Health.UNHEALTHY, f"{unhealthy[0]} is not healthy"
    for agent in agents:
        if agent.health is Health.UNKNOWN:
            return Health.UNKNOWN, f"{agent.what}: {agent.health_detail}"
    said = [agent.health for agent in agents if agent.health is not None]
    said += [objects[key].health for key in live]
    if Health.HEALTHY in said:
        return Health.HEALTHY, ""
    return Health.UNKNOWN, "nothing reports its health"


def _one(
    cluster: str,
    expected: Expected,
    agents: Sequence[tuple[AgentReport, str | None]],
    live: Sequence[LiveObject],
    reports: Sequence[ClusterReport],
    ancestry: Ancestry,
    now: datetime,
    max_age: timedelta | None,
    rendered_dir: str,
    interpreters: Interpreters,
) -> ClusterState:
    agent_reports = [agent for agent, _ in agents]
    reported_by = tuple(
        [f"ClusterReport {r.cluster} ({r.source})" for r in reports]
        + [str(a) for a in agent_reports]
    )
    unreadable = [r.error for r in reports if r.error]
    if reports:
        reported_at: datetime | None = max(r.collected_at for r in reports)
    else:
        # The oldest agent's own look: the cluster is as old as its stalest report.
        times = [a.observed_at for a in agent_reports if a.observed_at is not None]
        reported_at = min(times) if times else None
    objects, extra = _objects(cluster, expected, agent_reports, live, interpreters)
    live_keys = {item.key for item in live} & set(objects)
    health, health_detail = _health(agent_reports, objects, live_keys)
    synced_words = [agent.synced for agent in agent_reports]
    synced = (
        False
        if False in synced_words
        else (True if synced_words and None not in synced_words else None)
    )
    runs = next((revision for _, revision in agents if revision), None)

    if not agents and not live and not reports:
        state, detail = UNKNOWN, "no report"
        health, health_detail = Health.UNKNOWN, "no report"
    elif unreadable and not agents and not live:
        state, detail = UNKNOWN, f"cannot be read: {unreadable[0]}"
        health, health_detail = Health.UNKNOWN, "cannot be read"
    elif not agents:
        state = UNKNOWN
        detail = f"no Argo CD Application or Flux Kustomization reports {rendered_dir}"
    else:
        state, detail = _revision_state(agents, expected.should_run, ancestry)
    if max_age is not None and state != UNKNOWN:
        if reported_at is None:
            state, detail = UNKNOWN, "the report has no time, so its age is unknown"
        elif now - reported_at > max_age:
            state = UNKNOWN
            detail = f"report from {_z(reported_at)}, older than {spell_duration(max_age)}"
    return ClusterState(
        cluster=cluster,
        state=state,
        detail=detail,
        should_run=expected.should_run,
        runs=runs,
        synced=synced,
        health=health,
        health_detail=health_detail,
        reported_at=reported_at,
        reported_by=reported_by,
        missing=tuple(key for key, o in objects.items() if o.missing),
        extra=extra,
        out_of_sync=tuple(key for key, o in objects.items() if o.out_of_sync),
        objects=objects,
    )


def cluster_states(
    expected: Mapping[str, Expected],
    inputs: Inputs,
    ancestry: Ancestry,
    now: datetime,
    *,
    max_age: timedelta | None = None,
    prefix: str = "",
    interpreters: Interpreters | None = None,
) -> dict[str, ClusterState]:
    """Every cluster of `expected` judged from `inputs`, by cluster name.

    `prefix` is the fleet repository's folder inside its git repository ('' at the top):
    agents name their folder from the top of the git repository. `interpreters` judge
    live objects' health (the built-in ones alone when not given)."""
    interpreters = Interpreters() if interpreters is None else interpreters
    clusters: Collection[str] = expected.keys()
    agents: dict[str, list[tuple[AgentReport, str | None]]] = {c: [] for c in clusters}
    for agent in inputs.agents:
        for cluster in owners(agent, prefix, clusters):
            folder = f"{prefix}{RENDERED_DIR}/{cluster}"
            for name, runs in agent.folders:
                if name == folder:
                    agents[cluster].append((agent, runs))
    live: dict[str, list[LiveObject]] = {c: [] for c in clusters}
    for item in inputs.live:
        live.setdefault(item.cluster, []).append(item)
    states = {}
    for cluster in sorted(clusters):
        states[cluster] = _one(
            cluster,
            expected[cluster],
            agents[cluster],
            live[cluster],
            [report for report in inputs.reports if report.cluster == cluster],
            ancestry,
            now,
            max_age,
            f"{prefix}{RENDERED_DIR}/{cluster}",
            interpreters,
        )
    return states
