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
    if summary.health_by:
        words += f", health by {' and '.join(summary.health_by)}"
    return words


def aggregated_words(summary: ResourceSummary) -> str | None:
    """`status by <customization>: {...}`, the statusAggregation script's answer."""
    if summary.aggregated is None:
        return None
    written = json.dumps(summary.aggregated, ensure_ascii=False, separators=(", ", ": "))
    return f"status by {summary.aggregated_by}: {written}"


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
        for summary in resources:
            lines.append(f"  {summary.resource}: {resource_words(summary)}")
            aggregated = aggregated_words(summary)
            if aggregated is not None:
                lines.append(f"    {aggregated}")
    return "\n".join(lines) + "\n"


def _time(state: ClusterState) -> str | None:
    moment = state.reported_at
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def _summary(summary: ResourceSummary) -> dict[str, Any]:
    entry: dict[str, Any] = {
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
    # Only for kinds a script interprets, so the fields of native kinds stay as they were.
    if summary.health_by:
        entry["healthBy"] = list(summary.health_by)
    if summary.aggregated is not None:
        entry["status"] = dict(summary.aggregated)
        entry["statusBy"] = summary.aggregated_by
    return entry


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
    summaries = [_summary(summary) for summary in resources]
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
        for resource in resources:
            words = resource_words(resource)
            aggregated = aggregated_words(resource)
            if aggregated is not None:
                words += f"; {aggregated}"
            lines.append(f"| `{_cell(str(resource.resource))}` | {_cell(words)} |")
    return "\n".join(lines) + "\n"
