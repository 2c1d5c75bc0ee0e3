"""Workloads an autoscaler scales are written without spec.replicas, so that Argo CD's
self-heal and Flux's reconcile leave the autoscaler's count alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hubless.build.plan import plan_render
from hubless.build.result import Strategy
from hubless.commands.render import render
from tests.conftest import COMMON_APIS, cluster_yaml, read_rendered, run_hubless, write_tree

APIS = {
    **COMMON_APIS,
    "autoscaling/v2": ("HorizontalPodAutoscaler",),
    "keda.sh/v1alpha1": ("ScaledObject",),
}
CLUSTERS = (
    cluster_yaml("east", {"env": "prod"}, apis=APIS)
    + "---\n"
    + cluster_yaml("west", {"env": "prod"}, apis=APIS)
)


def deployment_yaml(
    replicas: int | None = None, labels: str = "{app: web}", image: str = "web:1"
) -> str:
    count = "" if replicas is None else f"\n  replicas: {replicas}"
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop, labels: {labels}}}
spec:{count}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: web, image: "{image}"}}]
"""


def policy(kind: str, api_version: str, clusters: str, divided: bool = False) -> str:
    name = kind.lower()
    scheduling = "\n    replicaScheduling: {replicaSchedulingType: Divided}" if divided else ""
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: {api_version}, kind: {kind}}}]
  placement:
    clusterAffinity: {{clusterNames: [{clusters}]}}{scheduling}
"""


HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
"""
HPA_OBJECT = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "minReplicas": 2,
        "maxReplicas": 10,
    },
}


def deployment(
    replicas: int | None = None, labels: dict[str, str] | None = None, image: str = "web:1"
) -> Any:
    spec: dict[str, Any] = {} if replicas is None else {"replicas": replicas}
    spec["selector"] = {"matchLabels": {"app": "web"}}
    spec["template"] = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": image}]},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": labels or {"app": "web"}},
        "spec": spec,
    }


DEPLOYMENT_PATH = "{}/shop/deployment.apps_web.yaml"
HPA_PATH = "{}/shop/horizontalpodautoscaler.autoscaling_web.yaml"


def files(
    template: str, hpa_clusters: str | None = "east, west", divided: bool = False
) -> dict[str, str]:
    found = {
        "policies/clusters.yaml": CLUSTERS,
        "policies/web.yaml": policy("Deployment", "apps/v1", "east, west", divided),
        "templates/web.yaml": template,
    }
    if hpa_clusters is not None:
        found["policies/hpa.yaml"] = policy(
            "HorizontalPodAutoscaler", "autoscaling/v2", hpa_clusters
        )
        found["templates/hpa.yaml"] = HPA
    return found


def test_a_deployment_without_replicas_stays_without_them_where_an_hpa_scales_it(
    tmp_path: Path,
) -> None:
    # Without the rule, the API server's default (replicas: 1) would be written back.
    write_tree(tmp_path, files(deployment_yaml()))
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        DEPLOYMENT_PATH.format("east"): deployment(),
        DEPLOYMENT_PATH.format("west"): deployment(),
        HPA_PATH.format("east"): HPA_OBJECT,
        HPA_PATH.format("west"): HPA_OBJECT,
    }


def test_replicas_the_template_sets_are_left_to_the_hpa(tmp_path: Path) -> None:
    write_tree(tmp_path, files(deployment_yaml(3)))
    assert render(tmp_path, check=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment()
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment()


def test_only_the_cluster_with_the_hpa_leaves_out_replicas(tmp_path: Path) -> None:
    write_tree(tmp_path, files(deployment_yaml(3), hpa_clusters="east"))
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        DEPLOYMENT_PATH.format("east"): deployment(),
        DEPLOYMENT_PATH.format("west"): deployment(3),  # nothing scales it there
        HPA_PATH.format("east"): HPA_OBJECT,
    }


def test_karmadas_retain_replicas_label_leaves_out_replicas_everywhere(tmp_path: Path) -> None:
    labels = '{app: web, resourcetemplate.karmada.io/retain-replicas: "true"}'
    write_tree(tmp_path, files(deployment_yaml(3, labels), hpa_clusters=None))
    assert render(tmp_path, check=False) == 0
    expected = deployment(
        labels={"app": "web", "resourcetemplate.karmada.io/retain-replicas": "true"}
    )
    assert read_rendered(tmp_path) == {
        DEPLOYMENT_PATH.format("east"): expected,
        DEPLOYMENT_PATH.format("west"): expected,
    }


