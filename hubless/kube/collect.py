"""What `hubless status collect` reads from each cluster, read-only.

For every cluster: the Argo CD Applications and Flux Kustomizations whose source path is
the cluster's folder (rendered/<cluster>), and the live objects that folder lists. The
gitops objects are listed across all namespaces; a 404 on the list means the CRD is not
installed, so the cluster has none of that kind. Live objects are found through
discovery (one resource list per group version they use): an object of a kind the cluster
does not serve, or that the server answers 404 for, is missing and left out.

One object of a resource in a namespace is read with a GET; two or more with one LIST of
that namespace's collection (paged), keeping those named. A GET per object would cost a
round trip each; a LIST per resource everywhere would pull every ConfigMap of a busy
namespace for the one hubless placed there. Both return the object as `kubectl get -o
json` prints it, so the report does not depend on which was used.

Anything but a 404 (refused, timed out, 401, 403, 5xx) makes the cluster's report an
error: a report that left out what it could not read would say objects are missing.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hubless.kube.connect import Unreachable
from hubless.kube.discovery import Resource, discover
from hubless.kube.reading import Get
from hubless.repository import RENDERED_DIR
from hubless.status.report_file import ClusterReport

APPLICATIONS = Resource("argoproj.io/v1alpha1", "applications", "Application", True)
KUSTOMIZATIONS = Resource("kustomize.toolkit.fluxcd.io/v1", "kustomizations", "Kustomization", True)
GITOPS = (APPLICATIONS, KUSTOMIZATIONS)

PAGE = 500  # objects per LIST response (the API server's chunking)
LIST_FROM = 2  # objects of one resource in one namespace read with one LIST
WORKERS = 8  # clusters read at once

# A Secret's values never go into a report (reports are committed): only that it exists.
_SECRET_VALUES = ("data", "stringData")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True, order=True)
class ObjectRef:
    """One object a cluster folder lists: what identifies it on the cluster."""

    api_version: str
    kind: str
    namespace: str
    name: str


def object_ref(body: Any) -> ObjectRef | None:
    """The identity of a rendered object; None when it is not a Kubernetes object."""
    if not isinstance(body, dict):
        return None
    metadata = body.get("metadata")
    api_version, kind = body.get("apiVersion"), body.get("kind")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace", "") if isinstance(metadata, dict) else ""
    if not all(isinstance(v, str) and v for v in (api_version, kind, name)):
        return None
    if not isinstance(namespace, str):
        return None
    assert isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str)
    return ObjectRef(api_version, kind, namespace, name)


def _folder(path: Any) -> str | None:
    """A source path as a folder of the repository: `./rendered/x/` is `rendered/x`."""
    if not isinstance(path, str) or not path:
        return None
    return posixpath.normpath(path).lstrip("/")


def deployed_folders(obj: Mapping[str, Any]) -> list[str]:
    """The repository folders an Application (spec.source.path, spec.sources[].path) or a
    Kustomization (spec.path) deploys."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return []
    paths: list[Any] = []
    if obj.get("kind") == KUSTOMIZATIONS.kind:
        paths.append(spec.get("path"))
    else:
        source = spec.get("source")
        if isinstance(source, dict):
            paths.append(source.get("path"))
        for each in spec.get("sources") or []:
            if isinstance(each, dict):
                paths.append(each.get("path"))
    return sorted({f for f in map(_folder, paths) if f is not None})


def cluster_folder(cluster: str) -> str:
    return f"{RENDERED_DIR}/{cluster}"


def deploying(objects: Iterable[dict[str, Any]], cluster: str) -> list[dict[str, Any]]:
    """The gitops objects that deploy `cluster`'s folder."""
    folder = cluster_folder(cluster)
    return [obj for obj in objects if folder in deployed_folders(obj)]


def as_printed(obj: Mapping[str, Any], resource: Resource) -> dict[str, Any]:
    """The object as `kubectl get -o json` prints it: apiVersion and kind set (items of a
    list response lack them), a Secret without its values."""
    printed = {**obj, "apiVersion": resource.group_version, "kind": resource.kind}
    if resource.group_version == "v1" and resource.kind == "Secret":
        for key in _SECRET_VALUES:
            printed.pop(key, None)
        metadata = printed.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        if isinstance(metadata, dict) and isinstance(annotations, dict):
            # kubectl apply keeps the whole object, values included, in this annotation.
            kept = {k: v for k, v in annotations.items() if k != _LAST_APPLIED}
            printed["metadata"] = {k: v for k, v in metadata.items() if k != "annotations"}
            if kept:
                printed["metadata"]["annotations"] = kept
    return printed


def list_objects(get: Get, resource: Resource, namespace: str = "") -> list[dict[str, Any]]:
    """Every object of a collection (all namespaces when `namespace` is empty), page by
    page; none when the server does not serve it (404)."""
    items: list[dict[str, Any]] = []
    query: list[tuple[str, str]] = [("limit", str(PAGE))]
    while True:
        page = get(resource.path(namespace), query)
        if not isinstance(page, dict):
            return items
        items.extend(i for i in page.get("items") or [] if isinstance(i, dict))
        metadata = page.get("metadata")
        token = metadata.get("continue") if isinstance(metadata, dict) else None
        if not isinstance(token, str) or not token:
            return items
        query = [("limit", str(PAGE)), ("continue", token)]


