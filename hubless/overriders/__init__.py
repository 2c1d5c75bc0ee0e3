"""Override policies applied to one per-cluster copy, in Karmada's fixed order.

Order: the policies as `match.OverridePolicyIndex` lists them (ClusterOverridePolicies,
then OverridePolicies; each kind sorted by match level ascending, then name); each
policy's rules in list order, a rule only when its targetCluster matches; within a rule,
the overriders in Karmada's order: image, command, args, labels, annotations, field,
plaintext; within each, entries in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hubless.errors import UserError
from hubless.jsonvalue import deep_copy
from hubless.model import Cluster, OverridePolicy, Overriders, OverrideRule, ResourceKey
from hubless.overriders import command_args, field, image, labels_annotations, plaintext
from hubless.overriders.failure import OverrideFailure
from hubless.pointer import escape
from hubless.selectors import cluster_matches

# (name as written in a policy, how to apply, which entries of a rule) in Karmada's order.
STEPS: tuple[
    tuple[
        str, Callable[[dict[str, Any], Any], dict[str, Any]], Callable[[Overriders], Sequence[Any]]
    ],
    ...,
] = (
    ("imageOverrider", image.apply, lambda o: o.image),
    ("commandOverrider", command_args.apply_command, lambda o: o.command),
    ("argsOverrider", command_args.apply_args, lambda o: o.args),
    ("labelsOverrider", labels_annotations.apply_labels, lambda o: o.labels),
    ("annotationsOverrider", labels_annotations.apply_annotations, lambda o: o.annotations),
    ("fieldOverrider", field.apply, lambda o: o.field),
    ("plaintext", plaintext.apply, lambda o: o.plaintext),
)


class RuleTargets:
    """Which rules apply on which cluster, worked out once per compile.

    Rules with a targetCluster are indexed by the clusters they match, so finding the
    rules for one cluster looks at those and the untargeted rules only."""

    def __init__(self, policies: Sequence[OverridePolicy], clusters: Sequence[Cluster]) -> None:
        self._rules_by_cluster: dict[str, list[tuple[OverridePolicy, OverrideRule]]] = {
            c.name: [] for c in clusters
        }
        self._numbers: dict[tuple[int, ...], int] = {}
        self._policy_sets: list[tuple[dict[int, int], list[tuple[OverridePolicy, OverrideRule]]]]
        self._policy_sets = []
        by_name = {cluster.name: cluster for cluster in clusters}
        for policy in policies:
            for rule in policy.rules:
                target = rule.target_cluster
                if target is None:
                    continue
                # A clusterNames list names the only clusters that can match.
                candidates = (
                    [by_name[n] for n in sorted(set(target.cluster_names)) if n in by_name]
                    if target.cluster_names
                    else clusters
                )
                for cluster in candidates:
                    if cluster_matches(target, cluster):
                        self._rules_by_cluster[cluster.name].append((policy, rule))

    def policy_set(self, policies: Sequence[OverridePolicy]) -> int:
        """A small number standing for a list of policies, the same for the same list.

        Many templates (and every cluster) share one policy list, and fleets with a policy
        per cluster give lists of a thousand entries: too long to index once per object."""
        ids = tuple(id(policy) for policy in policies)
        number = self._numbers.get(ids)
        if number is None:
            number = self._numbers[ids] = len(self._policy_sets)
            position = {identity: index for index, identity in enumerate(ids)}
            untargeted = [(p, r) for p in policies for r in p.rules if r.target_cluster is None]
            self._policy_sets.append((position, untargeted))
        return number

    def rules_for(
        self, policies: Sequence[OverridePolicy] | int, cluster: Cluster
    ) -> list[tuple[OverridePolicy, OverrideRule]]:
        """applicable_rules, from the index: untargeted rules and this cluster's own.
        `policies` may be given as its `policy_set` number."""
        number = policies if isinstance(policies, int) else self.policy_set(policies)
        position, untargeted = self._policy_sets[number]
        found = list(untargeted)
        found += [
            (p, r) for p, r in self._rules_by_cluster.get(cluster.name, ()) if id(p) in position
        ]
        found.sort(key=lambda pair: (position[id(pair[0])], pair[1].index))
        return found


def applicable_rules(
    policies: Sequence[OverridePolicy], cluster: Cluster, targets: RuleTargets | None = None
) -> list[tuple[OverridePolicy, OverrideRule]]:
    """The rules that apply on `cluster`, in the order they apply."""
    if targets is None:
        targets = RuleTargets(policies, [cluster])
    return targets.rules_for(policies, cluster)


Change = tuple[str, Any, Any]  # (JSON pointer, before, after); None stands for absent


def changes(before: Any, after: Any, path: str = "") -> list[Change]:
    """The leaves that differ between two values, for explaining an override."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[Change] = []
        for key in [*before, *(k for k in after if k not in before)]:
            pointer = f"{path}/{escape(key)}"
            found.extend(changes(before.get(key), after.get(key), pointer))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (a, b) in enumerate(zip(before, after, strict=True)):
            found.extend(changes(a, b, f"{path}/{index}"))
        return found
    return [] if before == after else [(path or "/", before, after)]


def _apply_rule(
    body: dict[str, Any],
    policy: OverridePolicy,
    rule: OverrideRule,
    cluster: Cluster,
    resource: ResourceKey,
) -> dict[str, Any]:
    overriders = rule.overriders
    if not isinstance(overriders, Overriders):  # another dialect applies its own way
        try:
            return overriders.apply(body)
        except OverrideFailure as exc:
            raise UserError.at(
                exc.source or rule.source,
                f"{policy.ref}: cannot override {resource} for cluster {cluster.name}: {exc}",
            ) from None
    for name, apply, entries_of in STEPS:
        entries = entries_of(overriders)
        if not entries:
            continue
        try:
            body = apply(body, entries)
        except OverrideFailure as exc:
            raise UserError.at(
                exc.source or entries[0].source,
                f"{policy.rule_name(rule)} {name}: cannot override "
                f"{resource} for cluster {cluster.name}: {exc}",
            ) from None
    return body


def applied_label(policy: OverridePolicy, rule: OverrideRule) -> str:
    """How the rules that applied are listed: `OverridePolicy/ns/name[0]`."""
    return f"{policy.ref}[{rule.index}]"


def apply_overrides(
    body: dict[str, Any],
    rules: Sequence[tuple[OverridePolicy, OverrideRule]],
    cluster: Cluster,
    resource: ResourceKey,
    trace: list[tuple[str, list[Change]]] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The overridden object and the rules that applied (as `policy[rule]` strings).

    With `trace`, each applied rule's changes are appended to it (for `explain`)."""
    applied: list[str] = []
    for policy, rule in rules:
        before = deep_copy(body) if trace is not None else None
        body = _apply_rule(body, policy, rule, cluster, resource)
        applied.append(applied_label(policy, rule))
        if trace is not None:
            trace.append((applied[-1], changes(before, body)))
    return body, applied
