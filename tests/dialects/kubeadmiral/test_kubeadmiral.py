"""KubeAdmiral as a front end: label binding, the scheduler pipeline, followers, overrides."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hubless.compile import compile_fleet
from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet

CORE = "core.kubeadmiral.io/v1alpha1"


def cluster(
    name: str,
    labels: dict[str, str],
    cpu: tuple[str, str] | None = None,
    taints: list[dict[str, str]] | None = None,
    ready: bool = True,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "conditions": [
            {"type": "Joined", "status": "True"},
            {"type": "Ready", "status": "True" if ready else "False"},
        ]
    }
    if cpu is not None:
        status["resources"] = {"allocatable": {"cpu": cpu[0]}, "available": {"cpu": cpu[1]}}
    return {
        "apiVersion": CORE,
        "kind": "FederatedCluster",
        "metadata": {"name": name, "labels": labels},
        "spec": {"apiEndpoint": f"https://{name}", "taints": taints or []},
        "status": status,
    }


CLUSTERS = [
    cluster("a", {"env": "prod", "region": "eu"}, ("30", "20")),
    cluster("b", {"env": "prod", "region": "us"}, ("20", "10")),
    cluster("c", {"env": "dev", "region": "us"}, ("10", "10")),
]


def policy(kind: str, name: str, spec: dict[str, Any], namespace: str = "") -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": CORE, "kind": kind, "metadata": metadata, "spec": spec}


def deployment(
    name: str, labels: dict[str, str], replicas: int = 4, **extra: Any
) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": "app", "image": "shop/app:1.0"}], **extra}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod},
        },
    }


def dump(objects: list[dict[str, Any]]) -> str:
    return "\n---\n".join(json.dumps(o) for o in objects)


def compiled(policies: list[dict[str, Any]], templates: list[dict[str, Any]]) -> dict[str, Any]:
    fleet = load_fleet(
        [
            SourceFile("policies/clusters.yaml", dump(CLUSTERS)),
            SourceFile("policies/policies.yaml", dump(policies)),
            SourceFile("templates/objects.yaml", dump(templates)),
        ]
    )
    result = compile_fleet(fleet)
    return {f"{name}/{o.key}": o.body for name, objects in result.objects.items() for o in objects}


def errors(policies: list[dict[str, Any]], templates: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(UserError) as caught:
        compiled(policies, templates)
    return str(caught.value).splitlines()


DIVIDE = policy("PropagationPolicy", "divide", {"schedulingMode": "Divide"}, "shop")
MANAGED = {"kubeadmiral.io/managed": "true"}
PP = "kubeadmiral.io/propagation-policy-name"
CPP = "kubeadmiral.io/cluster-propagation-policy-name"
OP = "kubeadmiral.io/override-policy-name"
COP = "kubeadmiral.io/cluster-override-policy-name"


def test_divide_spread_member_object_is_whole() -> None:
    # Dynamic weights from CPU, whole cores: alloc a=30 b=20 c=10 (sum 60), avail 20/10/10
    # (sum 40). limits: round(30/60*1400)=700, round(20/60*1400)=467, round(10/60*1400)=233.
    # weights: min(round(20/40*1000)=500, 700)=500, min(250, 467)=250, min(250, 233)=233;
    # normalised over 983: round(508.6)=509, round(254.3)=254, round(237.0)=237, sum 1000.
    # 4 replicas, order a (509), b (254), c (237): a gets ceil(4*509/1000)=3, remaining 1;
    # b gets ceil(4*254/1000)=2 capped at 1; c gets nothing and is not placed.
    labels = {"app": "web", PP: "divide"}
    web = deployment("web", labels)
    web["metadata"]["annotations"] = {"kubeadmiral.io/scheduling-mode": "Divide", "keep": "me"}
    objects = compiled([DIVIDE], [web])
    assert sorted(objects) == ["a/Deployment.apps/shop/web", "b/Deployment.apps/shop/web"]
    assert objects["a/Deployment.apps/shop/web"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "labels": {"app": "web", **MANAGED},
            "annotations": {"keep": "me"},
        },
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "shop/app:1.0"}]},
            },
        },
    }
    assert objects["b/Deployment.apps/shop/web"]["spec"]["replicas"] == 1


def test_divide_binpack_fills_in_priority_order() -> None:
    # Binpack orders by priority: c (9), a (5), b (unset = 0). c takes min(7, max 2) = 2,
    # a takes all 5 left, b gets nothing and is not placed.
    spec = {
        "schedulingMode": "Divide",
        "replicasStrategy": "Binpack",
        "placement": [
            {"cluster": "a", "preferences": {"priority": 5}},
            {"cluster": "b"},
            {"cluster": "c", "preferences": {"priority": 9, "maxReplicas": 2}},
        ],
    }
    objects = compiled(
        [policy("PropagationPolicy", "pack", spec, "shop")],
        [deployment("jobs", {PP: "pack"}, replicas=7)],
    )
    replicas = {k.split("/")[0]: v["spec"]["replicas"] for k, v in objects.items()}
    assert replicas == {"a": 5, "c": 2}


def test_zero_replicas_divide_places_nowhere() -> None:
    assert compiled([DIVIDE], [deployment("web", {PP: "divide"}, replicas=0)]) == {}


def test_duplicate_keeps_replicas_and_namespaced_pp_wins_over_cpp() -> None:
    duplicate = policy(
        "PropagationPolicy",
        "dup",
        {"schedulingMode": "Duplicate", "clusterSelector": {"region": "us"}},
        "shop",
    )
    everywhere = policy("ClusterPropagationPolicy", "all", {"schedulingMode": "Duplicate"})
    objects = compiled([duplicate, everywhere], [deployment("web", {PP: "dup", CPP: "all"})])
    assert sorted(objects) == ["b/Deployment.apps/shop/web", "c/Deployment.apps/shop/web"]
    assert {o["spec"]["replicas"] for o in objects.values()} == {4}


def test_unlabelled_template_goes_nowhere() -> None:
    assert compiled([DIVIDE], [deployment("web", {})]) == {}


def test_followers_join_their_leader_and_disable_following() -> None:
    pod = {
        "volumes": [{"name": "s", "configMap": {"name": "settings"}}],
        "serviceAccountName": "runner",
    }
    leader = deployment("web", {PP: "divide"}, **pod)
    leader["metadata"]["annotations"] = {
        "kubeadmiral.io/followers": json.dumps([{"kind": "ConfigMap", "name": "extra"}])
    }

    def config_map(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
        metadata = {"name": name, "namespace": "shop", "annotations": annotations or {}}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {}}

    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "runner", "namespace": "shop"},
    }
    loner = config_map("loner", {"kubeadmiral.io/disable-following": "true"})
    leader["spec"]["template"]["spec"]["volumes"].append(
        {"name": "l", "configMap": {"name": "loner"}}
    )
    objects = compiled(
        [DIVIDE], [leader, config_map("settings"), config_map("extra"), account, loner]
    )
    # The leader is on a and b (see the Spread test); its followers go there too.
    for name in ("ConfigMap/shop/settings", "ConfigMap/shop/extra", "ServiceAccount/shop/runner"):
        assert {k.split("/")[0] for k in objects if k.endswith(name)} == {"a", "b"}
    assert objects["a/ConfigMap/shop/extra"] == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "extra", "namespace": "shop", "labels": MANAGED},
        "data": {},
    }
    assert not [k for k in objects if k.endswith("ConfigMap/shop/loner")]


def test_disable_follower_scheduling() -> None:
    spec = {"schedulingMode": "Duplicate", "disableFollowerScheduling": True}
    leader = deployment("web", {PP: "solo"}, volumes=[{"name": "s", "configMap": {"name": "cm"}}])
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "shop"}}
    objects = compiled([policy("PropagationPolicy", "solo", spec, "shop")], [leader, cm])
    assert sorted(objects) == [f"{c}/Deployment.apps/shop/web" for c in "abc"]


def test_namespaces_auto_propagate_except_kube_and_opted_out() -> None:
    def namespace(name: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
        metadata = {"name": name, "annotations": annotations or {}}
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}

    objects = compiled(
        [],
        [
            namespace("shop"),
            namespace("kube-extra"),
            namespace("quiet", {"kubeadmiral.io/no-auto-propagation": "true"}),
        ],
    )
    assert sorted(objects) == [f"{c}/Namespace/shop" for c in "abc"]
    assert objects["a/Namespace/shop"]["metadata"] == {"name": "shop", "labels": MANAGED}


OVERRIDDEN = deployment(
    "web",
    {PP: "dup", COP: "global", OP: "local", "team": "x"},
    initContainers=[{"name": "init", "image": "busybox", "command": ["sh"]}],
)
OVERRIDDEN["spec"]["template"]["spec"]["containers"][0].update(
    {"args": ["--a", "--b"], "env": [{"name": "MODE", "value": "fast"}]}
)
OVERRIDDEN["metadata"]["annotations"] = {"note": "1"}
DUP = policy(
    "PropagationPolicy",
    "dup",
    {"schedulingMode": "Duplicate", "placement": [{"cluster": "a"}]},
    "shop",
)


def override_result(rules: list[dict[str, Any]], local: list[dict[str, Any]] | None = None) -> Any:
    cop = policy("ClusterOverridePolicy", "global", {"overrideRules": rules})
    op = policy("OverridePolicy", "local", {"overrideRules": local or []}, "shop")
    return compiled([DUP, cop, op], [OVERRIDDEN])["a/Deployment.apps/shop/web"]


def test_image_overrider() -> None:
    body = override_result(
        [
            {
                "overriders": {
                    "image": [
                        {
                            "containerNames": ["app"],
                            "operations": [
                                {"imageComponent": "Registry", "value": "reg.example.com"},
                                {"imageComponent": "Tag", "value": "2.0"},
                            ],
                        }
                    ]
                }
            }
        ]
    )
    pod = body["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "reg.example.com/shop/app:2.0"
    assert pod["initContainers"][0]["image"] == "busybox"


def test_command_and_args_overriders() -> None:
    body = override_result(
        [
            {
                "overriders": {
                    "command": [{"containerName": "init", "operator": "append", "value": ["-c"]}],
                    "args": [{"containerName": "app", "operator": "delete", "value": ["--a"]}],
                }
            }
        ]
    )
    pod = body["spec"]["template"]["spec"]
    assert pod["initContainers"][0]["command"] == ["sh", "-c"]
    assert pod["containers"][0]["args"] == ["--b"]


def test_envs_overwrite_only_changes_existing_names() -> None:
    body = override_result(
        [
            {
                "overriders": {
                    "envs": [
                        {
                            "containerName": "app",
                            "operator": "overwrite",
                            "value": [
                                {"name": "MODE", "value": "slow"},
                                {"name": "NEW", "value": "x"},
                            ],
                        }
                    ]
                }
            }
        ]
    )
    assert body["spec"]["template"]["spec"]["containers"][0]["env"] == [
        {"name": "MODE", "value": "slow"}
    ]


def test_labels_annotations_and_jsonpatch_cop_then_op() -> None:
    body = override_result(
        [
            {
                "overriders": {
                    "labels": [{"operator": "addIfAbsent", "value": {"tier": "web"}}],
                    "annotations": [{"operator": "delete", "value": {"note": ""}}],
                }
            }
        ],
        # The OverridePolicy sees the ClusterOverridePolicy's label: overwrite changes it.
        [
            {
                "overriders": {
                    "labels": [
                        {"operator": "overwrite", "value": {"tier": "edge", "absent": "no"}}
                    ],
                    "jsonpatch": [{"path": "/spec/replicas", "value": 9}],
                }
            }
        ],
    )
    assert body["metadata"] == {
        "name": "web",
        "namespace": "shop",
        "labels": {"team": "x", "tier": "edge", **MANAGED},
        # The annotations overrider replaces the whole map: deleting the last key leaves {}.
        "annotations": {},
    }
    assert body["spec"]["replicas"] == 9


def test_target_clusters_select_by_label() -> None:
    cop = policy(
        "ClusterOverridePolicy",
        "global",
        {
            "overrideRules": [
                {
                    "targetClusters": {"clusterSelector": {"region": "us"}},
                    "overriders": {"jsonpatch": [{"path": "/spec/replicas", "value": 1}]},
                }
            ]
        },
    )
    everywhere = policy("PropagationPolicy", "dup", {"schedulingMode": "Duplicate"}, "shop")
    objects = compiled([everywhere, cop], [deployment("web", {PP: "dup", COP: "global"})])
    replicas = {k.split("/")[0]: v["spec"]["replicas"] for k, v in objects.items()}
    assert replicas == {"a": 4, "b": 1, "c": 1}


def test_missing_policies_are_errors_at_the_template() -> None:
    assert errors([], [deployment("web", {PP: "nope"})]) == [
        "templates/objects.yaml:1: error: Deployment.apps/shop/web: label "
        "kubeadmiral.io/propagation-policy-name='nope' names no PropagationPolicy in "
        "namespace shop in policies/"
    ]
    assert errors([DUP], [deployment("web", {PP: "dup", OP: ""})]) == [
        "templates/objects.yaml:1: error: Deployment.apps/shop/web: label "
        "kubeadmiral.io/override-policy-name='' is empty"
    ]


def test_override_failure_names_the_rule() -> None:
    cop = policy(
        "ClusterOverridePolicy",
        "global",
        {
            "overrideRules": [
                {"overriders": {"labels": [{"operator": "addIfAbsent", "value": {"app": "dup"}}]}}
            ]
        },
    )
    (message,) = errors([DUP, cop], [deployment("web", {"app": "web", PP: "dup", COP: "global"})])
    assert message.startswith(
        "policies/policies.yaml:3: error: ClusterOverridePolicy global overrideRules[0]: "
        "cannot override Deployment.apps/shop/web for cluster a: "
    )


def test_policy_errors_carry_file_and_line() -> None:
    bad = policy("PropagationPolicy", "bad", {"schedulingMode": "Sometimes"}, "shop")
    (message,) = errors([bad], [])
    assert message.startswith("policies/policies.yaml:1: error: spec.schedulingMode: ")


def test_mixed_with_kubefed_and_a_karmada_policy_on_the_same_object_is_an_error() -> None:
    karmada = {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "k", "namespace": "shop"},
        "spec": {"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}]},
    }
    (message,) = errors([DUP, karmada], [deployment("web", {PP: "dup"})])
    assert "is governed by propagation policies of two dialects" in message
