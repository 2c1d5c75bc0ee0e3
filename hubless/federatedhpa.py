"""Karmada's FederatedHPA and CronFederatedHPA (autoscaling.karmada.io/v1alpha1).

A FederatedHPA lives in Karmada's control plane, never on a member: it scales the resource
template's replicas from the metrics of every member, and the scheduler divides the new
total. Its bounds are the part that needs no metrics: Karmada's controller moves replicas
above `maxReplicas` to it and below `minReplicas` (default 1) up to it before it reads any
metric, and leaves a target with 0 replicas alone (scaling disabled). That is applied here
to the template, as the controller writes the template. The metrics-driven count between
the bounds needs a running control plane.

A CronFederatedHPA changes its target on a clock; only its validity is static.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hubless import kinds
from hubless.documents import Document
from hubless.errors import Problems, Source, UserError
from hubless.fields import Fields
from hubless.model import FederatedScaling, ResourceKey, ResourceTemplate

GROUP = "autoscaling.karmada.io"
FEDERATED_HPA = "FederatedHPA"
CRON_FEDERATED_HPA = "CronFederatedHPA"
_FHPA_API_VERSION = f"{GROUP}/v1alpha1"

# The kinds whose scale subresource is spec.replicas and that hubless divides.
_SCALABLE = frozenset([("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet")])

_FHPA_SPEC = ("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior")
_CRON_SPEC = ("scaleTargetRef", "rules")
_CRON_RULE = (
    "name",
    "schedule",
    "targetReplicas",
    "targetMinReplicas",
    "targetMaxReplicas",
    "suspend",
    "timeZone",
    "successfulHistoryLimit",
    "failedHistoryLimit",
)
_REFERENCE = ("apiVersion", "kind", "name")
_MAX_INT32 = 2**31 - 1


@dataclass(frozen=True)
class FederatedHPA:
    """A FederatedHPA's static part: its target and its bounds (minReplicas defaulted)."""

    key: ResourceKey
    source: Source
    target: ResourceKey
    min_replicas: int
    max_replicas: int


def is_federated_hpa(group: str, kind: str) -> bool:
    return (group, kind) == (GROUP, FEDERATED_HPA)


def _path_segment_problem(value: str) -> str | None:
    """Kubernetes' IsValidPathSegmentName, which Karmada applies to scaleTargetRef."""
    if value in (".", ".."):
        return f"may not be {value!r}"
    for part in ("/", "%"):
        if part in value:
            return f"may not contain {part!r}"
    return None


def _reference(spec: Fields) -> tuple[Fields, str, str, str]:
    """scaleTargetRef as Karmada's ValidateCrossVersionObjectReference checks it."""
    reference = spec.section("scaleTargetRef")
    if reference is None:
        raise spec.error(None, "missing required field 'scaleTargetRef'")
    reference.only(_REFERENCE)
    api_version = reference.text("apiVersion")
    values = []
    for key in ("kind", "name"):
        value = reference.text(key)
        if not value:
            raise reference.error(None, f"missing required field {key!r}")
        problem = _path_segment_problem(value)
        if problem is not None:
            raise reference.error(key, f"{value!r} {problem}")
        values.append(value)
    return reference, api_version, values[0], values[1]


def _integer(fields: Fields, key: str) -> int | None:
    if key not in fields:
        return None
    value = fields.integer(key)
    if not -(2**31) <= value <= _MAX_INT32:
        raise fields.error(key, f"must be a 32-bit integer, not {value}")
    return value


def parse(document: Document, template: ResourceTemplate) -> FederatedHPA:
    """A FederatedHPA of templates/, checked as Karmada's webhook checks it (the rules of
    its lifted validatingfhpa.go; metrics and behavior are not checked)."""
    spec = Fields(document, template.body, "").section("spec")
    if spec is None:
        raise UserError.at(template.source, "missing required field 'spec'")
    spec.only(_FHPA_SPEC)
    _, api_version, kind, name = _reference(spec)
    minimum = _integer(spec, "minReplicas")
    maximum = _integer(spec, "maxReplicas")
    if maximum is None:
        raise spec.error(None, "missing required field 'maxReplicas'")
    if minimum is not None and minimum < 1:
        raise spec.error("minReplicas", f"{minimum} must be greater than or equal to 1")
    if maximum < 1:
        raise spec.error("maxReplicas", f"{maximum} must be greater than 0")
    if minimum is not None and maximum < minimum:
        raise spec.error(
            "maxReplicas", f"{maximum} must be greater than or equal to minReplicas ({minimum})"
        )
    target = ResourceKey(kinds.group_of(api_version), kind, template.namespace, name)
    source = spec.source("scaleTargetRef")
    return FederatedHPA(template.key, source, target, 1 if minimum is None else minimum, maximum)


