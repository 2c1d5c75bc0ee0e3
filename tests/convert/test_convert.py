"""KubeAdmiral / Kubefed -> Karmada conversion: exact forms, gaps, and the same placement
under hubless's own Karmada compile as the source system gives (worked out by hand)."""

from __future__ import annotations

import random
import textwrap
from typing import Any

import pytest

from hubless.compile import compile_fleet
from hubless.convert.to_karmada import Conversion, convert_to_karmada
from hubless.dialects.kubeadmiral.convert.overrides import karmada_image, kubeadmiral_image
from hubless.documents import parse_documents
from hubless.errors import Source
from hubless.load import SourceFile, load_fleet
from hubless.serialize import dump

POLICY = "policy.karmada.io/v1alpha1"
SKIP = "namespace.karmada.io/skip-auto-propagation"


def convert(text: str) -> Conversion:
    documents = parse_documents(textwrap.dedent(text).lstrip("\n"), "in.yaml")
    return convert_to_karmada([(d.source, d.data) for d in documents])


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, (
        f"{kind} {name}: {[(o['kind'], o['metadata']['name']) for o in objects]}"
    )
    return matches[0]


def kinds_of(objects: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in objects]


def gap_texts(result: Conversion) -> list[str]:
    return [f"{g.subject}: {g.message}" for g in result.gaps]


def has_gap(result: Conversion, subject: str, *words: str) -> bool:
    return any(g.subject == subject and all(w in g.message for w in words) for g in result.gaps)


def render(result: Conversion) -> dict[str, dict[str, dict[str, Any]]]:
    """hubless's Karmada compile of the converted objects: cluster -> 'Kind ns/name' -> body."""
    files = [
        SourceFile("policies/converted.yaml", "---\n".join(dump(p) for p in result.policies)),
        SourceFile("templates/converted.yaml", "---\n".join(dump(t) for t in result.templates)),
    ]
    compiled = compile_fleet(load_fleet(files))
    return {
        cluster: {
            f"{o.body['kind']} {o.body['metadata'].get('namespace', '')}/{o.body['metadata']['name']}": o.body
            for o in objects
        }
        for cluster, objects in compiled.objects.items()
    }


# --- Kubefed -------------------------------------------------------------------------------

KUBEFED_CLUSTERS = """
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata: {name: east, namespace: kube-federation-system, labels: {region: east}}
spec: {apiEndpoint: "https://east.example"}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata: {name: west, namespace: kube-federation-system, labels: {region: west}}
spec: {apiEndpoint: "https://west.example"}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata: {name: north, namespace: kube-federation-system, labels: {region: north}}
spec: {apiEndpoint: "https://north.example"}
status: {conditions: [{type: Ready, status: "True"}]}
"""
SHOP_EVERYWHERE = """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec: {placement: {clusterSelector: {}}}
"""
WEB = """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
      annotations: {dropped: "by kubefed"}
      finalizers: [dropped.example/too]
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - {name: web, image: "nginx:1.25", args: [--port, "80"]}
"""


def test_kubefed_cluster_becomes_a_karmada_cluster_serving_the_converted_types() -> None:
    result = convert(
        KUBEFED_CLUSTERS + SHOP_EVERYWHERE + WEB + "  placement: {clusterSelector: {}}\n"
    )
    assert find(result.policies, "Cluster", "east") == {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "east", "labels": {"region": "east"}},
        "spec": {"syncMode": "Push", "apiEndpoint": "https://east.example"},
        "status": {
            "apiEnablements": [
                {
                    "groupVersion": "apps/v1",
                    "resources": [{"name": "deployments", "kind": "Deployment"}],
                },
                {"groupVersion": "v1", "resources": [{"name": "namespaces", "kind": "Namespace"}]},
            ],
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }
    assert has_gap(result, "KubeFedCluster kube-federation-system/east", "apiEnablements")


def test_federated_object_intersected_with_its_namespace() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec:
  template: {metadata: {labels: {team: a}}}
  placement: {clusterSelector: {matchExpressions: [{key: region, operator: NotIn, values: [north]}]}}
"""
        + WEB
        + "  placement: {clusters: [{name: east}, {name: north}]}\n"
    )
    assert find(result.templates, "Deployment", "web") == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "web", "image": "nginx:1.25", "args": ["--port", "80"]}]
                },
            },
        },
    }
    assert find(result.policies, "PropagationPolicy", "web-deployment") == {
        "apiVersion": POLICY,
        "kind": "PropagationPolicy",
        "metadata": {"name": "web-deployment", "namespace": "shop"},
        "spec": {
            "resourceSelectors": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}
            ],
            "placement": {
                "clusterAffinity": {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": "region", "operator": "NotIn", "values": ["north"]}
                        ]
                    },
                    "clusterNames": ["east", "north"],
                }
            },
        },
    }
    assert find(result.templates, "Namespace", "shop") == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"team": "a", SKIP: "true"}},
    }
    assert find(result.policies, "ClusterPropagationPolicy", "shop-namespace")["spec"] == {
        "resourceSelectors": [{"apiVersion": "v1", "kind": "Namespace", "name": "shop"}],
        "placement": {
            "clusterAffinity": {
                "labelSelector": {
                    "matchExpressions": [
                        {"key": "region", "operator": "NotIn", "values": ["north"]}
                    ]
                }
            }
        },
    }
    assert find(result.policies, "ClusterOverridePolicy", "namespace-skip-auto-propagation") == {
        "apiVersion": POLICY,
        "kind": "ClusterOverridePolicy",
        "metadata": {"name": "namespace-skip-auto-propagation"},
        "spec": {
            "resourceSelectors": [{"apiVersion": "v1", "kind": "Namespace", "name": "shop"}],
            "overrideRules": [
                {
                    "overriders": {
                        "labelsOverrider": [{"operator": "remove", "value": {SKIP: "true"}}]
                    }
                }
            ],
        },
    }
    assert [g for g in gap_texts(result) if not g.startswith("KubeFedCluster")] == []


@pytest.mark.parametrize(
    ("placement", "expected"),
    [
        ("{clusters: []}", None),  # an empty list places nowhere
        ("{clusters: [], clusterSelector: {}}", None),  # a present list beats the selector
        ("{}", None),  # no selector selects nothing
        ("{clusterSelector: {}}", {}),  # an empty selector selects everything
        (
            "{clusterSelector: {matchLabels: {region: east}}}",
            {"clusterAffinity": {"labelSelector": {"matchLabels": {"region": "east"}}}},
        ),
        ("{clusters: [{name: west}]}", {"clusterAffinity": {"clusterNames": ["west"]}}),
    ],
)
def test_kubefed_placement_forms(placement: str, expected: dict[str, Any] | None) -> None:
    result = convert(KUBEFED_CLUSTERS + SHOP_EVERYWHERE + WEB + f"  placement: {placement}\n")
    policies = [p for p in result.policies if p["kind"] == "PropagationPolicy"]
    if expected is None:
        assert policies == []
    else:
        assert [p["spec"]["placement"] for p in policies] == [expected]


def test_without_its_federated_namespace_an_object_goes_nowhere() -> None:
    result = convert(KUBEFED_CLUSTERS + WEB + "  placement: {clusterSelector: {}}\n")
    assert kinds_of(result.templates) == [("Deployment", "web")]
    assert [p["kind"] for p in result.policies] == ["Cluster"] * 3


def test_kubefed_overrides_become_plaintext_with_replace_of_a_missing_key_as_add() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + WEB
        + """
  placement: {clusterSelector: {}}
  overrides:
  - clusterName: east
    clusterOverrides:
    - {path: /spec/replicas, value: 5}
    - {path: /metadata/labels/tier, value: gold}
    - {op: replace, path: /spec/template/spec/containers/0/args/1, value: "8080"}
    - {op: add, path: /metadata/annotations, value: {note: east}}
  - clusterName: west
    clusterOverrides:
    - {op: remove, path: /spec/template/spec/containers/0/args}
