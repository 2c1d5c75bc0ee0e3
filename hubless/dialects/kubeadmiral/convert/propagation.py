"""KubeAdmiral (core.kubeadmiral.io/v1alpha1) templates and propagation policies -> Karmada.

KubeAdmiral binds an object to its policies by labels on the object; Karmada binds by the
policy's resourceSelectors. So each KubeAdmiral (Cluster)PropagationPolicy becomes a
Karmada one of the same name whose selectors name every object that carried its label
(apiVersion, kind, namespace, name), and the labels come off the templates, as KubeAdmiral
takes them off before propagating. Objects whose scheduling annotations change what their
policy says, or whose kind KubeAdmiral places differently (Divide applies to types with a
replicas path only), get a policy of their own, named after the policy and the object.

Exact: Duplicate placement with clusterSelector, a single clusterAffinity term (or terms
that only name clusters), placement names, tolerations and follower scheduling
(propagateDeps). Everything else is reported as a gap with the closest form written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hubless import kinds
from hubless.convert.affinity import NOTHING, Affinity, Inexpressible, names
from hubless.convert.clusters import ClusterInfo
from hubless.convert.core import (
    Output,
    add_skip_label,
    annotations_of,
    as_dict,
    as_list,
    describe,
    group_of,
    labels_of,
    name_of,
    namespace_of,
    propagation_policy,
    zero_replica_gap,
)
from hubless.dialects.kubeadmiral.convert.selection import (
    Invalid,
    selector_affinity,
    selects,
    terms_affinity,
)
from hubless.dialects.kubeadmiral.names import (
    CLUSTER_OVERRIDE_POLICY_LABEL,
    CLUSTER_PROPAGATION_POLICY_LABEL,
    FEDERATION_ANNOTATIONS,
    NO_AUTO_PROPAGATION,
    NO_FEDERATED,
    OVERRIDE_POLICY_LABEL,
    POLICY_LABELS,
    PREFIX,
    PROPAGATION_POLICY_LABEL,
    RUNTIME_METADATA,
)
from hubless.errors import Source
from hubless.jsonvalue import deep_copy

# KubeAdmiral's default FederatedTypeConfigs: (group, kind) -> replicas path (Divide) or None.
DEFAULT_TYPES: dict[tuple[str, str], str | None] = {
    ("", "Namespace"): None, ("", "ConfigMap"): None, ("apps", "Deployment"): "spec.replicas",
    ("", "ServiceAccount"): None, ("", "Secret"): None, ("", "Service"): None,
    ("storage.k8s.io", "StorageClass"): None, ("", "PersistentVolume"): None,
    ("", "PersistentVolumeClaim"): None,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): None,
    ("rbac.authorization.k8s.io", "ClusterRole"): None,
    ("rbac.authorization.k8s.io", "RoleBinding"): None,
    ("rbac.authorization.k8s.io", "Role"): None, ("apps", "StatefulSet"): None,
    ("apps", "DaemonSet"): None, ("batch", "Job"): None, ("batch", "CronJob"): None,
    ("networking.k8s.io", "Ingress"): None, ("", "LimitRange"): None,
    ("", "ResourceQuota"): None, ("apiextensions.k8s.io", "CustomResourceDefinition"): None,
    ("autoscaling", "HorizontalPodAutoscaler"): None,
    ("multicluster.x-k8s.io", "ServiceImport"): None,
    ("multicluster.x-k8s.io", "ServiceExport"): None,
    ("discovery.k8s.io", "EndpointSlice"): None,
}  # fmt: skip
# Karmada infers dependencies of these kinds too, KubeAdmiral does not (they lead nothing).
_KARMADA_ONLY_LEADERS = frozenset(
    [
        ("networking.k8s.io", "Ingress"),
        ("apps", "ReplicaSet"),
        ("multicluster.x-k8s.io", "ServiceImport"),
    ]
)
_SPEC_FIELDS = frozenset(
    [
        "schedulingProfile", "schedulingMode", "replicasStrategy", "clusterSelector",
        "clusterAffinity", "tolerations", "maxClusters", "placement",
        "disableFollowerScheduling", "autoMigration", "reschedulePolicy", "stickyCluster",
        "replicaRescheduling",
    ]
)  # fmt: skip
PP, CPP = "PropagationPolicy", "ClusterPropagationPolicy"
OP, COP = "OverridePolicy", "ClusterOverridePolicy"
_READINESS_TAINTS = ("cluster.karmada.io/not-ready", "cluster.karmada.io/unreachable")

PolicyKey = tuple[str, str, str]  # kind, namespace, name


@dataclass
class Context:
    """The KubeAdmiral control objects of the input."""

    policies: dict[PolicyKey, tuple[dict[str, Any], Source]] = field(default_factory=dict)
    profiles: set[str] = field(default_factory=set)
    types: dict[tuple[str, str], str | None] = field(default_factory=lambda: dict(DEFAULT_TYPES))
    clusters: list[ClusterInfo] = field(default_factory=list)
    crds: dict[tuple[str, str], bool] = field(default_factory=dict)

    @property
    def has_resources(self) -> bool:
        return any(c.has_resources for c in self.clusters)


@dataclass
class Bound:
    """A federated template (as written to templates/) and the policies its labels name."""

    template: dict[str, Any]
    source: Source
    annotations: dict[str, str]  # as written, before KubeAdmiral's own ones come off
    propagation: PolicyKey | None
    overrides: list[PolicyKey]  # ClusterOverridePolicy first, as KubeAdmiral applies them

    @property
    def group_kind(self) -> tuple[str, str]:
        return group_of(str(self.template.get("apiVersion", ""))), str(self.template.get("kind"))

    @property
    def subject(self) -> str:
        return describe(self.template)


def type_configs(objects: list[dict[str, Any]]) -> dict[tuple[str, str], str | None]:
    """KubeAdmiral FederatedTypeConfigs in the input replace the default set."""
    types: dict[tuple[str, str], str | None] = {}
    for obj in objects:
        spec = as_dict(obj.get("spec"))
        source = as_dict(spec.get("sourceType"))
        replicas = as_dict(spec.get("pathDefinition")).get("replicasSpec")
        key = (str(source.get("group") or ""), str(source.get("kind") or ""))
        types[key] = replicas if isinstance(replicas, str) and replicas else None
    return types


def _clean(template: dict[str, Any]) -> None:
    """What KubeAdmiral takes off a template before member clusters see it."""
    template.pop("status", None)
    metadata = template.get("metadata")
    if not isinstance(metadata, dict):
        return
    for key in RUNTIME_METADATA:
        metadata.pop(key, None)
    for key, removed in (("labels", POLICY_LABELS), ("annotations", FEDERATION_ANNOTATIONS)):
        values = metadata.get(key)
        if isinstance(values, dict):
            for name in removed:
                values.pop(name, None)
            if not values:
                del metadata[key]


def _lookup(
    kind: str,
    namespace: str,
    name: str | None,
    subject: str,
    source: Source,
    ctx: Context,
    out: Output,
    missing: str,
) -> PolicyKey | None:
    if name is None:
        return None
    key = (kind, namespace, name)
    if key in ctx.policies:
        return key
    where = f"{namespace}/{name}" if namespace else name
    out.gap(
        source, subject, f"its label names {kind} {where}, which is not in the input: {missing}"
    )
    return None


def prepare(obj: dict[str, Any], source: Source, ctx: Context, out: Output) -> Bound | None:
    """Write the template as KubeAdmiral would propagate it; return its bindings."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    group, namespace, name = group_of(api_version), namespace_of(obj), name_of(obj)
    labels, annotations = labels_of(obj), annotations_of(obj)
    template = deep_copy(obj)
    out.templates.append(template)
    subject = describe(obj)
    is_namespace = (group, kind) == ("", "Namespace")
    if (group, kind) not in ctx.types or annotations.get(NO_FEDERATED):
        if any(label in labels for label in POLICY_LABELS):
            why = (
                "is annotated " + NO_FEDERATED
                if annotations.get(NO_FEDERATED)
                else (f"is of a kind ({kind}) KubeAdmiral's type configs do not federate")
            )
            out.gap(source, subject, f"it {why}, so its policy labels have no effect; no policy")
        if is_namespace and not kinds.is_reserved_namespace(name):
            add_skip_label(template)  # KubeAdmiral leaves it alone: so must Karmada's sync
        return None
    _clean(template)
    namespaced = kinds.is_namespaced(group, kind, bool(namespace), ctx.crds)
    pp_name = labels.get(PROPAGATION_POLICY_LABEL) if namespaced else None
    propagation = _lookup(
        PP,
        namespace,
        pp_name,
        subject,
        source,
        ctx,
        out,
        "KubeAdmiral does not schedule the object; no policy",
    )
    if propagation is None and pp_name is None:
        propagation = _lookup(
            CPP,
            "",
            labels.get(CLUSTER_PROPAGATION_POLICY_LABEL),
            subject,
            source,
            ctx,
            out,
            "KubeAdmiral does not schedule the object; no policy",
        )
    overrides = []
    for policy_kind, label, policy_namespace in (
        (COP, CLUSTER_OVERRIDE_POLICY_LABEL, ""),
        (OP, OVERRIDE_POLICY_LABEL, namespace),
    ):
        if policy_kind == OP and not namespaced:
            continue
        key = _lookup(
            policy_kind,
            policy_namespace,
            labels.get(label),
            subject,
            source,
            ctx,
            out,
            "KubeAdmiral computes no overrides for it; converted without them",
        )
        if key is not None:
            overrides.append(key)
    if is_namespace:
        propagation = _namespace(template, annotations, propagation, source, out)
    elif (
        namespaced and propagation is not None and kinds.skipped_by_karmada(group, kind, namespace)
    ):
        out.gap(
            source,
            subject,
            f"Karmada never propagates objects in namespace {namespace}; no policy",
        )
        propagation = None
    if annotations.get(PREFIX + "followers"):
        out.gap(
            source,
            subject,
            "the kubeadmiral.io/followers annotation makes the objects it lists follow this one; "
            "Karmada's propagateDeps follows only what the pod template references; left out",
        )
    if annotations.get(PREFIX + "disable-following") == "true":
        out.gap(
            source,
            subject,
            "kubeadmiral.io/disable-following keeps it from following the workloads that use "
            "it; Karmada's propagateDeps has no per-object opt-out; left out",
        )
    return Bound(template, source, annotations, propagation, overrides)


