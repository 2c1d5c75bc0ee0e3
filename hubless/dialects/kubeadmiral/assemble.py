"""KubeAdmiral's binding, scheduling and follower scheduling over the plain templates.

KubeAdmiral binds objects to policies by label, not by selector, so this runs where every
template is known: each template labelled with a (cluster) propagation policy is scheduled
by KubeAdmiral's pipeline, followers join their leaders' clusters, Namespaces go to every
cluster, and each placed copy gets its replica and override patches. The results reach the
compiler as model policies that name exactly those templates, whose scheduler hands back
what was decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hubless.dialects.base import Assembled, Previous
from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.followers import DISABLE_FOLLOWING, followers
from hubless.dialects.kubeadmiral.member import REPLICAS_PATH, MemberSync, federated_template
from hubless.dialects.kubeadmiral.names import (
    CLUSTER_OVERRIDE_POLICY,
    CLUSTER_OVERRIDE_POLICY_LABEL,
    CLUSTER_PROPAGATION_POLICY,
    CLUSTER_PROPAGATION_POLICY_LABEL,
    DIALECT,
    NO_AUTO_PROPAGATION,
    OVERRIDE_POLICY,
    OVERRIDE_POLICY_LABEL,
    PREFIX,
    PROPAGATION_POLICY,
    PROPAGATION_POLICY_LABEL,
)
from hubless.dialects.kubeadmiral.overriders import KubeAdmiralOverrideError, cluster_patches
from hubless.dialects.kubeadmiral.policies import (
    AdmiralOverridePolicy,
    AdmiralProfile,
    AdmiralPropagationPolicy,
    AdmiralRule,
    federated_cluster,
)
from hubless.dialects.kubeadmiral.requests import gpu_request
from hubless.dialects.kubeadmiral.scheduler import (
    DIVIDE,
    FederatedCluster,
    KubeAdmiralSchedule,
    KubeAdmiralScheduleError,
    SchedulingObject,
    schedule,
)
from hubless.dialects.kubeadmiral.scheduler.labels import terms_match
from hubless.documents import Document
from hubless.errors import Problems, Source
from hubless.model import (
    Cluster,
    ClusterAffinity,
    OverridePolicy,
    OverrideRule,
    Placement,
    PolicyRef,
    PreviousPlacement,
    PropagationPolicy,
    ResourceKey,
    ResourceSelector,
    ResourceTemplate,
    TargetCluster,
)
from hubless.scheduler.core import Attempt, Rejection, Schedule

FEDERATION_NAMESPACE = "kube-admiral-system"
FOLLOWING = PolicyRef("KubeAdmiral", "", "follower-scheduling")
NAMESPACES = PolicyRef("KubeAdmiral", "", "namespace-auto-propagation")
SYNC = PolicyRef("KubeAdmiral", "", "member-objects")
_API_GROUP = "core.kubeadmiral.io"


@dataclass
class _Object:
    """One template KubeAdmiral propagates, and what was decided for it."""

    template: ResourceTemplate  # as written (labels and annotations still on it)
    federated: ResourceTemplate  # the FederatedObject's template
    policy: AdmiralPropagationPolicy | None = None
    result: KubeAdmiralSchedule | None = None
    clusters: dict[str, int | None] = field(default_factory=dict)
    led_by: list[ResourceKey] = field(default_factory=list)
    auto_namespace: bool = False

    @property
    def annotations(self) -> dict[str, str]:
        found = (self.template.body.get("metadata") or {}).get("annotations") or {}
        return {k: v for k, v in found.items() if isinstance(v, str)}


@dataclass(frozen=True)
class AdmiralScheduler:
    """Hands the compiler the schedules decided in `assemble`, by template."""

    schedules: Mapping[ResourceKey, Schedule]

    def schedule(self, template: ResourceTemplate, clusters: Sequence[Cluster]) -> Schedule:
        return self.schedules[template.key]


class _Inputs:
    def __init__(self, inputs: Sequence[Any], problems: Problems) -> None:
        self.propagation: dict[tuple[str, str, str], AdmiralPropagationPolicy] = {}
        self.override: dict[tuple[str, str, str], AdmiralOverridePolicy] = {}
        self.profiles: dict[str, AdmiralProfile] = {}
        for item in inputs:
            if isinstance(item, AdmiralPropagationPolicy):
                self._unique(
                    self.propagation, (item.kind, item.namespace, item.name), item, problems
                )
            elif isinstance(item, AdmiralOverridePolicy):
                self._unique(self.override, (item.kind, item.namespace, item.name), item, problems)
            elif isinstance(item, AdmiralProfile):
                self._unique(self.profiles, item.profile.name, item, problems)

    @staticmethod
    def _unique(table: dict[Any, Any], key: Any, item: Any, problems: Problems) -> None:
        if key in table:
            name = "/".join(str(k) for k in (key if isinstance(key, tuple) else (key,)) if k)
            problems.add(item.source, f"{name} is defined twice (also at {table[key].source})")
        else:
            table[key] = item


def _labels(template: ResourceTemplate) -> dict[str, str]:
    return {k: v for k, v in template.labels.items() if isinstance(v, str)}


def _propagation_policy(
    template: ResourceTemplate, inputs: _Inputs
) -> AdmiralPropagationPolicy | None:
    """The policy the labels name: the namespace's PropagationPolicy wins over a
    ClusterPropagationPolicy; cluster-scoped objects ignore the namespaced label."""
    labels = _labels(template)
    wanted: list[tuple[str, str, str, str]] = []
    if template.namespace and PROPAGATION_POLICY_LABEL in labels:
        wanted.append((PROPAGATION_POLICY_LABEL, PROPAGATION_POLICY, template.namespace, ""))
    elif CLUSTER_PROPAGATION_POLICY_LABEL in labels:
        wanted.append((CLUSTER_PROPAGATION_POLICY_LABEL, CLUSTER_PROPAGATION_POLICY, "", ""))
    for label, kind, namespace, _ in wanted:
        name = labels[label]
        policy = inputs.propagation.get((kind, namespace, name))
        if policy is None:
            where = f" in namespace {namespace}" if namespace else ""
            raise _Unbound(
                template.source,
                f"{template.key}: label {label}={name!r} names no {kind}{where} in policies/",
            )
        return policy
    return None


def _override_policies(template: ResourceTemplate, inputs: _Inputs) -> list[AdmiralOverridePolicy]:
    """ClusterOverridePolicy first, then the namespace's OverridePolicy."""
    labels = _labels(template)
    found = []
    wanted = [(CLUSTER_OVERRIDE_POLICY_LABEL, CLUSTER_OVERRIDE_POLICY, "")]
    if template.namespace:
        wanted.append((OVERRIDE_POLICY_LABEL, OVERRIDE_POLICY, template.namespace))
    for label, kind, namespace in wanted:
        if label not in labels:
            continue
        name = labels[label]
        policy = inputs.override.get((kind, namespace, name))
        if not name or policy is None:
            where = f" in namespace {namespace}" if namespace else ""
            what = "is empty" if not name else f"names no {kind}{where} in policies/"
            raise _Unbound(template.source, f"{template.key}: label {label}={name!r} {what}")
        found.append(policy)
    return found


