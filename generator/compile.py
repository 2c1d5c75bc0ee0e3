"""The pure pipeline: a Fleet in, every cluster's objects and every decision out.

match -> schedule -> override. No I/O here: the same function serves render, --check,
diff and explain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import bootstrap, kinds, workloads
from generator.dependencies import Resolver, references, union_clusters
from generator.errors import Problems, UserError
from generator.jsonvalue import deep_copy
from generator.match import Contender, OverridePolicyIndex, rank_propagation_policies
from generator.model import (
    DIVIDED,
    DUPLICATED,
    KARMADA,
    Binding,
    Fleet,
    OverridePolicy,
    Overriders,
    OverrideRule,
    Placement,
    PreviousPlacement,
    PropagationPolicy,
    ResourceKey,
    ResourceTemplate,
    TargetCluster,
)
from generator.overriders import Change, RuleTargets, applicable_rules, apply_overrides
from generator.overriders.containers import POD_SPEC_PATHS
from generator.reuse import Digests, Reuse, rules_digest
from generator.scheduler import Schedule, ScheduleError, ScheduleInput, schedule
from generator.scheduler.core import ScheduleMemo
from generator.scheduler.division import divide_replicas
from generator.secrets import credential_warnings, plaintext_secret

SKIP_AUTO_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"
NAMESPACE_SYNC = "namespace-sync"
DEPENDENCY = "dependency"  # no policy of its own: placed only because workloads need it


@dataclass(frozen=True)
class RenderedObject:
    key: ResourceKey
    body: dict[str, Any]
    overrides: tuple[str, ...]  # the override rules that applied, in order
    # with tracing: per applied rule, the (pointer, before, after) it changed
    changes: tuple[tuple[str, tuple[Change, ...]], ...] = ()


@dataclass(frozen=True)
class Decision:
    """Why a template is where it is: the binding, the policy contest and the schedule."""

    binding: Binding
    via: str  # the policy, or NAMESPACE_SYNC
    contest: tuple[Contender, ...] = ()  # every matching propagation policy, winner first
    schedule: Schedule | None = None  # None for namespace sync
    propagate_deps: bool = False
    # (workload, its clusters) for every propagateDeps workload that needs this object
    required_by: tuple[tuple[ResourceKey, tuple[str, ...]], ...] = ()
    replicas_by_overrides: bool = False  # another dialect's overrides write the replicas


@dataclass(frozen=True)
class Compiled:
    objects: dict[str, list[RenderedObject]]  # cluster name -> objects in key order
    decisions: tuple[Decision, ...]
    unmatched: tuple[ResourceKey, ...]  # no propagation policy: propagated nowhere
    skipped: tuple[ResourceKey, ...]  # objects Karmada never propagates (kube-*, events)
    warnings: tuple[str, ...] = ()
    digests: Digests | None = None  # what the objects are made of (generator.reuse)
    reused: frozenset[str] = frozenset()  # clusters left as the last render wrote them

    def decision_for(self, key: ResourceKey) -> Decision | None:
        return next((d for d in self.decisions if d.binding.resource == key), None)


def _auto_propagated_namespace(template: ResourceTemplate) -> bool:
    """Karmada's namespace sync copies a Namespace to every cluster unless told not to."""
    if template.group != "" or template.kind != "Namespace":
        return False
    if kinds.is_reserved_namespace(template.name):
        return False
    return template.labels.get(SKIP_AUTO_PROPAGATION) != "true"


Rules = list[tuple[OverridePolicy, OverrideRule]]
# The paths overrides may change, as a tree: key -> the owned paths below it, None for the
# whole value there. EACH under a list stands for every element.
Owned = dict[str, "Owned | None"]
EACH = "*"
Placed = tuple[TargetCluster, Rules, "Owned | None"]  # one template on one cluster


