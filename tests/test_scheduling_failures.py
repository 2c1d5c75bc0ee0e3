"""A schedule that fails stops the render with one error naming the policy's line, the
replicas wanted, each cluster's room as the general estimator computed it (the smallest
free / requested over the requested resources), and why the filters excluded the others."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cluster_yaml, run_hubless, write_tree
from tests.test_explain import DIVIDED_CLUSTERS, _summary, divided_fleet


def render_errors(repo: Path) -> list[str]:
    result = run_hubless("render", cwd=repo)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert not (repo / "rendered").exists()
    return [line for line in result.stderr.splitlines() if ": error: " in line]


CANNOT = "policies/web.yaml:1: error: PropagationPolicy/shop/web cannot schedule Deployment.apps/shop/web: "
EXCLUDED = (
    "excluded: c (TaintToleration: taint gpu=yes:NoSchedule is not tolerated), "
    "d (ClusterAffinity: label env=dev, matchLabels wants env=prod)"
)


def test_not_enough_room_names_the_replicas_wanted_and_each_clusters_room(
    tmp_path: Path,
) -> None:
    # a: min(4000m / 500m, 16Gi / 1Gi) = 8, by cpu; b: min(8000m / 500m, 4Gi / 1Gi) = 4,
    # by memory. 40 are wanted.
    assert render_errors(divided_fleet(tmp_path, 40)) == [
        CANNOT
        + "not enough room: 40 replicas wanted, room for 12: a 8 (cpu), b 4 (memory); "
        + EXCLUDED
    ]


def test_aggregated_names_the_room_too(tmp_path: Path) -> None:
    repo = divided_fleet(tmp_path, 13)
    policy = (repo / "policies/web.yaml").read_text()
    aggregated = policy.replace(
        "      replicaDivisionPreference: Weighted\n"
        "      weightPreference: {dynamicWeight: AvailableReplicas}\n",
        "      replicaDivisionPreference: Aggregated\n",
    )
    assert aggregated != policy
    write_tree(repo, {"policies/web.yaml": aggregated})
    assert render_errors(repo) == [
        CANNOT
        + "not enough room: 13 replicas wanted, room for 12: a 8 (cpu), b 4 (memory); "
        + EXCLUDED
    ]


def test_a_cluster_spread_constraint_names_the_room_of_every_candidate(tmp_path: Path) -> None:
    # At most 1 cluster may be chosen, and the largest (a, 8) cannot take 10.
    repo = divided_fleet(tmp_path, 10)
    policy = (repo / "policies/web.yaml").read_text()
    spread = policy.replace(
        "    replicaScheduling:\n",
        "    spreadConstraints: [{spreadByField: cluster, minGroups: 1, maxGroups: 1}]\n"
        "    replicaScheduling:\n",
    )
    write_tree(repo, {"policies/web.yaml": spread})
    assert render_errors(repo) == [
        CANNOT + "not enough room: 10 replicas wanted on at most 1 cluster (the cluster "
        "spread constraint's maxGroups); room: a 8 (cpu), b 4 (memory); " + EXCLUDED
    ]


def test_a_long_list_of_excluded_clusters_is_cut_short(tmp_path: Path) -> None:
    clusters = {
        **DIVIDED_CLUSTERS,
        **{
            f"dev{n:02}": cluster_yaml(f"dev{n:02}", {"env": "dev"}, summary=_summary("1", "1Gi"))
            for n in range(1, 11)
        },
    }
    repo = divided_fleet(tmp_path, 40, clusters)
    mismatch = "ClusterAffinity: label env=dev, matchLabels wants env=prod"
    # The inventory is read in name order: c, d, then dev01..dev08 are the first ten.
    listed = ", ".join(f"dev{n:02} ({mismatch})" for n in range(1, 9))
    assert render_errors(repo) == [
        CANNOT + "not enough room: 40 replicas wanted, room for 12: a 8 (cpu), b 4 (memory); "
        "excluded: c (TaintToleration: taint gpu=yes:NoSchedule is not tolerated), "
        f"d ({mismatch}), {listed}, and 2 more"
    ]


# Karmada's documentation (userguide/scheduling/propagation-policy.md, "Overflow from IDC
# GPU clusters to cloud GPU clusters"): the IDC cluster first, the cloud clusters after.
GPU_POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata:
  name: gpu-inference-overflow
spec:
  resourceSelectors:
    - apiVersion: apps/v1
      kind: Deployment
  placement:
    clusterAffinities:
      - affinityName: idc-gpu
        clusterNames:
          - idc-gpu-cluster1
        overflowAffinities:
          - affinityName: cloud-gpu
            clusterNames:
              - cloud-gpu-cluster1
              - cloud-gpu-cluster2
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        dynamicWeight: AvailableReplicas
"""
INFERENCE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: inference, namespace: default}
spec:
  replicas: REPLICAS
  template:
    spec:
      containers:
      - name: model
        image: "inference:1"
        resources: {limits: {nvidia.com/gpu: 1}}
