"""The Karmada dialect: cluster.karmada.io Cluster and policy.karmada.io policies -> model.

Applies the defaulting Karmada's webhooks and API server would apply (PropagationPolicy
selector namespaces, replicaScheduling type and division preference, `zone` -> `zones`),
and rejects what Karmada's validation rejects.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from fractions import Fraction
from typing import Any

from hubless import bootstrap, policy_schemas
from hubless.documents import Document
from hubless.errors import Problem, UserError
from hubless.failover import parse_time
from hubless.fields import Fields
from hubless.interpreter import customization
from hubless.kube.cluster_status import refreshed_at
from hubless.kube.contexts import CONTEXT_ANNOTATION
from hubless.model import (
    AGGREGATED,
    CLUSTER_OVERRIDE_POLICY,
    CLUSTER_PROPAGATION_POLICY,
    DIVIDED,
    DUPLICATED,
    DYNAMIC_WEIGHT,
    KARMADA,
    OVERRIDE_POLICY,
    PROPAGATION_POLICY,
    WEIGHTED,
    AffinityTerm,
    Cluster,
    ClusterAffinity,
    CommandArgsOverrider,
    FieldOverrider,
    ImageOverrider,
    LabelAnnotationOverrider,
    LabelSelector,
    OverridePolicy,
    Overriders,
    OverrideRule,
    Placement,
    PlaintextOverrider,
    PolicyRef,
    PropagationPolicy,
    ReplicaScheduling,
    Requirement,
    ResourceModel,
    ResourceSelector,
    ResourceSummary,
    SpreadConstraint,
    StaticWeight,
    SubPatch,
    Taint,
    Toleration,
    WeightPreference,
    WorkloadAffinity,
)
from hubless.quantity import parse_quantity
from hubless.quota import model as quota_model
from hubless.quota import parse as quota_parse
from hubless.selectors import DOES_NOT_EXIST, EXISTS, FIELD_KEYS, IN, LABEL_OPERATORS, NOT_IN

CLUSTER_API = "cluster.karmada.io/v1alpha1"
POLICY_API = "policy.karmada.io/v1alpha1"
DIALECT = KARMADA
KINDS = {
    (CLUSTER_API, "Cluster"),
    (POLICY_API, PROPAGATION_POLICY),
    (POLICY_API, CLUSTER_PROPAGATION_POLICY),
    (POLICY_API, OVERRIDE_POLICY),
    (POLICY_API, CLUSTER_OVERRIDE_POLICY),
    (customization.API_VERSION, customization.KIND),
    (POLICY_API, quota_model.KIND),
}

_OBJECT_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
_CLUSTER_SPEC_FIELDS = (
    "id", "syncMode", "apiEndpoint", "secretRef", "impersonatorSecretRef",
    "insecureSkipTLSVerification", "proxyURL", "proxyHeader", "provider", "region", "zone",
    "zones", "taints", "resourceModels",
)  # fmt: skip
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_CLUSTER_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_PROPAGATION_SPEC_FIELDS = (
    "resourceSelectors", "association", "propagateDeps", "placement", "priority", "preemption",
    "dependentOverrides", "schedulerName", "failover", "conflictResolution",
    "activationPreference", "suspension", "preserveResourcesOnDeletion", "schedulePriority",
)  # fmt: skip
_PLACEMENT_FIELDS = (
    "clusterAffinity", "clusterAffinities", "clusterTolerations", "spreadConstraints",
    "replicaScheduling", "workloadAffinity",
)  # fmt: skip
_OVERRIDER_KINDS = (
    "plaintext", "imageOverrider", "commandOverrider", "argsOverrider", "labelsOverrider",
    "annotationsOverrider", "fieldOverrider",
)  # fmt: skip


def _object(document: Document) -> Fields:
    top = Fields(document, document.data, "")
    top.only(_OBJECT_FIELDS)
    return top


def _metadata_name(top: Fields, *, namespaced: bool) -> tuple[str, str]:
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    name = metadata.text("name", required=True)
    namespace = metadata.text("namespace", default="default") if namespaced else ""
    if not namespaced and "namespace" in metadata:
        raise metadata.error("namespace", f"a {top.raw('kind')} is cluster-scoped")
    return name, namespace


# --- Cluster -----------------------------------------------------------------------------


NOT_READY_TAINT = "cluster.karmada.io/not-ready"
UNREACHABLE_TAINT = "cluster.karmada.io/unreachable"


def _condition(status: Fields, kind: str) -> str:
    """The status of condition `kind` ("True", "False", "Unknown"), or "" when absent."""
    for condition in status.maps("conditions"):
        if condition.raw("type") == kind:
            return str(condition.raw("status") or "")
    return ""


def readiness_taints(ready: str) -> tuple[Taint, ...]:
    """The taints Karmada's cluster controller keeps in spec.taints for a Ready condition."""
    if ready == "True":
        return ()
    if ready == "Unknown":
        return (Taint(UNREACHABLE_TAINT, "", "NoSchedule"),)
    return (Taint(NOT_READY_TAINT, "", "NoSchedule"),)  # False, or no Ready condition