"""
    )
    assert find(result.policies, "OverridePolicy", "web-deployment")["spec"]["overrideRules"] == [
        {
            "targetCluster": {"clusterNames": ["east"]},
            "overriders": {
                "plaintext": [
                    {"path": "/spec/replicas", "operator": "add", "value": 5},
                    {"path": "/metadata/labels/tier", "operator": "add", "value": "gold"},
                    {
                        "path": "/spec/template/spec/containers/0/args/1",
                        "operator": "replace",
                        "value": "8080",
                    },
                    {"path": "/metadata/annotations", "operator": "add", "value": {"note": "east"}},
                ]
            },
        },
        {
            "targetCluster": {"clusterNames": ["west"]},
            "overriders": {
                "plaintext": [
                    {"path": "/spec/template/spec/containers/0/args", "operator": "remove"}
                ]
            },
        },
    ]


def test_kubefed_per_cluster_result_is_the_same_under_karmada() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec:
  placement: {clusters: [{name: east}, {name: west}]}
"""
        + WEB
        + """
  placement: {clusterSelector: {matchExpressions: [{key: region, operator: In, values: [west, north]}]}}
  overrides:
  - clusterName: west
    clusterOverrides:
    - {path: /metadata/labels/tier, value: gold}
    - {path: /spec/template/spec/containers/0/image, value: "nginx:1.26"}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: settings, namespace: shop}
spec:
  template: {data: {level: info}}
  placement: {clusters: [{name: east}, {name: north}]}
"""
    )
    rendered = render(result)
    # Kubefed by hand: the Deployment's selector picks west and north, its namespace east and
    # west: only west, patched there. The ConfigMap lists east and north: east only. The
    # namespace goes to east and west, without Karmada's skip label (the emptied map stays).
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {}},
    }
    assert set(rendered) == {"east", "west", "north"}
    assert rendered["north"] == {}
    assert rendered["east"] == {
        "Namespace /shop": namespace,
        "ConfigMap shop/settings": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "shop"},
            "data": {"level": "info"},
        },
    }
    assert rendered["west"]["Namespace /shop"] == namespace
    deployment = rendered["west"]["Deployment shop/web"]
    assert deployment["metadata"] == {
        "name": "web",
        "namespace": "shop",
        "labels": {"app": "web", "tier": "gold"},
    }
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:1.26", "args": ["--port", "80"]}
    ]
    assert set(rendered["west"]) == {"Namespace /shop", "Deployment shop/web"}


def test_a_failing_kubefed_override_excludes_its_cluster() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + WEB
        + """
  placement: {clusterSelector: {}}
  overrides:
  - clusterName: east
    clusterOverrides:
    - {op: remove, path: /metadata/labels/absent}
"""
    )
    policy = find(result.policies, "PropagationPolicy", "web-deployment")
    assert policy["spec"]["placement"] == {"clusterAffinity": {"exclude": ["east"]}}
    assert has_gap(
        result, "FederatedDeployment shop/web", "cluster east fail under Kubefed", "excluding"
    )
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {}},
    }
    assert render(result)["east"] == {"Namespace /shop": namespace}


@pytest.mark.parametrize(
    "overrides",
    [
        "[{clusterName: east}, {clusterName: east}]",
        "[{clusterName: east, clusterOverrides: [{path: /spec/replicas, value: 1}, {path: /spec/replicas, value: 2}]}]",
        "[{clusterName: east, clusterOverrides: [{path: /metadata/name, value: other}]}]",
    ],
)
def test_overrides_kubefed_rejects_place_the_object_nowhere(overrides: str) -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + WEB
        + f"  placement: {{clusterSelector: {{}}}}\n  overrides: {overrides}\n"
    )
    assert not [p for p in result.policies if p["metadata"]["name"] == "web-deployment"]
    assert has_gap(result, "FederatedDeployment shop/web", "Kubefed rejects its overrides")


