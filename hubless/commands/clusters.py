"""`hubless clusters refresh`: rewrite the status of every Cluster object from its cluster.

Each cluster is reached through its kubeconfig context and read (GET only); its status
is computed as Karmada's cluster-status controller computes it and written back into
the file that holds the Cluster, nothing else in that file changed. A cluster that
cannot be reached is recorded as such (Ready False, ClusterNotReachable, once the
threshold allows) and never stops the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hubless.dialects import refreshed_object
from hubless.errors import Problem, UserError
from hubless.kube.cluster_status import Observation, observed_ready, refreshed_status
from hubless.kube.connect import Unreachable, api_client
from hubless.kube.contexts import context_for, parse_context_options, unknown_clusters
from hubless.kube.observe import ListFailed, observe
from hubless.load import load_fleet, read_sources
from hubless.model import Cluster
from hubless.status_text import CannotRewrite, Wanted, replace_status


def _warn(cluster: Cluster, message: str) -> None:
    click.echo(str(Problem.warning(cluster.source, message)), err=True)


def _observe(kubeconfig: Path | None, context: str) -> Observation:
    try:
        client = api_client(kubeconfig, context)
    except Unreachable as exc:
        return Observation(client_error=str(exc))
    with client:
        return observe(client)


def _read(file: Path) -> str:
    with file.open(encoding="utf-8", newline="") as source:  # line ends as they are
        return source.read()


def _is(cluster: Cluster, written_as: tuple[str, str]) -> Wanted:
    def wanted(api_version: Any, kind: Any, name: Any) -> bool:
        return bool((api_version, kind) == written_as and name == cluster.name)

    return wanted


def refresh(
    repo: Path,
    *,
    kubeconfig: Path | None,
    contexts: Sequence[str],
    threshold: int,
    now: datetime | None = None,
) -> int:
    """Refresh every Karmada Cluster's status; `now` is the time recorded (default: now)."""
    if threshold < 1:
        raise UserError.at(None, f"--threshold {threshold}: give 1 or more observations")
    given = parse_context_options(contexts)
    clusters = load_fleet(read_sources(repo)).clusters
    unknown = unknown_clusters(given, clusters)
    if unknown:
        raise UserError.at(
            None, f"--context names no cluster of the inventory: {', '.join(unknown)}"
        )
    when = (now or datetime.now(UTC)).replace(microsecond=0)
    texts: dict[str, str] = {}
    refreshed = 0
    changed: list[str] = []
    for cluster in clusters:
        written_as = refreshed_object(cluster)
        if written_as is None:
            _warn(cluster, f"cluster {cluster.name}: only Karmada Cluster objects are refreshed")
            continue
        path = cluster.source.path
        if path.endswith(".j2"):
            _warn(
                cluster, f"cluster {cluster.name}: a Jinja2 template's status cannot be rewritten"
            )
            continue
        context = context_for(cluster, given)
        try:
            observation = _observe(kubeconfig, context)
        except ListFailed as exc:
            _warn(
                cluster, f"cluster {cluster.name} (context {context}): {exc}; status left as it was"
            )
            continue
        previous = cluster.body.get("status")
        status = refreshed_status(
            previous if isinstance(previous, Mapping) else {},
            cluster.resource_models,
            observation,
            threshold=threshold,
            now=when,
        )
        observed = observed_ready(observation)
        if observed["status"] != "True":
            why = f" ({observation.why})" if observation.why else ""
            _warn(
                cluster, f"cluster {cluster.name} (context {context}): {observed['message']}{why}"
            )
        text = texts.get(path)
        if text is None:
            text = _read(repo / path)
        try:
            texts[path] = replace_status(text, _is(cluster, written_as), status)
            refreshed += 1
        except CannotRewrite as exc:
            _warn(cluster, f"cluster {cluster.name}: its status cannot be rewritten: {exc}")
    for path, text in texts.items():
        file = repo / path
        if _read(file) != text:
            with file.open("w", encoding="utf-8", newline="") as out:
                out.write(text)
            changed.append(path)
    click.echo(f"refreshed {refreshed} clusters: {len(changed)} files changed")
    for path in changed:
        click.echo(f"  {path}")
    return 0
