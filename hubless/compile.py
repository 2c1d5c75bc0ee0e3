"""The pure pipeline: a Fleet in, every decision and every cluster's objects out.

Like Karmada's scheduler, a list of named steps. `decide` makes every decision over the
whole fleet: match, schedule, follow dependencies, and the override rules each template
gets on each cluster (a `Recipe`). `materialize` builds the objects of the clusters asked
for: copy, revise replicas, override. No I/O, no caching here: how much of a fleet to
build is chosen by hubless.build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from hubless import autoscaling, bootstrap, crds, kinds, multiclusterservice, workloads
from hubless.agent_policy import AgentPolicy, annotate
from hubless.dependencies import Resolver, union_clusters
from hubless.dialects import dialect_for
from hubless.errors import Problem, Problems, Source, UserError, grouped_by_cluster
from hubless.failover import describe, evictions, purge_mode
from hubless.installed_apis import (
    ServedByRender,
    enabled_by_render,
    missing_api_warning,
    served_by_render,
)
from hubless.interpreter import resource
from hubless.interpreter.interpreters import Interpreters
from hubless.match import Contender, OverridePolicyIndex, rank_propagation_policies
from hubless.model import (
    DIVIDED,
    DUPLICATED,
    Binding,
    Cluster,
    Fleet,
    OverridePolicy,
    Overriders,
    Placement,
    PreviousPlacement,
    PropagationPolicy,
    ResourceKey,
    ResourceTemplate,
    TargetCluster,
)
from hubless.names import name_problem, namespace_problem
from hubless.overriders import Change, RuleTargets, apply_overrides
from hubless.overriders.owned import Owned, Rules, own_copy, owned_paths
from hubless.quota.check import quota_errors
from hubless.repository import POLICIES_DIR
from hubless.results import (
    DEPENDENCY,
    NAMESPACE_SYNC,
    Compiled,
    CompileError,
    Decision,
    Oversized,
    RenderedObject,
    RuleRef,
    TemplateWarning,
)
from hubless.scheduler import ScheduleError, ScheduleInput, Unschedulable, keep, schedule
from hubless.scheduler.core import ScheduleMemo
from hubless.scheduler.division import divide_replicas
from hubless.scheduler.workload_groups import PeerPlacements, WorkloadGroups, groups_of
from hubless.secrets import credential_warnings, plaintext_secret
from hubless.serialize import dump

SKIP_AUTO_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"


class Placed(NamedTuple):
    """One template on one cluster: its target and the override rules that apply there."""

    target: TargetCluster
    rules: Rules  # shared by every template with the same policies on that cluster
    owned: Owned | None  # what those rules can change (hubless.overriders.owned)


@dataclass(frozen=True)
class Recipe:
    """How one template becomes an object on each of its clusters."""

    template: ResourceTemplate
    decision: Decision
    revises_replicas: bool  # each cluster's copy gets that cluster's replicas
    completions: Mapping[str, int]  # a Divided Job's completions, by cluster
    placed: tuple[Placed, ...]  # in the binding's cluster order
    # an autoscaler, or Karmada's retain-replicas label, may own its spec.replicas: a
    # Deployment, ReplicaSet or StatefulSet placed by Karmada's rules (hubless.autoscaling)
    autoscalable: bool = False
    # cluster -> the autoscalers rendered there that scale it
    scaled_by: Mapping[str, tuple[ResourceKey, ...]] = dataclasses.field(default_factory=dict)
    agents: AgentPolicy = dataclasses.field(
        default_factory=AgentPolicy
    )  # what Argo CD and Flux read to leave it alone


@dataclass(frozen=True)
class Decided:
    """Every decision over the whole fleet, and how to build each cluster's objects."""

    fleet: Fleet
    decisions: tuple[Decision, ...]
    recipes: tuple[Recipe, ...]
    unmatched: tuple[ResourceKey, ...]  # no propagation policy: propagated nowhere
    skipped: tuple[ResourceKey, ...]  # objects Karmada never propagates (kube-*, events)
    warnings: tuple[TemplateWarning, ...]
    errors: tuple[Problem, ...]  # reported with materialize's, so one run lists them all
    # placed nowhere because their policy names a scheduler hubless does not run
    other_scheduler: tuple[tuple[ResourceKey, PropagationPolicy], ...] = ()
    # placed nowhere because their policy waits for override policies (the warning says)
    held: tuple[tuple[ResourceKey, Problem], ...] = ()


def _auto_propagated_namespace(template: ResourceTemplate) -> bool:
    """Karmada's namespace sync copies a Namespace to every cluster unless told not to."""
    if template.group != "" or template.kind != "Namespace":
        return False
    if kinds.is_reserved_namespace(template.name):
        return False
    return template.labels.get(SKIP_AUTO_PROPAGATION) != "true"


def _job_completions(template: ResourceTemplate, decision: Decision) -> dict[str, int]:
    """A Divided Job's completions, split by Webster over each cluster's parallelism."""
    if (template.group, template.kind) != ("batch", "Job") or decision.schedule is None:
        return {}
    if decision.binding.replicas <= 0 or decision.schedule.strategy == DUPLICATED:
        return {}
    completions = (template.body.get("spec") or {}).get("completions")
    if not isinstance(completions, int) or isinstance(completions, bool):
        return {}
    weights = {t.name: t.replicas for t in decision.binding.clusters}
    return divide_replicas(completions, weights)


