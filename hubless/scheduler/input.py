"""What the scheduler knows about one resource template and its policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from hubless.model import AffinityTerm, Placement, ResourceKey
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