class _Unbound(Exception):
    def __init__(self, source: Source, message: str) -> None:
        super().__init__(message)
        self.source = source


def _scheduling_object(obj: _Object) -> SchedulingObject:
    template = obj.template
    version = template.api_version.rpartition("/")[2]
    replicas = (template.body.get("spec") or {}).get("replicas")
    return SchedulingObject(
        name=template.name,
        namespace=template.namespace,
        group=template.group,
        version=version,
        kind=template.kind,
        replicas=replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else None,
        annotations=obj.annotations,
        resource_request=gpu_request(template.group, template.kind, template.body),
    )


def _namespace(template: ResourceTemplate, mixed: bool) -> tuple[bool, bool]:
    """(whether KubeAdmiral owns this Namespace, whether it sends it to every cluster).

    KubeAdmiral sends every Namespace everywhere but kube-* ones, its own and those that
    opt out. In a fleet with other dialects' clusters only Namespaces marked with a
    kubeadmiral.io/ label or annotation are its own; the rest keep Karmada's namespace sync.
    """
    if (template.group, template.kind) != ("", "Namespace"):
        return False, False
    metadata = template.body.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    marked = any(k.startswith(PREFIX) for k in [*template.labels, *annotations])
    name = template.name
    propagate = not (
        name.startswith("kube-")
        or name == FEDERATION_NAMESPACE
        or annotations.get(NO_AUTO_PROPAGATION) == "true"
    )
    return marked or not mixed, propagate


