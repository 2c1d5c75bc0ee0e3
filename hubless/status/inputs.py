"""The documents given with `hubless status --from`, sorted into what status reads.

A document is one object, a `List` (any kind ending in `List` with `items`, as `kubectl get
-o json` prints several), or a ClusterReport (`hubless status collect`). An Argo CD
Application or a Flux Kustomization belongs to the cluster whose folder it deploys,
wherever it was read. Any other object is a live object of one cluster: the ClusterReport's,
or else the cluster named by its path: the innermost folder, or file name without its
extension, on the way from the --from argument down to it that names a cluster of the
inventory (`--from exports` reads `exports/prod-a.json` and `exports/prod-a/*.yaml` as
prod-a's). A live object whose cluster cannot be told is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubless.documents import Document
from hubless.errors import Problems, Source, UserError
from hubless.kinds import group_of
from hubless.model import ResourceKey
from hubless.status import report_file
from hubless.status.agents import AgentReport, agent_report, is_agent
from hubless.status.report_file import ClusterReport


@dataclass(frozen=True)
class LiveObject:
    body: Mapping[str, Any]
    source: Source
    cluster: str
    key: ResourceKey


@dataclass(frozen=True)
class Inputs:
    agents: tuple[AgentReport, ...] = ()
    live: tuple[LiveObject, ...] = ()
    reports: tuple[ClusterReport, ...] = ()  # ClusterReports, items left in `agents`/`live`


@dataclass(frozen=True)
class Read:
    """A document and the names on its path, outermost first (folders, then the file's
    name without its extension)."""

    document: Document
    names: tuple[str, ...]


def key_of(body: Mapping[str, Any]) -> ResourceKey:
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    return ResourceKey(
        group_of(str(body.get("apiVersion", ""))),
        str(body.get("kind", "")),
        str(metadata.get("namespace") or ""),
        str(metadata.get("name", "")),
    )


def _is_object(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    metadata = body.get("metadata")
    return (
        isinstance(body.get("apiVersion"), str)
        and isinstance(body.get("kind"), str)
        and isinstance(metadata, Mapping)
        and isinstance(metadata.get("name"), str)
    )


def _is_list(body: Mapping[str, Any]) -> bool:
    return str(body.get("kind", "")).endswith("List") and isinstance(body.get("items"), list)


def classify(reads: Iterable[Read], clusters: Collection[str]) -> Inputs:
    """Every document sorted, or a UserError listing every document that cannot be read."""
    problems = Problems()
    agents: list[AgentReport] = []
    live: list[LiveObject] = []
    reports: list[ClusterReport] = []

    def take(body: Any, source: Source, cluster: str | None) -> None:
        if not _is_object(body):
            problems.add(
                source,
                "not a Kubernetes object: a map with string apiVersion, kind and metadata.name",
            )
            return
        if is_agent(body):
            agents.append(agent_report(body, source))
        elif cluster is None:
            problems.add(
                source,
                f"{key_of(body)}: cannot tell which cluster this object is from: read it from "
                "a ClusterReport, or from a file or folder named after the cluster",
            )
        else:
            live.append(LiveObject(body, source, cluster, key_of(body)))

    for read in reads:
        document = read.document
        body = document.data
        if body is None:
            continue  # an empty document
        named = [name for name in read.names if name in clusters]
        cluster = named[-1] if named else None
        if isinstance(body, Mapping) and report_file.is_cluster_report(body):
            try:
                report = report_file.parse(body, document.source)
            except UserError as exc:
                problems.extend(exc)
                continue
            reports.append(report)
            items = body.get("items") or []
            for index, item in enumerate(report.items):
                take(
                    item,
                    Source(document.source.path, document.line_of(items, index)),
                    report.cluster,
                )
        elif isinstance(body, Mapping) and _is_list(body):
            items = body["items"]
            for index, item in enumerate(items):
                take(item, Source(document.source.path, document.line_of(items, index)), cluster)
        else:
            take(body, document.source, cluster)
    problems.raise_if_any()
    return Inputs(tuple(agents), tuple(live), tuple(reports))