def test_replica_scheduling_preference_is_a_gap_written_as_static_weights() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + WEB
        + """
  placement: {clusters: [{name: east}, {name: west}]}
  overrides:
  - clusterName: east
    clusterOverrides: [{path: /spec/replicas, value: 4}, {path: /metadata/labels/x, value: "1"}]
  - clusterName: west
    clusterOverrides: [{path: /spec/replicas, value: 3}]
---
apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata: {name: web, namespace: shop}
spec:
  targetKind: FederatedDeployment
  totalReplicas: 7
  clusters:
    east: {weight: 3, minReplicas: 1}
    "*": {weight: 1}
"""
    )
    assert find(result.templates, "Deployment", "web")["spec"]["replicas"] == 7
    assert find(result.policies, "PropagationPolicy", "web-deployment")["spec"]["placement"] == {
        "replicaScheduling": {
            "replicaSchedulingType": "Divided",
            "replicaDivisionPreference": "Weighted",
            "weightPreference": {
                "staticWeightList": [
                    {"targetCluster": {"clusterNames": ["east"]}, "weight": 3},
                    {"targetCluster": {"exclude": ["east"]}, "weight": 1},
                ]
            },
        }
    }
    # The RSP controller's /spec/replicas overrides are its output, not the user's.
    assert find(result.policies, "OverridePolicy", "web-deployment")["spec"]["overrideRules"] == [
        {
            "targetCluster": {"clusterNames": ["east"]},
            "overriders": {
                "plaintext": [{"path": "/metadata/labels/x", "operator": "add", "value": "1"}]
            },
        }
    ]
    assert has_gap(
        result,
        "ReplicaSchedulingPreference shop/web",
        "Webster",
        "0-replica",
        "minReplicas left out",
    )


def test_host_copies_give_way_to_federated_templates_and_plain_namespaces_stay_home() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + WEB
        + """
  placement: {clusterSelector: {}}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {replicas: 9}
---
apiVersion: v1
kind: Namespace
metadata: {name: local}
"""
    )
    assert find(result.templates, "Deployment", "web")["spec"]["replicas"] == 2
    assert find(result.templates, "Namespace", "local")["metadata"]["labels"] == {SKIP: "true"}
    assert has_gap(result, "Deployment shop/web", "host cluster's own copy")
    assert "Namespace /local" not in render(result)["east"]


def test_kubefed_zero_replicas_with_requests_is_a_gap() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + SHOP_EVERYWHERE
        + """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata: {name: idle, namespace: shop}
spec:
  placement: {clusterSelector: {}}
  template:
    spec:
      replicas: 0
      template:
        spec:
          containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m}}}]
"""
    )
    assert has_gap(result, "Deployment shop/idle", "withdrawn from every cluster")


# --- KubeAdmiral ---------------------------------------------------------------------------

APIS = """
  apiResourceTypes:
  - {group: apps, version: v1, kind: Deployment, pluralName: deployments, scope: Namespaced}
  - {group: apps, version: v1, kind: StatefulSet, pluralName: statefulsets, scope: Namespaced}
  - {group: "", version: v1, kind: ConfigMap, pluralName: configmaps, scope: Namespaced}
  - {group: "", version: v1, kind: Namespace, pluralName: namespaces, scope: Cluster}
"""


def federated_cluster(
    name: str, labels: str = "{}", extra: str = "", ready: str = "True", status: str = ""
) -> str:
    return (
        f"""
---
apiVersion: core.kubeadmiral.io/v1alpha1
kind: FederatedCluster
metadata: {{name: {name}, labels: {labels}}}
spec: {{apiEndpoint: "https://{name}.example"{extra}}}
status:{status}
  conditions: [{{type: Joined, status: "True"}}, {{type: Ready, status: "{ready}"}}]"""
        + APIS
    )


ADMIRAL_CLUSTERS = (
    federated_cluster("east", "{region: east, tier: gold}")
    + federated_cluster("west", "{region: west, tier: silver}")
    + federated_cluster(
        "gpu",
        "{region: east, tier: gold}",
        ", taints: [{key: gpu, value: 'yes', effect: NoSchedule}]",
    )
)


def admiral_policy(kind: str, name: str, spec: str) -> str:
    namespace = ", namespace: shop" if kind in ("PropagationPolicy", "OverridePolicy") else ""
    return (
        f"\n---\napiVersion: core.kubeadmiral.io/v1alpha1\nkind: {kind}\n"
        f"metadata: {{name: {name}{namespace}}}\nspec:\n"
        + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
        + "\n"
    )


def deployment(
    name: str, labels: str, annotations: str = "{}", replicas: int = 3, kind: str = "Deployment"
) -> str:
    return f"""
---
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
  namespace: shop
  labels: {labels}
  annotations: {annotations}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      initContainers: [{{name: init, image: "busybox:1.36"}}]
      containers: [{{name: main, image: "nginx:1.25", command: [run, --fast]}}]
"""


NAMESPACE = "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


def test_federated_cluster_becomes_a_karmada_cluster() -> None:
    result = convert(
        """
apiVersion: core.kubeadmiral.io/v1alpha1
kind: FederatedCluster
metadata: {name: east, labels: {region: east}}
spec:
  apiEndpoint: https://east.example
  secretRef: {name: east-secret}
  taints:
  - {key: dedicated, value: gpu, effect: NoSchedule}
  - {key: busy, effect: PreferNoSchedule}
status:
  conditions:
  - {type: Joined, status: "True"}
  - {type: Ready, status: "True"}
  apiResourceTypes:
  - {group: apps, version: v1, kind: Deployment, pluralName: deployments, scope: Namespaced}
  - {group: "", version: v1, kind: ConfigMap, pluralName: configmaps, scope: Namespaced}
  - {group: apps, version: v1, kind: DaemonSet, pluralName: daemonsets, scope: Namespaced}
  resources:
    allocatable: {cpu: "8", memory: 32Gi, pods: "110"}
    available: {cpu: 5500m, memory: 20Gi, pods: "100"}
---
apiVersion: core.kubeadmiral.io/v1alpha1
kind: FederatedCluster
metadata: {name: leaving}
status: {conditions: [{type: Joined, status: "False"}]}
"""
    )
    assert result.policies == [
        {
            "apiVersion": "cluster.karmada.io/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": "east", "labels": {"region": "east"}},
            "spec": {
                "syncMode": "Push",
                "apiEndpoint": "https://east.example",
                "taints": [
                    {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                    {"key": "busy", "effect": "PreferNoSchedule"},
                ],
            },
            "status": {
                "apiEnablements": [
                    {
                        "groupVersion": "apps/v1",
                        "resources": [
                            {"name": "daemonsets", "kind": "DaemonSet"},
                            {"name": "deployments", "kind": "Deployment"},
                        ],
                    },
                    {
                        "groupVersion": "v1",
                        "resources": [{"name": "configmaps", "kind": "ConfigMap"}],
                    },
                ],
                "conditions": [
                    {"type": "Ready", "status": "True"},
                    {"type": "CompleteAPIEnablements", "status": "True"},
                ],
                "resourceSummary": {
                    "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                    "allocated": {"cpu": "2500m", "memory": "12Gi", "pods": "10"},
                },
            },
        }
    ]
    assert has_gap(result, "FederatedCluster leaving", "not Joined")
    assert has_gap(result, "FederatedCluster east", "PreferNoSchedule taint busy")


