"""Kubefed v2, read as a front end: its objects become the same model Karmada's do.

policies/ may hold KubeFedCluster, FederatedTypeConfig and ReplicaSchedulingPreference;
templates/ may hold `types.kubefed.io/v1beta1` Federated<Kind> objects, each of which yields
its inner object as a resource template, a propagation policy that claims exactly that
object (scheduled by `KubefedScheduler`, Kubefed's placement and RSP planner) and an
override policy carrying its clusterOverrides (applied as Kubefed applies them).

Kubefed's scheduling needs nothing Kubefed learns at run time except member replica counts
and pod capacity, which an offline render does not have: the RSP planner runs with none,
as it does for a workload that is not yet running.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import kinds
from generator.dialects.base import Assembled
from generator.dialects.jsonpatch_v4 import FORBIDDEN_PATHS, Patch, PatchError, apply_patch
from generator.dialects.karmada import parse_label_selector
from generator.dialects.kubefed.planner import (
    ReplicaSchedulingSpec,
    parse_rsp_spec,
)
from generator.dialects.kubefed.planner import (
    schedule as plan_replicas,
)
from generator.documents import Document
from generator.errors import Problems, Source, UserError
from generator.fields import Fields
from generator.model import (
    Cluster,
    ClusterAffinity,
    LabelSelector,
    OverridePolicy,
    OverrideRule,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ResourceSelector,
    ResourceTemplate,
    TargetCluster,
)
from generator.overriders.failure import OverrideFailure
from generator.scheduler.core import Attempt, Rejection, Schedule
from generator.scheduler.errors import ScheduleError
from generator.selectors import label_selector_matches

DIALECT = "Kubefed"
CORE = "core.kubefed.io/v1beta1"
SCHEDULING = "scheduling.kubefed.io/v1alpha1"
TYPES_GROUP = "types.kubefed.io"
KINDS = {
    (CORE, "KubeFedCluster"),
    (CORE, "FederatedTypeConfig"),
    (SCHEDULING, "ReplicaSchedulingPreference"),
}
TEMPLATE_GROUPS = frozenset({TYPES_GROUP})
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


@dataclass(frozen=True)
class ReplicaPreference:
    """A ReplicaSchedulingPreference, matched to its target by namespace and name."""

    namespace: str
    name: str
    target_kind: str
    spec: ReplicaSchedulingSpec
    intersect_with_selector: bool
    source: Source


@dataclass(frozen=True)
class KubefedPlacement:
    """spec.placement: a present `clusters` list wins, even empty; else the selector,
    where absent means no cluster and `{}` every cluster."""

    clusters: tuple[str, ...] | None
    selector: LabelSelector | None

    def by_selector(self, clusters: Sequence[Cluster]) -> list[str]:
        if self.selector is None:
            return []
        return [c.name for c in clusters if label_selector_matches(self.selector, c.labels)]

    def resolve(self, clusters: Sequence[Cluster]) -> list[str]:
        if self.clusters is not None:
            known = {c.name for c in clusters}
            return sorted({name for name in self.clusters if name in known})
        return self.by_selector(clusters)


@dataclass(frozen=True)
class FederatedObject:
    """A Federated<Kind> from templates/, unwrapped."""

    kind: str  # Federated<Kind>
    namespace: str
    name: str
    inner: Document  # the member object before overrides
    placement: KubefedPlacement
    overrides: tuple[tuple[str, tuple[Patch, ...]], ...]  # (cluster, patches) in order
    source: Source

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


# --- policies/ ---------------------------------------------------------------------------


def _top(document: Document, spec_fields: tuple[str, ...]) -> tuple[Fields, Fields, Fields]:
    top = Fields(document, document.data, "")
    top.only(("apiVersion", "kind", "metadata", "spec", "status"))
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    spec = top.section("spec") or Fields(document, {}, "spec")
    spec.only(spec_fields)
    return top, metadata, spec


def parse_cluster(document: Document) -> Cluster:
    top, metadata, _ = _top(
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
    _, metadata, spec = _top(
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
    _, metadata, spec = _top(
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


# --- templates/ --------------------------------------------------------------------------


def _placement(spec: Fields) -> KubefedPlacement:
    placement = spec.section("placement")
    if placement is None:
        return KubefedPlacement(None, None)
    placement.only(("clusters", "clusterSelector"))
    clusters: tuple[str, ...] | None = None
    if placement.raw("clusters") is not None:
        names = []
        for entry in placement.maps("clusters"):
            entry.only(("name",))
            names.append(entry.text("name", required=True))
        clusters = tuple(names)
    return KubefedPlacement(clusters, parse_label_selector(placement.section("clusterSelector")))


def _overrides(spec: Fields) -> tuple[tuple[str, tuple[Patch, ...]], ...]:
    result: list[tuple[str, tuple[Patch, ...]]] = []
    seen: set[str] = set()
    for entry in spec.maps("overrides"):
        entry.only(("clusterName", "clusterOverrides"))
        cluster = entry.text("clusterName", required=True)
        if cluster in seen:
            raise entry.error("clusterName", f"cluster {cluster!r} has two overrides entries")
        seen.add(cluster)
        patches: list[Patch] = []
        paths: set[str] = set()
        for override in entry.maps("clusterOverrides"):
            override.only(("op", "path", "value"))
            op = override.enum("op", ("", "add", "remove", "replace"))
            path = override.text("path", required=True)
            if path in paths:
                raise override.error("path", f"{path} is overridden twice for {cluster}")
            if path in FORBIDDEN_PATHS:
                raise override.error("path", f"{path} cannot be overridden")
            paths.add(path)
            patches.append(Patch(op or "replace", path, override.raw("value")))
        result.append((cluster, tuple(patches)))
    return tuple(result)


def _target(
    federated_kind: str, template: Mapping[str, Any], configs: Mapping[str, TypeConfig]
) -> tuple[str, str, bool | None]:
    """(apiVersion, kind, namespaced or None when the kind table decides)."""
    config = configs.get(federated_kind)
    if config is not None:
        api_version = template.get("apiVersion") or config.api_version
        return str(api_version), config.kind, config.namespaced
    kind = federated_kind.removeprefix("Federated")
    api_version = template.get("apiVersion") or DEFAULT_TARGETS.get(kind, "")
    return str(api_version), kind, None


def unwrap(document: Document, configs: Mapping[str, TypeConfig]) -> FederatedObject:
    """The Federated<Kind>'s member object (before overrides), placement and overrides."""
    top, metadata, spec = _top(document, ("template", "placement", "overrides", "retainReplicas"))
    federated_kind = str(top.raw("kind"))
    if not federated_kind.startswith("Federated") or federated_kind == "Federated":
        raise top.error("kind", f"{TYPES_GROUP} kinds are Federated<Kind>")
    config = configs.get(federated_kind)
    if config is not None and not config.propagation:
        raise top.error("kind", f"propagation of {federated_kind} is Disabled ({config.source})")
    template = spec.raw("template") or {}
    if not isinstance(template, dict):
        raise spec.error("template", "must be a mapping")
    api_version, kind, namespaced = _target(federated_kind, template, configs)
    if not api_version:
        raise top.error(
            "kind",
            f"no FederatedTypeConfig for {federated_kind} in policies/, and spec.template "
            "has no apiVersion",
        )
    name = metadata.text("name", required=True)
    group = kinds.group_of(api_version)
    if namespaced is None:
        namespaced = kind != "Namespace" and kinds.is_namespaced(
            group, kind, "namespace" in metadata, {}
        )
    namespace = metadata.text("namespace", default="default") if namespaced else ""
    # Kubefed drops the template's annotations and finalizers, then sets the identity.
    kept = {
        k: v
        for k, v in (template.get("metadata") or {}).items()
        if k not in ("annotations", "finalizers", "name", "namespace")
    }
    identity: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    body = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": identity | kept,
        **{k: v for k, v in template.items() if k not in ("apiVersion", "kind", "metadata")},
    }
    return FederatedObject(
        kind=federated_kind,
        namespace=namespace,
        name=name,
        inner=Document(body, document.source, document.lines),
        placement=_placement(spec),
        overrides=_overrides(spec),
        source=document.source,
    )