"""


def _gpus(allocatable: str, allocated: str = "0") -> dict[str, dict[str, str]]:
    return {
        "allocatable": {
            "cpu": "32",
            "memory": "128Gi",
            "pods": "110",
            "nvidia.com/gpu": allocatable,
        },
        "allocated": {"nvidia.com/gpu": allocated},
    }


def gpu_fleet(repo: Path, replicas: int) -> Path:
    clusters = [
        cluster_yaml("idc-gpu-cluster1", summary=_gpus("4")),
        cluster_yaml("cloud-gpu-cluster1", summary=_gpus("2")),
        cluster_yaml("cloud-gpu-cluster2", summary=_gpus("2", "1")),
        cluster_yaml("cpu-only", summary={"allocatable": {"cpu": "32", "pods": "110"}}),
    ]
    write_tree(
        repo,
        {
            "policies/clusters.yaml": "---\n".join(clusters),
            "policies/gpu.yaml": GPU_POLICY,
            "templates/inference.yaml": INFERENCE.replace("REPLICAS", str(replicas)),
        },
    )
    return repo


def test_the_gpu_overflow_example_names_each_clusters_room(tmp_path: Path) -> None:
    # A GPU limit stands in for the missing request: one GPU per replica. Free GPUs: the
    # IDC cluster 4, the cloud clusters 2 and 2 - 1 = 1: room for 7 of the 10 wanted.
    assert render_errors(gpu_fleet(tmp_path, 10)) == [
        "policies/gpu.yaml:1: error: PropagationPolicy/default/gpu-inference-overflow cannot "
        "schedule Deployment.apps/default/inference: clusterAffinities term 'idc-gpu': not "
        "enough room: 10 replicas wanted over the affinity and its overflowAffinities, room "
        "for 7: cloud-gpu-cluster1 2 (nvidia.com/gpu), cloud-gpu-cluster2 1 (nvidia.com/gpu), "
        "idc-gpu-cluster1 4 (nvidia.com/gpu); excluded: cpu-only (ClusterAffinity: not in "
        "clusterNames [idc-gpu-cluster1])"
    ]
    result = run_hubless("explain", "Deployment/default/inference", cwd=tmp_path)
    assert result.returncode == 1
    room = "no: passed the filters, but scheduling failed [room for {} (by nvidia.com/gpu)]"
    assert result.stdout.splitlines()[-6:] == [
        "clusterAffinities term 'idc-gpu': failed: not enough room: 10 replicas wanted over "
        "the affinity and its overflowAffinities, room for 7: cloud-gpu-cluster1 2 "
        "(nvidia.com/gpu), cloud-gpu-cluster2 1 (nvidia.com/gpu), idc-gpu-cluster1 4 "
        "(nvidia.com/gpu)",
        "clusters:",
        "  cloud-gpu-cluster1  " + room.format(2),
        "  cloud-gpu-cluster2  " + room.format(1),
        "  cpu-only            no: ClusterAffinity: not in clusterNames [idc-gpu-cluster1]",
        "  idc-gpu-cluster1    " + room.format(4),
    ]
    assert result.stdout.splitlines()[1] == (
        "not propagated: scheduling failed: no clusterAffinities term could schedule it"
    )
