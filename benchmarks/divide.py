"""Benchmark: divide the replicas of many workloads over many clusters by dynamic weight.

    python benchmarks/divide.py [--clusters 500] [--workloads 1000]

Builds the fleet in memory (no YAML), then times compile_fleet, which filters, estimates
capacity from each Cluster's resourceSummary, and divides every workload's replicas.
"""

from __future__ import annotations

import argparse
import resource
import time
from fractions import Fraction

from hubless.compile import compile_fleet
from hubless.errors import Source
from hubless.model import (
    CLUSTER_PROPAGATION_POLICY,
    DIVIDED,
    WEIGHTED,
    Cluster,
    Fleet,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ReplicaScheduling,
    ResourceSelector,
    ResourceSummary,
    ResourceTemplate,
    WeightPreference,
)


def fleet(clusters: int, workloads: int) -> Fleet:
    source = Source("benchmark", 1)
    apis = {"apps/v1": frozenset({"Deployment"})}
    inventory = tuple(
        Cluster(
            f"member-{i:04d}",
            source,
            {"env": "prod"},
            api_enablements=apis,
            complete_api_enablements=True,
            resource_summary=ResourceSummary(
                allocatable={
                    "cpu": Fraction(64 + (i * 37) % 192),
                    "memory": Fraction((256 + (i * 53) % 768) * 2**30),
                    "pods": Fraction(1100),
                },
                allocated={"cpu": Fraction((i * 13) % 40), "pods": Fraction((i * 7) % 300)},
            ),
        )
        for i in range(clusters)
    )
    templates = []
    for j in range(workloads):
        cpu = f"{100 + (j % 20) * 50}m"
        body = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": f"app-{j:04d}", "namespace": "default"},
            "spec": {
                "replicas": 50 + j % 200,
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": "app:1",
                                "resources": {"requests": {"cpu": cpu, "memory": "256Mi"}},
                            }
                        ]
                    }
                },
            },
        }
        templates.append(
            ResourceTemplate("apps/v1", "Deployment", "default", f"app-{j:04d}", body, source)
        )
    policy = PropagationPolicy(
        PolicyRef(CLUSTER_PROPAGATION_POLICY, "", "dynamic"),
        source,
        (ResourceSelector("apps/v1", "Deployment"),),
        Placement(
            replica_scheduling=ReplicaScheduling(
                DIVIDED, WEIGHTED, WeightPreference(dynamic_weight="AvailableReplicas")
            ),
            replica_scheduling_set=True,
            fingerprint="benchmark",
        ),
    )
    return Fleet(inventory, tuple(templates), (policy,), ())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=500)
    parser.add_argument("--workloads", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    model = fleet(args.clusters, args.workloads)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        compiled = compile_fleet(model)
        times.append(time.perf_counter() - start)
    placed = sum(len(d.binding.clusters) for d in compiled.decisions)
    replicas = sum(t.replicas for d in compiled.decisions for t in d.binding.clusters)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.workloads} workloads x {args.clusters} clusters, dynamic weights: "
        f"median {sorted(times)[len(times) // 2]:.2f} s over {args.runs} runs "
        f"({placed} placements, {replicas} replicas), peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
