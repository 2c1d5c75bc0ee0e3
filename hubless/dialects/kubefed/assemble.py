"""Kubefed's scheduling and overrides of the Federated<Kind> objects, and their assembly
into templates and policies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.dialects.base import Assembled, Previous
from hubless.dialects.jsonpatch_v4 import Patch, PatchError, apply_patch
from hubless.dialects.kubefed.federated import FederatedObject, KubefedPlacement, unwrap
from hubless.dialects.kubefed.names import DIALECT
from hubless.dialects.kubefed.planner import (
    schedule as plan_replicas,
)
from hubless.dialects.kubefed.policies import (
    MANAGED_LABEL,
    REPLICAS_PATH,
    ReplicaPreference,
    TypeConfig,
)
from hubless.documents import Document
from hubless.errors import Problems, UserError
from hubless.model import (
    Cluster,
    ClusterAffinity,
    OverridePolicy,
    OverrideRule,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ResourceSelector,
    ResourceTemplate,
    TargetCluster,
)
from hubless.overriders.failure import OverrideFailure
from hubless.scheduler.core import Attempt, Rejection, Schedule
from hubless.scheduler.errors import ScheduleError


@dataclass(frozen=True)
class KubefedScheduler:
    """Kubefed's placement for one federated object: its placement (or its RSP's plan),
    narrowed to its FederatedNamespace's clusters and to Ready clusters."""

    placement: KubefedPlacement
    namespace_placement: KubefedPlacement | None  # None: cluster-scoped
    namespace_missing: bool
    preference: ReplicaPreference | None
    key: str
    # cluster -> replicas of the object where the last render placed it
    current: tuple[tuple[str, int], ...] = ()

    def plan(self, clusters: Sequence[Cluster]) -> tuple[dict[str, int] | None, list[str], str]:
        """(replicas per placed cluster or None without an RSP, the placement, how)."""
        placed = self.placement.resolve(clusters)
        preference = self.preference
        if preference is None:
            return None, placed, ""
        if preference.intersect_with_selector:
            candidates = self.placement.by_selector(clusters)
            if self.namespace_placement is not None:
                allowed = set(self.namespace_placement.by_selector(clusters))
                candidates = [c for c in candidates if c in allowed]
        else:
            candidates = [c.name for c in clusters if c.ready]
        if not candidates:
            return None, placed, f"{preference.source}: no candidate cluster; RSP not applied"
        spec = preference.spec
        # Kubefed reads the replicas of the member objects of its candidate clusters; under
        # GitOps those are what the last render wrote, all of them ready.
        current = {name: count for name, count in self.current if name in candidates}
        planned = plan_replicas(
            spec.clusters,
            spec.total_replicas,
            candidates,
            self.key,
            current,
            rebalance=spec.rebalance,
        )
        how = (
            f"ReplicaSchedulingPreference {self.key}: {spec.total_replicas} replicas by "
            "Kubefed's planner (weights, then FNV-1 of cluster and key; clusters planned 0 "
            "keep 0 replicas)"
        )
        if current:
            shown = ", ".join(f"{name}={count}" for name, count in sorted(current.items()))
            kept = "rebalance: may move" if spec.rebalance else "kept up to their preferences"
            how += f"; running now (the last render's): {shown}, {kept}"

        return planned, sorted(planned), how

    def schedule(self, template: ResourceTemplate, clusters: Sequence[Cluster]) -> Schedule:
        if self.namespace_missing:
            raise ScheduleError(
                f"its namespace {template.namespace} has no FederatedNamespace, so Kubefed "
                "places it nowhere"
            )
        planned, placed, how = self.plan(clusters)
        rejected: list[Rejection] = []
        allowed = (
            set(self.namespace_placement.resolve(clusters))
            if self.namespace_placement is not None
            else None
        )
        targets: list[TargetCluster] = []
        for cluster in clusters:
            name = cluster.name
            if name not in placed:
                rejected.append(Rejection(name, "KubefedPlacement", "not in spec.placement"))
            elif allowed is not None and name not in allowed:
                rejected.append(
                    Rejection(name, "FederatedNamespace", "not in its namespace's placement")
                )
            elif not cluster.ready:
                rejected.append(Rejection(name, "Ready", "the cluster is not Ready"))
            else:
                targets.append(TargetCluster(name, planned[name] if planned else 0))
        strategy = "Kubefed ReplicaSchedulingPreference" if planned else "Kubefed placement"
        attempt = Attempt(
            "",
            rejected=tuple(rejected),
            selected=tuple(t.name for t in targets),
            how=how,
        )
        return Schedule(tuple(targets), "", strategy, (attempt,))


# --- overrides ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KubefedPatches:
    """One cluster's clusterOverrides, applied with evanphx/json-patch's v4 rules (a
    replace of a missing key adds it), as Kubefed's sync does."""

    patches: tuple[Patch, ...]

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        # The paths Kubefed refuses were refused when the overrides were read.
        if self.patches:
            try:
                apply_patch(body, self.patches)
            except PatchError as exc:
                raise OverrideFailure(str(exc)) from None
        return body


