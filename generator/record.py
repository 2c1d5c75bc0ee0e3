"""The placement record: every decision, written beside (not inside) the cluster folders.

It is what the next render reads back as "the previous placement" (Karmada keeps that in
its ResourceBindings), and what a reviewer reads to see why something moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.compile import Decision
from generator.documents import parse_documents
from generator.errors import Source, UserError
from generator.model import PreviousPlacement, ResourceKey
from generator.serialize import dump

RECORD_PATH = ".hubless/placement.yaml"  # relative to rendered/
_HEADER = (
    "# Written by `hubless render`: where every resource template is placed, and by which\n"
    "# policy. Read back by the next render to keep placements stable. Do not edit.\n"
)

Previous = dict[ResourceKey, PreviousPlacement]


def record_text(decisions: Sequence[Decision]) -> str:
    return text_of_entries({d.binding.resource: entry_of(d) for d in decisions})


def text_of_entries(entries: dict[ResourceKey, dict[str, Any]]) -> str:
    """The record file, from entries by resource (written in resource order)."""
    ordered = [entries[key] for key in sorted(entries)]
    return _HEADER + dump({"apiVersion": "hubless.io/v1alpha1", "resources": ordered})


def raw_entries(text: str, path: str) -> dict[ResourceKey, dict[str, Any]]:
    """A record's entries as written, by resource."""
    documents = parse_documents(text, path)
    resources = documents[0].data.get("resources") if documents else None
    found = {}
    for entry in resources if isinstance(resources, list) else []:
        key = ResourceKey(
            str(entry.get("group", "")),
            str(entry.get("kind")),
            str(entry.get("namespace", "")),
            str(entry.get("name")),
        )
        found[key] = entry
    return found


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
    documents = parse_documents(text, path)
    if not documents:
        return {}
    data = documents[0].data
    resources = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(resources, list):
        raise UserError.at(Source(path, 1), "not a hubless placement record; delete it to rebuild")
    previous: Previous = {}
    for entry in resources:
        try:
            key = ResourceKey(
                str(entry.get("group", "")),
                str(entry["kind"]),
                str(entry.get("namespace", "")),
                str(entry["name"]),
            )
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
