"""A Karmada ClusterAffinity under construction, closed under intersection.

Karmada ANDs the parts of one ClusterAffinity (exclude, labelSelector, clusterNames), so
the intersection of two placements written with names and label selectors is again one
ClusterAffinity: name lists intersect, excludes unite, selectors concatenate. What Karmada
cannot say is "no cluster at all" (an empty `clusterNames` means every cluster), so that
case is carried as `nothing` and the caller writes no policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hubless.convert.core import as_dict, as_list

LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class Inexpressible(Exception):
    """The selection has no exact ClusterAffinity form; the message says why."""


@dataclass(frozen=True)
class Affinity:
    names: frozenset[str] | None = None  # None: not limited by name
    exclude: frozenset[str] = frozenset()
    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    impossible: bool = False  # matches no cluster whatever its labels

    @property
    def nothing(self) -> bool:
        """True when no cluster can match, which Karmada's affinity cannot express."""
        if self.impossible:
            return True
        return self.names is not None and not (self.names - self.exclude)

    def intersect(self, other: Affinity) -> Affinity:
        if self.names is None:
            names = other.names
        elif other.names is None:
            names = self.names
        else:
            names = self.names & other.names
        labels = dict(self.match_labels)
        expressions = list(self.expressions)
        for key, value in other.match_labels:
            if key in labels and labels[key] != value:
                # Both must hold: keep the second as an expression, which no cluster meets.
                expressions.append((key, "In", (value,)))
            else:
                labels[key] = value
        for expression in other.expressions:
            if expression not in expressions:
                expressions.append(expression)
        return Affinity(
            names,
            self.exclude | other.exclude,
            tuple(labels.items()),
            tuple(expressions),
            self.impossible or other.impossible,
        )

    def to_karmada(self) -> dict[str, Any]:
        """The ClusterAffinity; {} matches every cluster. Callers check `nothing` first."""
        out: dict[str, Any] = {}
        selector: dict[str, Any] = {}
        if self.match_labels:
            selector["matchLabels"] = dict(self.match_labels)
        if self.expressions:
            selector["matchExpressions"] = [_expression(*e) for e in self.expressions]
        if selector:
            out["labelSelector"] = selector
        if self.names is not None:
            out["clusterNames"] = sorted(self.names - self.exclude)
        elif self.exclude:
            out["exclude"] = sorted(self.exclude)
        return out


def _expression(key: str, operator: str, values: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "operator": operator}
    if operator in ("In", "NotIn"):
        out["values"] = list(values)
    return out


def requirement_matches(operator: str, value: str | None, values: tuple[str, ...]) -> bool:
    """Kubernetes label requirement semantics; Gt/Lt compare integers."""
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            have, bound = int(value), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def names(clusters: list[str]) -> Affinity:
    return Affinity(names=frozenset(clusters))


def from_label_selector(selector: Any) -> Affinity:
    """A metav1.LabelSelector (matchLabels + matchExpressions) as an Affinity."""
    selector = as_dict(selector)
    labels = tuple((str(k), str(v)) for k, v in as_dict(selector.get("matchLabels")).items())
    expressions = []
    for item in as_list(selector.get("matchExpressions")):
        item = as_dict(item)
        operator = str(item.get("operator", ""))
        if operator not in LABEL_OPERATORS:
            raise Inexpressible(f"label selector operator {operator!r} is not a Kubernetes one")
        values = tuple(str(v) for v in as_list(item.get("values")))
        expressions.append((str(item.get("key", "")), operator, values))
    return Affinity(match_labels=labels, expressions=tuple(expressions))


NOTHING = Affinity(impossible=True)
EVERYTHING = Affinity()
