"""The typed model: clusters, resource templates, policies, and scheduling results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from hubless.errors import Source

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hubless.interpreter.customization import Customization
    from hubless.interpreter.interpreters import Interpreters
    from hubless.multiclusterservice import MultiClusterService
    from hubless.quota.model import FederatedResourceQuota
    from hubless.scheduler.core import Schedule

KARMADA = "Karmada"  # the dialect of policies written as Karmada's
PROPAGATION_POLICY = "PropagationPolicy"
CLUSTER_PROPAGATION_POLICY = "ClusterPropagationPolicy"
OVERRIDE_POLICY = "OverridePolicy"
CLUSTER_OVERRIDE_POLICY = "ClusterOverridePolicy"
ROLLOUT_POLICY = "RolloutPolicy"

DUPLICATED = "Duplicated"
DIVIDED = "Divided"
AGGREGATED = "Aggregated"
WEIGHTED = "Weighted"
DYNAMIC_WEIGHT = "DynamicWeight"
STATIC_WEIGHT = "StaticWeight"


class ResourceKey(NamedTuple):
    """Identity of a resource template: API group (not version), kind, namespace, name."""

    group: str
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        if self.namespace:
            return f"{kind}/{self.namespace}/{self.name}"
        return f"{kind}/{self.name}"


class PolicyRef(NamedTuple):
    kind: str
    namespace: str  # "" for cluster-scoped policies
    name: str

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"


class Requirement(NamedTuple):
    """One matchExpressions entry of a label or field selector."""

    key: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class LabelSelector:
    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()


@dataclass(frozen=True)
class ClusterAffinity:
    """Karmada's ClusterAffinity: all present conditions must hold; `{}` matches all."""

    label_selector: LabelSelector | None = None
    field_selector: tuple[Requirement, ...] | None = None
    cluster_names: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class Taint(NamedTuple):
    key: str
    value: str
    effect: str
    time_added: str = ""  # RFC 3339, as written in spec.taints; "" when absent


class Toleration(NamedTuple):
    key: str
    operator: str  # "Equal" or "Exists"
    value: str
    effect: str  # "" tolerates every effect
    seconds: int | None = None  # tolerationSeconds: how long a NoExecute taint is tolerated


@dataclass(frozen=True)
class AffinityTerm:
    """One entry of placement.clusterAffinities: tried in order until one schedules."""

    name: str
    affinity: ClusterAffinity
    overflow: tuple[ClusterAffinity, ...] = ()


class SpreadConstraint(NamedTuple):
    field: str  # cluster, region, zone, provider; "" with a label
    label: str
    min_groups: int
    max_groups: int  # 0 when unset: Karmada then selects nothing


class StaticWeight(NamedTuple):
    target: ClusterAffinity
    weight: int


@dataclass(frozen=True)
class WeightPreference:
    static_weights: tuple[StaticWeight, ...] = ()
    dynamic_weight: str = ""  # "AvailableReplicas" or ""


@dataclass(frozen=True)
class ReplicaScheduling:
    """placement.replicaScheduling after Karmada's defaulting."""

    type: str = DUPLICATED
    division_preference: str = ""  # Weighted (the default for Divided) or Aggregated
    weight_preference: WeightPreference | None = None

    @property
    def strategy(self) -> str:
        """Karmada's strategy name: Duplicated, Aggregated, DynamicWeight or StaticWeight."""
        if self.type == DUPLICATED:
            return DUPLICATED
        if self.division_preference == AGGREGATED:
            return AGGREGATED
        if self.weight_preference is not None and self.weight_preference.dynamic_weight:
            return DYNAMIC_WEIGHT
        return STATIC_WEIGHT


@dataclass(frozen=True)
class WorkloadAffinity:
    """placement.workloadAffinity: the label keys whose values group workloads ("" unset)."""

    affinity_key: str = ""  # affinity.groupByLabelKey: the group runs together
    anti_affinity_key: str = ""  # antiAffinity.groupByLabelKey: the group runs apart


@dataclass(frozen=True)
class Placement:
    cluster_affinity: ClusterAffinity | None = None
    cluster_affinities: tuple[AffinityTerm, ...] = ()
    cluster_tolerations: tuple[Toleration, ...] = ()
    spread_constraints: tuple[SpreadConstraint, ...] = ()
    replica_scheduling: ReplicaScheduling = field(default_factory=ReplicaScheduling)
    replica_scheduling_set: bool = False  # whether the policy wrote replicaScheduling at all
    workload_affinity: WorkloadAffinity | None = None
    fingerprint: str = ""  # a digest of the placement as written: a change reschedules


@dataclass(frozen=True)
class ResourceSelector:
    api_version: str
    kind: str
    namespace: str | None = None
    name: str | None = None
    label_selector: LabelSelector | None = None


