"""`hubless render [--check]`: compile the fleet and write (or verify) rendered/."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from generator.compile import Compiled, compile_fleet, inventory_warnings
from generator.emit import RENDERED_DIR, Plan, apply, desired_tree, locked, plan, recover
from generator.errors import UserError
from generator.git import committed_text
from generator.load import load_fleet, read_sources
from generator.model import Fleet
from generator.record import RECORD_PATH, Previous, parse_record
from generator.validation import validate_compiled


def read_previous(repo: Path) -> Previous:
    """The last placement: the work tree's record, else the committed one, else none."""
    relative = f"{RENDERED_DIR}/{RECORD_PATH}"
    path = repo / relative
    if path.is_file() and not path.is_symlink():
        return parse_record(path.read_text(encoding="utf-8"), relative)
    text = committed_text(repo, relative)
    return parse_record(text, f"HEAD:{relative}") if text is not None else {}


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
    return compile_fleet(fleet, read_previous(repo), fresh=fresh, trace=trace)


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


def render(
    repo: Path,
    *,
    check: bool,
    fresh: bool = False,
    validate: bool = True,
    kube_version_default: str | None = None,
) -> int:
    run = functools.partial(
        _render, repo, fresh=fresh, validate=validate, kube_version_default=kube_version_default
    )
    if check:
        return run(check=True)
    rendered = repo / RENDERED_DIR

    def waiting() -> None:
        click.echo("waiting for another `hubless render` of this repository to finish", err=True)

    with locked(rendered, waiting):
        return run(check=False)


def _render(
    repo: Path, *, check: bool, fresh: bool, validate: bool, kube_version_default: str | None
) -> int:
    rendered = repo / RENDERED_DIR
    if not check and recover(rendered):
        click.echo(f"finished an interrupted render of {RENDERED_DIR}/", err=True)
    fleet = load_fleet(read_sources(repo))
    compiled = compile_repo(repo, fresh=fresh, fleet=fleet)
    for warning in compiled.warnings:
        click.echo(warning, err=True)
    if validate:
        report = validate_compiled(compiled, fleet, kube_version_default)
        for warning in report.warnings:
            click.echo(warning, err=True)
        if report.errors:
            raise UserError(report.errors)
    _warn(compiled)
    tree = desired_tree(compiled)
    change = plan(rendered, tree)
    if check:
        if change.empty:
            click.echo(f"{RENDERED_DIR}/ is up to date")
            return 0
        _print_stale(change)
        click.echo(f"{RENDERED_DIR}/ is out of date: run `hubless render`", err=True)
        return 1
    if not change.empty:
        apply(rendered, change)
    objects = sum(len(items) for items in compiled.objects.values())
    click.echo(
        f"rendered {len(compiled.objects)} clusters, {objects} objects: "
        f"{len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0
