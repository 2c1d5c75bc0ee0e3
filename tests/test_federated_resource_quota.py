"""FederatedResourceQuota through `hubless render` and `hubless explain`.

Expected values come from Karmada: the webhook's rules and its test vectors
(pkg/webhook/federatedresourcequota/validating.go, validating_test.go), and what the sync
controller writes (pkg/controllers/federatedresourcequota/
federated_resource_quota_sync_controller.go, buildWorks: a v1 ResourceQuota named and
namespaced as the quota, with the entry's limits as spec.hard; nothing for clusters not
listed). Quantities are printed as the API server stores them (Quantity.String()).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = "---\n".join(cluster_yaml(n) for n in ("m1", "m2", "m3"))
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


def quota(spec: str, name: str = "team") -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: FederatedResourceQuota
metadata: {{name: {name}, namespace: shop}}
spec:
{spec}"""


def web(replicas: int, requests: str, clusters: str = "m1, m2", division: str = "") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {{requests: {requests}}}
%%%
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]
  placement:
    clusterAffinity: {{clusterNames: [{clusters}]}}
{division}"""


def fleet(tmp_path: Path, quota_text: str, workload: str = "") -> Path:
    files = {
        "policies/clusters.yaml": CLUSTERS,
        "policies/quota.yaml": quota_text,
        "templates/ns.yaml": NAMESPACE,
    }
    if workload:
        template, policy = workload.split("%%%")
        files["templates/web.yaml"] = template
        files["policies/web.yaml"] = policy
    write_tree(tmp_path, files)
    return tmp_path


Result = subprocess.CompletedProcess[str]


def run(repo: Path, *args: str) -> Result:
    """The command line as a user runs it: located problems on stderr, an exit status."""
    return run_hubless(*args, cwd=repo)


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


# Karmada's TestValidatingAdmission_Handle "Handle_ResourceLimitsMatch_NoErrors" spec,
# with the quantities written in other spellings to show the stored form.
VALID = quota(
    """  overall: {cpu: "10", memory: 10Gi}
  staticAssignments:
  - clusterName: m1
    hard: {cpu: 5000m, memory: 5Gi}
  - clusterName: m2
    hard: {cpu: 5, memory: 5120Mi}
"""
)


def resource_quota(hard: dict[str, str]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "team", "namespace": "shop"},
        "spec": {"hard": hard},
    }


def test_a_resource_quota_per_assigned_cluster_none_elsewhere(tmp_path: Path) -> None:
    repo = fleet(tmp_path, VALID)
    result = run(repo, "render")
    assert result.returncode == 0, result.stderr
    rendered = read_rendered(repo)
    quotas = {path: body for path, body in rendered.items() if "resourcequota" in path}
    assert quotas == {
        "m1/shop/resourcequota_team.yaml": resource_quota({"cpu": "5", "memory": "5Gi"}),
        "m2/shop/resourcequota_team.yaml": resource_quota({"cpu": "5", "memory": "5Gi"}),
    }


def test_first_entry_for_a_cluster_wins_and_amounts_print_as_stored(
    tmp_path: Path,
) -> None:
    # extractClusterHardResourceList returns the first entry naming the cluster.
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "4", memory: 8Gi, pods: 10}
  staticAssignments:
  - clusterName: m3
    hard: {cpu: 1.5, memory: 1.5Gi, pods: 3}
  - clusterName: m3
    hard: {cpu: 1}
  - clusterName: m1
    hard: {}
"""
        ),
    )
    assert run(repo, "render").returncode == 0
    rendered = read_rendered(repo)
    assert rendered["m3/shop/resourcequota_team.yaml"] == resource_quota(
        {"cpu": "1500m", "memory": "1536Mi", "pods": "3"}
    )
    # An empty hard is still a ResourceQuota, its empty spec.hard left out (omitempty).
    assert rendered["m1/shop/resourcequota_team.yaml"] == {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "team", "namespace": "shop"},
        "spec": {},
    }
    assert "m2/shop/resourcequota_team.yaml" not in rendered


