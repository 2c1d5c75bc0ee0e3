"""What the scheduler knows about one resource template and its policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.model import Placement, ResourceKey


@dataclass(frozen=True)
class ScheduleInput:
    resource: ResourceKey
    api_version: str
    placement: Placement
    replicas: int  # what the template asks for (0 for non-workloads)
    is_workload: bool
    previous: dict[str, int] = field(default_factory=dict)  # last placement, from the record
