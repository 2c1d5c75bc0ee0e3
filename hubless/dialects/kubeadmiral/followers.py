"""Follower scheduling: which objects a leader workload takes along to its clusters.

KubeAdmiral's set differs from Karmada's propagateDeps (hubless/dependencies.py): every
secret-bearing volume source counts (not only the first present), a ServiceAccount named
`default` counts when written, Ingress TLS secrets do not (an Ingress is a follower, never a
leader), and the leader may name more followers in the `kubeadmiral.io/followers`
annotation.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from hubless.model import ResourceTemplate

FOLLOWERS = "kubeadmiral.io/followers"
DISABLE_FOLLOWING = "kubeadmiral.io/disable-following"

# (group, kind) -> path of the pod spec inside the leader.
LEADERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec", "template", "spec"),
    ("apps", "StatefulSet"): ("spec", "template", "spec"),
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("", "Pod"): ("spec",),
}
FOLLOWER_KINDS = frozenset(
    {
        ("", "ConfigMap"),
        ("", "Secret"),
        ("", "PersistentVolumeClaim"),
        ("", "ServiceAccount"),
        ("", "Service"),
        ("networking.k8s.io", "Ingress"),
        ("autoscaling", "HorizontalPodAutoscaler"),
    }
)
# Volume sources whose secret reference is `secretRef.name` (Kubernetes'
# VisitPodSecretNames, which KubeAdmiral's follower controller calls; azureFile names its
# secret in `secretName`).
_SECRET_REF_VOLUMES = (
    "cephfs",
    "cinder",
    "flexVolume",
    "rbd",
    "scaleIO",
    "iscsi",
    "storageos",
)


class Follower(NamedTuple):
    group: str
    kind: str
    name: str


def _get(value: Any, *path: str) -> Any:
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _pod_followers(spec: dict[str, Any]) -> list[Follower]:
    secrets: list[Any] = [_get(s, "name") for s in _items(spec.get("imagePullSecrets"))]
    config_maps: list[Any] = []
    claims: list[Any] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec.get(key)):
            for source in _items(_get(container, "envFrom")):
                secrets.append(_get(source, "secretRef", "name"))
                config_maps.append(_get(source, "configMapRef", "name"))
            for variable in _items(_get(container, "env")):
                secrets.append(_get(variable, "valueFrom", "secretKeyRef", "name"))
                config_maps.append(_get(variable, "valueFrom", "configMapKeyRef", "name"))
    for volume in _items(spec.get("volumes")):
        secrets.append(_get(volume, "secret", "secretName"))
        secrets.append(_get(volume, "azureFile", "secretName"))
        config_maps.append(_get(volume, "configMap", "name"))
        for source in _items(_get(volume, "projected", "sources")):
            secrets.append(_get(source, "secret", "name"))
            config_maps.append(_get(source, "configMap", "name"))
        secrets.extend(_get(volume, kind, "secretRef", "name") for kind in _SECRET_REF_VOLUMES)
        secrets.append(_get(volume, "csi", "nodePublishSecretRef", "name"))
        claims.append(_get(volume, "persistentVolumeClaim", "claimName"))
    found = [
        *(Follower("", "Secret", n) for n in secrets),
        *(Follower("", "ConfigMap", n) for n in config_maps),
        *(Follower("", "PersistentVolumeClaim", n) for n in claims),
    ]
    account = spec.get("serviceAccountName")
    if isinstance(account, str):
        found.append(Follower("", "ServiceAccount", account))
    return [f for f in found if isinstance(f.name, str) and f.name]


def _annotated(template: ResourceTemplate, annotations: dict[str, str]) -> list[Follower]:
    """The followers annotation: a JSON list of {group?, kind, name}; unreadable is ignored,
    as KubeAdmiral logs and skips it."""
    text = annotations.get(FOLLOWERS)
    if not text:
        return []
    try:
        entries = json.loads(text)
    except ValueError:
        return []
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        group, kind, name = entry.get("group", ""), entry.get("kind"), entry.get("name")
        if isinstance(group, str) and isinstance(kind, str) and isinstance(name, str) and name:
            found.append(Follower(group, kind, name))
    return found


def followers(template: ResourceTemplate, annotations: dict[str, str]) -> list[Follower]:
    """The objects (in the leader's namespace) that follow `template`, deduplicated; only
    follower kinds count. `annotations` are the leader's, as written in templates/."""
    path = LEADERS.get((template.group, template.kind))
    if path is None or not template.namespace:
        return []
    spec = _get(template.body, *path)
    found = _pod_followers(spec) if isinstance(spec, dict) else []
    found += _annotated(template, annotations)
    return [f for f in dict.fromkeys(found) if (f.group, f.kind) in FOLLOWER_KINDS]
