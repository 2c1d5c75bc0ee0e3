"""What a kind is: cluster-scoped or namespaced, and whether Karmada would propagate it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from hubless.crds import declared
from hubless.known_kinds import KNOWN_SCOPES

# Built-in cluster-scoped kinds, by (API group, kind). Custom kinds take their scope from
# a CustomResourceDefinition in templates/, or from hubless.known_kinds.
BUILTIN_CLUSTER_SCOPED = frozenset(
    [
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("policy", "PodSecurityPolicy"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
    ]
)

BUILTIN_NAMESPACED = frozenset(
    [
        *(
            ("", kind)
            for kind in (
                "Pod",
                "Service",
                "ConfigMap",
                "Secret",
                "ServiceAccount",
                "Endpoints",
                "PersistentVolumeClaim",
                "LimitRange",
                "ResourceQuota",
                "PodTemplate",
                "ReplicationController",
                "Event",
            )
        ),
        *(
            ("apps", kind)
            for kind in (
                "Deployment",
                "ReplicaSet",
                "StatefulSet",
                "DaemonSet",
                "ControllerRevision",
            )
        ),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("networking.k8s.io", "Ingress"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("coordination.k8s.io", "Lease"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("storage.k8s.io", "CSIStorageCapacity"),
        ("events.k8s.io", "Event"),
        ("resource.k8s.io", "ResourceClaim"),
        ("resource.k8s.io", "ResourceClaimTemplate"),
        ("multicluster.x-k8s.io", "ServiceImport"),
        ("multicluster.x-k8s.io", "ServiceExport"),
    ]
)

# Karmada's control-plane API groups: such objects are never resource templates.
KARMADA_GROUPS = frozenset(
    [
        "cluster.karmada.io",
        "policy.karmada.io",
        "work.karmada.io",
        "config.karmada.io",
        "networking.karmada.io",
        "autoscaling.karmada.io",
        "remedy.karmada.io",
        "apps.karmada.io",
    ]
)

# Karmada objects a compiler cannot act on, and why; an error wherever they are written.
NOT_READ: dict[tuple[str, str], str] = {
    ("config.karmada.io", "ResourceInterpreterWebhookConfiguration"): (
        "it calls an interpreter webhook at run time, which a compiler cannot"
    ),
    ("apps.karmada.io", "WorkloadRebalancer"): (
        "it is a one-shot action at run time (`hubless render --fresh` schedules afresh)"
    ),
    ("policy.karmada.io", "ClusterTaintPolicy"): (
        "it taints clusters from their live conditions at run time (`hubless clusters "
        "refresh` writes the conditions into git; write NoExecute taints by hand)"
    ),
    ("remedy.karmada.io", "Remedy"): "it acts on live cluster conditions at run time",
}


def not_read(api_version: str, kind: str) -> str | None:
    """Why hubless does not read this Karmada object, or None."""
    reason = NOT_READ.get((group_of(api_version), kind))
    return f"{api_version} {kind} is not read by hubless: {reason}" if reason else None


# Karmada's detector never propagates these groups or namespaces.
_SKIPPED_GROUPS = frozenset(["events.k8s.io", "coordination.k8s.io"])
_SKIPPED_NAMESPACE = re.compile(r"karmada-system|karmada-cluster|karmada-es-.*|kube-.*")


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def crd_scopes(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced?, from the CustomResourceDefinitions among `objects`."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        found = declared(obj)
        if found is not None:
            scopes[(found.group, found.kind)] = found.namespaced
    return scopes


def scope(group: str, kind: str, crds: Mapping[tuple[str, str], bool]) -> bool | None:
    """Whether a kind is namespaced: the built-in tables, then the CRDs of templates/ (a
    user's CRD is the authority), then the kinds hubless knows; None when none says."""
    if (group, kind) in BUILTIN_CLUSTER_SCOPED:
        return False
    if (group, kind) in BUILTIN_NAMESPACED:
        return True
    if (group, kind) in crds:
        return crds[(group, kind)]
    return KNOWN_SCOPES.get((group, kind))


def unknown_scope(group: str, kind: str) -> str:
    """Why an object of a kind whose scope() is None cannot be read."""
    where = f"group {group}" if group else "the core group"
    return (
        f"kind {kind} of {where} is not a built-in kind, no CustomResourceDefinition in "
        "templates/ declares it, and hubless does not know its scope: add its "
        "CustomResourceDefinition to templates/ (a CRD no policy selects goes to no cluster)"
    )


def is_namespaced(
    group: str, kind: str, has_namespace: bool, crds: Mapping[tuple[str, str], bool]
) -> bool:
    """scope(), or for a kind it does not know, whether the object names a namespace: for
    converters, whose output the loader reads again (and refuses such kinds)."""
    known = scope(group, kind, crds)
    return has_namespace if known is None else known


def skipped_by_karmada(group: str, kind: str, namespace: str) -> bool:
    """Objects Karmada's detector ignores: system namespaces, events, leases."""
    if namespace and _SKIPPED_NAMESPACE.fullmatch(namespace):
        return True
    if group in _SKIPPED_GROUPS or group in KARMADA_GROUPS:
        return True
    return group == "" and kind == "Event"


def is_reserved_namespace(name: str) -> bool:
    """Namespaces Karmada's namespace sync never copies to member clusters."""
    return name == "default" or bool(_SKIPPED_NAMESPACE.fullmatch(name))
