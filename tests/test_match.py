"""Karmada's policy precedence: one propagation policy per template, override order."""

from __future__ import annotations

from collections.abc import Iterable

from hubless.errors import Source
from hubless.match import (
    MatchLevel,
    OverridePolicyIndex,
    policy_match,
    rank_propagation_policies,
    selector_match,
)
from hubless.model import (
    CLUSTER_OVERRIDE_POLICY,
    CLUSTER_PROPAGATION_POLICY,
    OVERRIDE_POLICY,
    PROPAGATION_POLICY,
    LabelSelector,
    OverridePolicy,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ResourceSelector,
    ResourceTemplate,
)

SRC = Source("policies/p.yaml", 1)


def propagation_policy_for(
    template: ResourceTemplate, policies: Iterable[PropagationPolicy]
) -> PropagationPolicy | None:
    """The one policy Karmada would bind the template with."""
    ranked = rank_propagation_policies(template, policies)
    return ranked[0].policy if ranked else None


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
    """Karmada's override order written plainly, policy by policy: the reference the
    index is checked against. ClusterOverridePolicies first, then OverridePolicies of the
    template's namespace."""
    policies = list(policies)
    cluster_wide = _ordered((p for p in policies if p.cluster_scoped), template)
    if not template.namespace:
        return cluster_wide
    namespaced = _ordered(
        (p for p in policies if not p.cluster_scoped and p.ref.namespace == template.namespace),
        template,
    )
    return cluster_wide + namespaced


def template(
    name: str = "web", namespace: str = "shop", labels: dict[str, str] | None = None
) -> ResourceTemplate:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
    }
    return ResourceTemplate("apps/v1", "Deployment", namespace, name, body, SRC)


def by_name(name: str = "web") -> ResourceSelector:
    return ResourceSelector("apps/v1", "Deployment", name=name)


def by_label(**labels: str) -> ResourceSelector:
    return ResourceSelector(
        "apps/v1", "Deployment", label_selector=LabelSelector(tuple(labels.items()))
    )


def by_kind(namespace: str | None = None) -> ResourceSelector:
    return ResourceSelector("apps/v1", "Deployment", namespace=namespace)


def pp(
    name: str, *selectors: ResourceSelector, priority: int = 0, namespace: str = "shop"
) -> PropagationPolicy:
    return PropagationPolicy(
        PolicyRef(PROPAGATION_POLICY, namespace, name), SRC, selectors, Placement(), priority
    )


def cpp(name: str, *selectors: ResourceSelector, priority: int = 0) -> PropagationPolicy:
    return PropagationPolicy(
        PolicyRef(CLUSTER_PROPAGATION_POLICY, "", name), SRC, selectors, Placement(), priority
    )


def test_selector_levels() -> None:
    t = template(labels={"app": "web"})
    assert selector_match(by_name(), t) is MatchLevel.NAME
    assert selector_match(by_name("other"), t) is MatchLevel.MISMATCH
    assert selector_match(by_label(app="web"), t) is MatchLevel.LABEL_SELECTOR
    assert selector_match(by_label(app="db"), t) is MatchLevel.MISMATCH
    assert selector_match(by_kind(), t) is MatchLevel.ALL
    assert selector_match(by_kind("other-ns"), t) is MatchLevel.MISMATCH
    # apiVersion is compared as a whole string
    assert selector_match(ResourceSelector("apps/v1beta1", "Deployment"), t) is MatchLevel.MISMATCH
    # name wins even when the label selector would not match
    named = ResourceSelector(
        "apps/v1", "Deployment", name="web", label_selector=LabelSelector((("app", "db"),))
    )
    assert selector_match(named, t) is MatchLevel.NAME


def test_namespaced_policy_beats_cluster_policy_of_higher_priority() -> None:
    winner = propagation_policy_for(
        template(),
        [cpp("a-cluster", by_name(), priority=100), pp("z-local", by_kind(), priority=-5)],
    )
    assert winner is not None and winner.ref.name == "z-local"


def test_namespaced_policy_of_another_namespace_does_not_apply() -> None:
    winner = propagation_policy_for(
        template(), [pp("other", by_kind(), namespace="data"), cpp("fallback", by_kind())]
    )
    assert winner is not None and winner.ref.name == "fallback"


