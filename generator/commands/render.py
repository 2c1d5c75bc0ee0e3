"""`hubless render [--check]`: compile the fleet and write (or verify) rendered/."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from generator import shards
from generator.compile import Compiled, compile_fleet, inventory_warnings
from generator.emit import RENDERED_DIR, Plan, apply, desired_tree, locked, plan, recover
from generator.errors import UserError
from generator.git import changed_paths, commit_paths, committed_text, merge_in_progress
from generator.incremental import reuse_clusters, try_incremental
from generator.load import load_fleet, read_sources
from generator.manifest import (
    MANIFEST_PATH,
    Manifest,
    code_digest,
    disk_digest,
    inputs_digest,
    manifest_bytes,
    policies_digest,
    read_manifest,
    remember,
    template_digests,
    tree_digest,
)
from generator.model import Fleet
from generator.record import RECORD_PATH, Previous, parse_record, previous_of, raw_entries
from generator.validation import validate_compiled


def previous_text(repo: Path) -> tuple[str | None, str]:
    """The last placement record's text and where it came from: the work tree's record,
    else the committed one, else none."""
    relative = f"{RENDERED_DIR}/{RECORD_PATH}"
    path = repo / relative
    if path.is_file() and not path.is_symlink():
        return path.read_text(encoding="utf-8"), relative
    return committed_text(repo, relative), f"HEAD:{relative}"


def read_previous(repo: Path) -> Previous:
    text, where = previous_text(repo)
    return parse_record(text, where) if text is not None else {}


def settle(fleet: Fleet, previous: Previous, *, fresh: bool, trace: bool = False) -> Compiled:
    """Compile with the last placement, settled so that what is written is a fixed point."""
    return compile_fleet(fleet, previous, fresh=fresh, trace=trace, settle=True)


def compile_repo(
    repo: Path,
    *,
    fresh: bool = False,
    fleet: Fleet | None = None,
    quiet: bool = False,
    trace: bool = False,
) -> Compiled:
    """Load (unless given) and compile the fleet, with the previous placement."""
    if fleet is None:
        fleet = load_fleet(read_sources(repo))
    if not quiet:
        for warning in inventory_warnings(fleet):
            click.echo(warning, err=True)
    return settle(fleet, read_previous(repo), fresh=fresh, trace=trace)


def _warn(compiled: Compiled) -> None:
    if compiled.unmatched:
        count = len(compiled.unmatched)
        noun = "template matches" if count == 1 else "templates match"
        click.echo(
            f"note: {count} {noun} no propagation policy and go to no cluster "
            "(`hubless explain` says why)",
            err=True,
        )


def _print_stale(change: Plan) -> None:
    if change.interrupted:
        click.echo(f"{RENDERED_DIR}/: an interrupted render is pending (run `hubless render`)")
    for label, paths in (
        ("missing", sorted(change.added)),
        ("stale", sorted(change.changed)),
        ("extra", list(change.removed)),
    ):
        for path in paths:
            click.echo(f"{label}: {RENDERED_DIR}/{path}")


def commit_message(change: Plan, summary: str | None) -> str:
    """The commit message: a subject, then the changed clusters with counts."""
    per_cluster: dict[str, list[int]] = {}
    for index, paths in enumerate((change.added, change.changed, change.removed)):
        for path in paths:
            if not path.startswith(".hubless/"):
                per_cluster.setdefault(path.split("/", 1)[0], [0, 0, 0])[index] += 1
    totals = [sum(counts[i] for counts in per_cluster.values()) for i in range(3)]
    subject = summary or (
        f"hubless: render {len(per_cluster)} cluster{'s' if len(per_cluster) != 1 else ''} "
        f"(+{totals[0]} ~{totals[1]} -{totals[2]})"
    )
    lines = [f"{name}: +{a} ~{c} -{r}" for name, (a, c, r) in sorted(per_cluster.items())]
    return subject + ("\n\n" + "\n".join(lines) if lines else "") + "\n"


def render_shard(repo: Path, spec: str, *, fresh: bool = False) -> int:
    """Render shard K of N into rendered/.hubless/shards/K-of-N/ (see generator.shards)."""
    index, count = shards.parse(spec)
    rendered = repo / RENDERED_DIR
    fleet = load_fleet(read_sources(repo))
    only = shards.members((c.name for c in fleet.clusters), index, count)
    compiled = compile_fleet(fleet, read_previous(repo), fresh=fresh, settle=True, only=only)
    tree = desired_tree(compiled)
    # The digests cover the whole fleet (every shard decides everything): the merge keeps them.
    assert compiled.digests is not None
    tree[shards.DIGESTS_PATH] = shards.digests_bytes(
        compiled.digests.clusters(), compiled.digests.templates()
    )
    with locked(rendered, lambda: None):
        target = shards.write(rendered, index, count, tree)
    objects = sum(len(items) for items in compiled.objects.values())
    click.echo(
        f"rendered shard {index}/{count}: {len(only)} clusters, {objects} objects in {target}"
    )
    return 0


def merge(repo: Path) -> int:
    """Combine every shard into rendered/, as one render of the whole fleet would write it."""
    rendered = repo / RENDERED_DIR

    def waiting() -> None:
        click.echo("waiting for another `hubless render` of this repository to finish", err=True)

    with locked(rendered, waiting):
        tree = shards.read(rendered)
        clusters, placements = shards.parse_digests(tree.pop(shards.DIGESTS_PATH, b""))
        sources = read_sources(repo)
        digests = template_digests(load_fleet(sources).templates)
        manifest = Manifest(
            inputs_digest(sources, ""),
            tree_digest(tree),
            policies_digest(sources),
            digests,
            code_digest(),
            clusters,
            placements,
        )
        tree[MANIFEST_PATH] = manifest_bytes(manifest)
        change = plan(rendered, tree)  # the shards folder is not in the tree: it goes too
        if not change.empty:
            remember(rendered, apply(rendered, change))
    click.echo(
        f"merged: {len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0


def render(
    repo: Path,
    *,
    check: bool,
    fresh: bool = False,
    validate: bool = True,
    kube_version_default: str | None = None,
    commit: bool = False,
    message: str | None = None,
) -> int:
    run = functools.partial(
        _render, repo, fresh=fresh, validate=validate, kube_version_default=kube_version_default
    )
    if check:
        return run(check=True)[0]
    if commit:
        if merge_in_progress(repo):
            raise UserError.at(None, "a merge is in progress: finish it before `render --commit`")
        dirty = changed_paths(repo, RENDERED_DIR)
        if dirty:
            listed = ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "")
            raise UserError.at(
                None,
                f"{RENDERED_DIR}/ has changes that this render did not make ({listed}): "
                "commit or discard them first",
            )
    rendered = repo / RENDERED_DIR

    def waiting() -> None:
        click.echo("waiting for another `hubless render` of this repository to finish", err=True)

    with locked(rendered, waiting):
        status, change = run(check=False)
        if commit and status == 0:
            sha = commit_paths(repo, RENDERED_DIR, commit_message(change, message))
            click.echo(f"committed {sha[:12]}" if sha else "nothing to commit")
        return status


def _render(
    repo: Path, *, check: bool, fresh: bool, validate: bool, kube_version_default: str | None
) -> tuple[int, Plan]:
    rendered = repo / RENDERED_DIR
    if not check and recover(rendered):
        click.echo(f"finished an interrupted render of {RENDERED_DIR}/", err=True)
    sources = read_sources(repo)
    # Options do not change the output, so they are not inputs. (`hubless validate` always
    # validates; a render of unchanged sources trusts the render that wrote them.)
    inputs = inputs_digest(sources, "")
    stored = read_manifest(rendered)
    if (
        not fresh
        and stored is not None
        and stored.inputs == inputs
        and disk_digest(rendered) == stored.output
    ):
        # Same sources, and rendered/ holds exactly what they produced: nothing to do.
        click.echo(f"{RENDERED_DIR}/ is up to date" if check else "rendered: nothing changed")
        return 0, Plan()
    fleet = load_fleet(sources)
    for warning in inventory_warnings(fleet):
        click.echo(warning, err=True)
    policies = policies_digest(sources)
    text, where = previous_text(repo)
    entries = raw_entries(text, where) if text is not None else None
    previous = previous_of(entries, where) if entries is not None else {}
    if not fresh and stored is not None:
        quick = try_incremental(
            rendered, fleet, stored, policies, inputs, entries, previous
        ) or reuse_clusters(rendered, fleet, stored, policies, inputs, previous)
        if quick is not None:
            return _finish(
                rendered,
                quick.change,
                quick.compiled,
                fleet,
                check=check,
                validate=validate,
                kube_version_default=kube_version_default,
            )
    compiled = settle(fleet, previous, fresh=fresh)
    for warning in compiled.warnings:
        click.echo(warning, err=True)
    tree = desired_tree(compiled)
    manifest = Manifest(
        inputs,
        tree_digest(tree),
        policies,
        template_digests(fleet.templates),
        code_digest(),
        compiled.digests.clusters() if compiled.digests else {},
        compiled.digests.templates() if compiled.digests else {},
    )
    tree[MANIFEST_PATH] = manifest_bytes(manifest)
    change = plan(rendered, tree)
    return _finish(
        rendered,
        change,
        compiled,
        fleet,
        check=check,
        validate=validate,
        kube_version_default=kube_version_default,
    )


def _finish(
    rendered: Path,
    change: Plan,
    compiled: Compiled,
    fleet: Fleet,
    *,
    check: bool,
    validate: bool,
    kube_version_default: str | None,
) -> tuple[int, Plan]:
    """Validate the compiled objects, then report or write the change."""
    if validate:
        report = validate_compiled(compiled, fleet, kube_version_default)
        for warning in report.warnings:
            click.echo(warning, err=True)
        if report.errors:
            raise UserError(report.errors)
    _warn(compiled)
    if check:
        if change.empty:
            click.echo(f"{RENDERED_DIR}/ is up to date")
            return 0, change
        _print_stale(change)
        click.echo(f"{RENDERED_DIR}/ is out of date: run `hubless render`", err=True)
        return 1, change
    if not change.empty:
        remember(rendered, apply(rendered, change))
    objects = sum(len(items) for items in compiled.objects.values())
    click.echo(
        f"rendered {len(compiled.objects)} clusters, {objects} objects: "
        f"{len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0, change
