"""Custom resources through `hubless render`: replicas read and revised by interpreter
scripts (built-in, or a ResourceInterpreterCustomization in policies/), divided by Karmada's
rules, and scripts that misbehave stopped at their line."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COMMON_APIS, cluster_yaml, read_rendered, run_hubless, write_tree

CUSTOM_APIS = {
    **COMMON_APIS,
    "apps.kruise.io/v1alpha1": ("CloneSet",),
    "argoproj.io/v1alpha1": ("Rollout",),
    "example.com/v1": ("Widget",),
}


def _clusters(cpus: tuple[str, str, str] = ("8", "8", "8")) -> str:
    return "---\n".join(
        cluster_yaml(
            name,
            {"env": "prod"},
            apis=CUSTOM_APIS,
            summary={"allocatable": {"cpu": cpu, "memory": "64Gi", "pods": "110"}},
        )
        for name, cpu in zip("abc", cpus, strict=True)
    )


CLONESET: dict[str, Any] = {
    "apiVersion": "apps.kruise.io/v1alpha1",
    "kind": "CloneSet",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 9,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "web:1", "resources": {"requests": {"cpu": "1"}}}
                ]
            },
        },
        "updateStrategy": {"partition": 0},
    },
}
ROLLOUT: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "replicas": 9,
        "selector": {"matchLabels": {"app": "web"}},
        "template": copy.deepcopy(CLONESET["spec"]["template"]),
        "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
    },
}

STATIC = """
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - {targetCluster: {clusterNames: [a]}, weight: 1}
        - {targetCluster: {clusterNames: [b]}, weight: 2}
        - {targetCluster: {clusterNames: [c]}, weight: 4}"""
DYNAMIC = """
      replicaDivisionPreference: Weighted
      weightPreference: {dynamicWeight: AvailableReplicas}"""


def _policy(api_version: str, kind: str, preference: str) -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: {api_version}, kind: {kind}, name: web}}]
  placement:
    clusterAffinity: {{clusterNames: [a, b, c]}}
    replicaScheduling:
      replicaSchedulingType: Divided{preference}
"""


def _render(repo: Path, files: dict[str, str]) -> dict[str, object]:
    write_tree(repo, files)
    result = run_hubless("render", cwd=repo)
    assert result.returncode == 0, result.stderr
    return read_rendered(repo)


def _with_replicas(body: dict[str, Any], replicas: int) -> dict[str, Any]:
    revised = copy.deepcopy(body)
    revised["spec"]["replicas"] = replicas
    return revised


def _dump(body: dict[str, Any]) -> str:
    from hubless.serialize import dump

    return dump(body)


@pytest.mark.parametrize(("body", "folder"), [(CLONESET, "clonesets"), (ROLLOUT, "rollouts")])
def test_static_weights_divide_a_custom_workload(
    tmp_path: Path, body: dict[str, Any], folder: str
) -> None:
    # 9 replicas by weights 1:2:4: quotas 9/7 = 1.29, 2.57, 5.14. Karmada's Webster
    # division gives seats in the order c, b, c, a, c, b, c, c, b: a 1, b 3, c 5.
    kind, api_version = body["kind"], body["apiVersion"]
    rendered = _render(
        tmp_path,
        {
            "policies/clusters.yaml": _clusters(),
            "policies/web.yaml": _policy(api_version, kind, STATIC),
            "templates/web.yaml": _dump(body),
        },
    )
    group = api_version.split("/")[0]
    shares = {"a": 1, "b": 3, "c": 5}
    for cluster, replicas in shares.items():
        path = f"{cluster}/shop/{kind.lower()}.{group}_web.yaml"
        assert rendered[path] == _with_replicas(body, replicas), path


