"""The `hubless` command line: parse arguments, call a command, print errors.

Each command's module is imported by the command that runs it, never here: a render with
nothing to do is mostly start-up, and should not pay for every other command's imports.
"""

from __future__ import annotations

import gc
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from hubless import __version__
from hubless import bootstrap as bootstrap_objects
from hubless.errors import UserError
from hubless.progress import on_stderr
from hubless.repository import check_fleet_repository
from hubless.status.durations import parse_duration

if TYPE_CHECKING:
    from hubless.status.clusters import ClusterState


def _fleet_repository(context: click.Context, parameter: click.Parameter, repo: Path) -> Path:
    check_fleet_repository(repo)
    return repo


_REPO = click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    callback=_fleet_repository,
    help="The fleet repository: holds policies/, templates/ and rendered/.",
)


def _max_age(context: click.Context, parameter: click.Parameter, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return (parse_duration(text), f"--cluster-status-max-age {text}")
    except ValueError as exc:
        raise UserError.at(None, f"--cluster-status-max-age: {exc}") from None


_CLUSTER_STATUS_MAX_AGE = click.option(
    "--cluster-status-max-age",
    "max_age",
    metavar="DURATION",
    callback=_max_age,
    help="Warn about every Cluster whose status `hubless clusters refresh` wrote longer "
    "ago than this (90s, 30m, 2h, 1d), or never.",
)


# How `status collect` and `clusters refresh` reach the clusters.
_KUBECONFIG = click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Default: $KUBECONFIG, then ~/.kube/config.",
)
_CONTEXTS = click.option(
    "--context",
    "contexts",
    multiple=True,
    metavar="CLUSTER=CONTEXT",
    help="The kubeconfig context of a cluster (default: its hubless.io/kubeconfig-context "
    "annotation, then its name). Repeatable.",
)


_KUBE_VERSION_DEFAULT = click.option(
    "--kube-version-default",
    metavar="X.Y",
    help="Kubernetes version for clusters whose Cluster object has no status.kubernetesVersion.",
)


_PROGRESS = click.option(
    "--progress",
    is_flag=True,
    help="Print each stage's count and rate to stderr even when it is not a terminal "
    "(on a terminal a long render shows them anyway).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hubless")
def cli() -> None:
    """Compile Karmada policies and plain manifests into rendered/<cluster>/ folders.

    The git repository is the hub: policies/ says where each resource in templates/ runs
    and how it differs per cluster; rendered/<cluster>/ is what Argo CD or Flux on that
    cluster applies.
    """


@cli.command()
@_REPO
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and list the files that differ if rendered/ is out of date.",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Ignore the previous placement and schedule from scratch (Karmada's WorkloadRebalancer).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Compile and compare everything, trusting nothing that rendered/.hubless/manifest.json "
    "says (it is committed: check a pull request with --check --no-cache).",
)
@click.option(
    "--no-validate",
    is_flag=True,
    help="Skip checking every object against its cluster's Kubernetes schema.",
)
@_KUBE_VERSION_DEFAULT
@_CLUSTER_STATUS_MAX_AGE
@click.option(
    "--commit",
    is_flag=True,
    help="Commit exactly the changes under rendered/ (with git), if there are any.",
)
@click.option("-m", "--message", help="Subject of the --commit commit.")
@click.option(
    "--shard",
    metavar="K/N",
    help="Render only the clusters of shard K of N into rendered/.hubless/shards/ "
    "(combine the shards with `hubless merge`).",
)
@_PROGRESS
def render(
    repo: Path,
    check: bool,
    fresh: bool,
    no_cache: bool,
    no_validate: bool,
    kube_version_default: str | None,
    max_age: tuple[timedelta, str] | None,
    commit: bool,
    message: str | None,
    shard: str | None,
    progress: bool,
) -> None:
    """Compile the fleet and write rendered/<cluster>/ (atomically, pruning stale files).

    Every cluster folder holds one YAML file per object, ready for an Argo CD directory
    Application (recurse: true) or a Flux Kustomization. The placement record goes to
    rendered/.hubless/.
    """
    from hubless.commands import render as render_command

    if shard is not None:
        # A shard writes its own folder, never rendered/: what these do there does not apply.
        for given, flag in (
            (check, "--check"),
            (commit, "--commit"),
            (message is not None, "--message"),
            (max_age is not None, "--cluster-status-max-age"),
        ):
            if given:
                raise UserError.at(None, f"{flag} does not apply to --shard (see `hubless merge`)")
        sys.exit(
            render_command.render_shard(
                repo,
                shard,
                fresh=fresh,
                validate=not no_validate,
                kube_version_default=kube_version_default,
                progress=on_stderr(sys.stderr, forced=progress),
            )
        )
    sys.exit(
        render_command.render(
            repo,
            check=check,
            fresh=fresh,
            no_cache=no_cache,
            validate=not no_validate,
            kube_version_default=kube_version_default,
            commit=commit,
            message=message,
            max_age=max_age,
            progress=on_stderr(sys.stderr, forced=progress),
        )
    )


