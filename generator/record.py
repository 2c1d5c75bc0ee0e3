"""The placement record: every decision, written beside (not inside) the cluster folders.

It is what the next render reads back as "the previous placement" (Karmada keeps that in
its ResourceBindings), and what a reviewer reads to see why something moved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from generator.compile import Decision
from generator.errors import Source, UserError
from generator.model import PreviousPlacement, ResourceKey

RECORD_PATH = ".hubless/placement.json"  # relative to rendered/

Previous = dict[ResourceKey, PreviousPlacement]


def record_text(decisions: Sequence[Decision]) -> str:
    return text_of_entries({d.binding.resource: entry_of(d) for d in decisions})


def text_of_entries(entries: dict[ResourceKey, dict[str, Any]]) -> str:
    """The record file, from entries by resource (written in resource order).

    JSON, laid out one cluster per line so that a review diff shows what moved, and read
    back by a C parser: with thousands of clusters, the record is large."""
    lines = ['{"apiVersion": "hubless.io/v1alpha1", "resources": [']
    ordered = [entries[key] for key in sorted(entries)]
    for index, entry in enumerate(ordered):
        head = {k: v for k, v in entry.items() if k != "clusters"}
        opening = json.dumps(head, ensure_ascii=False)[:-1]
        clusters = entry.get("clusters") or []
        if clusters:
            lines.append(f'{opening}, "clusters": [')
            lines.extend(
                _cluster_line(c) + ("," if i < len(clusters) - 1 else "")
                for i, c in enumerate(clusters)
            )
            lines.append("]}" + ("," if index < len(ordered) - 1 else ""))
        else:
            lines.append(f'{opening}, "clusters": []}}' + ("," if index < len(ordered) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"[a-z0-9.-]+")  # needs no JSON escaping (every DNS-1123 name)


def _cluster_line(cluster: dict[str, Any]) -> str:
    """json.dumps of one cluster entry; spelled out for plain names (a large fleet's record
    has one per template and cluster)."""
    name = cluster.get("name")
    if isinstance(name, str) and _PLAIN.fullmatch(name):
        keys = tuple(cluster)
        if keys == ("name",):
            return f'{{"name": "{name}"}}'
        replicas = cluster["replicas"] if keys == ("name", "replicas") else None
        if type(replicas) is int:
            return f'{{"name": "{name}", "replicas": {replicas}}}'
    return json.dumps(cluster, ensure_ascii=False)


def _load(text: str, path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UserError.at(
            Source(path, getattr(exc, "lineno", 1)), f"not a hubless placement record: {exc}"
        ) from None
    resources = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(resources, list) or not all(isinstance(e, dict) for e in resources):
        raise UserError.at(Source(path, 1), "not a hubless placement record; delete it to rebuild")
    return resources


def _key(entry: dict[str, Any]) -> ResourceKey:
    return ResourceKey(
        str(entry.get("group", "")),
        str(entry["kind"]),
        str(entry.get("namespace", "")),
        str(entry["name"]),
    )


def raw_entries(text: str, path: str) -> dict[ResourceKey, dict[str, Any]]:
    """A record's entries as written, by resource."""
    try:
        return {_key(entry): entry for entry in _load(text, path)}
    except (KeyError, TypeError):
        raise UserError.at(
            Source(path, 1), "malformed placement record; delete it to rebuild"
        ) from None


def entry_of(decision: Decision) -> dict[str, Any]:
    binding = decision.binding
    entry: dict[str, Any] = {
        "group": binding.resource.group,
        "kind": binding.resource.kind,
    }
    if binding.resource.namespace:
        entry["namespace"] = binding.resource.namespace
    entry["name"] = binding.resource.name
    entry["via"] = decision.via
    if binding.affinity_name:
        entry["affinityName"] = binding.affinity_name
    if decision.required_by:
        entry["requiredBy"] = [str(key) for key, _ in decision.required_by]
    if binding.placement_fingerprint:
        entry["placement"] = binding.placement_fingerprint
    if binding.replicas:
        entry["replicas"] = binding.replicas
    entry["clusters"] = [
        {"name": t.name, "replicas": t.replicas} if t.replicas else {"name": t.name}
        for t in binding.clusters
    ]
    return entry


def parse_record(text: str, path: str) -> Previous:
    """The previous placement, from a record written by `record_text`."""
    return previous_of(raw_entries(text, path), path)


def previous_of(entries: dict[ResourceKey, dict[str, Any]], path: str) -> Previous:
    """The previous placement, from a record's entries (`raw_entries`)."""
    previous: Previous = {}
    try:
        for key, entry in entries.items():
            clusters = {
                str(c["name"]): int(c.get("replicas", 0)) for c in entry.get("clusters") or []
            }
            previous[key] = PreviousPlacement(
                clusters, str(entry.get("affinityName", "")), str(entry.get("placement", ""))
            )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise UserError.at(
            Source(path, 1), "malformed placement record; delete it to rebuild"
        ) from None
    return previous
