"""The APIs a render installs, and the resources a missing API keeps off a cluster.

Karmada's APIEnablement filter reads each cluster's status.apiEnablements, which lists a
custom resource's API only once its CRD is installed there: a CRD and a resource of it
propagated together, the resource goes nowhere until the cluster reports the new API. A
compiler knows where the CRD goes, so a CRD placed on a cluster by this render serves its
versions there for the filter (a deliberate difference from Karmada). The CRD's own
template is read, before any override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hubless import crds
from hubless.errors import Problem
from hubless.model import Binding, Cluster, PolicyRef, ResourceTemplate
from hubless.scheduler import Schedule
from hubless.scheduler.filters.api_enablement import enabled_by_status

# (apiVersion, kind) -> cluster -> the name of the CRD placed there that serves it
ServedByRender = dict[tuple[str, str], dict[str, str]]


def served_by_render(placed: Iterable[tuple[ResourceTemplate, Binding]]) -> ServedByRender:
    """What the CRDs among `placed` serve, and where. Should two CRDs declare one kind, the
    first name in order stands."""
    served: ServedByRender = {}
    for template, binding in sorted(placed, key=lambda pair: pair[0].name):
        found = crds.declared(template.body)
        if found is None:
            continue
        for api_version in found.api_versions:
            where = served.setdefault((api_version, found.kind), {})
            for target in binding.clusters:
                where.setdefault(target.name, template.name)
    return served


def enabled_by_render(
    api_version: str, kind: str, clusters: Iterable[Cluster], served: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """(cluster, CRD name) for each cluster whose status.apiEnablements does not list the
    API but where a CRD this render places serves it."""
    return tuple(
        (cluster.name, served[cluster.name])
        for cluster in clusters
        if cluster.name in served and not enabled_by_status(api_version, kind, cluster)
    )


def missing_api_warning(
    template: ResourceTemplate,
    policy: PolicyRef,
    schedule: Schedule,
    clusters: Mapping[str, Cluster],
) -> Problem | None:
    """One warning naming the clusters that every filter but APIEnablement passes.

    Clusters with no status.apiEnablements at all are left out: their own warning says
    that nothing can go there."""
    names = [
        r.cluster
        for r in schedule.decisive.rejected
        if r.only_api and clusters[r.cluster].api_enablements
    ]
    if not names:
        return None
    where = ("cluster " if len(names) == 1 else "clusters ") + ", ".join(sorted(names))
    their = "its" if len(names) == 1 else "their"
    return Problem.warning(
        template.source,
        f"{template.key} does not go to {where}, which {policy} otherwise selects: "
        f"{template.api_version} {template.kind} is not in {their} status.apiEnablements "
        "and no CustomResourceDefinition this render places there serves it",
    )