def test_kubeadmiral_duplicate_policy_converts_exactly() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy(
            "PropagationPolicy",
            "web",
            """
            schedulingMode: Duplicate
            clusterSelector: {region: east}
            clusterAffinity:
            - matchExpressions: [{key: tier, operator: In, values: [gold, silver]}]
              matchFields: [{key: metadata.name, operator: NotIn, values: [west]}]
            tolerations: [{key: gpu, operator: Equal, value: "yes", effect: NoSchedule}]
            placement: [{cluster: east}, {cluster: gpu, preferences: {weight: 2}}, {cluster: west}]
            """,
        )
        + deployment(
            "web",
            "{app: web, kubeadmiral.io/propagation-policy-name: web}",
            "{keep: me, kubeadmiral.io/conflict-resolution: adopt}",
        )
        + NAMESPACE
    )
    assert find(result.policies, "PropagationPolicy", "web") == {
        "apiVersion": POLICY,
        "kind": "PropagationPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "resourceSelectors": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}
            ],
            "propagateDeps": True,
            "placement": {
                "clusterAffinity": {
                    "labelSelector": {
                        "matchLabels": {"region": "east"},
                        "matchExpressions": [
                            {"key": "tier", "operator": "In", "values": ["gold", "silver"]}
                        ],
                    },
                    "clusterNames": ["east", "gpu"],
                },
                "clusterTolerations": [
                    {"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoSchedule"}
                ],
            },
        },
    }
    metadata = find(result.templates, "Deployment", "web")["metadata"]
    assert metadata == {
        "name": "web",
        "namespace": "shop",
        "labels": {"app": "web"},
        "annotations": {"keep": "me"},
    }
    assert result.gaps == []
    # KubeAdmiral by hand: region east and tier gold/silver and not west, among the listed
    # clusters: east and gpu (whose taint is tolerated). The namespace goes everywhere.
    rendered = render(result)
    assert sorted(c for c, objects in rendered.items() if "Deployment shop/web" in objects) == [
        "east",
        "gpu",
    ]
    assert all("Namespace /shop" in objects for objects in rendered.values())


@pytest.mark.parametrize(
    ("spec", "division", "words"),
    [
        (
            "replicasStrategy: Binpack",
            {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Aggregated"},
            ("Binpack", "Aggregated"),
        ),
        (
            "placement: [{cluster: east, preferences: {weight: 2, maxReplicas: 4}}, {cluster: west, preferences: {weight: 0}}]",
            {
                "replicaSchedulingType": "Divided",
                "replicaDivisionPreference": "Weighted",
                "weightPreference": {
                    "staticWeightList": [{"targetCluster": {"clusterNames": ["east"]}, "weight": 2}]
                },
            },
            ("FNV", "Webster", "weight 0", "maxReplicas left out"),
        ),
        (
            "",
            {"replicaSchedulingType": "Divided", "replicaDivisionPreference": "Weighted"},
            ("without cluster resources", "equal static weights"),
        ),
    ],
)
def test_kubeadmiral_divide_is_a_gap_with_the_closest_division(
    spec: str, division: dict[str, Any], words: tuple[str, ...]
) -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "split", "schedulingMode: Divide\n" + spec)
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: split}")
    )
    placement = find(result.policies, "ClusterPropagationPolicy", "split")["spec"]["placement"]
    assert placement["replicaScheduling"] == division
    assert has_gap(result, "ClusterPropagationPolicy split", *words), gap_texts(result)


def test_divide_without_weights_uses_dynamic_weights_when_clusters_report_resources() -> None:
    resources = (
        "\n  resources: {allocatable: {cpu: '4', pods: '10'}, available: {cpu: '2', pods: '8'}}"
    )
    result = convert(
        federated_cluster("east", status=resources)
        + admiral_policy("ClusterPropagationPolicy", "split", "schedulingMode: Divide")
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: split}")
    )
    placement = find(result.policies, "ClusterPropagationPolicy", "split")["spec"]["placement"]
    assert placement["replicaScheduling"]["weightPreference"] == {
        "dynamicWeight": "AvailableReplicas"
    }
    assert has_gap(result, "ClusterPropagationPolicy split", "free CPU", "AvailableReplicas")


def test_divide_duplicates_kinds_without_a_replicas_path_in_a_policy_of_their_own() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "split", "schedulingMode: Divide")
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: split}")
        + deployment(
            "db", "{kubeadmiral.io/cluster-propagation-policy-name: split}", kind="StatefulSet"
        )
    )
    policies = {
        p["metadata"]["name"]: p["spec"]
        for p in result.policies
        if p["kind"] == "ClusterPropagationPolicy"
    }
    assert policies["split"]["resourceSelectors"][0]["name"] == "web"
    assert "replicaScheduling" in policies["split"]["placement"]
    assert policies["split-statefulset-db"] == {
        "resourceSelectors": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "namespace": "shop", "name": "db"}
        ],
        "propagateDeps": True,
        "placement": {},
    }
    # KubeAdmiral duplicates the StatefulSet: 3 replicas on each Ready, untainted cluster.
    rendered = render(result)
    assert {
        c: o["StatefulSet shop/db"]["spec"]["replicas"]
        for c, o in rendered.items()
        if "StatefulSet shop/db" in o
    } == {
        "east": 3,
        "west": 3,
    }


