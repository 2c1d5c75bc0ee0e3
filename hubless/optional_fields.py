"""Fields the bundled OpenAPI schemas call required and the API server does not.

An OpenAPI `required` list names every field whose Go json tag lacks `omitempty` (and that
is not marked `+optional`); the API server enforces only what its validation code checks,
after defaulting. Where the two differ, a schema check would refuse an object the cluster
accepts: a StatefulSet without `spec.serviceName` (an empty string is fine) is the known
case. This table lists those fields, for the Kubernetes versions whose schemas list them,
each checked against the validation code (k8s.io/kubernetes pkg/apis/<group>/validation,
the group's defaults.go, apiextensions-apiserver for CRDs); kubeschema drops them from
`required` when it loads a version's schemas. A field the server does check stays required.
"""

from __future__ import annotations

from typing import NamedTuple

Minor = tuple[int, int]  # (major, minor) of a bundled schema version


class NotEnforced(NamedTuple):
    definition: str  # the OpenAPI definition, as the schemas name it
    field: str
    first: Minor  # the schema versions whose `required` lists it wrongly, inclusive
    last: Minor
    why: str  # what the API server does with the field absent
    source: str  # the upstream code that says so


_CORE = "k8s.io/kubernetes pkg/apis/core/validation/validation.go"
_LAST = (1, 37)  # the newest bundled schemas still list it

NOT_ENFORCED: tuple[NotEnforced, ...] = (
    NotEnforced(
        "io.k8s.api.apps.v1.StatefulSetSpec",
        "serviceName",
        (1, 25),
        (1, 32),
        "an empty string is valid: nothing checks it; marked +optional from 1.33",
        "pkg/apis/apps/validation/validation.go ValidateStatefulSetSpec; "
        "k8s.io/api commit 'Mark StatefulSet's .spec.serviceName optional'",
    ),
    NotEnforced(
        "io.k8s.api.apps.v1.ControllerRevision",
        "revision",
        (1, 25),
        (1, 36),
        "only checked to be non-negative: 0 is valid",
        "pkg/apis/apps/validation/validation.go ValidateControllerRevision",
    ),
    NotEnforced(
        "io.k8s.api.batch.v1.PodFailurePolicy",
        "rules",
        (1, 25),
        _LAST,
        "only the number of rules is bounded: none is valid",
        "pkg/apis/batch/validation/validation.go validatePodFailurePolicy",
    ),
    NotEnforced(
        "io.k8s.api.batch.v1.PodFailurePolicyRule",
        "onPodConditions",
        (1, 25),
        (1, 28),
        "a rule needs onExitCodes or onPodConditions, not both; optional from 1.29",
        "pkg/apis/batch/validation/validation.go validatePodFailurePolicyRule",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.HTTPHeader",
        "value",
        (1, 25),
        _LAST,
        "only header names are checked: an empty value is valid",
        f"{_CORE} validateHTTPGetAction",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.ISCSIVolumeSource",
        "lun",
        (1, 25),
        _LAST,
        "checked to be within 0-255: 0 is valid",
        f"{_CORE} validateISCSIVolumeSource",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.ISCSIPersistentVolumeSource",
        "lun",
        (1, 25),
        _LAST,
        "checked to be within 0-255: 0 is valid",
        f"{_CORE} validateISCSIPersistentVolumeSource",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.LimitRangeSpec",
        "limits",
        (1, 25),
        _LAST,
        "each limit is checked; none is valid",
        f"{_CORE} ValidateLimitRange",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.PreferredSchedulingTerm",
        "preference",
        (1, 25),
        _LAST,
        "an empty node selector term is valid",
        f"{_CORE} ValidatePreferredSchedulingTerms, ValidateNodeSelectorTerm",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.ScaleIOVolumeSource",
        "secretRef",
        (1, 25),
        _LAST,
        "gateway, system and volumeName are checked, secretRef is not",
        f"{_CORE} validateScaleIOVolumeSource",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.ScaleIOPersistentVolumeSource",
        "secretRef",
        (1, 25),
        _LAST,
        "gateway, system and volumeName are checked, secretRef is not",
        f"{_CORE} validateScaleIOPersistentVolumeSource",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.SleepAction",
        "seconds",
        (1, 33),
        _LAST,
        "0 is valid once PodLifecycleSleepActionAllowZero is on (default from 1.33)",
        f"{_CORE} validateSleepAction; pkg/features/kube_features.go",
    ),
    NotEnforced(
        "io.k8s.api.core.v1.Sysctl",
        "value",
        (1, 25),
        _LAST,
        "only sysctl names are checked: an empty value is valid",
        f"{_CORE} validateSysctls",
    ),
    NotEnforced(
        "io.k8s.api.discovery.v1.EndpointSlice",
        "endpoints",
        (1, 25),
        (1, 35),
        "only the number of endpoints is bounded: none is valid; optional from 1.36",
        "pkg/apis/discovery/validation/validation.go validateEndpoints",
    ),
    NotEnforced(
        "io.k8s.api.networking.v1.NetworkPolicySpec",
        "podSelector",
        (1, 25),
        (1, 33),
        "an empty selector (every pod of the namespace) is valid; optional from 1.34",
        "pkg/apis/networking/validation/validation.go ValidateNetworkPolicySpec",
    ),
    NotEnforced(
        "io.k8s.api.rbac.v1.RoleRef",
        "apiGroup",
        (1, 25),
        (1, 35),
        "RoleBinding and ClusterRoleBinding default it to rbac.authorization.k8s.io",
        "pkg/apis/rbac/v1/defaults.go; pkg/apis/rbac/validation/validation.go",
    ),
    NotEnforced(
        "io.k8s.api.scheduling.v1.PriorityClass",
        "value",
        (1, 25),
        (1, 35),
        "only checked against the highest user-definable priority: 0 is valid",
        "pkg/apis/scheduling/validation/validation.go ValidatePriorityClass",
    ),
    *(
        NotEnforced(
            f"io.k8s.api.resource.{version}.{kind}",
            "spec",
            first,
            (1, 36),
            "an empty spec (no requests, selectors or config) is valid",
            "pkg/apis/resource/validation/validation.go validateResourceClaimSpec, "
            "validateDeviceClassSpec",
        )
        for version, first in (("v1beta1", (1, 32)), ("v1beta2", (1, 33)), ("v1", (1, 34)))
        for kind in (
            "DeviceClass",
            "ResourceClaim",
            "ResourceClaimTemplate",
            "ResourceClaimTemplateSpec",
        )
    ),
    *(
        NotEnforced(
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion",
            field,
            (1, 25),
            _LAST,
            "false is valid; only exactly one version must be the storage version",
            "k8s.io/apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go",
        )
        for field in ("served", "storage")
    ),
)


def not_enforced(version: Minor) -> dict[str, frozenset[str]]:
    """For the schemas of `version`: definition -> the fields to drop from its `required`."""
    found: dict[str, set[str]] = {}
    for entry in NOT_ENFORCED:
        if entry.first <= version <= entry.last:
            found.setdefault(entry.definition, set()).add(entry.field)
    return {definition: frozenset(fields) for definition, fields in found.items()}
