"""Feasible clusters with what selection and assignment need, in Karmada's order."""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

from hubless.model import Cluster
from hubless.scheduler.errors import Room


class Candidate(NamedTuple):
    """Karmada's ClusterDetailInfo."""

    cluster: Cluster
    score: int  # ClusterLocality: 100 when the cluster holds the previous placement
    overflow_order: int  # 0: the active affinity term; i: its i-th overflow affinity
    allocatable: int  # the estimator's answer
    available: int  # allocatable + replicas the previous placement gave the cluster
    limit: str = ""  # what bounded the estimate (cpu, memory, pods, ...)

    @property
    def name(self) -> str:
        return self.cluster.name

    def room(self, *, with_current: bool = False, sets: bool = False) -> Room:
        """Its room for messages; `with_current` when its current replicas count as room,
        `sets` when the room counts component sets."""
        current = self.available - self.allocatable if with_current else 0
        return Room(self.name, self.allocatable, self.limit, current, "set" if sets else "")


def sort_key(candidate: Candidate) -> tuple[int, int, int, str]:
    """overflow order ascending, score descending, available descending, name."""
    return (candidate.overflow_order, -candidate.score, -candidate.available, candidate.name)


_BY_SCORE_AND_AVAILABLE = itemgetter(1, 4)
_BY_OVERFLOW_ORDER = itemgetter(2)


def in_order(candidates: list[Candidate], overflow: bool) -> list[Candidate]:
    """Candidates given in name order, sorted by `sort_key` (Karmada's sortClusters):
    stable sorts by the other keys keep names in order where those are equal. `overflow`:
    some overflow order is not 0."""
    candidates.sort(key=_BY_SCORE_AND_AVAILABLE, reverse=True)  # reverse sorts stay stable
    if overflow:
        candidates.sort(key=_BY_OVERFLOW_ORDER)
    return candidates