# --- scheduling --------------------------------------------------------------------------


@dataclass(frozen=True)
class KubefedScheduler:
    """Kubefed's placement for one federated object: its placement (or its RSP's plan),
    narrowed to its FederatedNamespace's clusters and to Ready clusters."""

    placement: KubefedPlacement
    namespace_placement: KubefedPlacement | None  # None: cluster-scoped
    namespace_missing: bool
    preference: ReplicaPreference | None
    key: str

    def plan(self, clusters: Sequence[Cluster]) -> tuple[dict[str, int] | None, list[str], str]:
        """(replicas per placed cluster or None without an RSP, the placement, how)."""
        placed = self.placement.resolve(clusters)
        preference = self.preference
        if preference is None:
            return None, placed, ""
        if preference.intersect_with_selector:
            candidates = self.placement.by_selector(clusters)
            if self.namespace_placement is not None:
                allowed = set(self.namespace_placement.by_selector(clusters))
                candidates = [c for c in candidates if c in allowed]
        else:
            candidates = [c.name for c in clusters if c.ready]
        if not candidates:
            return None, placed, f"{preference.source}: no candidate cluster; RSP not applied"
        spec = preference.spec
        planned = plan_replicas(spec.clusters, spec.total_replicas, candidates, self.key)
        how = (
            f"ReplicaSchedulingPreference {self.key}: {spec.total_replicas} replicas by "
            "Kubefed's planner (weights, then FNV-1 of cluster and key; clusters planned 0 "
            "keep 0 replicas)"
        )
        return planned, sorted(planned), how

    def schedule(self, template: ResourceTemplate, clusters: Sequence[Cluster]) -> Schedule:
        if self.namespace_missing:
            raise ScheduleError(
                f"its namespace {template.namespace} has no FederatedNamespace, so Kubefed "
                "places it nowhere"
            )
        planned, placed, how = self.plan(clusters)
        rejected: list[Rejection] = []
        allowed = (
            set(self.namespace_placement.resolve(clusters))
            if self.namespace_placement is not None
            else None
        )
        targets: list[TargetCluster] = []
        for cluster in clusters:
            name = cluster.name
            if name not in placed:
                rejected.append(Rejection(name, "KubefedPlacement", "not in spec.placement"))
            elif allowed is not None and name not in allowed:
                rejected.append(
                    Rejection(name, "FederatedNamespace", "not in its namespace's placement")
                )
            elif not cluster.ready:
                rejected.append(Rejection(name, "Ready", "the cluster is not Ready"))
            else:
                targets.append(TargetCluster(name, planned[name] if planned else 0))
        strategy = "Kubefed ReplicaSchedulingPreference" if planned else "Kubefed placement"
        attempt = Attempt(
            "",
            rejected=tuple(rejected),
            selected=tuple(t.name for t in targets),
            how=how,
        )
        return Schedule(tuple(targets), "", strategy, (attempt,))


