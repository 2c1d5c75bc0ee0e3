"""`hubless status collect`: read what every cluster runs into <out>/<cluster>.json.

The edges of collection: the inventory and each cluster's folder are read from the
repository, the clusters through kubeconfig contexts (hubless.kube.collect does the
reading), and one ClusterReport file is written per cluster.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from hubless.build.layout import CLUSTER_MARKER
from hubless.documents import parse_documents
from hubless.errors import UserError
from hubless.kube.collect import ObjectRef, Target, collect, object_ref
from hubless.kube.contexts import context_for, parse_context_options, unknown_clusters
from hubless.kube.reading import connector
from hubless.load import load_fleet, read_sources
from hubless.repository import RENDERED_DIR
from hubless.status.report_file import ClusterReport, dump, is_cluster_report

REPORT_SUFFIX = ".json"


def _now() -> datetime:
    return datetime.now(UTC)


def folder_objects(repo: Path, cluster: str) -> tuple[ObjectRef, ...]:
    """Every object rendered/<cluster>/ lists (one per file), sorted."""
    folder = repo / RENDERED_DIR / cluster
    found: set[ObjectRef] = set()
    for root, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            if name == CLUSTER_MARKER or not name.endswith(".yaml"):
                continue
            path = Path(root) / name
            shown = path.relative_to(repo).as_posix()
            for document in parse_documents(path.read_text(encoding="utf-8"), shown):
                ref = object_ref(document.data)
                if ref is None:
                    raise UserError.at(
                        document.source,
                        "not a Kubernetes object: apiVersion, kind and metadata.name must be "
                        "non-empty strings",
                    )
                found.add(ref)
    return tuple(sorted(found))


def _is_report(path: Path) -> bool:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(document, dict) and is_cluster_report(document)


def write_reports(out: Path, reports: Sequence[ClusterReport], clusters: Sequence[str]) -> None:
    """One file per report (replaced whole, never half-written); the reports of clusters
    no longer in the inventory are removed, any other file is left alone."""
    out.mkdir(parents=True, exist_ok=True)
    for report in reports:
        path = out / f"{report.cluster}{REPORT_SUFFIX}"
        pending = path.with_name(path.name + ".tmp")
        pending.write_bytes(dump(report))
        os.replace(pending, path)
    kept = set(clusters)
    for path in sorted(out.glob(f"*{REPORT_SUFFIX}")):
        if path.stem not in kept and path.is_file() and _is_report(path):
            path.unlink()


def collect_status(
    repo: Path,
    *,
    out: Path,
    kubeconfig: Path | None,
    contexts: Sequence[str],
    gitops_context: str | None = None,
    now: Callable[[], datetime] | None = None,
) -> int:
    """Exit status 1 when any cluster (or the gitops context) could not be read; every
    report is written all the same."""
    given = parse_context_options(contexts)
    clusters = sorted(load_fleet(read_sources(repo)).clusters, key=lambda c: c.name)
    unknown = unknown_clusters(given, clusters)
    if unknown:
        raise UserError.at(None, f"--context names {unknown[0]}, which is no inventory cluster")
    targets = [
        Target(c.name, context_for(c, given), folder_objects(repo, c.name)) for c in clusters
    ]
    collected = collect(targets, connector(kubeconfig), now or _now, gitops_context=gitops_context)
    write_reports(out, collected.reports, [c.name for c in clusters])
    for warning in collected.warnings:
        click.echo(warning, err=True)
    return 1 if collected.warnings else 0