@pytest.mark.parametrize("body", [CLONESET, ROLLOUT])
def test_dynamic_weights_divide_by_the_room_the_script_requirements_leave(
    tmp_path: Path, body: dict[str, Any]
) -> None:
    # Each replica requests 1 cpu (read by the interpreter's accuratePodRequirements); the
    # clusters have 2, 7 and 12 cpus free, so room for 2, 7 and 12 replicas. Webster over
    # those weights for 9 seats: c, b, c, c, b, c, a, b, c: a 1, b 3, c 5.
    kind, api_version = body["kind"], body["apiVersion"]
    rendered = _render(
        tmp_path,
        {
            "policies/clusters.yaml": _clusters(("2", "7", "12")),
            "policies/web.yaml": _policy(api_version, kind, DYNAMIC),
            "templates/web.yaml": _dump(body),
        },
    )
    group = api_version.split("/")[0]
    for cluster, replicas in {"a": 1, "b": 3, "c": 5}.items():
        path = f"{cluster}/shop/{kind.lower()}.{group}_web.yaml"
        assert rendered[path] == _with_replicas(body, replicas), path
    # Room for 21 in all: 22 replicas cannot be placed (scheduled afresh: no previous
    # placement whose replicas count as room), and the message names each room.
    fresh = tmp_path / "fresh"
    write_tree(
        fresh,
        {
            "policies/clusters.yaml": _clusters(("2", "7", "12")),
            "policies/web.yaml": _policy(api_version, kind, DYNAMIC),
            "templates/web.yaml": _dump(_with_replicas(body, 22)),
        },
    )
    result = run_hubless("render", cwd=fresh)
    assert result.returncode == 1
    assert "22 replicas wanted, room for 21: a 2 (cpu), b 7 (cpu), c 12 (cpu)" in result.stderr


WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
WIDGET = """
apiVersion: example.com/v1
kind: Widget
metadata: {name: web, namespace: shop}
spec:
  size: 9
  colour: blue
"""
WIDGET_RIC = """
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata: {name: widgets}
spec:
  target: {apiVersion: example.com/v1, kind: Widget}
  customizations:
    replicaResource:
      luaScript: |
        function GetReplicas(obj)
          return obj.spec.size, {resourceRequest = {cpu = "1"}}
        end
    replicaRevision:
      luaScript: |
        function ReviseReplica(obj, replicas)
          obj.spec.size = replicas
          return obj
        end
"""


def _widget_fleet(repo: Path, ric: str = WIDGET_RIC) -> dict[str, str]:
    return {
        "policies/clusters.yaml": _clusters(),
        "policies/web.yaml": _policy("example.com/v1", "Widget", STATIC),
        "policies/ric.yaml": ric,
        "templates/crd.yaml": WIDGET_CRD,
        "templates/web.yaml": WIDGET,
    }


def test_a_users_customization_divides_its_kind(tmp_path: Path) -> None:
    rendered = _render(tmp_path, _widget_fleet(tmp_path))
    for cluster, size in {"a": 1, "b": 3, "c": 5}.items():
        assert rendered[f"{cluster}/shop/widget.example.com_web.yaml"] == {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"size": size, "colour": "blue"},
        }


def test_without_a_customization_a_custom_kind_is_no_workload(tmp_path: Path) -> None:
    # No GetReplicas: Karmada sees 0 replicas and no requirements, and sends the object
    # whole to every selected cluster.
    files = _widget_fleet(tmp_path)
    del files["policies/ric.yaml"]
    rendered = _render(tmp_path, files)
    for cluster in "abc":
        assert rendered[f"{cluster}/shop/widget.example.com_web.yaml"]["spec"] == {
            "size": 9,
            "colour": "blue",
        }


def test_a_users_customization_wins_per_operation(tmp_path: Path) -> None:
    # The user's script says how many replicas a CloneSet has (4, whatever its spec); the
    # built-in script still writes each cluster's share. 4 by 1:2:4: a 1, b 1, c 2
    # (quotas 0.57, 1.14, 2.29; seats c, b, c, a).
    ric = """
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata: {name: clonesets}
spec:
  target: {apiVersion: apps.kruise.io/v1alpha1, kind: CloneSet}
  customizations:
    replicaResource:
      luaScript: |
        function GetReplicas(obj)
          return 4, nil
        end
"""
    rendered = _render(
        tmp_path,
        {
            "policies/clusters.yaml": _clusters(),
            "policies/web.yaml": _policy("apps.kruise.io/v1alpha1", "CloneSet", STATIC),
            "policies/ric.yaml": ric,
            "templates/web.yaml": _dump(CLONESET),
        },
    )
    for cluster, replicas in {"a": 1, "b": 1, "c": 2}.items():
        path = f"{cluster}/shop/cloneset.apps.kruise.io_web.yaml"
        assert rendered[path] == _with_replicas(CLONESET, replicas), path


