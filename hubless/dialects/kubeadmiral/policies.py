"""Reading KubeAdmiral's objects in policies/ (core.kubeadmiral.io/v1alpha1).

FederatedCluster becomes a model Cluster (its scheduling view is read again from the body
by `federated_cluster`); PropagationPolicy / ClusterPropagationPolicy, OverridePolicy /
ClusterOverridePolicy and SchedulingProfile stay this dialect's own inputs, because
KubeAdmiral binds them to objects by label, which only `assemble` can do. Policies are read
as the API server would store them: with the CRDs' defaults filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hubless.dialects.kubeadmiral.names import (
    CLUSTER_OVERRIDE_POLICY,
    CLUSTER_PROPAGATION_POLICY,
    DIALECT,
    OVERRIDE_POLICY,
    PROPAGATION_POLICY,
)
from hubless.dialects.kubeadmiral.overriders import KubeAdmiralOverriders, parse_overriders
from hubless.dialects.kubeadmiral.scheduler import (
    BINPACK,
    DIVIDE,
    DUPLICATE,
    SPREAD,
    ClusterSelectorTerm,
    FederatedCluster,
    KubeAdmiralPolicy,
    PlacementPreference,
    PluginSet,
    SchedulingProfile,
)
from hubless.dialects.kubeadmiral.scheduler.labels import requirement_problem
from hubless.documents import Document
from hubless.errors import Source
from hubless.fields import Fields
from hubless.model import Cluster, Requirement, Taint, Toleration
from hubless.quantity import parse_quantity

_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")


@dataclass(frozen=True)
class AdmiralPropagationPolicy:
    kind: str  # PropagationPolicy or ClusterPropagationPolicy
    namespace: str  # "" for a ClusterPropagationPolicy
    name: str
    policy: KubeAdmiralPolicy
    source: Source


@dataclass(frozen=True)
class AdmiralRule:
    """One overrideRules entry; `targets` None matches every cluster."""

    index: int
    targets: TargetClusters | None
    overriders: KubeAdmiralOverriders
    source: Source


@dataclass(frozen=True)
class TargetClusters:
    """targetClusters: names, selector and affinity terms, ANDed; empty parts match all."""

    clusters: tuple[str, ...]
    selector: dict[str, str]
    affinity: tuple[ClusterSelectorTerm, ...]


@dataclass(frozen=True)
class AdmiralOverridePolicy:
    kind: str  # OverridePolicy or ClusterOverridePolicy
    namespace: str
    name: str
    rules: tuple[AdmiralRule, ...]
    source: Source

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(frozen=True)
class AdmiralProfile:
    profile: SchedulingProfile
    source: Source


def _top(document: Document, spec_fields: tuple[str, ...]) -> tuple[Fields, Fields, Fields]:
    top = Fields(document, document.data, "")
    top.only(("apiVersion", "kind", "metadata", "spec", "status"))
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    spec = top.section("spec") or Fields(document, {}, "spec")
    spec.only(spec_fields)
    return top, metadata, spec


def _name(metadata: Fields, namespaced: bool) -> tuple[str, str]:
    name = metadata.text("name", required=True)
    if not namespaced:
        if metadata.raw("namespace"):
            raise metadata.error("namespace", "a cluster-scoped object has no namespace")
        return "", name
    return metadata.text("namespace", default="default"), name


# --- FederatedCluster ----------------------------------------------------------------------


def _condition(status: Fields, kind: str) -> bool:
    return any(
        c.raw("type") == kind and c.raw("status") == "True" for c in status.maps("conditions")
    )


def _quantities(section: Fields | None) -> dict[str, Fraction]:
    result: dict[str, Fraction] = {}
    for name, raw in (section.mapping if section is not None else {}).items():
        quantity = parse_quantity(raw)
        if quantity is None:
            assert section is not None
            raise section.error(name, f"{raw!r} is not a resource quantity")
        result[name] = quantity
    return result


def federated_cluster(document: Document) -> FederatedCluster:
    """The scheduler's view of a FederatedCluster object."""
    top, metadata, spec = _top(
        document, ("apiEndpoint", "insecure", "useServiceAccount", "secretRef", "taints")
    )
    taints = []
    for taint in spec.maps("taints"):
        taint.only(("key", "value", "effect", "timeAdded"))
        taints.append(
            Taint(
                taint.text("key", required=True),
                taint.text("value"),
                taint.enum("effect", _EFFECTS),
            )
        )
    status = top.section("status") or Fields(document, {}, "status")
    resources = status.section("resources")
    types = None
    if "apiResourceTypes" in status:
        types = frozenset(
            (t.text("group"), t.text("version", required=True), t.text("kind", required=True))
            for t in status.maps("apiResourceTypes")
        )
    return FederatedCluster(
        name=metadata.text("name", required=True),
        labels=metadata.string_map("labels"),
        taints=tuple(taints),
        joined=_condition(status, "Joined"),
        ready=_condition(status, "Ready"),
        terminating=bool(metadata.raw("deletionTimestamp")),
        allocatable=_quantities(resources.section("allocatable") if resources else None),
        available=_quantities(resources.section("available") if resources else None),
        api_resource_types=types,
    )


