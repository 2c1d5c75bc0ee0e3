"""`hubless render [--check]`: compile the fleet and write (or verify) rendered/.

Most renders find nothing to do (hubless.build.unchanged), and then start-up is all they
cost: the compiler, validation and git are imported only by the renders that need them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hubless.build.printed import lines
from hubless.build.state.hashes import remember
from hubless.build.state.lock import WAITING, locked
from hubless.build.state.manifest import Manifest, Warnings, parse_manifest
from hubless.build.state.paths import MANIFEST, cluster_of, is_meta
from hubless.build.state.transaction import TreeChange, apply, recover
from hubless.build.unchanged import Inputs, read_inputs, unchanged
from hubless.errors import Problem, UserError
from hubless.progress import Progress, quiet
from hubless.repository import RENDERED_DIR

if TYPE_CHECKING:
    from hubless.model import Fleet


def _print(problem: Problem) -> None:
    click.echo(str(problem), err=True)


def _waiting() -> None:
    click.echo(WAITING, err=True)


def _print_stale(change: TreeChange) -> None:
    if change.interrupted:
        click.echo(f"{RENDERED_DIR}/: an interrupted render is pending (run `hubless render`)")
    for label, paths in (
        ("missing", sorted(change.added)),
        ("stale", sorted(change.changed)),
        ("extra", list(change.removed)),
    ):
        for path in paths:
            click.echo(f"{label}: {RENDERED_DIR}/{path}")


def _print_held(held: Mapping[str, tuple[str, ...]]) -> None:
    """The files a hold kept as committed, and who holds each."""
    for path, reasons in sorted(held.items()):
        click.echo(f"held: {RENDERED_DIR}/{path} ({'; '.join(reasons)})")


def commit_message(change: TreeChange, summary: str | None) -> str:
    """The commit message: a subject, then the changed clusters with counts."""
    per_cluster: dict[str, list[int]] = {}
    for index, paths in enumerate((change.added, change.changed, change.removed)):
        for path in paths:
            if not is_meta(path):
                per_cluster.setdefault(cluster_of(path), [0, 0, 0])[index] += 1
    totals = [sum(counts[i] for counts in per_cluster.values()) for i in range(3)]
    subject = summary or (
        f"hubless: render {len(per_cluster)} cluster{'s' if len(per_cluster) != 1 else ''} "
        f"(+{totals[0]} ~{totals[1]} -{totals[2]})"
    )
    lines = [f"{name}: +{a} ~{c} -{r}" for name, (a, c, r) in sorted(per_cluster.items())]
    return subject + ("\n\n" + "\n".join(lines) if lines else "") + "\n"


@dataclass(frozen=True)
class _Asked:
    """What a render was asked to do, beside the repository."""

    check: bool
    fresh: bool
    no_cache: bool  # compile and compare everything, trusting nothing the manifest says
    validate: bool
    kube_version_default: str | None
    max_age: tuple[timedelta, str] | None  # (age, the option as given)
    now: datetime | None
    progress: Progress


def render(
    repo: Path,
    *,
    check: bool,
    fresh: bool = False,
    no_cache: bool = False,
    validate: bool = True,
    kube_version_default: str | None = None,
    commit: bool = False,
    message: str | None = None,
    max_age: tuple[timedelta, str] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """`max_age`: (age, the option as given) past which a Cluster's status is stale;
    `progress` reports the stages (default: nothing)."""
    asked = functools.partial(
        _Asked,
        fresh=fresh,
        no_cache=no_cache,
        validate=validate,
        kube_version_default=kube_version_default,
        max_age=max_age,
        now=now,
        progress=progress or quiet(),
    )
    if check:
        return _render(repo, asked(check=True))[0]
    if commit:
        from hubless.git import refuse_to_commit  # GitPython: only for --commit

        refuse_to_commit(repo, RENDERED_DIR, "`render --commit`", "this render")
    with locked(repo / RENDERED_DIR, _waiting):
        status, change = _render(repo, asked(check=False))
        if commit and status == 0:
            from hubless.git import commit_paths

            sha = commit_paths(repo, RENDERED_DIR, commit_message(change, message))
            click.echo(f"committed {sha[:12]}" if sha else "nothing to commit")
        return status


def _say(warnings: Warnings, asked: _Asked, inputs: Inputs, fleet: Fleet | None) -> None:
    """What a full render of these sources says, however little this one had to do."""
    for line in lines(warnings, validated=asked.validate):
        click.echo(line, err=True)
    if asked.max_age is not None:
        # Not among the stored warnings: it depends on the time of this render.
        from hubless.dialects import refreshed
        from hubless.inventory import stale_status_warnings
        from hubless.load import load_fleet

        age, option = asked.max_age
        loaded = fleet or load_fleet(inputs.files)
        for stale in stale_status_warnings(
            refreshed(loaded.clusters), age, asked.now or datetime.now(UTC), option
        ):
            _print(stale)


def _render(repo: Path, asked: _Asked) -> tuple[int, TreeChange]:
    rendered = repo / RENDERED_DIR
    if not asked.check and recover(rendered, _print):
        click.echo(f"finished an interrupted render of {RENDERED_DIR}/", err=True)
    progress = asked.progress
    with progress:
        # The terminal's progress line is cleared before anything else is printed.
        progress.begin("reading sources")
        inputs = read_inputs(repo)
        said = None
        if not (asked.fresh or asked.no_cache):
            said = unchanged(
                repo,
                inputs,
                validate=asked.validate,
                kube_version_default=asked.kube_version_default,
            )
        if said is not None:
            progress.end(len(inputs.files))
    if said is None:
        return _render_changed(repo, inputs, asked)
    _say(said, asked, inputs, None)
    # Same sources, and rendered/ holds exactly what they produced: nothing to do.
    click.echo(f"{RENDERED_DIR}/ is up to date" if asked.check else "rendered: nothing changed")
    return 0, TreeChange()


def _misstated(stored: Manifest | None, change: TreeChange) -> bool:
    """Whether the committed manifest, written by this hubless, claims other sources or
    output than the compiled ones: later renders would trust it and skip work they must
    do. (One written by another hubless is trusted by none: it is only out of date.)"""
    from hubless.build.digests import code_digest

    written = change.added.get(MANIFEST) or change.changed.get(MANIFEST)
    if stored is None or written is None or stored.code != code_digest():
        return False
    compiled = parse_manifest(written.decode("utf-8"))
    return compiled is None or compiled.claims() != stored.claims()


def _render_changed(repo: Path, inputs: Inputs, asked: _Asked) -> tuple[int, TreeChange]:
    # Imported here, past the render that has nothing to do.
    from hubless.build.plan import plan_render
    from hubless.build.result import Strategy
    from hubless.validation import validate_compiled

    rendered = repo / RENDERED_DIR
    progress, check = asked.progress, asked.check
    with progress:
        rendering = plan_render(
            repo,
            rebalance=asked.fresh,
            kube_version_default=asked.kube_version_default,
            validate=asked.validate,
            progress=progress,
            inputs=inputs,
            trusting=not asked.no_cache,
        )
    _say(rendering.warnings, asked, inputs, rendering.fleet)
    if rendering.strategy is Strategy.UNCHANGED:
        # rendered/ was found unchanged after all (its files changed back meanwhile).
        click.echo(f"{RENDERED_DIR}/ is up to date" if check else "rendered: nothing changed")
        return 0, rendering.change
    compiled, fleet, change = rendering.compiled, rendering.fleet, rendering.change
    assert compiled is not None and fleet is not None
    objects = sum(len(items) for items in compiled.objects.values())
    if asked.validate:
        # Its warnings are among the rendering's (about every cluster's objects, not
        # only the ones this render built).
        with progress:
            progress.begin("validating")
            report = validate_compiled(compiled, fleet, asked.kube_version_default)
            progress.end(objects)
        if report.errors:
            raise UserError(report.errors)
    _print_held(rendering.held)
    again = "`hubless render --no-cache`" if asked.no_cache else "`hubless render`"
    if check:
        if change.excluding(MANIFEST).empty and not (
            asked.no_cache and _misstated(inputs.stored, change)
        ):
            if not change.empty:
                # A cache of what rendered/ was made from (hubless's own code included).
                click.echo(
                    f"note: {RENDERED_DIR}/{MANIFEST} is out of date (a cache of what "
                    f"{RENDERED_DIR}/ was made from): the next `hubless render` rewrites it",
                    err=True,
                )
            click.echo(f"{RENDERED_DIR}/ is up to date")
            return 0, change
        _print_stale(change)
        click.echo(f"{RENDERED_DIR}/ is out of date: run {again}", err=True)
        return 1, change
    if not change.empty:
        with progress:
            progress.begin("writing rendered/")
            remember(rendered, apply(rendered, change), change.removed)
            progress.end(len(change.added) + len(change.changed) + len(change.removed))
    click.echo(
        f"rendered {len(compiled.objects)} clusters, {objects} objects: "
        f"{len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0, change


def render_shard(
    repo: Path,
    spec: str,
    *,
    fresh: bool = False,
    validate: bool = True,
    kube_version_default: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Render shard K of N into rendered/.hubless/shards/K-of-N/ (see hubless.build.shards),
    its clusters' objects validated as `render` validates them; `progress` reports the
    stages."""
    from hubless.build import shards

    options = shards.Options(validate, kube_version_default or "")
    said: list[Problem] = []
    try:
        with progress or quiet() as reporting:
            shard = shards.render_shard(
                repo, spec, rebalance=fresh, options=options, report=said.append,
                progress=reporting,
            )  # fmt: skip
    finally:
        # After the progress line is cleared; before an error, as a render says them.
        for problem in said:
            _print(problem)
    click.echo(
        f"rendered shard {shard.index}/{shard.count}: {len(shard.clusters)} clusters, "
        f"{shard.objects} objects in {shard.folder}"
    )
    return 0