def _targets_match(rule: AdmiralRule, cluster: FederatedCluster) -> bool:
    targets = rule.targets
    if targets is None:
        return True
    if targets.clusters and cluster.name not in targets.clusters:
        return False
    if any(cluster.labels.get(k) != v for k, v in targets.selector.items()):
        return False
    return not targets.affinity or terms_match(targets.affinity, cluster.labels, cluster.name)


def _explain(obj: _Object, members: Sequence[FederatedCluster]) -> Schedule:
    result = obj.result
    how: list[str] = list(result.trail) if result is not None else []
    if obj.led_by:
        how.append(
            "follows " + ", ".join(str(k) for k in obj.led_by) + ": their clusters are added"
        )
    if obj.auto_namespace:
        how.append("Namespace auto-propagation: every joined, Ready cluster")
    rejected = tuple(Rejection(*r) for r in result.rejected) if result is not None else ()
    targets = tuple(TargetCluster(name, count or 0) for name, count in sorted(obj.clusters.items()))
    placed = {t.name for t in targets}
    rejected = tuple(r for r in rejected if r.cluster not in placed)
    mode = result.mode if result is not None else "Duplicate"
    attempt = Attempt(
        "",
        rejected=rejected,
        selected=tuple(t.name for t in targets),
        weights=tuple(sorted(result.weights.items())) if result is not None else (),
        how="; ".join(how),
    )
    return Schedule(targets, "", f"KubeAdmiral {mode}", (attempt,))


def _selector(template: ResourceTemplate) -> ResourceSelector:
    return ResourceSelector(
        template.api_version, template.kind, template.namespace or None, template.name
    )


def assemble(
    documents: Sequence[Document],
    inputs: Sequence[Any],
    clusters: Sequence[Cluster],
    make_template: Callable[[Document], ResourceTemplate],
    problems: Problems,
    plain: Sequence[ResourceTemplate] = (),
    previous: Previous | None = None,
) -> Assembled:
    """KubeAdmiral's placement of the plain templates that are its objects, each scheduled
    with its placement in `previous` (the last render's) as KubeAdmiral's current one."""
    previous = previous or {}
    table = _Inputs(inputs, problems)
    members = [
        federated_cluster(Document(c.body, c.source)) for c in clusters if c.dialect == DIALECT
    ]
    by_name = {m.name: m for m in members}
    mixed = any(c.dialect != DIALECT for c in clusters)
    templates = {t.key: t for t in plain}
    objects: dict[ResourceKey, _Object] = {}
    overrides: dict[ResourceKey, list[AdmiralOverridePolicy]] = {}
    for template in plain:
        try:
            policy = _propagation_policy(template, table)
            override = _override_policies(template, table)
        except _Unbound as exc:
            problems.add(exc.source, str(exc))
            continue
        owned, auto = _namespace(template, mixed) if members else (False, False)
        if policy is None and not override and not owned:
            continue
        obj = _Object(template, _federated(template), policy, auto_namespace=auto)
        objects[template.key] = obj
        overrides[template.key] = override

    for obj in objects.values():
        if obj.policy is not None:
            profile = table.profiles.get(obj.policy.policy.scheduling_profile)
            try:
                obj.result = schedule(
                    _scheduling_object(obj),
                    obj.policy.policy,
                    members,
                    profile.profile if profile is not None else None,
                    current_placement(previous.get(obj.template.key)),
                )
            except KubeAdmiralScheduleError as exc:
                policy = obj.policy
                where = f"{policy.namespace}/" if policy.namespace else ""
                problems.add(
                    policy.source,
                    f"{policy.kind} {where}{policy.name} cannot schedule {obj.template.key}: {exc}",
                )
                continue
            obj.clusters = dict(obj.result.clusters)
        if obj.auto_namespace:
            for cluster in members:
                if cluster.joined and cluster.ready:
                    obj.clusters.setdefault(cluster.name, None)

    _follow(objects, templates, overrides)
    return _emit(objects, overrides, members, by_name, problems)


def current_placement(last: PreviousPlacement | None) -> dict[str, int | None]:
    """The scheduler's current placement (cluster -> replicas) as KubeAdmiral reads it from
    the FederatedObject it wrote last time: the placed clusters, each with the count of its
    replicas override, or None without one (Duplicate). The last render recorded exactly
    that: Divide counts are never 0 (a cluster given 0 is not placed), Duplicate has none."""
    if last is None:
        return {}
    return {name: count or None for name, count in sorted(last.clusters.items())}


def _federated(template: ResourceTemplate) -> ResourceTemplate:
    return ResourceTemplate(
        template.api_version,
        template.kind,
        template.namespace,
        template.name,
        federated_template(template.body),
        template.source,
    )


