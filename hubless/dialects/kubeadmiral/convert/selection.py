"""KubeAdmiral's cluster selection (clusterSelector, clusterAffinity terms, placement names,
override targetClusters) as a Karmada ClusterAffinity, when one says the same.

A single ClusterSelectorTerm maps exactly: In/NotIn/Exists/DoesNotExist become label
selector expressions, a `metadata.name` field In/NotIn becomes clusterNames/exclude, and a
term with neither selects nothing (as KubeAdmiral defines it). Terms are ORed, which one
ClusterAffinity cannot say unless every term only names clusters (then the names unite).
Gt/Lt have no label selector form. Those cases raise Inexpressible; callers then list the
clusters that match today (`selects`) and report the gap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hubless.convert.affinity import (
    EVERYTHING,
    LABEL_OPERATORS,
    NOTHING,
    Affinity,
    Inexpressible,
    requirement_matches,
)
from hubless.convert.core import as_dict, as_list

_NAME_FIELD = "metadata.name"
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_PREFIX = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class Invalid(Exception):
    """Kubernetes' label validation rejects the requirement: KubeAdmiral reports an error."""


def valid_label_key(key: str) -> bool:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _PREFIX.fullmatch(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED.fullmatch(name))


def valid_label_value(value: str) -> bool:
    return value == "" or (len(value) <= 63 and bool(_QUALIFIED.fullmatch(value)))


def _requirement(item: Any) -> tuple[str, str, tuple[str, ...]]:
    item = as_dict(item)
    key, operator = str(item.get("key", "")), str(item.get("operator", ""))
    values = tuple(str(v) for v in as_list(item.get("values")))
    if not valid_label_key(key) or not all(valid_label_value(v) for v in values):
        raise Invalid(f"requirement {key!r}: not a valid label key or value")
    if operator in ("In", "NotIn") and not values:
        raise Invalid(f"requirement {key!r}: {operator} needs values")
    if operator in ("Exists", "DoesNotExist") and values:
        raise Invalid(f"requirement {key!r}: {operator} takes no values")
    if operator in ("Gt", "Lt"):
        if len(values) != 1 or not values[0].lstrip("-").isdigit():
            raise Invalid(f"requirement {key!r}: {operator} needs one integer")
    elif operator not in LABEL_OPERATORS:
        raise Invalid(f"requirement {key!r}: unknown operator {operator!r}")
    return key, operator, values


def _field(item: Any) -> tuple[str, str, str]:
    item = as_dict(item)
    key, operator = str(item.get("key", "")), str(item.get("operator", ""))
    values = [str(v) for v in as_list(item.get("values"))]
    if operator not in ("In", "NotIn") or len(values) != 1:
        raise Invalid(f"matchFields {key!r}: needs In or NotIn with exactly one value")
    return key, operator, values[0]


def term_affinity(term: Any) -> Affinity:
    """One ClusterSelectorTerm. Raises Invalid or Inexpressible."""
    term = as_dict(term)
    expressions = as_list(term.get("matchExpressions"))
    fields = as_list(term.get("matchFields"))
    if not expressions and not fields:
        return NOTHING  # KubeAdmiral: an empty term selects nothing
    affinity = EVERYTHING
    for item in expressions:
        key, operator, values = _requirement(item)
        if operator in ("Gt", "Lt"):
            raise Inexpressible(f"{operator} on label {key} has no Karmada label selector form")
        affinity = affinity.intersect(Affinity(expressions=((key, operator, values),)))
    for item in fields:
        key, operator, value = _field(item)
        if key != _NAME_FIELD:
            raise Inexpressible(f"matchFields on {key!r}: Karmada selects by metadata.name only")
        if operator == "In":
            affinity = affinity.intersect(Affinity(names=frozenset([value])))
        else:
            affinity = affinity.intersect(Affinity(exclude=frozenset([value])))
    return affinity


def _names_only(affinity: Affinity) -> bool:
    return not (affinity.match_labels or affinity.expressions or affinity.exclude)


def terms_affinity(terms: Any) -> Affinity:
    """ORed terms; [] or absent means no constraint. Raises Invalid or Inexpressible."""
    terms = as_list(terms)
    if not terms:
        return EVERYTHING
    affinities = [term_affinity(term) for term in terms]
    if len(affinities) == 1:
        return affinities[0]
    if all(a.nothing or (_names_only(a) and a.names is not None) for a in affinities):
        united = frozenset().union(*(a.names or frozenset() for a in affinities if not a.nothing))
        return Affinity(names=united) if united else NOTHING
    raise Inexpressible(
        f"{len(affinities)} clusterAffinity terms are ORed; one Karmada clusterAffinity ANDs "
        "everything it says"
    )


def selector_affinity(selector: Any) -> Affinity:
    """A clusterSelector map: every key must have that value."""
    selector = as_dict(selector)
    return Affinity(match_labels=tuple((str(k), str(v)) for k, v in selector.items()))


def term_matches(term: Any, name: str, labels: Mapping[str, str]) -> bool:
    """KubeAdmiral's MatchClusterSelectorTerms for one term (invalid: no match)."""
    term = as_dict(term)
    expressions = as_list(term.get("matchExpressions"))
    fields = as_list(term.get("matchFields"))
    if not expressions and not fields:
        return False
    try:
        for item in expressions:
            key, operator, values = _requirement(item)
            if not requirement_matches(operator, labels.get(key), values):
                return False
        for item in fields:
            key, operator, value = _field(item)
            have = name if key == _NAME_FIELD else ""
            if (have == value) != (operator == "In"):
                return False
    except Invalid:
        return False
    return True


def selects(
    cluster_selector: Any,
    names: list[str] | None,
    terms: Any,
    name: str,
    labels: Mapping[str, str],
) -> bool:
    """Whether KubeAdmiral's filters for these selection fields keep cluster `name`."""
    if any(labels.get(str(k)) != str(v) for k, v in as_dict(cluster_selector).items()):
        return False
    if names and name not in names:
        return False
    terms = as_list(terms)
    return not terms or any(term_matches(t, name, labels) for t in terms)
