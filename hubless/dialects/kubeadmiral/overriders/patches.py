"""A rule's overriders turned into patches in KubeAdmiral's one fixed order, rules chained,
and the patches applied to the member object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hubless.dialects.jsonpatch_v4 import FORBIDDEN_PATHS, Patch, PatchError, apply_patch
from hubless.dialects.kubeadmiral.overriders.entrypoint import entrypoint_patches
from hubless.dialects.kubeadmiral.overriders.envs import env_patches
from hubless.dialects.kubeadmiral.overriders.image import image_patches
from hubless.dialects.kubeadmiral.overriders.metadata import string_map_patches
from hubless.dialects.kubeadmiral.overriders.model import (
    KubeAdmiralOverrideError,
    KubeAdmiralOverriders,
)
from hubless.jsonvalue import deep_copy


def rule_patches(body: Mapping[str, Any], overriders: KubeAdmiralOverriders) -> list[Patch]:
    """One rule's patches, all computed from `body` (not changed), in KubeAdmiral's order:
    image, command, args, envs, annotations, labels, jsonpatch."""
    return [
        *image_patches(body, overriders.image),
        *entrypoint_patches(body, overriders.command, "command"),
        *entrypoint_patches(body, overriders.args, "args"),
        *env_patches(body, overriders.envs),
        *string_map_patches(body, overriders.annotations, "annotations"),
        *string_map_patches(body, overriders.labels, "labels"),
        *(Patch(o.operator, o.path, deep_copy(o.value)) for o in overriders.jsonpatch),
    ]


def cluster_patches(
    template: Mapping[str, Any], rules: Iterable[KubeAdmiralOverriders]
) -> list[Patch]:
    """The patches of the rules that apply on one cluster, in order (a
    ClusterOverridePolicy's rules, then an OverridePolicy's).

    Each rule is computed from the template with the earlier rules' patches applied, except
    those under /metadata/finalizers (they depend on the member object). Apply the result to
    the member object with `apply_patches`."""
    working = deep_copy(dict(template))
    patches: list[Patch] = []
    for position, overriders in enumerate(rules):
        try:
            found = rule_patches(working, overriders)
            _apply(working, [p for p in found if not p.path.startswith("/metadata/finalizers")])
        except KubeAdmiralOverrideError as exc:
            raise KubeAdmiralOverrideError(f"rules[{position}]: {exc}", position) from None
        patches.extend(found)
    return patches


def apply_patches(body: dict[str, Any], patches: Sequence[Patch]) -> dict[str, Any]:
    """`body` with the patches applied, as the sync controller applies them to the member
    object. Changes `body` in place, and may leave it half patched when raising."""
    forbidden = sorted({patch.path for patch in patches if patch.path in FORBIDDEN_PATHS})
    if forbidden:
        raise KubeAdmiralOverrideError(f"invalid override path(s): {', '.join(forbidden)}")
    if patches:
        _apply(body, patches)
    return body


def _apply(document: dict[str, Any], patches: Iterable[Patch]) -> None:
    try:
        apply_patch(document, patches)
    except PatchError as exc:
        raise KubeAdmiralOverrideError(str(exc)) from None
