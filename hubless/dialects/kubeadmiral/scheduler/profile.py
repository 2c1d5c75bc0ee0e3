"""Which plugins run: KubeAdmiral's defaults, reconciled with a SchedulingProfile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from hubless.dialects.kubeadmiral.scheduler.types import (
    BINPACK,
    KubeAdmiralScheduleError,
    PluginSet,
    SchedulingProfile,
)

API_RESOURCES = "APIResources"
TAINT_TOLERATION = "TaintToleration"
CLUSTER_READY = "ClusterReady"
CLUSTER_TERMINATING = "ClusterTerminating"
CLUSTER_RESOURCES_FIT = "ClusterResourcesFit"
PLACEMENT_FILTER = "PlacementFilter"
KATALYST_RESOURCES_EXIST = "KatalystResourcesExist"
CLUSTER_AFFINITY = "ClusterAffinity"
CLUSTER_EVICTED = "ClusterEvicted"
BALANCED_ALLOCATION = "ClusterResourcesBalancedAllocation"
LEAST_ALLOCATED = "ClusterResourcesLeastAllocated"
MOST_ALLOCATED = "ClusterResourcesMostAllocated"
PRIORITY_SORT = "PrioritySort"
MAX_CLUSTER = "MaxCluster"
CLUSTER_CAPACITY_WEIGHT = "ClusterCapacityWeight"
PREFERENCE_BIN_PACK = "PreferenceBinPack"

# The extension points each in-tree plugin implements; a profile may only enable a plugin
# where it has an implementation.
FILTER_PLUGINS = frozenset(
    {
        API_RESOURCES,
        TAINT_TOLERATION,
        CLUSTER_READY,
        CLUSTER_TERMINATING,
        CLUSTER_RESOURCES_FIT,
        PLACEMENT_FILTER,
        KATALYST_RESOURCES_EXIST,
        CLUSTER_AFFINITY,
        CLUSTER_EVICTED,
    }
)
SCORE_PLUGINS = frozenset(
    {TAINT_TOLERATION, BALANCED_ALLOCATION, LEAST_ALLOCATED, MOST_ALLOCATED, CLUSTER_AFFINITY}
)
SELECT_PLUGINS = frozenset({PRIORITY_SORT, MAX_CLUSTER})
REPLICAS_PLUGINS = frozenset({CLUSTER_CAPACITY_WEIGHT, PREFERENCE_BIN_PACK})


class PluginLists(NamedTuple):
    """The plugins of each extension point, in the order they run."""

    filter: tuple[str, ...]
    score: tuple[str, ...]
    select: tuple[str, ...]
    replicas: tuple[str, ...]


def default_plugins() -> PluginLists:
    """The plugins KubeAdmiral runs without a profile (Katalyst support off)."""
    return PluginLists(
        filter=(
            API_RESOURCES,
            TAINT_TOLERATION,
            PLACEMENT_FILTER,
            CLUSTER_AFFINITY,
            CLUSTER_READY,
            CLUSTER_TERMINATING,
            CLUSTER_EVICTED,
        ),
        score=(TAINT_TOLERATION, BALANCED_ALLOCATION, LEAST_ALLOCATED, CLUSTER_AFFINITY),
        select=(PRIORITY_SORT, MAX_CLUSTER),
        replicas=(CLUSTER_CAPACITY_WEIGHT,),
    )


def reconcile(defaults: Sequence[str], plugins: PluginSet) -> tuple[str, ...]:
    """One extension point: the defaults minus the disabled ones (all of them for "*"), then
    the enabled ones in their given order. Names are not checked here."""
    if "*" in plugins.disabled:
        kept: list[str] = []
    else:
        kept = [name for name in defaults if name not in plugins.disabled]
    return (*kept, *plugins.enabled)


def apply_profile(base: PluginLists, profile: SchedulingProfile | None) -> PluginLists:
    """`base` with the profile's filter, score and select changes; replicas stay as they are."""
    if profile is None:
        return base
    return PluginLists(
        filter=reconcile(base.filter, profile.filter),
        score=reconcile(base.score, profile.score),
        select=reconcile(base.select, profile.select),
        replicas=base.replicas,
    )


def _check(point: str, names: Sequence[str], known: frozenset[str], profile: str) -> None:
    everything = FILTER_PLUGINS | SCORE_PLUGINS | SELECT_PLUGINS | REPLICAS_PLUGINS
    seen: set[str] = set()
    for name in names:
        if name not in everything:
            # Webhook plugins are registered at run time and cannot be reproduced offline.
            raise KubeAdmiralScheduleError(
                f"scheduling profile {profile!r}: unknown {point} plugin {name!r} "
                "(only KubeAdmiral's in-tree plugins are available offline)"
            )
        if name not in known:
            raise KubeAdmiralScheduleError(
                f"scheduling profile {profile!r}: plugin {name!r} is not a {point} plugin"
            )
        if name in seen:
            raise KubeAdmiralScheduleError(
                f"scheduling profile {profile!r}: {point} plugin {name!r} is enabled twice"
            )
        seen.add(name)


def plugins_for(profile: SchedulingProfile | None, replicas_strategy: str) -> PluginLists:
    """The plugins KubeAdmiral runs for a policy: Binpack swaps the replicas plugin, then the
    profile applies. Raises KubeAdmiralScheduleError where KubeAdmiral fails to build the
    framework: an unknown plugin, one enabled at a point it does not implement, or one
    enabled twice at the same point."""
    base = default_plugins()
    if replicas_strategy == BINPACK:
        base = base._replace(replicas=(PREFERENCE_BIN_PACK,))
    plugins = apply_profile(base, profile)
    label = profile.name if profile is not None else "(default)"
    _check("filter", plugins.filter, FILTER_PLUGINS, label)
    _check("score", plugins.score, SCORE_PLUGINS, label)
    _check("select", plugins.select, SELECT_PLUGINS, label)
    return plugins
