"""Karmada's MultiplePodTemplatesScheduling feature gate through `hubless render` and
`hubless explain`: a Karmada object in policies/ turns it on; a kind with a GetComponents
script (here the built-in PyTorchJob) is then bound with components and, under a cluster
spread constraint of exactly one cluster, goes where a whole set of them fits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hubless.serialize import dump
from tests.conftest import COMMON_APIS, cluster_yaml, read_rendered, run_hubless, write_tree

APIS = {**COMMON_APIS, "kubeflow.org/v1": ("PyTorchJob",)}


def _pod(cpu: str) -> dict[str, Any]:
    container = {"name": "t", "image": "t:1", "resources": {"requests": {"cpu": cpu}}}
    return {"spec": {"containers": [container]}}


# One set: master 1 x cpu 2, workers 3 x cpu 4 -> 14 cpu (14000m) and 4 pods.
JOB: dict[str, Any] = {
    "apiVersion": "kubeflow.org/v1",
    "kind": "PyTorchJob",
    "metadata": {"name": "train", "namespace": "ml"},
    "spec": {
        "pytorchReplicaSpecs": {
            "Master": {"replicas": 1, "template": _pod("2")},
            "Worker": {"replicas": 3, "template": _pod("4")},
        }
    },
}


def _cluster(name: str, cpu: str, pods: str, models: int = 0) -> str:
    text = cluster_yaml(
        name, apis=APIS, summary={"allocatable": {"cpu": cpu, "memory": "256Gi", "pods": pods}}
    )
    if not models:
        return text
    data = yaml.safe_load(text)
    # Nodes of grade 1 count as their minimums: cpu 8, memory 32Gi.
    data["spec"]["resourceModels"] = [
        {
            "grade": grade,
            "ranges": [
                {"name": "cpu", "min": str(8 * grade), "max": str(8 * grade + 8)},
                {"name": "memory", "min": f"{32 * grade}Gi", "max": f"{32 * grade + 32}Gi"},
            ],
        }
        for grade in (0, 1)
    ]
    data["status"]["resourceSummary"]["allocatableModelings"] = [
        {"grade": 0, "count": 0},
        {"grade": 1, "count": models},
    ]
    return dump(data)


# Sets each cluster has room for (general estimator, by hand):
#   a: cpu 20000m // 14000m = 1, pods 110 // 4 = 27 -> 1 (by cpu)
#   b: cpu 64000m // 14000m = 4, pods 27             -> 4 (by cpu)
#   c: cpu 40000m // 14000m = 2, pods 8 // 4 = 2     -> 2 (by pods: a tie keeps pods)
CLUSTERS = "---\n".join([_cluster("a", "20", "110"), _cluster("b", "64", "110"),
                         _cluster("c", "40", "8")])  # fmt: skip

ONE_CLUSTER = """
    spreadConstraints: [{spreadByField: cluster, minGroups: 1, maxGroups: 1}]"""

GATE_ON = """
apiVersion: operator.karmada.io/v1alpha1
kind: Karmada
metadata: {name: karmada, namespace: karmada-system}
spec:
  featureGates:
    MultiplePodTemplatesScheduling: true
"""


def _policy(extra: str) -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: train, namespace: ml}}
spec:
  resourceSelectors: [{{apiVersion: kubeflow.org/v1, kind: PyTorchJob, name: train}}]
  placement:
    clusterAffinity: {{clusterNames: [a, b, c]}}
    replicaScheduling: {{replicaSchedulingType: Divided, replicaDivisionPreference: Aggregated}}{extra}
"""


def _fleet(repo: Path, extra: str, karmada: str | None, clusters: str = CLUSTERS) -> None:
    files = {
        "policies/clusters.yaml": clusters,
        "policies/train.yaml": _policy(extra),
        "templates/ml.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ml}\n",
        "templates/train.yaml": dump(JOB),
    }
    if karmada is not None:
        files["policies/karmada.yaml"] = karmada
    write_tree(repo, files)


def _jobs(repo: Path) -> dict[str, object]:
    result = run_hubless("render", cwd=repo)
    assert result.returncode == 0, result.stderr
    return {p: v for p, v in read_rendered(repo).items() if "pytorchjob" in p}


def _at(cluster: str) -> str:
    return f"{cluster}/ml/kubeflow.org_pytorchjob_train.yaml"


def _paths(repo: Path) -> dict[str, object]:
    found = _jobs(repo)
    return {path.split("/")[0]: body for path, body in found.items()}


def test_one_cluster_with_the_gate_on_is_the_one_with_most_sets(tmp_path: Path) -> None:
    # Karmada's order: score (none held it), then available sets (b 4, c 2, a 1), then name.
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON)
    assert _paths(tmp_path) == {"b": JOB}  # whole: never divided, never revised