def test_the_retain_label_is_read_after_overrides_as_karmada_reads_it(tmp_path: Path) -> None:
    # Karmada's Retain reads the labels of the object it applies: an override that adds
    # the label on one cluster keeps the replicas there only. Any value but "true" retains
    # nothing.
    labels = '{app: web, resourcetemplate.karmada.io/retain-replicas: "false"}'
    tree = files(deployment_yaml(3, labels), hpa_clusters=None)
    tree["policies/retain.yaml"] = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: retain, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  overrideRules:
  - targetCluster: {clusterNames: [west]}
    overriders:
      labelsOverrider:
      - {operator: replace, value: {resourcetemplate.karmada.io/retain-replicas: "true"}}
"""
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False) == 0
    label = "resourcetemplate.karmada.io/retain-replicas"
    assert read_rendered(tmp_path) == {
        DEPLOYMENT_PATH.format("east"): deployment(3, {"app": "web", label: "false"}),
        DEPLOYMENT_PATH.format("west"): deployment(labels={"app": "web", label: "true"}),
    }


def test_an_hpa_scales_only_the_kind_and_group_it_names(tmp_path: Path) -> None:
    # scaleTargetRef is read as the HPA controller reads it: the group of apiVersion (any
    # version), the kind and the name, in the HPA's namespace. An HPA without apiVersion
    # names the core group, where there is no Deployment.
    tree = files(deployment_yaml(3))
    tree["templates/hpa.yaml"] = "---\n".join(
        f"""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: {name}, namespace: shop}}
spec:
  scaleTargetRef: {reference}
  maxReplicas: 10
"""
        for name, reference in [
            ("other-name", "{apiVersion: apps/v1, kind: Deployment, name: other}"),
            ("other-kind", "{apiVersion: apps/v1, kind: StatefulSet, name: web}"),
            ("no-group", "{kind: Deployment, name: web}"),
            ("old-group", "{apiVersion: extensions/v1beta1, kind: Deployment, name: web}"),
        ]
    )
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment(3)
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment(3)
    # Any version of the group scales it.
    tree["templates/hpa.yaml"] = HPA.replace("apiVersion: apps/v1,", "apiVersion: apps/v1beta2,")
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path)[DEPLOYMENT_PATH.format("east")] == deployment()


def test_the_hpa_counts_as_overridden_on_each_cluster(tmp_path: Path) -> None:
    # An override pointing west's HPA at another workload: only east's scales web.
    tree = files(deployment_yaml(3))
    tree["policies/retarget.yaml"] = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: retarget, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler}]
  overrideRules:
  - targetCluster: {clusterNames: [west]}
    overriders:
      plaintext:
      - {path: /spec/scaleTargetRef/name, operator: replace, value: api}
"""
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment()
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment(3)


def test_a_keda_scaled_object_scales_a_deployment_by_default(tmp_path: Path) -> None:
    # KEDA's scaleTargetRef defaults to apiVersion apps/v1, kind Deployment.
    tree = files(deployment_yaml(3), hpa_clusters=None)
    tree["policies/keda.yaml"] = policy("ScaledObject", "keda.sh/v1alpha1", "west")
    tree["templates/keda.yaml"] = """
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {name: web}
  triggers: [{type: cpu, metricType: Utilization, metadata: {value: "60"}}]
"""
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False, validate=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment(3)
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment()


def test_a_divided_workload_scaled_by_an_hpa_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, files(deployment_yaml(4), hpa_clusters="east", divided=True))
    assert render(tmp_path, check=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment()
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment(2)  # its share of 4
    assert (
        "templates/web.yaml:1: warning: Deployment.apps/shop/web is Divided, but it is scaled "
        "by HorizontalPodAutoscaler.autoscaling/shop/web on cluster east: spec.replicas is "
        "left out there, and its division does not apply (an autoscaler decides those "
        "replicas at run time; Karmada's FederatedHPA would scale the total and divide it)"
    ) in capsys.readouterr().err.splitlines()


def test_a_divided_workload_with_the_retain_label_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = '{app: web, resourcetemplate.karmada.io/retain-replicas: "true"}'
    write_tree(tmp_path, files(deployment_yaml(4, labels), hpa_clusters=None, divided=True))
    assert render(tmp_path, check=False) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "Divided" in line]
    assert warnings == [
        "templates/web.yaml:1: warning: Deployment.apps/shop/web is Divided, but it carries "
        'label resourcetemplate.karmada.io/retain-replicas: "true": spec.replicas is left '
        "out on every cluster, and its division does not apply (an autoscaler decides those "
        "replicas at run time; Karmada's FederatedHPA would scale the total and divide it)"
    ]


