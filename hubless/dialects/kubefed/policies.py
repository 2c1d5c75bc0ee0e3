"""Kubefed's objects in policies/: KubeFedCluster, FederatedTypeConfig and
ReplicaSchedulingPreference, read into the model or into inputs of Kubefed's assembly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hubless.dialects.kubefed.names import (
    DIALECT,
)
from hubless.dialects.kubefed.planner import (
    ReplicaSchedulingSpec,
    parse_rsp_spec,
)
from hubless.documents import Document
from hubless.errors import Source
from hubless.fields import Fields
from hubless.model import (
    Cluster,
)

MANAGED_LABEL = "kubefed.io/managed"
REPLICAS_PATH = "/spec/replicas"
_RSP_TARGETS = ("FederatedDeployment", "FederatedReplicaSet")
# The target types `kubefedctl enable` sets up by default, for fleets without their FTCs.
DEFAULT_TARGETS = {
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "ConfigMap": "v1",
    "Deployment": "apps/v1",
    "Ingress": "networking.k8s.io/v1",
    "Job": "batch/v1",
    "Namespace": "v1",
    "ReplicaSet": "apps/v1",
    "Secret": "v1",
    "Service": "v1",
    "ServiceAccount": "v1",
}


@dataclass(frozen=True)
class TypeConfig:
    """A FederatedTypeConfig: which target type a Federated<Kind> wraps."""

    federated_kind: str
    api_version: str
    kind: str
    namespaced: bool
    propagation: bool
    source: Source


def declared_scopes(inputs: Sequence[Any]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced?, of the target types FederatedTypeConfigs declare."""
    return {
        (item.api_version.rpartition("/")[0], item.kind): item.namespaced
        for item in inputs
        if isinstance(item, TypeConfig)
    }


@dataclass(frozen=True)
class ReplicaPreference:
    """A ReplicaSchedulingPreference, matched to its target by namespace and name."""

    namespace: str
    name: str
    target_kind: str
    spec: ReplicaSchedulingSpec
    intersect_with_selector: bool
    source: Source


def read_top(document: Document, spec_fields: tuple[str, ...]) -> tuple[Fields, Fields, Fields]:
    """(the object, its metadata, its spec) with the fields a Kubefed object may have."""
    top = Fields(document, document.data, "")
    top.only(("apiVersion", "kind", "metadata", "spec", "status"))
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    spec = top.section("spec") or Fields(document, {}, "spec")
    spec.only(spec_fields)
    return top, metadata, spec


def parse_cluster(document: Document) -> Cluster:
    top, metadata, _ = read_top(
        document, ("apiEndpoint", "caBundle", "secretRef", "disabledTLSValidations", "proxyURL")
    )
    name = metadata.text("name", required=True)
    status = top.section("status") or Fields(document, {}, "status")
    ready = any(
        c.raw("type") == "Ready" and c.raw("status") == "True" for c in status.maps("conditions")
    )
    return Cluster(
        name=name,
        source=document.source,
        labels=metadata.string_map("labels"),
        body=dict(document.data),
        dialect=DIALECT,
        ready=ready,
    )


def parse_type_config(document: Document) -> TypeConfig:
    _, metadata, spec = read_top(
        document, ("targetType", "federatedType", "propagation", "statusType", "statusCollection")
    )
    name = metadata.text("name", required=True)
    target = spec.section("targetType")
    federated = spec.section("federatedType")
    if target is None or federated is None:
        raise spec.error(None, "targetType and federatedType are required")
    _, _, default_group = name.partition(".")  # <plural>.<group>
    group = target.text("group", default=default_group)
    version = target.text("version", required=True)
    return TypeConfig(
        federated_kind=federated.text("kind", required=True),
        api_version=f"{group}/{version}" if group else version,
        kind=target.text("kind", required=True),
        namespaced=target.enum("scope", ("Namespaced", "Cluster"), default="Namespaced")
        == "Namespaced",
        propagation=spec.enum("propagation", ("Enabled", "Disabled"), default="Enabled")
        == "Enabled",
        source=document.source,
    )


def parse_replica_preference(document: Document) -> ReplicaPreference:
    _, metadata, spec = read_top(
        document,
        ("targetKind", "totalReplicas", "rebalance", "clusters", "intersectWithClusterSelector"),
    )
    target_kind = spec.text("targetKind", required=True)
    if target_kind not in _RSP_TARGETS:
        raise spec.error("targetKind", f"must be one of {', '.join(_RSP_TARGETS)}")
    spec.integer("totalReplicas")
    preferences = spec.section("clusters")
    for cluster in preferences.mapping if preferences is not None else {}:
        assert preferences is not None
        entry = preferences.section(cluster)
        if entry is None:
            continue
        entry.only(("minReplicas", "maxReplicas", "weight"))
        for field in ("minReplicas", "maxReplicas", "weight"):
            if entry.integer(field) < 0:
                raise entry.error(field, "must not be negative")
    try:
        planned = parse_rsp_spec(spec.mapping)
    except ValueError as exc:
        raise spec.error(None, str(exc)) from None
    return ReplicaPreference(
        namespace=metadata.text("namespace", default="default"),
        name=metadata.text("name", required=True),
        target_kind=target_kind,
        spec=planned,
        intersect_with_selector=spec.flag("intersectWithClusterSelector"),
        source=document.source,
    )


def parse(document: Document) -> Cluster | TypeConfig | ReplicaPreference:
    kind = document.data.get("kind")
    if kind == "KubeFedCluster":
        return parse_cluster(document)
    if kind == "FederatedTypeConfig":
        return parse_type_config(document)
    return parse_replica_preference(document)
