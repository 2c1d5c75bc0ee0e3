"""Kubefed v2 objects as a front end: placement, FederatedNamespace, overrides, RSP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubless.compile import compile_fleet
from hubless.dialects.gomath import cluster_hash
from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet


def kubefed_cluster(name: str, labels: dict[str, str] | None = None, ready: bool = True) -> str:
    return json.dumps(
        {
            "apiVersion": "core.kubefed.io/v1beta1",
            "kind": "KubeFedCluster",
            "metadata": {
                "name": name,
                "namespace": "kube-federation-system",
                "labels": labels or {},
            },
            "spec": {"apiEndpoint": f"https://{name}.example.com", "secretRef": {"name": name}},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
        }
    )


CLUSTERS = "\n---\n".join(
    [
        kubefed_cluster("a", {"env": "prod", "region": "eu"}),
        kubefed_cluster("b", {"env": "prod", "region": "us"}),
        kubefed_cluster("c", {"env": "dev", "region": "us"}),
    ]
)


def namespace(placement: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedNamespace",
        "metadata": {"name": "shop", "namespace": "shop"},
        "spec": {"placement": placement},
    }


def config_map(
    placement: dict[str, Any] | None, overrides: list[Any] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "template": {
            "metadata": {
                "labels": {"app": "shop"},
                "annotations": {"note": "dropped"},
                "finalizers": ["example.com/keep"],
            },
            "data": {"color": "blue"},
        }
    }
    if placement is not None:
        spec["placement"] = placement
    if overrides is not None:
        spec["overrides"] = overrides
    return {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedConfigMap",
        "metadata": {"name": "settings", "namespace": "shop"},
        "spec": spec,
    }


def deployment(placement: dict[str, Any], overrides: list[Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedDeployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "replicas": 3,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]},
                    },
                },
            },
            "placement": placement,
            **({"overrides": overrides} if overrides is not None else {}),
        },
    }


def rsp(clusters: dict[str, Any] | None, total: int, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"targetKind": "FederatedDeployment", "totalReplicas": total, **extra}
    if clusters is not None:
        spec["clusters"] = clusters
    return {
        "apiVersion": "scheduling.kubefed.io/v1alpha1",
        "kind": "ReplicaSchedulingPreference",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": spec,
    }


ALL = {"clusterSelector": {}}


def render(
    *templates: dict[str, Any],
    policies: list[dict[str, Any]] = (),
    clusters: str = CLUSTERS,  # type: ignore[assignment]
) -> dict[str, dict[str, dict[str, Any]]]:
    sources = [SourceFile("policies/clusters.yaml", clusters)]
    sources += [SourceFile(f"policies/p{i}.yaml", json.dumps(p)) for i, p in enumerate(policies)]
    sources += [SourceFile(f"templates/t{i}.yaml", json.dumps(t)) for i, t in enumerate(templates)]
    compiled = compile_fleet(load_fleet(sources))
    return {
        cluster: {f"{o.key.kind}/{o.key.name}": o.body for o in objects}
        for cluster, objects in compiled.objects.items()
    }


def placed(result: dict[str, dict[str, Any]], what: str) -> list[str]:
    return sorted(cluster for cluster, objects in result.items() if what in objects)


@pytest.mark.parametrize(
    ("placement", "expected"),
    [
        ({"clusters": [{"name": "a"}, {"name": "c"}]}, ["a", "c"]),
        # A present list wins over the selector, even when empty.
        ({"clusters": [], "clusterSelector": {}}, []),
        ({"clusters": [{"name": "b"}], "clusterSelector": {"matchLabels": {"env": "dev"}}}, ["b"]),
        # Names Kubefed does not know are dropped.
        ({"clusters": [{"name": "b"}, {"name": "gone"}]}, ["b"]),
        # Without a list: no selector places nowhere, {} everywhere.
        ({}, []),
        ({"clusterSelector": {}}, ["a", "b", "c"]),
        ({"clusterSelector": {"matchLabels": {"env": "prod"}}}, ["a", "b"]),
        (
            {
                "clusterSelector": {
                    "matchExpressions": [{"key": "region", "operator": "NotIn", "values": ["eu"]}]
                }
            },
            ["b", "c"],
        ),
    ],
)
def test_placement_precedence(placement: dict[str, Any], expected: list[str]) -> None:
    result = render(namespace(ALL), config_map(placement))
    assert placed(result, "ConfigMap/settings") == expected


def test_namespaced_objects_go_only_where_their_namespace_goes() -> None:
    result = render(namespace({"clusters": [{"name": "a"}, {"name": "b"}]}), config_map(ALL))
    assert placed(result, "Namespace/shop") == ["a", "b"]
    assert placed(result, "ConfigMap/settings") == ["a", "b"]


def test_no_federated_namespace_is_an_error_naming_the_object() -> None:
    with pytest.raises(UserError) as caught:
        render(config_map(ALL))
    assert str(caught.value.problems[0]) == (
        "templates/t0.yaml:1: error: FederatedConfigMap/shop/settings cannot schedule "
        "ConfigMap/shop/settings: its namespace shop has no FederatedNamespace, so Kubefed "
        "places it nowhere"
    )


def test_member_object_drops_annotations_and_finalizers_and_is_labelled_managed() -> None:
    overrides = [
        {
            "clusterName": "b",
            "clusterOverrides": [
                {"path": "/data/color", "value": "green"},  # op defaults to replace
                {"op": "add", "path": "/data/size", "value": "L"},
                {"path": "/metadata/annotations", "value": {"team": "web"}},  # replace adds
            ],
        }
    ]
    result = render(
        namespace(ALL), config_map({"clusters": [{"name": "a"}, {"name": "b"}]}, overrides)
    )
    assert result["a"]["ConfigMap/settings"] == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "namespace": "shop",
            "labels": {"app": "shop", "kubefed.io/managed": "true"},
        },
        "data": {"color": "blue"},
    }
    assert result["b"]["ConfigMap/settings"] == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "namespace": "shop",
            "labels": {"app": "shop", "kubefed.io/managed": "true"},
            "annotations": {"team": "web"},
        },
        "data": {"color": "green", "size": "L"},
    }
    assert result["a"]["Namespace/shop"] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "shop", "labels": {"kubefed.io/managed": "true"}},
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            [
                {"clusterName": "a", "clusterOverrides": []},
                {"clusterName": "a", "clusterOverrides": []},
            ],
            "templates/t1.yaml:1: error: spec.overrides[1].clusterName: cluster 'a' has two overrides entries",
        ),
        (
            [
                {
                    "clusterName": "a",
                    "clusterOverrides": [
                        {"path": "/data/x", "value": 1},
                        {"path": "/data/x", "value": 2},
                    ],
                }
            ],
            "templates/t1.yaml:1: error: spec.overrides[0].clusterOverrides[1].path: /data/x is overridden twice for a",
        ),
        (
            [{"clusterName": "a", "clusterOverrides": [{"path": "/metadata/name", "value": "x"}]}],
            "templates/t1.yaml:1: error: spec.overrides[0].clusterOverrides[0].path: /metadata/name cannot be overridden",
        ),
        (
            [{"clusterName": "a", "clusterOverrides": [{"op": "move", "path": "/data/x"}]}],
            "templates/t1.yaml:1: error: spec.overrides[0].clusterOverrides[0].op: 'move' is not one of 'add', 'remove', 'replace'",
        ),
    ],
)
def test_invalid_overrides_fail_the_object_with_its_location(
    overrides: list[Any], message: str
) -> None:
    with pytest.raises(UserError) as caught:
        render(namespace(ALL), config_map(ALL, overrides))
    assert [str(p) for p in caught.value.problems] == [message]


def test_a_patch_that_cannot_apply_names_the_object_and_cluster() -> None:
    overrides = [
        {"clusterName": "c", "clusterOverrides": [{"op": "remove", "path": "/data/missing"}]}
    ]
    with pytest.raises(UserError) as caught:
        render(namespace(ALL), config_map(ALL, overrides))
    message = str(caught.value.problems[0])
    assert message.startswith(
        "templates/t1.yaml:1: error: FederatedConfigMap/shop/settings: cannot override "
        "ConfigMap/shop/settings for cluster c: "
    )


def test_rsp_divides_by_weight_and_writes_replicas_per_cluster() -> None:
    # Equal weights are ordered by FNV-1 of name + "shop/web" (checked against the FNV test
    # vectors in test_kubefed_planner): c before b.
    assert sorted("bc", key=lambda name: cluster_hash(name, "shop/web")) == ["c", "b"]
    # Weights a:2, b:1, c:1 over 7, order a, c, b. One pass, d=7, W=4: a ceil(14/4)=4
    # (3 left), c ceil(7/4)=2 (1 left), b ceil(7/4)=2 capped by the 1 left.
    result = render(
        namespace(ALL), deployment(ALL), policies=[rsp({"a": {"weight": 2}, "*": {"weight": 1}}, 7)]
    )
    replicas = {c: objects["Deployment/web"]["spec"]["replicas"] for c, objects in result.items()}
    assert replicas == {"a": 4, "b": 1, "c": 2}


def test_rsp_keeps_zero_replica_clusters_with_zero_replicas() -> None:
    # Only a has weight; b and c have a preference of weight 0: planned 0, still placed.
    result = render(
        namespace(ALL),
        deployment({"clusters": [{"name": "a"}]}),
        policies=[rsp({"a": {"weight": 1}, "b": {"weight": 0}, "c": {"minReplicas": 0}}, 4)],
    )
    replicas = {c: objects["Deployment/web"]["spec"]["replicas"] for c, objects in result.items()}
    # The RSP's plan replaces the object's own cluster list: b and c are placed with 0.
    assert replicas == {"a": 4, "b": 0, "c": 0}


def test_rsp_clusters_without_a_preference_are_not_placed() -> None:
    result = render(namespace(ALL), deployment(ALL), policies=[rsp({"a": {"weight": 1}}, 3)])
    replicas = {c: objects["Deployment/web"]["spec"]["replicas"] for c, objects in result.items()}
    assert replicas == {"a": 3, "b": 0, "c": 0}  # every candidate is in Kubefed's plan


def test_rsp_minimums_and_maximums() -> None:
    assert sorted("abc", key=lambda name: cluster_hash(name, "shop/web")) == ["c", "a", "b"]
    # Equal weights, order c, a, b. Minimums first: b gets 2 (4 left). One pass, d=4, W=3:
    # c ceil(4/3)=2 (2 left); a ceil(4/3)=2, clamped to its max 1 (1 left, a is full);
    # b ceil(4/3)=2 capped by the 1 left: 3.
    preferences = {
        "a": {"weight": 1, "maxReplicas": 1},
        "b": {"weight": 1, "minReplicas": 2},
        "c": {"weight": 1},
    }
    result = render(namespace(ALL), deployment(ALL), policies=[rsp(preferences, 6)])
    replicas = {c: objects["Deployment/web"]["spec"]["replicas"] for c, objects in result.items()}
    assert replicas == {"a": 1, "b": 3, "c": 2}


def test_rsp_replaces_an_existing_replicas_override_in_place() -> None:
    overrides = [
        {
            "clusterName": "a",
            "clusterOverrides": [
                {"path": "/spec/replicas", "value": 10},
                {"path": "/spec/template/spec/containers/0/image", "value": "nginx:1.26"},
            ],
        }
    ]
    result = render(
        namespace(ALL), deployment(ALL, overrides), policies=[rsp({"a": {"weight": 1}}, 2)]
    )
    web = result["a"]["Deployment/web"]
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"


def test_rsp_over_clusters_the_namespace_excludes_deploys_fewer_replicas() -> None:
    # Planned over every Ready cluster; the namespace keeps only a and b, so c's share
    # is never deployed, as in Kubefed.
    result = render(
        namespace({"clusters": [{"name": "a"}, {"name": "b"}]}),
        deployment(ALL),
        policies=[rsp(None, 6)],  # no clusters: {"*": {weight: 1}}
    )
    replicas = {
        c: objects["Deployment/web"]["spec"]["replicas"]
        for c, objects in result.items()
        if "Deployment/web" in objects
    }
    assert sorted(replicas) == ["a", "b"]
    assert sum(replicas.values()) == 4  # 2 each over a, b, c; c's 2 are lost


def test_rsp_intersecting_with_the_selector() -> None:
    result = render(
        namespace({"clusterSelector": {"matchLabels": {"env": "prod"}}}),
        deployment(
            {"clusters": [{"name": "c"}], "clusterSelector": {"matchLabels": {"region": "us"}}}
        ),
        policies=[rsp(None, 5, intersectWithClusterSelector=True)],
    )
    # Selector only (the list is ignored): region us = b, c; namespace prod = a, b -> b.
    assert {
        c: o["Deployment/web"]["spec"]["replicas"]
        for c, o in result.items()
        if "Deployment/web" in o
    } == {"b": 5}


def test_not_ready_clusters_get_nothing() -> None:
    clusters = CLUSTERS + "\n---\n" + kubefed_cluster("d", {"env": "prod"}, ready=False)
    result = render(namespace(ALL), config_map(ALL), clusters=clusters)
    assert placed(result, "ConfigMap/settings") == ["a", "b", "c"]


def test_federated_type_config_names_the_target_type() -> None:
    config = {
        "apiVersion": "core.kubefed.io/v1beta1",
        "kind": "FederatedTypeConfig",
        "metadata": {"name": "widgets.example.com", "namespace": "kube-federation-system"},
        "spec": {
            "targetType": {
                "version": "v1",
                "kind": "Widget",
                "pluralName": "widgets",
                "scope": "Namespaced",
            },
            "federatedType": {
                "group": "types.kubefed.io",
                "version": "v1beta1",
                "kind": "FederatedWidget",
                "pluralName": "federatedwidgets",
                "scope": "Namespaced",
            },
            "propagation": "Enabled",
        },
    }
    widget = {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedWidget",
        "metadata": {"name": "w", "namespace": "shop"},
        "spec": {"template": {"spec": {"size": 3}}, "placement": {"clusters": [{"name": "a"}]}},
    }
    result = render(namespace(ALL), widget, policies=[config])
    assert result["a"]["Widget/w"] == {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop", "labels": {"kubefed.io/managed": "true"}},
        "spec": {"size": 3},
    }


def test_one_resource_under_two_dialects_is_an_error_naming_both() -> None:
    karmada = {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "all-config", "namespace": "shop"},
        "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap"}]},
    }
    with pytest.raises(UserError) as caught:
        render(namespace(ALL), config_map(ALL), policies=[karmada])
    assert [str(p) for p in caught.value.problems] == [
        "templates/t1.yaml:1: error: ConfigMap/shop/settings is governed by propagation "
        "policies of two dialects: Kubefed FederatedConfigMap/shop/settings "
        "(templates/t1.yaml:1) and Karmada PropagationPolicy/shop/all-config "
        "(policies/p0.yaml:1); keep one"
    ]


def test_dialects_mix_in_one_repository() -> None:
    karmada_cluster = {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "k"},
        "spec": {"syncMode": "Push"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "apiEnablements": [
                {"groupVersion": "v1", "resources": [{"name": "configmaps", "kind": "ConfigMap"}]}
            ],
        },
    }
    karmada_policy = {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "plain", "namespace": "shop"},
        "spec": {
            "resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "plain"}],
            "placement": {"clusterAffinity": {"clusterNames": ["k"]}},
        },
    }
    plain = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "plain", "namespace": "shop"},
        "data": {"x": "1"},
    }
    result = render(
        namespace({"clusters": [{"name": "a"}]}),
        config_map(ALL),
        plain,
        policies=[karmada_cluster, karmada_policy],
    )
    assert placed(result, "ConfigMap/settings") == ["a"]
    assert placed(result, "ConfigMap/plain") == ["k"]