def _pointer_tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _owned_paths(rules: Rules, kind: str) -> Owned | None:
    """The paths of a `kind` object these rules can change (None: possibly anything)."""
    whole: list[list[str]] = []  # values replaced or changed anywhere below
    shallow: list[list[str]] = [["spec"]]  # maps whose own keys change: spec gets replicas
    for _, rule in rules:
        overriders = rule.overriders
        if not isinstance(overriders, Overriders):
            return None  # another dialect's patches: no narrowing
        for image in overriders.image:
            if image.predicate_path is not None:
                whole.append(_pointer_tokens(image.predicate_path))
        if any(o.predicate_path is None for o in overriders.image) or (
            overriders.command or overriders.args
        ):
            pod_spec = POD_SPEC_PATHS.get(kind)
            if pod_spec is not None:
                # They replace whole fields of a container: each needs its own container.
                shallow.append([*_pointer_tokens(pod_spec), "containers", EACH])
        if overriders.labels:
            whole.append(["metadata", "labels"])
        if overriders.annotations:
            whole.append(["metadata", "annotations"])
        whole.extend(_pointer_tokens(o.path) for o in overriders.plaintext)
        whole.extend(_pointer_tokens(o.field_path) for o in overriders.field)
    owned: Owned = {}
    for tokens, below in [(t, {}) for t in shallow] + [(t, None) for t in whole]:
        if not tokens[0]:
            return None  # the whole object, or a pointer we do not narrow
        node = owned
        for token in tokens[:-1]:
            nested = node.setdefault(token, {})
            if nested is None:
                break  # already owned whole
            node = nested
        else:
            if below is None:
                node[tokens[-1]] = None
            else:
                node.setdefault(tokens[-1], below)
    return owned


def _own_copy(value: dict[str, Any], owned: Owned | None) -> dict[str, Any]:
    """A copy of `value` whose owned paths share nothing with it; the rest is shared.

    Lists on a path are copied whole (an index may move under a patch), unless only EACH
    is below them."""
    if owned is None:
        return deep_copy(value)  # type: ignore[no-any-return]
    copy = dict(value)
    for key, below in owned.items():
        item = copy.get(key)
        if isinstance(item, dict):
            copy[key] = _own_copy(item, below)
        elif isinstance(item, list):
            if below is not None and below.keys() == {EACH}:
                each = below[EACH]
                copy[key] = [_own_copy(e, each) if isinstance(e, dict) else e for e in item]
            else:
                copy[key] = deep_copy(item)
    return copy


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
    return "placement and replicas unchanged since the last render, and its clusters all exist"


def _bind(
    template: ResourceTemplate,
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement],
    fresh: bool,
    memo: ScheduleMemo,
) -> Decision | None:
    contest = rank_propagation_policies(template, fleet.propagation_policies)
    _one_dialect(template, [c.policy for c in contest], "propagation")
    # Karmada's namespace sync; another dialect's namespace goes where its policy says.
    own_dialect = not contest or contest[0].policy.dialect == KARMADA
    if own_dialect and _auto_propagated_namespace(template):
        targets = tuple(TargetCluster(c.name, 0) for c in fleet.clusters)
        return Decision(Binding(template.key, template.source, None, targets), NAMESPACE_SYNC)
    if not contest or contest[0].policy.scheduler_name != "default-scheduler":
        return None
    policy = contest[0].policy
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
    group, kind, body = template.group, template.kind, template.body
    replicas = workloads.read_replicas(group, kind, body)
    requirements = workloads.replica_requirements(group, kind, body)
    last = previous.get(template.key, PreviousPlacement())
    placement = policy.placement
    request = ScheduleInput(
        resource=template.key,
        api_version=template.api_version,
        kind=kind,
        placement=policy.placement,
        replicas=replicas,
        is_workload=replicas > 0 or requirements is not None,
        requirements=requirements,
        previous=dict(last.clusters),
        previous_affinity=last.affinity_name,
        fresh=fresh,
    )
    kept = _keep_reason(request, last, placement, fleet)
    try:
        if kept:
            targets = tuple(TargetCluster(n, r) for n, r in sorted(last.clusters.items()))
            result = Schedule(
                targets, last.affinity_name, request.placement.replica_scheduling.strategy, (), kept
            )
        else:
            result = schedule(request, fleet.clusters, memo)
    except ScheduleError as exc:
        raise UserError.at(
            policy.source, f"{policy.ref} cannot schedule {template.key}: {exc}"
        ) from None
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
    return Decision(binding, str(policy.ref), tuple(contest), result, policy.propagate_deps)


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


