"""The object KubeAdmiral applies to a member cluster.

Federating an object moves its policy labels and scheduling annotations to the
FederatedObject and drops the run-time metadata (`federated_template`); every member copy
then gets kind-specific fields removed, the scheduler's replica patch and the override
policies' patches, and the managed label (`MemberSync`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubless import kinds
from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.names import (
    FEDERATION_ANNOTATIONS,
    POLICY_LABELS,
    PREFIX,
    RUNTIME_METADATA,
)
from hubless.dialects.kubeadmiral.overriders import KubeAdmiralOverrideError, apply_patches
from hubless.errors import Source
from hubless.model import ResourceKey
from hubless.overriders.failure import OverrideFailure

MANAGED_LABEL = PREFIX + "managed"
SOURCE_GENERATION = PREFIX + "source-generation"
REPLICAS_PATH = "/spec/replicas"


def federated_template(body: Mapping[str, Any]) -> dict[str, Any]:
    """The FederatedObject's template: what every member object and every override
    computation starts from."""
    result = {k: v for k, v in body.items() if k != "status"}
    metadata = {k: v for k, v in (body.get("metadata") or {}).items() if k not in RUNTIME_METADATA}
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k not in POLICY_LABELS}
    annotations = {
        k: v
        for k, v in (metadata.get("annotations") or {}).items()
        if k not in FEDERATION_ANNOTATIONS
    }
    generation = metadata.get("generation")
    if isinstance(generation, int) and generation:
        annotations[SOURCE_GENERATION] = str(generation)
    for key, value in (("labels", labels), ("annotations", annotations)):
        if value:
            metadata[key] = value
        else:
            metadata.pop(key, None)  # an empty map is not stored
    result["metadata"] = metadata
    return result


def _drop_kind_fields(body: dict[str, Any]) -> None:
    """What the sync controller removes per kind: fields the member's API server owns."""
    group, kind = kinds.group_of(str(body.get("apiVersion", ""))), body.get("kind")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return
    if (group, kind) == ("batch", "Job") and not spec.get("manualSelector"):
        for labels in (
            (spec.get("selector") or {}).get("matchLabels"),
            ((spec.get("template") or {}).get("metadata") or {}).get("labels"),
        ):
            if isinstance(labels, dict):
                labels.pop("controller-uid", None)
    elif (group, kind) == ("", "Service") and spec.get("clusterIP") != "None":
        spec.pop("clusterIP", None)
        spec.pop("clusterIPs", None)
    elif (group, kind) == ("", "Pod"):
        spec.pop("ephemeralContainers", None)


@dataclass(frozen=True)
class MemberSync:
    """One cluster's member objects: per object, the patches for this cluster (scheduler
    replica patch first, then ClusterOverridePolicy, then OverridePolicy patches)."""

    cluster: str
    patches: Mapping[ResourceKey, tuple[Patch, ...]]
    sources: Mapping[ResourceKey, Source]  # where an object's override policies are

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        metadata = body.setdefault("metadata", {})
        key = ResourceKey(
            kinds.group_of(str(body.get("apiVersion", ""))),
            str(body.get("kind", "")),
            str(metadata.get("namespace") or ""),
            str(metadata.get("name", "")),
        )
        _drop_kind_fields(body)
        # An empty list, so that patches into /metadata/finalizers/- work, as upstream.
        metadata["finalizers"] = []
        try:
            body = apply_patches(body, self.patches.get(key, ()))
        except KubeAdmiralOverrideError as exc:
            raise OverrideFailure(str(exc), self.sources.get(key)) from None
        metadata = body["metadata"]
        labels = metadata.get("labels")
        metadata["labels"] = {**(labels if isinstance(labels, dict) else {}), MANAGED_LABEL: "true"}
        if metadata.get("finalizers") == []:
            del metadata["finalizers"]  # the API server stores an empty list as no list
        return body
