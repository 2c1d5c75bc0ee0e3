"""KubeAdmiral FederatedCluster and Kubefed KubeFedCluster -> Karmada Cluster.

What the schedulers read is carried over: labels, taints, the Ready condition (from which
Karmada derives its not-ready / unreachable taints), the APIs a member serves and its
capacity. Connection settings (secretRef, insecure, useServiceAccount, caBundle) are not:
each system stores credentials in its own Secret format, and no placement depends on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, NamedTuple

from hubless.convert.core import (
    KARMADA_CLUSTER,
    Output,
    as_dict,
    as_list,
    describe,
    labels_of,
    name_of,
)
from hubless.errors import Source
from hubless.quantity import parse_quantity

_CLUSTER_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


class ClusterInfo(NamedTuple):
    """What the policy converters need to know about a converted cluster."""

    name: str
    labels: dict[str, str]
    has_resources: bool


def _condition(obj: dict[str, Any], kind: str) -> str:
    for condition in as_list(as_dict(obj.get("status")).get("conditions")):
        if as_dict(condition).get("type") == kind:
            return str(condition.get("status") or "")
    return ""


def _valid_name(name: str, source: Source, subject: str, out: Output) -> bool:
    if len(name) <= 48 and _CLUSTER_NAME.fullmatch(name):
        return True
    out.gap(
        source,
        subject,
        "Karmada cluster names are DNS labels of at most 48 characters; not converted, so "
        "nothing is placed on this cluster",
    )
    return False


def _cluster(name: str, labels: dict[str, str], endpoint: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = labels
    spec: dict[str, Any] = {"syncMode": "Push"}  # both sources push to their members
    if isinstance(endpoint, str) and endpoint:
        spec["apiEndpoint"] = endpoint
    return {"apiVersion": KARMADA_CLUSTER, "kind": "Cluster", "metadata": metadata, "spec": spec}


def _format_quantity(amount: Fraction) -> str | None:
    """A quantity string for an exact amount: binary suffixes when whole, else milli/nano."""
    if amount.denominator == 1:
        whole = amount.numerator
        for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
            if whole and whole % factor == 0:
                return f"{whole // factor}{suffix}"
        return str(whole)
    for suffix, factor in (("m", 1000), ("n", 10**9)):
        scaled = amount * factor
        if scaled.denominator == 1:
            return f"{scaled.numerator}{suffix}"
    return None


def _resource_summary(
    resources: dict[str, Any], source: Source, subject: str, out: Output
) -> dict[str, Any] | None:
    """KubeAdmiral's allocatable/available as Karmada's allocatable/allocated.

    Karmada's estimator takes allocatable minus allocated (minus allocating) as free, so
    allocated = allocatable - available leaves each cluster exactly KubeAdmiral's room.
    """
    allocatable = as_dict(resources.get("allocatable"))
    available = as_dict(resources.get("available"))
    if not allocatable:
        return None
    allocated: dict[str, str] = {}
    for name, raw in allocatable.items():
        total = parse_quantity(raw)
        free = parse_quantity(available.get(name, raw))
        if total is None or free is None:
            out.gap(source, subject, f"status.resources {name}: not a quantity; left out")
            continue
        used = _format_quantity(max(total - free, Fraction(0)))
        if used is None:
            out.gap(source, subject, f"status.resources {name}: allocated not representable")
            continue
        allocated[name] = used
    return {"allocatable": dict(allocatable), "allocated": allocated}


def kubeadmiral_cluster(obj: dict[str, Any], source: Source, out: Output) -> ClusterInfo | None:
    """A FederatedCluster as a Karmada Cluster; None when KubeAdmiral never schedules to it."""
    name, subject = name_of(obj), describe(obj)
    if _condition(obj, "Joined") != "True":
        out.gap(
            source,
            subject,
            "not Joined: KubeAdmiral never schedules onto it, and Karmada has no such state; "
            "not converted",
        )
        return None
    if not _valid_name(name, source, subject, out):
        return None
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    cluster = _cluster(name, labels_of(obj), spec.get("apiEndpoint"))
    taints = []
    for taint in as_list(spec.get("taints")):
        taint = as_dict(taint)
        effect = taint.get("effect")
        if effect not in _EFFECTS or not isinstance(taint.get("key"), str):
            out.gap(source, subject, f"taint {taint!r} is not a valid taint; left out")
            continue
        if effect == "PreferNoSchedule":
            out.gap(
                source,
                subject,
                f"PreferNoSchedule taint {taint['key']}: KubeAdmiral scores clusters by it, which "
                "decides which clusters maxClusters keeps; Karmada ignores it. Kept as a taint",
            )
        kept = {"key": taint["key"]}
        if taint.get("value"):
            kept["value"] = str(taint["value"])
        kept["effect"] = effect
        taints.append(kept)
    if taints:
        cluster["spec"]["taints"] = taints
    ready = _condition(obj, "Ready")
    conditions = [{"type": "Ready", "status": ready}] if ready else []
    api_types = status.get("apiResourceTypes")
    new_status: dict[str, Any] = {}
    if isinstance(api_types, list):
        # KubeAdmiral treats the list as complete: a type missing from it is not served.
        conditions.append({"type": "CompleteAPIEnablements", "status": "True"})
        new_status["apiEnablements"] = api_enablements(
            (
                _group_version(as_dict(t)),
                str(as_dict(t).get("kind", "")),
                as_dict(t).get("pluralName"),
            )
            for t in api_types
        )
    if conditions:
        new_status["conditions"] = conditions
    summary = _resource_summary(as_dict(status.get("resources")), source, subject, out)
    if summary is not None:
        new_status["resourceSummary"] = summary
    cluster["status"] = new_status
    out.policies.append(cluster)
    return ClusterInfo(name, labels_of(obj), summary is not None)


def _group_version(api_type: dict[str, Any]) -> str:
    group, version = str(api_type.get("group") or ""), str(api_type.get("version") or "")
    return f"{group}/{version}" if group else version


def plural(kind: str) -> str:
    """The usual English plural Kubernetes gives a kind's resource name."""
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return lower[:-1] + "ies"
    return lower + "s"


