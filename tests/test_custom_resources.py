"""Custom resources: the scope of their kinds, and the APIs their CRDs install.

`fixtures/karmada-guestbook/` holds Karmada's samples/guestbook as it is in
karmada-io/karmada (f8fdd02df); the Flux objects are those of Karmada's "Use Flux to
support Helm chart propagation" guide (karmada-io/website
docs/userguide/cicd/working-with-flux.md).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hubless.documents import parse_documents
from hubless.serialize import dump
from tests.conftest import COMMON_APIS, read_rendered, run_hubless, write_tree

GUESTBOOK = Path(__file__).parent / "fixtures" / "karmada-guestbook"


def member(
    name: str,
    apis: Mapping[str, tuple[str, ...]] | None = COMMON_APIS,
    taints: tuple[Mapping[str, str], ...] = (),
) -> dict[str, Any]:
    """A member cluster as `kubectl get clusters -o yaml` shows it: Ready, Kubernetes 1.31."""
    status: dict[str, Any] = {
        "kubernetesVersion": "v1.31.0",
        "conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "CompleteAPIEnablements", "status": "True"},
        ],
    }
    if apis is not None:
        status["apiEnablements"] = [
            {"groupVersion": gv, "resources": [{"name": k.lower() + "s", "kind": k} for k in ks]}
            for gv, ks in apis.items()
        ]
    spec: dict[str, Any] = {"syncMode": "Push"}
    if taints:
        spec["taints"] = [dict(t) for t in taints]
    return {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": spec,
        "status": status,
    }


def clusters_yaml(*clusters: dict[str, Any]) -> str:
    return "---\n".join(dump(c) for c in clusters)


def fixture(name: str) -> str:
    return (GUESTBOOK / name).read_text(encoding="utf-8")


def objects(text: str) -> list[dict[str, Any]]:
    return [d.data for d in parse_documents(text, "expected.yaml")]


# --- a CRD placed by the render serves its API ------------------------------------------


def guestbook_fleet(repo: Path) -> None:
    """Karmada's samples/guestbook on local-up-karmada's three members, which do not serve
    the Guestbook API yet: its CRD is propagated to member1 in the same render."""
    write_tree(
        repo,
        {
            "policies/clusters.yaml": clusters_yaml(
                member("member1"), member("member2"), member("member3")
            ),
            "policies/guestbooks-clusterpropagationpolicy.yaml": fixture(
                "guestbooks-clusterpropagationpolicy.yaml"
            ),
            "policies/guestbooks-propagationpolicy.yaml": fixture(
                "guestbooks-propagationpolicy.yaml"
            ),
            "policies/guestbooks-overridepolicy.yaml": fixture("guestbooks-overridepolicy.yaml"),
            "templates/guestbooks-crd.yaml": fixture("guestbooks-crd.yaml"),
            "templates/guestbook.yaml": fixture("guestbook.yaml"),
        },
    )


def test_karmada_guestbook_goes_with_its_crd(tmp_path: Path) -> None:
    guestbook_fleet(tmp_path)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    (crd,) = objects(fixture("guestbooks-crd.yaml"))
    # What Karmada's member1 holds once the CRD is served: the namespace Karmada's API
    # server defaulted, then the OverridePolicy's two plaintext patches.
    guestbook = {
        "apiVersion": "webapp.my.domain/v1",
        "kind": "Guestbook",
        "metadata": {
            "name": "guestbook-sample",
            "namespace": "default",
            "annotations": {"OverridePolicy": "test"},
        },
        "spec": {"size": 4, "configMapName": "test", "alias": "Name"},
    }
    assert read_rendered(tmp_path) == {
        "member1/_cluster/customresourcedefinition.apiextensions.k8s.io_guestbooks.webapp.my.domain.yaml": crd,
        "member1/default/guestbook.webapp.my.domain_guestbook-sample.yaml": guestbook,
    }


def test_explain_says_which_crd_serves_the_api(tmp_path: Path) -> None:
    guestbook_fleet(tmp_path)
    result = run_hubless("explain", "Guestbook/default/guestbook-sample", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Guestbook.webapp.my.domain/default/guestbook-sample  (templates/guestbook.yaml:1)",
        "policy: PropagationPolicy/default/example-policy "
        "(policies/guestbooks-propagationpolicy.yaml:1), priority 0, matched by kind only",
        "replicas: none (not a workload), Duplicated",
        "API webapp.my.domain/v1 Guestbook: served by CustomResourceDefinition "
        "guestbooks.webapp.my.domain placed on member1 by this render",
        "division: not a workload",
        "clusters:",
        "  member1  yes; overrides: OverridePolicy/default/guestbook-sample[0]",
        '             /metadata/annotations: (absent) -> {"OverridePolicy": "test"}',
        "             /spec/size: 2 -> 4",
        # Karmada's filter order: APIEnablement first; the CRD is on member1 only.
        "  member2  no: APIEnablement: webapp.my.domain/v1 Guestbook is not in "
        "status.apiEnablements (API disabled)",
        "  member3  no: APIEnablement: webapp.my.domain/v1 Guestbook is not in "
        "status.apiEnablements (API disabled)",
    ]
    data = json.loads(
        run_hubless(
            "explain", "Guestbook/default/guestbook-sample", "-o", "json", cwd=tmp_path
        ).stdout
    )
    assert data["apiFromRender"] == [
        {"cluster": "member1", "customResourceDefinition": "guestbooks.webapp.my.domain"}
    ]


def test_a_crd_serves_only_its_served_versions_where_it_is_placed(tmp_path: Path) -> None:
    """v1 is served and v2 is not; the CRD goes to east only, west serves v1 itself."""
    crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {kind: Widget, plural: widgets}
          versions:
          - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
          - {name: v2, served: false, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: one, namespace: default}
        ---
        apiVersion: example.com/v2
        kind: Widget
        metadata: {name: two, namespace: default}
    """
    policies = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterPropagationPolicy
        metadata: {name: crd}
        spec:
          resourceSelectors:
          - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
          placement: {clusterAffinity: {clusterNames: [east]}}
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: widgets, namespace: default}
        spec:
          resourceSelectors:
          - {apiVersion: example.com/v1, kind: Widget}
          - {apiVersion: example.com/v2, kind: Widget}
          placement: {}
    """
    west_apis = {**COMMON_APIS, "example.com/v1": ("Widget",)}
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(
                member("east"), member("west", west_apis), member("north")
            ),
            "policies/policies.yaml": policies,
            "templates/widgets.yaml": crd,
        },
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(read_rendered(tmp_path)) == [
        "east/_cluster/customresourcedefinition.apiextensions.k8s.io_widgets.example.com.yaml",
        "east/default/widget.example.com_one.yaml",
        "west/default/widget.example.com_one.yaml",
    ]
    # v2 is not served anywhere; north gets neither version: one warning per object.
    assert result.stderr.splitlines()[:2] == [
        "templates/widgets.yaml:12: warning: Widget.example.com/default/one does not go to "
        "cluster north, which PropagationPolicy/default/widgets otherwise selects: "
        "example.com/v1 Widget is not in its status.apiEnablements and no "
        "CustomResourceDefinition this render places there serves it",
        "templates/widgets.yaml:16: warning: Widget.example.com/default/two does not go to "
        "clusters east, north, west, which PropagationPolicy/default/widgets otherwise "
        "selects: example.com/v2 Widget is not in their status.apiEnablements and no "
        "CustomResourceDefinition this render places there serves it",
    ]


# --- the warning when a missing API alone keeps an object off a cluster ------------------

FLUX_APIS = {
    **COMMON_APIS,
    "source.toolkit.fluxcd.io/v1": ("GitRepository", "HelmRepository", "OCIRepository"),
    "helm.toolkit.fluxcd.io/v2": ("HelmRelease",),
    "kustomize.toolkit.fluxcd.io/v1": ("Kustomization",),
}

FLUX_TEMPLATES = """
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
spec:
  interval: 1m
  url: https://stefanprodan.github.io/podinfo
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      version: 5.0.3
      sourceRef:
        kind: HelmRepository
        name: podinfo
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo
spec:
  interval: 1m
  url: https://github.com/stefanprodan/podinfo
  ref:
    branch: master
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: podinfo-dev
spec:
  interval: 5m
  path: "./deploy/overlays/dev/"
  prune: true
  sourceRef:
    kind: GitRepository
    name: podinfo
  timeout: 80s
