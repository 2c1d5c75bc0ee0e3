"""The placement record: every decision, written beside (not inside) the cluster folders.

It is what the next render reads back as "the previous placement" (Karmada keeps that in
its ResourceBindings), and what a reviewer reads to see why something moved. This module
is its only reader and writer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from hubless.build.state.paths import RECORD
from hubless.errors import Source, UserError
from hubless.model import PreviousPlacement, ResourceKey, TargetCluster
from hubless.repository import RENDERED_DIR
from hubless.results import Decision

Previous = dict[ResourceKey, PreviousPlacement]


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One template's decision, as the record keeps it."""

    resource: ResourceKey
    via: str
    clusters: tuple[TargetCluster, ...]
    replicas: int = 0
    affinity_name: str = ""
    placement_fingerprint: str = ""
    required_by: tuple[str, ...] = ()

    @classmethod
    def of(cls, decision: Decision) -> RecordEntry:
        binding = decision.binding
        return cls(
            binding.resource,
            decision.via,
            binding.clusters,
            binding.replicas,
            binding.affinity_name,
            binding.placement_fingerprint,
            tuple(str(key) for key, _ in decision.required_by),
        )

    def previous(self, clusters: dict[str, int] | None = None) -> PreviousPlacement:
        """`clusters`: this entry's, as a map already made."""
        return PreviousPlacement(
            {t.name: t.replicas for t in self.clusters} if clusters is None else clusters,
            self.affinity_name,
            self.placement_fingerprint,
            self.via,
        )


@dataclass(frozen=True)
class PlacementRecord:
    """Every template's entry, by resource; `where` names the file it was read from."""

    entries: Mapping[ResourceKey, RecordEntry]
    where: str = f"{RENDERED_DIR}/{RECORD}"

    @classmethod
    def of(cls, decisions: Iterable[Decision]) -> PlacementRecord:
        return cls({d.binding.resource: RecordEntry.of(d) for d in decisions})

    @cached_property
    def previous(self) -> Previous:
        """The placement the next render starts from."""
        # Entries read from one text share their clusters when they are the same (see
        # _laid_out): each such set is made into a map once, then copied.
        made: dict[int, dict[str, int]] = {}
        found = {}
        for key, entry in self.entries.items():
            clusters = made.get(id(entry.clusters))
            if clusters is None:
                clusters = made[id(entry.clusters)] = entry.previous().clusters
            found[key] = entry.previous(dict(clusters))
        return found

    def replacing(
        self, removed: Iterable[ResourceKey], decisions: Iterable[Decision]
    ) -> PlacementRecord:
        """This record without `removed`, with the entries of `decisions` in their place."""
        entries = dict(self.entries)
        for key in removed:
            entries.pop(key, None)
        entries.update((d.binding.resource, RecordEntry.of(d)) for d in decisions)
        return PlacementRecord(entries, self.where)

    def text(self) -> str:
        """The record file, written in resource order.

        JSON, laid out one cluster per line so that a review diff shows what moved, and
        read back by a C parser: with thousands of clusters, the record is large."""
        lines = ['{"apiVersion": "hubless.io/v1alpha1", "resources": [']
        ordered = [self.entries[key] for key in sorted(self.entries)]
        last = len(ordered) - 1
        # Many templates go to the same clusters: their lines are written once.
        written: dict[tuple[TargetCluster, ...], str] = {}
        for index, entry in enumerate(ordered):
            opening = json.dumps(_head(entry), ensure_ascii=False)[:-1]
            comma = "," if index < last else ""
            if entry.clusters:
                lines.append(f'{opening}, "clusters": [')
                block = written.get(entry.clusters)
                if block is None:
                    block = written[entry.clusters] = ",\n".join(map(_cluster_line, entry.clusters))
                lines.append(block)
                lines.append("]}" + comma)
            else:
                lines.append(f'{opening}, "clusters": []}}' + comma)
        lines.append("]}")
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str, where: str) -> PlacementRecord:
        """A record written by `text`; a located error for anything else."""
        laid_out = _laid_out(text)
        if laid_out is not None:
            return cls({entry.resource: entry for entry in laid_out}, where)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UserError.at(
                Source(where, getattr(exc, "lineno", 1)), f"not a hubless placement record: {exc}"
            ) from None
        resources = data.get("resources") if isinstance(data, dict) else None
        if not isinstance(resources, list) or not all(isinstance(e, dict) for e in resources):
            raise UserError.at(
                Source(where, 1), "not a hubless placement record; delete it to rebuild"
            )
        try:
            entries = [_entry(item) for item in resources]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UserError.at(
                Source(where, 1), "malformed placement record; delete it to rebuild"
            ) from None
        return cls({entry.resource: entry for entry in entries}, where)


