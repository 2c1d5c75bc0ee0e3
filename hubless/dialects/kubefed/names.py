"""Kubefed's names: its APIs and the kinds it owns in policies/ and templates/. Kept apart
from the front end so that the registry of dialects (hubless.dialects) knows them without
loading Kubefed's scheduler."""

DIALECT = "Kubefed"
CORE = "core.kubefed.io/v1beta1"
SCHEDULING = "scheduling.kubefed.io/v1alpha1"
TYPES_GROUP = "types.kubefed.io"
KINDS = frozenset(
    {
        (CORE, "KubeFedCluster"),
        (CORE, "FederatedTypeConfig"),
        (SCHEDULING, "ReplicaSchedulingPreference"),
    }
)
TEMPLATE_GROUPS = frozenset({TYPES_GROUP})
