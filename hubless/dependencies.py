"""propagateDeps: the ConfigMaps, Secrets, ServiceAccounts and PVCs a workload uses go
wherever the workload goes (Karmada's dependencies distributor).

References are read exactly where Karmada's native interpreter reads them. Because
plaintext Secrets do not belong in git, a Secret reference is also satisfied by a
SealedSecret (bitnami.com) of that name or an ExternalSecret (external-secrets.io) that
produces a Secret of that name: an extension over Karmada.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from hubless.model import LabelSelector, ResourceKey, ResourceTemplate
from hubless.selectors import describe_selector, label_selector_matches
from hubless.service_import import derived_name
from hubless.workloads import mapping_at, pod_spec_paths

# The kinds whose pod spec Karmada's dependency interpreter reads references from.
_POD_SPECS = pod_spec_paths(
    [("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
     ("apps", "DaemonSet"), ("batch", "Job"), ("", "Pod"), ("batch", "CronJob")]
)  # fmt: skip
# Secret volume sources, in the order Karmada looks at them: the first present counts.
_SECRET_VOLUMES = (
    ("azureFile", "secretName"),
    ("cephfs", "secretRef"),
    ("cinder", "secretRef"),
    ("flexVolume", "secretRef"),
    ("projected", None),
    ("rbd", "secretRef"),
    ("secret", "secretName"),
    ("scaleIO", "secretRef"),
    ("iscsi", "secretRef"),
    ("storageos", "secretRef"),
    ("csi", "nodePublishSecretRef"),
)


class Reference(NamedTuple):
    """What a workload needs: a named object, or the objects a label selector matches.

    The namespace is the workload's unless given (an interpreter script names it; "" is a
    cluster-scoped object).
    """

    group: str
    kind: str
    name: str
    selector: LabelSelector | None = None
    namespace: str | None = None

    def describe(self, namespace: str) -> str:
        where = namespace if self.namespace is None else self.namespace
        what = self.name or f"with labels {describe_selector(self.selector)}"
        return f"{self.kind} {where}/{what}" if where else f"{self.kind} {what}"


def _get(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(kind: str, names: Iterable[Any]) -> list[Reference]:
    return [Reference("", kind, n) for n in names if isinstance(n, str) and n]


def _pod_references(spec: dict[str, Any]) -> list[Reference]:
    containers = [
        *_items(spec.get("containers")),
        *_items(spec.get("initContainers")),
        *_items(spec.get("ephemeralContainers")),
    ]
    config_maps: list[Any] = []
    secrets: list[Any] = [_get(s, "name") for s in _items(spec.get("imagePullSecrets"))]
    for container in containers:
        for source in _items(_get(container, "envFrom")):
            config_maps.append(_get(source, "configMapRef", "name"))
            secrets.append(_get(source, "secretRef", "name"))
        for variable in _items(_get(container, "env")):
            config_maps.append(_get(variable, "valueFrom", "configMapKeyRef", "name"))
            secrets.append(_get(variable, "valueFrom", "secretKeyRef", "name"))
    claims: list[Any] = []
    for volume in _items(spec.get("volumes")):
        config_maps.append(_get(volume, "configMap", "name"))
        for source in _items(_get(volume, "projected", "sources")):
            config_maps.append(_get(source, "configMap", "name"))
        for kind, field in _SECRET_VOLUMES:
            section = _get(volume, kind)
            if not isinstance(section, dict):
                continue
            if kind == "projected":
                secrets.extend(_get(s, "secret", "name") for s in _items(section.get("sources")))
            elif field == "secretName":
                secrets.append(section.get(field))
            elif field is not None:
                secrets.append(_get(section, field, "name"))
            break
        claims.append(_get(volume, "persistentVolumeClaim", "claimName"))
    account = spec.get("serviceAccountName")
    accounts = [account] if account != "default" else []
    return [
        *_names("ConfigMap", config_maps),
        *_names("Secret", secrets),
        *_names("ServiceAccount", accounts),
        *_names("PersistentVolumeClaim", claims),
    ]


def pod_references(spec: dict[str, Any]) -> list[Reference]:
    """What a pod spec names, deduplicated, in a stable order."""
    return list(dict.fromkeys(_pod_references(spec)))


def references(template: ResourceTemplate) -> list[Reference]:
    """The objects a template depends on, deduplicated, in a stable order."""
    group, kind, body = template.group, template.kind, template.body
    found: list[Reference] = []
    steps = _POD_SPECS.get((group, kind))
    if steps is not None:
        spec = mapping_at(body, steps)
        found = _pod_references(spec) if spec is not None else []
        if (group, kind) == ("apps", "StatefulSet"):
            claim_templates = {
                _get(t, "metadata", "name")
                for t in _items(_get(body, "spec", "volumeClaimTemplates"))
            }
            found = [
                r
                for r in found
                if not (r.kind == "PersistentVolumeClaim" and r.name in claim_templates)
            ]
    elif (group, kind) == ("networking.k8s.io", "Ingress"):
        found = _names("Secret", (_get(t, "secretName") for t in _items(_get(body, "spec", "tls"))))
    elif (group, kind) == ("multicluster.x-k8s.io", "ServiceImport"):
        derived = derived_name(template.name)
        found = [
            Reference("", "Service", derived),
            Reference(
                "discovery.k8s.io",
                "EndpointSlice",
                "",
                LabelSelector(match_labels=(("kubernetes.io/service-name", derived),)),
            ),
        ]
    return list(dict.fromkeys(found))


class Resolver:
    """Finds the templates that satisfy references, within one namespace."""

    def __init__(self, templates: Iterable[ResourceTemplate]) -> None:
        self.by_key: dict[ResourceKey, ResourceTemplate] = {}
        self.external_secrets: dict[tuple[str, str], ResourceTemplate] = {}
        self.by_namespace: dict[str, list[ResourceTemplate]] = {}
        for template in templates:
            self.by_key[template.key] = template
            self.by_namespace.setdefault(template.namespace, []).append(template)
            if template.kind == "ExternalSecret" and template.group == "external-secrets.io":
                target = _get(template.body, "spec", "target", "name") or template.name
                self.external_secrets.setdefault((template.namespace, str(target)), template)

    def resolve(self, namespace: str, reference: Reference) -> list[ResourceTemplate]:
        """The templates `reference` of a workload in `namespace` names."""
        if reference.namespace is not None:
            namespace = reference.namespace
        if reference.selector is not None and not reference.name:
            selector = reference.selector
            return [
                t
                for t in self.by_namespace.get(namespace, [])
                if (t.group, t.kind) == (reference.group, reference.kind)
                and label_selector_matches(selector, t.labels)
            ]
        found = self.by_key.get(
            ResourceKey(reference.group, reference.kind, namespace, reference.name)
        )
        if found is not None:
            return [found]
        if reference.kind == "Secret":
            sealed = self.by_key.get(
                ResourceKey("bitnami.com", "SealedSecret", namespace, reference.name)
            )
            if sealed is not None:
                return [sealed]
            external = self.external_secrets.get((namespace, reference.name))
            if external is not None:
                return [external]
        return []


def union_clusters(requirements: Mapping[ResourceKey, Iterable[str]]) -> list[str]:
    return sorted({name for clusters in requirements.values() for name in clusters})
