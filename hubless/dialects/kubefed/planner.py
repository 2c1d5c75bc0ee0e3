"""Kubefed's replica planner: how a ReplicaSchedulingPreference splits replicas over clusters.

This module owns the arithmetic of Kubefed v2's `ReplicaSchedulingPreference`
(`scheduling.kubefed.io/v1alpha1`), reproduced from Kubefed's planner
(pkg/controller/util/planner) and the RSP scheduler that calls it
(pkg/schedulingtypes/replicascheduler.go). It knows nothing about manifests or placement
objects; callers hand it cluster names and get replica counts back.

The rules, in the order Kubefed applies them:

1. Every candidate cluster takes its own preference, else the `"*"` preference. A cluster
   with neither is still recorded in the plan, with 0 replicas, and takes no further part.
2. Clusters with a preference are ordered by weight, highest first; equal weights are ordered
   by a 32-bit FNV-1 hash (not FNV-1a) of the UTF-8 bytes of the cluster name followed by the
   object key (`"<namespace>/<name>"`), smallest first. The hash stands in for a random
   order, so that single replicas do not always land on the alphabetically first cluster.
3. In that order each cluster gets `min(minReplicas, remaining, capacity)`.
4. Unless `rebalance` is set, a cluster already running more than it was given keeps up to
   its current count (capped by maxReplicas, capacity and what remains). These replicas are
   "preallocated": the weighted passes below use them up before adding anything new there.
5. Weighted passes repeat while replicas remain and the last pass changed something. Each
   pass takes `d` = the replicas remaining at its start and `W` = the sum of the weights of
   the clusters still open, and visits them in order. A cluster's share is
   `ceil(d * weight / W)`, capped by what still remains; its unused preallocation is spent
   first. The new total is then clamped to maxReplicas and to capacity. A cluster hitting
   either limit is closed for later passes. Going over capacity records the excess as that
   cluster's overflow, replacing any earlier value. A pass with `W <= 0` ends the loop.
6. With `rebalance` unset, each overflow is cut to the replicas left unplaced and zeros are
   dropped; with `rebalance` set, overflow is returned as computed.

Zero replicas: the plan has an entry for every candidate cluster, 0 included (a cluster
without a preference, a weight-0 cluster, or one the ordering left nothing for). The RSP
scheduler then writes one count per cluster: plan plus overflow, and 0 for every cluster
where the object currently exists. It places the object in *all* of those clusters, each with
a `/spec/replicas` override, so zero-replica workloads are created. See `schedule`.

Kubefed's live inputs, the current replica counts and the estimated capacity, come from the
member clusters. Offline, the current counts are the last render's (see the assembly) and
the capacity is unknown, so none is passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hubless.dialects.gomath import cluster_hash, go_div

WILDCARD = "*"
"""The preference key that applies to every cluster without an entry of its own."""


@dataclass(frozen=True)
class ClusterPreference:
    """One entry of an RSP's `spec.clusters`: bounds and weight for one cluster."""

    min_replicas: int = 0
    max_replicas: int | None = None  # None: unbounded
    weight: int = 0


@dataclass(frozen=True)
class ReplicaSchedulingSpec:
    """The planner's inputs taken from an RSP spec, after Kubefed's defaulting."""

    total_replicas: int
    rebalance: bool = False
    clusters: Mapping[str, ClusterPreference] = field(default_factory=dict)


@dataclass(frozen=True)
class _Ranked:
    name: str
    hash: int
    preference: ClusterPreference