@functools.lru_cache(maxsize=4096, typed=True)
def _quantity(raw: str | int | float) -> Fraction | None:
    # A fleet's Clusters repeat the same few amounts; a Fraction is made once for each.
    return parse_quantity(raw)


def _quantities(fields: Fields | None, key: str) -> dict[str, Fraction]:
    section = fields.section(key) if fields is not None else None
    if section is None:
        return {}
    result = {}
    for name, raw in section.mapping.items():
        quantity = _quantity(raw) if isinstance(raw, str | int | float) else parse_quantity(raw)
        if quantity is None:
            raise section.error(name, f"{raw!r} is not a resource quantity")
        result[name] = quantity
    return result


def _resource_summary(status: Fields) -> ResourceSummary | None:
    summary = status.section("resourceSummary")
    if summary is None:
        return None
    modelings = []
    for item in summary.maps("allocatableModelings"):
        modelings.append((item.integer("grade"), item.integer("count")))
    return ResourceSummary(
        allocatable=_quantities(summary, "allocatable"),
        allocated=_quantities(summary, "allocated"),
        allocating=_quantities(summary, "allocating"),
        allocatable_modelings=tuple(modelings),
    )


def _resource_models(spec: Fields) -> tuple[ResourceModel, ...]:
    models = []
    for model in spec.maps("resourceModels"):
        minimums = {}
        for item in model.maps("ranges"):
            name = item.text("name", required=True)
            quantity = parse_quantity(item.raw("min") if item.raw("min") is not None else 0)
            if quantity is None:
                raise item.error("min", "is not a resource quantity")
            minimums[name] = quantity
        models.append(ResourceModel(model.integer("grade"), minimums))
    models.sort(key=lambda m: m.grade)
    if models:
        # The API server normalizes the lowest grade to start at zero.
        models[0] = ResourceModel(models[0].grade, {k: Fraction(0) for k in models[0].minimums})
    return tuple(models)


def _api_enablements(status: Fields) -> dict[str, frozenset[str]] | None:
    if "apiEnablements" not in status:
        return None
    enabled: dict[str, set[str]] = {}
    for entry in status.maps("apiEnablements"):
        group_version = entry.text("groupVersion", required=True)
        kinds = enabled.setdefault(group_version, set())
        for resource in entry.maps("resources"):
            kinds.add(resource.text("kind"))
    return {gv: frozenset(kinds) for gv, kinds in enabled.items()}