def _keep_reason(
    request: ScheduleInput, last: PreviousPlacement, placement: Placement, fleet: Fleet
) -> str:
    """Why Karmada would not reschedule a Divided workload at all ("" when it would).

    It reschedules on a placement change, a replica change, a requested reschedule, or a
    target cluster going away; new, relabelled, tainted or resized clusters move nothing.
    """
    if request.fresh or not request.is_workload or placement.replica_scheduling.type != DIVIDED:
        return ""
    if not last.clusters or last.placement_fingerprint != placement.fingerprint:
        return ""
    if sum(last.clusters.values()) != request.replicas:
        return ""
    inventory = {cluster.name for cluster in fleet.clusters}
    if any(name not in inventory for name in last.clusters):
        return ""
    return (
        "its placement and replicas are unchanged since the last render and every cluster "
        "it is on still exists"
    )


def _workload_groups(
    template: ResourceTemplate, policy: PropagationPolicy, fleet: Fleet
) -> WorkloadGroups | None:
    if not fleet.gates.workload_affinity or policy.scheduler is not None:
        return None
    return groups_of(policy.placement.workload_affinity, template.labels, template.namespace)


def _recorded_peers(
    fleet: Fleet, previous: Mapping[ResourceKey, PreviousPlacement]
) -> PeerPlacements:
    """Where the grouped workloads run before this render schedules any (Karmada's
    scheduler cache holds every binding, scheduled or not yet)."""
    peers = PeerPlacements()
    if not fleet.gates.workload_affinity or not any(
        p.placement.workload_affinity is not None for p in fleet.propagation_policies
    ):
        return peers
    for template in fleet.templates:
        last = previous.get(template.key)
        if last is None or not last.clusters:
            continue
        contest = rank_propagation_policies(template, fleet.propagation_policies)
        if not contest:
            continue
        groups = _workload_groups(template, contest[0].policy, fleet)
        if groups is not None:
            peers.place(template.key, groups, last.clusters)
    return peers


def _bind(
    template: ResourceTemplate,
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement],
    rebalance: bool,
    memo: ScheduleMemo,
    served: ServedByRender,
    peers: PeerPlacements,
    trace: bool = False,
) -> Decision | None:
    last = previous.get(template.key, PreviousPlacement())
    claimed = fleet.claimed_services.get(template.key)
    contest: list[Contender] = []
    if claimed is not None:
        # A CrossCluster MultiClusterService takes the Service over from every policy.
        policy = multiclusterservice.policy(claimed, fleet.clusters)
    else:
        contest = rank_propagation_policies(
            template, fleet.propagation_policies, last.via, fleet.gates.policy_preemption
        )
        _one_dialect(template, [c.policy for c in contest], "propagation")
        # Karmada's namespace sync, unless the winning policy brings its own scheduler
        # (another dialect's namespace goes where that dialect's policy says).
        synced = not contest or contest[0].policy.scheduler is None
        if synced and _auto_propagated_namespace(template):
            targets = tuple(TargetCluster(c.name, 0) for c in fleet.clusters)
            return Decision(Binding(template.key, template.source, None, targets), NAMESPACE_SYNC)
        if not contest:
            return None
        policy = contest[0].policy
        if policy.scheduler_name != "default-scheduler":
            raise _OtherScheduler(policy)
        _check_dependent_overrides(policy, template, fleet)
    if policy.scheduler is not None:
        try:
            result = policy.scheduler.schedule(template, fleet.clusters)
        except ScheduleError as exc:
            raise UserError.at(
                policy.source, f"{policy.ref} cannot schedule {template.key}: {exc}"
            ) from None
        replicas = sum(t.replicas for t in result.clusters)
        binding = Binding(template.key, template.source, policy.ref, result.clusters, replicas)
        return Decision(
            binding,
            str(policy.ref),
            tuple(contest),
            result,
            policy.propagate_deps,
            replicas_by_overrides=True,
        )
    kind = template.kind
    # Karmada's detector: with MultiplePodTemplatesScheduling on, a kind with a
    # GetComponents script is bound with its components and no replicas, so it is never
    # divided or revised.
    interpreted = resource.replicas(
        fleet.interpreters, template, components=fleet.gates.detector_components
    )
    replicas, requirements = interpreted.replicas, interpreted.requirements
    evicted = {
        name: describe(e, purge_mode(policy, fleet.gates), fleet.gates, fleet.now)
        for name, e in evictions(policy, fleet.clusters, fleet.gates, fleet.now).items()
    }
    if evicted.keys() & last.clusters.keys():
        # the taint manager takes them out of the binding, and the scheduler fills in
        clusters = {n: r for n, r in last.clusters.items() if n not in evicted}
        last = dataclasses.replace(last, clusters=clusters)
    placement = policy.placement
    served_here = served.get((template.api_version, kind), {})
    request = ScheduleInput(
        resource=template.key,
        api_version=template.api_version,
        kind=kind,
        placement=policy.placement,
        replicas=replicas,
        is_workload=interpreted.is_workload,
        requirements=requirements,
        previous=dict(last.clusters),
        previous_affinity=last.affinity_name,
        fresh=rebalance,
        served_here=frozenset(served_here),
        components=interpreted.components,
        component_sets=fleet.gates.scheduler_component_sets,
        evicted=evicted,
    )
    groups = _workload_groups(template, policy, fleet)
    if groups is not None:
        request = dataclasses.replace(
            request,
            groups=groups,
            affinity_peers=peers.affinity_peers(template.key, groups.affinity),
            anti_affinity_peers=peers.anti_affinity_peers(template.key, groups.anti_affinity),
        )
    kept = _keep_reason(request, last, placement, fleet)
    try:
        if kept:
            targets = tuple(TargetCluster(n, r) for n, r in sorted(last.clusters.items()))
            result = keep(request, fleet.clusters, targets, kept, memo, verdicts=trace)
        else:
            result = schedule(request, fleet.clusters, memo)
    except Unschedulable as exc:
        binding = Binding(template.key, template.source, policy.ref, (), replicas)
        failed = Decision(binding, str(policy.ref), tuple(contest), exc.schedule)
        raise _Unschedulable(
            Problem(policy.source, f"{policy.ref} cannot schedule {template.key}: {exc}"), failed
        ) from None
    if groups is not None:
        peers.place(template.key, groups, (t.name for t in result.clusters))
    binding = Binding(
        template.key,
        template.source,
        policy.ref,
        result.clusters,
        replicas,
        result.affinity_name,
        # Only a Divided workload's placement decides whether it is rescheduled.
        placement.fingerprint
        if request.is_workload and placement.replica_scheduling.type == DIVIDED
        else "",
    )
    return Decision(
        binding,
        str(policy.ref),
        tuple(contest),
        result,
        policy.propagate_deps,
        api_from_render=enabled_by_render(template.api_version, kind, fleet.clusters, served_here),
    )