def test_without_the_gate_the_job_is_no_workload_and_name_order_picks(tmp_path: Path) -> None:
    # GetReplicas has no script for PyTorchJob: no replicas, every cluster unbounded, "a".
    _fleet(tmp_path, ONE_CLUSTER, None)
    assert _paths(tmp_path) == {"a": JOB}


def test_without_a_one_cluster_constraint_it_goes_whole_everywhere(tmp_path: Path) -> None:
    _fleet(tmp_path, "", GATE_ON)
    assert _paths(tmp_path) == {"a": JOB, "b": JOB, "c": JOB}


def test_scheduler_gate_off_counts_pods_not_sets(tmp_path: Path) -> None:
    # Components in the binding (controller-manager on) but the scheduler's gate off: the
    # single-template estimator runs with no requirements, room = pods left (a 110, b 110,
    # c 8); a and b tie, name order picks a.
    karmada = (
        GATE_ON
        + """  components:
    karmadaScheduler:
      extraArgs: {feature-gates: "MultiplePodTemplatesScheduling=false"}
"""
    )
    _fleet(tmp_path, ONE_CLUSTER, karmada)
    assert _paths(tmp_path) == {"a": JOB}


def test_resource_models_bound_the_sets(tmp_path: Path) -> None:
    # b has two model nodes of cpu 8: set 1 puts the master (2) on node 1, a worker on
    # node 1 (6 // 4 = 1) and two on node 2; set 2's master takes node 1's last 2 cpu and
    # no worker fits: 1 set (by resource models), below c's 2, so c is chosen.
    clusters = "---\n".join(
        [_cluster("a", "20", "110"), _cluster("b", "64", "110", models=2),
         _cluster("c", "40", "8")]
    )  # fmt: skip
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON, clusters)
    assert _paths(tmp_path) == {"c": JOB}
    result = run_hubless(
        "explain", "PyTorchJob.kubeflow.org/ml/train", "--output", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rooms = {c["name"]: c.get("capacity") for c in data["clusters"]}
    assert rooms == {
        "a": {"sets": 1, "limitedBy": "cpu"},
        "b": {"sets": 1, "limitedBy": "resource models"},
        "c": {"sets": 2, "limitedBy": "pods"},
    }
    components = data["interpreters"]["components"]
    assert (components["used"], components["setsEstimated"]) == (True, True)


def test_no_room_for_a_set_is_an_error_naming_each_clusters_sets(tmp_path: Path) -> None:
    clusters = "---\n".join(_cluster(n, "10", "110") for n in "abc")
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON, clusters)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "policies/train.yaml:1: error: PropagationPolicy/ml/train cannot schedule "
        "PyTorchJob.kubeflow.org/ml/train: not enough room: 1 component set wanted on at "
        "most 1 cluster (the cluster spread constraint's maxGroups); room: "
        "a room for 0 sets (by cpu), b room for 0 sets (by cpu), c room for 0 sets (by cpu)"
    )


def test_explain_says_components_are_used_and_shows_sets(tmp_path: Path) -> None:
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON)
    result = run_hubless("explain", "PyTorchJob.kubeflow.org/ml/train", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "GetComponents by hubless's built-in interpreter for PyTorchJob (kubeflow.org/v1): "
        "master 1 (cpu 2), worker 3 (cpu 4) (used instead of GetReplicas, as "
        "MultiplePodTemplatesScheduling is on: never divided, never revised; each cluster's "
        "room is counted in whole sets when the placement asks for exactly one cluster)"
    ) in result.stdout.splitlines()
    assert "room for 4 sets (by cpu)" in result.stdout


def test_an_unmodelled_gate_warns_at_its_line(tmp_path: Path) -> None:
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON + "    GracefulEviction: true\n")
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "policies/karmada.yaml:7: warning: feature gate GracefulEviction of karmadaControllerManager "
        "and karmadaScheduler is not modelled by hubless: it renders as Karmada does with "
        "GracefulEviction at its default"
    ) in result.stderr.splitlines()


def test_two_karmada_objects_are_an_error(tmp_path: Path) -> None:
    _fleet(
        tmp_path, ONE_CLUSTER, GATE_ON + "---\n" + GATE_ON.replace("name: karmada,", "name: k2,")
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "policies/karmada.yaml:9: error: a second Karmada object (operator.karmada.io/v1alpha1): "
        "one Karmada instance's feature gates apply to the fleet (the first is at "
        "policies/karmada.yaml:1)"
    ]


def test_a_gate_that_is_not_true_or_false_is_an_error_at_its_line(tmp_path: Path) -> None:
    _fleet(tmp_path, ONE_CLUSTER, GATE_ON.replace("true", "yes please"))
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "policies/karmada.yaml:6: error: spec.featureGates.MultiplePodTemplatesScheduling: "
        "must be true or false, not a string"
    ]
