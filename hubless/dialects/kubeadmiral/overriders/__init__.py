"""KubeAdmiral's override-policy overriders, applied to one member-cluster object.

What the `overriders` of an OverridePolicy / ClusterOverridePolicy rule
(core.kubeadmiral.io/v1alpha1) do to an object, as KubeAdmiral's override controller and
sync controller do it:

* A rule's overriders become JSON-patch operations, all computed from the object as it was
  before the rule, in a fixed order whatever the YAML order: image, command, args, envs,
  annotations, labels, jsonpatch (`patches.rule_patches`). Image, command, args and envs
  emit one `replace` per touched field, sorted by path; annotations and labels one
  `replace` of the whole map; jsonpatch entries are copied as written. So when two
  overriders touch the same field, the later kind in that order wins, and jsonpatch
  always wins.
* Several rules chain: each rule's operations are computed from the object with the
  earlier rules' operations applied (`cluster_patches`).
* Operations apply with evanphx/json-patch v4's semantics (`hubless.dialects.jsonpatch_v4`).
* Any error fails the whole object (`KubeAdmiralOverrideError`).

One module per concept: `model` (the overriders as written), `parse` (read from a policy),
`reader` (typed reading, EnvVars), `podspec` (where containers are), `reference` (the
image grammar), one module per overrider family (`image`, `entrypoint`, `envs`,
`metadata`) and `patches` (their order, chaining, applying). Which rules apply to which
cluster is decided elsewhere.
"""

from hubless.dialects.jsonpatch_v4 import Patch
from hubless.dialects.kubeadmiral.overriders.model import (
    EntrypointOverrider,
    EnvOverrider,
    ImageOperation,
    ImageOverrider,
    JsonPatchOverrider,
    KubeAdmiralOverrideError,
    KubeAdmiralOverriders,
    StringMapOverrider,
)
from hubless.dialects.kubeadmiral.overriders.parse import parse_overriders
from hubless.dialects.kubeadmiral.overriders.patches import (
    apply_patches,
    cluster_patches,
    rule_patches,
)
from hubless.dialects.kubeadmiral.overriders.reference import format_image, parse_image

__all__ = [
    "EntrypointOverrider",
    "EnvOverrider",
    "ImageOperation",
    "ImageOverrider",
    "JsonPatchOverrider",
    "KubeAdmiralOverrideError",
    "KubeAdmiralOverriders",
    "Patch",
    "StringMapOverrider",
    "apply_patches",
    "cluster_patches",
    "format_image",
    "parse_image",
    "parse_overriders",
    "rule_patches",
]