def _one_dialect(
    template: ResourceTemplate,
    policies: list[PropagationPolicy] | list[OverridePolicy],
    what: str,
) -> None:
    """One resource, one dialect: two systems' policies on it would fight over it."""
    first = policies[0] if policies else None
    for other in policies[1:]:
        if first is not None and other.dialect != first.dialect:
            raise UserError.at(
                template.source,
                f"{template.key} is governed by {what} policies of two dialects: "
                f"{first.dialect} {first.ref} ({first.source}) and {other.dialect} "
                f"{other.ref} ({other.source}); keep one",
            )


def _follow_dependencies(fleet: Fleet, bound: dict[ResourceKey, Decision]) -> list[TemplateWarning]:
    """Send what propagateDeps workloads reference to the workloads' clusters; warn of
    references to objects that are not there."""
    warnings: list[TemplateWarning] = []
    resolver = Resolver(fleet.templates)
    required: dict[ResourceKey, dict[ResourceKey, tuple[str, ...]]] = {}
    for template in fleet.templates:
        decision = bound.get(template.key)
        if decision is None or not decision.propagate_deps or not template.namespace:
            continue
        clusters = tuple(t.name for t in decision.binding.clusters)
        try:
            needs = resource.references(fleet.interpreters, template).items
        except UserError as exc:
            # Karmada's dependencies distributor stops at a failed GetDependencies and
            # leaves the workload where it is scheduled: a warning, no dependency followed.
            for problem in exc.problems:
                warning = Problem.warning(
                    problem.source, f"{problem.message}; its dependencies are not followed"
                )
                warnings.append(TemplateWarning(template.key, warning))
            continue
        for reference in needs:
            found = resolver.resolve(template.namespace, reference)
            if not found:
                warning = Problem.warning(
                    template.source,
                    f"{template.key} uses {reference.describe(template.namespace)}, "
                    "which is not in templates/ (skipped, as Karmada does)",
                )
                warnings.append(TemplateWarning(template.key, warning))
            for dependency in found:
                required.setdefault(dependency.key, {})[template.key] = clusters
    templates = {t.key: t for t in fleet.templates}
    for key, by_workload in sorted(required.items()):
        own = bound.get(key)
        names = set(union_clusters(by_workload))
        if own is not None:
            names |= {t.name for t in own.binding.clusters}
        targets = tuple(TargetCluster(name, 0) for name in sorted(names))
        required_by = tuple(sorted(by_workload.items()))
        if own is not None:
            binding = dataclasses.replace(own.binding, clusters=targets)
            bound[key] = dataclasses.replace(own, binding=binding, required_by=required_by)
        else:
            template = templates[key]
            binding = Binding(key, template.source, None, targets)
            bound[key] = Decision(binding, DEPENDENCY, required_by=required_by)
    return warnings


def _check_dependent_overrides(
    policy: PropagationPolicy, template: ResourceTemplate, fleet: Fleet
) -> None:
    """Karmada holds a policy's propagation until every OverridePolicy it names in
    spec.dependentOverrides exists (ClusterOverridePolicies for a cluster-wide policy)."""
    if not policy.dependent_overrides:
        return
    present = {
        p.ref.name
        for p in fleet.override_policies
        if p.cluster_scoped == policy.cluster_scoped
        and (policy.cluster_scoped or p.ref.namespace == policy.ref.namespace)
    }
    missing = [name for name in policy.dependent_overrides if name not in present]
    if missing:
        kind = "ClusterOverridePolicy" if policy.cluster_scoped else "OverridePolicy"
        listed = ", ".join(repr(name) for name in missing)
        raise _Held(
            Problem.warning(
                policy.source,
                f"{policy.ref} waits for {kind} {listed} (spec.dependentOverrides), which does "
                f"not exist: {template.key} goes to no cluster until it does, as in Karmada",
            )
        )


class _Unschedulable(UserError):
    """Scheduling failed: the error, and the failed decision for explain (no clusters)."""

    def __init__(self, problem: Problem, decision: Decision) -> None:
        super().__init__([problem])
        self.decision = decision


class _Held(Exception):
    """Karmada would hold the template's propagation (a warning says why)."""

    def __init__(self, warning: Problem) -> None:
        self.warning = warning


class _OtherScheduler(Exception):
    """The winning policy names a scheduler hubless does not run (spec.schedulerName)."""

    def __init__(self, policy: PropagationPolicy) -> None:
        self.policy = policy


