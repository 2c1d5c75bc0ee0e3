"""The pod spec of a workload and its containers, as KubeAdmiral's overriders find them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.dialects.kubeadmiral.overriders.model import KubeAdmiralOverrideError
from hubless.dialects.kubeadmiral.overriders.reader import OBJECT, env_var
from hubless.workloads import pod_spec_paths

# (API group, kind) -> where the pod spec is. KubeAdmiral matches the group, not the version.
POD_SPEC_PATHS = pod_spec_paths(
    [("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet"), ("batch", "Job"),
     ("batch", "CronJob"), ("", "Pod")]
)  # fmt: skip
_CONTAINER_LISTS = ("initContainers", "containers")  # init containers are searched first


@dataclass(frozen=True, eq=False)
class Container:
    """A container as Kubernetes' Container type reads it (absent lists stay None)."""

    kind: str  # initContainers or containers
    index: int
    name: str
    image: str
    command: list[str] | None
    args: list[str] | None
    env: list[dict[str, Any]] | None

    def path(self, pointer: str, target: str) -> str:
        return f"{pointer}/{self.kind}/{self.index}/{target}"


def _container(item: Any, kind: str, index: int, where: str) -> Container:
    fields = OBJECT.fields(item, where, ())

    def strings(key: str) -> list[str] | None:
        return None if fields.get(key) is None else OBJECT.strings(fields, key, where)

    env = None
    if fields.get("env") is not None:
        env = [
            env_var(raw, f"{where}.env[{position}]", OBJECT)
            for position, raw in enumerate(OBJECT.items(fields, "env", where))
        ]
    return Container(
        kind,
        index,
        OBJECT.string(fields, "name", where),
        OBJECT.string(fields, "image", where),
        strings("command"),
        strings("args"),
        env,
    )


def _group_kind(body: Mapping[str, Any]) -> tuple[str, str]:
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    version = api_version if isinstance(api_version, str) else ""
    # An apiVersion with more than one "/" does not parse; its group is then empty.
    group = version.split("/")[0] if version.count("/") == 1 else ""
    return group, kind if isinstance(kind, str) else ""


def pod_spec(body: Mapping[str, Any], where: str) -> tuple[str, list[Container]]:
    """(JSON pointer of the pod spec, its init containers then containers)."""
    group, kind = _group_kind(body)
    steps = POD_SPEC_PATHS.get((group, kind))
    if steps is None:
        raise KubeAdmiralOverrideError(
            f"{where}: cannot find the pod spec of a {kind or 'kindless object'}"
            f"{f' in group {group}' if group else ''} (without imagePath only Deployment, "
            "StatefulSet, DaemonSet, Job, CronJob and Pod are supported)"
        )
    dotted = ".".join(steps)
    current: Any = body
    for step in steps:
        if not isinstance(current, Mapping):
            raise KubeAdmiralOverrideError(f"{where}: {dotted} is not an object path")
        if step not in current:
            raise KubeAdmiralOverrideError(f"{where}: pod spec does not exist at {dotted}")
        current = current[step]
    if not isinstance(current, Mapping):
        raise KubeAdmiralOverrideError(f"{where}: {dotted} is not an object")
    # Every container is converted, as Kubernetes' PodSpec type would be, before any is used.
    containers = [
        _container(item, kind_key, index, f"{where}: {dotted}.{kind_key}[{index}]")
        for kind_key in _CONTAINER_LISTS
        for index, item in enumerate(OBJECT.items(current, kind_key, f"{where}: {dotted}"))
    ]
    return "/" + "/".join(steps), containers


def find_container(containers: Sequence[Container], name: str) -> Container | None:
    # The first container with that name, init containers first.
    return next((c for c in containers if c.name == name), None)
