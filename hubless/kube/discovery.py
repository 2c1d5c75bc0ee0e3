"""Which resource (URL plural, scope) serves a kind: the API server's discovery documents.

A group version's resources are listed at /api/v1 (the core group) or
/apis/<group>/<version> as an APIResourceList: `resources[]` with `name` (the plural in
URLs), `kind` and `namespaced`; names with a "/" are subresources (deployments/scale)
and serve no objects. A group version the server does not serve answers 404.

Only the group versions a caller needs are read, one request each: the full list at /apis
would add a request and name nothing more that collection uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubless.kube.reading import Get


@dataclass(frozen=True)
class Resource:
    group_version: str  # "v1", "apps/v1"
    plural: str  # the name in URLs: "deployments"
    kind: str
    namespaced: bool

    def path(self, namespace: str = "", name: str = "") -> str:
        """The URL of this resource's collection (in `namespace`), or of object `name`."""
        path = group_version_path(self.group_version)
        if self.namespaced and namespace:
            path += f"/namespaces/{namespace}"
        path += f"/{self.plural}"
        return f"{path}/{name}" if name else path


def group_version_path(group_version: str) -> str:
    """Where a group version is served: /api/v1 for the core group, /apis/<g>/<v> else."""
    return f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"


def resources(group_version: str, document: Mapping[str, Any]) -> dict[str, Resource]:
    """kind -> resource, from one APIResourceList (subresources left out)."""
    found: dict[str, Resource] = {}
    for entry in document.get("resources") or []:
        name, kind = entry.get("name"), entry.get("kind")
        if not isinstance(name, str) or not isinstance(kind, str) or "/" in name:
            continue
        found.setdefault(kind, Resource(group_version, name, kind, bool(entry.get("namespaced"))))
    return found


@dataclass(frozen=True)
class Discovery:
    """What one cluster serves, for the group versions that were asked about."""

    served: Mapping[str, Mapping[str, Resource]]  # group version -> kind -> resource

    def resource(self, api_version: str, kind: str) -> Resource | None:
        """The resource serving `kind` of `api_version`, None when the cluster has none."""
        return self.served.get(api_version, {}).get(kind)


def discover(get: Get, group_versions: Iterable[str]) -> Discovery:
    """Read the resource list of each group version (sorted, one GET each)."""
    served: dict[str, dict[str, Resource]] = {}
    for group_version in sorted(set(group_versions)):
        document = get(group_version_path(group_version))
        if isinstance(document, dict):
            served[group_version] = resources(group_version, document)
    return Discovery(served)