def parse_cluster(document: Document) -> Cluster:
    top = _object(document)
    name, _ = _metadata_name(top, namespaced=False)
    if len(name) > 48 or not _CLUSTER_NAME.fullmatch(name):
        raise top.error(
            "metadata", f"cluster name {name!r} must be a DNS-1123 label of at most 48 characters"
        )
    metadata = top.section("metadata")
    assert metadata is not None
    labels = metadata.string_map("labels")
    annotations = metadata.string_map("annotations")
    gitops = annotations.get(bootstrap.GITOPS_ANNOTATION, "")
    repo_url = annotations.get(bootstrap.REPO_URL_ANNOTATION, "")
    if gitops and gitops not in (bootstrap.ARGOCD, bootstrap.FLUX):
        raise metadata.error("annotations", f"{bootstrap.GITOPS_ANNOTATION} must be argocd or flux")
    if gitops and not repo_url:
        raise metadata.error(
            "annotations",
            f"{bootstrap.GITOPS_ANNOTATION} needs {bootstrap.REPO_URL_ANNOTATION}: the URL "
            "the cluster pulls its rendered folder from",
        )
    spec = top.section("spec") or Fields(document, {}, "spec")
    spec.only(_CLUSTER_SPEC_FIELDS)
    status = top.section("status") or Fields(document, {}, "status")
    zones = spec.strings("zones")
    zone = spec.text("zone")
    if zone and not zones:
        zones = (zone,)  # the API server's migration of the deprecated field
    taints = []
    for taint in spec.maps("taints"):
        taint.only(("key", "value", "effect", "timeAdded"))
        key = taint.text("key", required=True)
        effect = taint.enum("effect", _TAINT_EFFECTS)
        if key in (NOT_READY_TAINT, UNREACHABLE_TAINT) and effect == "NoSchedule":
            continue  # re-derived from the Ready condition below, as the controller does
        added = taint.text("timeAdded")
        if added and parse_time(added) is None:
            raise taint.error("timeAdded", f"{added!r} is not an RFC 3339 time")
        taints.append(Taint(key, taint.text("value"), effect, added))
    taints.extend(readiness_taints(_condition(status, "Ready")))
    body = dict(document.data)
    if zone and spec.mapping.get("zones") in (None, []):
        body["spec"] = {k: v for k, v in spec.mapping.items() if k != "zone"} | {"zones": [zone]}
    return Cluster(
        name=name,
        source=document.source,
        labels=labels,
        provider=spec.text("provider"),
        region=spec.text("region"),
        zones=zones,
        taints=tuple(taints),
        ready=_condition(status, "Ready") == "True",
        api_enablements=_api_enablements(status),
        complete_api_enablements=_condition(status, "CompleteAPIEnablements") == "True",
        resource_summary=_resource_summary(status),
        resource_models=_resource_models(spec),
        kubernetes_version=status.text("kubernetesVersion"),
        gitops=gitops,
        gitops_repo_url=repo_url,
        gitops_revision=annotations.get(bootstrap.REVISION_ANNOTATION, "main"),
        kubeconfig_context=annotations.get(CONTEXT_ANNOTATION, ""),
        body=body,
        refreshed_at=refreshed_at(status.mapping),
    )


# --- selectors -----------------------------------------------------------------------------


def _requirement(
    fields: Fields, operators: tuple[str, ...], keys: tuple[str, ...] = ()
) -> Requirement:
    fields.only(("key", "operator", "values"))
    key = fields.text("key", required=True)
    if not key:
        raise fields.error("key", "must not be empty")
    if keys and key not in keys:
        raise fields.error("key", f"{key!r} is not one of {', '.join(keys)}")
    operator = fields.enum("operator", operators)
    values = fields.strings("values")
    if operator in (IN, NOT_IN) and not values:
        raise fields.error("values", f"operator {operator} needs at least one value")
    if operator in (EXISTS, DOES_NOT_EXIST) and values:
        raise fields.error("values", f"operator {operator} takes no values")
    return Requirement(key, operator, values)


def parse_label_selector(fields: Fields | None) -> LabelSelector | None:
    if fields is None:
        return None
    fields.only(("matchLabels", "matchExpressions"))
    labels = fields.string_map("matchLabels")
    expressions = tuple(_requirement(e, LABEL_OPERATORS) for e in fields.maps("matchExpressions"))
    return LabelSelector(tuple(labels.items()), expressions)


def parse_cluster_affinity(
    fields: Fields | None, also: tuple[str, ...] = ()
) -> ClusterAffinity | None:
    """A ClusterAffinity; `also` names the sibling fields of an inline one."""
    if fields is None:
        return None
    fields.only(("labelSelector", "fieldSelector", "clusterNames", "exclude", *also))
    field_selector = None
    selector = fields.section("fieldSelector")
    if selector is not None:
        selector.only(("matchExpressions",))
        field_selector = tuple(
            _requirement(e, (IN, NOT_IN), FIELD_KEYS) for e in selector.maps("matchExpressions")
        )
    return ClusterAffinity(
        label_selector=parse_label_selector(fields.section("labelSelector")),
        field_selector=field_selector,
        cluster_names=fields.strings("clusterNames"),
        exclude=fields.strings("exclude"),
    )