def test_user_policies_do_not_place_or_override_it(tmp_path: Path) -> None:
    # The controller's Work bypasses propagation and override policies.
    repo = fleet(tmp_path, VALID)
    write_tree(
        repo,
        {
            "policies/all.yaml": """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: label-all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ResourceQuota}]
  overrideRules:
  - overriders:
      labelsOverrider: [{operator: add, value: {team: x}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: quotas-everywhere}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ResourceQuota}]
  placement: {}
"""
        },
    )
    result = run(repo, "render")
    assert result.returncode == 0, result.stderr
    quotas = {p: b for p, b in read_rendered(repo).items() if "resourcequota" in p}
    assert quotas == {
        "m1/shop/resourcequota_team.yaml": resource_quota({"cpu": "5", "memory": "5Gi"}),
        "m2/shop/resourcequota_team.yaml": resource_quota({"cpu": "5", "memory": "5Gi"}),
    }


def test_webhook_overall_less_than_assignments(tmp_path: Path) -> None:
    # validating_test.go, TestValidatingAdmission_Handle
    # "Handle_ExceedCPUAllocationOverallLimit_CPUAllocationExceedsOverallLimit".
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "5", memory: 10Gi}
  staticAssignments:
  - clusterName: m1
    hard: {cpu: "10", memory: 5Gi}
  - clusterName: m2
    hard: {cpu: "5", memory: 5Gi}
"""
        ),
    )
    result = run(repo, "render")
    assert result.returncode == 1
    assert errors(result) == [
        "policies/quota.yaml:5: error: spec.overall.cpu: 5 is less than the "
        "staticAssignments together (15)"
    ]
    assert "Traceback" not in result.stderr


def test_webhook_assignment_resource_not_in_overall(tmp_path: Path) -> None:
    # validating_test.go, Test_validateOverallAndAssignments
    # "..._InvalidAssignmentResource_AssignmentResourceNotInOverall" (cpux is also not a
    # quota resource: the resource list rule reports it first).
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "10", memory: 10Gi}
  staticAssignments:
  - clusterName: m1
    hard: {cpux: "1", memory: 1Gi}
  - clusterName: m2
    hard: {cpu: "1.5", memory: 2Gi}
"""
        ),
    )
    result = run(repo, "render")
    assert result.returncode == 1
    assert errors(result) == [
        "policies/quota.yaml:8: error: spec.staticAssignments[0].hard.cpux: must be a "
        "standard resource type or fully qualified",
        "policies/quota.yaml:8: error: spec.staticAssignments[0].hard.cpux: cpux is not in "
        "spec.overall",
    ]


def test_webhook_invalid_cluster_name_negative_and_fractional_counts(tmp_path: Path) -> None:
    # "Handle_InvalidClusterName_ClusterNameInvalid"; ValidateResourceQuantityValue:
    # non-negative, and whole for integer resources such as pods.
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "-1", pods: 2.5}
  staticAssignments:
  - clusterName: invalid cluster name
    hard: {}
"""
        ),
    )
    result = run(repo, "render")
    assert result.returncode == 1
    assert errors(result) == [
        "policies/quota.yaml:5: error: spec.overall.cpu: -1 must be greater than or equal to 0",
        "policies/quota.yaml:5: error: spec.overall.pods: 2500m must be an integer",
        # -1 is also below the assignments' sum (none: 0), as Karmada's webhook says too
        "policies/quota.yaml:5: error: spec.overall.cpu: -1 is less than the "
        "staticAssignments together (0)",
        "policies/quota.yaml:7: error: spec.staticAssignments[0].clusterName: 'invalid "
        "cluster name' must be a DNS-1123 label (lower case letters, digits and '-', "
        "starting and ending with a letter or digit)",
    ]


def test_placed_requests_over_a_cluster_assignment_fail_the_render(tmp_path: Path) -> None:
    # Duplicated: 3 replicas of 500m / 512Mi on m1 and m2. m1's cpu: 3 x 500m = 1500m > 1.
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "10", memory: 10Gi, pods: 20}
  staticAssignments:
  - clusterName: m1
    hard: {cpu: "1", memory: 1536Mi}
  - clusterName: m2
    hard: {cpu: "1.5", memory: 2Gi, pods: 4}
"""
        ),
        web(3, "{cpu: 500m, memory: 512Mi}"),
    )
    result = run(repo, "render")
    assert result.returncode == 1
    assert errors(result) == [
        "policies/quota.yaml:7: error: FederatedResourceQuota/shop/team: cpu placed in "
        "namespace shop on cluster m1 would be 1500m, over its spec.staticAssignments[0] (1): "
        "Deployment.apps/shop/web 3 x 500m"
    ]
    assert not (repo / "rendered").exists()


