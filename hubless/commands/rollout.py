"""`hubless rollout status|advance|abort`: see where each rollout is, promote its next
batch or wave when its gates hold, or send every cluster back to its base content."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hubless import git
from hubless.build.rollouts import next_promotion
from hubless.build.state.rollouts import (
    STATE_PATH,
    Promotion,
    RolloutState,
    RolloutStates,
    read_rollouts,
    write_rollouts,
)
from hubless.errors import UserError
from hubless.load import load_fleet, read_sources
from hubless.model import Fleet, RolloutPolicy
from hubless.repository import RENDERED_DIR
from hubless.rollout.gates import Verdict, check_gates
from hubless.rollout.plan import RolloutPlan, plan_rollout
from hubless.status.clusters import ClusterState


@dataclass(frozen=True)
class Position:
    """One rollout under way: its policy, plan, state, the promotion an advance makes, and
    the gates before it."""

    policy: RolloutPolicy
    plan: RolloutPlan
    state: RolloutState
    after: tuple[Promotion, ...]  # the promoted waves once the next batch is
    gates: tuple[Verdict, ...]

    @property
    def aborted(self) -> bool:
        return not self.state.promoted

    @property
    def complete(self) -> bool:
        return self.after == self.state.promoted


def _policy(fleet: Fleet, name: str) -> RolloutPolicy:
    for policy in fleet.rollout_policies:
        if policy.name == name:
            return policy
    raise UserError.at(None, f"no RolloutPolicy {name!r} in policies/")


def _promoted_at(repo: Path) -> datetime | None:
    """When the state file's current content was committed; None when it is not yet."""
    path = repo / STATE_PATH
    written = path.read_text(encoding="utf-8") if path.is_file() else None
    if written is None or git.committed_text(repo, STATE_PATH) != written:
        return None
    return git.last_change_time(repo, STATE_PATH)


def _position(
    repo: Path,
    fleet: Fleet,
    state: RolloutState,
    states: Mapping[str, ClusterState] | None,
    *,
    now: datetime,
    explicit: bool,
    force: bool,
) -> Position:
    policy = _policy(fleet, state.name)
    plan = plan_rollout(policy, fleet.clusters)
    gates = check_gates(
        policy.gates,
        previous_wave=state.promoted[-1].wave if state.promoted else "",
        promoted_at=_promoted_at(repo),
        promoted_clusters=sorted(state.promoted_clusters),
        states=states,
        now=now,
        explicit=explicit,
        force=force,
    )
    return Position(policy, plan, state, next_promotion(plan, state.promoted), gates)


Health = Mapping[str, ClusterState] | None  # the clusters' status; None: none was given
Render = Callable[[Path], int]  # `hubless render` of a repository: its exit code


def _under_way(repo: Path, name: str | None) -> tuple[Fleet, RolloutStates, list[RolloutState]]:
    fleet = load_fleet(read_sources(repo))
    states = read_rollouts(repo)
    if name is None:
        return fleet, states, [states.rollouts[n] for n in sorted(states.rollouts)]
    _policy(fleet, name)
    if name not in states.rollouts:
        raise UserError.at(
            None,
            f"rollout {name!r} is not under way: every cluster has what the sources say for "
            "its objects",
        )
    return fleet, states, [states.rollouts[name]]


def _wave_data(position: Position) -> list[dict[str, Any]]:
    promoted = position.state.promoted_clusters
    return [
        {
            "name": wave.wave.name,
            **(
                {"maxConcurrency": str(wave.wave.max_concurrency)}
                if wave.wave.max_concurrency
                else {}
            ),
            "clusters": {c: "updated" if c in promoted else "held" for c in wave.clusters},
        }
        for wave in position.plan.waves
    ]


def _next_data(position: Position) -> dict[str, Any] | None:
    if position.complete or position.aborted:
        return None
    last = position.after[-1]
    wave = next(w for w in position.plan.waves if w.wave.name == last.wave)
    return {
        "wave": last.wave,
        "batch": last.batches,
        "batches": len(wave.batches),
        "clusters": list(wave.batches[last.batches - 1]),
    }


def _data(position: Position) -> dict[str, Any]:
    return {
        "name": position.state.name,
        "policy": str(position.policy.source),
        "baseRevision": position.state.base_revision,
        "aborted": position.aborted,
        "waves": _wave_data(position),
        "next": _next_data(position),
        "gates": [{"gate": v.gate, "holds": v.holds, "reason": v.reason} for v in position.gates],
    }


def _holds_word(holds: bool) -> str:
    return "holds" if holds else "does not hold"


def _text(rollouts: list[dict[str, Any]]) -> str:
    if not rollouts:
        return "no rollout is under way\n"
    out = []
    for item in rollouts:
        out.append(f"rollout {item['name']} ({item['policy']}): base {item['baseRevision'][:12]}")
        if item["aborted"]:
            out.append("  aborted: every cluster keeps the base content until its objects change")
        for wave in item["waves"]:
            size = f" (batches of {wave['maxConcurrency']})" if "maxConcurrency" in wave else ""
            clusters = ", ".join(f"{c} {s}" for c, s in wave["clusters"].items()) or "no cluster"
            out.append(f"  wave {wave['name']}{size}: {clusters}")
        step = item["next"]
        if step is not None:
            out.append(
                f"  next: wave {step['wave']}, batch {step['batch']} of {step['batches']} "
                f"({', '.join(step['clusters'])})"
            )
            for gate in item["gates"]:
                out.append(f"  {gate['gate']}: {_holds_word(gate['holds'])}: {gate['reason']}")
    return "\n".join(out) + "\n"


