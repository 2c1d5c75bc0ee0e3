"""`hubless validate`: check sources and every rendered object, writing nothing."""

from __future__ import annotations

from pathlib import Path

import click

from generator.commands.render import compile_repo
from generator.errors import UserError
from generator.load import load_fleet, read_sources
from generator.validation import validate_compiled


def validate(repo: Path, *, kube_version_default: str | None) -> int:
    fleet = load_fleet(read_sources(repo))
    compiled = compile_repo(repo, fleet=fleet)
    for warning in compiled.warnings:
        click.echo(warning, err=True)
    report = validate_compiled(compiled, fleet, kube_version_default)
    for warning in report.warnings:
        click.echo(warning, err=True)
    if report.errors:
        raise UserError(report.errors)
    objects = sum(len(items) for items in compiled.objects.values())
    click.echo(
        f"valid: {len(fleet.clusters)} clusters, {objects} objects, "
        f"{report.checked} checked against their cluster's Kubernetes schema"
    )
    return 0