def parse_resource_selectors(spec: Fields, policy_namespace: str) -> tuple[ResourceSelector, ...]:
    selectors = []
    for selector in spec.maps("resourceSelectors"):
        selector.only(("apiVersion", "kind", "namespace", "name", "labelSelector"))
        namespace: str | None = selector.text("namespace") or None
        if policy_namespace:
            # The webhook pins a namespaced policy's selectors to its own namespace.
            if namespace is not None and namespace != policy_namespace:
                raise selector.error(
                    "namespace",
                    f"a policy in namespace {policy_namespace!r} can only select objects "
                    f"in that namespace, not {namespace!r}",
                )
            namespace = policy_namespace
        selectors.append(
            ResourceSelector(
                api_version=selector.text("apiVersion", required=True),
                kind=selector.text("kind", required=True),
                namespace=namespace,
                name=selector.text("name") or None,
                label_selector=parse_label_selector(selector.section("labelSelector")),
            )
        )
    return tuple(selectors)


# --- PropagationPolicy ---------------------------------------------------------------------


def _tolerations(placement: Fields) -> tuple[Toleration, ...]:
    tolerations = []
    for item in placement.maps("clusterTolerations"):
        item.only(("key", "operator", "value", "effect", "tolerationSeconds"))
        operator = item.enum("operator", ("", "Equal", "Exists"))
        key, value = item.text("key"), item.text("value")
        if operator == "Exists" and value:
            raise item.error("value", "must be empty when operator is Exists")
        if not key and operator != "Exists":
            raise item.error("operator", "must be Exists when key is empty")
        effect = item.enum("effect", ("", *_TAINT_EFFECTS))
        seconds = None
        if item.raw("tolerationSeconds") is not None:
            seconds = item.integer("tolerationSeconds")  # only NoExecute taints read it
        tolerations.append(Toleration(key, operator or "Equal", value, effect, seconds))
    return tuple(tolerations)


def _weight_preference(fields: Fields | None) -> WeightPreference | None:
    if fields is None:
        return None
    fields.only(("staticWeightList", "dynamicWeight"))
    weights = []
    for item in fields.maps("staticWeightList"):
        item.only(("targetCluster", "weight"))
        weight = item.integer("weight")
        if weight < 1:
            raise item.error("weight", "must be at least 1")
        target = parse_cluster_affinity(item.section("targetCluster"))
        if target is None:
            raise item.error(None, "missing required field 'targetCluster'")
        weights.append(StaticWeight(target, weight))
    dynamic = fields.enum("dynamicWeight", ("", "AvailableReplicas"))
    return WeightPreference(tuple(weights), dynamic)


def _replica_scheduling(placement: Fields) -> ReplicaScheduling:
    fields = placement.section("replicaScheduling")
    if fields is None:
        return ReplicaScheduling(DUPLICATED)  # absent: Karmada treats it as Duplicated
    fields.only(("replicaSchedulingType", "replicaDivisionPreference", "weightPreference"))
    kind = fields.enum("replicaSchedulingType", (DUPLICATED, DIVIDED), default=DIVIDED)
    preference = fields.enum("replicaDivisionPreference", ("", AGGREGATED, WEIGHTED))
    if kind == DIVIDED and not preference:
        preference = WEIGHTED  # the webhook's default
    return ReplicaScheduling(
        kind, preference, _weight_preference(fields.section("weightPreference"))
    )


_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")


def _is_label_key(key: str) -> bool:
    """Kubernetes' qualified name: an optional DNS-subdomain prefix and '/', then a name."""
    prefix, slash, local = key.rpartition("/")
    return (
        0 < len(local) <= 63
        and _LABEL_NAME.fullmatch(local) is not None
        and (not slash or (0 < len(prefix) <= 253 and _DNS_SUBDOMAIN.fullmatch(prefix) is not None))
    )


def _check_affinity_name(fields: Fields, names: set[str], message: str) -> str:
    name = fields.text("affinityName", required=True)
    valid = _is_label_key(name)
    if not valid or len(name) > 32:
        raise fields.error("affinityName", f"{name!r} must be a label key of at most 32 characters")
    if name in names:
        raise fields.error("affinityName", message)
    names.add(name)
    return name


