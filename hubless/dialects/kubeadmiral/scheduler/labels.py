"""Cluster selector terms as KubeAdmiral evaluates them: Kubernetes label requirements
(validated like labels.NewRequirement) and the metadata.name field selector."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from hubless import selectors
from hubless.dialects.kubeadmiral.scheduler.types import ClusterSelectorTerm
from hubless.model import Requirement

IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT = "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"
LABEL_OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT)
NAME_FIELD = "metadata.name"

_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_INT64 = (-(2**63), 2**63 - 1)


class InvalidSelector(ValueError):
    """A requirement Kubernetes would refuse to build."""


def parse_int64(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64) (also Atoi on 64-bit): None when it fails."""
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if _INT64[0] <= number <= _INT64[1] else None


def _qualified_name_problem(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) > 2:
        return "a qualified name has at most one '/'"
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            return "the prefix before '/' is empty"
        if len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix):
            return f"prefix {prefix!r} is not a DNS subdomain"
    if not name:
        return "the name is empty"
    if len(name) > 63:
        return "the name is longer than 63 characters"
    if not _NAME.fullmatch(name):
        return f"name {name!r} must be alphanumeric with '-', '_' or '.' inside"
    return None


def _label_value_problem(value: str) -> str | None:
    if len(value) > 63:
        return f"value {value!r} is longer than 63 characters"
    if value and not _NAME.fullmatch(value):
        return f"value {value!r} must be alphanumeric with '-', '_' or '.' inside"
    return None


def requirement_problem(requirement: Requirement) -> str | None:
    """Why Kubernetes rejects this label requirement, or None when it is valid."""
    key, operator, values = requirement
    problem = _qualified_name_problem(key)
    if problem is not None:
        return f"key {key!r}: {problem}"
    if operator not in LABEL_OPERATORS:
        return f"operator {operator!r} is not one of {', '.join(LABEL_OPERATORS)}"
    if operator in (IN, NOT_IN) and not values:
        return f"{operator} needs at least one value"
    if operator in (EXISTS, DOES_NOT_EXIST) and values:
        return f"{operator} takes no values"
    if operator in (GT, LT):
        if len(values) != 1:
            return f"{operator} needs exactly one value"
        if parse_int64(values[0]) is None:
            return f"{operator} value {values[0]!r} is not an integer"
    for value in values:
        problem = _label_value_problem(value)
        if problem is not None:
            return problem
    return None


def requirement_matches(requirement: Requirement, labels: Mapping[str, str]) -> bool:
    """A valid requirement against a label set; NotIn and DoesNotExist match an absent key."""
    key, operator, values = requirement
    if operator not in (GT, LT):
        return selectors.requirement_matches(requirement, labels)
    if key not in labels:
        return False
    # Gt / Lt compare as integers, so "0206" > "0204"; a label that is no integer never matches.
    have, want = parse_int64(labels[key]), parse_int64(values[0])
    if have is None or want is None:
        return False
    return have > want if operator == GT else have < want


def expressions_match(expressions: Sequence[Requirement], labels: Mapping[str, str]) -> bool:
    """matchExpressions, ANDed; an empty list matches nothing. Raises InvalidSelector when any
    requirement is invalid, even if an earlier one already fails to match."""
    if not expressions:
        return False
    for requirement in expressions:
        problem = requirement_problem(requirement)
        if problem is not None:
            raise InvalidSelector(problem)
    return all(requirement_matches(r, labels) for r in expressions)


def fields_match(requirements: Sequence[Requirement], name: str) -> bool:
    """matchFields against the one selectable field, metadata.name; an unknown field reads as
    the empty string. Raises InvalidSelector for another operator or a value count != 1."""
    fields = {NAME_FIELD: name}
    for _, operator, values in requirements:
        if operator not in (IN, NOT_IN):
            raise InvalidSelector(f"field selector operator {operator!r} is not In or NotIn")
        if len(values) != 1:
            raise InvalidSelector(f"field selector {operator} needs exactly one value")
    return all(
        (fields.get(key, "") == values[0]) == (operator == IN)
        for key, operator, values in requirements
    )


def terms_match(terms: Sequence[ClusterSelectorTerm], labels: Mapping[str, str], name: str) -> bool:
    """Required cluster selector terms, ORed; an empty term is skipped and no terms match
    nothing. Terms are tried in order, so an invalid term only raises InvalidSelector when no
    earlier term matched; in a term, expressions are checked before fields."""
    for term in terms:
        if not term.match_expressions and not term.match_fields:
            continue
        if term.match_expressions and not expressions_match(term.match_expressions, labels):
            continue
        if term.match_fields and not fields_match(term.match_fields, name):
            continue
        return True
    return False
