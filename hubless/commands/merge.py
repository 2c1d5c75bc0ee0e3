"""`hubless merge`: combine the shards of `render --shard K/N` into rendered/."""

from __future__ import annotations

from pathlib import Path

import click

from hubless.build import shards
from hubless.build.state.lock import WAITING


def _waiting() -> None:
    click.echo(WAITING, err=True)


def merge(repo: Path) -> int:
    change = shards.merge(repo, _waiting)
    click.echo(
        f"merged: {len(change.added)} files added, {len(change.changed)} changed, "
        f"{len(change.removed)} removed"
    )
    return 0
