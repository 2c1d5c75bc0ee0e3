"""FederatedResourceQuota -> model, with the rules of Karmada's validating webhook
(pkg/webhook/federatedresourcequota/validating.go) and the Kubernetes quota rules it lifts
(pkg/util/lifted/corevalidation.go, corehelpers.go)."""

from __future__ import annotations

import hashlib
import json
import re
from fractions import Fraction

from hubless import policy_schemas
from hubless.documents import Document, a_yaml_type
from hubless.errors import Problem, Problems, Source
from hubless.fields import Fields
from hubless.quantity import canonical, milli_value, parse_quantity, quantity_format
from hubless.quota.model import Amount, FederatedResourceQuota, StaticAssignment

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

# Kubernetes' standard quota resources (IsStandardQuotaResourceName) ...
_STANDARD_QUOTA = frozenset(
    [
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
        "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
        "limits.ephemeral-storage", "pods", "resourcequotas", "services",
        "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps",
        "services.nodeports", "services.loadbalancers",
    ]
)  # fmt: skip
# ... the standard resource names (IsStandardResourceName): the same plus storage ...
_STANDARD = (_STANDARD_QUOTA - {"requests.storage"}) | {"storage", "requests.storage"}
# ... and those counted in whole units (IsIntegerResourceName, with extended resources).
_INTEGER = frozenset(
    [
        "pods", "resourcequotas", "services", "replicationcontrollers", "secrets",
        "configmaps", "persistentvolumeclaims", "services.nodeports",
        "services.loadbalancers",
    ]
)  # fmt: skip

NAME_MAX = 63  # the quota's name is a label value in Karmada
CLUSTER_NAME_MAX = 48


def _hugepages(name: str) -> bool:
    return name.startswith(("hugepages-", "requests.hugepages-"))


def _extended(name: str) -> bool:
    """IsExtendedResourceName: a qualified name outside kubernetes.io, not requests.*."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    return not _qualified_name_problems(f"requests.{name}")


def _qualified_name_problems(name: str) -> list[str]:
    """IsQualifiedName: an optional DNS-subdomain prefix and '/', then a name part."""
    prefix, slash, short = name.rpartition("/")
    problems = []
    if slash:
        if not prefix:
            problems.append("prefix part must be non-empty")
        elif len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix):
            problems.append("prefix part must be a lowercase DNS subdomain")
    if "/" in prefix:
        return ["a qualified name must have at most one '/'"]
    if not short:
        problems.append("name part must be non-empty")
    elif len(short) > 63:
        problems.append("name part must be no more than 63 characters")
    elif not _QUALIFIED_NAME.fullmatch(short):
        problems.append(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character"
        )
    return problems


def resource_name_problem(name: str) -> str | None:
    """ValidateResourceQuotaResourceName: what is wrong with a quota's resource name."""
    problems = _qualified_name_problems(name)
    if problems:
        return "; ".join(problems)
    if "/" not in name:
        if name not in _STANDARD and not _hugepages(name):
            return "must be a standard resource type or fully qualified"
        if name not in _STANDARD_QUOTA and not _hugepages(name):
            return "must be a standard resource for quota"
    return None


def integer_resource(name: str) -> bool:
    return name in _INTEGER or _extended(name)


def _amount(value: object) -> tuple[Fraction, str] | None:
    """A Quantity as the API server stores it (canonical text, in its parsed format)."""
    if isinstance(value, bool):
        return None
    text = str(value) if isinstance(value, int | float) else value
    parsed = parse_quantity(text)
    if parsed is None or not isinstance(text, str):
        return None
    return parsed, canonical(parsed, quantity_format(text))


def _resource_list(fields: Fields, key: str, problems: Problems) -> tuple[tuple[str, Amount], ...]:
    """validateResourceList: each name a quota resource, each amount non-negative (whole
    for integer resources)."""
    section = fields.section(key)
    if section is None:
        return ()
    amounts = []
    for name, raw in section.mapping.items():
        where = section.source(name)
        label = section.child_path(name)
        problem = resource_name_problem(str(name))
        if problem is not None:
            problems.add(where, f"{label}: {problem}")
        parsed = _amount(raw)
        if parsed is None:
            problems.add(
                where,
                f"{label}: must be a quantity (a number, or a string such as 500m or 2Gi), "
                f"not {a_yaml_type(raw) if not isinstance(raw, str) else repr(raw)}",
            )
            continue
        value, text = parsed
        if value < 0:
            problems.add(where, f"{label}: {text} must be greater than or equal to 0")
        elif integer_resource(str(name)) and milli_value(value) % 1000:
            problems.add(where, f"{label}: {text} must be an integer")
        amounts.append((str(name), Amount(value, text)))
    return tuple(amounts)


