"""The rollout plan: which wave and batch each cluster is in, and which objects follow it.

Pure. A cluster belongs to the first wave that selects it (a wave without `clusters` takes
every cluster no earlier wave took). Within a wave clusters go in name order, as OCM's
rollout helpers order them, in batches of maxConcurrency: a number of clusters, or a
percentage of the wave rounded up (OCM's calculateRolloutSize); a size of 0 or larger than
the wave is the whole wave.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hubless.match import MatchLevel, policy_match
from hubless.model import (
    Cluster,
    MaxConcurrency,
    ResourceKey,
    ResourceTemplate,
    RolloutPolicy,
    Wave,
)
from hubless.results import Compiled
from hubless.selectors import cluster_matches
from hubless.serialize import dump


def batch_size(max_concurrency: MaxConcurrency | None, total: int) -> int:
    """How many of a wave's `total` clusters one batch promotes."""
    if max_concurrency is None:
        return total
    size = max_concurrency.value
    if max_concurrency.percent:
        size = -(-size * total // 100)  # rounded up, in exact arithmetic
    return total if size <= 0 or size > total else size


@dataclass(frozen=True)
class WavePlan:
    wave: Wave
    clusters: tuple[str, ...]  # in name order
    batches: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class RolloutPlan:
    policy: RolloutPolicy
    waves: tuple[WavePlan, ...]
    unassigned: tuple[str, ...]  # clusters no wave selects, in name order

    def wave_of(self, cluster: str) -> WavePlan | None:
        return next((w for w in self.waves if cluster in w.clusters), None)


def _selects(wave: Wave, cluster: Cluster) -> bool:
    return wave.clusters is None or cluster_matches(wave.clusters, cluster)


def plan_rollout(policy: RolloutPolicy, clusters: Iterable[Cluster]) -> RolloutPlan:
    """Each cluster in the first wave that selects it, each wave cut into batches."""
    left = sorted(clusters, key=lambda c: c.name)
    waves = []
    for wave in policy.waves:
        taken = [c.name for c in left if _selects(wave, c)]
        left = [c for c in left if c.name not in set(taken)]
        size = max(batch_size(wave.max_concurrency, len(taken)), 1)
        batches = tuple(tuple(taken[i : i + size]) for i in range(0, len(taken), size))
        waves.append(WavePlan(wave, tuple(taken), batches))
    return RolloutPlan(policy, tuple(waves), tuple(c.name for c in left))


def selects(policy: RolloutPolicy, template: ResourceTemplate) -> bool:
    """Whether the policy's resourceSelectors select the template, as a PropagationPolicy's
    would."""
    return policy_match(policy.resource_selectors, template) is not MatchLevel.MISMATCH


@dataclass(frozen=True)
class RolloutObjects:
    """What a rollout carries: the objects it selects, and the propagateDeps dependencies
    that follow them (each with the selected workloads that need it)."""

    selected: tuple[ResourceKey, ...]
    dependencies: Mapping[ResourceKey, tuple[ResourceKey, ...]]

    @property
    def keys(self) -> tuple[ResourceKey, ...]:
        return tuple(sorted({*self.selected, *self.dependencies}))


def rollout_objects(
    policy: RolloutPolicy, templates: Sequence[ResourceTemplate], compiled: Compiled
) -> RolloutObjects:
    """The templates the policy selects, and every object that a selected workload's
    propagateDeps brings along (a dependency held with the workload that needs it)."""
    selected = tuple(sorted(t.key for t in templates if selects(policy, t)))
    chosen = set(selected)
    dependencies: dict[ResourceKey, tuple[ResourceKey, ...]] = {}
    for decision in compiled.decisions:
        needed_by = tuple(sorted(k for k, _ in decision.required_by if k in chosen))
        key = decision.binding.resource
        if needed_by and key not in chosen:
            dependencies[key] = needed_by
    return RolloutObjects(selected, dict(sorted(dependencies.items())))


def target_digest(objects: RolloutObjects, compiled: Compiled) -> str:
    """A digest of what the rollout's objects are to become on every cluster (their content
    and where they are placed): a rollout is under way towards exactly this."""
    wanted = set(objects.keys)
    digest = hashlib.sha256()
    for cluster in sorted(compiled.objects):
        for rendered in compiled.objects[cluster]:
            if rendered.key in wanted:
                digest.update(f"{cluster}\0{rendered.key}\0".encode())
                digest.update(dump(rendered.body).encode())
                digest.update(b"\0")
    return "sha256:" + digest.hexdigest()
