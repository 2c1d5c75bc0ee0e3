"""`hubless bootstrap`: the manifests to apply once so a cluster pulls rendered/<cluster>/."""

from __future__ import annotations

from pathlib import Path

import click

from hubless import bootstrap as objects
from hubless.errors import UserError
from hubless.load import load_fleet, read_sources
from hubless.repository import RENDERED_DIR
from hubless.serialize import dump


def bootstrap(
    repo: Path,
    *,
    cluster: str | None,
    gitops: str,
    repo_url: str,
    revision: str,
    central: bool,
) -> int:
    if central:
        if gitops != objects.ARGOCD:
            raise UserError.at(None, "--central is an Argo CD ApplicationSet: use --gitops argocd")
        documents = [objects.argocd_applicationset(repo_url, revision, RENDERED_DIR)]
    else:
        if cluster is None:
            raise UserError.at(None, "--cluster is required (or --central for a hub Argo CD)")
        known = {c.name for c in load_fleet(read_sources(repo)).clusters}
        if known and cluster not in known:
            raise UserError.at(None, f"no cluster {cluster!r} in the inventory")
        documents = objects.objects(gitops, cluster, repo_url, revision)
    click.echo("---\n".join(dump(document) for document in documents), nl=False)
    return 0
