"""Namespaces that objects are written into but that no cluster folder creates.

Argo CD and Flux apply a folder's objects as they are: an object whose namespace does not
exist on the cluster is refused by the API server. Neither creates it: Argo CD's
`CreateNamespace=true` creates only the Application's destination namespace (hubless's
Application has none, and its objects name their own), and a Flux Kustomization has no
such option (its targetNamespace must already exist or be in the folder). So a namespace
that has a folder in rendered/<cluster>/ must have its Namespace object in that cluster's
`_cluster/`, unless the cluster has it anyway: `default` and `kube-*` exist on every
cluster, and the namespace of a cluster's own bootstrap objects is where its GitOps tool
runs.

Worked out over the final tree's paths, so every way of rendering gets the same answer
from the same files, and cheaply (no object is read).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from hubless import bootstrap
from hubless.build.layout import CLUSTER_SCOPED_DIR, key_path
from hubless.build.state.paths import is_meta
from hubless.errors import Problem, Source
from hubless.model import Fleet, ResourceKey


def _exists_anyway(namespace: str) -> bool:
    return namespace == "default" or namespace.startswith("kube-")


def _bootstrap_namespaces(fleet: Fleet) -> dict[str, set[str]]:
    """Each self-managed cluster's bootstrap namespaces (its GitOps tool runs there)."""
    found: dict[str, set[str]] = {}
    for cluster in fleet.clusters:
        if cluster.gitops:
            objects = bootstrap.objects(
                cluster.gitops, cluster.name, cluster.gitops_repo_url, cluster.gitops_revision
            )
            found[cluster.name] = {body["metadata"]["namespace"] for body in objects}
    return found


def folders_of(paths: Iterable[str]) -> dict[str, set[str]]:
    """Paths below rendered/ as {folder: its file names}."""
    folders: dict[str, set[str]] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, set()).add(name)
    return folders


def namespace_warnings(folders: Mapping[str, Collection[str]], fleet: Fleet) -> tuple[Problem, ...]:
    """One warning per namespace that some clusters hold objects in but get no Namespace
    for, naming those clusters, at the first template (by path and line) placed in it on
    one of them. `folders` are every folder of rendered/ after the render, with their
    file names (`folders_of`)."""
    used: dict[str, set[str]] = {}  # cluster -> namespaces with a folder
    created: dict[str, set[str]] = {}  # cluster -> namespaces with a Namespace object
    # A Namespace's file name is this prefix, its name, ".yaml" (hubless.build.layout).
    namespace_prefix = key_path(ResourceKey("", "Namespace", "", "x")).split("/")[-1][:-6]
    for path, names in folders.items():
        parts = path.split("/")
        if len(parts) != 2 or is_meta(path + "/") or not names:
            continue
        cluster, folder = parts
        if folder != CLUSTER_SCOPED_DIR:
            used.setdefault(cluster, set()).add(folder)
            continue
        for name in names:
            if name.startswith(namespace_prefix) and name.endswith(".yaml"):
                created.setdefault(cluster, set()).add(name[len(namespace_prefix) : -len(".yaml")])
    bootstrapped = _bootstrap_namespaces(fleet)
    missing: dict[str, list[str]] = {}  # namespace -> clusters
    for cluster in sorted(used):
        exempt = created.get(cluster, set()) | bootstrapped.get(cluster, set())
        for namespace in used[cluster] - exempt:
            if not _exists_anyway(namespace):
                missing.setdefault(namespace, []).append(cluster)
    first: dict[str, Source] = {}  # namespace -> the first template placed in it
    for template in fleet.templates:
        clusters = missing.get(template.namespace)
        if clusters is None:
            continue
        found = first.get(template.namespace)
        if found is not None and found <= template.source:
            continue
        folder, _, name = key_path(template.key).rpartition("/")
        if any(name in folders.get(f"{c}/{folder}", ()) for c in clusters):
            first[template.namespace] = template.source
    warnings = []
    for namespace, clusters in sorted(missing.items()):
        noun = "cluster" if len(clusters) == 1 else "clusters"
        warnings.append(
            Problem.warning(
                first.get(namespace),
                f"objects in namespace {namespace} go to {noun} {', '.join(clusters)}, which "
                f"get no Namespace {namespace}: Argo CD and Flux fail to apply them unless it "
                "already exists there (Argo CD's CreateNamespace=true creates only an "
                "Application's destination namespace; a Flux Kustomization creates none); "
                "add a Namespace template",
            )
        )
    return tuple(warnings)