def test_duplicated_workloads_with_an_hpa_are_not_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tree(tmp_path, files(deployment_yaml(3)))
    assert render(tmp_path, check=False) == 0
    assert "warning: Deployment" not in capsys.readouterr().err


def test_an_override_of_replicas_where_an_hpa_scales_is_not_written_and_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = files(deployment_yaml(3), hpa_clusters="east")
    tree["policies/scale.yaml"] = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: scale, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  overrideRules:
  - overriders:
      plaintext:
      - {path: /spec/replicas, operator: replace, value: 5}
"""
    write_tree(tmp_path, tree)
    assert render(tmp_path, check=False) == 0
    rendered = read_rendered(tmp_path)
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment()
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment(5)
    assert (
        "policies/scale.yaml:9: warning: OverridePolicy/shop/scale overrideRules[0] sets "
        "spec.replicas of Deployment.apps/shop/web on cluster east, where an autoscaler keeps "
        "its replicas: not written"
    ) in capsys.readouterr().err.splitlines()


def test_explain_says_what_keeps_the_replicas(tmp_path: Path) -> None:
    write_tree(tmp_path, files(deployment_yaml(3), hpa_clusters="east"))
    text = run_hubless("explain", "Deployment/shop/web", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[-2:] == [
        "  east  yes, 3 replicas scheduled (spec.replicas not written: kept by "
        "HorizontalPodAutoscaler.autoscaling/shop/web) [room for 0 (by no status.resourceSummary)]",
        "  west  yes, 3 replicas scheduled [room for 0 (by no status.resourceSummary)]",
    ]
    data = json.loads(
        run_hubless("explain", "Deployment/shop/web", "-o", "json", cwd=tmp_path).stdout
    )
    kept = {c["name"]: c.get("replicasKeptBy") for c in data["clusters"]}
    assert kept == {"east": ["HorizontalPodAutoscaler.autoscaling/shop/web"], "west": None}


@pytest.mark.parametrize("change", ["add hpa", "remove hpa", "add workload", "edit workload"])
def test_every_render_strategy_follows_the_hpa(tmp_path: Path, change: str) -> None:
    # Many unrelated templates, so that one changed template is a small change that the
    # incremental strategies would take if nothing stopped them.
    before = files(deployment_yaml(3), hpa_clusters="east")
    if change.startswith("add"):  # its policy is there: only a template is added
        del before["templates/hpa.yaml" if change == "add hpa" else "templates/web.yaml"]
    for index in range(12):
        before[f"templates/many/cm{index}.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm{index}, namespace: shop}}\n"
        )
    before["policies/cm.yaml"] = policy("ConfigMap", "v1", "east, west")
    repo = tmp_path / "repo"
    write_tree(repo, before)
    assert render(repo, check=False) == 0
    if change == "add hpa":
        write_tree(repo, {"templates/hpa.yaml": HPA})
    elif change == "remove hpa":
        (repo / "templates/hpa.yaml").unlink()
    elif change == "add workload":  # the HPA was waiting for it
        write_tree(repo, {"templates/web.yaml": deployment_yaml(3)})
    else:
        # Its entries (clusters, replicas, rules) stay as they were: only its body changes.
        write_tree(repo, {"templates/web.yaml": deployment_yaml(3, image="web:2")})
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()  # no shortcut: a full render
    assert plan_render(repo).strategy is not Strategy.TEMPLATES
    assert render(repo, check=False) == 0
    assert render(full, check=False) == 0
    rendered = read_rendered(repo)
    assert rendered == read_rendered(full)
    image = "web:2" if change == "edit workload" else "web:1"
    east = None if change != "remove hpa" else 3
    assert rendered[DEPLOYMENT_PATH.format("east")] == deployment(east, image=image)
    assert rendered[DEPLOYMENT_PATH.format("west")] == deployment(3, image=image)
    assert (repo / "rendered/.hubless/manifest.json").read_bytes() == (
        full / "rendered/.hubless/manifest.json"
    ).read_bytes()