def _digest(document: Document) -> str:
    text = json.dumps(document.data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(document: Document) -> FederatedResourceQuota:
    """One FederatedResourceQuota; every webhook rule it breaks is reported together."""
    problems = Problems()
    problems.items.extend(policy_schemas.check(document, "FederatedResourceQuota"))
    problems.raise_if_any()
    top = Fields(document, document.data, "")
    metadata = top.section("metadata")
    if metadata is None:
        raise top.error(None, "missing required field 'metadata'")
    name = metadata.text("name", required=True)
    namespace = metadata.text("namespace", default="default")
    if len(name) > NAME_MAX:
        problems.add(
            metadata.source("name"), f"metadata.name: must be no more than {NAME_MAX} characters"
        )
    spec = top.section("spec")
    assert spec is not None  # the schema requires it
    overall = _resource_list(spec, "overall", problems)
    assignments = []
    for index, entry in enumerate(spec.maps("staticAssignments")):
        cluster = entry.text("clusterName")
        if not cluster:
            problems.add(
                entry.source("clusterName"), f"{entry.path}.clusterName: must not be empty"
            )
        elif len(cluster) > CLUSTER_NAME_MAX:
            problems.add(
                entry.source("clusterName"),
                f"{entry.path}.clusterName: must be no more than {CLUSTER_NAME_MAX} characters",
            )
        elif not _DNS_LABEL.fullmatch(cluster):
            problems.add(
                entry.source("clusterName"),
                f"{entry.path}.clusterName: {cluster!r} must be a DNS-1123 label (lower case "
                "letters, digits and '-', starting and ending with a letter or digit)",
            )
        hard = _resource_list(entry, "hard", problems)
        assignments.append(StaticAssignment(cluster, hard, entry.source(None), index))
    # validateOverallAndAssignments: overall holds every assigned resource and at least
    # the sum of the assignments (over every entry, as Karmada sums them).
    overall_names = {resource for resource, _ in overall}
    for resource, amount in overall:
        assigned = [a.amount(resource) for a in assignments]
        total = sum((a.value for a in assigned if a is not None), Fraction(0))
        if amount.value < total:
            problems.add(
                spec.section("overall").source(resource),  # type: ignore[union-attr]
                f"spec.overall.{resource}: {amount.text} is less than the staticAssignments "
                f"together ({canonical(total, quantity_format(amount.text))})",
            )
    for assignment, entry in zip(assignments, spec.maps("staticAssignments"), strict=True):
        hard_fields = entry.section("hard")
        for resource, _ in assignment.hard:
            if resource not in overall_names and hard_fields is not None:
                problems.add(
                    hard_fields.source(resource),
                    f"{hard_fields.child_path(resource)}: {resource} is not in spec.overall",
                )
    problems.items.sort(key=lambda problem: problem.source or Source("", 0))
    problems.raise_if_any()
    overall_fields = spec.section("overall")
    assert overall_fields is not None
    return FederatedResourceQuota(
        namespace=namespace,
        name=name,
        source=document.source,
        overall=overall,
        overall_source=spec.source("overall"),
        assignments=tuple(assignments),
        digest=_digest(document),
    )


def unknown_cluster_warnings(quota: FederatedResourceQuota, clusters: set[str]) -> list[Problem]:
    """An assignment to a cluster not in the inventory creates nothing, as in Karmada."""
    return [
        Problem.warning(
            a.source,
            f"{quota.ref} spec.staticAssignments[{a.index}]: cluster {a.cluster} is not in "
            "the inventory, so no ResourceQuota is written for it",
        )
        for a in quota.assignments
        if a.cluster and a.cluster not in clusters
    ]
