"""propagateDeps: what a workload references follows it, by Karmada's interpreter rules."""

from __future__ import annotations

import textwrap
from pathlib import Path

from hubless.compile import compile_fleet
from hubless.dependencies import Reference, references
from hubless.errors import Source
from hubless.load import SourceFile, load_fleet
from hubless.model import LabelSelector, ResourceTemplate
from hubless.results import DEPENDENCY
from tests.conftest import cluster_yaml, run_hubless, write_tree

SRC = Source("templates/t.yaml", 1)


def template(
    kind: str, body: dict, group_version: str = "apps/v1", name: str = "w"
) -> ResourceTemplate:
    return ResourceTemplate(group_version, kind, "shop", name, {"kind": kind, **body}, SRC)


POD = {
    "serviceAccountName": "runner",
    "imagePullSecrets": [{"name": "pull"}],
    "containers": [
        {
            "envFrom": [
                {"configMapRef": {"name": "cm-envfrom"}},
                {"secretRef": {"name": "s-envfrom"}},
            ],
            "env": [
                {"valueFrom": {"configMapKeyRef": {"name": "cm-env", "key": "k"}}},
                {"valueFrom": {"secretKeyRef": {"name": "s-env", "key": "k"}}},
                {"value": "plain"},
            ],
        }
    ],
    "initContainers": [{"envFrom": [{"configMapRef": {"name": "cm-init"}}]}],
    "ephemeralContainers": [{"env": [{"valueFrom": {"secretKeyRef": {"name": "s-ephemeral"}}}]}],
    "volumes": [
        {"configMap": {"name": "cm-volume"}},
        {
            "projected": {
                "sources": [
                    {"configMap": {"name": "cm-projected"}},
                    {"secret": {"name": "s-projected"}},
                ]
            }
        },
        {"secret": {"secretName": "s-volume"}},
        {"csi": {"driver": "x", "nodePublishSecretRef": {"name": "s-csi"}}},
        {"azureFile": {"secretName": "s-azure", "shareName": "x"}},
        {"cephfs": {"monitors": [], "secretRef": {"name": "s-ceph"}}},
        {"persistentVolumeClaim": {"claimName": "data"}},
        {"emptyDir": {}},
    ],
}


def test_every_pod_reference_path() -> None:
    found = references(template("Deployment", {"spec": {"template": {"spec": POD}}}))
    assert found == [
        Reference("", "ConfigMap", "cm-envfrom"),
        Reference("", "ConfigMap", "cm-env"),
        Reference("", "ConfigMap", "cm-init"),
        Reference("", "ConfigMap", "cm-volume"),
        Reference("", "ConfigMap", "cm-projected"),
        Reference("", "Secret", "pull"),
        Reference("", "Secret", "s-envfrom"),
        Reference("", "Secret", "s-env"),
        Reference("", "Secret", "s-ephemeral"),
        Reference("", "Secret", "s-projected"),
        Reference("", "Secret", "s-volume"),
        Reference("", "Secret", "s-csi"),
        Reference("", "Secret", "s-azure"),
        Reference("", "Secret", "s-ceph"),
        Reference("", "ServiceAccount", "runner"),
        Reference("", "PersistentVolumeClaim", "data"),
    ]


def test_other_kinds() -> None:
    default_account = {"serviceAccountName": "default", "containers": [{}]}
    assert (
        references(template("Pod", {"spec": default_account}, "v1")) == []
    )  # `default` is not a dependency
    cron = {
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"volumes": [{"configMap": {"name": "c"}}]}}}
            }
        }
    }
    assert references(template("CronJob", cron, "batch/v1")) == [Reference("", "ConfigMap", "c")]
    ingress = {"spec": {"tls": [{"secretName": "tls"}, {"hosts": ["x"]}]}}
    assert references(template("Ingress", ingress, "networking.k8s.io/v1")) == [
        Reference("", "Secret", "tls")
    ]
    imported = references(
        template("ServiceImport", {}, "multicluster.x-k8s.io/v1alpha1", name="db")
    )
    assert imported == [
        Reference("", "Service", "derived-db"),
        Reference(
            "discovery.k8s.io",
            "EndpointSlice",
            "",
            LabelSelector(match_labels=(("kubernetes.io/service-name", "derived-db"),)),
        ),
    ]
    claims = {
        "spec": {
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
            "template": {
                "spec": {
                    "volumes": [
                        {"persistentVolumeClaim": {"claimName": "data"}},
                        {"persistentVolumeClaim": {"claimName": "shared"}},
                    ]
                }
            },
        }
    }
    assert references(template("StatefulSet", claims)) == [
        Reference("", "PersistentVolumeClaim", "shared")
    ]
    assert references(template("ConfigMap", {}, "v1")) == []