# --- overrides ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KubefedPatches:
    """One cluster's clusterOverrides, applied with evanphx/json-patch's v4 rules (a
    replace of a missing key adds it), as Kubefed's sync does."""

    patches: tuple[Patch, ...]

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        # The paths Kubefed refuses were refused when the overrides were read.
        if self.patches:
            try:
                apply_patch(body, self.patches)
            except PatchError as exc:
                raise OverrideFailure(str(exc)) from None
        return body


@dataclass(frozen=True)
class ManagedLabel:
    """The label Kubefed puts on every member object, after the overrides."""

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        metadata = body.setdefault("metadata", {})
        labels = metadata.get("labels")
        metadata["labels"] = {**(labels if isinstance(labels, dict) else {}), MANAGED_LABEL: "true"}
        return body


def _with_replicas(
    overrides: tuple[tuple[str, tuple[Patch, ...]], ...], planned: Mapping[str, int]
) -> list[tuple[str, tuple[Patch, ...]]]:
    """Overrides as the RSP controller rewrites them: each planned cluster's /spec/replicas
    entry set in place (or appended), other clusters' entries removed."""
    result: list[tuple[str, tuple[Patch, ...]]] = []
    for cluster, patches in overrides:
        if cluster in planned:
            count = planned[cluster]
            if any(p.path == REPLICAS_PATH for p in patches):
                patches = tuple(
                    Patch(p.op, p.path, count) if p.path == REPLICAS_PATH else p for p in patches
                )
            else:
                patches = (*patches, Patch("replace", REPLICAS_PATH, count))
        else:
            patches = tuple(p for p in patches if p.path != REPLICAS_PATH)
        result.append((cluster, patches))
    listed = {cluster for cluster, _ in overrides}
    for cluster in sorted(planned):
        if cluster not in listed:
            result.append((cluster, (Patch("replace", REPLICAS_PATH, planned[cluster]),)))
    return result


