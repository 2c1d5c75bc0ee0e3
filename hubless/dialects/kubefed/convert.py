"""Kubefed v2 (types.kubefed.io Federated<Kind>, ReplicaSchedulingPreference) -> Karmada.

A Federated<Kind> becomes its member object as Kubefed builds it (the template without
annotations and finalizers, named and namespaced like the Federated object, kind from the
FederatedTypeConfig, apiVersion from the template or else the type config), a
PropagationPolicy named `<name>-<kind>` selecting exactly that object, and an OverridePolicy
of the same name with one rule per cluster carrying its clusterOverrides as plaintext.
Kubefed's `kubefed.io/managed` label is bookkeeping and is not added.

Placement is exact: a present `clusters` list (even empty) is clusterNames, else the
clusterSelector is a label selector (absent: no cluster; `{}`: every cluster). For a
namespaced type the FederatedNamespace's placement is intersected in, which one Karmada
ClusterAffinity states exactly (it ANDs names and selectors); without a FederatedNamespace
the object goes nowhere (KubeFed installed cluster-wide, its default). A FederatedNamespace
becomes a Namespace labelled to keep Karmada's namespace sync away (Kubefed only places it
where its placement says), a ClusterPropagationPolicy, and a shared ClusterOverridePolicy
that takes the label off the member copies again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hubless import kinds
from hubless.convert.affinity import NOTHING, Affinity, Inexpressible, from_label_selector, names
from hubless.convert.core import (
    Output,
    add_skip_label,
    as_dict,
    as_list,
    describe,
    group_of,
    metadata_of,
    name_of,
    namespace_of,
    override_policy,
    propagation_policy,
    zero_replica_gap,
)
from hubless.convert.patch import Operation, PatchError, to_plaintext
from hubless.dialects.jsonpatch_v4 import FORBIDDEN_PATHS
from hubless.dialects.kubefed.policies import DEFAULT_TARGETS
from hubless.errors import Source
from hubless.jsonvalue import deep_copy

CORE = "core.kubefed.io/v1beta1"
TYPES_GROUP = "types.kubefed.io"
SCHEDULING = "scheduling.kubefed.io/v1alpha1"
_RSP_TARGETS = ("FederatedDeployment", "FederatedReplicaSet")
_REPLICAS_PATH = "/spec/replicas"


@dataclass(frozen=True)
class TypeConfig:
    api_version: str
    kind: str
    plural: str | None
    namespaced: bool | None
    enabled: bool


@dataclass
class Context:
    types: dict[str, TypeConfig] = field(default_factory=dict)  # by Federated kind
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # FederatedNamespaces
    preferences: dict[tuple[str, str], tuple[dict[str, Any], Source]] = field(default_factory=dict)
    crds: dict[tuple[str, str], bool] = field(default_factory=dict)
    served: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (gv, kind) -> plural


def type_config(obj: dict[str, Any]) -> tuple[str, TypeConfig]:
    spec = as_dict(obj.get("spec"))
    target, federated = as_dict(spec.get("targetType")), as_dict(spec.get("federatedType"))
    group, version = str(target.get("group") or ""), str(target.get("version") or "")
    scope = target.get("scope")
    config = TypeConfig(
        f"{group}/{version}" if group else version,
        str(target.get("kind") or ""),
        target.get("pluralName") if isinstance(target.get("pluralName"), str) else None,
        None if scope is None else scope == "Namespaced",
        spec.get("propagation", "Enabled") != "Disabled",
    )
    return str(federated.get("kind") or "Federated" + config.kind), config


def placement_affinity(obj: Mapping[str, Any], *, selector_only: bool = False) -> Affinity:
    """Kubefed's placement of a Federated object as a ClusterAffinity."""
    placement = as_dict(as_dict(obj.get("spec")).get("placement"))
    clusters = placement.get("clusters")
    if isinstance(clusters, list) and not selector_only:
        listed = [str(as_dict(c).get("name", "")) for c in clusters]
        return names(listed) if listed else NOTHING  # an empty list places nowhere
    selector = placement.get("clusterSelector")
    if selector is None:
        return NOTHING  # no selector selects nothing; {} selects every cluster
    try:
        return from_label_selector(selector)
    except Inexpressible:
        return NOTHING  # Kubefed fails the placement