@cli.command()
@_REPO
@click.argument("resource")
@click.option("--cluster", help="Explain for this cluster only.")
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json is stable, for scripts (see the README for its fields).",
)
def explain(repo: Path, resource: str, cluster: str | None, output: str) -> None:
    """Why RESOURCE is, or is not, on each cluster.

    RESOURCE is KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped object; KIND may
    name its API group (Deployment.apps). Shows the propagation policy that won and those
    that lost, every cluster's verdict with the filter that rejected it, the replicas, and
    the override rules applied on each cluster, in order.
    """
    from hubless.commands import explain as explain_command

    sys.exit(explain_command.explain(repo, resource, cluster=cluster, output=output))


@cli.command()
@_REPO
@_KUBE_VERSION_DEFAULT
@_CLUSTER_STATUS_MAX_AGE
def validate(
    repo: Path, kube_version_default: str | None, max_age: tuple[timedelta, str] | None
) -> None:
    """Check policies, templates and every rendered object; write nothing.

    Every object is checked against the OpenAPI schema of its cluster's Kubernetes version
    (status.kubernetesVersion), with unknown fields as errors; custom resources against
    the CustomResourceDefinitions in templates/. Kinds with no schema are listed as
    unvalidated.
    """
    from hubless.commands import validate as validate_command

    sys.exit(
        validate_command.validate(repo, kube_version_default=kube_version_default, max_age=max_age)
    )


@cli.command()
@_REPO
@click.option("--base", required=True, help="The git revision to compare from (e.g. origin/main).")
@click.option("--head", help="The git revision to compare to. Default: the work tree.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="markdown is made for a pull-request comment.",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything differs.")
def diff(repo: Path, base: str, head: str | None, output: str, exit_code: bool) -> None:
    """What a change does to every cluster's rendered objects.

    Sources and placement records are read from git at each revision (no checkout) and
    compiled in memory: objects added, removed and changed per cluster, with a unified
    diff of each.
    """
    from hubless.commands import diff as diff_command

    sys.exit(diff_command.diff(repo, base=base, head=head, output=output, exit_code=exit_code))


@cli.command()
@_REPO
@click.option("--cluster", help="The cluster that will pull rendered/<cluster>/.")
@click.option(
    "--gitops", type=click.Choice(["argocd", "flux"]), required=True, help="Argo CD or Flux."
)
@click.option("--repo-url", required=True, help="The URL the cluster pulls this repository from.")
@click.option("--revision", default="main", show_default=True, help="The branch to follow.")
@click.option(
    "--central",
    is_flag=True,
    help="An ApplicationSet for a central Argo CD that pushes to every cluster folder.",
)
@click.option(
    "--report-status",
    type=click.Choice(list(bootstrap_objects.FLUX_STATUS_PROVIDERS)),
    help="The git host: also print what makes the cluster post a commit status "
    "hubless/<cluster> on the commit it deployed (Argo CD: github only).",
)
def bootstrap(
    repo: Path,
    cluster: str | None,
    gitops: str,
    repo_url: str,
    revision: str,
    central: bool,
    report_status: str | None,
) -> None:
    """Print the manifests to apply once on a cluster so it pulls its own folder.

    Argo CD: an Application (directory source, recurse, automated sync with prune and
    self-heal, server-side apply). Flux: a GitRepository trimmed to the cluster's folder
    and a Kustomization (prune, wait). A Cluster annotated hubless.io/gitops (with
    hubless.io/repo-url) gets these objects rendered into its own folder instead.
    --report-status adds, for Flux, a notification Provider and Alert; for Argo CD, the
    argocd-notifications-cm trigger and template and the Application's subscription.
    """
    from hubless.commands import bootstrap as bootstrap_command

    sys.exit(
        bootstrap_command.bootstrap(
            repo,
            cluster=cluster,
            gitops=gitops,
            repo_url=repo_url,
            revision=revision,
            central=central,
            report_status=report_status,
        )
    )


