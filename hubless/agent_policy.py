"""What the pull agents read on an object to leave it alone: the annotations by which
Karmada's `preserveResourcesOnDeletion` and `conflictResolution: Abort` reach Argo CD and
Flux. This module is the only owner of those keys and values.

- Argo CD (gitops-engine's `argocd.argoproj.io/sync-options`, options separated by commas,
  white space trimmed): `Prune=false` keeps an object that left the Application's folder,
  `Delete=false` keeps it when the Application itself is deleted.
- Flux's kustomize-controller: `kustomize.toolkit.fluxcd.io/prune: disabled` excludes an
  object from garbage collection, both when it leaves the source and when the
  Kustomization is deleted; `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` applies an
  object only when the cluster has none of that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ARGOCD_SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
ARGOCD_KEEP = ("Prune=false", "Delete=false")
FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune"
FLUX_PRUNE_DISABLED = "disabled"
FLUX_SSA = "kustomize.toolkit.fluxcd.io/ssa"
FLUX_IF_NOT_PRESENT = "IfNotPresent"


@dataclass(frozen=True)
class AgentPolicy:
    """How the agents treat one object: kept when it leaves, and applied only if absent."""

    preserve: bool = False  # preserveResourcesOnDeletion
    if_not_present: bool = False  # conflictResolution: Abort, set on the policy

    def __bool__(self) -> bool:
        return self.preserve or self.if_not_present


def _sync_options(current: Any) -> str:
    """The Argo CD options with Prune=false and Delete=false, replacing any other Prune or
    Delete setting and keeping the rest in their order."""
    kept = [
        option.strip()
        for option in (current.split(",") if isinstance(current, str) else [])
        if option.strip() and option.strip().partition("=")[0] not in ("Prune", "Delete")
    ]
    return ",".join([*kept, *ARGOCD_KEEP])


def annotate(body: dict[str, Any], policy: AgentPolicy) -> dict[str, Any]:
    """`body` with the annotations `policy` asks for; metadata is copied, never changed in
    place (it may be shared with the template)."""
    if not policy:
        return body
    metadata = dict(body.get("metadata") or {})
    annotations = dict(metadata.get("annotations") or {})
    if policy.preserve:
        annotations[ARGOCD_SYNC_OPTIONS] = _sync_options(annotations.get(ARGOCD_SYNC_OPTIONS))
        annotations[FLUX_PRUNE] = FLUX_PRUNE_DISABLED
    if policy.if_not_present:
        annotations[FLUX_SSA] = FLUX_IF_NOT_PRESENT
    metadata["annotations"] = annotations
    return {**body, "metadata": metadata}
