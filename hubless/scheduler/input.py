"""What the scheduler knows about one resource template and its policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from hubless.interpreter.interpreters import Component
from hubless.model import AffinityTerm, Placement, ResourceKey
from hubless.scheduler.workload_groups import Peer, WorkloadGroups
from hubless.workloads import ReplicaRequirements


@dataclass(frozen=True)
class ScheduleInput:
    resource: ResourceKey
    api_version: str
    kind: str
    placement: Placement
    replicas: int  # what the template asks for (0 for non-workloads)
    is_workload: bool
    requirements: ReplicaRequirements | None = None
    previous: dict[str, int] = field(default_factory=dict)  # last placement, from the record
    previous_affinity: str = ""  # the clusterAffinities term the last placement used
    term: AffinityTerm | None = None  # the clusterAffinities term being tried
    fresh: bool = False  # a requested full reschedule (Karmada's WorkloadRebalancer)
    # clusters on which this render places a CRD that serves the resource's API
    served_here: frozenset[str] = frozenset()
    # the binding's components (GetComponents, when Karmada's controller-manager has
    # MultiplePodTemplatesScheduling on); None: it has replicas instead
    components: tuple[Component, ...] | None = None
    component_sets: bool = False  # the scheduler's MultiplePodTemplatesScheduling
    # clusters the taint manager evicts the resource from, with why (not in `previous`)
    evicted: dict[str, str] = field(default_factory=dict)
    # placement.workloadAffinity (with Karmada's WorkloadAffinity gate): the binding's
    # groups, and the other workloads of each group with the clusters they target
    groups: WorkloadGroups | None = None
    affinity_peers: tuple[Peer, ...] = ()
    anti_affinity_peers: tuple[Peer, ...] = ()

    @property
    def estimates_sets(self) -> bool:
        """Karmada's scheduler gate plus isMultiTemplateSchedulingApplicable: components,
        and a cluster spread constraint asking for exactly one cluster. Such an object
        needs room for one whole set of its components on the chosen cluster."""
        if not (self.component_sets and self.components):
            return False
        return any(
            c.field == "cluster" and c.min_groups == 1 and c.max_groups == 1
            for c in self.placement.spread_constraints
        )
