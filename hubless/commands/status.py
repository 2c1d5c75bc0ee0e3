"""`hubless status`: what the clusters report, against what rendered/ says they should run.

The edges of the report: reading the --from files, rendered/ as committed at HEAD and the
git history; the judgement is hubless.status.clusters'.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hubless import git
from hubless.documents import parse_documents
from hubless.errors import Problem, Problems, Source, UserError
from hubless.interpreter.interpreters import Interpreters
from hubless.load import load_fleet
from hubless.model import ResourceKey
from hubless.repository import POLICIES_DIR, RENDERED_DIR
from hubless.status import formats
from hubless.status.agents import rendered_cluster
from hubless.status.clusters import ClusterState, Expected, cluster_states
from hubless.status.durations import parse_duration
from hubless.status.inputs import Read, classify, key_of
from hubless.status.resources import resource_summaries

_READ = (".json", ".yaml", ".yml")


class _History:
    """The fleet repository's git history, as hubless.status.revisions asks for it."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def resolve(self, revision: str) -> str | None:
        return git.resolve_commit(self.repo, revision)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return git.is_ancestor(self.repo, ancestor, descendant)


def expected_clusters(repo: Path) -> dict[str, Expected]:
    """Every cluster folder of rendered/ as committed at HEAD: its objects and the last
    commit that changed it."""
    files = git.files_at(repo, RENDERED_DIR)
    by_cluster: dict[str, list[tuple[str, bytes]]] = {}
    for path, data in files.items():
        parts = path.split("/")
        if len(parts) < 3 or parts[1].startswith("."):
            continue  # rendered/.hubless/ and anything not in a cluster folder
        by_cluster.setdefault(parts[1], []).append((path, data))
    expected = {}
    for cluster, items in sorted(by_cluster.items()):
        keys = []
        for path, data in items:
            if not path.endswith(".yaml"):
                continue  # the folder's marker
            for document in parse_documents(data.decode("utf-8"), f"HEAD:{path}"):
                if isinstance(document.data, dict):
                    keys.append(key_of(document.data))
        should_run = git.last_change(repo, f"{RENDERED_DIR}/{cluster}")
        expected[cluster] = Expected(should_run, tuple(sorted(set(keys))))
    return expected


def interpreters_at_head(repo: Path) -> tuple[Interpreters, dict[ResourceKey, Mapping[str, Any]]]:
    """The resource interpreters of policies/ and the resource templates of templates/, as
    committed at HEAD: the sources rendered/ at HEAD was made from. A policies/ that does
    not load is an error; templates/ only gives a statusAggregation script the template to
    write into, so when it does not load the script gets the object's identity alone."""
    files = git.sources_at(repo, "HEAD")
    try:
        fleet = load_fleet(files)
    except UserError:
        fleet = load_fleet([f for f in files if f.path.startswith(f"{POLICIES_DIR}/")])
    return Interpreters(fleet.customizations), {t.key: t.body for t in fleet.templates}


def _files(given: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """The files of one --from argument, each with the names on its way down from it."""
    if given.is_file():
        yield given, (given.name.rsplit(".", 1)[0],)
        return
    top = given.resolve().name
    for path in sorted(given.rglob("*")):
        relative = path.relative_to(given)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix in _READ:
            names = (top, *relative.parts[:-1], path.name.rsplit(".", 1)[0])
            yield path, names


def read_inputs(sources: tuple[Path, ...]) -> list[Read]:
    problems = Problems()
    reads: list[Read] = []
    for given in sources:
        if not given.exists():
            problems.add(None, f"--from {given}: no such file or folder")
            continue
        for path, names in _files(given):
            shown = str(path)
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.add(Source(shown, 0), "not UTF-8 text")
                continue
            try:
                documents = parse_documents(text, shown, track_lines=True)
            except UserError as exc:
                problems.extend(exc)
                continue
            reads.extend(Read(document, names) for document in documents)
    problems.raise_if_any()
    return reads


def _shortfall(states: dict[str, ClusterState], require: str) -> list[ClusterState]:
    if require == "current":
        return [state for state in states.values() if not state.current]
    return [state for state in states.values() if not state.healthy]


def _why(state: ClusterState, require: str) -> str:
    if require == "healthy" and state.current:
        detail = f" ({state.health_detail})" if state.health_detail else ""
        return f"{state.cluster}: {state.health.value}{detail}"
    return f"{state.cluster}: {formats.state_words(state)}"


def states_from(repo: Path, sources: tuple[Path, ...], now: datetime) -> dict[str, ClusterState]:
    """Every cluster judged from the --from files, as `hubless status` judges them."""
    expected = expected_clusters(repo)
    inputs = classify(read_inputs(sources), expected.keys())
    interpreters, _ = interpreters_at_head(repo)
    states = cluster_states(
        expected,
        inputs,
        _History(repo),
        now,
        prefix=git.fleet_prefix(repo),
        interpreters=interpreters,
    )
    # A failed script leaves its object Unknown, which holds a health gate: say why.
    for state in states.values():
        for problem in state.problems:
            click.echo(str(Problem.warning(problem.source, problem.message)), err=True)
    return states


def status(
    repo: Path,
    sources: tuple[Path, ...],
    *,
    output: str = "text",
    require: str | None = None,
    max_age: str | None = None,
    now: datetime | None = None,
) -> int:
    """Print the report; 1 when --require names clusters that fall short."""
    age = None
    if max_age is not None:
        try:
            age = parse_duration(max_age)
        except ValueError as exc:
            raise UserError.at(None, f"--max-age: {exc}") from None
    expected = expected_clusters(repo)
    inputs = classify(read_inputs(sources), expected.keys())
    prefix = git.fleet_prefix(repo)
    warnings = [
        Problem.warning(
            agent.source,
            f"{agent.what} deploys {folder}, which is no cluster's folder at HEAD",
        )
        for agent in inputs.agents
        for folder, _ in agent.folders
        if (name := rendered_cluster(folder, prefix)) is not None and name not in expected
    ]
    # A report of a cluster with no folder at HEAD (removed, renamed, or a typo in its
    # name) judges nothing; say so rather than drop it unseen.
    warnings += [
        Problem.warning(
            report.source,
            f"ClusterReport {report.cluster}: no cluster {report.cluster} has a folder in "
            f"{RENDERED_DIR}/ at HEAD; its report is not read",
        )
        for report in inputs.reports
        if report.cluster not in expected
    ]
    interpreters, templates = interpreters_at_head(repo)
    states = cluster_states(
        expected,
        inputs,
        _History(repo),
        now or datetime.now(UTC),
        max_age=age,
        prefix=prefix,
        interpreters=interpreters,
    )
    resources = resource_summaries(expected, states, interpreters, templates)
    for warning in warnings:
        click.echo(str(warning), err=True)
    render = {"text": formats.text, "json": formats.as_json, "markdown": formats.markdown}
    sys.stdout.write(render[output](states, resources))
    # Scripts that failed: the report above is still whole (those objects are Unknown).
    failed = [p for state in states.values() for p in state.problems]
    failed += [p for summary in resources for p in summary.problems]
    for problem in failed:
        click.echo(str(problem), err=True)
    if require is None:
        return 1 if failed else 0
    short = _shortfall(states, require)
    if not short:
        return 1 if failed else 0
    noun = "cluster is" if len(short) == 1 else "clusters are"
    click.echo(
        f"error: {len(short)} {noun} not {require}: "
        + "; ".join(_why(state, require) for state in short),
        err=True,
    )
    return 1