class DialectScheduler(Protocol):
    """A policy dialect's own scheduler (its planner, tie-breaks and zero-replica rules)."""

    def schedule(self, template: ResourceTemplate, clusters: Sequence[Cluster]) -> Schedule:
        """Where the template goes; raises ScheduleError when it cannot be placed."""
        ...


@dataclass(frozen=True)
class PropagationPolicy:
    """A PropagationPolicy (namespaced) or ClusterPropagationPolicy.

    Other dialects' policies arrive translated: `dialect` names theirs, and `scheduler`
    replaces Karmada's where their scheduling differs."""

    ref: PolicyRef
    source: Source
    resource_selectors: tuple[ResourceSelector, ...]
    placement: Placement
    priority: int = 0
    propagate_deps: bool = False
    scheduler_name: str = "default-scheduler"
    # (Cluster)OverridePolicies that must exist before Karmada propagates what this selects
    dependent_overrides: tuple[str, ...] = ()
    # spec.suspension: dispatching held on every cluster, or on these
    suspend_dispatching: bool = False
    suspend_clusters: tuple[str, ...] = ()
    lazy: bool = False  # activationPreference: Lazy
    # failover.cluster.purgeMode (Gracefully when failover.cluster is set without one);
    # "": the controller-manager's --no-execute-taint-eviction-purge-mode decides
    cluster_purge_mode: str = ""
    preemption: bool = False  # preemption: Always
    # what the pull agents do where the object leaves a cluster / already exists there
    preserve_on_deletion: bool = False  # preserveResourcesOnDeletion
    conflict_resolution: str = ""  # Abort, Overwrite, or "" when unset
    dialect: str = KARMADA
    scheduler: DialectScheduler | None = field(default=None, compare=False)

    @property
    def cluster_scoped(self) -> bool:
        return not self.ref.namespace  # a namespaced policy always has its namespace


@dataclass(frozen=True)
class PlaintextOverrider:
    path: str
    operator: str
    value: Any
    source: Source


@dataclass(frozen=True)
class ImageOverrider:
    predicate_path: str | None  # None: the containers of the known workload kinds
    component: str  # Registry, Repository, Tag
    operator: str
    value: str
    source: Source


@dataclass(frozen=True)
class CommandArgsOverrider:
    container_name: str
    operator: str  # add, remove
    values: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class LabelAnnotationOverrider:
    operator: str  # add, remove, replace
    values: tuple[tuple[str, str], ...]
    source: Source


class SubPatch(NamedTuple):
    path: str
    operator: str
    value: Any


@dataclass(frozen=True)
class FieldOverrider:
    field_path: str
    format: str  # json or yaml
    patches: tuple[SubPatch, ...]
    source: Source


@dataclass(frozen=True)
class Overriders:
    """One rule's overriders; they apply in Karmada's fixed order, in this field order."""

    image: tuple[ImageOverrider, ...] = ()
    command: tuple[CommandArgsOverrider, ...] = ()
    args: tuple[CommandArgsOverrider, ...] = ()
    labels: tuple[LabelAnnotationOverrider, ...] = ()
    annotations: tuple[LabelAnnotationOverrider, ...] = ()
    field: tuple[FieldOverrider, ...] = ()
    plaintext: tuple[PlaintextOverrider, ...] = ()


class DialectOverriders(Protocol):
    """Another dialect's overriders for one rule, applied in that dialect's own way."""

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        """The overridden object (may change `body`); raises OverrideFailure."""
        ...


@dataclass(frozen=True)
class OverrideRule:
    index: int
    source: Source
    target_cluster: ClusterAffinity | None
    overriders: Overriders | DialectOverriders


@dataclass(frozen=True)
class OverridePolicy:
    """An OverridePolicy (namespaced) or ClusterOverridePolicy."""

    ref: PolicyRef
    source: Source
    resource_selectors: tuple[ResourceSelector, ...]
    rules: tuple[OverrideRule, ...]
    dialect: str = KARMADA
    # sha256 of the document that declared it; "" when it was derived from other objects
    digest: str = field(default="", compare=False)
    rules_field: str = "overrideRules"  # where its rules are written, for messages

    @property
    def cluster_scoped(self) -> bool:
        return not self.ref.namespace  # a namespaced policy always has its namespace

    def rule_name(self, rule: OverrideRule) -> str:
        """One of its rules as messages name it: `OverridePolicy/ns/name overrideRules[0]`."""
        return f"{self.ref} {self.rules_field}[{rule.index}]"


