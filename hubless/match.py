"""Which policies apply to a resource template, with Karmada's precedence rules."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from enum import IntEnum
from typing import NamedTuple

from hubless.model import OverridePolicy, PropagationPolicy, ResourceSelector, ResourceTemplate
from hubless.selectors import label_selector_matches


class MatchLevel(IntEnum):
    """How specifically a selector matched; a policy's implicit priority is its best level."""

    MISMATCH = 0
    ALL = 1
    LABEL_SELECTOR = 2
    NAME = 3

    @property
    def label(self) -> str:
        return {0: "no match", 1: "kind only", 2: "labelSelector", 3: "name"}[self.value]


def selector_match(selector: ResourceSelector, template: ResourceTemplate) -> MatchLevel:
    if selector.api_version != template.api_version or selector.kind != template.kind:
        return MatchLevel.MISMATCH
    if selector.namespace is not None and selector.namespace != template.namespace:
        return MatchLevel.MISMATCH
    if selector.name is not None:
        return MatchLevel.NAME if selector.name == template.name else MatchLevel.MISMATCH
    if selector.label_selector is None:
        return MatchLevel.ALL
    if label_selector_matches(selector.label_selector, template.labels):
        return MatchLevel.LABEL_SELECTOR
    return MatchLevel.MISMATCH


def policy_match(selectors: Iterable[ResourceSelector], template: ResourceTemplate) -> MatchLevel:
    return max((selector_match(s, template) for s in selectors), default=MatchLevel.MISMATCH)


class Contender(NamedTuple):
    """A propagation policy that matched a template, and how it fared."""

    policy: PropagationPolicy
    level: MatchLevel
    outcome: str  # "won", or why it lost to the winner
    claim: str = ""  # for the winner: how the claim of the last render decided


def _rank_key(policy: PropagationPolicy, level: MatchLevel) -> tuple[int, int, str]:
    # Highest explicit priority, then best match level, then smallest name.
    return (-policy.priority, -level, policy.ref.name)


def _why_lost(winner: Contender, policy: PropagationPolicy, level: MatchLevel) -> str:
    if winner.policy.cluster_scoped != policy.cluster_scoped:
        return "a PropagationPolicy of the namespace beats every ClusterPropagationPolicy"
    if policy.priority != winner.policy.priority:
        return f"lower priority ({policy.priority} < {winner.policy.priority})"
    if level != winner.level:
        return f"less specific match ({level.label} < {winner.level.label})"
    return f"same priority and match; {winner.policy.ref.name!r} sorts first by name"


def _names(policy: PropagationPolicy, template: ResourceTemplate) -> bool:
    """Whether a selector names the template: Karmada's preemption fetches the templates
    a policy's selectors name, and only those."""
    return any(
        s.name is not None and selector_match(s, template) is MatchLevel.NAME
        for s in policy.resource_selectors
    )


def _cannot_preempt(
    policy: PropagationPolicy, holder: PropagationPolicy, template: ResourceTemplate, gate: bool
) -> str:
    """Why `policy` cannot take the template from `holder`, or "" when it preempts it."""
    if not policy.preemption:
        return "preemption is Never"
    if not gate:
        return "preemption: Always needs the PropagationPolicyPreemption feature gate"
    if not _names(policy, template):
        return "preemption takes only what a resourceSelector names"
    if policy.cluster_scoped and not holder.cluster_scoped:
        return "a ClusterPropagationPolicy cannot preempt a PropagationPolicy"
    if policy.cluster_scoped == holder.cluster_scoped and policy.priority <= holder.priority:
        return f"priority {policy.priority} does not exceed {holder.priority}"
    return ""  # a PropagationPolicy preempts a ClusterPropagationPolicy whatever the priority


def rank_propagation_policies(
    template: ResourceTemplate,
    policies: Iterable[PropagationPolicy],
    claimed: str = "",
    preemption: bool = False,
) -> list[Contender]:
    """Every matching policy, the winner first.

    Unclaimed, a matching PropagationPolicy of the template's namespace beats any
    ClusterPropagationPolicy, whatever their priorities. `claimed` is the policy that won
    at the last render (as `str(policy.ref)`): while it still matches, it keeps the
    template unless another preempts it (`preemption` is Karmada's
    PropagationPolicyPreemption gate)."""
    local: list[tuple[PropagationPolicy, MatchLevel]] = []
    cluster_wide: list[tuple[PropagationPolicy, MatchLevel]] = []
    for policy in policies:
        if (template.owner or policy.ref) != policy.ref:
            continue  # a generated object is placed by its own policy only
        if policy.cluster_scoped:
            table = cluster_wide
        elif template.namespace and policy.ref.namespace == template.namespace:
            table = local
        else:
            continue
        level = policy_match(policy.resource_selectors, template)
        if level is not MatchLevel.MISMATCH:
            table.append((policy, level))
    ordered = sorted(local, key=lambda pl: _rank_key(*pl)) + sorted(
        cluster_wide, key=lambda pl: _rank_key(*pl)
    )
    if not ordered:
        return []
    holder = next((i for i, (p, _) in enumerate(ordered) if str(p.ref) == claimed), None)
    if holder is not None:
        contest = _claimed(template, ordered, holder, preemption)
        if contest[0].policy is not ordered[0][0] or holder != 0:
            return contest
    # Unclaimed (new, or its policy is gone or no longer matches it), or held by the policy
    # that would win anyway: the best match, for the usual reasons.
    winner = Contender(ordered[0][0], ordered[0][1], "won")
    return [winner] + [Contender(p, lv, _why_lost(winner, p, lv)) for p, lv in ordered[1:]]