def _target(
    federated_kind: str, template: Mapping[str, Any], ctx: Context
) -> tuple[str, str, bool | None, str | None]:
    config = ctx.types.get(federated_kind)
    if config is not None:
        api_version = template.get("apiVersion") or config.api_version
        return str(api_version), config.kind, config.namespaced, config.plural
    kind = federated_kind.removeprefix("Federated")
    return str(template.get("apiVersion") or DEFAULT_TARGETS.get(kind, "")), kind, None, None


def member_object(
    obj: dict[str, Any], ctx: Context, out: Output, source: Source
) -> dict[str, Any] | None:
    """The object Kubefed writes to members before overrides; None when it writes none."""
    federated_kind, subject = str(obj.get("kind")), describe(obj)
    config = ctx.types.get(federated_kind)
    if ctx.types and config is None:
        out.gap(
            source,
            subject,
            f"no FederatedTypeConfig federates {federated_kind}: Kubefed ignores it; not converted",
        )
        return None
    if config is not None and not config.enabled:
        out.gap(
            source,
            subject,
            f"propagation of {federated_kind} is Disabled: Kubefed "
            "propagates nothing of it; not converted",
        )
        return None
    template = as_dict(as_dict(obj.get("spec")).get("template"))
    api_version, kind, namespaced, plural = _target(federated_kind, template, ctx)
    if not api_version or not kind:
        out.gap(
            source,
            subject,
            "no FederatedTypeConfig and no apiVersion in the template: "
            "the target type is unknown; not converted",
        )
        return None
    if namespaced is None:
        namespaced = kind != "Namespace" and kinds.is_namespaced(
            group_of(api_version), kind, bool(namespace_of(obj)), ctx.crds
        )
    # Kubefed drops the template's annotations and finalizers, then sets the identity.
    kept = {
        k: deep_copy(v)
        for k, v in metadata_of(template).items()
        if k not in ("annotations", "finalizers", "name", "namespace")
    }
    identity: dict[str, Any] = {"name": name_of(obj)}
    if namespaced:
        identity["namespace"] = namespace_of(obj) or "default"
    body = {"apiVersion": api_version, "kind": kind, "metadata": identity | kept}
    body.update(
        {
            k: deep_copy(v)
            for k, v in template.items()
            if k not in ("apiVersion", "kind", "metadata")
        }
    )
    ctx.served[(api_version, kind)] = plural
    return body


def _overrides(
    obj: dict[str, Any], base: dict[str, Any], drop_replicas: bool, source: Source, out: Output
) -> tuple[list[dict[str, Any]], set[str]] | None:
    """(rules, clusters Kubefed fails to patch); None when Kubefed rejects them all."""
    subject = describe(obj)
    items = [as_dict(i) for i in as_list(as_dict(obj.get("spec")).get("overrides"))]
    seen: set[str] = set()
    for item in items:
        cluster = str(item.get("clusterName", ""))
        paths = [str(as_dict(o).get("path", "")) for o in as_list(item.get("clusterOverrides"))]
        problem = ""
        if cluster in seen:
            problem = f"cluster {cluster} appears twice"
        elif len(set(paths)) != len(paths):
            problem = f"a path appears twice for cluster {cluster}"
        elif any(p in FORBIDDEN_PATHS for p in paths):
            problem = f"an override for cluster {cluster} changes the object's identity"
        seen.add(cluster)
        if problem:
            out.gap(
                source,
                subject,
                f"Kubefed rejects its overrides ({problem}) and propagates it nowhere; no policy",
            )
            return None
    rules, failed = [], set()
    for item in items:
        cluster = str(item.get("clusterName", ""))
        operations = [
            Operation(str(o.get("op") or "replace"), str(o.get("path", "")), o.get("value"))
            for o in map(as_dict, as_list(item.get("clusterOverrides")))
            if not (drop_replicas and o.get("path") == _REPLICAS_PATH)
        ]
        if not operations:
            continue
        try:
            plaintext = to_plaintext(base, operations)
        except PatchError as exc:
            failed.add(cluster)
            out.gap(
                source,
                subject,
                f"the overrides for cluster {cluster} fail under Kubefed ({exc}), which then "
                "does not write the object there; Karmada would fail the same patch. Written "
                "as excluding that cluster",
            )
            continue
        rules.append(
            {"targetCluster": {"clusterNames": [cluster]}, "overriders": {"plaintext": plaintext}}
        )
    return rules, failed