@dataclass(frozen=True)
class _Bound:
    """One scheduling pass over the fleet."""

    decisions: dict[ResourceKey, Decision]  # by template, for the templates placed
    skipped: list[ResourceKey]  # templates Karmada never propagates
    errors: list[Problem]
    warnings: list[TemplateWarning]  # held templates, references propagateDeps could not follow
    # templates whose policy names another scheduler: nothing places them
    other_scheduler: dict[ResourceKey, PropagationPolicy]
    # templates whose policy waits for override policies that do not exist, and why
    held: dict[ResourceKey, Problem]


def _bind_all(
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement],
    rebalance: bool,
    memo: ScheduleMemo,
    trace: bool = False,
    settled: Mapping[ResourceKey, Decision] | None = None,
) -> _Bound:
    """Every template's decision: policy, schedule, dependencies. The decisions in
    `settled` are taken as they are (see `_settled`).

    CRDs are decided first: where they go serves their APIs to the resources of their
    kinds (hubless.installed_apis)."""
    bound: dict[ResourceKey, Decision] = {}
    skipped: list[ResourceKey] = []
    problems = Problems()
    elsewhere: dict[ResourceKey, PropagationPolicy] = {}
    held: dict[ResourceKey, Problem] = {}
    no_api: dict[ResourceKey, Problem] = {}
    by_name = {cluster.name: cluster for cluster in fleet.clusters}
    is_crd = [crds.is_crd(t.api_version, t.kind) for t in fleet.templates]
    crd_templates = [t for t, crd in zip(fleet.templates, is_crd, strict=True) if crd]
    served: ServedByRender = {}
    peers = _recorded_peers(fleet, previous)
    for crds_now in (True, False):
        for template, crd in zip(fleet.templates, is_crd, strict=True):
            if crd != crds_now:
                continue
            if kinds.skipped_by_karmada(template.group, template.kind, template.namespace):
                skipped.append(template.key)
                continue
            try:
                decision = (settled or {}).get(template.key) or _bind(
                    template, fleet, previous, rebalance, memo, served, peers, trace
                )
            except _Unschedulable as exc:
                problems.extend(exc)
                bound[template.key] = exc.decision  # placed nowhere; the error stops the render
                continue
            except UserError as exc:
                problems.extend(exc)
                continue
            except _OtherScheduler as other:
                elsewhere[template.key] = other.policy
                continue
            except _Held as waiting:
                held[template.key] = waiting.warning
                continue
            if decision is None:
                continue
            bound[template.key] = decision
            if decision.schedule is not None and decision.binding.policy is not None:
                warning = missing_api_warning(
                    template, decision.binding.policy, decision.schedule, by_name
                )
                if warning is not None:
                    no_api[template.key] = warning
        if crds_now:
            served = served_by_render(
                (t, bound[t.key].binding) for t in crd_templates if t.key in bound
            )
    warnings = [
        *(TemplateWarning(t.key, held[t.key]) for t in fleet.templates if t.key in held),
        *(TemplateWarning(t.key, no_api[t.key]) for t in fleet.templates if t.key in no_api),
        *_follow_dependencies(fleet, bound),
    ]
    return _Bound(bound, skipped, problems.errors, warnings, elsewhere, held)


def _scheduled_first(first: _Bound, last: _Bound) -> _Bound:
    """`last` with the first pass's schedule where a later pass only kept what the first
    pass scheduled: that schedule says how the placement was made from the real previous
    one (the later pass would say "kept since the last render", which it was not). The
    same for the policy contest: a preemption is told against the real claim."""
    decisions = dict(last.decisions)
    for key, decision in last.decisions.items():
        earlier = first.decisions.get(key)
        if earlier is not None and earlier.via == decision.via:
            # the contest as the real claim decided it (a later pass sees its own winner's)
            decision = decisions[key] = dataclasses.replace(decision, contest=earlier.contest)
        if (
            decision.schedule is not None
            and decision.schedule.kept
            and earlier is not None
            and earlier.binding == decision.binding
        ):
            decisions[key] = dataclasses.replace(decision, schedule=earlier.schedule)
    return dataclasses.replace(last, decisions=decisions)


def _settled(
    fleet: Fleet,
    bound: _Bound,
    previous: Mapping[ResourceKey, PreviousPlacement],
    current: Mapping[ResourceKey, PreviousPlacement],
) -> dict[ResourceKey, Decision]:
    """The decisions a pass scheduled from `previous` that the next pass, scheduling from
    `current`, would make again: those of the templates whose own placement did not move.
    A template's schedule reads its own previous placement only, unless the APIs that CRDs
    serve moved, or workload affinity has it read its peers' (then nothing is settled)."""
    if fleet.gates.workload_affinity:
        return {}
    crds_moved = any(
        (key.group, key.kind) == (crds.CRD_GROUP, crds.CRD_KIND)
        and current.get(key) != previous.get(key)
        for key in current.keys() | previous.keys()
    )
    if crds_moved:
        return {}
    # A dependency's decision is the union of its workloads' clusters, made after
    # scheduling: it is worked out again from theirs.
    return {
        key: decision
        for key, decision in bound.decisions.items()
        if current.get(key) == previous.get(key)
        and decision.via != DEPENDENCY
        and not decision.required_by
    }


def placements(decisions: Iterable[Decision]) -> dict[ResourceKey, PreviousPlacement]:
    """The decisions as the next render will read them back from the record."""
    return {
        d.binding.resource: PreviousPlacement(
            {t.name: t.replicas for t in d.binding.clusters},
            d.binding.affinity_name,
            d.binding.placement_fingerprint,
            d.via,
        )
        for d in decisions
    }


