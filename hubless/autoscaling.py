"""Workloads whose replicas an autoscaler owns, so that rendered/ leaves them out.

A HorizontalPodAutoscaler (or a KEDA ScaledObject, which makes one) sets its target's
`spec.replicas` in the member cluster. A file that also sets it would have Argo CD's
self-heal or Flux's reconcile put it back on every sync, which is why both tell users to
omit the field. Karmada keeps a member's replicas for a workload labelled
`resourcetemplate.karmada.io/retain-replicas: "true"` (its hpa-scale-target-marker puts
that label on an HPA's target).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hubless import kinds
from hubless.errors import Problem, Source
from hubless.model import ResourceKey

RETAIN_REPLICAS_LABEL = "resourcetemplate.karmada.io/retain-replicas"
_RETAIN = "true"  # Karmada retains on this value only

# (API group, kind) of an autoscaler -> the apiVersion and kind its spec.scaleTargetRef
# stands for when it leaves them out. An HPA's apiVersion is optional but means the core
# group, where no workload is; KEDA defaults to a Deployment.
_AUTOSCALERS: dict[tuple[str, str], tuple[str, str]] = {
    ("autoscaling", "HorizontalPodAutoscaler"): ("", ""),
    ("keda.sh", "ScaledObject"): ("apps/v1", "Deployment"),
}


def is_autoscaler(group: str, kind: str) -> bool:
    return (group, kind) in _AUTOSCALERS


def scale_target(group: str, kind: str, body: Mapping[str, Any]) -> ResourceKey | None:
    """The workload an autoscaler object scales: `spec.scaleTargetRef` names its apiVersion
    (only the group counts, as for the HPA controller), kind and name, in the autoscaler's
    own namespace. None for other objects, or when the reference names nothing."""
    defaults = _AUTOSCALERS.get((group, kind))
    spec = body.get("spec")
    reference = spec.get("scaleTargetRef") if isinstance(spec, dict) else None
    if defaults is None or not isinstance(reference, dict):
        return None
    metadata = body.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    api_version = reference.get("apiVersion") or defaults[0]
    target_kind = reference.get("kind") or defaults[1]
    name = reference.get("name")
    if (
        isinstance(namespace, str)
        and isinstance(api_version, str)
        and isinstance(target_kind, str)
        and isinstance(name, str)
        and target_kind
        and name
    ):
        return ResourceKey(kinds.group_of(api_version), target_kind, namespace, name)
    return None


def retains_replicas(body: Mapping[str, Any]) -> bool:
    """Whether the object carries Karmada's retain-replicas label (read, as Karmada reads
    it, on the object after overrides)."""
    metadata = body.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    return isinstance(labels, dict) and labels.get(RETAIN_REPLICAS_LABEL) == _RETAIN


RETAIN_REASON = f'label {RETAIN_REPLICAS_LABEL}: "{_RETAIN}"'


def _clusters(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ("cluster " if len(listed) == 1 else "clusters ") + ", ".join(listed)


def _scalers_text(by_cluster: Mapping[str, tuple[ResourceKey, ...]]) -> str:
    """`HorizontalPodAutoscaler.autoscaling/shop/web on clusters a, b`, one part per set of
    autoscalers."""
    groups: dict[tuple[ResourceKey, ...], list[str]] = {}
    for cluster, scalers in by_cluster.items():
        groups.setdefault(scalers, []).append(cluster)
    return "; ".join(
        f"{' and '.join(str(s) for s in scalers)} on {_clusters(clusters)}"
        for scalers, clusters in sorted(groups.items())
    )


def divided_warning(
    workload: ResourceKey,
    source: Source,
    scaled: Mapping[str, tuple[ResourceKey, ...]],
    retained: bool,
) -> Problem:
    """A Divided workload whose replicas an autoscaler keeps on some of its clusters (on
    every one when `retained`): the division does not reach them."""
    if retained:
        where = f"it carries {RETAIN_REASON}: spec.replicas is left out on every cluster"
    else:
        where = f"it is scaled by {_scalers_text(scaled)}: spec.replicas is left out there"
    return Problem.warning(
        source,
        f"{workload} is Divided, but {where}, and its division does not apply (an "
        "autoscaler decides those replicas at run time; Karmada's FederatedHPA would scale "
        "the total and divide it)",
    )


def override_warning(
    workload: ResourceKey, rule: str, source: Source, clusters: Iterable[str]
) -> Problem:
    """An override rule that sets spec.replicas where an autoscaler keeps them."""
    return Problem.warning(
        source,
        f"{rule} sets spec.replicas of {workload} on {_clusters(clusters)}, where an "
        "autoscaler keeps its replicas: not written",
    )
