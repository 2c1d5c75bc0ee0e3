"""Why a scheduling attempt failed, in words that carry the numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class ScheduleError(Exception):
    """The attempt failed: Karmada keeps the previous result and reports this."""


class Room(NamedTuple):
    """The replicas one cluster can take, as the estimator computed them."""

    cluster: str
    replicas: int
    limit: str  # what bounds it: cpu, pods, "no status.resourceSummary", ...
    current: int = 0  # replicas it already runs, counted as room too
    unit: str = ""  # "set": the room counts whole sets of components, not replicas

    def __str__(self) -> str:
        running = f" + {self.current} running" if self.current else ""
        if self.unit:
            counted = f"{self.replicas} {self.unit}{'' if self.replicas == 1 else 's'}"
            return f"{self.cluster} room for {counted} (by {self.limit}){running}"
        return f"{self.cluster} {self.replicas} ({self.limit}){running}"


def replicas_wanted(count: int, more: bool = False) -> str:
    """'40 replicas wanted', '1 more replica wanted'."""
    noun = "replica" if count == 1 else "replicas"
    return f"{count} {'more ' if more else ''}{noun} wanted"


def sets_wanted(count: int) -> str:
    """'1 component set wanted'."""
    return f"{count} component {'set' if count == 1 else 'sets'} wanted"


class NotEnoughRoom(ScheduleError):
    """Fewer replicas fit than are wanted.

    Karmada says only "Clusters available replicas N are not enough to schedule"; this
    names the replicas wanted and each cluster's room, in cluster name order."""

    def __init__(self, wanted: str, room: Sequence[Room], *, total: bool = True) -> None:
        listed = ", ".join(str(r) for r in sorted(room))
        if total:
            fits = sum(r.replicas + r.current for r in room)
            super().__init__(f"not enough room: {wanted}, room for {fits}: {listed}")
        else:
            super().__init__(f"not enough room: {wanted}; room: {listed}")