def _claimed(
    template: ResourceTemplate,
    ordered: list[tuple[PropagationPolicy, MatchLevel]],
    holder: int,
    gate: bool,
) -> list[Contender]:
    """The claim of the last render, and the preemptions that take it over. Karmada
    preempts on every policy event; the result it settles on is reached here by letting
    the best-ranked preemptor take the template until none can."""
    first = current = holder
    preempted: list[str] = []
    while True:
        taker = next(
            (
                i
                for i, (p, _) in enumerate(ordered)
                if i != current and not _cannot_preempt(p, ordered[current][0], template, gate)
            ),
            None,
        )
        if taker is None:
            break
        preempted.append(str(ordered[current][0].ref))
        current = taker
    policy, level = ordered[current]
    if current == first:
        claim = "claimed it at the last render and keeps it"
    else:
        claim = f"preempted {' then '.join(preempted)}, which claimed it at the last render"
    winner = Contender(policy, level, "won", claim)
    losers = []
    for i, (p, lv) in enumerate(ordered):
        if i == current:
            continue
        if i == first or str(p.ref) in preempted:
            why = f"preempted by {policy.ref}"
        else:
            why = f"{policy.ref} holds it and {_cannot_preempt(p, policy, template, gate)}"
        losers.append(Contender(p, lv, why))
    return [winner, *losers]


class OverridePolicyIndex:
    """The override policies that apply to each template, in the order they apply:
    ClusterOverridePolicies, then OverridePolicies of the template's namespace, each sorted
    by how specifically they match (ascending: the most specific applies last and wins),
    then by name.

    A policy whose selectors name no object and select no labels matches every template of
    a group/version, kind and namespace alike: those are matched once per such triple, and
    only the others per template. Within one namespace (or among cluster-wide policies)
    names are unique, so the (level, name) order does not depend on how lists were joined.
    """

    def __init__(self, policies: Iterable[OverridePolicy]) -> None:
        policies = list(policies)
        self._by_ref = {policy.ref: policy for policy in policies}
        self._groups: dict[str | None, tuple[list[OverridePolicy], list[OverridePolicy]]] = {}
        for policy in policies:
            group = None if policy.cluster_scoped else policy.ref.namespace
            alike, others = self._groups.setdefault(group, ([], []))
            plain = all(
                s.name is None and s.label_selector is None for s in policy.resource_selectors
            )
            (alike if plain else others).append(policy)
        # The alike policies matching a (group, apiVersion, kind, namespace), sorted: their
        # (level, name) keys and the policies, in the same order.
        self._alike: dict[
            tuple[str | None, str, str, str],
            tuple[list[tuple[MatchLevel, str]], list[OverridePolicy]],
        ] = {}

    def _ordered(self, group: str | None, template: ResourceTemplate) -> list[OverridePolicy]:
        alike, others = self._groups.get(group, ([], []))
        key = (group, template.api_version, template.kind, template.namespace)
        known = self._alike.get(key)
        if known is None:
            matched = sorted(
                ((level, policy.ref.name), policy)
                for policy in alike
                for level in [_level(policy, template)]
                if level is not MatchLevel.MISMATCH
            )
            known = self._alike[key] = ([k for k, _ in matched], [p for _, p in matched])
        keys, ordered = known
        if not others:
            return list(ordered)
        keys, ordered = list(keys), list(ordered)
        # Names are unique within a group, so no two keys are equal: inserting each of the
        # others where it sorts is the sort of the whole list.
        for policy in others:
            level = _level(policy, template)
            if level is MatchLevel.MISMATCH:
                continue
            at = bisect.bisect_right(keys, (level, policy.ref.name))
            keys.insert(at, (level, policy.ref.name))
            ordered.insert(at, policy)
        return ordered

    def for_template(self, template: ResourceTemplate) -> list[OverridePolicy]:
        """ClusterOverridePolicies first, then OverridePolicies of the template's namespace."""
        if template.owner is not None:  # a generated object: its own policy's rules only
            own = self._by_ref.get(template.owner)
            return [own] if own is not None else []
        cluster_wide = self._ordered(None, template)
        if not template.namespace:
            return cluster_wide
        return cluster_wide + self._ordered(template.namespace, template)


def _level(policy: OverridePolicy, template: ResourceTemplate) -> MatchLevel:
    if not policy.resource_selectors:
        return MatchLevel.ALL  # no selectors: every resource (of the namespace)
    return policy_match(policy.resource_selectors, template)
