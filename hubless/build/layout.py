"""Where each rendered object lives: rendered/<cluster>/<namespace|_cluster>/<file>.yaml.

File names are `<kind>[.<group>]_<name>.yaml`, lower case. Any character outside
[a-z0-9.-] (upper case included, so names cannot collide on case-insensitive file
systems) is written as %XX, so a name can never form a path or hide a separator.

Every cluster of the inventory also has a marker file at the top of its folder, so the
folder exists in git even when the cluster runs nothing: Argo CD and Flux fail on a path
that does not exist (and then prune nothing), but sync an empty folder to nothing. Its
name has no extension any consumer reads as manifests (Argo CD: .yaml .yml .json
.jsonnet; Flux's generated kustomization: .yaml .yml; kubectl -R: .yaml .yml .json) and is
none of the .git* names Flux leaves out of its artifact. Objects are always one folder
deeper, so no object's file can take its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from hubless.errors import UserError
from hubless.kinds import group_of
from hubless.model import ResourceKey

CLUSTER_SCOPED_DIR = "_cluster"  # namespaces are DNS labels: cannot start with "_"
CLUSTER_MARKER = ".hubless-cluster"
CLUSTER_MARKER_TEXT = (
    b"This folder is what one cluster runs: every .yaml file below it is one Kubernetes\n"
    b"object, written by `hubless render`. This file keeps the folder in git when the\n"
    b"cluster runs nothing: Argo CD and Flux then sync the folder to nothing, where a\n"
    b"missing folder would fail and prune nothing. They do not read this file.\n"
)
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_MAX_NAME_BYTES = 200


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in _SAFE:
            out.append(ch)
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8"))
    return "".join(out)


def _escape_segment(text: str) -> str:
    escaped = _escape(text)
    if escaped.startswith("."):
        escaped = "%2E" + escaped[1:]  # never ".", "..", or a hidden directory
    return escaped


def object_path(body: dict[str, Any]) -> str:
    """The object's path inside its cluster's folder."""
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not all(isinstance(v, str) and v for v in (api_version, kind, name)):
        raise UserError.at(None, "an overridden object lost its apiVersion, kind or name")
    assert isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str)
    group = group_of(api_version)
    prefix = _escape(kind.lower()) + (f".{_escape(group)}" if group else "") + "_"
    stem = _escape(name)
    if len(prefix) + len(stem) > _MAX_NAME_BYTES:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
        stem = stem[: _MAX_NAME_BYTES - len(prefix) - 17] + "~" + digest
    folder = (
        _escape_segment(namespace)
        if isinstance(namespace, str) and namespace
        else (CLUSTER_SCOPED_DIR)
    )
    return f"{folder}/{prefix}{stem}.yaml"


def key_path(key: ResourceKey) -> str:
    """Where the object of a template with this key is, unless overrides renamed it."""
    api_version = f"{key.group}/v" if key.group else "v1"
    metadata = {"name": key.name, **({"namespace": key.namespace} if key.namespace else {})}
    return object_path({"apiVersion": api_version, "kind": key.kind, "metadata": metadata})


def marker_path(cluster: str) -> str:
    """The marker file of a cluster's folder, relative to rendered/."""
    return f"{cluster}/{CLUSTER_MARKER}"


def is_marker(relative: str) -> bool:
    """Whether a path relative to rendered/ is a cluster folder's marker, not an object."""
    return relative.count("/") == 1 and relative.endswith("/" + CLUSTER_MARKER)


def marker_files(clusters: Iterable[str]) -> dict[str, bytes]:
    """The marker of each of these clusters' folders."""
    return {marker_path(cluster): CLUSTER_MARKER_TEXT for cluster in clusters}
