"""Label selectors, Karmada's cluster field selectors, ClusterAffinity, taints/tolerations."""

from __future__ import annotations

from collections.abc import Mapping

from hubless.model import Cluster, ClusterAffinity, LabelSelector, Requirement, Taint, Toleration

IN, NOT_IN, EXISTS, DOES_NOT_EXIST = "In", "NotIn", "Exists", "DoesNotExist"
LABEL_OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST)
FIELD_KEYS = ("provider", "region", "zone")


def requirement_matches(requirement: Requirement, labels: Mapping[str, str]) -> bool:
    """Kubernetes semantics: NotIn and DoesNotExist match when the key is absent."""
    present = requirement.key in labels
    if requirement.operator == IN:
        return present and labels[requirement.key] in requirement.values
    if requirement.operator == NOT_IN:
        return not present or labels[requirement.key] not in requirement.values
    if requirement.operator == EXISTS:
        return present
    if requirement.operator == DOES_NOT_EXIST:
        return not present
    return False


def label_selector_matches(selector: LabelSelector, labels: Mapping[str, str]) -> bool:
    """An empty selector matches everything."""
    for key, value in selector.match_labels:
        if labels.get(key) != value:
            return False
    return all(requirement_matches(r, labels) for r in selector.match_expressions)


def describe_selector(selector: LabelSelector | None) -> str:
    """The selector as Kubernetes prints one (`app=web,tier in (a,b),!legacy`)."""
    if selector is None:
        return "<none>"
    parts = [(key, f"{key}={value}") for key, value in selector.match_labels]
    for r in selector.match_expressions:
        values = ",".join(sorted(r.values))
        shown = {
            IN: f"{r.key} in ({values})",
            NOT_IN: f"{r.key} notin ({values})",
            EXISTS: r.key,
            DOES_NOT_EXIST: f"!{r.key}",
        }.get(r.operator, f"{r.key} {r.operator} ({values})")
        parts.append((r.key, shown))
    return ",".join(text for _, text in sorted(parts)) or "<everything>"


def _zone_matches(requirement: Requirement, zones: tuple[str, ...]) -> bool:
    if requirement.operator == IN:
        return any(zone in requirement.values for zone in zones)
    if requirement.operator == NOT_IN:
        return not any(zone in requirement.values for zone in zones)
    if requirement.operator == EXISTS:
        return bool(zones)
    if requirement.operator == DOES_NOT_EXIST:
        return not zones
    return False


def field_selector_matches(requirements: tuple[Requirement, ...], cluster: Cluster) -> bool:
    """`zone` is tested against spec.zones; other keys against {provider, region}."""
    fields = {k: v for k, v in (("provider", cluster.provider), ("region", cluster.region)) if v}
    for requirement in requirements:
        if requirement.key == "zone":
            if not _zone_matches(requirement, cluster.zones):
                return False
        elif not requirement_matches(requirement, fields):
            return False
    return True


def _values(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(values) + "]"


def _requirement_mismatch(requirement: Requirement, labels: Mapping[str, str], what: str) -> str:
    key = requirement.key
    if key not in labels:
        return f"{what} {key} is missing ({requirement.operator} {_values(requirement.values)})"
    if requirement.operator == DOES_NOT_EXIST:
        return f"{what} {key} exists (DoesNotExist)"
    verb = "not in" if requirement.operator == IN else "is in NotIn"
    return f"{what} {key}={labels[key]} {verb} {_values(requirement.values)}"


def affinity_mismatch(affinity: ClusterAffinity, cluster: Cluster) -> str | None:
    """Why `cluster` fails Karmada's ClusterMatches, or None when it matches."""
    if cluster.name in affinity.exclude:
        return "the cluster is in exclude"
    if affinity.label_selector is not None:
        for key, value in affinity.label_selector.match_labels:
            if cluster.labels.get(key) != value:
                have = cluster.labels.get(key)
                now = f"{key}={have}" if have is not None else f"{key} is missing"
                return f"label {now}, matchLabels wants {key}={value}"
        for requirement in affinity.label_selector.match_expressions:
            if not requirement_matches(requirement, cluster.labels):
                return _requirement_mismatch(requirement, cluster.labels, "label")
    if affinity.field_selector is not None:
        for requirement in affinity.field_selector:
            if not field_selector_matches((requirement,), cluster):
                if requirement.key == "zone":
                    wanted = f"{requirement.operator} {_values(requirement.values)}"
                    return f"zones {_values(cluster.zones)} do not match {wanted}"
                fields = {"provider": cluster.provider, "region": cluster.region}
                present = {k: v for k, v in fields.items() if v}
                return _requirement_mismatch(requirement, present, "field")
    if affinity.cluster_names and cluster.name not in affinity.cluster_names:
        return f"not in clusterNames {_values(affinity.cluster_names)}"
    return None


def cluster_matches(affinity: ClusterAffinity, cluster: Cluster) -> bool:
    """Karmada's ClusterMatches: exclude, labelSelector, fieldSelector, clusterNames."""
    return affinity_mismatch(affinity, cluster) is None


def tolerates(toleration: Toleration, taint: Taint) -> bool:
    """Kubernetes ToleratesTaint: empty effect/key are wildcards; Exists ignores value."""
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    return toleration.operator in ("", "Equal") and toleration.value == taint.value
