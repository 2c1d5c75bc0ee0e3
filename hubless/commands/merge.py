"""`hubless merge`: combine the shards of `render --shard K/N` into rendered/."""

from __future__ import annotations

from pathlib import Path

import click

from hubless.build import shards
from hubless.build.printed import lines
from hubless.build.state.lock import WAITING


def _waiting() -> None:
    click.echo(WAITING, err=True)


def merge(repo: Path) -> int:
    merged = shards.merge(repo, _waiting)
    for line in lines(merged.warnings, validated=merged.validated):
        click.echo(line, err=True)
    change = merged.change
    click.echo(
        f"merged: {len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0