def parse_cluster(document: Document) -> Cluster:
    cluster = federated_cluster(document)
    return Cluster(
        name=cluster.name,
        source=document.source,
        labels=dict(cluster.labels),
        body=dict(document.data),
        dialect=DIALECT,
        ready=cluster.joined and cluster.ready,
    )


# --- PropagationPolicy ---------------------------------------------------------------------


def _requirements(fields: Fields, key: str) -> tuple[Requirement, ...]:
    found = []
    for item in fields.maps(key):
        item.only(("key", "operator", "values"))
        found.append(
            Requirement(
                item.text("key", required=True),
                item.enum("operator", _OPERATORS),
                item.strings("values"),
            )
        )
    return tuple(found)


def _terms(fields: Fields, key: str) -> tuple[ClusterSelectorTerm, ...]:
    terms = []
    for term in fields.maps(key):
        term.only(("matchExpressions", "matchFields"))
        terms.append(
            ClusterSelectorTerm(
                _requirements(term, "matchExpressions"), _requirements(term, "matchFields")
            )
        )
    return tuple(terms)


def _tolerations(spec: Fields) -> tuple[Toleration, ...]:
    found = []
    for item in spec.maps("tolerations"):
        item.only(("key", "operator", "value", "effect", "tolerationSeconds"))
        operator = item.enum("operator", ("", "Equal", "Exists"))
        found.append(
            Toleration(
                item.text("key"),
                operator or "Equal",
                item.text("value"),
                item.enum("effect", ("", *_EFFECTS)),
            )
        )
    return tuple(found)


def _optional(fields: Fields, key: str) -> int | None:
    if fields.raw(key) is None:
        return None
    number = fields.integer(key)
    if number < 0:
        raise fields.error(key, "must not be negative")
    return number


def _placements(spec: Fields) -> dict[str, PlacementPreference]:
    placements: dict[str, PlacementPreference] = {}
    for item in spec.maps("placement"):
        item.only(("cluster", "preferences"))
        cluster = item.text("cluster", required=True)
        if cluster in placements:
            raise item.error("cluster", f"cluster {cluster!r} is listed twice")
        preferences = item.section("preferences") or Fields(item.document, {}, "preferences")
        preferences.only(("minReplicas", "maxReplicas", "weight", "priority"))
        placements[cluster] = PlacementPreference(
            min_replicas=_optional(preferences, "minReplicas") or 0,
            max_replicas=_optional(preferences, "maxReplicas"),
            weight=_optional(preferences, "weight"),
            priority=_optional(preferences, "priority"),
        )
    return placements


_PROPAGATION_FIELDS = (
    "schedulingProfile",
    "schedulingMode",
    "replicasStrategy",
    "clusterSelector",
    "clusterAffinity",
    "tolerations",
    "maxClusters",
    "placement",
    "disableFollowerScheduling",
    "autoMigration",
    "reschedulePolicy",
    "stickyCluster",
    "replicaRescheduling",
)


def _avoid_disruption(spec: Fields) -> bool:
    """reschedulePolicy.replicaRescheduling.avoidDisruption after CRD defaulting (true
    unless written false), ORed with the legacy spec.replicaRescheduling switch."""
    avoid = True
    reschedule = spec.section("reschedulePolicy")
    if reschedule is not None:
        reschedule.only(("disableRescheduling", "rescheduleWhen", "replicaRescheduling"))
        replica = reschedule.section("replicaRescheduling")
        if replica is not None:
            replica.only(("avoidDisruption",))
            avoid = replica.flag("avoidDisruption", default=True)
    legacy = spec.section("replicaRescheduling")
    if legacy is not None:
        legacy.only(("avoidDisruption",))
        avoid = avoid or legacy.flag("avoidDisruption")
    return avoid