def plan(
    preferences: Mapping[str, ClusterPreference],
    total_replicas: int,
    clusters: Sequence[str],
    key: str,
    current: Mapping[str, int] | None = None,
    capacity: Mapping[str, int] | None = None,
    rebalance: bool = False,
) -> tuple[dict[str, int], dict[str, int]]:
    """Replicas per candidate cluster and the overflow, as Kubefed's `Planner.Plan` returns.

    `preferences` is the RSP's `spec.clusters` as given: the `{"*": weight 1}` default for an
    empty map is the scheduler's job (see `parse_rsp_spec`), so an empty map here plans 0
    everywhere. `key` is the object's `"<namespace>/<name>"`. `current` maps clusters to the
    replicas running there and `capacity` to how many they can hold; a cluster missing from
    `capacity` is unbounded. The plan has an entry for every cluster in `clusters`; overflow
    holds the extra replicas that would be nice to run where capacity fell short.
    """
    current = current or {}
    capacity = capacity or {}

    planned: dict[str, int] = {}
    ranked: list[_Ranked] = []
    for name in clusters:
        preference = preferences.get(name, preferences.get(WILDCARD))
        if preference is None:
            planned[name] = 0
        else:
            ranked.append(_Ranked(name, cluster_hash(name, key), preference))
    # Kubefed's sort is not stable; equal (weight, hash) pairs only arise from a repeated
    # name, whose entries are identical, or a hash collision, where input order decides here.
    ranked.sort(key=lambda entry: (-entry.preference.weight, entry.hash))

    remaining = total_replicas
    for entry in ranked:
        given = min(entry.preference.min_replicas, remaining)
        if entry.name in capacity:
            given = min(given, capacity[entry.name])
        remaining -= given
        planned[entry.name] = given

    # Replicas a cluster already runs and may keep without rebalancing; the weighted passes
    # consume these before they add new replicas to that cluster.
    preallocated: dict[str, int] = {}
    if not rebalance:
        for entry in ranked:
            base = planned[entry.name]
            running = current.get(entry.name)
            if running is None or running <= base:
                continue
            target = running
            if entry.preference.max_replicas is not None:
                target = min(target, entry.preference.max_replicas)
            if entry.name in capacity:
                target = min(target, capacity[entry.name])
            kept = max(min(target - base, remaining), 0)
            remaining -= kept
            preallocated[entry.name] = kept
            planned[entry.name] = base + kept

    overflow: dict[str, int] = {}
    open_entries = ranked
    changed = True
    # One pass may not place everything (ceiling rounding, max caps, preallocation), so
    # passes repeat until nothing remains or a pass changes nothing.
    while changed and remaining > 0:
        changed = False
        weight_sum = sum(entry.preference.weight for entry in open_entries)
        if weight_sum <= 0:
            break
        to_distribute = remaining
        still_open: list[_Ranked] = []
        for entry in open_entries:
            name, preference = entry.name, entry.preference
            start = planned[name]
            # Ceiling of this cluster's proportional share, never more than is left.
            share = go_div(to_distribute * preference.weight + weight_sum - 1, weight_sum)
            share = min(share, remaining)

            unused = preallocated.get(name, 0)
            from_preallocation = min(share, unused)
            preallocated[name] = unused - from_preallocation
            share -= from_preallocation
            if from_preallocation > 0:
                changed = True

            total = start + share
            full = False
            if preference.max_replicas is not None and total > preference.max_replicas:
                total = preference.max_replicas
                full = True
            if name in capacity and total > capacity[name]:
                overflow[name] = total - capacity[name]
                total = capacity[name]
                full = True
            if not full:
                still_open.append(entry)

            remaining -= total - start
            planned[name] = total
            if total > start:
                changed = True
        open_entries = still_open

    if not rebalance:
        # Without rebalancing only replicas that found no home at all are worth overflowing.
        trimmed = {name: min(extra, remaining) for name, extra in overflow.items()}
        overflow = {name: extra for name, extra in trimmed.items() if extra > 0}

    # Go maps have no order; list clusters as the caller did, for a stable output.
    ordered_plan = {name: planned[name] for name in clusters}
    ordered_overflow = {name: overflow[name] for name in clusters if name in overflow}
    return ordered_plan, ordered_overflow


def schedule(
    preferences: Mapping[str, ClusterPreference],
    total_replicas: int,
    clusters: Sequence[str],
    key: str,
    current: Mapping[str, int] | None = None,
    capacity: Mapping[str, int] | None = None,
    rebalance: bool = False,
) -> dict[str, int]:
    """The replicas per cluster Kubefed's RSP scheduler writes back to the federated object.

    Each cluster's count is its planned replicas plus its overflow. Every cluster in
    `current`, the clusters where the object exists now, is included too, with 0 if the plan
    has nothing for it. Kubefed then sets `spec.placement.clusters` to exactly these keys,
    zeros included. Each of them gets a `/spec/replicas` override with its count.
    """
    planned, overflow = plan(
        preferences, total_replicas, clusters, key, current, capacity, rebalance
    )
    result = dict.fromkeys(current or {}, 0)
    result.update(planned)
    for name, extra in overflow.items():
        result[name] = result.get(name, 0) + extra
    return result


def _int_field(value: Any, where: str) -> int:
    # bool is an int subclass in Python, but YAML `true` is not an integer to the API server.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where} must be an integer, not {value!r}")
    return value


def parse_rsp_spec(spec: Mapping[str, Any]) -> ReplicaSchedulingSpec:
    """The planner inputs of an RSP `spec` dict (`totalReplicas`, `rebalance`, `clusters`).

    An empty or missing `clusters` map becomes `{"*": {weight: 1}}`, the default Kubefed's
    RSP scheduler applies before planning. Missing `minReplicas`/`weight` are 0 and a missing
    `maxReplicas` is unbounded. Fields the planner does not use are ignored.
    """
    total = _int_field(spec.get("totalReplicas"), "spec.totalReplicas")
    rebalance = spec.get("rebalance", False)
    if not isinstance(rebalance, bool):
        raise ValueError(f"spec.rebalance must be a boolean, not {rebalance!r}")
    raw_clusters = spec.get("clusters") or {}
    if not isinstance(raw_clusters, Mapping):
        raise ValueError(f"spec.clusters must be a map, not {raw_clusters!r}")

    clusters: dict[str, ClusterPreference] = {}
    for name, raw in raw_clusters.items():
        where = f"spec.clusters[{name!r}]"
        raw = {} if raw is None else raw
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where} must be a map, not {raw!r}")
        maximum = raw.get("maxReplicas")
        clusters[str(name)] = ClusterPreference(
            min_replicas=_int_field(raw.get("minReplicas", 0), f"{where}.minReplicas"),
            max_replicas=None if maximum is None else _int_field(maximum, f"{where}.maxReplicas"),
            weight=_int_field(raw.get("weight", 0), f"{where}.weight"),
        )
    if not clusters:
        clusters = {WILDCARD: ClusterPreference(weight=1)}
    return ReplicaSchedulingSpec(total_replicas=total, rebalance=rebalance, clusters=clusters)