@cli.command()
@_REPO
@click.option(
    "--to",
    "target",
    type=click.Choice(["karmada"]),
    required=True,
    help="The dialect to write.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("converted"),
    show_default=True,
    help="Where policies/karmada.yaml and templates/karmada.yaml are written.",
)
def convert(repo: Path, target: str, out: Path) -> None:
    """Rewrite KubeAdmiral and Kubefed objects as Karmada policies.

    Converts only where Karmada means exactly the same (the same objects on the same
    clusters, for any cluster inventory) and lists, per object, what has no equivalent
    and what was written instead, so that a migration can be finished knowingly.
    """
    from hubless.commands import convert as convert_command

    sys.exit(convert_command.convert(repo, out))


@cli.command()
@_REPO
def merge(repo: Path) -> None:
    """Combine the shards of `render --shard K/N` into rendered/.

    Every shard 1..N must be in rendered/.hubless/shards/ (CI jobs upload and download
    them as artifacts); the result is what one render of the whole fleet writes.
    """
    from hubless.commands import merge as merge_command

    sys.exit(merge_command.merge(repo))


@cli.group(invoke_without_command=True)
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The fleet repository: holds policies/, templates/ and rendered/.",
)
@click.option(
    "--from",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="A file or folder of exported objects or ClusterReports (repeatable).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="json is stable, for scripts (see the README); markdown fits a PR comment.",
)
@click.option(
    "--require",
    type=click.Choice(["current", "healthy"]),
    help="Exit 1 naming every cluster that is not current (healthy: current and healthy).",
)
@click.option(
    "--max-age",
    metavar="DURATION",
    help="Reports older than this (90s, 30m, 2h, 1d) count as unknown.",
)
@click.pass_context
def status(
    context: click.Context,
    repo: Path,
    sources: tuple[Path, ...],
    output: str,
    require: str | None,
    max_age: str | None,
) -> None:
    """Whether each cluster runs what rendered/ says it should, and is healthy.

    Reads Argo CD Applications, Flux Kustomizations and live objects as `kubectl get -o
    json|yaml` prints them, and ClusterReports, from --from files and folders. A cluster
    is current when its agent runs the last commit that changed rendered/<cluster>/, or a
    descendant of it.
    """
    if context.invoked_subcommand is not None:
        return
    from hubless.commands import status as status_command

    check_fleet_repository(repo)
    sys.exit(status_command.status(repo, sources, output=output, require=require, max_age=max_age))


@status.command("collect")
@_REPO
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("status"),
    show_default=True,
    help="Where <cluster>.json is written for every cluster of the inventory.",
)
@_KUBECONFIG
@_CONTEXTS
@click.option(
    "--gitops-context",
    metavar="CONTEXT",
    help="Read the Argo CD Applications and Flux Kustomizations of every cluster from this "
    "context (a central Argo CD), not from each cluster.",
)
def collect(
    repo: Path,
    out: Path,
    kubeconfig: Path | None,
    contexts: tuple[str, ...],
    gitops_context: str | None,
) -> None:
    """Read, never write, what every cluster runs: its Argo CD Applications and Flux
    Kustomizations deploying rendered/<cluster>, and the live objects that folder lists.

    Each cluster's report goes to <out>/<cluster>.json; `hubless status --from <out>` reads
    them. A cluster that cannot be read gets a report saying why and a warning; the others
    are read all the same, and the exit status is 1.
    """
    # (The kubernetes client alone takes a tenth of a second to import.)
    from hubless.commands import collect as collect_command

    sys.exit(
        collect_command.collect_status(
            repo,
            out=out,
            kubeconfig=kubeconfig,
            contexts=contexts,
            gitops_context=gitops_context,
        )
    )


@cli.group()
def clusters() -> None:
    """Keep the Cluster objects of policies/ true to their clusters."""