def _follow(
    objects: dict[ResourceKey, _Object],
    templates: Mapping[ResourceKey, ResourceTemplate],
    overrides: dict[ResourceKey, list[AdmiralOverridePolicy]],
) -> None:
    """Followers get the union of their own placement and their leaders'."""
    leaders = [o for o in objects.values() if o.result is not None]
    for leader in leaders:
        assert leader.result is not None
        if not leader.result.enable_follower_scheduling or leader.result.kept_current:
            continue
        for follower in followers(leader.template, leader.annotations):
            key = ResourceKey(
                follower.group, follower.kind, leader.template.namespace, follower.name
            )
            template = templates.get(key)
            if template is None:
                continue
            annotations = (template.body.get("metadata") or {}).get("annotations") or {}
            if annotations.get(DISABLE_FOLLOWING) == "true":
                continue
            obj = objects.get(key)
            if obj is None:
                obj = objects[key] = _Object(template, _federated(template))
                overrides.setdefault(key, [])
            obj.led_by.append(leader.template.key)
            for name in leader.clusters:
                obj.clusters.setdefault(name, None)


def _emit(
    objects: Mapping[ResourceKey, _Object],
    overrides: Mapping[ResourceKey, list[AdmiralOverridePolicy]],
    members: Sequence[FederatedCluster],
    by_name: Mapping[str, FederatedCluster],
    problems: Problems,
) -> Assembled:
    schedules: dict[ResourceKey, Schedule] = {}
    selectors: dict[PolicyRef, tuple[Source, list[ResourceSelector]]] = {}
    patches: dict[str, dict[ResourceKey, tuple[Patch, ...]]] = {m.name: {} for m in members}
    sources: dict[ResourceKey, Source] = {}
    for key, obj in sorted(objects.items()):
        schedules[key] = _explain(obj, members)
        if obj.policy is not None:
            policy = obj.policy
            ref = PolicyRef(f"{policy.kind}.{_API_GROUP}", policy.namespace, policy.name)
            origin = (ref, policy.source)
        elif obj.auto_namespace:
            origin = (NAMESPACES, obj.template.source)
        else:
            origin = (FOLLOWING, obj.template.source)
        selectors.setdefault(origin[0], (origin[1], []))[1].append(_selector(obj.template))
        policies = overrides.get(key, [])
        if policies:
            sources[key] = policies[-1].source
        divided = obj.result is not None and obj.result.mode == DIVIDE
        for name, count in obj.clusters.items():
            cluster = by_name[name]
            found: list[Patch] = []
            if divided and count is not None:
                found.append(Patch("replace", REPLICAS_PATH, count))
            rules = [(p, r) for p in policies for r in p.rules if _targets_match(r, cluster)]
            try:
                found += cluster_patches(obj.federated.body, [r.overriders for _, r in rules])
            except KubeAdmiralOverrideError as exc:
                failed = rules[exc.rule] if exc.rule is not None else None
                at = failed[1].source if failed else obj.template.source
                what = f"{failed[0]} overrideRules[{failed[1].index}]" if failed else "overrides"
                message = str(exc).partition(": ")[2] if failed else str(exc)
                problems.add(at, f"{what}: cannot override {key} for cluster {name}: {message}")
                continue
            patches[name][key] = tuple(found)
    propagation = []
    scheduler = AdmiralScheduler(schedules)
    for ref, (source, chosen) in sorted(selectors.items(), key=lambda item: str(item[0])):
        propagation.append(
            PropagationPolicy(
                ref=ref,
                source=source,
                resource_selectors=tuple(chosen),
                placement=Placement(),
                dialect=DIALECT,
                scheduler=scheduler,
            )
        )
    override: list[OverridePolicy] = []
    if objects:
        source = next(iter(objects.values())).template.source
        sync = tuple(
            OverrideRule(
                index,
                source,
                ClusterAffinity(cluster_names=(cluster.name,)),
                MemberSync(cluster.name, patches[cluster.name], sources),
            )
            for index, cluster in enumerate(members)
        )
        all_selectors = tuple(_selector(o.template) for _, o in sorted(objects.items()))
        override.append(OverridePolicy(SYNC, source, all_selectors, sync, dialect=DIALECT))
    replaced = tuple(obj.federated for _, obj in sorted(objects.items()))
    return Assembled((), tuple(propagation), tuple(override), replaced)
