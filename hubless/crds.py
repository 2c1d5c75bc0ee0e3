"""What a CustomResourceDefinition in templates/ declares: a kind, its scope, and the API
versions a cluster serves once the CRD is installed there."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CRD_GROUP = "apiextensions.k8s.io"
CRD_KIND = "CustomResourceDefinition"


@dataclass(frozen=True)
class Declared:
    """One CustomResourceDefinition's kind."""

    name: str  # metadata.name
    group: str
    kind: str
    namespaced: bool
    served: tuple[str, ...]  # the versions with `served: true`, in the CRD's order

    @property
    def api_versions(self) -> tuple[str, ...]:
        """The apiVersions discovery lists once the CRD is installed."""
        return tuple(f"{self.group}/{version}" for version in self.served)


def is_crd(api_version: str, kind: str) -> bool:
    return kind == CRD_KIND and api_version.rpartition("/")[0] == CRD_GROUP


def declared(body: Mapping[str, Any]) -> Declared | None:
    """The kind a CRD object declares; None when `body` is not one or lacks a group or kind
    (the API server would refuse it; schema validation says why)."""
    if not is_crd(str(body.get("apiVersion", "")), str(body.get("kind", ""))):
        return None
    spec, metadata = body.get("spec"), body.get("metadata")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names")
    kind = names.get("kind") if isinstance(names, dict) else None
    group = spec.get("group")
    if not isinstance(kind, str) or not isinstance(group, str) or not kind or not group:
        return None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return Declared(
        name=name if isinstance(name, str) else "",
        group=group,
        kind=kind,
        # The API server requires scope; anything but Cluster is read as Namespaced.
        namespaced=spec.get("scope") != "Cluster",
        served=_served(spec),
    )


def _served(spec: Mapping[str, Any]) -> tuple[str, ...]:
    versions = spec.get("versions")
    if isinstance(versions, list) and versions:
        return tuple(
            v["name"]
            for v in versions
            if isinstance(v, dict) and isinstance(v.get("name"), str) and v.get("served") is True
        )
    # apiextensions.k8s.io/v1beta1 also allowed a single spec.version, served.
    version = spec.get("version")
    return (version,) if isinstance(version, str) and version else ()
