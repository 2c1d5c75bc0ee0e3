"""A Federated<Kind> of templates/, unwrapped: its member object, placement and overrides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless import kinds
from hubless.dialects.jsonpatch_v4 import FORBIDDEN_PATHS, Patch
from hubless.dialects.karmada import parse_label_selector
from hubless.dialects.kubefed.names import TYPES_GROUP
from hubless.dialects.kubefed.policies import DEFAULT_TARGETS, TypeConfig, read_top
from hubless.documents import Document
from hubless.errors import Source
from hubless.fields import Fields
from hubless.model import (
    Cluster,
    LabelSelector,
)
from hubless.selectors import label_selector_matches


@dataclass(frozen=True)
class KubefedPlacement:
    """spec.placement: a present `clusters` list wins, even empty; else the selector,
    where absent means no cluster and `{}` every cluster."""

    clusters: tuple[str, ...] | None
    selector: LabelSelector | None

    def by_selector(self, clusters: Sequence[Cluster]) -> list[str]:
        if self.selector is None:
            return []
        return [c.name for c in clusters if label_selector_matches(self.selector, c.labels)]

    def resolve(self, clusters: Sequence[Cluster]) -> list[str]:
        if self.clusters is not None:
            known = {c.name for c in clusters}
            return sorted({name for name in self.clusters if name in known})
        return self.by_selector(clusters)


@dataclass(frozen=True)
class FederatedObject:
    """A Federated<Kind> from templates/, unwrapped."""

    kind: str  # Federated<Kind>
    namespace: str
    name: str
    inner: Document  # the member object before overrides
    placement: KubefedPlacement
    overrides: tuple[tuple[str, tuple[Patch, ...]], ...]  # (cluster, patches) in order
    source: Source

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


def _placement(spec: Fields) -> KubefedPlacement:
    placement = spec.section("placement")
    if placement is None:
        return KubefedPlacement(None, None)
    placement.only(("clusters", "clusterSelector"))
    clusters: tuple[str, ...] | None = None
    if placement.raw("clusters") is not None:
        names = []
        for entry in placement.maps("clusters"):
            entry.only(("name",))
            names.append(entry.text("name", required=True))
        clusters = tuple(names)
    return KubefedPlacement(clusters, parse_label_selector(placement.section("clusterSelector")))


def _overrides(spec: Fields) -> tuple[tuple[str, tuple[Patch, ...]], ...]:
    result: list[tuple[str, tuple[Patch, ...]]] = []
    seen: set[str] = set()
    for entry in spec.maps("overrides"):
        entry.only(("clusterName", "clusterOverrides"))
        cluster = entry.text("clusterName", required=True)
        if cluster in seen:
            raise entry.error("clusterName", f"cluster {cluster!r} has two overrides entries")
        seen.add(cluster)
        patches: list[Patch] = []
        paths: set[str] = set()
        for override in entry.maps("clusterOverrides"):
            override.only(("op", "path", "value"))
            op = override.enum("op", ("", "add", "remove", "replace"))
            path = override.text("path", required=True)
            if path in paths:
                raise override.error("path", f"{path} is overridden twice for {cluster}")
            if path in FORBIDDEN_PATHS:
                raise override.error("path", f"{path} cannot be overridden")
            paths.add(path)
            patches.append(Patch(op or "replace", path, override.raw("value")))
        result.append((cluster, tuple(patches)))
    return tuple(result)


def _target(
    federated_kind: str, template: Mapping[str, Any], configs: Mapping[str, TypeConfig]
) -> tuple[str, str, bool | None]:
    """(apiVersion, kind, namespaced or None when the kind table decides)."""
    config = configs.get(federated_kind)
    if config is not None:
        api_version = template.get("apiVersion") or config.api_version
        return str(api_version), config.kind, config.namespaced
    kind = federated_kind.removeprefix("Federated")
    api_version = template.get("apiVersion") or DEFAULT_TARGETS.get(kind, "")
    return str(api_version), kind, None


def unwrap(document: Document, configs: Mapping[str, TypeConfig]) -> FederatedObject:
    """The Federated<Kind>'s member object (before overrides), placement and overrides."""
    top, metadata, spec = read_top(
        document, ("template", "placement", "overrides", "retainReplicas")
    )
    federated_kind = str(top.raw("kind"))
    if not federated_kind.startswith("Federated") or federated_kind == "Federated":
        raise top.error("kind", f"{TYPES_GROUP} kinds are Federated<Kind>")
    config = configs.get(federated_kind)
    if config is not None and not config.propagation:
        raise top.error("kind", f"propagation of {federated_kind} is Disabled ({config.source})")
    template = spec.raw("template") or {}
    if not isinstance(template, dict):
        raise spec.error("template", "must be a map")
    api_version, kind, namespaced = _target(federated_kind, template, configs)
    if not api_version:
        raise top.error(
            "kind",
            f"no FederatedTypeConfig for {federated_kind} in policies/, and spec.template "
            "has no apiVersion",
        )
    name = metadata.text("name", required=True)
    group = kinds.group_of(api_version)
    if namespaced is None:
        namespaced = kind != "Namespace" and kinds.is_namespaced(
            group, kind, "namespace" in metadata, {}
        )
    namespace = metadata.text("namespace", default="default") if namespaced else ""
    # Kubefed drops the template's annotations and finalizers, then sets the identity.
    kept = {
        k: v
        for k, v in (template.get("metadata") or {}).items()
        if k not in ("annotations", "finalizers", "name", "namespace")
    }
    identity: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
    body = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": identity | kept,
        **{k: v for k, v in template.items() if k not in ("apiVersion", "kind", "metadata")},
    }
    return FederatedObject(
        kind=federated_kind,
        namespace=namespace,
        name=name,
        inner=Document(body, document.source, document.lines),
        placement=_placement(spec),
        overrides=_overrides(spec),
        source=document.source,
    )
