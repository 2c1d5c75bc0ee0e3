"""Beyond Karmada: a render fails when what it places in a quota's namespace would not fit
the quota. Karmada's scheduler ignores a FederatedResourceQuota (its API says so), so the
member clusters' quota admission refuses the pods at run time; a compiler sees every
replica at once and says so before anything is deployed (karmada#1420).

What a replica uses is what the scheduler reads: the per-replica requests Karmada's
interpreter reports for the template (limits standing in for missing requests, as the
API server defaults them), and one pod. Other quota resources (limits.*, object counts,
storage) are not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from hubless.errors import Problem
from hubless.interpreter import resource
from hubless.model import Fleet, ResourceKey, ResourceTemplate
from hubless.quantity import canonical, resource_form, units_amount
from hubless.quota.model import FederatedResourceQuota
from hubless.results import Decision

_COMPUTE = ("cpu", "memory", "ephemeral-storage")


def requested(quota_resource: str) -> str | None:
    """The container resource a quota resource counts the requests of; "pods" for the
    pod count; None when this check does not count it."""
    if quota_resource == "pods":
        return "pods"
    name = quota_resource.removeprefix("requests.")
    if name in _COMPUTE or name.startswith("hugepages-"):
        return name
    if quota_resource.startswith("requests.") and "/" in name:
        return name  # an extended resource: quota counts only its requests.<name>
    return None


def _per_replica(requests: Mapping[str, int], name: str) -> Fraction:
    if name == "pods":
        return Fraction(1)
    return units_amount(name, requests.get(name, 0))


class _Workload:
    def __init__(self, key: ResourceKey, requests: Mapping[str, int]) -> None:
        self.key = key
        self.requests = requests
        self.replicas: dict[str, int] = {}


def _workloads(fleet: Fleet, decisions: Iterable[Decision], namespace: str) -> list[_Workload]:
    templates: dict[ResourceKey, ResourceTemplate] = {t.key: t for t in fleet.templates}
    found = []
    for decision in decisions:
        key = decision.binding.resource
        template = templates.get(key)
        if key.namespace != namespace or template is None:
            continue
        placed = {t.name: t.replicas for t in decision.binding.clusters if t.replicas > 0}
        if not placed:
            continue
        interpreted = resource.replicas(
            fleet.interpreters, template, components=fleet.gates.detector_components
        )
        requests = interpreted.requirements.requests if interpreted.requirements else {}
        workload = _Workload(key, requests)
        workload.replicas = placed
        found.append(workload)
    return sorted(found, key=lambda w: w.key)


def _shown(name: str, amount: Fraction) -> str:
    return canonical(amount, resource_form(name))


def _over(
    quota_resource: str, limit: Fraction, workloads: list[_Workload], cluster: str | None
) -> tuple[str, str] | None:
    """(what is placed, by whom) when the placed amount exceeds `limit`; else None."""
    name = requested(quota_resource)
    if name is None:
        return None
    used, parts = Fraction(0), []
    for workload in workloads:
        per = _per_replica(workload.requests, name)
        count = (
            workload.replicas.get(cluster, 0)
            if cluster is not None
            else sum(workload.replicas.values())
        )
        if per and count:
            used += per * count
            parts.append(f"{workload.key} {count} x {_shown(name, per)}")
    if used <= limit:
        return None
    return _shown(name, used), ", ".join(parts)


def quota_errors(fleet: Fleet, decisions: Iterable[Decision]) -> list[Problem]:
    """Each quota resource a render would exceed, per assigned cluster, then overall."""
    decisions = list(decisions)
    inventory = {cluster.name for cluster in fleet.clusters}
    errors = []
    for quota in fleet.quotas:
        workloads = _workloads(fleet, decisions, quota.namespace)
        if not workloads:
            continue
        errors.extend(_cluster_errors(quota, workloads, inventory))
        for quota_resource, amount in quota.overall:
            over = _over(quota_resource, amount.value, workloads, None)
            if over is not None:
                errors.append(
                    Problem(
                        quota.overall_source,
                        f"{quota.ref}: {quota_resource} placed in namespace {quota.namespace} "
                        f"across the fleet would be {over[0]}, over spec.overall "
                        f"({amount.text}): {over[1]}",
                    )
                )
    return errors


def _cluster_errors(
    quota: FederatedResourceQuota, workloads: list[_Workload], inventory: set[str]
) -> list[Problem]:
    errors = []
    done: set[str] = set()
    for assignment in quota.assignments:
        if assignment.cluster in done or assignment.cluster not in inventory:
            continue  # the first entry naming a cluster is its ResourceQuota
        done.add(assignment.cluster)
        for quota_resource, amount in assignment.hard:
            over = _over(quota_resource, amount.value, workloads, assignment.cluster)
            if over is not None:
                errors.append(
                    Problem(
                        assignment.source,
                        f"{quota.ref}: {quota_resource} placed in namespace {quota.namespace} "
                        f"on cluster {assignment.cluster} would be {over[0]}, over its "
                        f"spec.staticAssignments[{assignment.index}] ({amount.text}): "
                        f"{over[1]}",
                    )
                )
    return errors
