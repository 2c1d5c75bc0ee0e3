"""Which policies apply to a resource template, with Karmada's precedence rules."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from generator.model import OverridePolicy, PropagationPolicy, ResourceSelector, ResourceTemplate
from generator.selectors import label_selector_matches


class MatchLevel(IntEnum):
    """How specifically a selector matched; a policy's implicit priority is its best level."""

    MISMATCH = 0
    ALL = 1
    LABEL_SELECTOR = 2
    NAME = 3


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


def _best(
    candidates: Iterable[PropagationPolicy], template: ResourceTemplate
) -> PropagationPolicy | None:
    ranked = []
    for policy in candidates:
        level = policy_match(policy.resource_selectors, template)
        if level is not MatchLevel.MISMATCH:
            # Highest explicit priority, then best match level, then smallest name.
            ranked.append(((-policy.priority, -level, policy.ref.name), policy))
    if not ranked:
        return None
    return min(ranked, key=lambda item: item[0])[1]


def propagation_policy_for(
    template: ResourceTemplate, policies: Iterable[PropagationPolicy]
) -> PropagationPolicy | None:
    """A matching PropagationPolicy of the template's namespace always beats any
    ClusterPropagationPolicy, whatever their priorities."""
    policies = list(policies)
    if template.namespace:
        namespaced = [
            p for p in policies if not p.cluster_scoped and p.ref.namespace == template.namespace
        ]
        winner = _best(namespaced, template)
        if winner is not None:
            return winner
    return _best((p for p in policies if p.cluster_scoped), template)


def _ordered(
    policies: Iterable[OverridePolicy], template: ResourceTemplate
) -> list[OverridePolicy]:
    matched = []
    for policy in policies:
        if not policy.resource_selectors:
            level = MatchLevel.ALL  # no selectors: every resource (of the namespace)
        else:
            level = policy_match(policy.resource_selectors, template)
            if level is MatchLevel.MISMATCH:
                continue
        matched.append((level, policy.ref.name, policy))
    # Ascending: the most specific policy is applied last, so it wins.
    matched.sort(key=lambda item: (item[0], item[1]))
    return [policy for _, _, policy in matched]


def override_policies_for(
    template: ResourceTemplate, policies: Iterable[OverridePolicy]
) -> list[OverridePolicy]:
    """ClusterOverridePolicies first, then OverridePolicies of the template's namespace."""
    policies = list(policies)
    cluster_wide = _ordered((p for p in policies if p.cluster_scoped), template)
    if not template.namespace:
        return cluster_wide
    namespaced = _ordered(
        (p for p in policies if not p.cluster_scoped and p.ref.namespace == template.namespace),
        template,
    )
    return cluster_wide + namespaced