@dataclass(frozen=True)
class ResourceSummary:
    """status.resourceSummary: what the general estimator divides."""

    allocatable: dict[str, Fraction] = field(default_factory=dict)
    allocated: dict[str, Fraction] = field(default_factory=dict)
    allocating: dict[str, Fraction] = field(default_factory=dict)
    allocatable_modelings: tuple[tuple[int, int], ...] = ()  # (grade, node count)

    @cached_property
    def free_units(self) -> dict[str, int]:
        """Free amount per resource as Quantity.Value() (rounded up); cpu in millicores."""
        return {
            name: math.ceil(amount * 1000) if name == "cpu" else math.ceil(amount)
            for name, amount in self.free.items()
        }

    @cached_property
    def free_pods(self) -> int:
        zero = Fraction(0)
        tables = (self.allocatable, self.allocated, self.allocating)
        allocatable, allocated, allocating = (math.ceil(t.get("pods", zero)) for t in tables)
        return max(allocatable - allocated - allocating, 0)

    @cached_property
    def free(self) -> dict[str, Fraction]:
        """allocatable - allocated - allocating, per allocatable resource (computed once)."""
        zero = Fraction(0)
        return {
            name: amount - self.allocated.get(name, zero) - self.allocating.get(name, zero)
            for name, amount in self.allocatable.items()
        }


class ResourceModel(NamedTuple):
    """spec.resourceModels entry: a node grade and the minimum of each resource range."""

    grade: int
    minimums: dict[str, Fraction]


@dataclass(frozen=True)
class Cluster:
    """A member cluster, as its cluster.karmada.io/v1alpha1 Cluster object describes it.

    Everything Karmada's controllers keep current at run time (taints from readiness,
    API enablements, resource summary) comes from the object's spec and status here.
    """

    name: str
    source: Source
    labels: dict[str, str]
    provider: str = ""
    region: str = ""
    zones: tuple[str, ...] = ()
    taints: tuple[Taint, ...] = ()
    # groupVersion -> kinds, from status.apiEnablements; None when the status has none.
    api_enablements: dict[str, frozenset[str]] | None = field(default=None, compare=False)
    complete_api_enablements: bool = False
    resource_summary: ResourceSummary | None = field(default=None, compare=False)
    resource_models: tuple[ResourceModel, ...] = field(default=(), compare=False)
    kubernetes_version: str = ""
    # hubless.io/gitops annotations: the cluster pulls its folder with argocd or flux
    gitops: str = ""
    gitops_repo_url: str = ""
    gitops_revision: str = "main"
    # hubless.io/kubeconfig-context: the context that reaches it ("" for its name)
    kubeconfig_context: str = ""
    body: dict[str, Any] = field(default_factory=dict, compare=False)
    dialect: str = KARMADA  # which dialect's cluster object described it
    ready: bool = True  # its Ready condition (Karmada's readiness is in `taints`)
    refreshed_at: str = field(
        default="", compare=False
    )  # when `hubless clusters refresh` last wrote its status


@dataclass(frozen=True)
class ResourceTemplate:
    """A manifest from templates/, after Kubernetes defaulting."""

    api_version: str
    kind: str
    namespace: str  # "" when cluster-scoped
    name: str
    body: dict[str, Any] = field(compare=False)
    source: Source
    # the policy that generated it (a FederatedResourceQuota's ResourceQuota): only that
    # policy places and overrides it; None for what templates/ holds
    owner: PolicyRef | None = field(default=None, compare=False)

    @cached_property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @cached_property
    def key(self) -> ResourceKey:
        return ResourceKey(self.group, self.kind, self.namespace, self.name)

    @property
    def labels(self) -> dict[str, str]:
        labels = self.body.get("metadata", {}).get("labels") or {}
        return labels if isinstance(labels, dict) else {}


@dataclass(frozen=True)
class MaxConcurrency:
    """A wave's batch size as written: a number of clusters, or a percentage of the wave."""

    value: int
    percent: bool = False

    def __str__(self) -> str:
        return f"{self.value}%" if self.percent else str(self.value)


@dataclass(frozen=True)
class Wave:
    """One wave of a RolloutPolicy; `clusters` None: every cluster no earlier wave took."""

    name: str
    source: Source
    clusters: ClusterAffinity | None = None
    max_concurrency: MaxConcurrency | None = None  # None: the whole wave at once


MANUAL = "manual"
AUTO = "auto"


@dataclass(frozen=True)
class RolloutGates:
    """What must hold before the next wave is promoted; the defaults check nothing."""

    soak: timedelta | None = None
    approval: str = AUTO
    healthy: bool = False


@dataclass(frozen=True)
class RolloutPolicy:
    """hubless.io/v1alpha1 RolloutPolicy (cluster-scoped): the selected objects reach the
    clusters wave by wave."""

    name: str
    source: Source
    resource_selectors: tuple[ResourceSelector, ...]
    waves: tuple[Wave, ...]
    gates: RolloutGates = field(default_factory=RolloutGates)

    @property
    def ref(self) -> PolicyRef:
        return PolicyRef(ROLLOUT_POLICY, "", self.name)