def check_cron(document: Document, template: ResourceTemplate) -> None:
    """A CronFederatedHPA of templates/, checked as Karmada's webhook checks it (cron
    syntax and time zones are not checked)."""
    spec = Fields(document, template.body, "").section("spec")
    if spec is None:
        raise UserError.at(template.source, "missing required field 'spec'")
    spec.only(_CRON_SPEC)
    reference, api_version, kind, _ = _reference(spec)
    scales_fhpa = api_version == _FHPA_API_VERSION
    if scales_fhpa and kind != FEDERATED_HPA:
        raise reference.error("kind", f"{kind!r}: a {api_version} target must be a FederatedHPA")
    names: set[str] = set()
    for rule in spec.maps("rules"):
        rule.only(_CRON_RULE)
        name = rule.text("name", required=True)
        if name in names:
            raise rule.error("name", f"duplicate rule name {name!r}")
        names.add(name)
        rule.text("schedule", required=True)
        rule.text("timeZone")
        if scales_fhpa:
            _check_bounds(rule)
        else:
            replicas = _integer(rule, "targetReplicas")
            if replicas is None:
                raise rule.error(None, f"targetReplicas is required to scale a {kind}")
            if replicas < 0:
                raise rule.error("targetReplicas", f"{replicas} must be 0 or more")


def _check_bounds(rule: Fields) -> None:
    """A rule that scales a FederatedHPA sets its bounds (Karmada's webhook)."""
    minimum = _integer(rule, "targetMinReplicas")
    maximum = _integer(rule, "targetMaxReplicas")
    if minimum is None and maximum is None:
        raise rule.error(
            None, "a rule that scales a FederatedHPA needs targetMinReplicas or targetMaxReplicas"
        )
    if minimum is not None and minimum <= 0:
        raise rule.error("targetMinReplicas", f"{minimum} must be greater than 0")
    if maximum is not None and maximum <= 0:
        raise rule.error("targetMaxReplicas", f"{maximum} must be greater than 0")
    low = 1 if minimum is None else minimum
    high = _MAX_INT32 if maximum is None else maximum
    if low > high:
        raise rule.error(
            "targetMinReplicas", f"{low} must not be greater than targetMaxReplicas ({high})"
        )


def bounded(replicas: int, hpa: FederatedHPA) -> int:
    """What Karmada's controller sets before reading metrics: a target at 0 is left alone
    (scaling disabled), one outside the bounds goes to the nearest bound."""
    if replicas == 0:
        return 0
    if replicas > hpa.max_replicas:
        return hpa.max_replicas
    return max(replicas, hpa.min_replicas)


def apply(
    templates: Sequence[ResourceTemplate], hpas: Iterable[FederatedHPA], problems: Problems
) -> tuple[list[ResourceTemplate], tuple[FederatedScaling, ...]]:
    """The templates with each FederatedHPA's target within its bounds, and what each
    FederatedHPA did. Two on one target is an error; a target that is not in templates/
    or whose replicas hubless does not divide is recorded as unused (a render warns)."""
    by_key = {t.key: t for t in templates}
    claimed: dict[ResourceKey, FederatedHPA] = {}
    scalings: list[FederatedScaling] = []
    for hpa in sorted(hpas, key=lambda h: h.key):
        other = claimed.get(hpa.target)
        if other is not None:
            problems.add(
                hpa.source,
                f"{hpa.key} scales {hpa.target}, which {other.key} ({other.source}) "
                "already scales: two autoscalers would fight over its replicas",
            )
            continue
        claimed[hpa.target] = hpa
        target = by_key.get(hpa.target)
        unused = ""
        if target is None:
            unused = (
                f"{hpa.key} scales {hpa.target}, which is not in templates/: it scales "
                "nothing, as in Karmada"
            )
        elif (target.group, target.kind) not in _SCALABLE:
            unused = (
                f"{hpa.key} scales {target.key}: hubless applies a FederatedHPA's bounds to "
                "Deployments, ReplicaSets and StatefulSets only"
            )
        if target is None or unused:
            scalings.append(
                FederatedScaling(
                    hpa.key,
                    hpa.source,
                    hpa.target,
                    hpa.min_replicas,
                    hpa.max_replicas,
                    unused=unused,
                )
            )
            continue
        spec = target.body["spec"]
        before = spec["replicas"]
        after = bounded(before, hpa)
        scalings.append(
            FederatedScaling(
                hpa.key, hpa.source, target.key, hpa.min_replicas, hpa.max_replicas, before, after
            )
        )
        if after != before:
            body = {**target.body, "spec": {**spec, "replicas": after}}
            by_key[target.key] = ResourceTemplate(
                target.api_version, target.kind, target.namespace, target.name, body, target.source
            )
    return [by_key[t.key] for t in templates], tuple(scalings)