@dataclass(frozen=True)
class Read:
    """One request for live objects: a GET of one name, or a LIST keeping several."""

    resource: Resource
    namespace: str
    names: tuple[str, ...]


def plan_reads(
    refs: Iterable[ObjectRef], served: Callable[[str, str], Resource | None]
) -> list[Read]:
    """The requests that read these objects, in a fixed order; objects of kinds the
    cluster does not serve need none (they are missing)."""
    wanted: dict[tuple[Resource, str], set[str]] = {}
    for ref in refs:
        resource = served(ref.api_version, ref.kind)
        if resource is None:
            continue
        # A namespaced object written without a namespace lands in `default`, as
        # `kubectl apply` puts it; a cluster-scoped object ignores its namespace.
        namespace = (ref.namespace or "default") if resource.namespaced else ""
        wanted.setdefault((resource, namespace), set()).add(ref.name)
    return [
        Read(resource, namespace, tuple(sorted(names)))
        for (resource, namespace), names in sorted(
            wanted.items(),
            key=lambda entry: (entry[0][0].group_version, entry[0][0].plural, entry[0][1]),
        )
    ]


def read_objects(get: Get, refs: Sequence[ObjectRef]) -> list[dict[str, Any]]:
    """The live objects of `refs` that exist, as kubectl prints them."""
    discovery = discover(get, {ref.api_version for ref in refs})
    found: list[dict[str, Any]] = []
    for read in plan_reads(refs, discovery.resource):
        if len(read.names) < LIST_FROM:
            obj = get(read.resource.path(read.namespace, read.names[0]))
            if isinstance(obj, dict):
                found.append(as_printed(obj, read.resource))
            continue
        names = set(read.names)
        for obj in list_objects(get, read.resource, read.namespace):
            metadata = obj.get("metadata")
            if isinstance(metadata, dict) and metadata.get("name") in names:
                found.append(as_printed(obj, read.resource))
    return found


def read_gitops(get: Get) -> list[dict[str, Any]]:
    """Every Argo CD Application and Flux Kustomization of the cluster, all namespaces."""
    return [as_printed(obj, r) for r in GITOPS for obj in list_objects(get, r)]


def _identity(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    metadata = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion")),
        str(obj.get("kind")),
        str(metadata.get("namespace", "")),
        str(metadata.get("name", "")),
    )


def _unique(objects: Iterable[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """Each object once: a folder may list the Kustomization that deploys it."""
    return tuple({_identity(obj): obj for obj in objects}.values())


@dataclass(frozen=True)
class Target:
    """A cluster to read: the context that reaches it, the objects its folder lists."""

    cluster: str
    context: str
    objects: tuple[ObjectRef, ...] = ()


@dataclass(frozen=True)
class Collected:
    reports: tuple[ClusterReport, ...]  # one per target, in the targets' order
    warnings: tuple[str, ...] = field(default=())  # one line per cluster not read


# The reader of one kubeconfig context; raises Unreachable (hubless.kube.connect).
Connect = Callable[[str], Get]


def _read_cluster(target: Target, connect: Connect, with_gitops: bool) -> list[dict[str, Any]]:
    get = connect(target.context)
    gitops = deploying(read_gitops(get), target.cluster) if with_gitops else []
    return [*gitops, *read_objects(get, target.objects)]


def collect(
    targets: Sequence[Target],
    connect: Connect,
    now: Callable[[], datetime],
    *,
    gitops_context: str | None = None,
    workers: int = WORKERS,
) -> Collected:
    """Read every target, a bounded number at once; one cluster failing fails only its
    own report. With `gitops_context` (one Argo CD or Flux managing every cluster) the
    Applications and Kustomizations are read there once and each goes to the clusters whose
    folders it deploys; the clusters themselves are asked only for their live objects."""

    def one(target: Target) -> ClusterReport:
        started = now()
        try:
            items = _read_cluster(target, connect, with_gitops=gitops_context is None)
        except Unreachable as exc:
            return ClusterReport(target.cluster, started, target.context, (), str(exc))
        return ClusterReport(target.cluster, started, target.context, _unique(items))

    def central() -> list[dict[str, Any]] | str:
        assert gitops_context is not None
        try:
            return read_gitops(connect(gitops_context))
        except Unreachable as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets) + 1))) as pool:
        hub = pool.submit(central) if gitops_context is not None else None
        reports = list(pool.map(one, targets))
        gitops = hub.result() if hub is not None else None

    warnings = [f"warning: cluster {r.cluster}: {r.error}" for r in reports if r.error]
    if isinstance(gitops, str):
        warnings.append(f"warning: gitops context {gitops_context}: {gitops}")
        error = f"gitops context {gitops_context}: {gitops}"
        reports = [
            r if r.error else ClusterReport(r.cluster, r.collected_at, r.context, r.items, error)
            for r in reports
        ]
    elif gitops is not None:
        reports = [
            r
            if r.error
            else ClusterReport(
                r.cluster,
                r.collected_at,
                r.context,
                _unique([*deploying(gitops, r.cluster), *map(dict, r.items)]),
            )
            for r in reports
        ]
    return Collected(tuple(reports), tuple(warnings))
