"""The scope of custom kinds users commonly propagate, read from their projects' CRDs.

Data, not guesses: each group's kinds were read from the `spec.scope` of the
CustomResourceDefinitions its project publishes, at the commit named beside it. A CRD in
templates/ overrides an entry here (hubless.kinds), and a kind in neither is an error.
A scope does not change between versions of one API, so the entries name no version.
"""

from __future__ import annotations

from collections.abc import Mapping

# (API group, namespaced kinds, cluster-scoped kinds)
_GROUPS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # Flux: fluxcd/<controller> config/crd/bases
    # source-controller 39b711b1 (2026-07-02)
    (
        "source.toolkit.fluxcd.io",
        (
            "Bucket",
            "ExternalArtifact",
            "GitRepository",
            "HelmChart",
            "HelmRepository",
            "OCIRepository",
        ),
        (),
    ),
    # kustomize-controller 186fb3b (2026-08-01)
    ("kustomize.toolkit.fluxcd.io", ("Kustomization",), ()),
    # helm-controller 0f61a86 (2026-07-23)
    ("helm.toolkit.fluxcd.io", ("HelmRelease",), ()),
    # notification-controller 2e46958 (2026-08-07)
    ("notification.toolkit.fluxcd.io", ("Alert", "Provider", "Receiver"), ()),
    # image-reflector-controller debe2aa (2026-06-23), image-automation-controller d36e2ea
    # (2026-07-01)
    (
        "image.toolkit.fluxcd.io",
        ("ImagePolicy", "ImageRepository", "ImageUpdateAutomation"),
        (),
    ),
    # Argo CD argoproj/argo-cd manifests/crds 37ee0097cf (2026-08-22), Argo Rollouts
    # argoproj/argo-rollouts manifests/crds 9f8d111d8 (2026-08-17), Argo Workflows
    # argoproj/argo-workflows manifests/base/crds f016ad89eb (2026-08-21) and Argo Events
    # argoproj/argo-events manifests/base/crds 6478ece49 (2026-07-18): one API group
    (
        "argoproj.io",
        (
            "Application",
            "ApplicationSet",
            "AppProject",
            "AnalysisRun",
            "AnalysisTemplate",
            "Experiment",
            "Rollout",
            "CronWorkflow",
            "Workflow",
            "WorkflowArtifactGCTask",
            "WorkflowEventBinding",
            "WorkflowTaskResult",
            "WorkflowTaskSet",
            "WorkflowTemplate",
            "EventBus",
            "EventSource",
            "Sensor",
        ),
        ("ClusterAnalysisTemplate", "ClusterWorkflowTemplate"),
    ),
    # cert-manager/cert-manager deploy/crds 2d0d7f7f7 (2026-08-22)
    ("cert-manager.io", ("Certificate", "CertificateRequest", "Issuer"), ("ClusterIssuer",)),
    ("acme.cert-manager.io", ("Challenge", "Order"), ()),
    # bitnami-labs/sealed-secrets helm/sealed-secrets/crds 86671a88 (2026-04-22)
    ("bitnami.com", ("SealedSecret",), ()),
    # external-secrets/external-secrets config/crds/bases cc5bfbc22 (2026-08-08)
    (
        "external-secrets.io",
        ("ExternalSecret", "PushSecret", "SecretStore"),
        ("ClusterExternalSecret", "ClusterPushSecret", "ClusterSecretStore"),
    ),
    (
        "generators.external-secrets.io",
        (
            "ACRAccessToken",
            "BeyondtrustWorkloadCredentialsDynamicSecret",
            "CloudsmithAccessToken",
            "ECRAuthorizationToken",
            "Fake",
            "GCRAccessToken",
            "GeneratorState",
            "GithubAccessToken",
            "GitlabDeployToken",
            "Grafana",
            "MFA",
            "Password",
            "QuayAccessToken",
            "SSHKey",
            "STSSessionToken",
            "UUID",
            "VaultDynamicSecret",
            "Webhook",
        ),
        ("ClusterGenerator",),
    ),
    # prometheus-operator/prometheus-operator example/prometheus-operator-crd 6adcebc50
    # (2026-08-08)
    (
        "monitoring.coreos.com",
        (
            "Alertmanager",
            "AlertmanagerConfig",
            "PodMonitor",
            "Probe",
            "Prometheus",
            "PrometheusAgent",
            "PrometheusRule",
            "ScrapeConfig",
            "ServiceMonitor",
            "ThanosRuler",
        ),
        (),
    ),
    # kubernetes-sigs/gateway-api config/crd/standard and experimental 4564255ac (2026-08-21)
    (
        "gateway.networking.k8s.io",
        (
            "BackendTLSPolicy",
            "Gateway",
            "GRPCRoute",
            "HTTPRoute",
            "ListenerSet",
            "ReferenceGrant",
            "TCPRoute",
            "TLSRoute",
            "UDPRoute",
        ),
        ("GatewayClass",),
    ),
    # istio/istio manifests/charts/base/files/crd-all.gen.yaml 86c9f01fd73 (2026-08-22)
    (
        "networking.istio.io",
        (
            "DestinationRule",
            "EnvoyFilter",
            "Gateway",
            "ProxyConfig",
            "ServiceEntry",
            "Sidecar",
            "VirtualService",
            "WorkloadEntry",
            "WorkloadGroup",
        ),
        (),
    ),
    (
        "security.istio.io",
        ("AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"),
        (),
    ),
    ("telemetry.istio.io", ("Telemetry",), ()),
    ("extensions.istio.io", ("TrafficExtension", "WasmPlugin"), ()),
    # kedacore/keda config/crd/bases 8b4f083ca (2026-08-20)
    (
        "keda.sh",
        ("ScaledJob", "ScaledObject", "TriggerAuthentication"),
        ("ClusterTriggerAuthentication",),
    ),
    ("eventing.keda.sh", ("CloudEventSource",), ("ClusterCloudEventSource",)),
    # kubernetes-sigs/karpenter pkg/apis/crds 226646810 (2026-08-20), and
    # aws/karpenter-provider-aws pkg/apis/crds 1d927085d (2026-08-21)
    ("karpenter.sh", (), ("NodeClaim", "NodeOverlay", "NodePool")),
    ("karpenter.k8s.aws", (), ("EC2NodeClass",)),
    # openkruise/kruise config/crd/bases 07169cfac (2026-07-02)
    (
        "apps.kruise.io",
        (
            "AdvancedCronJob",
            "BroadcastJob",
            "CloneSet",
            "ContainerRecreateRequest",
            "DaemonSet",
            "EphemeralJob",
            "ImageListPullJob",
            "ImagePullJob",
            "PersistentPodState",
            "PodProbeMarker",
            "StatefulSet",
            "UnitedDeployment",
            "WorkloadSpread",
        ),
        ("NodeImage", "NodePodProbe", "ResourceDistribution", "SidecarSet"),
    ),
    ("policy.kruise.io", ("PodUnavailableBudget",), ()),
    # kyverno/kyverno config/crds/kyverno 111e07bbec (2026-08-21)
    (
        "kyverno.io",
        ("CleanupPolicy", "Policy", "PolicyException", "UpdateRequest"),
        ("ClusterCleanupPolicy", "ClusterPolicy", "GlobalContextEntry"),
    ),
    # kubeflow/spark-operator config/crd/bases 38082f33 (2026-08-21)
    (
        "sparkoperator.k8s.io",
        ("ScheduledSparkApplication", "SparkApplication", "SparkConnect"),
        (),
    ),
    # Kubeflow: kubeflow/training-operator manifests/base/crds ee1162919 (2025-02-01, the
    # last commit with its v1 jobs), kubeflow/mpi-operator manifests/base caa3c47
    # (2026-07-02) and kubeflow/notebooks components/notebook-controller/config/crd
    # 177b0986 (2026-06-25, branch notebooks-v1): one API group
    (
        "kubeflow.org",
        (
            "JAXJob",
            "MPIJob",
            "Notebook",
            "PaddleJob",
            "PyTorchJob",
            "TFJob",
            "XGBoostJob",
        ),
        (),
    ),
    # ray-project/kuberay ray-operator/config/crd/bases feeaf72fa (2026-08-19)
    ("ray.io", ("RayCluster", "RayCronJob", "RayJob", "RayService"), ()),
    # apache/flink-kubernetes-operator helm/flink-kubernetes-operator/crds 6e9caeb4 (2026-07-20)
    (
        "flink.apache.org",
        (
            "FlinkBlueGreenDeployment",
            "FlinkDeployment",
            "FlinkSessionJob",
            "FlinkStateSnapshot",
        ),
        (),
    ),
    # volcano-sh/volcano config/crd/volcano/bases ed72c7c81 (2026-08-20)
    ("batch.volcano.sh", ("CronJob", "Job"), ()),
    # Karmada's own API groups, never propagated (hubless.kinds), but read from templates/:
    # karmada-io/karmada charts/karmada/_crds/bases f8fdd02df (2026-08-21)
    ("apps.karmada.io", (), ("WorkloadRebalancer",)),
    ("autoscaling.karmada.io", ("CronFederatedHPA", "FederatedHPA"), ()),
    (
        "config.karmada.io",
        (),
        ("ResourceInterpreterCustomization", "ResourceInterpreterWebhookConfiguration"),
    ),
    ("networking.karmada.io", ("MultiClusterIngress", "MultiClusterService"), ()),
    ("remedy.karmada.io", (), ("Remedy",)),
    ("work.karmada.io", ("ResourceBinding", "Work"), ("ClusterResourceBinding",)),
)

KNOWN_SCOPES: Mapping[tuple[str, str], bool] = {
    (group, kind): namespaced
    for group, namespaced_kinds, cluster_kinds in _GROUPS
    for namespaced, kinds in ((True, namespaced_kinds), (False, cluster_kinds))
    for kind in kinds
}
"""(API group, kind) -> namespaced?"""