def _script_fleet(body: str) -> str:
    indented = "\n".join(f"        {line}" for line in body.strip().splitlines())
    return f"""apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata: {{name: widgets}}
spec:
  target: {{apiVersion: example.com/v1, kind: Widget}}
  customizations:
    replicaResource:
      luaScript: |
{indented}
"""


HOSTILE = {
    "a loop that never ends": (
        "function GetReplicas(obj)\n  while true do end\nend",
        9,  # no line: the script's first
        "the script ran longer than 1 s",
    ),
    "memory without bound": (
        # Doubling a string: past the bound in milliseconds, however busy the machine.
        'function GetReplicas(obj)\n  local t, s = {}, "x"\n  while true do\n'
        "    s = s .. s\n    t[#t + 1] = s\n  end\nend",
        9,
        "the script used more than 64 MiB",
    ),
    "os.execute": (
        'function GetReplicas(obj)\n  os.execute("touch /tmp/pwned")\n  return 1\nend',
        10,
        "attempt to call field 'execute' (a nil value)",
    ),
    "io.open": (
        'function GetReplicas(obj)\n  local f = io.open("/etc/passwd")\n  return 1\nend',
        10,
        "attempt to index global 'io' (a nil value)",
    ),
    "require python": (
        'function GetReplicas(obj)\n  local py = require("python")\n  return 1\nend',
        10,
        "module 'python' not found",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_script_is_an_error_at_its_line(tmp_path: Path, name: str) -> None:
    script, line, message = HOSTILE[name]
    write_tree(tmp_path, _widget_fleet(tmp_path, _script_fleet(script)))
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    # The script's line 1 is the file's line 9.
    assert result.stderr.startswith(
        f"policies/ric.yaml:{line}: error: GetReplicas of ResourceInterpreterCustomization "
        f"widgets (policies/ric.yaml:1) failed for Widget.example.com/shop/web "
        f"(templates/web.yaml:1): "
    ), result.stderr
    assert message in result.stderr
    assert not (tmp_path / "rendered").exists() or not list(
        (tmp_path / "rendered").rglob("widget.example.com")
    )


def test_a_script_that_does_not_compile_is_an_error_at_its_line(tmp_path: Path) -> None:
    script = "function GetReplicas(obj)\n  return = 1\nend"
    write_tree(tmp_path, _widget_fleet(tmp_path, _script_fleet(script)))
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "policies/ric.yaml:10: error: ResourceInterpreterCustomization widgets "
        "replicaResource: the script does not compile: unexpected symbol near '='\n"
    )


def test_two_customizations_may_not_script_one_operation(tmp_path: Path) -> None:
    second = WIDGET_RIC.replace("name: widgets", "name: widgets-too")
    files = _widget_fleet(tmp_path)
    files["policies/ric2.yaml"] = second
    write_tree(tmp_path, files)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "policies/ric2.yaml:1: error: ResourceInterpreterCustomization widgets-too scripts "
        "replicaResource, replicaRevision for Widget (example.com/v1), as "
        "ResourceInterpreterCustomization widgets (policies/ric.yaml:1) does; one script per "
        "operation and kind\n"
    )