def test_explicit_priority_beats_match_level() -> None:
    winner = propagation_policy_for(
        template(labels={"app": "web"}),
        [pp("by-name", by_name()), pp("by-kind", by_kind(), priority=1)],
    )
    assert winner is not None and winner.ref.name == "by-kind"


def test_match_level_breaks_priority_ties() -> None:
    t = template(labels={"app": "web"})
    policies = [pp("a", by_kind()), pp("b", by_label(app="web")), pp("c", by_name())]
    winner = propagation_policy_for(t, policies)
    assert winner is not None and winner.ref.name == "c"
    winner = propagation_policy_for(t, policies[:2])
    assert winner is not None and winner.ref.name == "b"


def test_policy_level_is_its_best_selector() -> None:
    t = template(labels={"app": "web"})
    winner = propagation_policy_for(
        t, [pp("a", by_label(app="web")), pp("b", by_kind(), by_name())]
    )
    assert winner is not None and winner.ref.name == "b"


def test_name_order_breaks_remaining_ties_in_byte_order() -> None:
    t = template()
    for names, expected in ((["abc", "ab"], "ab"), (["a", "B"], "B"), (["b2", "b10"], "b10")):
        winner = propagation_policy_for(t, [pp(n, by_kind()) for n in names])
        assert winner is not None and winner.ref.name == expected


def test_no_matching_policy() -> None:
    assert propagation_policy_for(template(), [pp("x", by_name("other"))]) is None


def test_cluster_scoped_template_only_sees_cluster_policies() -> None:
    body = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "r"},
    }
    role = ResourceTemplate("rbac.authorization.k8s.io/v1", "ClusterRole", "", "r", body, SRC)
    selector = ResourceSelector("rbac.authorization.k8s.io/v1", "ClusterRole")
    assert propagation_policy_for(role, [pp("p", selector)]) is None
    winner = propagation_policy_for(role, [cpp("c", selector)])
    assert winner is not None and winner.ref.name == "c"
    # a selector with a namespace never matches a cluster-scoped object
    namespaced = ResourceSelector("rbac.authorization.k8s.io/v1", "ClusterRole", namespace="x")
    assert propagation_policy_for(role, [cpp("c", namespaced)]) is None


def op(name: str, *selectors: ResourceSelector, namespace: str = "shop") -> OverridePolicy:
    return OverridePolicy(PolicyRef(OVERRIDE_POLICY, namespace, name), SRC, selectors, ())


def cop(name: str, *selectors: ResourceSelector) -> OverridePolicy:
    return OverridePolicy(PolicyRef(CLUSTER_OVERRIDE_POLICY, "", name), SRC, selectors, ())


def test_override_order_cluster_first_then_level_ascending_then_name() -> None:
    t = template(labels={"app": "web"})
    policies = [
        op("a-by-name", by_name()),
        op("b-empty"),  # no selectors: every resource of the namespace, as MatchAll
        op("c-by-label", by_label(app="web")),
        op("d-all", by_kind()),
        op("e-miss", by_name("other")),
        op("f-other-namespace", namespace="data"),
        cop("z-cluster", by_name()),
        cop("y-cluster-all"),
    ]
    ordered = [p.ref.name for p in override_policies_for(t, policies)]
    assert ordered == ["y-cluster-all", "z-cluster", "b-empty", "d-all", "c-by-label", "a-by-name"]
    assert OverridePolicyIndex(policies).for_template(t) == override_policies_for(t, policies)


def test_the_index_orders_as_policy_by_policy_matching_does() -> None:
    policies = [
        op("m-label", by_label(app="web")),
        op("k-kind", by_kind()),
        op("k-kind-data", by_kind(namespace="data"), namespace="data"),
        op("a-name", by_name("api")),
        op("z-empty"),
        op("b-kind-and-name", by_kind(), by_name("web")),
        cop("c-kind", by_kind()),
        cop("c-label", by_label(tier="1")),
        cop("a-empty"),
        cop("d-kind-shop", by_kind(namespace="shop")),
    ]
    index = OverridePolicyIndex(policies)
    for name in ("web", "api", "db"):
        for namespace in ("shop", "data", ""):
            for labels in ({}, {"app": "web"}, {"tier": "1", "app": "web"}):
                t = template(name, namespace, labels)
                expected = override_policies_for(t, policies)
                # Asked twice: the second answer comes from what the first remembered.
                assert index.for_template(t) == expected
                assert index.for_template(t) == expected
