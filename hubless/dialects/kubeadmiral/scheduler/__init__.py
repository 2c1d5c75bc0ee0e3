"""KubeAdmiral's global scheduler (kubewharf/kubeadmiral, pkg/controllers/scheduler), offline.

One object at a time: its PropagationPolicy, with the object's scheduling annotations folded
in, picks member clusters through KubeAdmiral's filter, score and select plugins (as chosen
by the default plugin lists and an optional SchedulingProfile), and Divide mode then splits
the replicas with `hubless.dialects.kubeadmiral.planner`. See `schedule`.
"""

from hubless.dialects.kubeadmiral.scheduler.annotations import (
    AnnotationOverrides,
    effective_policy,
    read_annotations,
)
from hubless.dialects.kubeadmiral.scheduler.pipeline import KubeAdmiralSchedule, schedule
from hubless.dialects.kubeadmiral.scheduler.profile import (
    PluginLists,
    apply_profile,
    default_plugins,
    plugins_for,
    reconcile,
)
from hubless.dialects.kubeadmiral.scheduler.types import (
    BINPACK,
    DIVIDE,
    DUPLICATE,
    SPREAD,
    Affinity,
    ClusterSelectorTerm,
    FederatedCluster,
    KubeAdmiralPolicy,
    KubeAdmiralScheduleError,
    PlacementPreference,
    PluginSet,
    PreferredTerm,
    SchedulingObject,
    SchedulingProfile,
)
from hubless.dialects.kubeadmiral.scheduler.unit import SchedulingUnit, build_unit

__all__ = [
    "BINPACK",
    "DIVIDE",
    "DUPLICATE",
    "SPREAD",
    "Affinity",
    "AnnotationOverrides",
    "ClusterSelectorTerm",
    "FederatedCluster",
    "KubeAdmiralPolicy",
    "KubeAdmiralSchedule",
    "KubeAdmiralScheduleError",
    "PlacementPreference",
    "PluginLists",
    "PluginSet",
    "PreferredTerm",
    "SchedulingObject",
    "SchedulingProfile",
    "SchedulingUnit",
    "apply_profile",
    "build_unit",
    "default_plugins",
    "effective_policy",
    "plugins_for",
    "read_annotations",
    "reconcile",
    "schedule",
]