@clusters.command()
@_REPO
@_KUBECONFIG
@_CONTEXTS
@click.option(
    "--threshold",
    type=int,
    default=1,
    show_default=True,
    help="Consecutive refreshes that must agree before Ready changes.",
)
def refresh(repo: Path, kubeconfig: Path | None, contexts: tuple[str, ...], threshold: int) -> None:
    """Rewrite each Cluster's status from its cluster, as Karmada's controller would.

    Reads (GET only) /readyz or /healthz, /version, discovery, nodes and pods, and
    writes kubernetesVersion, apiEnablements, conditions, nodeSummary and
    resourceSummary into the Cluster's own file, every other byte unchanged. An
    unreachable cluster becomes Ready False (ClusterNotReachable); the others go on.
    """
    from hubless.commands import clusters as clusters_command

    sys.exit(
        clusters_command.refresh(
            repo, kubeconfig=kubeconfig, contexts=contexts, threshold=threshold
        )
    )


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM (a CI job cancelled, `kill`). A BaseException, like
    KeyboardInterrupt, so that no handler of ordinary errors (Jinja2's, say) takes it for
    a fault of the input; not KeyboardInterrupt itself, which click would answer with a
    blank line of its own."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def main() -> None:
    # One command per process, over millions of short-lived acyclic dicts and lists:
    # reference counting frees them, and the cycle collector's passes over everything
    # alive cost a fifth of a large render and free nothing.
    gc.disable()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        cli(standalone_mode=False)
    except UserError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    except (Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        # Nothing half-written stays visible: an uncommitted render is dropped, a committed
        # one is finished by the next run.
        click.echo("error: interrupted", err=True)
        sys.exit(1)
    except MemoryError:
        click.echo("error: out of memory", err=True)
        sys.exit(1)
    except OSError as exc:
        # A fault of the machine that no more specific handler named (a full disk, a
        # permission): one line, the path first when there is one.
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"{where}error: {exc.strerror or exc}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


_STATUS_FROM = click.option(
    "--status",
    "sources",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="Cluster status for the healthy gate: exports or ClusterReports, as `hubless status "
    "--from` reads them (repeatable). Without it the healthy gate does not hold.",
)


def _health(repo: Path, sources: tuple[Path, ...]) -> dict[str, ClusterState] | None:
    """The clusters' status for the healthy gate; None when no --status was given."""
    from hubless.commands import status as status_command

    return status_command.states_from(repo, sources, datetime.now(UTC)) if sources else None


def _render_now(repo: Path) -> int:
    from hubless.commands import render as render_command

    return render_command.render(repo, check=False)


@cli.group()
def rollout() -> None:
    """Progressive rollouts of RolloutPolicies: status, advance, abort."""


@rollout.command("status")
@_REPO
@click.argument("name", required=False)
@_STATUS_FROM
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="json is stable, for scripts; markdown fits a PR comment.",
)
def rollout_status(repo: Path, name: str | None, sources: tuple[Path, ...], output: str) -> None:
    """Each rollout under way (or NAME): every wave's clusters, updated or held, and whether
    each gate before the next batch holds now."""
    health = _health(repo, sources)
    from hubless.commands import rollout as rollout_command

    sys.exit(rollout_command.status(repo, name, health=health, output=output))


@rollout.command("advance")
@_REPO
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Every rollout whose gates hold (never manual).")
@click.option("--force", is_flag=True, help="Skip the soak and healthy gates (never manual).")
@click.option("--commit", is_flag=True, help="Commit rendered/ as `render --commit` does.")
@_STATUS_FROM
def rollout_advance(
    repo: Path,
    name: str | None,
    every: bool,
    force: bool,
    commit: bool,
    sources: tuple[Path, ...],
) -> None:
    """Promote the next batch (or wave) of rollout NAME, or of --all, when its gates hold,
    and render."""
    if (name is None) == (not every):
        raise UserError.at(None, "name one rollout, or give --all")
    health = _health(repo, sources)
    from hubless.commands import rollout as rollout_command

    sys.exit(
        rollout_command.advance(
            repo, name, render=_render_now, health=health, force=force, commit=commit
        )
    )


@rollout.command("abort")
@_REPO
@click.argument("name")
@click.option("--commit", is_flag=True, help="Commit rendered/ as `render --commit` does.")
def rollout_abort(repo: Path, name: str, commit: bool) -> None:
    """Send every cluster back to rollout NAME's base content and end the rollout."""
    from hubless.commands import rollout as rollout_command

    sys.exit(rollout_command.abort(repo, name, render=_render_now, commit=commit))