def parse_propagation_policy(document: Document) -> AdmiralPropagationPolicy:
    top, metadata, spec = _top(document, _PROPAGATION_FIELDS)
    kind = str(top.raw("kind"))
    namespace, name = _name(metadata, kind == PROPAGATION_POLICY)
    if len(name) > 63:
        raise metadata.error("name", "must be at most 63 characters (it is stored in a label)")
    if "schedulingMode" not in spec:
        raise spec.error(None, "missing required field 'schedulingMode' (Duplicate or Divide)")
    max_clusters = spec.integer("maxClusters") if spec.raw("maxClusters") is not None else None
    reschedule = spec.section("reschedulePolicy")
    policy = KubeAdmiralPolicy(
        scheduling_mode=spec.enum("schedulingMode", (DUPLICATE, DIVIDE)),
        replicas_strategy=spec.enum("replicasStrategy", (SPREAD, BINPACK), default=SPREAD),
        cluster_selector=spec.string_map("clusterSelector"),
        cluster_affinity=_terms(spec, "clusterAffinity"),
        tolerations=_tolerations(spec),
        max_clusters=max_clusters,
        placements=_placements(spec),
        disable_follower_scheduling=spec.flag("disableFollowerScheduling"),
        avoid_disruption=_avoid_disruption(spec),
        disable_rescheduling=spec.flag("stickyCluster")
        or (reschedule is not None and reschedule.flag("disableRescheduling")),
        scheduling_profile=spec.text("schedulingProfile"),
    )
    return AdmiralPropagationPolicy(kind, namespace, name, policy, document.source)


# --- OverridePolicy ------------------------------------------------------------------------


def _targets(rule: Fields) -> TargetClusters | None:
    targets = rule.section("targetClusters")
    if targets is None:
        return None
    targets.only(("clusters", "clusterSelector", "clusterAffinity"))
    selector = targets.string_map("clusterSelector")
    # KubeAdmiral validates both like label selectors: an invalid one fails the whole policy.
    affinity = _terms(targets, "clusterAffinity")
    for term in affinity:
        for requirement in term.match_expressions:
            problem = requirement_problem(requirement)
            if problem:
                raise targets.error("clusterAffinity", problem)
    for key, value in selector.items():
        problem = requirement_problem(Requirement(key, "In", (value,)))
        if problem:
            raise targets.error("clusterSelector", problem)
    return TargetClusters(targets.strings("clusters"), selector, affinity)


def parse_override_policy(document: Document) -> AdmiralOverridePolicy:
    top, metadata, spec = _top(document, ("overrideRules",))
    kind = str(top.raw("kind"))
    namespace, name = _name(metadata, kind == OVERRIDE_POLICY)
    rules = []
    for index, rule in enumerate(spec.maps("overrideRules")):
        rule.only(("targetClusters", "overriders"))
        raw = rule.raw("overriders")
        try:
            overriders = parse_overriders(raw, rule.child_path("overriders"))
        except ValueError as exc:
            raise rule.error("overriders" if raw is not None else None, str(exc)) from None
        rules.append(AdmiralRule(index, _targets(rule), overriders, rule.source()))
    return AdmiralOverridePolicy(kind, namespace, name, tuple(rules), document.source)


# --- SchedulingProfile ---------------------------------------------------------------------


def _plugin_set(plugins: Fields, point: str) -> PluginSet:
    section = plugins.section(point)
    if section is None:
        return PluginSet()
    section.only(("enabled", "disabled"))

    def names(key: str) -> tuple[str, ...]:
        found = []
        for item in section.maps(key):
            item.only(("name", "type", "wait"))
            found.append(item.text("name", required=True))
        return tuple(found)

    return PluginSet(names("enabled"), names("disabled"))


def parse_profile(document: Document) -> AdmiralProfile:
    _, metadata, spec = _top(document, ("plugins", "pluginConfig"))
    _, name = _name(metadata, False)
    plugins = spec.section("plugins") or Fields(document, {}, "spec.plugins")
    plugins.only(("filter", "score", "select"))
    profile = SchedulingProfile(
        name,
        _plugin_set(plugins, "filter"),
        _plugin_set(plugins, "score"),
        _plugin_set(plugins, "select"),
    )
    return AdmiralProfile(profile, document.source)


def parse(
    document: Document,
) -> Cluster | AdmiralPropagationPolicy | AdmiralOverridePolicy | AdmiralProfile:
    kind = document.data.get("kind")
    if kind == "FederatedCluster":
        return parse_cluster(document)
    if kind in (PROPAGATION_POLICY, CLUSTER_PROPAGATION_POLICY):
        return parse_propagation_policy(document)
    if kind in (OVERRIDE_POLICY, CLUSTER_OVERRIDE_POLICY):
        return parse_override_policy(document)
    return parse_profile(document)