# --- assembly ----------------------------------------------------------------------------


def assemble(
    documents: Sequence[Document],
    inputs: Sequence[Any],
    clusters: Sequence[Cluster],
    make_template: Callable[[Document], ResourceTemplate],
    problems: Problems,
    plain: Sequence[ResourceTemplate] = (),
) -> Assembled:
    """The templates and policies the Federated<Kind> objects of templates/ stand for."""
    configs: dict[str, TypeConfig] = {}
    preferences: dict[tuple[str, str], ReplicaPreference] = {}
    for item in inputs:
        if isinstance(item, TypeConfig):
            configs[item.federated_kind] = item
        elif isinstance(item, ReplicaPreference):
            preferences[(item.namespace, item.name)] = item
    objects: list[tuple[FederatedObject, ResourceTemplate]] = []
    for document in documents:
        try:
            federated = unwrap(document, configs)
            objects.append((federated, make_template(federated.inner)))
        except UserError as exc:
            problems.extend(exc)
    namespaces = {
        federated.name: federated.placement
        for federated, template in objects
        if template.kind == "Namespace" and template.group == ""
    }
    templates, propagation, override = [], [], []
    for federated, template in objects:
        preference = preferences.get((template.namespace, template.name))
        if preference is not None and preference.target_kind != federated.kind:
            preference = None  # an RSP names its target's kind: another object's RSP
        namespace_placement = namespaces.get(template.namespace) if template.namespace else None
        if (
            preference is not None
            and preference.intersect_with_selector
            and (template.namespace and namespace_placement is None)
        ):
            problems.add(
                preference.source,
                f"intersectWithClusterSelector needs the FederatedNamespace {template.namespace}",
            )
            continue
        scheduler = KubefedScheduler(
            placement=federated.placement,
            namespace_placement=namespace_placement,
            namespace_missing=bool(template.namespace) and namespace_placement is None,
            preference=preference,
            key=federated.key,
        )
        ref = PolicyRef(federated.kind, template.namespace, template.name)
        selector = ResourceSelector(
            template.api_version, template.kind, template.namespace or None, template.name
        )
        templates.append(template)
        propagation.append(
            PropagationPolicy(
                ref=ref,
                source=federated.source,
                resource_selectors=(selector,),
                placement=Placement(),
                dialect=DIALECT,
                scheduler=scheduler,
            )
        )
        planned, _, _ = scheduler.plan(clusters)
        overrides = _with_replicas(federated.overrides, planned) if planned else federated.overrides
        rules = [
            OverrideRule(
                index,
                federated.source,
                ClusterAffinity(cluster_names=(cluster,)),
                KubefedPatches(patches),
            )
            for index, (cluster, patches) in enumerate(overrides)
        ]
        rules.append(OverrideRule(len(rules), federated.source, None, ManagedLabel()))
        override.append(
            OverridePolicy(ref, federated.source, (selector,), tuple(rules), dialect=DIALECT)
        )
    return Assembled(tuple(templates), tuple(propagation), tuple(override))