@dataclass(frozen=True)
class FeatureGates:
    """The Karmada feature gates hubless models, as the operator's `Karmada` object sets
    them (off, Karmada's default, without one). The controller-manager's gate decides
    whether a binding carries components; the scheduler's whether it estimates sets."""

    # karmada-controller-manager's MultiplePodTemplatesScheduling (its resource detector)
    detector_components: bool = False
    # karmada-scheduler's MultiplePodTemplatesScheduling
    scheduler_component_sets: bool = False
    # karmada-controller-manager's taint manager evicts on NoExecute taints: its Failover
    # gate and --enable-no-execute-taint-eviction (both off by default)
    taint_eviction: bool = False
    eviction_purge_mode: str = "Gracefully"  # --no-execute-taint-eviction-purge-mode
    graceful_eviction_seconds: int = 600  # --graceful-eviction-timeout
    # WorkloadAffinity: the controller-manager's gate writes a binding's groups, the
    # scheduler's registers the filters that read them; both are needed
    detector_workload_groups: bool = False
    scheduler_workload_filters: bool = False
    # karmada-controller-manager's PropagationPolicyPreemption (its resource detector)
    policy_preemption: bool = False
    source: Source | None = None  # the Karmada object, when there is one
    # for warnings: gates it sets that hubless does not model, and per-component
    # featureGates the operator does not read; (component, gate, where)
    unmodelled: tuple[tuple[str, str, Source], ...] = ()
    unread: tuple[tuple[str, str, Source], ...] = ()

    @property
    def workload_affinity(self) -> bool:
        """Whether placement.workloadAffinity takes effect (Karmada's gate, on both)."""
        return self.detector_workload_groups and self.scheduler_workload_filters


@dataclass(frozen=True)
class FederatedScaling:
    """What a FederatedHPA (autoscaling.karmada.io) did to its target template's replicas
    (hubless.federatedhpa)."""

    hpa: ResourceKey
    source: Source  # its scaleTargetRef
    target: ResourceKey
    min_replicas: int
    max_replicas: int
    before: int = 0  # the template's replicas
    after: int = 0  # within the bounds
    unused: str = ""  # why it scales nothing here ("" when it applied)


@dataclass(frozen=True)
class Fleet:
    """Everything compile() needs: the loaded, defaulted sources."""

    clusters: tuple[Cluster, ...]
    templates: tuple[ResourceTemplate, ...]
    propagation_policies: tuple[PropagationPolicy, ...]
    override_policies: tuple[OverridePolicy, ...]
    rollout_policies: tuple[RolloutPolicy, ...] = ()
    # ResourceInterpreterCustomizations of policies/, by name.
    customizations: tuple[Customization, ...] = ()
    gates: FeatureGates = field(default_factory=FeatureGates)
    # what each FederatedHPA did to its target, already applied to `templates`
    federated_scalings: tuple[FederatedScaling, ...] = ()
    # networking.karmada.io MultiClusterServices of templates/ (hubless.multiclusterservice)
    multicluster_services: tuple[MultiClusterService, ...] = ()

    @cached_property
    def claimed_services(self) -> dict[ResourceKey, MultiClusterService]:
        """The Services a CrossCluster MultiClusterService takes over, by key."""
        return {m.service: m for m in self.multicluster_services if m.cross_cluster}

    quotas: tuple[FederatedResourceQuota, ...] = ()  # of policies/, by namespace and name

    @cached_property
    def interpreters(self) -> Interpreters:
        """The customizations over the built-in interpreters."""
        from hubless.interpreter.interpreters import Interpreters  # the model imports no logic

        return Interpreters(self.customizations)

    @cached_property
    def now(self) -> datetime | None:
        """The render's clock: the latest time the Cluster objects record."""
        from hubless.failover import fleet_now  # the model imports no logic

        return fleet_now(self.clusters)


class TargetCluster(NamedTuple):
    name: str
    replicas: int


@dataclass(frozen=True)
class Binding:
    """Where one resource template goes: Karmada's ResourceBinding, decided offline."""

    resource: ResourceKey
    source: Source
    policy: PolicyRef | None
    clusters: tuple[TargetCluster, ...]
    replicas: int = 0
    affinity_name: str = ""  # the clusterAffinities term that scheduled it
    placement_fingerprint: str = ""


@dataclass(frozen=True)
class PreviousPlacement:
    """What the last render decided for one resource (Karmada keeps it in the binding)."""

    clusters: dict[str, int] = field(default_factory=dict)
    affinity_name: str = ""
    placement_fingerprint: str = ""
    via: str = ""  # the policy that claimed it (Karmada's claim on the template)
