"""The inputs of KubeAdmiral's scheduler, in the words of its API (core.kubeadmiral.io/v1alpha1).

A `FederatedCluster` is one member cluster as the scheduler sees it, a `KubeAdmiralPolicy` the
spec of a PropagationPolicy or ClusterPropagationPolicy after the API server's CRD defaulting,
a `SchedulingProfile` the plugin selection a policy may name, and a `SchedulingObject` the one
object (the template of a FederatedObject) being scheduled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from hubless.model import Requirement, Taint, Toleration

DUPLICATE = "Duplicate"
DIVIDE = "Divide"
SPREAD = "Spread"
BINPACK = "Binpack"

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
GPU = "nvidia.com/gpu"

# A GroupVersionKind as FederatedCluster.status.apiResourceTypes lists it.
GVK = tuple[str, str, str]


class KubeAdmiralScheduleError(Exception):
    """KubeAdmiral would not schedule the object at all: it keeps its previous placement and
    reports this (a missing profile, an invalid profile, a negative maxClusters, an invalid
    preferred-affinity term, Divide without a replica count)."""


@dataclass(frozen=True)
class FederatedCluster:
    """A FederatedCluster: labels, spec.taints and the status the scheduler reads.

    `allocatable` and `available` are status.resources, as exact amounts in base units
    (cores, bytes, devices; parse quantities with `hubless.quantity.parse_quantity`). Each
    plugin rounds them the way KubeAdmiral does: the resource score and fit plugins count CPU
    in millicores and everything else in whole units (`Quantity.MilliValue()` / `Value()`,
    both rounding up); dynamic replica weights count whole cores.

    `api_resource_types` is status.apiResourceTypes as (group, version, kind); None means the
    inventory does not list them, and the cluster is then assumed to serve every kind, so the
    APIResources filter passes. An empty set serves nothing.

    Only clusters with `joined` are scheduling candidates at all. `terminating` stands for a
    set metadata.deletionTimestamp.
    """

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    joined: bool = True
    ready: bool = True
    terminating: bool = False
    allocatable: Mapping[str, Fraction] = field(default_factory=dict)
    available: Mapping[str, Fraction] = field(default_factory=dict)
    api_resource_types: frozenset[GVK] | None = None


@dataclass(frozen=True)
class ClusterSelectorTerm:
    """One clusterSelectorTerm: its matchExpressions and matchFields are ANDed.

    Operators are In, NotIn, Exists, DoesNotExist, Gt and Lt on labels; matchFields only
    knows `metadata.name` with In or NotIn and exactly one value. A term with neither part
    matches no cluster.
    """

    match_expressions: tuple[Requirement, ...] = ()
    match_fields: tuple[Requirement, ...] = ()


@dataclass(frozen=True)
class PreferredTerm:
    """A preferred affinity term: `weight` is added to the score of matching clusters."""

    weight: int
    preference: ClusterSelectorTerm


@dataclass(frozen=True)
class Affinity:
    """Cluster affinity as the scheduler holds it.

    `required` terms are ORed; None means no requirement at all, while an empty tuple (only
    reachable through the affinity annotation) matches no cluster. `preferred` terms score.
    """

    required: tuple[ClusterSelectorTerm, ...] | None = None
    preferred: tuple[PreferredTerm, ...] = ()


@dataclass(frozen=True)
class PlacementPreference:
    """spec.placement[].preferences. None leaves weight / priority / max unset, which matters:
    a weight on any placement switches Spread to static weights, and a priority on any
    placement makes priorities, not scores, order the clusters."""

    min_replicas: int = 0
    max_replicas: int | None = None
    weight: int | None = None
    priority: int | None = None


@dataclass(frozen=True)
class KubeAdmiralPolicy:
    """A PropagationPolicy / ClusterPropagationPolicy spec, with the CRD defaults applied.

    `placements` maps each listed cluster to its preferences, in the policy's order; an empty
    mapping puts no constraint on cluster names. `cluster_affinity` holds required terms only
    (a policy cannot express preferred ones); empty means no constraint. `affinity_override`
    is set only by `effective_policy` from the object's affinity annotation and then replaces
    `cluster_affinity` wholesale. `avoid_disruption` and `replicas_strategy` default to what
    the API server's defaulting gives a policy that leaves them out.
    """

    scheduling_mode: str = DUPLICATE
    replicas_strategy: str = SPREAD
    cluster_selector: Mapping[str, str] = field(default_factory=dict)
    cluster_affinity: tuple[ClusterSelectorTerm, ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    max_clusters: int | None = None
    placements: Mapping[str, PlacementPreference] = field(default_factory=dict)
    disable_follower_scheduling: bool = False
    avoid_disruption: bool = True
    disable_rescheduling: bool = False
    scheduling_profile: str = ""
    affinity_override: Affinity | None = None


@dataclass(frozen=True)
class PluginSet:
    """One extension point of a SchedulingProfile; `"*"` in `disabled` drops every default."""

    enabled: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchedulingProfile:
    """A SchedulingProfile: plugins to drop from and add to the defaults, per extension point.
    The replicas plugin cannot be changed by a profile."""

    name: str
    filter: PluginSet = PluginSet()
    score: PluginSet = PluginSet()
    select: PluginSet = PluginSet()


@dataclass(frozen=True)
class SchedulingObject:
    """The object being scheduled (a FederatedObject's template).

    `replicas` is the value at the type's replicas path (spec.replicas), None when absent;
    apply the API server's defaulting first (a Deployment without spec.replicas has 1).
    `has_replicas_spec` says whether the type's FederatedTypeConfig defines a replicas path;
    None means KubeAdmiral's sample FTCs, where only apps Deployment does, so Divide falls
    back to Duplicate for every other kind. `resource_request` is one pod's request (sum of
    containers, maxed with init containers, plus overhead) in base units; the scheduler only
    looks at its `nvidia.com/gpu` entry. `evicted_clusters` are the clusters the object's
    custom-migration configuration currently marks unavailable (the caller compares the
    validUntil times).
    """

    name: str
    namespace: str = ""  # "" for cluster-scoped objects
    group: str = ""
    version: str = "v1"
    kind: str = ""
    replicas: int | None = None
    has_replicas_spec: bool | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    resource_request: Mapping[str, Fraction] = field(default_factory=dict)
    evicted_clusters: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """`<namespace>/<name>`, or `<name>` when cluster-scoped: it seeds the Spread ties."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def gvk(self) -> GVK:
        return (self.group, self.version, self.kind)

    def replicas_spec(self) -> bool:
        """Whether Divide can divide this kind (its FTC has pathDefinition.replicasSpec)."""
        if self.has_replicas_spec is not None:
            return self.has_replicas_spec
        return (self.group, self.kind) == ("apps", "Deployment")