def _preference(
    rsp: dict[str, Any],
    rsp_source: Source,
    obj: dict[str, Any],
    body: dict[str, Any],
    ctx: Context,
    out: Output,
) -> tuple[Affinity, dict[str, Any]] | None:
    """Closest Karmada form of a ReplicaSchedulingPreference: (placement, replicaScheduling)."""
    spec, subject = as_dict(rsp.get("spec")), describe(rsp)
    total = spec.get("totalReplicas")
    if not isinstance(total, int) or isinstance(total, bool):
        out.gap(rsp_source, subject, "totalReplicas is missing; Kubefed ignores it; not converted")
        return None
    namespace = ctx.namespaces.get(namespace_of(obj))
    if spec.get("intersectWithClusterSelector"):
        if namespace is None:
            out.gap(
                rsp_source,
                subject,
                "intersectWithClusterSelector needs the FederatedNamespace, "
                "which is not in the input; Kubefed fails it; not converted",
            )
            return None
        candidates = placement_affinity(obj, selector_only=True).intersect(
            placement_affinity(namespace, selector_only=True)
        )
        if candidates.nothing:
            return None  # no candidate: Kubefed leaves the object's own placement alone
        where = "the clusters both its target's and its namespace's clusterSelector choose"
    else:
        # Every Ready cluster is a candidate; the namespace's placement still applies at sync.
        candidates = placement_affinity(namespace) if namespace is not None else NOTHING
        where = "every Ready cluster the namespace's placement allows"
    preferences = {str(k): as_dict(v) for k, v in as_dict(spec.get("clusters")).items()} or {
        "*": {"weight": 1}
    }
    named = sorted(k for k in preferences if k != "*")
    entries = [
        {"targetCluster": {"clusterNames": [c]}, "weight": preferences[c].get("weight")}
        for c in named
        if isinstance(preferences[c].get("weight"), int) and preferences[c]["weight"] > 0
    ]
    star = preferences.get("*")
    if star is not None and isinstance(star.get("weight"), int) and star["weight"] > 0:
        target = {"exclude": named} if named else {}
        entries.append({"targetCluster": target, "weight": star["weight"]})
    division: dict[str, Any] = {
        "replicaSchedulingType": "Divided",
        "replicaDivisionPreference": "Weighted",
    }
    if entries and not (len(entries) == 1 and entries[0]["targetCluster"] == {}):
        division["weightPreference"] = {"staticWeightList": entries}
    limits = sorted(
        {f for p in preferences.values() for f in ("minReplicas", "maxReplicas") if p.get(f)}
    )
    left_out = f"; {' and '.join(limits)} left out" if limits else ""
    out.gap(
        rsp_source,
        subject,
        f"Kubefed plans its {total} replicas over {where}: minReplicas first, then ceil-rounded "
        "weighted shares in FNV-hash order capped by maxReplicas, and it writes a 0-replica "
        "copy to every candidate that gets none. Karmada divides by Webster's method over "
        "static weights and writes nothing where a cluster gets 0. Written as "
        f"Divided static weights over the same clusters (the template's spec.replicas set to "
        f"{total}, the /spec/replicas overrides Kubefed wrote dropped){left_out}",
    )
    body_spec = body.setdefault("spec", {})
    if isinstance(body_spec, dict):
        body["spec"] = {
            "replicas": total,
            **{k: v for k, v in body_spec.items() if k != "replicas"},
        }
    return candidates, division


