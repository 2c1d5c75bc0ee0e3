"""KubeAdmiral's names: its API, the kinds it owns in policies/, the labels that bind a
plain template to its policies, and the annotations and metadata its controllers move off
a template. Kept apart from the front end so that the registry of dialects
(hubless.dialects) knows them without loading KubeAdmiral's scheduler, and one table
serves both the front end and `hubless convert`."""

DIALECT = "KubeAdmiral"
CORE = "core.kubeadmiral.io/v1alpha1"
PROPAGATION_POLICY = "PropagationPolicy"
CLUSTER_PROPAGATION_POLICY = "ClusterPropagationPolicy"
OVERRIDE_POLICY = "OverridePolicy"
CLUSTER_OVERRIDE_POLICY = "ClusterOverridePolicy"
KINDS = frozenset(
    {
        (CORE, "FederatedCluster"),
        (CORE, PROPAGATION_POLICY),
        (CORE, CLUSTER_PROPAGATION_POLICY),
        (CORE, OVERRIDE_POLICY),
        (CORE, CLUSTER_OVERRIDE_POLICY),
        (CORE, "SchedulingProfile"),
    }
)

PREFIX = "kubeadmiral.io/"
PROPAGATION_POLICY_LABEL = PREFIX + "propagation-policy-name"
CLUSTER_PROPAGATION_POLICY_LABEL = PREFIX + "cluster-propagation-policy-name"
OVERRIDE_POLICY_LABEL = PREFIX + "override-policy-name"
CLUSTER_OVERRIDE_POLICY_LABEL = PREFIX + "cluster-override-policy-name"
POLICY_LABELS = (
    PROPAGATION_POLICY_LABEL,
    CLUSTER_PROPAGATION_POLICY_LABEL,
    OVERRIDE_POLICY_LABEL,
    CLUSTER_OVERRIDE_POLICY_LABEL,
)
NO_AUTO_PROPAGATION = PREFIX + "no-auto-propagation"
NO_FEDERATED = PREFIX + "no-federated-resource"
# Annotations that belong to the FederatedObject (or to nobody): never on a member object.
FEDERATION_ANNOTATIONS = frozenset(
    PREFIX + name
    for name in (
        "retain-replicas", "scheduling-mode", "sticky-cluster", "no-auto-propagation", "orphan",
        "conflict-resolution", "clusters-to-adopt", "tolerations", "placements",
        "clusterSelector", "affinity", "maxClusters", "no-scheduling", "follows-object",
        "followers", "disable-following", "migration-configuration", "dry-run",
        "latest-replicaset-digests", "applied-migration-configuration", "scheduling",
    )
)  # fmt: skip
# Metadata the source object's API server owns: never copied to a member object.
RUNTIME_METADATA = (
    "uid", "resourceVersion", "creationTimestamp", "ownerReferences", "finalizers",
    "managedFields",
)  # fmt: skip