def test_max_clusters() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy(
            "ClusterPropagationPolicy", "two", "schedulingMode: Duplicate\nmaxClusters: 2"
        )
        + admiral_policy(
            "ClusterPropagationPolicy", "none", "schedulingMode: Duplicate\nmaxClusters: 0"
        )
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: two}")
        + deployment("api", "{kubeadmiral.io/cluster-propagation-policy-name: none}")
    )
    assert find(result.policies, "ClusterPropagationPolicy", "two")["spec"]["placement"] == {
        "spreadConstraints": [{"spreadByField": "cluster", "maxGroups": 2, "minGroups": 1}]
    }
    assert has_gap(result, "ClusterPropagationPolicy two", "maxClusters 2", "spreadConstraints")
    assert not [p for p in result.policies if p["metadata"]["name"] == "none"]  # places nothing
    assert not [g for g in result.gaps if g.subject == "ClusterPropagationPolicy none"]


def test_scheduling_profile() -> None:
    profile = "\n---\napiVersion: core.kubeadmiral.io/v1alpha1\nkind: SchedulingProfile\nmetadata: {name: fit}\nspec: {}\n"
    result = convert(
        ADMIRAL_CLUSTERS
        + profile
        + admiral_policy(
            "ClusterPropagationPolicy", "a", "schedulingMode: Duplicate\nschedulingProfile: fit"
        )
        + admiral_policy(
            "ClusterPropagationPolicy", "b", "schedulingMode: Duplicate\nschedulingProfile: gone"
        )
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: a}")
        + deployment("api", "{kubeadmiral.io/cluster-propagation-policy-name: b}")
    )
    assert find(result.policies, "ClusterPropagationPolicy", "a")["spec"]["placement"] == {}
    assert has_gap(result, "ClusterPropagationPolicy a", "schedulingProfile fit", "default plugins")
    assert has_gap(result, "ClusterPropagationPolicy b", "schedulingProfile gone", "no policy")
    assert has_gap(result, "SchedulingProfile fit", "not converted")
    assert not [p for p in result.policies if p["metadata"]["name"] == "b"]


@pytest.mark.parametrize(
    ("terms", "affinity", "gap"),
    [
        # Terms that only name clusters unite exactly.
        (
            "[{matchFields: [{key: metadata.name, operator: In, values: [east]}]},"
            " {matchFields: [{key: metadata.name, operator: In, values: [west]}]}]",
            {"clusterNames": ["east", "west"]},
            None,
        ),
        # ORed label terms: today's matching clusters, and a gap.
        (
            "[{matchExpressions: [{key: region, operator: In, values: [west]}]},"
            " {matchExpressions: [{key: tier, operator: In, values: [gold]}]}]",
            {"clusterNames": ["east", "gpu", "west"]},
            "ORed",
        ),
        # Gt has no label selector form.
        (
            "[{matchExpressions: [{key: rank, operator: Gt, values: ['1']}]}]",
            {"clusterNames": ["west"]},
            "Gt on label rank",
        ),
    ],
)
def test_cluster_affinity_terms(terms: str, affinity: dict[str, Any], gap: str | None) -> None:
    clusters = ADMIRAL_CLUSTERS.replace("tier: silver}", "tier: silver, rank: '2'}")
    result = convert(
        clusters
        + admiral_policy(
            "ClusterPropagationPolicy", "p", f"schedulingMode: Duplicate\nclusterAffinity: {terms}"
        )
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: p}")
    )
    assert (
        find(result.policies, "ClusterPropagationPolicy", "p")["spec"]["placement"][
            "clusterAffinity"
        ]
        == affinity
    )
    if gap is None:
        assert result.gaps == []
    else:
        assert has_gap(result, "ClusterPropagationPolicy p", gap, "match today")


def test_an_empty_affinity_term_selects_nothing() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "p", "clusterAffinity: [{}]")
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: p}")
    )
    assert not [p for p in result.policies if p["kind"] == "ClusterPropagationPolicy"]


def test_a_toleration_of_every_taint_also_tolerates_karmadas_readiness_taints() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + federated_cluster("down", ready="False")
        + admiral_policy("ClusterPropagationPolicy", "p", "tolerations: [{operator: Exists}]")
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: p}")
    )
    assert has_gap(result, "ClusterPropagationPolicy p", "not Ready")


def test_scheduling_annotations_give_the_object_a_policy_of_its_own() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "p", "schedulingMode: Duplicate")
        + deployment("web", "{kubeadmiral.io/cluster-propagation-policy-name: p}")
        + deployment(
            "api",
            "{kubeadmiral.io/cluster-propagation-policy-name: p}",
            """{kubeadmiral.io/clusterSelector: '{"region": "west"}', kubeadmiral.io/affinity: '{"clusterAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {"matchExpressions": []}}]}}'}""",
        )
    )
    names = {
        p["metadata"]["name"]: p["spec"]
        for p in result.policies
        if p["kind"] == "ClusterPropagationPolicy"
    }
    assert names["p"]["resourceSelectors"][0]["name"] == "web"  # placed as the policy says
    assert names["p"]["placement"] == {}
    assert names["p-deployment-api"]["placement"] == {
        "clusterAffinity": {"labelSelector": {"matchLabels": {"region": "west"}}}
    }
    assert has_gap(result, "Deployment shop/api", "preferred cluster affinity")
    assert "annotations" not in find(result.templates, "Deployment", "api")["metadata"]