def _head(entry: RecordEntry) -> dict[str, Any]:
    """Every field but the clusters, in the order they are written."""
    key = entry.resource
    head: dict[str, Any] = {"group": key.group, "kind": key.kind}
    if key.namespace:
        head["namespace"] = key.namespace
    head["name"] = key.name
    head["via"] = entry.via
    if entry.affinity_name:
        head["affinityName"] = entry.affinity_name
    if entry.required_by:
        head["requiredBy"] = list(entry.required_by)
    if entry.placement_fingerprint:
        head["placement"] = entry.placement_fingerprint
    if entry.replicas:
        head["replicas"] = entry.replicas
    return head


_PLAIN = re.compile(r"[a-z0-9.-]+")  # needs no JSON escaping (every DNS-1123 name)


def _cluster_line(target: TargetCluster) -> str:
    """One cluster of an entry as JSON; spelled out for plain names (a large fleet's record
    has one per template and cluster)."""
    name, replicas = target
    if _PLAIN.fullmatch(name):
        if replicas:
            return f'{{"name": "{name}", "replicas": {replicas}}}'
        return f'{{"name": "{name}"}}'
    cluster: dict[str, Any] = {"name": name, "replicas": replicas} if replicas else {"name": name}
    return json.dumps(cluster, ensure_ascii=False)


_OPENING = '{"apiVersion": "hubless.io/v1alpha1", "resources": [\n'
_CLUSTERS = ', "clusters": ['
_NO_CLUSTERS = ', "clusters": []}'


def _laid_out(text: str) -> list[RecordEntry] | None:
    """The entries of a record laid out as `PlacementRecord.text` lays it out, or None for
    any other text (which the general reader reads or refuses).

    A large fleet's record holds a line per template and cluster, and many templates go
    to the same clusters: each entry's lines of clusters are read once per distinct text,
    and such entries share one tuple. Each head and each run of clusters is JSON read by
    the JSON reader; what joins them is the layout's, so the whole is the JSON it reads."""
    if not text.startswith(_OPENING):
        return None
    read: dict[str, tuple[TargetCluster, ...]] = {}
    entries = []
    start = len(_OPENING)
    try:
        while not text.startswith("]}\n", start) or len(text) != start + 3:
            end = text.index("\n", start)
            line = text[start:end]
            clusters: tuple[TargetCluster, ...] = ()
            if line.endswith(_CLUSTERS):
                head = line[: -len(_CLUSTERS)]
                close = text.index("\n]}", end)  # the first line that starts with ]}
                block = text[end + 1 : close + 1]
                found = read.get(block)
                if found is None:
                    found = read[block] = _targets(json.loads("[" + block + "]"))
                clusters, end = found, text.index("\n", close + 1)
                last = text[close + 3 : end] == ""
                if not last and text[close + 3 : end] != ",":
                    return None
            elif line.endswith((_NO_CLUSTERS, _NO_CLUSTERS + ",")):
                last = line.endswith("}")
                head = line[: line.rindex(_NO_CLUSTERS)]
            else:
                return None
            item = json.loads(head + "}")
            if not isinstance(item, dict) or "clusters" in item:
                return None
            entries.append(_entry(item, clusters))
            start = end + 1
            if last != text.startswith("]}\n", start):
                return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # the general reader says what is wrong
    return entries


def _entry(item: dict[str, Any], clusters: tuple[TargetCluster, ...] | None = None) -> RecordEntry:
    key = ResourceKey(
        str(item.get("group", "")),
        str(item["kind"]),
        str(item.get("namespace", "")),
        str(item["name"]),
    )
    return RecordEntry(
        key,
        str(item.get("via", "")),
        _targets(item.get("clusters") or []) if clusters is None else clusters,
        int(item.get("replicas", 0)),
        str(item.get("affinityName", "")),
        str(item.get("placement", "")),
        tuple(str(r) for r in item.get("requiredBy") or ()),
    )


def _targets(found: list[Any]) -> tuple[TargetCluster, ...]:
    return tuple(TargetCluster(str(c["name"]), int(c.get("replicas", 0))) for c in found)


def previous_of(record: PlacementRecord | None) -> Previous:
    """The placement a render starts from: the record's, or none on a first render."""
    return record.previous if record is not None else {}


def read_record(repo: Path) -> PlacementRecord | None:
    """The last placement record: the work tree's, else the committed one, else none."""
    relative = f"{RENDERED_DIR}/{RECORD}"
    path = repo / relative
    if path.is_file() and not path.is_symlink():
        return PlacementRecord.parse(path.read_text(encoding="utf-8"), relative)
    return record_at(repo, "HEAD", f"HEAD:{relative}")


def record_at(
    repo: Path, ref: str, where: str = f"{RENDERED_DIR}/{RECORD}"
) -> PlacementRecord | None:
    """The placement record as committed at `ref`, or None; errors name `where`."""
    from hubless.git import committed_text  # GitPython: imported only to read a commit

    text = committed_text(repo, f"{RENDERED_DIR}/{RECORD}", ref)
    return PlacementRecord.parse(text, where) if text is not None else None