def convert_federated(
    obj: dict[str, Any], source: Source, ctx: Context, out: Output
) -> dict[str, Any] | None:
    """Template, policies and gaps of one Federated<Kind>; returns the template written."""
    body = member_object(obj, ctx, out, source)
    if body is None:
        return None
    out.templates.append(body)
    subject = describe(obj)
    federated_kind, kind = str(obj.get("kind")), str(body.get("kind"))
    group, name, namespace = (
        group_of(str(body.get("apiVersion"))),
        name_of(body),
        namespace_of(body),
    )
    is_namespace = (group, kind) == ("", "Namespace")
    base = deep_copy(body)  # what Kubefed patches: before Karmada's label or RSP replicas
    if is_namespace and not kinds.is_reserved_namespace(name):
        add_skip_label(body)  # Kubefed places it only where its placement says
    affinity = placement_affinity(obj)
    if namespace and not is_namespace:
        owner = ctx.namespaces.get(namespace)
        affinity = affinity.intersect(placement_affinity(owner)) if owner is not None else NOTHING
    division = None
    preference = ctx.preferences.get((namespace, name)) if federated_kind in _RSP_TARGETS else None
    if preference is not None:
        rsp, rsp_source = preference
        if as_dict(rsp.get("spec")).get("targetKind") == federated_kind:
            planned = _preference(rsp, rsp_source, obj, body, ctx, out)
            if planned is not None:
                affinity, division = planned
        else:
            out.gap(
                rsp_source,
                describe(rsp),
                f"targetKind is not {federated_kind}; Kubefed ignores it; not converted",
            )
    if as_dict(obj.get("spec")).get("retainReplicas"):
        out.gap(
            source,
            subject,
            "retainReplicas keeps the replica count each member has (set by "
            "an autoscaler); a compiled placement writes the template's; left out",
        )
    overrides = _overrides(obj, base, division is not None, source, out)
    if overrides is None:
        return body
    rules, failed = overrides
    if failed:
        affinity = affinity.intersect(Affinity(exclude=frozenset(failed)))
    zero_replica_gap(body, source, division is not None, out)
    if affinity.nothing:
        return body
    if namespace and kinds.skipped_by_karmada(group, kind, namespace):
        out.gap(
            source, subject, f"Karmada never propagates objects in namespace {namespace}; no policy"
        )
        return body
    if is_namespace and not kinds.is_reserved_namespace(name):
        out.skip_labelled.add(name)
    placement: dict[str, Any] = {}
    cluster_affinity = affinity.to_karmada()
    if cluster_affinity:
        placement["clusterAffinity"] = cluster_affinity
    if division is not None:
        placement["replicaScheduling"] = division
    base_name = f"{name}-{kind.lower()}"
    policy_kind = "PropagationPolicy" if namespace else "ClusterPropagationPolicy"
    out.policies.append(
        propagation_policy(
            out.claim(policy_kind, namespace, base_name), namespace, [body], placement
        )
    )
    if rules:
        override_kind = "OverridePolicy" if namespace else "ClusterOverridePolicy"
        out.policies.append(
            override_policy(
                out.claim(override_kind, namespace, base_name), namespace, [body], rules
            )
        )
    return body


def identity(
    obj: Mapping[str, Any], crds: Mapping[tuple[str, str], bool]
) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name) with a namespaced kind's namespace defaulted."""
    group, kind = group_of(str(obj.get("apiVersion", ""))), str(obj.get("kind", ""))
    namespace = namespace_of(obj)
    if not namespace and kind != "Namespace" and kinds.is_namespaced(group, kind, False, crds):
        namespace = "default"
    return group, kind, namespace, name_of(obj)


def plain(
    obj: dict[str, Any],
    source: Source,
    federated: set[tuple[str, str, str, str]],
    ctx: Context,
    out: Output,
) -> None:
    """A plain object beside Kubefed: Kubefed never propagates it, nor must Karmada."""
    key = identity(obj, ctx.crds)
    if key in federated:
        out.gap(
            source,
            describe(obj),
            f"the host cluster's own copy; Kubefed propagates the Federated{key[1]}'s template "
            "instead, which takes its place; left out",
        )
        return
    template = deep_copy(obj)
    if key[:2] == ("", "Namespace") and not kinds.is_reserved_namespace(key[3]):
        add_skip_label(template)
    out.templates.append(template)