def _affinity_terms(placement: Fields, overflow_allowed: bool) -> tuple[AffinityTerm, ...]:
    terms = []
    names: set[str] = set()
    for term in placement.maps("clusterAffinities"):
        name = _check_affinity_name(term, names, "each affinity term must have a unique name")
        affinity = parse_cluster_affinity(term, also=("affinityName", "overflowAffinities"))
        assert affinity is not None
        overflow = []
        if "overflowAffinities" in term:
            if not overflow_allowed:
                raise term.error(
                    "overflowAffinities",
                    "can only be used together with dynamic weight or aggregated scheduling",
                )
            if affinity == ClusterAffinity():
                raise term.error(
                    "overflowAffinities",
                    "can only be used together with the inline ClusterAffinity",
                )
            overflow_names = {name}
            for item in term.maps("overflowAffinities"):
                _check_affinity_name(
                    item,
                    overflow_names,
                    "overflow affinity names must be unique and differ from the term's",
                )
                parsed = parse_cluster_affinity(item, also=("affinityName",))
                assert parsed is not None
                overflow.append(parsed)
        terms.append(AffinityTerm(name, affinity, tuple(overflow)))
    return tuple(terms)


_SPREAD_FIELDS = ("cluster", "region", "zone", "provider")


def _spread_constraints(placement: Fields) -> tuple[SpreadConstraint, ...]:
    constraints = []
    seen: set[str] = set()
    for item in placement.maps("spreadConstraints"):
        item.only(("spreadByField", "spreadByLabel", "maxGroups", "minGroups"))
        by_field = item.enum("spreadByField", ("", *_SPREAD_FIELDS))
        by_label = item.text("spreadByLabel")
        if by_field and by_label:
            raise item.error(None, "spreadByField and spreadByLabel cannot be used together")
        if not by_field and not by_label:
            by_field = "cluster"  # the webhook's default
        min_groups, max_groups = item.integer("minGroups"), item.integer("maxGroups")
        if min_groups < 0:
            raise item.error("minGroups", "must not be negative")
        if max_groups < 0:
            raise item.error("maxGroups", "must not be negative")
        min_groups = min_groups or 1  # the webhook's default
        if 0 < max_groups < min_groups:
            raise item.error("maxGroups", f"{max_groups} is less than minGroups {min_groups}")
        if by_field:
            if by_field in seen:
                raise item.error("spreadByField", f"more than one {by_field} spread constraint")
            seen.add(by_field)
        constraints.append(SpreadConstraint(by_field, by_label, min_groups, max_groups))
    if seen and "cluster" not in seen:
        raise placement.error(
            "spreadConstraints",
            "a spreadByField constraint needs a `spreadByField: cluster` constraint beside it",
        )
    return tuple(constraints)


def _group_key(workload_affinity: Fields, term: str) -> str:
    fields = workload_affinity.section(term)
    if fields is None:
        return ""
    fields.only(("groupByLabelKey",))
    key = fields.text("groupByLabelKey", required=True)
    if not _is_label_key(key):
        raise fields.error(
            "groupByLabelKey",
            f"{key!r} is not a label key (an optional DNS subdomain and '/', then at most 63 "
            "letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)",
        )
    return key


def _workload_affinity(placement: Fields) -> WorkloadAffinity | None:
    """placement.workloadAffinity, as Karmada's webhook validates it."""
    fields = placement.section("workloadAffinity")
    if fields is None:
        return None
    fields.only(("affinity", "antiAffinity"))
    affinity, anti_affinity = _group_key(fields, "affinity"), _group_key(fields, "antiAffinity")
    if affinity and affinity == anti_affinity:
        raise fields.error(None, "affinity and antiAffinity must not use the same groupByLabelKey")
    return WorkloadAffinity(affinity, anti_affinity)


