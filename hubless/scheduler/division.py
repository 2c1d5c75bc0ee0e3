"""Dividing replicas by weight: Karmada's Webster (Sainte-Laguë) seat allocation.

Each new seat goes to the party with the largest votes / (2 * seats + 1), compared as
float64 as Karmada does; ties go to the party with fewer seats, then to the smaller name.
Karmada breaks that last tie by name in an order chosen by the resource's UID; a compiler
has no UID, so hubless always uses ascending names, Karmada's rule for an empty UID.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping


def allocate_webster_seats(
    seats: int, votes: Mapping[str, int], initial: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Every party (voters and initial holders) with its seats after `seats` more."""
    parties = dict.fromkeys(votes, 0)
    parties.update(initial or {})
    if not parties:
        return {}
    heap = [(-(votes.get(name, 0) / (2 * held + 1)), held, name) for name, held in parties.items()]
    heapq.heapify(heap)
    for _ in range(seats):
        _, held, name = heapq.heappop(heap)
        held += 1
        parties[name] = held
        heapq.heappush(heap, (-(votes.get(name, 0) / (2 * held + 1)), held, name))
    return dict(sorted(parties.items()))


def divide_replicas(replicas: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`replicas` split by weight (Karmada's AllocateByWeight); nothing when all weigh 0."""
    if sum(weights.values()) == 0:
        return {}
    return allocate_webster_seats(replicas, weights)


def merge(old: Mapping[str, int], new: Mapping[str, int]) -> dict[str, int]:
    """Replicas per cluster added up (Karmada's MergeTargetClusters)."""
    merged = dict(old)
    for name, replicas in new.items():
        merged[name] = merged.get(name, 0) + replicas
    return merged