def test_policy_labels_naming_missing_policies_and_unbound_policies() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "idle", "schedulingMode: Duplicate")
        + admiral_policy("OverridePolicy", "idle", "overrideRules: []")
        + deployment(
            "web",
            "{kubeadmiral.io/propagation-policy-name: gone, kubeadmiral.io/override-policy-name: gone}",
        )
    )
    assert has_gap(
        result, "Deployment shop/web", "PropagationPolicy shop/gone", "does not schedule"
    )
    assert has_gap(result, "Deployment shop/web", "OverridePolicy shop/gone", "no overrides")
    assert has_gap(result, "ClusterPropagationPolicy idle", "no object carries its label")
    assert has_gap(result, "OverridePolicy shop/idle", "no object carries its label")
    assert [p["kind"] for p in result.policies] == ["Cluster"] * 3


def test_namespaces_follow_kubeadmiral_auto_propagation() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "east", "clusterSelector: {region: east}")
        + NAMESPACE
        + """
---
apiVersion: v1
kind: Namespace
metadata:
  name: private
  labels: {kubeadmiral.io/cluster-propagation-policy-name: east}
  annotations: {kubeadmiral.io/no-auto-propagation: "true"}
"""
    )
    assert find(result.templates, "Namespace", "shop") == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop"},
    }
    assert find(result.templates, "Namespace", "private")["metadata"] == {
        "name": "private",
        "labels": {SKIP: "true"},
    }
    rendered = render(result)
    # KubeAdmiral by hand: shop goes everywhere; private only where its policy places it,
    # and without any label of Karmada's.
    assert all("Namespace /shop" in objects for objects in rendered.values())
    assert sorted(c for c, o in rendered.items() if "Namespace /private" in o) == ["east"]
    assert rendered["east"]["Namespace /private"]["metadata"] == {"name": "private", "labels": {}}


def test_kinds_kubeadmiral_does_not_federate() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy("ClusterPropagationPolicy", "p", "schedulingMode: Duplicate")
        + "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  namespace: shop\n"
        "  labels: {kubeadmiral.io/cluster-propagation-policy-name: p}\nspec: {containers: []}\n"
    )
    assert has_gap(result, "Pod shop/solo", "do not federate")
    assert find(result.templates, "Pod", "solo")["metadata"]["labels"] == {
        "kubeadmiral.io/cluster-propagation-policy-name": "p"
    }


# --- KubeAdmiral overrides -----------------------------------------------------------------

BOUND = "{app: web, kubeadmiral.io/cluster-propagation-policy-name: all, kubeadmiral.io/override-policy-name: o}"
ALL = admiral_policy("ClusterPropagationPolicy", "all", "schedulingMode: Duplicate")


def overrides(rules: str, *extra: str) -> Conversion:
    return convert(
        ADMIRAL_CLUSTERS
        + ALL
        + admiral_policy(
            "OverridePolicy", "o", "overrideRules:\n" + textwrap.dedent(rules).strip("\n")
        )
        + deployment("web", BOUND, "{note: hi}")
        + "".join(extra)
    )


def rules_of(result: Conversion) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = find(result.policies, "OverridePolicy", "o")["spec"][
        "overrideRules"
    ]
    return rules


def test_labels_and_annotations_overriders() -> None:
    result = overrides(
        """
        - targetClusters: {clusters: [east, gpu], clusterSelector: {tier: gold}}
          overriders:
            labels:
            - {operator: overwrite, value: {app: web2, absent: x}}
            - {operator: addIfAbsent, value: {fresh: "y"}}
            annotations: [{operator: delete, value: {note: ""}}]
        - overriders:
            labels: [{operator: addIfAbsent, value: {app: again}}]
        """
    )
    assert rules_of(result) == [
        {
            "targetCluster": {
                "labelSelector": {"matchLabels": {"tier": "gold"}},
                "clusterNames": ["east", "gpu"],
            },
            "overriders": {
                "labelsOverrider": [
                    {"operator": "replace", "value": {"app": "web2", "absent": "x"}},
                    {"operator": "add", "value": {"fresh": "y"}},
                ],
                "annotationsOverrider": [{"operator": "remove", "value": {"note": ""}}],
            },
        },
        {"overriders": {"labelsOverrider": [{"operator": "add", "value": {"app": "again"}}]}},
    ]
    assert has_gap(
        result, "OverridePolicy shop/o", "overrideRules[1]", "addIfAbsent ['app']", "Written as add"
    )
    assert not has_gap(result, "OverridePolicy shop/o", "overrideRules[0]")
    # KubeAdmiral by hand on east: overwrite changes only existing keys (app), addIfAbsent
    # adds fresh; the note annotation goes.
    east = render(result)["east"]["Deployment shop/web"]["metadata"]
    assert east["labels"] == {"app": "again", "fresh": "y"}
    assert east["annotations"] == {}


def test_envs_are_a_gap() -> None:
    result = overrides(
        """
        - overriders:
            envs: [{containerName: main, operator: addIfAbsent, value: [{name: A, value: "1"}]}]
            labels: [{value: {app: x}}]
        """
    )
    assert rules_of(result) == [
        {"overriders": {"labelsOverrider": [{"operator": "replace", "value": {"app": "x"}}]}}
    ]
    assert has_gap(result, "OverridePolicy shop/o", "envs", "no env overrider", "left out")


def test_image_overriders() -> None:
    result = overrides(
        """
        - targetClusters: {clusters: [east]}
          overriders:
            image:
            - containerNames: [main]
              operations:
              - {imageComponent: Tag, value: "1.26"}
              - {imageComponent: Registry, operator: addIfAbsent, value: reg.example}
        - targetClusters: {clusters: [west]}
          overriders:
            image: [{operations: [{imageComponent: Registry, operator: addIfAbsent, value: reg.example}]}]
        - targetClusters: {clusters: [gpu]}
          overriders:
            image: [{operations: [{imageComponent: Registry, value: mirror.example}]}]
        """
    )
    rules = rules_of(result)
    assert rules[0]["overriders"]["imageOverrider"] == [
        {"component": "Tag", "operator": "replace", "value": "1.26"},
        {"component": "Registry", "operator": "replace", "value": "reg.example"},
    ]
    # Without containerNames KubeAdmiral also rewrites init containers: named by predicate.
    assert rules[2]["overriders"]["imageOverrider"] == [
        {
            "predicate": {"path": "/spec/template/spec/initContainers/0/image"},
            "component": "Registry",
            "operator": "replace",
            "value": "mirror.example",
        },
        {
            "predicate": {"path": "/spec/template/spec/containers/0/image"},
            "component": "Registry",
            "operator": "replace",
            "value": "mirror.example",
        },
    ]
    # addIfAbsent of a registry no image has yet is Karmada's replace, exactly.
    assert [e["value"] for e in rules[1]["overriders"]["imageOverrider"]] == ["reg.example"] * 2
    assert result.gaps == []
    rendered = render(result)
    assert (
        rendered["east"]["Deployment shop/web"]["spec"]["template"]["spec"]["containers"][0][
            "image"
        ]
        == "reg.example/nginx:1.26"
    )
    west = rendered["west"]["Deployment shop/web"]["spec"]["template"]["spec"]
    assert [c["image"] for c in west["initContainers"] + west["containers"]] == [
        "reg.example/busybox:1.36",
        "reg.example/nginx:1.25",
    ]