def _follow_dependencies(
    fleet: Fleet, bound: dict[ResourceKey, Decision], warnings: list[str]
) -> None:
    """Send what propagateDeps workloads reference to the workloads' clusters."""
    resolver = Resolver(fleet.templates)
    required: dict[ResourceKey, dict[ResourceKey, tuple[str, ...]]] = {}
    for template in fleet.templates:
        decision = bound.get(template.key)
        if decision is None or not decision.propagate_deps or not template.namespace:
            continue
        clusters = tuple(t.name for t in decision.binding.clusters)
        for reference in references(template):
            found = resolver.resolve(template.namespace, reference)
            if not found:
                what = reference.name or dict(reference.labels)
                warnings.append(
                    f"{template.source}: warning: {template.key} uses {reference.kind} "
                    f"{template.namespace}/{what}, which is not in templates/ (skipped, as "
                    "Karmada does)"
                )
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


def _bind_all(
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement],
    fresh: bool,
    problems: Problems,
    warnings: list[str],
    memo: ScheduleMemo,
) -> tuple[dict[ResourceKey, Decision], list[ResourceKey]]:
    """Every template's decision (policy, schedule, dependencies), by key, and the
    templates Karmada never propagates."""
    bound: dict[ResourceKey, Decision] = {}
    skipped: list[ResourceKey] = []
    for template in fleet.templates:
        if kinds.skipped_by_karmada(template.group, template.kind, template.namespace):
            skipped.append(template.key)
            continue
        try:
            decision = _bind(template, fleet, previous, fresh, memo)
        except UserError as exc:
            problems.extend(exc)
            continue
        if decision is not None:
            bound[template.key] = decision
    _follow_dependencies(fleet, bound, warnings)
    return bound, skipped


def placements(decisions: Iterable[Decision]) -> dict[ResourceKey, PreviousPlacement]:
    """The decisions as the next render will read them back from the record."""
    return {
        d.binding.resource: PreviousPlacement(
            {t.name: t.replicas for t in d.binding.clusters},
            d.binding.affinity_name,
            d.binding.placement_fingerprint,
        )
        for d in decisions
    }