def decide(
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement] | None = None,
    *,
    rebalance: bool = False,
    until_stable: bool = False,
    trace: bool = False,
) -> Decided:
    """Every decision over the whole fleet, and each template's recipe.

    `previous` is the last render's placement (Karmada's bindings). `rebalance` schedules
    Divided workloads from scratch (Karmada's WorkloadRebalancer). `until_stable`
    schedules again, with the result as the previous placement, until the result no
    longer changes (at most twice more), so that what is written is a fixed point: the
    next render from the same sources decides the same. `trace` also records what the
    filters and the estimator say of every cluster for placements kept without scheduling
    (for explain: a render does not need it)."""
    previous = previous or {}
    memo = ScheduleMemo()
    first = bound = _bind_all(fleet, previous, rebalance, memo, trace)
    errors = list(bound.errors)
    for _ in range(2 if until_stable and not errors else 0):
        current = placements(bound.decisions.values())
        if current == previous:
            break
        settled = {} if rebalance else _settled(fleet, bound, previous, current)
        previous, rebalance = current, False
        bound = _bind_all(fleet, previous, False, memo, trace, settled)
        errors.extend(bound.errors)
    if bound is not first:
        bound = _scheduled_first(first, bound)
    warnings = [TemplateWarning(t.key, w) for t in fleet.templates for w in credential_warnings(t)]
    warnings.extend(bound.warnings)
    warnings.extend(
        TemplateWarning(s.hpa, Problem.warning(s.source, s.unused))
        for s in fleet.federated_scalings
        if s.unused
    )
    templates = {t.key for t in fleet.templates}
    for mcs in fleet.multicluster_services:
        if mcs.cross_cluster and mcs.service not in templates:
            warning = Problem.warning(
                mcs.source,
                f"{mcs.key} takes over {mcs.service}, which is not in templates/: nothing "
                "is propagated, as in Karmada",
            )
            warnings.append(TemplateWarning(mcs.key, warning))
        for name, source in multiclusterservice.unknown_clusters(mcs, fleet.clusters):
            warning = Problem.warning(
                source, f"{mcs.key} names cluster {name!r}, which is not in the inventory"
            )
            warnings.append(TemplateWarning(mcs.key, warning))
    decisions, recipes, unmatched, recipe_errors = _recipes(fleet, bound)
    errors.extend(recipe_errors)
    errors.extend(quota_errors(fleet, decisions))
    warnings.extend(_autoscaling_warnings(recipes))
    return Decided(
        fleet,
        tuple(decisions),
        tuple(recipes),
        tuple(unmatched),
        tuple(bound.skipped),
        tuple(warnings),
        tuple(errors),
        tuple(bound.other_scheduler.items()),
        tuple(bound.held.items()),
    )


def _recipes(
    fleet: Fleet, bound: _Bound
) -> tuple[list[Decision], list[Recipe], list[ResourceKey], list[Problem]]:
    """Each placed template's recipe, in template order: the decisions, the recipes, the
    templates no policy placed, and the errors found."""
    decisions: list[Decision] = []
    recipes: list[Recipe] = []
    unmatched: list[ResourceKey] = []
    problems = Problems()
    clusters = {cluster.name: cluster for cluster in fleet.clusters}
    skipped = set(bound.skipped)
    rule_targets = RuleTargets(fleet.override_policies, fleet.clusters)
    override_index = OverridePolicyIndex(fleet.override_policies)
    # Templates matched by the same policies share their rule lists per cluster.
    rules_cache: dict[tuple[int, str], dict[str, tuple[Rules, Owned | None]]] = {}
    for template in fleet.templates:
        decision = bound.decisions.get(template.key)
        if decision is None:
            if not (
                template.key in skipped
                or template.key in bound.other_scheduler
                or template.key in bound.held
            ):
                unmatched.append(template.key)
            continue
        decisions.append(decision)
        policies: list[OverridePolicy] = override_index.for_template(template)
        try:
            _one_dialect(template, policies, "override")
        except UserError as exc:
            problems.extend(exc)
            continue
        if decision.via == NAMESPACE_SYNC:
            policies = [p for p in policies if p.cluster_scoped]
        # Karmada's binding controller revises every workload binding's object to its
        # cluster's replicas, Divided or Duplicated (ResourceBindingSpec.IsWorkload).
        workload = (
            decision.binding.replicas > 0
            or resource.replicas(
                fleet.interpreters, template, components=fleet.gates.detector_components
            ).binds_a_workload
        )
        revises = workload and decision.via != DEPENDENCY and not decision.replicas_by_overrides
        policies_key = rule_targets.policy_set(policies)
        here = rules_cache.setdefault((policies_key, template.kind), {})
        placed: list[Placed] = []
        for target in decision.binding.clusters:
            cached = here.get(target.name)
            if cached is None:
                rules = rule_targets.rules_for(policies_key, clusters[target.name])
                cached = here[target.name] = (rules, owned_paths(rules, template.kind))
            # tuple.__new__: a NamedTuple's own constructor costs twice as much, once per object
            placed.append(tuple.__new__(Placed, (target, *cached)))
        recipes.append(
            Recipe(
                template,
                decision,
                revises,
                _job_completions(template, decision),
                tuple(placed),
                workloads.autoscalable(template.group, template.kind)
                and not decision.replicas_by_overrides,
                agents=_agent_policy(decision, bound.decisions),
            )
        )
    return decisions, _with_autoscalers(recipes, clusters), unmatched, problems.errors