def test_image_add_if_absent_on_a_set_component_is_a_gap() -> None:
    result = overrides(
        """
        - overriders:
            image: [{containerNames: [main], operations: [{imageComponent: Tag, operator: addIfAbsent, value: "2"}]}]
        """
    )
    assert [p for p in result.policies if p["kind"] == "OverridePolicy"] == []
    assert has_gap(result, "OverridePolicy shop/o", "image[0]", "addIfAbsent on Tag", "left out")


@pytest.mark.parametrize(
    ("image", "operations", "theirs", "ours"),
    [
        ("nginx:1.25", [("Tag", "overwrite", "1.26")], "nginx:1.26", "nginx:1.26"),
        (
            "ealen/echo:1",
            [("Registry", "overwrite", "r.io")],
            "r.io/ealen/echo:1",
            "r.io/ealen/echo:1",
        ),
        ("localhost:5000/a/b:1", [("Registry", "delete", "")], "a/b:1", "a/b:1"),
        # KubeAdmiral keeps tag and digest side by side; Karmada keeps one of them.
        (
            "nginx:1",
            [("Digest", "overwrite", "sha256:" + "a" * 64)],
            "nginx:1@sha256:" + "a" * 64,
            "nginx@sha256:" + "a" * 64,
        ),
    ],
)
def test_image_rewrites_under_both_systems(
    image: str, operations: list[tuple[str, str, str]], theirs: str, ours: str
) -> None:
    karmada = [
        ("Tag" if c == "Digest" else c, {"overwrite": "replace", "delete": "remove"}[o], v)
        for c, o, v in operations
    ]
    assert kubeadmiral_image(image, operations) == theirs
    assert karmada_image(image, karmada) == ours


def test_command_and_args_overriders() -> None:
    result = overrides(
        """
        - overriders:
            command: [{containerName: main, operator: append, value: [--debug]}]
            args: [{containerName: main, operator: overwrite, value: [a, b]}]
        - targetClusters: {clusters: [west]}
          overriders:
            command: [{containerName: init, operator: append, value: [--x]}]
        """
    )
    rules = rules_of(result)
    assert rules[0]["overriders"] == {
        "commandOverrider": [{"containerName": "main", "operator": "add", "value": ["--debug"]}],
        "plaintext": [
            {
                "path": "/spec/template/spec/containers/0/args",
                "operator": "add",
                "value": ["a", "b"],
            }
        ],
    }
    assert has_gap(result, "OverridePolicy shop/o", "overrideRules[1]", "init container")
    # An append after an overwrite folds into it: Karmada's plaintext runs last.
    folded = overrides(
        """
        - overriders:
            args: [{containerName: main, operator: overwrite, value: [a]}, {containerName: main, operator: append, value: [b]}]
        """
    )
    assert rules_of(folded)[0]["overriders"] == {
        "plaintext": [
            {
                "path": "/spec/template/spec/containers/0/args",
                "operator": "add",
                "value": ["a", "b"],
            }
        ]
    }
    container = render(result)["east"]["Deployment shop/web"]["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["command"] == ["run", "--fast", "--debug"]
    assert container["args"] == ["a", "b"]


def test_jsonpatch_overriders() -> None:
    result = overrides(
        """
        - overriders:
            jsonpatch:
            - {path: /spec/paused, value: true}
            - {path: /spec/template/spec/containers/0/command/0, value: go}
            - {operator: add, path: /metadata/finalizers/-, value: x}
        """
    )
    assert rules_of(result)[0]["overriders"]["plaintext"] == [
        {"path": "/spec/paused", "operator": "add", "value": True},
        {
            "path": "/spec/template/spec/containers/0/command/0",
            "operator": "replace",
            "value": "go",
        },
    ]
    assert has_gap(result, "OverridePolicy shop/o", "/metadata/finalizers/-", "left out")
    spec = render(result)["west"]["Deployment shop/web"]["spec"]
    assert spec["paused"] is True
    assert spec["template"]["spec"]["containers"][0]["command"] == ["go", "--fast"]


def test_cluster_override_policy_applies_before_the_namespaced_one() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + ALL
        + admiral_policy(
            "ClusterOverridePolicy",
            "c",
            "overrideRules: [{overriders: {labels: [{operator: addIfAbsent, value: {tier: c}}]}}]",
        )
        + admiral_policy(
            "OverridePolicy",
            "o",
            "overrideRules: [{overriders: {labels: [{operator: addIfAbsent, value: {tier: o}}]}}]",
        )
        + deployment(
            "web",
            "{kubeadmiral.io/cluster-propagation-policy-name: all, kubeadmiral.io/override-policy-name: o,"
            " kubeadmiral.io/cluster-override-policy-name: c}",
        )
    )
    # The second addIfAbsent meets the key the first added: KubeAdmiral fails it.
    assert not has_gap(result, "ClusterOverridePolicy c", "addIfAbsent")
    assert has_gap(result, "OverridePolicy shop/o", "addIfAbsent ['tier']")


