"""The ResourceQuota objects Karmada's FederatedResourceQuota sync controller writes
(pkg/controllers/federatedresourcequota/federated_resource_quota_sync_controller.go), as
templates placed by policies of their own, so that every render path, the digests and
`explain` treat them like any other object.

The controller writes, into each cluster listed in `spec.staticAssignments` that exists,
a `v1` `ResourceQuota` with the quota's name and namespace and that entry's limits as
`spec.hard` (the first entry naming the cluster); nothing for other clusters. It goes
straight to the cluster (a Work of its own): no propagation or override policy applies,
and no cluster filter (taints, API enablement) keeps it off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.dialects.base import Assembled, Previous
from hubless.documents import Document
from hubless.errors import Problems
from hubless.model import (
    Cluster,
    ClusterAffinity,
    OverridePolicy,
    OverrideRule,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ResourceSelector,
    ResourceTemplate,
    TargetCluster,
)
from hubless.quota.model import FederatedResourceQuota
from hubless.scheduler.core import Attempt, Rejection, Schedule

DIALECT = "FederatedResourceQuota"
STRATEGY = "FederatedResourceQuota staticAssignments"


@dataclass(frozen=True)
class AssignedClusters:
    """Every cluster of the inventory with an entry in spec.staticAssignments."""

    quota: FederatedResourceQuota

    def schedule(self, template: ResourceTemplate, clusters: Sequence[Cluster]) -> Schedule:
        targets, rejected = [], []
        for cluster in clusters:
            if self.quota.assignment(cluster.name) is None:
                rejected.append(Rejection(cluster.name, DIALECT, "not in spec.staticAssignments"))
            else:
                targets.append(TargetCluster(cluster.name, 0))
        attempt = Attempt(
            "",
            rejected=tuple(rejected),
            selected=tuple(t.name for t in targets),
            how="Karmada's sync controller writes one to each assigned cluster",
        )
        return Schedule(tuple(targets), "", STRATEGY, (attempt,))


@dataclass(frozen=True)
class Hard:
    """One cluster's limits, as spec.hard."""

    hard: tuple[tuple[str, str], ...]

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        # An empty list is left out, as Go's `omitempty` leaves it out of the Work.
        body["spec"] = {"hard": dict(self.hard)} if self.hard else {}
        return body


def resource_quota(quota: FederatedResourceQuota) -> dict[str, Any]:
    """The ResourceQuota before a cluster's spec.hard is written."""
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": quota.name, "namespace": quota.namespace},
    }


def assemble(
    documents: Sequence[Document],
    inputs: Sequence[Any],
    clusters: Sequence[Cluster],
    make_template: Callable[[Document], ResourceTemplate],
    problems: Problems,
    plain: Sequence[ResourceTemplate] = (),
    previous: Previous | None = None,
) -> Assembled:
    """A ResourceQuota template, its placement and each cluster's spec.hard, per quota
    (`previous` is not read: Karmada writes these objects wherever the quota says)."""
    names = {cluster.name for cluster in clusters}
    templates, propagation, override = [], [], []
    seen_quotas: dict[PolicyRef, FederatedResourceQuota] = {}
    for quota in (item for item in inputs if isinstance(item, FederatedResourceQuota)):
        ref = quota.ref
        if ref in seen_quotas:
            problems.add(
                quota.source, f"{ref} is defined twice (also at {seen_quotas[ref].source})"
            )
            continue
        seen_quotas[ref] = quota
        template = ResourceTemplate(
            "v1", "ResourceQuota", quota.namespace, quota.name, resource_quota(quota),
            quota.source, owner=ref,
        )  # fmt: skip
        selector = ResourceSelector("v1", "ResourceQuota", quota.namespace, quota.name)
        templates.append(template)
        propagation.append(
            PropagationPolicy(
                ref=ref,
                source=quota.source,
                resource_selectors=(selector,),
                placement=Placement(),
                dialect=DIALECT,
                scheduler=AssignedClusters(quota),
            )
        )
        seen: set[str] = set()
        rules = []
        for assignment in quota.assignments:
            if assignment.cluster in seen or assignment.cluster not in names:
                continue  # the controller reads the first entry naming an existing cluster
            seen.add(assignment.cluster)
            hard = tuple((name, amount.text) for name, amount in assignment.hard)
            rules.append(
                OverrideRule(
                    assignment.index,
                    assignment.source,
                    ClusterAffinity(cluster_names=(assignment.cluster,)),
                    Hard(hard),
                )
            )
        override.append(
            OverridePolicy(
                ref,
                quota.source,
                (selector,),
                tuple(rules),
                dialect=DIALECT,
                digest=quota.digest,
                rules_field="spec.staticAssignments",
            )
        )
    return Assembled(tuple(templates), tuple(propagation), tuple(override))