def _markdown(rollouts: list[dict[str, Any]]) -> str:
    if not rollouts:
        return "No rollout is under way.\n"
    out = []
    for item in rollouts:
        out.append(f"### Rollout `{item['name']}` (base `{item['baseRevision'][:12]}`)\n")
        if item["aborted"]:
            out.append("Aborted: every cluster keeps the base content until its objects change.\n")
        out.append("| wave | cluster | state |")
        out.append("| --- | --- | --- |")
        for wave in item["waves"]:
            for cluster, state in wave["clusters"].items():
                out.append(f"| {wave['name']} | {cluster} | {state} |")
        out.append("")
        step = item["next"]
        if step is not None:
            out.append(
                f"Next: wave `{step['wave']}`, batch {step['batch']} of {step['batches']} "
                f"({', '.join(step['clusters'])})\n"
            )
            for gate in item["gates"]:
                mark = "holds" if gate["holds"] else "**does not hold**"
                out.append(f"- {gate['gate']}: {mark}: {gate['reason']}")
            out.append("")
    return "\n".join(out)


def status(
    repo: Path,
    name: str | None,
    *,
    health: Health = None,
    output: str = "text",
    now: datetime | None = None,
) -> int:
    """Each rollout under way: its waves, each cluster updated or held, the next batch and
    its gates (judged as an advance naming the rollout would judge them when NAME is given,
    as `advance --all` otherwise)."""
    moment = now or datetime.now(UTC)
    fleet, _, chosen = _under_way(repo, name)
    data = [
        _data(_position(repo, fleet, s, health, now=moment, explicit=name is not None, force=False))
        for s in chosen
    ]
    if output == "json":
        click.echo(json.dumps({"rollouts": data}, indent=2, sort_keys=True))
    elif output == "markdown":
        click.echo(_markdown(data), nl=False)
    else:
        click.echo(_text(data), nl=False)
    return 0


def _ready(repo: Path, commit: bool) -> None:
    """Refuse to commit on top of a git operation, or of rendered/ changes not ours."""
    if commit:
        git.refuse_to_commit(repo, RENDERED_DIR, "--commit", "this command")


def _apply(repo: Path, states: RolloutStates, render: Render, commit: bool, message: str) -> int:
    """Write the new state, render with it, and commit rendered/ when asked."""
    write_rollouts(repo, states)
    code = render(repo)
    if code == 0 and commit:
        sha = git.commit_paths(repo, RENDERED_DIR, message + "\n")
        click.echo(f"committed {sha[:12]}" if sha else "nothing to commit")
    return code


def _step(position: Position) -> str:
    last = position.after[-1]
    wave = next(w for w in position.plan.waves if w.wave.name == last.wave)
    clusters = ", ".join(wave.batches[last.batches - 1])
    return f"wave {last.wave}, batch {last.batches} of {len(wave.batches)} ({clusters})"


def advance(
    repo: Path,
    name: str | None,
    *,
    render: Render,
    health: Health = None,
    force: bool = False,
    commit: bool = False,
    now: datetime | None = None,
) -> int:
    """Promote the next batch of rollout `name` (None: of every rollout whose gates hold;
    never a manual one)."""
    _ready(repo, commit)
    moment = now or datetime.now(UTC)
    fleet, states, chosen = _under_way(repo, name)
    updated = dict(states.rollouts)
    steps = []
    for state in chosen:
        position = _position(
            repo, fleet, state, health, now=moment, explicit=name is not None, force=force
        )
        if position.aborted:
            message = (
                f"rollout {state.name} was aborted: the next change to its objects restarts it"
            )
            if name is not None:
                raise UserError.at(None, message)
            click.echo(f"{state.name}: not advanced: {message}")
            continue
        failing = [v for v in position.gates if not v.holds]
        if failing:
            why = "; ".join(f"{v.gate} does not hold: {v.reason}" for v in failing)
            if name is not None:
                raise UserError.at(None, f"rollout {state.name} not advanced: {why}")
            click.echo(f"{state.name}: not advanced: {why}")
            continue
        step = _step(position)
        click.echo(f"{state.name}: promoting {step}")
        steps.append(f"{state.name}: {step}")
        updated[state.name] = RolloutState(
            state.name, state.base_revision, state.target_digest, position.after
        )
    if not steps:
        if name is None:
            click.echo("no rollout advanced")
        return 0
    subject = f"hubless: rollout {'; '.join(steps)}"
    return _apply(repo, RolloutStates(updated, states.where), render, commit, subject)


def abort(repo: Path, name: str, *, render: Render, commit: bool = False) -> int:
    """Every cluster back to the rollout's base content; the rollout ends."""
    _ready(repo, commit)
    _, states, chosen = _under_way(repo, name)
    state = chosen[0]
    updated = dict(states.rollouts)
    updated[name] = RolloutState(name, state.base_revision, state.target_digest, ())
    code = _apply(
        repo,
        RolloutStates(updated, states.where),
        render,
        commit,
        f"hubless: abort rollout {name} (back to {state.base_revision[:12]})",
    )
    click.echo(
        f"aborted rollout {name}: every cluster has its objects as rendered at "
        f"{state.base_revision[:12]}; the sources still say the new content, so the next "
        "change to its objects restarts the rollout from the first wave"
    )
    return code
