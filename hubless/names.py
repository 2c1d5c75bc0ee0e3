"""Kubernetes' rules for an object's name and namespace: what the API server would reject
never reaches rendered/, whether a template says it or an override makes it."""

from __future__ import annotations

import re

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
# Kinds whose names are path segments, not DNS names (RBAC: "system:controller:...").
_PATH_SEGMENT_NAMES = frozenset(["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"])


def namespace_problem(namespace: str) -> str | None:
    """What is wrong with this namespace ("" for none), or None."""
    if namespace and (len(namespace) > 63 or not _DNS_LABEL.fullmatch(namespace)):
        return f"namespace {namespace!r} is not a valid name (a DNS-1123 label)"
    return None


def name_problem(group: str, kind: str, name: str) -> str | None:
    """What is wrong with this name for an object of this kind, or None."""
    if group == "rbac.authorization.k8s.io" and kind in _PATH_SEGMENT_NAMES:
        if name in (".", "..") or "/" in name or "%" in name:
            return f"name {name!r} is not a valid path segment"
    elif len(name) > 253 or not _DNS_SUBDOMAIN.fullmatch(name):
        return (
            f"name {name!r} is not a valid Kubernetes name (lower case letters, digits, "
            "'-' and '.', at most 253 characters)"
        )
    return None