"""


def flux_policy(name: str, api_version: str, kind: str, target: str, clusters: str) -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: {name}
spec:
  resourceSelectors:
    - apiVersion: {api_version}
      kind: {kind}
      name: {target}
  placement:
    clusterAffinity:
      clusterNames: [{clusters}]
"""


FLUX_OVERRIDE = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata:
  name: example-override
  namespace: default
spec:
  resourceSelectors:
    - apiVersion: helm.toolkit.fluxcd.io/v2
      kind: HelmRelease
      name: podinfo
  overrideRules:
    - targetCluster:
        clusterNames:
          - member1
      overriders:
        plaintext:
          - path: "/spec/values"
            operator: add
            value:
              replicaCount: 2
"""


def flux_fleet(repo: Path, clusters: str, *members: dict[str, Any]) -> None:
    policies = [
        flux_policy(
            "helm-repo", "source.toolkit.fluxcd.io/v1", "HelmRepository", "podinfo", clusters
        ),
        flux_policy(
            "helm-release", "helm.toolkit.fluxcd.io/v2", "HelmRelease", "podinfo", clusters
        ),
        flux_policy(
            "kust-release",
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "podinfo-dev",
            clusters,
        ),
        flux_policy(
            "kust-git", "source.toolkit.fluxcd.io/v1", "GitRepository", "podinfo", clusters
        ),
        FLUX_OVERRIDE,
    ]
    write_tree(
        repo,
        {
            "policies/clusters.yaml": clusters_yaml(*members),
            "policies/flux.yaml": "---".join(policies),
            "templates/flux.yaml": FLUX_TEMPLATES,
        },
    )


def test_karmada_flux_guide_places_its_objects_in_the_default_namespace(tmp_path: Path) -> None:
    """Flux is installed on member1 and member2 (the guide's `kubectl apply` of Flux), which
    serve its APIs; the Flux kinds are namespaced, so they land in `default`."""
    flux_fleet(
        tmp_path,
        "member1, member2",
        member("member1", FLUX_APIS),
        member("member2", FLUX_APIS),
        member("member3"),
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "note" not in result.stderr
    templates = objects(FLUX_TEMPLATES)
    for template in templates:
        metadata = template["metadata"]
        template["metadata"] = {"name": metadata["name"], "namespace": "default"}
    repository, release, git, kustomization = templates
    overridden = copy.deepcopy(release)
    overridden["spec"]["values"] = {"replicaCount": 2}
    expected: dict[str, object] = {}
    for cluster in ("member1", "member2"):
        expected |= {
            f"{cluster}/default/gitrepository.source.toolkit.fluxcd.io_podinfo.yaml": git,
            f"{cluster}/default/helmrelease.helm.toolkit.fluxcd.io_podinfo.yaml": (
                overridden if cluster == "member1" else release
            ),
            f"{cluster}/default/helmrepository.source.toolkit.fluxcd.io_podinfo.yaml": repository,
            f"{cluster}/default/kustomization.kustomize.toolkit.fluxcd.io_podinfo-dev.yaml": kustomization,
        }
    assert read_rendered(tmp_path) == expected


def test_a_missing_api_that_alone_keeps_an_object_off_a_cluster_is_warned_about(
    tmp_path: Path,
) -> None:
    """member3 lacks Flux; `tainted` lacks it too but its taint also keeps the objects off;
    `bare` reports no APIs at all, which its own warning says."""
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    flux_fleet(
        tmp_path,
        "member1, member3, tainted, bare",
        member("bare", apis=None),
        member("member1", FLUX_APIS),
        member("member3"),
        member("tainted", taints=(taint,)),
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tail = (
        "which PropagationPolicy/default/{policy} otherwise selects: {api} is not in its "
        "status.apiEnablements and no CustomResourceDefinition this render places there serves it"
    )
    expected = [
        "policies/clusters.yaml:1: warning: cluster bare has no status.apiEnablements, so no "
        "policy can place anything on it",
        *(
            f"templates/flux.yaml:{line}: warning: {key} does not go to cluster member3, "
            + tail.format(policy=policy, api=api)
            for line, key, policy, api in (
                (1, "HelmRepository.source.toolkit.fluxcd.io/default/podinfo", "helm-repo",
                 "source.toolkit.fluxcd.io/v1 HelmRepository"),
                (9, "HelmRelease.helm.toolkit.fluxcd.io/default/podinfo", "helm-release",
                 "helm.toolkit.fluxcd.io/v2 HelmRelease"),
                (23, "GitRepository.source.toolkit.fluxcd.io/default/podinfo", "kust-git",
                 "source.toolkit.fluxcd.io/v1 GitRepository"),
                (33, "Kustomization.kustomize.toolkit.fluxcd.io/default/podinfo-dev",
                 "kust-release", "kustomize.toolkit.fluxcd.io/v1 Kustomization"),
            )
        ),
    ]  # fmt: skip
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert sorted(warnings) == sorted(expected)


# --- the scope of a kind ------------------------------------------------------------------

SCOPE_POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {{name: everything}}
spec:
  resourceSelectors:
{selectors}
  placement: {{clusterAffinity: {{clusterNames: [member1]}}}}
"""

# A sample of the known table, each against its project's published CRD.
KNOWN = [
    ("cert-manager.io/v1", "ClusterIssuer", False),
    ("cert-manager.io/v1", "Issuer", True),
    ("gateway.networking.k8s.io/v1", "GatewayClass", False),
    ("gateway.networking.k8s.io/v1", "Gateway", True),
    ("external-secrets.io/v1", "ClusterSecretStore", False),
    ("external-secrets.io/v1", "SecretStore", True),
    ("karpenter.sh/v1", "NodePool", False),
    ("karpenter.k8s.aws/v1", "EC2NodeClass", False),
    ("argoproj.io/v1alpha1", "Application", True),
    ("argoproj.io/v1alpha1", "ClusterAnalysisTemplate", False),
    ("argoproj.io/v1alpha1", "ClusterWorkflowTemplate", False),
    ("argoproj.io/v1alpha1", "WorkflowTemplate", True),
    ("argoproj.io/v1alpha1", "Sensor", True),
    ("keda.sh/v1alpha1", "ClusterTriggerAuthentication", False),
    ("keda.sh/v1alpha1", "ScaledObject", True),
    ("apps.kruise.io/v1alpha1", "SidecarSet", False),
    ("monitoring.coreos.com/v1", "ServiceMonitor", True),
    ("security.istio.io/v1", "AuthorizationPolicy", True),
    ("bitnami.com/v1alpha1", "SealedSecret", True),
]


def test_kinds_hubless_knows_take_their_published_scope(tmp_path: Path) -> None:
    """None of these names a namespace: a namespaced kind lands in `default`, a
    cluster-scoped one in `_cluster`."""
    templates = [
        {"apiVersion": api, "kind": kind, "metadata": {"name": "x"}, "spec": {}}
        for api, kind, _ in KNOWN
    ]
    apis: dict[str, tuple[str, ...]] = {}
    for api, kind, _ in KNOWN:
        apis[api] = (*apis.get(api, ()), kind)
    selectors = "\n".join(f"  - {{apiVersion: {api}, kind: {kind}}}" for api, kind, _ in KNOWN)
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(member("member1", {**COMMON_APIS, **apis})),
            "policies/policy.yaml": SCOPE_POLICY.format(selectors=selectors),
            "templates/known.yaml": "---\n".join(dump(t) for t in templates),
        },
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = {}
    for template, (api, kind, namespaced) in zip(templates, KNOWN, strict=True):
        group = api.rpartition("/")[0]
        body = copy.deepcopy(template)
        if namespaced:
            body["metadata"]["namespace"] = "default"
        folder = "default" if namespaced else "_cluster"
        expected[f"member1/{folder}/{kind.lower()}.{group}_x.yaml"] = body
    assert read_rendered(tmp_path) == expected


WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.{group}}}
spec:
  group: {group}
  scope: {scope}
  names: {{kind: {kind}, plural: {plural}}}
  versions:
  - {{name: v1, served: true, storage: true, schema: {{openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}}}}}
"""


def test_a_kind_of_unknown_scope_is_an_error_at_its_line(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(member("member1")),
            "templates/widgets.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings, namespace: default}
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: cluster-wide}
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: in-a-namespace, namespace: default}
                ---
                apiVersion: v1
                kind: Gizmo
                metadata: {name: core}
            """,
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    hint = (
        "is not a built-in kind, no CustomResourceDefinition in templates/ declares it, and "
        "hubless does not know its scope: add its CustomResourceDefinition to templates/ "
        "(a CRD no policy selects goes to no cluster)"
    )
    assert result.stderr.splitlines() == [
        f"templates/widgets.yaml:6: error: kind Widget of group example.com {hint}",
        f"templates/widgets.yaml:10: error: kind Widget of group example.com {hint}",
        f"templates/widgets.yaml:14: error: kind Gizmo of the core group {hint}",
    ]
    assert not (tmp_path / "rendered").exists()


def test_a_crd_in_templates_declares_a_scope_without_being_propagated(tmp_path: Path) -> None:
    """No policy selects the CRD: it goes nowhere, and still says Widget is namespaced.
    A user's CRD is the authority over hubless's table too: this one makes SealedSecret
    cluster-scoped."""
    crds = WIDGET_CRD.format(
        group="example.com", kind="Widget", plural="widgets", scope="Namespaced"
    )
    sealed = WIDGET_CRD.format(
        group="bitnami.com", kind="SealedSecret", plural="sealedsecrets", scope="Cluster"
    )
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(
                member(
                    "member1",
                    {
                        **COMMON_APIS,
                        "example.com/v1": ("Widget",),
                        "bitnami.com/v1alpha1": ("SealedSecret",),
                    },
                )
            ),
            "policies/policy.yaml": SCOPE_POLICY.format(
                selectors="  - {apiVersion: example.com/v1, kind: Widget}\n"
                "  - {apiVersion: bitnami.com/v1alpha1, kind: SealedSecret}"
            ),
            "templates/crds.yaml": crds + "---\n" + sealed,
            "templates/objects.yaml": """
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w}
                ---
                apiVersion: bitnami.com/v1alpha1
                kind: SealedSecret
                metadata: {name: s}
                spec: {encryptedData: {}}
            """,
        },
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert read_rendered(tmp_path) == {
        "member1/default/widget.example.com_w.yaml": {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default"},
        },
        "member1/_cluster/sealedsecret.bitnami.com_s.yaml": {
            "apiVersion": "bitnami.com/v1alpha1",
            "kind": "SealedSecret",
            "metadata": {"name": "s"},
            "spec": {"encryptedData": {}},
        },
    }
    assert (
        "note: 2 templates match no propagation policy and go to no cluster "
        "(`hubless explain` says why)"
    ) in result.stderr.splitlines()