def test_zero_replica_workload_with_requests_is_a_gap_under_duplicate() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + ALL
        + """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle, namespace: shop, labels: {kubeadmiral.io/cluster-propagation-policy-name: all}}
spec:
  replicas: 0
  template:
    spec: {containers: [{name: c, image: busybox, resources: {limits: {cpu: "1"}}}]}
"""
    )
    assert has_gap(result, "Deployment shop/idle", "withdrawn")


def test_policy_level_gaps() -> None:
    result = convert(
        ADMIRAL_CLUSTERS
        + admiral_policy(
            "ClusterPropagationPolicy",
            "p",
            """
            autoMigration: {when: {podUnschedulableFor: 1m}}
            reschedulePolicy: {disableRescheduling: true, rescheduleWhen: {clusterJoined: true}}
            surprise: 1
            """,
        )
        + deployment(
            "web",
            "{kubeadmiral.io/cluster-propagation-policy-name: p}",
            "{kubeadmiral.io/followers: '[]'}",
        )
    )
    for words in (
        ("autoMigration",),
        ("disableRescheduling",),
        ("clusterJoined",),
        ("spec.surprise",),
    ):
        assert has_gap(result, "ClusterPropagationPolicy p", *words), words
    assert has_gap(result, "Deployment shop/web", "kubeadmiral.io/followers")


# --- Both ----------------------------------------------------------------------------------


def test_output_does_not_depend_on_input_order() -> None:
    text = (
        ADMIRAL_CLUSTERS
        + ALL
        + admiral_policy(
            "OverridePolicy", "o", "overrideRules: [{overriders: {labels: [{value: {app: x}}]}}]"
        )
        + deployment("web", BOUND)
        + deployment("api", BOUND)
        + NAMESPACE
    )
    documents = [
        (d.source, d.data) for d in parse_documents(textwrap.dedent(text).lstrip("\n"), "in.yaml")
    ]
    first = convert_to_karmada(documents)
    shuffled = list(documents)
    random.Random(7).shuffle(shuffled)
    second = convert_to_karmada(shuffled)
    assert (first.policies, first.templates, first.gaps) == (
        second.policies,
        second.templates,
        second.gaps,
    )
    assert kinds_of(first.policies) == [
        ("Cluster", "east"),
        ("Cluster", "gpu"),
        ("Cluster", "west"),
        ("ClusterPropagationPolicy", "all"),
        ("OverridePolicy", "o"),
    ]


def test_karmada_objects_pass_and_runtime_objects_are_reported() -> None:
    result = convert(
        """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: kept, namespace: shop}
spec: {resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]}
---
apiVersion: types.kubeadmiral.io/v1alpha1
kind: FederatedObject
metadata: {name: web-deployments.apps, namespace: shop}
---
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedConfig
metadata: {name: kubefed, namespace: kube-federation-system}
---
just a string
"""
    )
    assert kinds_of(result.policies) == [("PropagationPolicy", "kept")]
    assert [g.subject for g in result.gaps] == [
        "FederatedObject shop/web-deployments.apps",
        "KubeFedConfig kube-federation-system/kubefed",
        "document",
    ]
    assert result.gaps[0].source == Source("in.yaml", 6)


def ftc(
    federated_kind: str, group: str, kind: str, scope: str, propagation: str = "Enabled"
) -> str:
    return f"""
---
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata: {{name: {kind.lower()}s.{group or "core"}, namespace: kube-federation-system}}
spec:
  propagation: {propagation}
  targetType: {{group: "{group}", version: v1, kind: {kind}, pluralName: {kind.lower()}s, scope: {scope}}}
  federatedType: {{group: types.kubefed.io, version: v1beta1, kind: {federated_kind}, scope: Namespaced}}
"""


def test_type_configs_decide_what_kubefed_federates() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + ftc("FederatedNamespace", "", "Namespace", "Cluster")
        + ftc("FederatedWidget", "example.com", "Widget", "Namespaced")
        + ftc("FederatedDeployment", "apps", "Deployment", "Namespaced", "Disabled")
        + SHOP_EVERYWHERE
        + WEB
        + "  placement: {clusterSelector: {}}\n"
        + """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedWidget
metadata: {name: w, namespace: shop}
spec: {template: {spec: {size: 3}}, placement: {clusterSelector: {}}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {name: c, namespace: shop}
spec: {template: {data: {}}, placement: {clusterSelector: {}}}
"""
    )
    assert kinds_of(result.templates) == [("Namespace", "shop"), ("Widget", "w")]
    assert find(result.templates, "Widget", "w") == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"size": 3},
    }
    assert has_gap(result, "FederatedDeployment shop/web", "Disabled")
    assert has_gap(result, "FederatedConfigMap shop/c", "no FederatedTypeConfig")
    served = find(result.policies, "Cluster", "east")["status"]["apiEnablements"]
    assert {r["kind"] for entry in served for r in entry["resources"]} == {"Namespace", "Widget"}


def test_rsp_intersecting_with_cluster_selectors() -> None:
    result = convert(
        KUBEFED_CLUSTERS
        + """
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {name: shop, namespace: shop}
spec: {placement: {clusters: [{name: north}], clusterSelector: {matchLabels: {tier: a}}}}
"""
        + WEB
        + """
  placement: {clusters: [{name: east}], clusterSelector: {matchExpressions: [{key: region, operator: Exists}]}}
---
apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata: {name: web, namespace: shop}
spec: {targetKind: FederatedDeployment, totalReplicas: 4, intersectWithClusterSelector: true}
"""
    )
    # Selectors only, on both sides; clusters lists are ignored; equal weights.
    assert find(result.policies, "PropagationPolicy", "web-deployment")["spec"]["placement"] == {
        "clusterAffinity": {
            "labelSelector": {
                "matchLabels": {"tier": "a"},
                "matchExpressions": [{"key": "region", "operator": "Exists"}],
            }
        },
        "replicaScheduling": {
            "replicaSchedulingType": "Divided",
            "replicaDivisionPreference": "Weighted",
        },
    }
    assert has_gap(result, "ReplicaSchedulingPreference shop/web", "both its target's")