@dataclass(frozen=True)
class ManagedLabel:
    """The label Kubefed puts on every member object, after the overrides."""

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        metadata = body.setdefault("metadata", {})
        labels = metadata.get("labels")
        metadata["labels"] = {**(labels if isinstance(labels, dict) else {}), MANAGED_LABEL: "true"}
        return body


def _with_replicas(
    overrides: tuple[tuple[str, tuple[Patch, ...]], ...], planned: Mapping[str, int]
) -> list[tuple[str, tuple[Patch, ...]]]:
    """Overrides as the RSP controller rewrites them: each planned cluster's /spec/replicas
    entry set in place (or appended), other clusters' entries removed."""
    result: list[tuple[str, tuple[Patch, ...]]] = []
    for cluster, patches in overrides:
        if cluster in planned:
            count = planned[cluster]
            if any(p.path == REPLICAS_PATH for p in patches):
                patches = tuple(
                    Patch(p.op, p.path, count) if p.path == REPLICAS_PATH else p for p in patches
                )
            else:
                patches = (*patches, Patch("replace", REPLICAS_PATH, count))
        else:
            patches = tuple(p for p in patches if p.path != REPLICAS_PATH)
        result.append((cluster, patches))
    listed = {cluster for cluster, _ in overrides}
    for cluster in sorted(planned):
        if cluster not in listed:
            result.append((cluster, (Patch("replace", REPLICAS_PATH, planned[cluster]),)))
    return result


def assemble(
    documents: Sequence[Document],
    inputs: Sequence[Any],
    clusters: Sequence[Cluster],
    make_template: Callable[[Document], ResourceTemplate],
    problems: Problems,
    plain: Sequence[ResourceTemplate] = (),
    previous: Previous | None = None,
) -> Assembled:
    """The templates and policies the Federated<Kind> objects of templates/ stand for; an
    RSP plans with the replicas `previous` (the last render) placed as those running."""
    previous = previous or {}
    configs: dict[str, TypeConfig] = {}
    preferences: dict[tuple[str, str], ReplicaPreference] = {}
    for item in inputs:
        if isinstance(item, TypeConfig):
            configs[item.federated_kind] = item
        elif isinstance(item, ReplicaPreference):
            preferences[(item.namespace, item.name)] = item
    objects: list[tuple[FederatedObject, ResourceTemplate]] = []
    for document in documents:
        try:
            federated = unwrap(document, configs)
            objects.append((federated, make_template(federated.inner)))
        except UserError as exc:
            problems.extend(exc)
    namespaces = {
        federated.name: federated.placement
        for federated, template in objects
        if template.kind == "Namespace" and template.group == ""
    }
    templates, propagation, override = [], [], []
    for federated, template in objects:
        preference = preferences.get((template.namespace, template.name))
        if preference is not None and preference.target_kind != federated.kind:
            preference = None  # an RSP names its target's kind: another object's RSP
        namespace_placement = namespaces.get(template.namespace) if template.namespace else None
        if (
            preference is not None
            and preference.intersect_with_selector
            and (template.namespace and namespace_placement is None)
        ):
            problems.add(
                preference.source,
                f"intersectWithClusterSelector needs the FederatedNamespace {template.namespace}",
            )
            continue
        last = previous.get(template.key)
        scheduler = KubefedScheduler(
            placement=federated.placement,
            namespace_placement=namespace_placement,
            namespace_missing=bool(template.namespace) and namespace_placement is None,
            preference=preference,
            key=federated.key,
            current=tuple(sorted(last.clusters.items())) if last is not None else (),
        )
        ref = PolicyRef(federated.kind, template.namespace, template.name)
        selector = ResourceSelector(
            template.api_version, template.kind, template.namespace or None, template.name
        )
        templates.append(template)
        propagation.append(
            PropagationPolicy(
                ref=ref,
                source=federated.source,
                resource_selectors=(selector,),
                placement=Placement(),
                dialect=DIALECT,
                scheduler=scheduler,
            )
        )
        planned, _, _ = scheduler.plan(clusters)
        overrides = _with_replicas(federated.overrides, planned) if planned else federated.overrides
        rules = [
            OverrideRule(
                index,
                federated.source,
                ClusterAffinity(cluster_names=(cluster,)),
                KubefedPatches(patches),
            )
            for index, (cluster, patches) in enumerate(overrides)
        ]
        rules.append(OverrideRule(len(rules), federated.source, None, ManagedLabel()))
        override.append(
            OverridePolicy(ref, federated.source, (selector,), tuple(rules), dialect=DIALECT)
        )
    return Assembled(tuple(templates), tuple(propagation), tuple(override))