def compile_fleet(
    fleet: Fleet,
    previous: Mapping[ResourceKey, PreviousPlacement] | None = None,
    *,
    fresh: bool = False,
    trace: bool = False,
    settle: bool = False,
    only: frozenset[str] | None = None,
    reuse: Reuse | None = None,
) -> Compiled:
    """Every cluster's fully overridden objects. Raises UserError listing every failure.

    `only` limits the objects to those clusters (a shard); every decision is still made
    over the whole fleet. `trace` also records what every override rule changed (for
    `explain`). `settle`
    schedules again, with the result as the previous placement, until the result no
    longer changes (at most twice more), so that what is written is a fixed point: the
    next render from the same sources decides the same. With `reuse`, clusters whose
    digest is unchanged (and that hold no changed template) get no objects: they are
    listed in `reused`, their files already hold what they would."""
    previous = previous or {}
    problems = Problems()
    clusters = {cluster.name: cluster for cluster in fleet.clusters}
    objects: dict[str, list[RenderedObject]] = {
        name: [] for name in clusters if only is None or name in only
    }
    dependency_warnings: list[str] = []
    memo = ScheduleMemo()
    bound, skipped = _bind_all(fleet, previous, fresh, problems, dependency_warnings, memo)
    for _ in range(2 if settle and not problems.items else 0):
        current = placements(bound.values())
        if current == previous:
            break
        previous, dependency_warnings = current, []
        bound, skipped = _bind_all(fleet, previous, False, problems, dependency_warnings, memo)
    warnings = [w for t in fleet.templates for w in credential_warnings(t)]
    warnings.extend(dependency_warnings)

    decisions: list[Decision] = []
    unmatched: list[ResourceKey] = []
    rule_targets = RuleTargets(fleet.override_policies, fleet.clusters)
    override_index = OverridePolicyIndex(fleet.override_policies)
    # Templates matched by the same policies share their rule lists per cluster.
    # A template's policy list is interned to a small number first: fleets with a policy per
    # cluster give lists of a thousand entries, too long to hash once per object.
    policy_sets: dict[tuple[int, ...], int] = {}
    rules_cache: dict[tuple[int, str, str], tuple[Rules, Owned | None, str | None]] = {}
    digests = Digests(fleet.clusters)
    # First what goes where with which rules (the digests need all of it), then the objects.
    work: list[tuple[ResourceTemplate, Decision, bool, dict[str, int], list[Placed]]] = []
    for template in fleet.templates:
        decision = bound.get(template.key)
        if decision is None:
            if template.key not in skipped:
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
        workload = decision.binding.replicas > 0 or workloads.has_replica_requirements(
            template.group, template.kind, template.body
        )
        revise = workload and decision.via != DEPENDENCY and not decision.replicas_by_overrides
        completions = _job_completions(template, decision)
        policies_key = policy_sets.setdefault(tuple(id(p) for p in policies), len(policy_sets))
        targets: list[Placed] = []
        for target in decision.binding.clusters:
            cache_key = (policies_key, template.kind, target.name)
            cached = rules_cache.get(cache_key)
            if cached is None:
                rules = applicable_rules(policies, clusters[target.name], rule_targets)
                cached = rules_cache[cache_key] = (
                    rules,
                    _owned_paths(rules, template.kind),
                    rules_digest(rules),
                )
            rules, owned, rules_id = cached
            entry = (target.replicas, completions.get(target.name, -1), revise, rules_id)
            digests.add(template.key, target.name, entry)
            if only is None or target.name in only:
                targets.append((target, rules, owned))
        work.append((template, decision, revise, completions, targets))
    reused = frozenset(
        name
        for name, digest in digests.clusters().items()
        if reuse is not None and reuse.cluster_digests.get(name) == digest
    )
    if reuse is not None and reuse.changed_templates:
        # A cluster holding a changed template is made again (its digest leaves bodies out).
        touched = {
            target.name
            for template, decision, _, _, _ in work
            if template.key in reuse.changed_templates
            for target in decision.binding.clusters
        }
        reused -= touched
    for name in reused:
        objects.pop(name, None)
    for template, _, revise, completions, targets in work:
        for target, rules, owned in targets:
            if target.name in reused:
                continue
            cluster = clusters[target.name]
            # Overrides get their own copy of the parts they can change; spec is always
            # the copy's own (replicas); the rest stays shared with the template.
            body = _own_copy(template.body, owned)
            if revise:
                workloads.revise_replicas(template.group, template.kind, body, target.replicas)
            if target.name in completions:
                body["spec"]["completions"] = completions[target.name]
            steps: list[tuple[str, list[Change]]] | None = [] if trace else None
            try:
                body, applied = apply_overrides(body, rules, cluster, template.key, steps)
            except UserError as exc:
                problems.extend(exc)
                continue
            if plaintext_secret(body):
                problems.add(
                    template.source,
                    f"overrides put plaintext data into Secret {template.key} for cluster "
                    f"{target.name}; plaintext Secrets do not go to rendered/",
                )
                continue
            recorded = tuple((rule, tuple(found)) for rule, found in steps or ())
            objects[target.name].append(
                RenderedObject(template.key, body, tuple(applied), recorded)
            )
    for cluster in fleet.clusters:
        if cluster.gitops and cluster.name in objects:
            # The cluster manages its own pull: its bootstrap objects go to its folder.
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
                objects[cluster.name].append(RenderedObject(key, body, ()))
    problems.raise_if_any()
    return Compiled(
        objects,
        tuple(decisions),
        tuple(unmatched),
        tuple(skipped),
        tuple(warnings),
        digests,
        reused,
    )


def inventory_warnings(fleet: Fleet) -> list[str]:
    """Clusters that will surprise: no API list (they receive nothing), or not Ready."""
    warnings = []
    for cluster in fleet.clusters:
        if cluster.dialect != KARMADA:
            if not cluster.ready:
                warnings.append(
                    f"{cluster.source}: warning: cluster {cluster.name} is not Ready "
                    "(status.conditions): nothing is written for it"
                )
            continue
        if not cluster.api_enablements:
            warnings.append(
                f"{cluster.source}: warning: cluster {cluster.name} has no "
                "status.apiEnablements, so no policy can place anything on it"
            )
        for taint in cluster.taints:
            if taint.key.startswith("cluster.karmada.io/") and taint.key.endswith(
                ("not-ready", "unreachable")
            ):
                warnings.append(
                    f"{cluster.source}: warning: cluster {cluster.name} is not Ready "
                    f"(status.conditions): it carries the taint {taint.key}:{taint.effect}"
                )
    return warnings