def _agent_policy(decision: Decision, bound: Mapping[ResourceKey, Decision]) -> AgentPolicy:
    """preserveResourcesOnDeletion and an explicit conflictResolution: Abort of the
    template's policy. A dependency without a policy of its own takes them from the
    workloads that need it, as Karmada's dependencies distributor does: preserved when any
    of them is, taken over when any of them would take over."""
    policies = [c.policy for c in decision.contest[:1] if str(c.policy.ref) == decision.via]
    if decision.via == DEPENDENCY:
        policies = [
            c.policy
            for key, _ in decision.required_by
            if key in bound
            for c in bound[key].contest[:1]
            if str(c.policy.ref) == bound[key].via
        ]
    if not policies:
        return AgentPolicy()
    return AgentPolicy(
        preserve=any(p.preserve_on_deletion for p in policies),
        if_not_present=all(p.conflict_resolution == "Abort" for p in policies),
    )


def _with_autoscalers(recipes: list[Recipe], clusters: Mapping[str, Cluster]) -> list[Recipe]:
    """The recipes, each autoscalable workload's with the autoscalers that scale it on
    each of its clusters: those rendered onto the same cluster, after their overrides."""
    scaled: dict[tuple[str, ResourceKey], set[ResourceKey]] = {}
    for recipe in recipes:
        template = recipe.template
        if not autoscaling.is_autoscaler(template.group, template.kind):
            continue
        # Clusters with the same rules see the same target; most autoscalers have none.
        by_rules: dict[tuple[tuple[int, int], ...], ResourceKey | None] = {}
        for target, rules, owned in recipe.placed:
            rules_id = tuple((id(policy), rule.index) for policy, rule in rules)
            if rules_id not in by_rules:
                by_rules[rules_id] = _overridden_scale_target(
                    template, rules, owned, clusters[target.name]
                )
            workload = by_rules[rules_id]
            if workload is not None:
                scaled.setdefault((target.name, workload), set()).add(template.key)
    targeted = {workload for _, workload in scaled}
    found = []
    for recipe in recipes:
        key = recipe.template.key
        if recipe.autoscalable and key in targeted:
            scalers = {
                target.name: tuple(sorted(scaled[(target.name, key)]))
                for target, _, _ in recipe.placed
                if (target.name, key) in scaled
            }
            recipe = dataclasses.replace(recipe, scaled_by=scalers)
        found.append(recipe)
    return found


def _overridden_scale_target(
    template: ResourceTemplate, rules: Rules, owned: Owned | None, cluster: Cluster
) -> ResourceKey | None:
    """What an autoscaler scales on a cluster, its overrides applied."""
    body = template.body
    if rules:
        try:
            body, _ = apply_overrides(own_copy(body, owned), rules, cluster, template.key)
        except UserError:
            return None  # materialize reports it
    return autoscaling.scale_target(template.group, template.kind, body)


def _autoscaling_warnings(recipes: Iterable[Recipe]) -> list[TemplateWarning]:
    """Where an autoscaler keeps a workload's replicas: a Divided workload's division does
    not apply there, and override rules setting spec.replicas are not written."""
    warnings = []
    for recipe in recipes:
        template = recipe.template
        # The template's label: one that overrides add on some clusters goes unwarned.
        retained = autoscaling.retains_replicas(template.body)
        if not recipe.autoscalable or not (retained or recipe.scaled_by):
            continue
        schedule = recipe.decision.schedule
        divided = schedule is not None and schedule.strategy != DUPLICATED
        if divided and recipe.decision.binding.replicas > 0:
            warning = autoscaling.divided_warning(
                template.key, template.source, recipe.scaled_by, retained
            )
            warnings.append(TemplateWarning(template.key, warning))
        setting: dict[tuple[str, Source], list[str]] = {}  # (rule, overrider line) -> clusters
        for target, rules, _ in recipe.placed:
            if not retained and target.name not in recipe.scaled_by:
                continue
            for policy, rule in rules:
                if not isinstance(rule.overriders, Overriders):
                    continue
                for overrider in rule.overriders.plaintext:
                    if overrider.path == "/spec/replicas" and overrider.operator != "remove":
                        label = policy.rule_name(rule)
                        setting.setdefault((label, overrider.source), []).append(target.name)
        for (label, source), names in setting.items():
            warning = autoscaling.override_warning(template.key, label, source, names)
            warnings.append(TemplateWarning(template.key, warning))
    return warnings


def materialize(
    decided: Decided, clusters: Collection[str] | None = None, *, trace: bool = False
) -> Compiled:
    """The objects of `clusters` (default: every cluster), each fully overridden. Raises
    UserError listing every error, the decisions' included.

    `trace` also records what every override rule changed (for `explain`)."""
    fleet = decided.fleet
    interpreters = fleet.interpreters
    by_name = {cluster.name: cluster for cluster in fleet.clusters}
    objects: dict[str, list[RenderedObject]] = {
        name: [] for name in by_name if clusters is None or name in clusters
    }
    problems = Problems()
    problems.items.extend(decided.errors)
    crds = kinds.crd_scopes(t.body for t in fleet.templates if t.kind == "CustomResourceDefinition")
    warnings = list(decided.warnings)
    found: list[Oversized] = []
    for recipe in decided.recipes:
        template = recipe.template
        known: Bounds | None = None
        if (template.group, template.kind) in _SIZE_LIMITED:
            known = {}
            _template_bounds(template.body, 0, known)
        oversized: dict[str, int] = {}  # cluster -> size of the object's file
        for target, rules, owned in recipe.placed:
            built = objects.get(target.name)
            if built is None:
                continue
            try:
                rendered = _build(
                    recipe, target, rules, owned, by_name[target.name], trace, crds, interpreters
                )
            except UserError as exc:
                problems.extend(exc)
                continue
            built.append(rendered)
            size = _oversize(rendered.body, known) if known is not None else 0
            if size:
                oversized[target.name] = size
        if oversized:
            found.extend(Oversized(template.key, c, size) for c, size in oversized.items())
            warning = oversize_warning(str(template.key), template.source, oversized)
            warnings.append(TemplateWarning(template.key, warning))
    for cluster in fleet.clusters:
        if cluster.gitops and cluster.name in objects:
            objects[cluster.name].extend(_bootstrap_objects(cluster))
    problems.items = grouped_by_cluster(problems.items)
    compiled = Compiled(
        objects,
        decided.decisions,
        decided.unmatched,
        decided.skipped,
        tuple(warnings),
        decided.other_scheduler,
        decided.held,
        tuple(found),
    )
    if problems.errors:
        raise CompileError(problems.errors, compiled)
    return compiled


