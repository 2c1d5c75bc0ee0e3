"""A leader's per-pod GPU request: the only request KubeAdmiral's scheduler reads."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hubless.dialects.kubeadmiral.followers import LEADERS
from hubless.dialects.kubeadmiral.scheduler.types import GPU
from hubless.quantity import parse_quantity


def _container_gpu(container: Any) -> Fraction | None:
    """requests, or limits when the request is not written (the API server copies it)."""
    resources = container.get("resources") if isinstance(container, dict) else None
    if not isinstance(resources, dict):
        return None
    for key in ("requests", "limits"):
        section = resources.get(key)
        if isinstance(section, dict) and GPU in section:
            return parse_quantity(section[GPU])
    return None


def gpu_request(group: str, kind: str, body: dict[str, Any]) -> dict[str, Fraction]:
    """{nvidia.com/gpu: amount} for one pod when any container mentions it, else {}:
    containers summed, maxed with each init container, plus the pod overhead."""
    spec: Any = body
    for key in LEADERS.get((group, kind), ("-",)):
        spec = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return {}
    seen = False
    total = Fraction(0)
    for container in spec.get("containers") or []:
        amount = _container_gpu(container)
        if amount is not None:
            seen, total = True, total + amount
    for container in spec.get("initContainers") or []:
        amount = _container_gpu(container)
        if amount is not None:
            seen, total = True, max(total, amount)
    overhead = spec.get("overhead")
    if isinstance(overhead, dict) and GPU in overhead:
        amount = parse_quantity(overhead[GPU])
        if amount is not None:
            seen, total = True, total + amount
    return {GPU: total} if seen else {}
