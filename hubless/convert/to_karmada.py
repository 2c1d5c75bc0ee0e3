"""KubeAdmiral and Kubefed v2 objects -> Karmada's, converted only where Karmada means the same.

`convert_to_karmada` takes the parsed documents of a KubeAdmiral or Kubefed fleet
(control objects and plain manifests) and returns Karmada objects for policies/, plain
manifests for templates/, and the gaps: every place where the source says something
Karmada's semantics cannot reproduce exactly, with what was written instead. "Exactly"
means the same objects on the same clusters under Karmada's rules, for any cluster
inventory, not only the one converted; the few conversions that hold only for today's
clusters (a snapshot of matching cluster names) are gaps too.

Karmada binds templates to policies by the policies' resourceSelectors, KubeAdmiral by
labels on the objects and Kubefed by wrapping them: converted policies therefore select
each of their objects by apiVersion, kind, namespace and name.

Karmada objects already in the input pass through unchanged; control objects of other
kubeadmiral.io / kubefed.io kinds (runtime state, controller settings) are reported as
gaps and left out. Output order is deterministic: see `Conversion`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubless import kinds
from hubless.convert.clusters import api_enablements, kubeadmiral_cluster, kubefed_cluster
from hubless.convert.core import (
    Conversion,
    Gap,
    Output,
    describe,
    group_of,
    labels_of,
    metadata_of,
    name_of,
    namespace_of,
    skip_label_policy,
)
from hubless.dialects.kubeadmiral import names as admiral_names
from hubless.dialects.kubeadmiral.convert import propagation as kubeadmiral
from hubless.dialects.kubeadmiral.convert.overrides import convert_override_policies
from hubless.dialects.kubefed import convert as kubefed
from hubless.errors import Source
from hubless.jsonvalue import deep_copy

__all__ = ["Conversion", "Gap", "convert_to_karmada"]

_KARMADA_GROUPS = ("cluster.karmada.io", "policy.karmada.io")
_KA_POLICY_KINDS = (
    "PropagationPolicy",
    "ClusterPropagationPolicy",
    "OverridePolicy",
    "ClusterOverridePolicy",
)
_NAMESPACED_POLICIES = ("PropagationPolicy", "OverridePolicy")

Item = tuple[Source, dict[str, Any]]


def _is_source_group(group: str, suffix: str) -> bool:
    return group == suffix or group.endswith("." + suffix)


def convert_to_karmada(documents: Sequence[tuple[Source, dict[str, Any]]]) -> Conversion:
    """Convert KubeAdmiral / Kubefed objects (with their manifests) into Karmada's."""
    out = Output()
    admiral = kubeadmiral.Context()
    fed = kubefed.Context()
    admiral_clusters: list[Item] = []
    admiral_types: list[dict[str, Any]] = []
    fed_clusters: list[Item] = []
    federated: list[Item] = []
    plain: list[Item] = []
    for source, obj in documents:
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
            out.gap(source, "document", "not a Kubernetes object (no apiVersion or kind); left out")
            continue
        api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
        group = group_of(api_version)
        if group in _KARMADA_GROUPS:
            out.claim(kind, namespace_of(obj), name_of(obj))  # converted ones take other names
            out.policies.append(deep_copy(obj))
        elif api_version == admiral_names.CORE and kind == "FederatedCluster":
            admiral_clusters.append((source, obj))
        elif api_version == admiral_names.CORE and kind in _KA_POLICY_KINDS:
            metadata = metadata_of(obj)
            namespace = (
                str(metadata.get("namespace") or "default") if kind in _NAMESPACED_POLICIES else ""
            )
            admiral.policies[(kind, namespace, name_of(obj))] = (obj, source)
        elif api_version == admiral_names.CORE and kind == "SchedulingProfile":
            admiral.profiles.add(name_of(obj))
            out.gap(
                source,
                describe(obj),
                "Karmada's scheduler plugins are configured on the "
                "scheduler, not per policy; not converted (policies naming it are reported)",
            )
        elif api_version == admiral_names.CORE and kind == "FederatedTypeConfig":
            admiral_types.append(obj)
        elif api_version == kubefed.CORE and kind == "KubeFedCluster":
            fed_clusters.append((source, obj))
        elif api_version == kubefed.CORE and kind == "FederatedTypeConfig":
            federated_kind, config = kubefed.type_config(obj)
            fed.types[federated_kind] = config
        elif group == kubefed.TYPES_GROUP and kind.startswith("Federated"):
            federated.append((source, obj))
            if kind == "FederatedNamespace":
                fed.namespaces[name_of(obj)] = obj
        elif api_version == kubefed.SCHEDULING and kind == "ReplicaSchedulingPreference":
            key = (namespace_of(obj) or "default", name_of(obj))
            fed.preferences[key] = (obj, source)
        elif _is_source_group(group, "kubeadmiral.io") or _is_source_group(group, "kubefed.io"):
            out.gap(
                source,
                describe(obj),
                "run-time state or controller settings with no "
                "Karmada policy counterpart; not converted",
            )
        else:
            plain.append((source, obj))

    crds = kinds.crd_scopes(obj for _, obj in plain)
    admiral.crds = fed.crds = crds
    if admiral_types:
        admiral.types = kubeadmiral.type_configs(admiral_types)
    uses_admiral = bool(admiral_clusters or admiral.policies or admiral.profiles) or any(
        any(label in labels_of(obj) for label in admiral_names.POLICY_LABELS) for _, obj in plain
    )
    uses_kubefed = bool(fed_clusters or fed.types or federated or fed.preferences)

    for source, obj in admiral_clusters:
        info = kubeadmiral_cluster(obj, source, out)
        if info is not None:
            admiral.clusters.append(info)

    written = set()
    for source, obj in federated:
        body = kubefed.convert_federated(obj, source, fed, out)
        if body is not None:
            written.add(kubefed.identity(body, crds))

    bounds = []
    for source, obj in plain:
        labelled = any(label in labels_of(obj) for label in admiral_names.POLICY_LABELS)
        if labelled or (uses_admiral and not uses_kubefed):
            bound = kubeadmiral.prepare(obj, source, admiral, out)
            if bound is not None:
                bounds.append(bound)
        elif uses_kubefed:
            kubefed.plain(obj, source, written, fed, out)
        else:
            out.templates.append(deep_copy(obj))
    kubeadmiral.convert_propagation(bounds, admiral, out)
    convert_override_policies(bounds, admiral, out)

    if fed_clusters:
        served = dict(fed.served)
        for config in fed.types.values():
            if config.enabled:
                served.setdefault((config.api_version, config.kind), config.plural)
        enablements = api_enablements((gv, kind, plural) for (gv, kind), plural in served.items())
        for source, obj in fed_clusters:
            kubefed_cluster(obj, source, out, deep_copy(enablements))
    if out.skip_labelled:
        out.policies.append(skip_label_policy(sorted(out.skip_labelled)))
    return out.result()