def test_explain_names_the_interpreter_of_each_operation(tmp_path: Path) -> None:
    ric = (
        WIDGET_RIC
        + """    dependencyInterpretation:
      luaScript: |
        function GetDependencies(obj)
          return {{apiVersion = "v1", kind = "ConfigMap", namespace = obj.metadata.namespace,
                   name = obj.metadata.name .. "-colours"}}
        end
"""
    )
    files = _widget_fleet(tmp_path, ric)
    files["templates/colours.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-colours, namespace: shop}\n"
    )
    _render(tmp_path, files)
    result = run_hubless("explain", "Widget/shop/web", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    by = "ResourceInterpreterCustomization widgets (policies/ric.yaml:1)"
    assert result.stdout.splitlines()[2:6] == [
        "replicas: 9 per template, StaticWeight",
        "kept the previous placement because its placement and replicas are unchanged since "
        "the last render and every cluster it is on still exists",
        f"GetReplicas by {by}: 9 replicas, each requesting cpu 1",
        f"ReviseReplica by {by}: writes each cluster's share",
    ]
    assert result.stdout.splitlines()[6] == f"GetDependencies by {by}: ConfigMap shop/web-colours"
    data = json.loads(run_hubless("explain", "Widget/shop/web", "-o", "json", cwd=tmp_path).stdout)
    assert data["interpreters"] == {
        "replicas": {"by": by, "replicas": 9, "requests": {"cpu": "1"}},
        "revision": by,
        "dependencies": {"by": by, "objects": ["ConfigMap shop/web-colours"]},
        "health": None,
        "components": None,
        "failures": [],
    }


def _cold(repo: Path, target: Path) -> dict[str, object]:
    """What a first render of the same sources writes."""
    shutil.copytree(repo / "policies", target / "policies")
    shutil.copytree(repo / "templates", target / "templates")
    result = run_hubless("render", cwd=target)
    assert result.returncode == 0, result.stderr
    return read_rendered(target)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("obj.spec.size = replicas", "obj.spec.size = replicas * 10"),  # ReviseReplica
        ("return obj.spec.size, {", "return obj.spec.size * 2, {"),  # GetReplicas
    ],
)
def test_a_changed_script_renders_what_a_first_render_would(
    tmp_path: Path, old: str, new: str
) -> None:
    repo, cold = tmp_path / "repo", tmp_path / "cold"
    files = _widget_fleet(repo)
    files["policies/clusters.yaml"] = _clusters(("2", "7", "12"))
    files["policies/web.yaml"] = _policy("example.com/v1", "Widget", DYNAMIC)
    first = _render(repo, files)
    assert old in WIDGET_RIC
    second = _render(repo, {"policies/ric.yaml": WIDGET_RIC.replace(old, new)})
    assert second != first
    assert second == _cold(repo, cold)


HELM_RELEASE = """
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata: {name: podinfo, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      sourceRef: {kind: HelmRepository, name: podinfo}
  valuesFrom:
  - {kind: ConfigMap, name: podinfo-values}
  - {kind: Secret, name: podinfo-secret-values, optional: true}
"""
VALUES = """
apiVersion: v1
kind: ConfigMap
metadata: {name: podinfo-values, namespace: shop}
data:
  values.yaml: "replicaCount: 2"
---
apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated, namespace: shop}
data: {a: b}
"""


def test_a_helm_releases_values_follow_it(tmp_path: Path) -> None:
    # The built-in HelmRelease interpreter names the valuesFrom ConfigMap and Secret;
    # propagateDeps sends the ConfigMap wherever the release goes (the Secret is not in
    # templates/: a warning, skipped as Karmada skips it), and nothing else.
    apis = {**CUSTOM_APIS, "helm.toolkit.fluxcd.io/v2beta1": ("HelmRelease",)}
    clusters = "---\n".join(cluster_yaml(n, {"env": "prod"}, apis=apis) for n in "abc")
    policy = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: podinfo, namespace: shop}
spec:
  propagateDeps: true
  resourceSelectors: [{apiVersion: helm.toolkit.fluxcd.io/v2beta1, kind: HelmRelease}]
  placement:
    clusterAffinity: {clusterNames: [a, c]}
