"""KubeAdmiral's names: its API, the kinds it owns in policies/, and the labels that bind a
plain template to its policies. Kept apart from the front end so that the registry of
dialects (hubless.dialects) knows them without loading KubeAdmiral's scheduler."""

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
