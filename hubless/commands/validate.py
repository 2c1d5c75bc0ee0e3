"""`hubless validate`: check sources and every rendered object, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from hubless.build.plan import compile_repo
from hubless.dialects import refreshed
from hubless.errors import Problem, UserError
from hubless.inventory import stale_status_warnings
from hubless.validation import validate_compiled


def _print(problem: Problem) -> None:
    click.echo(str(problem), err=True)


def validate(
    repo: Path,
    *,
    kube_version_default: str | None,
    max_age: tuple[timedelta, str] | None = None,
    now: datetime | None = None,
) -> int:
    """`max_age`: (age, the option as given) past which a Cluster's status is stale."""
    compilation = compile_repo(repo, report=_print)
    fleet, compiled = compilation.fleet, compilation.compiled
    if max_age is not None:
        age, option = max_age
        for stale in stale_status_warnings(
            refreshed(fleet.clusters), age, now or datetime.now(UTC), option
        ):
            _print(stale)
    for warned in compiled.warnings:
        _print(warned.problem)
    report = validate_compiled(compiled, fleet, kube_version_default)
    for warning in report.warnings:
        _print(warning)
    if report.errors:
        raise UserError(report.errors)
    objects = sum(len(items) for items in compiled.objects.values())
    click.echo(
        f"valid: {len(fleet.clusters)} clusters, {objects} objects, "
        f"{report.checked} checked against their cluster's Kubernetes schema"
    )
    return 0