def _fingerprint(placement: dict[str, Any]) -> str:
    text = json.dumps(placement, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _placement(spec: Fields) -> Placement:
    placement = spec.section("placement")
    if placement is None:
        return Placement(fingerprint=_fingerprint({}))
    placement.only(_PLACEMENT_FIELDS)
    if "clusterAffinity" in placement and "clusterAffinities" in placement:
        raise placement.error("clusterAffinities", "cannot be used together with clusterAffinity")
    replica_scheduling = _replica_scheduling(placement)
    overflow_allowed = replica_scheduling.strategy in (AGGREGATED, DYNAMIC_WEIGHT)
    return Placement(
        cluster_affinity=parse_cluster_affinity(placement.section("clusterAffinity")),
        cluster_affinities=_affinity_terms(placement, overflow_allowed),
        cluster_tolerations=_tolerations(placement),
        spread_constraints=_spread_constraints(placement),
        replica_scheduling=replica_scheduling,
        replica_scheduling_set="replicaScheduling" in placement,
        workload_affinity=_workload_affinity(placement),
        fingerprint=_fingerprint(placement.mapping),
    )


def _policy(document: Document, namespaced_kind: str) -> tuple[PolicyRef, Fields]:
    """The policy's identity and its spec; the namespaced kind defaults to `default`."""
    top = _object(document)
    kind = top.text("kind")
    name, namespace = _metadata_name(top, namespaced=kind == namespaced_kind)
    spec = top.section("spec")
    if spec is None:
        raise top.error(None, "missing required field 'spec'")
    return PolicyRef(kind, namespace, name), spec


def _suspension(spec: Fields) -> tuple[bool, tuple[str, ...]]:
    """spec.suspension: (dispatching held everywhere, the clusters it is held on)."""
    suspension = spec.section("suspension")
    if suspension is None:
        return False, ()
    suspension.only(("dispatching", "dispatchingOnClusters"))
    dispatching = suspension.flag("dispatching")
    on_clusters = suspension.section("dispatchingOnClusters")
    names: tuple[str, ...] = ()
    if on_clusters is not None:
        on_clusters.only(("clusterNames",))
        names = on_clusters.strings("clusterNames")
    if dispatching and names:
        # Karmada's webhook refuses the pair: which one was meant is not knowable.
        raise suspension.error(
            None, "dispatching cannot be true together with dispatchingOnClusters.clusterNames"
        )
    return dispatching, names


_PURGE_MODES = ("Directly", "Gracefully")
_APPLICATION_PURGE_MODES = (*_PURGE_MODES, "Never", "Immediately", "Graciously")
# Karmada v1.15 to v1.18 accept the old spellings of an application's purge modes
_RENAMED_PURGE_MODES = {"Immediately": "Directly", "Graciously": "Gracefully"}


def _state_preservation(fields: Fields) -> None:
    preservation = fields.section("statePreservation")
    if preservation is None:
        return
    preservation.only(("rules",))
    if "rules" not in preservation:
        raise preservation.error(None, "missing required field 'rules'")
    for rule in preservation.maps("rules"):
        rule.only(("aliasLabelName", "jsonPath"))
        name = rule.text("aliasLabelName", required=True)
        rule.text("jsonPath", required=True)
        prefix, _, local = name.rpartition("/")
        valid = (
            0 < len(local) <= 63
            and _LABEL_NAME.fullmatch(local) is not None
            and (not prefix or (len(prefix) <= 253 and _DNS_SUBDOMAIN.fullmatch(prefix)))
        )
        if not valid:
            raise rule.error("aliasLabelName", f"{name!r} is not a valid label name")


def _application_failover(failover: Fields) -> None:
    """Checked as Karmada's webhooks check it; a render has no application health."""
    application = failover.section("application")
    if application is None:
        return
    application.only(("decisionConditions", "purgeMode", "gracePeriodSeconds", "statePreservation"))
    conditions = application.section("decisionConditions")
    if conditions is None:
        raise application.error(None, "missing required field 'decisionConditions'")
    conditions.only(("tolerationSeconds",))
    if conditions.integer("tolerationSeconds", default=300) < 0:
        raise conditions.error("tolerationSeconds", "must be greater than or equal to 0")
    mode = application.enum("purgeMode", _APPLICATION_PURGE_MODES, default="Gracefully")
    mode = _RENAMED_PURGE_MODES.get(mode, mode)
    if "gracePeriodSeconds" in application and application.raw("gracePeriodSeconds") is not None:
        grace = application.integer("gracePeriodSeconds")
        if mode != "Gracefully":
            raise application.error(
                "gracePeriodSeconds", "only takes effect when purgeMode is Gracefully"
            )
        if grace <= 0:
            raise application.error("gracePeriodSeconds", "must be greater than 0")
    _state_preservation(application)


def _cluster_purge_mode(spec: Fields) -> str:
    """spec.failover.cluster.purgeMode, defaulted ("" without failover.cluster)."""
    failover = spec.section("failover")
    if failover is None:
        return ""
    failover.only(("application", "cluster"))
    _application_failover(failover)
    cluster = failover.section("cluster")
    if cluster is None:
        return ""
    cluster.only(("purgeMode", "statePreservation"))
    _state_preservation(cluster)
    return cluster.enum("purgeMode", _PURGE_MODES, default="Gracefully")


def parse_propagation_policy(document: Document) -> PropagationPolicy:
    ref, spec = _policy(document, PROPAGATION_POLICY)
    spec.only(_PROPAGATION_SPEC_FIELDS)
    if not spec.items("resourceSelectors"):
        raise spec.error(None, "resourceSelectors needs at least one selector")
    dispatching, on_clusters = _suspension(spec)
    selectors = parse_resource_selectors(spec, ref.namespace)
    return PropagationPolicy(
        ref=ref,
        source=document.source,
        resource_selectors=selectors,
        placement=_placement(spec),
        priority=spec.integer("priority"),
        # The webhook turns propagateDeps on for policies selecting ServiceImports.
        propagate_deps=spec.flag("propagateDeps")
        or any(
            (s.api_version, s.kind) == ("multicluster.x-k8s.io/v1alpha1", "ServiceImport")
            for s in selectors
        ),
        scheduler_name=spec.text("schedulerName", default="default-scheduler"),
        dependent_overrides=spec.strings("dependentOverrides"),
        suspend_dispatching=dispatching,
        suspend_clusters=on_clusters,
        lazy=spec.enum("activationPreference", ("", "Lazy")) == "Lazy",
        cluster_purge_mode=_cluster_purge_mode(spec),
        preemption=spec.enum("preemption", ("Never", "Always"), default="Never") == "Always",
        preserve_on_deletion=spec.flag("preserveResourcesOnDeletion"),
        conflict_resolution=spec.enum("conflictResolution", ("", "Abort", "Overwrite")),
    )


# --- OverridePolicy ------------------------------------------------------------------------


_OPERATORS = ("add", "remove", "replace")


def _json_pointer(fields: Fields, key: str) -> str:
    path = fields.text(key, required=True)
    if not path.startswith("/"):
        raise fields.error(key, f"{path!r} is not a JSON pointer (it must start with '/')")
    return path


def _plaintext(fields: Fields) -> tuple[PlaintextOverrider, ...]:
    result = []
    for item in fields.maps("plaintext"):
        item.only(("path", "operator", "value"))
        path = _json_pointer(item, "path")
        operator = item.enum("operator", _OPERATORS)
        if operator != "remove" and "value" not in item.mapping:
            raise item.error(None, f"operator {operator} needs a value")
        result.append(PlaintextOverrider(path, operator, item.raw("value"), item.source()))
    return tuple(result)


def _images(fields: Fields) -> tuple[ImageOverrider, ...]:
    result = []
    for item in fields.maps("imageOverrider"):
        item.only(("predicate", "component", "operator", "value"))
        predicate = item.section("predicate")
        path = None
        if predicate is not None:
            predicate.only(("path",))
            path = _json_pointer(predicate, "path")
        component = item.enum("component", ("Registry", "Repository", "Tag"))
        operator = item.enum("operator", _OPERATORS)
        result.append(ImageOverrider(path, component, operator, item.text("value"), item.source()))
    return tuple(result)


def _command_args(fields: Fields, key: str) -> tuple[CommandArgsOverrider, ...]:
    result = []
    for item in fields.maps(key):
        item.only(("containerName", "operator", "value"))
        name = item.text("containerName", required=True)
        operator = item.enum("operator", ("add", "remove"))
        result.append(CommandArgsOverrider(name, operator, item.strings("value"), item.source()))
    return tuple(result)


def _labels_annotations(fields: Fields, key: str) -> tuple[LabelAnnotationOverrider, ...]:
    result = []
    for item in fields.maps(key):
        item.only(("operator", "value"))
        operator = item.enum("operator", _OPERATORS)
        values = tuple(item.string_map("value").items())
        result.append(LabelAnnotationOverrider(operator, values, item.source()))
    return tuple(result)


def _fields(fields: Fields) -> tuple[FieldOverrider, ...]:
    result = []
    for item in fields.maps("fieldOverrider"):
        item.only(("fieldPath", "json", "yaml"))
        path = _json_pointer(item, "fieldPath")
        formats = [f for f in ("json", "yaml") if f in item]
        if len(formats) != 1:
            raise item.error(None, "needs exactly one of json and yaml")
        patches = []
        for op in item.maps(formats[0]):
            op.only(("subPath", "operator", "value"))
            sub_path = _json_pointer(op, "subPath")
            operator = op.enum("operator", _OPERATORS)
            if operator == "remove" and "value" in op.mapping:
                raise op.error("value", "operator remove takes no value")
            if operator != "remove" and "value" not in op.mapping:
                raise op.error(None, f"operator {operator} needs a value")
            patches.append(SubPatch(sub_path, operator, op.raw("value")))
        result.append(FieldOverrider(path, formats[0], tuple(patches), item.source()))
    return tuple(result)


def _overriders(fields: Fields) -> Overriders:
    fields.only(_OVERRIDER_KINDS)
    return Overriders(
        image=_images(fields),
        command=_command_args(fields, "commandOverrider"),
        args=_command_args(fields, "argsOverrider"),
        labels=_labels_annotations(fields, "labelsOverrider"),
        annotations=_labels_annotations(fields, "annotationsOverrider"),
        field=_fields(fields),
        plaintext=_plaintext(fields),
    )


def _rule(fields: Fields, index: int, target_key: str, overriders_key: str) -> OverrideRule:
    overriders = fields.section(overriders_key)
    return OverrideRule(
        index=index,
        source=fields.source(),
        target_cluster=parse_cluster_affinity(fields.section(target_key)),
        overriders=_overriders(overriders) if overriders is not None else Overriders(),
    )


def parse_override_policy(document: Document) -> OverridePolicy:
    ref, spec = _policy(document, OVERRIDE_POLICY)
    spec.only(("resourceSelectors", "overrideRules", "targetCluster", "overriders"))
    rules: list[OverrideRule] = []
    for index, rule in enumerate(spec.maps("overrideRules")):
        rule.only(("targetCluster", "overriders"))
        rules.append(_rule(rule, index, "targetCluster", "overriders"))
    if rules and ("targetCluster" in spec or "overriders" in spec):
        raise spec.error(
            "overrideRules", "overrideRules cannot be combined with targetCluster/overriders"
        )
    if not rules and "overriders" in spec:
        rules.append(_rule(spec, 0, "targetCluster", "overriders"))  # the deprecated form
    return OverridePolicy(
        ref=ref,
        source=document.source,
        resource_selectors=parse_resource_selectors(spec, ref.namespace),
        rules=tuple(rules),
        digest=hashlib.sha256(
            json.dumps(document.data, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest(),
    )


def parse(document: Document) -> Any:
    """Dispatch one policies/ document by its kind, after checking it against its schema."""
    kind = document.data.get("kind")
    problems = policy_schemas.check(document, str(kind))
    if problems:
        raise UserError(problems)
    if kind == customization.KIND:
        return customization.parse(document)
    if kind == quota_model.KIND:
        return quota_parse.parse(document)
    if kind == "Cluster":
        return parse_cluster(document)
    if kind in (PROPAGATION_POLICY, CLUSTER_PROPAGATION_POLICY):
        return parse_propagation_policy(document)
    return parse_override_policy(document)


def cluster_warnings(cluster: Cluster) -> list[Problem]:
    """A cluster that will surprise: no API list (it receives nothing), or not Ready."""
    warnings = []
    if not cluster.api_enablements:
        warnings.append(
            Problem.warning(
                cluster.source,
                f"cluster {cluster.name} has no status.apiEnablements, so no policy can "
                "place anything on it",
            )
        )
    for taint in cluster.taints:
        if taint.key.startswith("cluster.karmada.io/") and taint.key.endswith(
            ("not-ready", "unreachable")
        ):
            warnings.append(
                Problem.warning(
                    cluster.source,
                    f"cluster {cluster.name} is not Ready (status.conditions): it carries "
                    f"the taint {taint.key}:{taint.effect}",
                )
            )
    return warnings