def _namespace(
    template: dict[str, Any],
    annotations: Mapping[str, str],
    propagation: PolicyKey | None,
    source: Source,
    out: Output,
) -> PolicyKey | None:
    """KubeAdmiral copies namespaces everywhere unless told not to; so does Karmada."""
    name = name_of(template)
    auto = not name.startswith("kube-") and annotations.get(NO_AUTO_PROPAGATION) != "true"
    reserved = kinds.is_reserved_namespace(name)
    if auto and reserved:
        out.gap(
            source,
            describe(template),
            "KubeAdmiral copies this namespace to every cluster; Karmada's namespace sync never "
            "copies default, kube-* or karmada-* namespaces; not propagated",
        )
        return None
    if auto:
        return None  # Karmada's namespace sync puts it everywhere, as KubeAdmiral does
    if not reserved:
        add_skip_label(template)
        if propagation is not None:
            out.skip_labelled.add(name)
    return propagation


def _json_annotation(annotations: Mapping[str, str], key: str) -> Any:
    try:
        return json.loads(annotations[key]) if key in annotations else None
    except ValueError:
        return None  # KubeAdmiral ignores what does not parse and keeps the policy's value


def effective_spec(
    spec: dict[str, Any], annotations: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The policy spec with the object's scheduling annotations applied, and their gaps."""
    effective, notes = dict(spec), []
    mode = annotations.get(PREFIX + "scheduling-mode")
    if mode in ("Duplicate", "Divide"):
        effective["schedulingMode"] = mode
    selector = _json_annotation(annotations, PREFIX + "clusterSelector")
    if isinstance(selector, dict):
        effective["clusterSelector"] = selector
    affinity = _json_annotation(annotations, PREFIX + "affinity")
    if isinstance(affinity, dict):
        cluster_affinity = as_dict(affinity.get("clusterAffinity"))
        required = cluster_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        if required is None:
            effective["clusterAffinity"] = []
        else:
            # A required section with no terms selects nothing: an empty term says that.
            effective["clusterAffinity"] = as_list(
                as_dict(required).get("clusterSelectorTerms")
            ) or [{}]
        if as_list(cluster_affinity.get("preferredDuringSchedulingIgnoredDuringExecution")):
            notes.append(
                "preferred cluster affinity (kubeadmiral.io/affinity) ranks clusters for "
                "maxClusters and Binpack; Karmada has no preferred cluster affinity; left out"
            )
    tolerations = _json_annotation(annotations, PREFIX + "tolerations")
    if isinstance(tolerations, list):
        effective["tolerations"] = tolerations
    max_clusters = annotations.get(PREFIX + "maxClusters", "")
    if max_clusters.isdigit():
        effective["maxClusters"] = int(max_clusters)
    placements = _json_annotation(annotations, PREFIX + "placements")
    if isinstance(placements, list):
        effective["placement"] = placements
    if annotations.get(PREFIX + "sticky-cluster") == "true":
        notes.append(
            "kubeadmiral.io/sticky-cluster keeps the first placement forever; Karmada "
            "reschedules when clusters change; left out"
        )
    if annotations.get(PREFIX + "no-scheduling"):
        notes.append(
            "kubeadmiral.io/no-scheduling makes KubeAdmiral keep whatever placement the object "
            "had; converted with its policy's placement"
        )
    return effective, notes


def _tolerations(tolerations: Any, gaps: list[str]) -> list[dict[str, Any]]:
    converted = []
    for item in as_list(tolerations):
        item = as_dict(item)
        operator = str(item.get("operator") or "")
        if operator not in ("", "Equal", "Exists"):
            gaps.append(f"toleration operator {operator!r} has no Karmada form; left out")
            continue
        kept = {
            k: item[k]
            for k in ("key", "operator", "value", "effect", "tolerationSeconds")
            if item.get(k) not in (None, "")
        }
        converted.append(kept)
        key, effect = str(item.get("key") or ""), str(item.get("effect") or "")
        value = str(item.get("value") or "")
        readiness = effect in ("", "NoSchedule") and (not key or key in _READINESS_TAINTS)
        if readiness and (operator == "Exists" or (not value and key)):
            gaps.append(
                f"toleration {kept} also tolerates the taints Karmada puts on clusters that "
                "are not Ready, so Karmada may place it there; KubeAdmiral never places "
                "onto a cluster that is not Ready. Kept as written"
            )
    return converted


def _divide(spec: dict[str, Any], ctx: Context, gaps: list[str]) -> dict[str, Any]:
    """The closest Karmada replica division to KubeAdmiral's Divide, with the reasons."""
    placements = [as_dict(p) for p in as_list(spec.get("placement"))]
    prefs = {str(p.get("cluster")): as_dict(p.get("preferences")) for p in placements}
    extras = sorted(
        {
            f
            for pref in prefs.values()
            for f in ("minReplicas", "maxReplicas", "priority")
            if pref.get(f)
        }
    )
    left_out = f"; {', '.join(extras)} left out" if extras else ""
    if spec.get("replicasStrategy") == "Binpack":
        gaps.append(
            "Divide with Binpack fills clusters one after another in priority then name order "
            "up to each maxReplicas; Karmada's Aggregated uses the fewest clusters that fit by "
            "estimated capacity and splits by Webster's method. Written as Divided/Aggregated"
            + left_out
        )
        return {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"}
    weights = {c: p["weight"] for c, p in prefs.items() if isinstance(p.get("weight"), int)}
    split = (
        "KubeAdmiral gives minReplicas first, then ceil-rounded weighted shares in FNV-hash "
        "order (so single replicas land elsewhere, and shares can be uneven: 7 over 3 equal "
        "clusters is 3/3/1); Karmada divides by Webster's method (7 is 3/2/2)"
    )
    division: dict[str, Any] = {
        "replicaSchedulingType": "Divided",
        "replicaDivisionPreference": "Weighted",
    }
    if weights:
        entries = [
            {"targetCluster": {"clusterNames": [c]}, "weight": w}
            for c, w in sorted(weights.items())
            if w > 0
        ]
        if entries:
            division["weightPreference"] = {"staticWeightList": entries}
        zero = (
            "; clusters with weight 0 get only their minReplicas"
            if len(entries) < len(weights)
            else ""
        )
        gaps.append(f"Divide with weights: {split}. Written as static weights{zero}{left_out}")
    elif ctx.has_resources:
        division["weightPreference"] = {"dynamicWeight": "AvailableReplicas"}
        gaps.append(
            f"Divide without weights weighs clusters by free CPU (capped at 1.4x their share of "
            f"allocatable); {split}, weighing clusters by the replicas each can still take. "
            f"Written as dynamicWeight: AvailableReplicas{left_out}"
        )
    else:
        gaps.append(
            f"Divide without weights and without cluster resources weighs clusters equally; "
            f"{split}. Written as equal static weights{left_out}"
        )
    return division


def scheduling(
    spec: dict[str, Any], divided: bool, ctx: Context
) -> tuple[dict[str, Any] | None, list[str]]:
    """Karmada placement for a KubeAdmiral scheduling spec (None: placed nowhere) + gaps."""
    gaps: list[str] = []
    profile = spec.get("schedulingProfile")
    if profile:
        if profile not in ctx.profiles:
            return None, [
                f"schedulingProfile {profile} is not in the input, so KubeAdmiral does not "
                "schedule the object; no policy"
            ]
        gaps.append(
            f"schedulingProfile {profile} changes KubeAdmiral's filter and score plugins; "
            "Karmada's plugins belong to the scheduler, not the policy. Converted as if the "
            "default plugins ran"
        )
    placement_names = [str(as_dict(p).get("cluster")) for p in as_list(spec.get("placement"))]
    affinity = selector_affinity(spec.get("clusterSelector"))
    if placement_names:
        affinity = affinity.intersect(names(placement_names))
    try:
        affinity = affinity.intersect(terms_affinity(spec.get("clusterAffinity")))
    except Invalid:
        affinity = NOTHING  # KubeAdmiral's affinity filter rejects every cluster
    except Inexpressible as exc:
        matched = [
            c.name
            for c in ctx.clusters
            if selects(
                spec.get("clusterSelector"),
                placement_names,
                spec.get("clusterAffinity"),
                c.name,
                c.labels,
            )
        ]
        gaps.append(
            f"{exc}; written as the clusters that match today ({', '.join(matched) or 'none'}): "
            "clusters added or relabelled later are not re-evaluated"
        )
        affinity = Affinity(names=frozenset(matched)) if matched else NOTHING
    if affinity.nothing:
        return None, gaps
    placement: dict[str, Any] = {}
    cluster_affinity = affinity.to_karmada()
    if cluster_affinity:
        placement["clusterAffinity"] = cluster_affinity
    tolerations = _tolerations(spec.get("tolerations"), gaps)
    if tolerations:
        placement["clusterTolerations"] = tolerations
    max_clusters = spec.get("maxClusters")
    if isinstance(max_clusters, int) and not isinstance(max_clusters, bool):
        if max_clusters <= 0:
            if max_clusters < 0:
                gaps.append("a negative maxClusters fails KubeAdmiral's scheduling; no policy")
            return None, gaps
        ranked = (
            "placement priorities"
            if any(
                as_dict(as_dict(p).get("preferences")).get("priority") is not None
                for p in as_list(spec.get("placement"))
            )
            else "its scores (taints, resources, preferred affinity)"
        )
        gaps.append(
            f"maxClusters {max_clusters} keeps the clusters KubeAdmiral ranks first by {ranked}, "
            "then name; Karmada's cluster spread constraint keeps the first by its own order "
            "(previous placement, available replicas, name) and is ignored with static "
            f"weights. Written as spreadConstraints [cluster, maxGroups {max_clusters}]"
        )
        placement["spreadConstraints"] = [
            {"spreadByField": "cluster", "maxGroups": max_clusters, "minGroups": 1}
        ]
    if divided:
        placement["replicaScheduling"] = _divide(spec, ctx, gaps)
    return placement, gaps


def policy_gaps(spec: dict[str, Any]) -> list[str]:
    """What a policy says beyond placement that Karmada cannot say."""
    gaps = [
        f"spec.{f}: not a KubeAdmiral field; left out" for f in sorted(set(spec) - _SPEC_FIELDS)
    ]
    if spec.get("autoMigration") is not None:
        gaps.append(
            "autoMigration moves replicas off clusters where pods stay unschedulable, from "
            "live pod state; nothing offline or in Karmada's placement matches it; left out"
        )
    reschedule = as_dict(spec.get("reschedulePolicy"))
    if reschedule.get("disableRescheduling") or spec.get("stickyCluster"):
        gaps.append(
            "disableRescheduling keeps the first placement forever; Karmada reschedules when "
            "clusters change; left out"
        )
    when = as_dict(reschedule.get("rescheduleWhen"))
    changed = [
        k
        for k in ("clusterJoined", "clusterLabelsChanged", "clusterAPIResourcesChanged")
        if when.get(k)
    ]
    if when.get("policyContentChanged") is False:
        changed.append("policyContentChanged: false")
    if changed:
        gaps.append(
            f"rescheduleWhen ({', '.join(changed)}) decides when KubeAdmiral schedules again; "
            "Karmada has its own triggers; left out"
        )
    return gaps


def _mode(spec: Mapping[str, Any]) -> str:
    return "Divide" if spec.get("schedulingMode") == "Divide" else "Duplicate"


def convert_propagation(bounds: list[Bound], ctx: Context, out: Output) -> None:
    """One Karmada policy per KubeAdmiral policy (more when objects need different ones)."""
    members: dict[PolicyKey, list[Bound]] = {}
    for bound in bounds:
        if bound.propagation is not None:
            members.setdefault(bound.propagation, []).append(bound)
    for key in sorted(k for k in ctx.policies if k[0] in (PP, CPP)):
        policy, source = ctx.policies[key]
        kind, namespace, name = key
        subject = describe(policy)
        bound_here = sorted(members.get(key, []), key=lambda b: b.subject)
        if not bound_here:
            out.gap(
                source,
                subject,
                "no object carries its label, and a Karmada policy needs resource selectors; "
                "not converted",
            )
            continue
        spec = as_dict(policy.get("spec"))
        for text in policy_gaps(spec):
            out.gap(source, subject, text)
        follow = not spec.get("disableFollowerScheduling")
        groups: dict[str, tuple[dict[str, Any], bool, list[dict[str, Any]]]] = {}
        main: str | None = None
        for bound in bound_here:
            effective, notes = effective_spec(spec, bound.annotations)
            for text in notes:
                out.gap(bound.source, bound.subject, text)
            divided = _mode(effective) == "Divide" and ctx.types.get(bound.group_kind) is not None
            placement, gaps = scheduling(effective, divided, ctx)
            own = effective != spec
            for text in gaps:
                where = (bound.source, bound.subject) if own else (source, subject)
                out.gap(*where, text if not own else f"with its scheduling annotations: {text}")
            zero_replica_gap(bound.template, bound.source, divided, out)
            if bound.group_kind == ("multicluster.x-k8s.io", "ServiceImport"):
                out.gap(
                    bound.source,
                    bound.subject,
                    "Karmada always propagates a ServiceImport's derived Service and "
                    "EndpointSlices with it; KubeAdmiral does not",
                )
            if placement is None:
                continue
            deps = follow and bound.group_kind not in _KARMADA_ONLY_LEADERS
            group_key = json.dumps([placement, deps], sort_keys=True)
            groups.setdefault(group_key, (placement, deps, []))[2].append(bound.template)
            if not own and main is None:
                main = group_key
        # The policy's name goes to the objects placed as the policy itself says.
        main = main or next(iter(groups), None)
        ordered = sorted(groups.items(), key=lambda item: item[0] != main)
        for group_key, (placement, deps, templates) in ordered:
            base = name
            if group_key != main:
                first = templates[0]
                base = f"{name}-{str(first.get('kind')).lower()}-{name_of(first)}"
            policy_name = out.claim(kind, namespace, base)
            out.policies.append(
                propagation_policy(
                    policy_name, namespace, templates, placement, propagate_deps=deps
                )
            )