def api_enablements(types: Iterable[tuple[str, str, Any]]) -> list[dict[str, Any]]:
    """(groupVersion, kind, plural or None) entries as Karmada's status.apiEnablements."""
    by_version: dict[str, dict[str, str]] = {}
    for group_version, kind, resource in types:
        if not group_version or not kind:
            continue
        name = resource if isinstance(resource, str) and resource else plural(kind)
        by_version.setdefault(group_version, {})[kind] = name
    return [
        {
            "groupVersion": group_version,
            "resources": [{"name": by_version[group_version][k], "kind": k} for k in sorted(kinds)],
        }
        for group_version, kinds in sorted(by_version.items())
    ]


def kubefed_cluster(
    obj: dict[str, Any], source: Source, out: Output, served: list[dict[str, Any]]
) -> ClusterInfo | None:
    """A KubeFedCluster as a Karmada Cluster serving `served` (Karmada apiEnablements)."""
    name, subject = name_of(obj), describe(obj)
    if not _valid_name(name, source, subject, out):
        return None
    cluster = _cluster(name, labels_of(obj), as_dict(obj.get("spec")).get("apiEndpoint"))
    ready = _condition(obj, "Ready")
    cluster["status"] = {"apiEnablements": served}
    if ready:  # without one Karmada taints the cluster not-ready, as Kubefed skips it
        cluster["status"]["conditions"] = [{"type": "Ready", "status": ready}]
    out.gap(
        source,
        subject,
        "Kubefed keeps no record of the APIs a member serves (it writes and lets the member "
        "refuse); status.apiEnablements lists every type the converted templates use, as if "
        "this cluster served them all",
    )
    out.policies.append(cluster)
    return ClusterInfo(name, labels_of(obj), False)
