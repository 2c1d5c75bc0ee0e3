"""The scheduling unit: everything the plugins read about one object, policy and annotations
already merged, as KubeAdmiral builds it before running its framework."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

from hubless.dialects.kubeadmiral.scheduler.annotations import (
    AnnotationOverrides,
    placement_maps,
    read_annotations,
)
from hubless.dialects.kubeadmiral.scheduler.types import (
    BINPACK,
    DIVIDE,
    DUPLICATE,
    GPU,
    GVK,
    SPREAD,
    Affinity,
    KubeAdmiralPolicy,
    KubeAdmiralScheduleError,
    SchedulingObject,
)
from hubless.model import Toleration

T = TypeVar("T")


@dataclass(frozen=True)
class SchedulingUnit:
    """A scheduling unit. Per-cluster maps hold only the clusters whose placement sets the
    field; `current` maps clusters already holding the object to their replicas (None when
    not recorded, which counts as `desired_replicas`)."""

    key: str = ""
    gvk: GVK = ("", "", "")
    mode: str = DUPLICATE
    strategy: str = SPREAD
    desired_replicas: int | None = None
    resource_request: Mapping[str, Fraction] = field(default_factory=dict)
    current: Mapping[str, int | None] = field(default_factory=dict)
    sticky: bool = False
    avoid_disruption: bool = True
    cluster_selector: Mapping[str, str] = field(default_factory=dict)
    cluster_names: frozenset[str] = frozenset()
    affinity: Affinity | None = None
    tolerations: tuple[Toleration, ...] = ()
    max_clusters: int | None = None
    min_replicas: Mapping[str, int] = field(default_factory=dict)
    max_replicas: Mapping[str, int] = field(default_factory=dict)
    weights: Mapping[str, int] = field(default_factory=dict)
    priorities: Mapping[str, int] = field(default_factory=dict)
    evicted: frozenset[str] = frozenset()


def build_unit(
    obj: SchedulingObject,
    policy: KubeAdmiralPolicy,
    current: Mapping[str, int | None] | None = None,
    overrides: AnnotationOverrides | None = None,
) -> tuple[SchedulingUnit, tuple[str, ...]]:
    """The unit for `obj` under `policy` and the object's annotations, with notes on how the
    mode was decided. Raises KubeAdmiralScheduleError for Divide without a replica count."""
    if overrides is None:
        overrides = read_annotations(obj.annotations)
    notes: list[str] = []
    # An empty or unknown policy mode reads as Duplicate.
    mode = policy.scheduling_mode if policy.scheduling_mode in (DUPLICATE, DIVIDE) else DUPLICATE
    if overrides.scheduling_mode is not None:
        mode = overrides.scheduling_mode
    if mode == DIVIDE and not obj.replicas_spec():
        mode = DUPLICATE
        group, version, kind = obj.gvk
        notes.append(
            f"Divide falls back to Duplicate: {group or 'core'}/{version} {kind} has no "
            "replicas path in its FederatedTypeConfig"
        )
    desired = None
    if mode == DIVIDE:
        if obj.replicas is None:
            raise KubeAdmiralScheduleError(
                f"{obj.key}: Divide needs the object's replica count, and it has none"
            )
        desired = obj.replicas

    affinity = policy.affinity_override
    if overrides.affinity is not None:
        affinity = overrides.affinity
    elif affinity is None and policy.cluster_affinity:
        affinity = Affinity(required=policy.cluster_affinity)

    names, minimums, maximums, weights, priorities = placement_maps(policy, overrides)
    # Only a GPU request reaches the plugins; CPU and memory requests are not used.
    request = {GPU: obj.resource_request[GPU]} if GPU in obj.resource_request else {}
    unit = SchedulingUnit(
        key=obj.key,
        gvk=obj.gvk,
        mode=mode,
        strategy=BINPACK if policy.replicas_strategy == BINPACK else SPREAD,
        desired_replicas=desired,
        resource_request=request,
        current=dict(current or {}),
        sticky=policy.disable_rescheduling if overrides.sticky is None else overrides.sticky,
        avoid_disruption=policy.avoid_disruption,
        cluster_selector=_pick(overrides.cluster_selector, policy.cluster_selector),
        cluster_names=frozenset(names),
        affinity=affinity,
        tolerations=_pick(overrides.tolerations, policy.tolerations),
        max_clusters=_pick(overrides.max_clusters, policy.max_clusters),
        min_replicas=minimums,
        max_replicas=maximums,
        weights=weights,
        priorities=priorities,
        evicted=obj.evicted_clusters,
    )
    return unit, tuple(notes)


def _pick(override: T | None, value: T) -> T:
    return value if override is None else override
