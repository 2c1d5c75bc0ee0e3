"""What a conversion produces, and the small helpers every dialect's converter shares.

A `Gap` names an input object, where it was written, and what in it has no exact Karmada
equivalent (or was not carried over) together with what was written instead. `Output`
collects the Karmada objects, the plain manifests and the gaps while the converters run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hubless import workloads
from hubless.errors import Source
from hubless.jsonvalue import deep_copy

KARMADA_POLICY = "policy.karmada.io/v1alpha1"
KARMADA_CLUSTER = "cluster.karmada.io/v1alpha1"
PROPAGATION_POLICY = "PropagationPolicy"
CLUSTER_PROPAGATION_POLICY = "ClusterPropagationPolicy"
OVERRIDE_POLICY = "OverridePolicy"
CLUSTER_OVERRIDE_POLICY = "ClusterOverridePolicy"
# Karmada's namespace sync copies every Namespace everywhere unless the template says not to.
SKIP_AUTO_PROPAGATION = "namespace.karmada.io/skip-auto-propagation"
# The ClusterOverridePolicy that takes that label off the member clusters' copies again.
SKIP_LABEL_POLICY = "namespace-skip-auto-propagation"

_POLICY_ORDER = {
    "Cluster": 0,
    CLUSTER_PROPAGATION_POLICY: 1,
    PROPAGATION_POLICY: 2,
    CLUSTER_OVERRIDE_POLICY: 3,
    OVERRIDE_POLICY: 4,
}


class Gap(NamedTuple):
    """An input object whose meaning Karmada cannot state exactly, and what was done."""

    source: Source
    subject: str  # e.g. "PropagationPolicy shop/web"
    message: str  # what has no exact equivalent, then what was written instead

    def __str__(self) -> str:
        return f"{self.source}: {self.subject}: {self.message}"


@dataclass(frozen=True)
class Conversion:
    """Karmada objects for policies/, plain manifests for templates/, and the gaps.

    `policies` are sorted by kind (Cluster, ClusterPropagationPolicy, PropagationPolicy,
    ClusterOverridePolicy, OverridePolicy), then namespace and name; `templates` by kind,
    namespace, name and apiVersion; `gaps` by source file and line, in the order found.
    """

    policies: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    gaps: list[Gap]


@dataclass
class Output:
    policies: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    # Namespaces whose template carries the skip label only to stop Karmada's namespace sync.
    skip_labelled: set[str] = field(default_factory=set)
    _names: set[tuple[str, str, str]] = field(default_factory=set)

    def gap(self, source: Source, subject: str, message: str) -> None:
        item = Gap(source, subject, message)
        if item not in self.gaps:
            self.gaps.append(item)

    def claim(self, kind: str, namespace: str, name: str) -> str:
        """`name`, or `name-2`, `name-3`, ... when another policy of that kind has it."""
        candidate, suffix = name, 1
        while (kind, namespace, candidate) in self._names:
            suffix += 1
            candidate = f"{name}-{suffix}"
        self._names.add((kind, namespace, candidate))
        return candidate

    def result(self) -> Conversion:
        policies = sorted(self.policies, key=_policy_key)
        templates = sorted(self.templates, key=_template_key)
        gaps = sorted(self.gaps, key=lambda g: (g.source.path, g.source.line))
        return Conversion(policies, templates, gaps)


def _policy_key(obj: Mapping[str, Any]) -> tuple[int, str, str, str]:
    kind = str(obj.get("kind", ""))
    return (_POLICY_ORDER.get(kind, 5), kind, namespace_of(obj), name_of(obj))


def _template_key(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (str(obj.get("kind", "")), namespace_of(obj), name_of(obj), str(obj.get("apiVersion")))


def metadata_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def name_of(obj: Mapping[str, Any]) -> str:
    name = metadata_of(obj).get("name")
    return name if isinstance(name, str) else ""


def namespace_of(obj: Mapping[str, Any]) -> str:
    namespace = metadata_of(obj).get("namespace")
    return namespace if isinstance(namespace, str) else ""


def string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return string_map(metadata_of(obj).get("labels"))


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return string_map(metadata_of(obj).get("annotations"))


def describe(obj: Mapping[str, Any]) -> str:
    """`Kind namespace/name`, or `Kind name` for a cluster-scoped object."""
    namespace, name = namespace_of(obj), name_of(obj) or "(unnamed)"
    return (
        f"{obj.get('kind', '?')} {namespace}/{name}" if namespace else f"{obj.get('kind')} {name}"
    )


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def selector_for(template: Mapping[str, Any]) -> dict[str, Any]:
    """A resource selector naming exactly this object: Karmada binds by selector, not label."""
    selector: dict[str, Any] = {
        "apiVersion": template.get("apiVersion"),
        "kind": template.get("kind"),
    }
    if namespace_of(template):
        selector["namespace"] = namespace_of(template)
    selector["name"] = name_of(template)
    return selector


def _selectors(templates: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    selectors = [selector_for(t) for t in templates]
    selectors.sort(key=lambda s: (s["apiVersion"], s["kind"], s.get("namespace", ""), s["name"]))
    return selectors


def _metadata(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace} if namespace else {"name": name}


def propagation_policy(
    name: str,
    namespace: str,
    templates: Iterable[Mapping[str, Any]],
    placement: Mapping[str, Any],
    *,
    propagate_deps: bool = False,
) -> dict[str, Any]:
    """A (Cluster)PropagationPolicy selecting each template by name."""
    spec: dict[str, Any] = {"resourceSelectors": _selectors(templates)}
    if propagate_deps:
        spec["propagateDeps"] = True
    spec["placement"] = deep_copy(dict(placement))
    return {
        "apiVersion": KARMADA_POLICY,
        "kind": PROPAGATION_POLICY if namespace else CLUSTER_PROPAGATION_POLICY,
        "metadata": _metadata(name, namespace),
        "spec": spec,
    }


def override_policy(
    name: str,
    namespace: str,
    templates: Iterable[Mapping[str, Any]],
    rules: list[dict[str, Any]],
) -> dict[str, Any]:
    """A (Cluster)OverridePolicy selecting each template by name."""
    return {
        "apiVersion": KARMADA_POLICY,
        "kind": OVERRIDE_POLICY if namespace else CLUSTER_OVERRIDE_POLICY,
        "metadata": _metadata(name, namespace),
        "spec": {"resourceSelectors": _selectors(templates), "overrideRules": rules},
    }


def skip_label_policy(namespaces: Iterable[str]) -> dict[str, Any]:
    """Takes the skip-auto-propagation label off member copies: the source had no such label."""
    templates = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces
    ]
    rule = {
        "overriders": {
            "labelsOverrider": [{"operator": "remove", "value": {SKIP_AUTO_PROPAGATION: "true"}}]
        }
    }
    return override_policy(SKIP_LABEL_POLICY, "", templates, [rule])


def add_skip_label(namespace: dict[str, Any]) -> None:
    """Stop Karmada's namespace sync from copying this Namespace to every cluster."""
    metadata = namespace.setdefault("metadata", {})
    labels = metadata.get("labels")
    if not isinstance(labels, dict):
        labels = metadata["labels"] = {}
    labels[SKIP_AUTO_PROPAGATION] = "true"


def zero_replica_gap(template: dict[str, Any], source: Source, divided: bool, out: Output) -> None:
    """Karmada withdraws a 0-replica workload that requests resources; the sources keep it."""
    group, kind = group_of(str(template.get("apiVersion", ""))), str(template.get("kind"))
    if divided or workloads.read_replicas(group, kind, template) != 0:
        return
    if (group, kind) not in (
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
    ):
        return
    if "replicas" not in as_dict(template.get("spec")):
        return
    if workloads.has_replica_requirements(group, kind, template):
        out.gap(
            source,
            describe(template),
            "a workload scaled to 0 that requests resources is withdrawn from every cluster by "
            "Karmada (empty workloads are not propagated); the source keeps a 0-replica copy on "
            "each cluster",
        )
