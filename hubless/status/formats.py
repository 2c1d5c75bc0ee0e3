"""The status report as text (a terminal), JSON (scripts; its fields are documented in the
README and stable) and Markdown (a pull-request comment or a CI job summary)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hubless.model import ResourceKey
from hubless.status.clusters import CURRENT, ClusterState
from hubless.status.resources import ResourceSummary
from hubless.status.revisions import short

_LISTS = (("missing", "missing"), ("extra", "extra"), ("out_of_sync", "out of sync"))


def state_words(state: ClusterState) -> str:
    """`current (runs abc1234)`, `behind (runs R, should run S)`, `failed (why)`, ..."""
    if state.state == CURRENT:
        return f"current (runs {short(state.runs)})" if state.runs else CURRENT
    return f"{state.state} ({state.detail})"


def _synced(state: ClusterState) -> str:
    return {True: "synced", False: "out of sync", None: "sync unknown"}[state.synced]


def _health(state: ClusterState) -> str:
    word = state.health.value
    return f"{word} ({state.health_detail})" if state.health_detail else word


def resource_words(summary: ResourceSummary) -> str:
    total = len(summary.clusters)
    noun = "cluster" if total == 1 else "clusters"
    words = f"{summary.current}/{total} {noun} current, {summary.healthy}/{total} healthy"
    if summary.replicas is not None:
        words += f", {summary.replicas.ready}/{summary.replicas.desired} replicas ready"
        if summary.replicas_from < total:
            words += f" (on {summary.replicas_from} of {total} clusters reporting)"
    return words


def _names(keys: Sequence[ResourceKey]) -> str:
    return ", ".join(str(key) for key in keys)


def text(states: Mapping[str, ClusterState], resources: Sequence[ResourceSummary]) -> str:
    lines = ["clusters:"]
    width = max((len(name) for name in states), default=0)
    for name, state in states.items():
        lines.append(
            f"  {name.ljust(width)}  {state_words(state)}, {_synced(state)}, {_health(state)}"
        )
        for field, words in _LISTS:
            keys = getattr(state, field)
            if keys:
                lines.append(f"  {' ' * width}    {words} {len(keys)}: {_names(keys)}")
    if resources:
        lines.append("resources:")
        lines.extend(f"  {summary.resource}: {resource_words(summary)}" for summary in resources)
    return "\n".join(lines) + "\n"


def _time(state: ClusterState) -> str | None:
    moment = state.reported_at
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def as_json(states: Mapping[str, ClusterState], resources: Sequence[ResourceSummary]) -> str:
    clusters: list[dict[str, Any]] = [
        {
            "name": name,
            "state": state.state,
            "detail": state.detail or None,
            "shouldRun": state.should_run,
            "runs": state.runs,
            "synced": state.synced,
            "health": state.health.value,
            "healthDetail": state.health_detail or None,
            "reportedAt": _time(state),
            "reportedBy": list(state.reported_by),
            "missing": [str(key) for key in state.missing],
            "extra": [str(key) for key in state.extra],
            "outOfSync": [str(key) for key in state.out_of_sync],
        }
        for name, state in states.items()
    ]
    summaries: list[dict[str, Any]] = [
        {
            "resource": str(summary.resource),
            "clusters": list(summary.clusters),
            "current": summary.current,
            "healthy": summary.healthy,
            "replicas": (
                {"desired": summary.replicas.desired, "ready": summary.replicas.ready}
                if summary.replicas is not None
                else None
            ),
            "replicasFrom": summary.replicas_from,
        }
        for summary in resources
    ]
    document = {"clusters": clusters, "resources": summaries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(states: Mapping[str, ClusterState], resources: Sequence[ResourceSummary]) -> str:
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state.state] = counts.get(state.state, 0) + 1
    total = len(states)
    summary = ", ".join(f"{count} {word}" for word, count in sorted(counts.items()))
    lines = [
        f"### hubless status: {total} {'cluster' if total == 1 else 'clusters'} ({summary})",
        "",
        "| cluster | state | synced | health | missing | extra | out of sync |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, state in states.items():
        cells = [name, state_words(state), _synced(state), _health(state)]
        cells += [_names(getattr(state, field)) or "—" for field, _ in _LISTS]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    if resources:
        lines += ["", "| resource | clusters |", "| --- | --- |"]
        lines.extend(
            f"| `{_cell(str(summary.resource))}` | {_cell(resource_words(summary))} |"
            for summary in resources
        )
    return "\n".join(lines) + "\n"
