"""`hubless bootstrap`: the manifests to apply once so a cluster pulls rendered/<cluster>/
(and, with --report-status, posts a commit status on what it deployed)."""

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
    report_status: str | None = None,
) -> int:
    if central and gitops != objects.ARGOCD:
        raise UserError.at(None, "--central is an Argo CD ApplicationSet: use --gitops argocd")
    _check_status_provider(gitops, report_status)
    if central:
        documents = objects.central_objects(
            repo_url, revision, RENDERED_DIR, report_status=report_status
        )
    else:
        if cluster is None:
            raise UserError.at(None, "--cluster is required (or --central for a hub Argo CD)")
        known = {c.name for c in load_fleet(read_sources(repo)).clusters}
        if known and cluster not in known:
            raise UserError.at(None, f"no cluster {cluster!r} in the inventory")
        documents = objects.objects(
            gitops, cluster, repo_url, revision, report_status=report_status
        )
    click.echo("---\n".join(dump(document) for document in documents), nl=False)
    return 0


def _check_status_provider(gitops: str, provider: str | None) -> None:
    if provider is None:
        return
    hosts = (
        objects.ARGOCD_STATUS_PROVIDERS
        if gitops == objects.ARGOCD
        else objects.FLUX_STATUS_PROVIDERS
    )
    if provider not in hosts:
        tool = "Argo CD Notifications" if gitops == objects.ARGOCD else "Flux"
        raise UserError.at(
            None,
            f"--report-status {provider}: {tool} posts commit statuses to "
            + " and ".join(hosts)
            + " only",
        )