# The API server refuses a ConfigMap or Secret over 1 MiB, and GitOps tools fail to apply
# it. The API server measures the object it stores (a Secret's data decoded, the rest as
# JSON or protobuf), not the YAML written here: the size of the rendered file is an
# estimate, on the high side. Only the kinds that carry data are measured.
OBJECT_SIZE_LIMIT = 1024 * 1024  # bytes
_SIZE_LIMITED = frozenset([("", "ConfigMap"), ("", "Secret")])


Bounds = dict[tuple[int, int], int]  # (id of a template's map or list, indent) -> bound


def _yaml_bound(value: Any, indent: int, known: Bounds) -> int:
    """At least the number of bytes hubless.serialize writes for `value` at `indent`,
    quickly: a character takes at most 10 bytes (an escape), or, a line break in a literal
    block, 1 and the indent of the next line. `known` holds the bounds of the template's
    maps and lists, which the objects share where no override changes them."""
    if isinstance(value, str):
        return (11 + indent) * len(value) + indent + 8
    if isinstance(value, dict):
        found = known.get((id(value), indent))
        if found is not None:
            return found
        total = 4
        for key, item in value.items():
            # the key, inline at `indent`; the value, inline or nested, at most at indent + 2
            total += 2 * indent + 12 + (11 + indent) * len(key)
            if isinstance(item, str):
                total += (13 + indent) * len(item) + indent + 14
            else:
                total += _yaml_bound(item, indent + 2, known) + 4
        return total
    if isinstance(value, list):
        found = known.get((id(value), indent))
        if found is not None:
            return found
        return 4 + sum(indent + 4 + _yaml_bound(item, indent + 2, known) for item in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return 8 + value.bit_length()
    return 32  # a float, a bool or null


def _template_bounds(value: Any, indent: int, known: Bounds) -> None:
    """Fill `known` with the bounds of the maps and lists in a template's body."""
    if isinstance(value, dict):
        for item in value.values():
            _template_bounds(item, indent + 2, known)
    elif isinstance(value, list):
        for item in value:
            _template_bounds(item, indent + 2, known)
    else:
        return
    known[(id(value), indent)] = _yaml_bound(value, indent, known)


def _oversize(body: dict[str, Any], known: Bounds) -> int:
    """The size of the object's rendered file when it is over the limit, else 0. Objects
    that cannot be near the limit are not serialized for it."""
    if _yaml_bound(body, 0, known) <= OBJECT_SIZE_LIMIT:
        return 0
    size = len(dump(body).encode("utf-8"))
    return size if size > OBJECT_SIZE_LIMIT else 0


def oversize_warning(resource: str, source: Source | None, sizes: Mapping[str, int]) -> Problem:
    """One warning for a template's objects over the limit (`resource`: its key), by
    cluster: their file sizes."""
    largest = max(sizes.values())
    amount = f"{largest:,} bytes" if min(sizes.values()) == largest else f"up to {largest:,} bytes"
    where = ("cluster " if len(sizes) == 1 else "clusters ") + ", ".join(sorted(sizes))
    return Problem.warning(
        source,
        f"{resource} is {amount} as YAML on {where}: over the API server's 1 MiB limit "
        f"for an object ({OBJECT_SIZE_LIMIT:,} bytes), Argo CD or Flux will fail to apply it",
    )


def _build(
    recipe: Recipe,
    target: TargetCluster,
    rules: Rules,
    owned: Owned | None,
    cluster: Cluster,
    trace: bool,
    crds: Mapping[tuple[str, str], bool],
    interpreters: Interpreters,
) -> RenderedObject:
    """One template's object on one cluster."""
    template = recipe.template
    # Overrides get their own copy of the parts they can change; spec is always the copy's
    # own (replicas); the rest stays shared with the template.
    body = own_copy(template.body, owned)
    if recipe.revises_replicas:
        body = resource.revise(interpreters, template, body, target.replicas, owned)
    if target.name in recipe.completions:
        body["spec"]["completions"] = recipe.completions[target.name]
    steps: list[tuple[str, list[Change]]] | None = [] if trace else None
    moved_by = None
    if _may_change_identity(owned):
        body, applied, moved_by = _override_identity(template, body, rules, cluster, steps, crds)
    else:
        body, applied = apply_overrides(body, rules, cluster, template.key, steps)
    kept_by: tuple[str, ...] = ()
    if recipe.autoscalable:
        kept_by = tuple(str(s) for s in recipe.scaled_by.get(target.name, ()))
        if autoscaling.retains_replicas(body):
            kept_by += (autoscaling.RETAIN_REASON,)
        if kept_by:
            # Whatever the template, the division or an override says: the autoscaler's.
            body = workloads.without_replicas(body)
    body = annotate(body, recipe.agents)
    if plaintext_secret(body):
        raise UserError.at(
            template.source,
            f"overrides put plaintext data into Secret {template.key} for cluster "
            f"{target.name}; plaintext Secrets do not go to rendered/",
        )
    recorded = tuple((rule, tuple(found)) for rule, found in steps or ())
    return RenderedObject(
        template.key, body, tuple(applied), recorded, template.source, moved_by, kept_by
    )


def _may_change_identity(owned: Owned | None) -> bool:
    """Whether rules that own these paths can change an object's apiVersion, kind, name
    or namespace (most rules cannot: their objects keep their template's identity)."""
    if owned is None or "apiVersion" in owned or "kind" in owned:
        return True
    metadata = owned.get("metadata", {})
    return metadata is None or "name" in metadata or "namespace" in metadata


Identity = tuple[Any, Any, Any, Any]  # apiVersion, kind, name, namespace (None: absent)
_API_VERSION, _KIND, _NAME, _NAMESPACE = range(4)
_NEEDED = ((_API_VERSION, "apiVersion"), (_KIND, "kind"), (_NAME, "metadata.name"))
_CONTROL_GROUPS = ("policy.karmada.io", "cluster.karmada.io")


def _identity(body: dict[str, Any]) -> Identity:
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    return body.get("apiVersion"), body.get("kind"), metadata.get("name"), metadata.get("namespace")


def _identity_problem(
    identity: Identity, crds: Mapping[tuple[str, str], bool]
) -> tuple[str, tuple[int, ...]] | None:
    """What a template with this identity would be refused for at load, and the parts of
    the identity the problem is about; None when a template could have it."""
    for part, field in _NEEDED:
        value = identity[part]
        if value is None:
            needs = "every object needs an apiVersion, a kind and a metadata.name"
            return f"it has no {field} ({needs})", (part,)
        if not isinstance(value, str) or not value:
            return f"{field} must be a non-empty string", (part,)
    api_version, kind, name, namespace = identity
    if namespace is not None and (not isinstance(namespace, str) or not namespace):
        return "metadata.namespace must be a non-empty string", (_NAMESPACE,)
    group = kinds.group_of(api_version)
    if group in _CONTROL_GROUPS or dialect_for(api_version, kind):
        return f"{kind} is a control object: put it in {POLICIES_DIR}/", (_API_VERSION, _KIND)
    type_parts = (_API_VERSION, _KIND, _NAMESPACE)
    namespaced = kinds.scope(group, kind, crds)
    if namespaced is None:
        return kinds.unknown_scope(group, kind), (_API_VERSION, _KIND)
    if namespaced:
        if namespace is None:
            return f"{kind} is namespaced and needs metadata.namespace", type_parts
    elif namespace is not None:
        return f"{kind} is cluster-scoped and cannot have metadata.namespace", type_parts
    problem = namespace_problem(namespace or "")
    if problem is not None:
        return problem, (_NAMESPACE,)
    problem = name_problem(group, kind, name)
    if problem is not None:
        return problem, (_API_VERSION, _KIND, _NAME)
    return None


def _override_identity(
    template: ResourceTemplate,
    body: dict[str, Any],
    rules: Rules,
    cluster: Cluster,
    steps: list[tuple[str, list[Change]]] | None,
    crds: Mapping[tuple[str, str], bool],
) -> tuple[dict[str, Any], list[str], RuleRef | None]:
    """apply_overrides, one rule at a time, for rules that can change the object's
    identity: what they make must be what a template could be (the checks load applies),
    else the error names the rule that made it. Also the rule that moved the object, if
    one did."""
    applied: list[str] = []
    changed_by: dict[int, int] = {}  # part of the identity -> the last rule that changed it
    start = identity = _identity(body)
    for index, rule in enumerate(rules):
        body, labels = apply_overrides(body, [rule], cluster, template.key, steps)
        applied.extend(labels)
        after = _identity(body)
        changed_by.update((part, index) for part in range(4) if after[part] != identity[part])
        identity = after
    if not changed_by or identity == start:
        return body, applied, None

    def blame(parts: Iterable[int]) -> RuleRef:
        index = max((changed_by[p] for p in parts if p in changed_by), default=None)
        policy, rule = rules[max(changed_by.values()) if index is None else index]
        return RuleRef.of(policy, rule)

    found = _identity_problem(identity, crds)
    if found is not None:
        problem, parts = found
        culprit = blame(parts)
        raise UserError.at(
            culprit.source,
            f"{culprit.label}: cannot override {template.key} for cluster {cluster.name}: "
            f"{problem}",
        )
    moved = _path_parts(identity) != _path_parts(start)
    return body, applied, blame(range(4)) if moved else None


def _path_parts(identity: Identity) -> tuple[str, Any, Any, Any]:
    """What says where an object is written: group, kind, namespace, name."""
    api_version, kind, name, namespace = identity
    return kinds.group_of(str(api_version)), kind, namespace, name


def _bootstrap_objects(cluster: Cluster) -> list[RenderedObject]:
    """A self-managed cluster's own pull: its bootstrap objects go to its folder."""
    assert cluster.gitops
    found = []
    for body in bootstrap.objects(
        cluster.gitops, cluster.name, cluster.gitops_repo_url, cluster.gitops_revision
    ):
        metadata = body["metadata"]
        key = ResourceKey(
            kinds.group_of(body["apiVersion"]),
            body["kind"],
            metadata["namespace"],
            metadata["name"],
        )
        found.append(RenderedObject(key, body, ()))
    return found


def compile_fleet(
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement] | None = None,
    *,
    rebalance: bool = False,
    until_stable: bool = False,
    trace: bool = False,
) -> Compiled:
    """Every decision and every cluster's objects: `decide`, then `materialize` all."""
    decided = decide(fleet, previous, rebalance=rebalance, until_stable=until_stable, trace=trace)
    return materialize(decided, trace=trace)
