"""KubeAdmiral's overriders as an OverridePolicy rule writes them, and the error they raise.

`overriders` of a rule (core.kubeadmiral.io/v1alpha1) in the spec's shape; what they do is
in the modules beside this one, one per overrider family, put in order by `patches`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class KubeAdmiralOverrideError(Exception):
    """KubeAdmiral would reject the object's overrides: nothing is applied on any cluster.

    `rule` is the position, in the rules given to `cluster_patches`, of the rule that
    failed, when known."""

    def __init__(self, message: str, rule: int | None = None) -> None:
        super().__init__(message)
        self.rule = rule


ADD_IF_ABSENT = "addIfAbsent"
OVERWRITE = "overwrite"
DELETE = "delete"
APPEND = "append"
IMAGE_COMPONENTS = ("Registry", "Repository", "Tag", "Digest")

MAP_OPERATORS = (ADD_IF_ABSENT, OVERWRITE, DELETE)
ENTRYPOINT_OPERATORS = (APPEND, OVERWRITE, DELETE)


@dataclass(frozen=True)
class ImageOperation:
    image_component: str  # one of IMAGE_COMPONENTS
    operator: str = ""  # "" means overwrite
    value: str = ""


@dataclass(frozen=True)
class ImageOverrider:
    container_names: tuple[str, ...] = ()
    image_path: str = ""  # when set, container_names are ignored
    operations: tuple[ImageOperation, ...] = ()


@dataclass(frozen=True)
class EntrypointOverrider:
    """A `command` or `args` entry. An omitted operator stays "": KubeAdmiral's API says it
    defaults to overwrite, but the controller rejects it."""

    container_name: str
    operator: str
    value: tuple[str, ...]


@dataclass(frozen=True)
class EnvOverrider:
    container_name: str
    operator: str  # "" means overwrite
    # EnvVars as KubeAdmiral re-encodes them: name, value when non-empty, valueFrom.
    value: tuple[dict[str, Any], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class StringMapOverrider:
    """An `annotations` or `labels` entry."""

    operator: str  # "" means overwrite
    value: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class JsonPatchOverrider:
    operator: str  # "" means replace
    path: str
    value: Any = field(default=None, hash=False)


@dataclass(frozen=True)
class KubeAdmiralOverriders:
    """One rule's `overriders`, in the spec's shape."""

    image: tuple[ImageOverrider, ...] = ()
    command: tuple[EntrypointOverrider, ...] = ()
    args: tuple[EntrypointOverrider, ...] = ()
    envs: tuple[EnvOverrider, ...] = ()
    annotations: tuple[StringMapOverrider, ...] = ()
    labels: tuple[StringMapOverrider, ...] = ()
    jsonpatch: tuple[JsonPatchOverrider, ...] = ()