def test_placed_requests_over_overall_fail_the_render(tmp_path: Path) -> None:
    # Divided 5 + 5 of 1 cpu each: 10 placed against requests.cpu 8 overall; m3 has no
    # assignment, so only overall bounds it.
    division = "    replicaScheduling: {replicaSchedulingType: Divided}\n"
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {requests.cpu: "8", pods: "10"}
  staticAssignments:
  - clusterName: m1
    hard: {requests.cpu: "6"}
"""
        ),
        web(10, "{cpu: 1}", "m1, m3", division),
    )
    result = run(repo, "render")
    assert result.returncode == 1
    assert errors(result) == [
        "policies/quota.yaml:5: error: FederatedResourceQuota/shop/team: requests.cpu placed "
        "in namespace shop across the fleet would be 10, over spec.overall (8): "
        "Deployment.apps/shop/web 10 x 1"
    ]


def test_requests_within_the_quota_render(tmp_path: Path) -> None:
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "3", pods: 6}
  staticAssignments:
  - clusterName: m1
    hard: {cpu: 1500m, pods: 3}
"""
        ),
        web(3, "{cpu: 500m}"),
    )
    result = run(repo, "render")
    assert result.returncode == 0, result.stderr
    assert read_rendered(repo)["m1/shop/resourcequota_team.yaml"] == resource_quota(
        {"cpu": "1500m", "pods": "3"}
    )


def test_explain_names_the_quota_and_the_clusters(tmp_path: Path) -> None:
    repo = fleet(tmp_path, VALID)
    result = run(repo, "explain", "ResourceQuota/shop/team")
    assert result.returncode == 0, result.stderr
    assert "policy: FederatedResourceQuota/shop/team (policies/quota.yaml:1)" in result.stdout
    assert "m3  no: FederatedResourceQuota: not in spec.staticAssignments" in result.stdout


def test_unknown_cluster_is_a_warning(tmp_path: Path) -> None:
    repo = fleet(
        tmp_path,
        quota(
            """  overall: {cpu: "1"}
  staticAssignments:
  - clusterName: m9
    hard: {cpu: "1"}
"""
        ),
    )
    result = run(repo, "render")
    assert result.returncode == 0
    assert (
        "policies/quota.yaml:7: warning: FederatedResourceQuota/shop/team "
        "spec.staticAssignments[0]: cluster m9 is not in the inventory, so no ResourceQuota "
        "is written for it"
    ) in result.stderr


def test_a_changed_assignment_is_rendered_again(tmp_path: Path) -> None:
    # The second render may reuse what the first wrote: the quota's document is what its
    # ResourceQuotas are made of.
    repo = fleet(tmp_path, VALID)
    assert run(repo, "render").returncode == 0
    write_tree(repo, {"policies/quota.yaml": VALID.replace("cpu: 5000m", "cpu: 2")})
    result = run(repo, "render")
    assert result.returncode == 0, result.stderr
    quotas = {p: b for p, b in read_rendered(repo).items() if "resourcequota" in p}
    assert quotas == {
        "m1/shop/resourcequota_team.yaml": resource_quota({"cpu": "2", "memory": "5Gi"}),
        "m2/shop/resourcequota_team.yaml": resource_quota({"cpu": "5", "memory": "5Gi"}),
    }
