"""The Service Karmada's ServiceImport controller derives from a ServiceImport of type
ClusterSetIP (pkg/controllers/mcs/service_import_controller.go): `derived-<name>` in its
namespace, type ClusterIP, with the import's ports. It is a resource template of the control
plane like any other: a policy places it, and `propagateDeps` on the ServiceImport takes it
along (hubless.dependencies)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hubless.model import ResourceTemplate

SERVICE_IMPORT = ("multicluster.x-k8s.io", "ServiceImport")
CLUSTER_SET_IP = "ClusterSetIP"
# The ServicePort fields the controller copies, in its order; empty ones are left out, as
# Go's JSON leaves them out (`port` is written even when 0).
_PORT_FIELDS = ("name", "protocol", "port", "appProtocol")


def derived_name(service_import: str) -> str:
    """names.GenerateDerivedServiceName."""
    return f"derived-{service_import}"


def _ports(spec: Any) -> list[dict[str, Any]]:
    raw = spec.get("ports") if isinstance(spec, dict) else None
    ports = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        port = {k: entry[k] for k in _PORT_FIELDS if entry.get(k) not in (None, "")}
        port.setdefault("port", 0)
        ports.append({k: port[k] for k in _PORT_FIELDS if k in port})
    return ports


def derived_services(templates: Iterable[ResourceTemplate]) -> list[ResourceTemplate]:
    """The Service each ClusterSetIP ServiceImport of `templates` derives, at its source."""
    found = []
    for template in templates:
        if (template.group, template.kind) != SERVICE_IMPORT:
            continue
        spec = template.body.get("spec")
        if not isinstance(spec, dict) or spec.get("type") != CLUSTER_SET_IP:
            continue
        name = derived_name(template.name)
        body = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": template.namespace},
            "spec": {"type": "ClusterIP", "ports": _ports(spec)},
        }
        found.append(
            ResourceTemplate("v1", "Service", template.namespace, name, body, template.source)
        )
    return found
