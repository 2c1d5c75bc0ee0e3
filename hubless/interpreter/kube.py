"""Karmada's `kube` Lua library (luavm/kube.go), on Python values."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hubless import dependencies, workloads
from hubless.quantity import DECIMAL_SI, canonical, parse_quantity, quantity_format, units_text


class KubeError(Exception):
    """A kube helper was called with arguments it does not accept."""


def _quantity(value: Any) -> Fraction:
    if value is None:
        return Fraction(0)
    if not isinstance(value, str):
        raise KubeError("bad argument (string expected)")
    amount = parse_quantity(value)
    if amount is None:
        raise KubeError(f"quantities must match the regular expression: {value!r}")
    return amount


def resource_add(*values: Any) -> str:
    """The sum of quantities (nil counts as zero) as Quantity.String() prints it.

    Quantity.Add gives a zero sum the format of the quantity added to it, so the result
    is written in the format of the first quantity added after the sum was last zero."""
    total, form = Fraction(0), DECIMAL_SI
    for v in values:
        if total == 0 and v is not None:
            form = quantity_format(v)
        total += _quantity(v)
    return canonical(total, form)


def get_resource_quantity(*values: Any) -> float:
    if len(values) != 1:
        raise KubeError("getResourceQuantity only accepts one argument")
    return float(_quantity(values[0]))


def accurate_pod_requirements(*values: Any) -> dict[str, Any] | None:
    """GenerateReplicaRequirements(podTemplate): node claim and summed requests."""
    if len(values) != 1:
        raise KubeError("getPodRequirements only accepts one argument")
    template = values[0]
    spec = template.get("spec") if isinstance(template, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    requests = workloads.pod_requests(spec)
    result: dict[str, Any] = {}
    affinity = spec.get("affinity")
    node_affinity = affinity.get("nodeAffinity") if isinstance(affinity, dict) else None
    hard = (
        node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(node_affinity, dict)
        else None
    )
    claim = {
        "nodeSelector": spec.get("nodeSelector") or None,
        "tolerations": spec.get("tolerations") or None,
        "hardNodeAffinity": hard,
    }
    if any(v is not None for v in claim.values()):
        result["nodeClaim"] = {k: v for k, v in claim.items() if v is not None}
    if requests:
        result["resourceRequest"] = {
            name: units_text(name, units) for name, units in requests.items()
        }
    return result or None


def get_pod_dependencies(*values: Any) -> list[dict[str, str]] | None:
    """GetDependenciesFromPodTemplate: the ConfigMaps, Secrets, ServiceAccount and
    PersistentVolumeClaims a pod template names, in the template's namespace
    (`default` when it has none)."""
    if len(values) != 2:
        raise KubeError("getPodDependencies only accepts two argument")
    template, namespace = values
    if namespace is None:
        namespace = "default"
    elif isinstance(namespace, int | float):
        namespace = str(namespace)
    elif not isinstance(namespace, str):
        raise KubeError("bad argument #2 (string expected)")
    spec = template.get("spec") if isinstance(template, dict) else None
    found = dependencies.pod_references(spec if isinstance(spec, dict) else {})
    listed = [
        {"apiVersion": "v1", "kind": r.kind, "namespace": namespace, "name": r.name} for r in found
    ]
    return listed or None