def test_an_override_that_makes_a_kind_of_unknown_scope_fails(tmp_path: Path) -> None:
    override = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterOverridePolicy
        metadata: {name: rekind}
        spec:
          resourceSelectors: [{apiVersion: cert-manager.io/v1, kind: ClusterIssuer}]
          overrideRules:
          - overriders:
              plaintext: [{path: /kind, operator: replace, value: MadeUpIssuer}]
    """
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(
                member("member1", {**COMMON_APIS, "cert-manager.io/v1": ("ClusterIssuer",)})
            ),
            "policies/policy.yaml": SCOPE_POLICY.format(
                selectors="  - {apiVersion: cert-manager.io/v1, kind: ClusterIssuer}"
            ),
            "policies/override.yaml": override,
            "templates/issuer.yaml": """
                apiVersion: cert-manager.io/v1
                kind: ClusterIssuer
                metadata: {name: letsencrypt}
                spec: {acme: {}}
            """,
        },
    )
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "policies/override.yaml:7: error: ClusterOverridePolicy/rekind overrideRules[0]: "
        "cannot override ClusterIssuer.cert-manager.io/letsencrypt for cluster member1: "
        "kind MadeUpIssuer of group cert-manager.io is not a built-in kind, no "
        "CustomResourceDefinition in templates/ declares it, and hubless does not know its "
        "scope: add its CustomResourceDefinition to templates/ (a CRD no policy selects goes "
        "to no cluster)"
    ]


def test_adding_only_a_custom_resource_renders_as_a_full_render(tmp_path: Path) -> None:
    """Where its CRD goes decides where it may go: a render of the changed templates alone
    must not schedule it without the CRD."""
    # Enough other templates that one new template is rendered on its own.
    others = {
        f"templates/cm{n}.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{n}}}\n"
        for n in range(12)
    }
    repo, fresh = tmp_path / "repo", tmp_path / "fresh"
    for root in (repo, fresh):
        guestbook_fleet(root)
        write_tree(root, others)
        # A patch to /metadata could rename an object, which no partial render risks.
        (root / "policies/guestbooks-overridepolicy.yaml").unlink()
    source = repo / "templates/guestbook.yaml"
    text = source.read_text()
    source.unlink()
    first = run_hubless("render", cwd=repo)
    assert first.returncode == 0, first.stderr
    source.write_text(text)
    again = run_hubless("render", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert run_hubless("render", cwd=fresh).returncode == 0
    rendered = read_rendered(repo)
    assert rendered == read_rendered(fresh)
    assert "member1/default/guestbook.webapp.my.domain_guestbook-sample.yaml" in rendered


# --- kinds hubless interprets are known without their CRD --------------------------------


def test_a_kind_with_a_builtin_interpreter_renders_without_its_crd(tmp_path: Path) -> None:
    """ray.io's CRDs declare RayJob namespaced: the template lands in its namespace's
    folder though the repository holds no CustomResourceDefinition for it."""
    job = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "pi", "namespace": "ml"},
        "spec": {"entrypoint": "python pi.py", "shutdownAfterJobFinishes": True},
    }
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}}
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters_yaml(
                member("member1", {**COMMON_APIS, "ray.io/v1": ("RayJob",)})
            ),
            "policies/pi.yaml": """
                apiVersion: policy.karmada.io/v1alpha1
                kind: PropagationPolicy
                metadata: {name: pi, namespace: ml}
                spec:
                  resourceSelectors:
                  - {apiVersion: ray.io/v1, kind: RayJob, name: pi}
                  - {apiVersion: v1, kind: Namespace, name: ml}
                  placement:
                    clusterAffinity: {clusterNames: [member1]}
                """,
            "templates/pi.yaml": dump(job),
            "templates/ml.yaml": dump(namespace),
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    # Known scope, unknown schema: rendered, with the warning any CRD-less kind gets.
    assert (result.returncode, result.stderr) == (
        0,
        "warning: ray.io/v1 RayJob has no schema (no CustomResourceDefinition in templates/): "
        "not validated on member1\n",
    )
    assert read_rendered(tmp_path) == {
        "member1/_cluster/namespace_ml.yaml": namespace,
        "member1/ml/rayjob.ray.io_pi.yaml": job,
    }


def test_every_kind_with_a_builtin_interpreter_has_a_known_scope() -> None:
    from hubless.interpreter.builtins import builtins
    from hubless.known_kinds import KNOWN_SCOPES

    unknown = [
        f"{b.kind} ({b.api_version})"
        for b in builtins()
        if (b.api_version.split("/")[0], b.kind) not in KNOWN_SCOPES
    ]
    assert unknown == []