CLUSTERS = "---\n".join(
    cluster_yaml(n, {"tier": t}) for n, t in (("a", "x"), ("b", "y"), ("c", "z"))
)


def workload(name: str, secret: str = "creds") -> str:
    return textwrap.dedent(
        f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: {name}, namespace: shop}}
        spec:
          template:
            spec:
              containers:
              - name: x
                image: x
                envFrom: [{{configMapRef: {{name: shared}}}}, {{secretRef: {{name: {secret}}}}}]
        """
    )


def policy(name: str, clusters: str, deps: bool = True) -> str:
    return textwrap.dedent(
        f"""
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {{name: {name}, namespace: shop}}
        spec:
          propagateDeps: {str(deps).lower()}
          resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: {name}}}]
          placement: {{clusterAffinity: {{clusterNames: [{clusters}]}}}}
        """
    )


SHARED = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: shop}\ndata: {k: v}\n"
)
SEALED = (
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: creds, namespace: shop}\n"
    "spec: {encryptedData: {k: AgB}}\n"
)


def compile_sources(**files: str):  # type: ignore[no-untyped-def]
    sources = [SourceFile("policies/clusters.yaml", CLUSTERS)]
    sources += [SourceFile(path.replace("__", "/") + ".yaml", text) for path, text in files.items()]
    return compile_fleet(load_fleet(sources))


def placed(compiled, kind: str, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(
        c
        for c, objects in compiled.objects.items()
        if any(o.key.kind == kind and o.key.name == name for o in objects)
    )


def test_shared_dependency_goes_to_the_union_of_its_workloads() -> None:
    compiled = compile_sources(
        templates__one=workload("one"),
        templates__two=workload("two"),
        templates__shared=SHARED,
        templates__sealed=SEALED,
        policies__one=policy("one", "a"),
        policies__two=policy("two", "b"),
    )
    assert placed(compiled, "ConfigMap", "shared") == ["a", "b"]
    assert placed(compiled, "SealedSecret", "creds") == ["a", "b"]  # satisfies the Secret reference
    decision = compiled.decision_for(
        next(k for k in (d.binding.resource for d in compiled.decisions) if k.name == "shared")
    )
    assert decision is not None and decision.via == DEPENDENCY
    assert [(str(k), c) for k, c in decision.required_by] == [
        ("Deployment.apps/shop/one", ("a",)),
        ("Deployment.apps/shop/two", ("b",)),
    ]
    assert compiled.unmatched == ()


def test_without_propagate_deps_nothing_follows() -> None:
    compiled = compile_sources(
        templates__one=workload("one"),
        templates__shared=SHARED,
        policies__one=policy("one", "a", deps=False),
    )
    assert placed(compiled, "ConfigMap", "shared") == []
    assert len(compiled.unmatched) == 1


def test_a_dependency_with_its_own_policy_goes_to_both() -> None:
    own = textwrap.dedent(
        """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: cm, namespace: shop}
        spec:
          resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: shared}]
          placement: {clusterAffinity: {clusterNames: [c]}}
        """
    )
    compiled = compile_sources(
        templates__one=workload("one"),
        templates__shared=SHARED,
        policies__one=policy("one", "a"),
        policies__cm=own,
    )
    assert placed(compiled, "ConfigMap", "shared") == ["a", "c"]


def test_external_secret_satisfies_a_secret_reference_by_target_name() -> None:
    external = (
        "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: from-vault, namespace: shop}\n"
        "spec: {target: {name: creds}, secretStoreRef: {name: vault}}\n"
    )
    compiled = compile_sources(
        templates__one=workload("one"),
        templates__shared=SHARED,
        templates__ext=external,
        policies__one=policy("one", "b"),
    )
    assert placed(compiled, "ExternalSecret", "from-vault") == ["b"]


def test_missing_dependency_is_warned_about(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/one.yaml": policy("one", "a"),
            "templates/one.yaml": workload("one"),
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "templates/one.yaml:1: warning: Deployment.apps/shop/one uses ConfigMap shop/shared, "
        "which is not in templates/ (skipped, as Karmada does)"
    ) in result.stderr
    assert "uses Secret shop/creds" in result.stderr
    explain = run_hubless("explain", "Deployment/shop/one", cwd=tmp_path)
    assert explain.returncode == 0


def test_explain_says_which_workloads_pulled_a_dependency(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/one.yaml": policy("one", "a, b"),
            "templates/one.yaml": workload("one"),
            "templates/shared.yaml": SHARED,
            "templates/sealed.yaml": SEALED,
        },
    )
    result = run_hubless("explain", "ConfigMap/shop/shared", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:4] == [
        "propagated as a dependency (propagateDeps) of:",
        "  Deployment.apps/shop/one on a, b",
        "clusters:",
    ]
    assert "  c  no: no workload that needs it runs there" in result.stdout
