"""Where the containers of the kinds Karmada's overriders know about live."""

from __future__ import annotations

from typing import Any

# kind -> JSON pointer of the pod spec; Karmada matches on kind alone.
POD_SPEC_PATHS = {
    "Pod": "/spec",
    "ReplicaSet": "/spec/template/spec",
    "Deployment": "/spec/template/spec",
    "DaemonSet": "/spec/template/spec",
    "StatefulSet": "/spec/template/spec",
    "Job": "/spec/template/spec",
}


def containers(body: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """(pointer to the containers list, the list) for a known kind, else None."""
    prefix = POD_SPEC_PATHS.get(str(body.get("kind")))
    if prefix is None:
        return None
    current: Any = body
    for part in prefix.strip("/").split("/"):
        current = current.get(part) if isinstance(current, dict) else None
    items = current.get("containers") if isinstance(current, dict) else None
    return f"{prefix}/containers", items if isinstance(items, list) else []