"""
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters,
            "policies/podinfo.yaml": policy,
            "templates/podinfo.yaml": HELM_RELEASE,
            "templates/values.yaml": VALUES,
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "templates/podinfo.yaml:1: warning: HelmRelease.helm.toolkit.fluxcd.io/shop/podinfo "
        "uses Secret shop/podinfo-secret-values, which is not in templates/ (skipped, as "
        "Karmada does)"
    ) in result.stderr
    rendered = read_rendered(tmp_path)
    values = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "podinfo-values", "namespace": "shop"},
        "data": {"values.yaml": "replicaCount: 2"},
    }
    files = {path for path in rendered if not path.endswith(".hubless-cluster")}
    assert files == {
        f"{c}/shop/{name}"
        for c in "ac"
        for name in (
            "helmrelease.helm.toolkit.fluxcd.io_podinfo.yaml",
            "configmap_podinfo-values.yaml",
        )
    }
    for cluster in "ac":
        assert rendered[f"{cluster}/shop/configmap_podinfo-values.yaml"] == values
    explained = run_hubless("explain", "ConfigMap/shop/podinfo-values", cwd=tmp_path)
    assert explained.stdout.splitlines()[1:3] == [
        "propagated as a dependency (propagateDeps) of:",
        "  HelmRelease.helm.toolkit.fluxcd.io/shop/podinfo on a, c",
    ]


def test_a_failed_dependency_script_leaves_the_workload_placed(tmp_path: Path) -> None:
    # Karmada's CloneSet interpreter returns getPodDependencies' answer as it is: nil for a
    # pod template that names nothing, which Karmada refuses ("expect the returned requires
    # type is table but got nil"). Its dependencies distributor stops there and the
    # CloneSet stays where it is scheduled: a warning at the script's line.
    policy = _policy("apps.kruise.io/v1alpha1", "CloneSet", STATIC).replace(
        "spec:\n  resourceSelectors", "spec:\n  propagateDeps: true\n  resourceSelectors"
    )
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": _clusters(),
            "policies/web.yaml": policy,
            "templates/web.yaml": _dump(CLONESET),
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    builtin = "hubless's built-in interpreter for CloneSet (apps.kruise.io/v1alpha1)"
    failure = (
        f"GetDependencies of {builtin} failed for CloneSet.apps.kruise.io/shop/web "
        "(templates/web.yaml:1): expect the returned requires type is table but got nil"
    )
    warnings = [line for line in result.stderr.splitlines() if "GetDependencies" in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("<hubless built-in>/apps.kruise.io/v1alpha1/CloneSet.yaml:")
    assert warnings[0].endswith(f": warning: {failure}; its dependencies are not followed")
    rendered = read_rendered(tmp_path)
    for cluster, replicas in {"a": 1, "b": 3, "c": 5}.items():
        path = f"{cluster}/shop/cloneset.apps.kruise.io_web.yaml"
        assert rendered[path] == _with_replicas(CLONESET, replicas)
    explained = run_hubless("explain", "CloneSet/shop/web", cwd=tmp_path).stdout.splitlines()
    assert [line for line in explained if line.startswith("script failed:")] == [
        "script failed: "
        + warnings[0]
        .replace(": warning: ", ": error: ")
        .removesuffix("; its dependencies are not followed")
    ]


def test_a_duplicated_workload_is_revised_to_its_full_count(tmp_path: Path) -> None:
    # Karmada's binding controller asks ReviseReplica of every workload binding, Divided or
    # Duplicated, with the cluster's replicas: under Duplicated, the whole count.
    ric = WIDGET_RIC.replace(
        "obj.spec.size = replicas",
        "obj.spec.size = replicas\n          obj.spec.revisedTo = replicas",
    )
    files = _widget_fleet(tmp_path, ric)
    files["policies/web.yaml"] = _policy("example.com/v1", "Widget", "").replace(
        "    replicaScheduling:\n      replicaSchedulingType: Divided\n", ""
    )
    rendered = _render(tmp_path, files)
    for cluster in "abc":
        assert rendered[f"{cluster}/shop/widget.example.com_web.yaml"] == {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"size": 9, "colour": "blue", "revisedTo": 9},
        }
