"""Where the containers of the kinds Karmada's overriders know about live."""

from __future__ import annotations

from typing import Any

from hubless import pointer
from hubless.workloads import pod_spec_paths

# kind -> JSON pointer of the pod spec; Karmada matches on kind alone.
POD_SPEC_PATHS = {
    kind: pointer.join(steps)
    for (_, kind), steps in pod_spec_paths(
        [("", "Pod"), ("apps", "ReplicaSet"), ("apps", "Deployment"), ("apps", "DaemonSet"),
         ("apps", "StatefulSet"), ("batch", "Job")]
    ).items()
}  # fmt: skip


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
