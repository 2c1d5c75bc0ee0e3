"""`hubless explain` and placement stickiness, on small fleets rendered for real."""

from __future__ import annotations

import json
from pathlib import Path

from hubless.commands.render import render
from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = "---\n".join(
    [
        cluster_yaml("prod-a", {"env": "prod"}, region="r1"),
        cluster_yaml(
            "prod-b",
            {"env": "prod"},
            region="r2",
            taints=({"key": "gpu", "value": "yes", "effect": "NoSchedule"},),
        ),
        cluster_yaml("prod-c", {"env": "prod"}, region="r3", apis={"v1": ("ConfigMap",)}),
        cluster_yaml("dev", {"env": "dev"}, region="r1"),
    ]
)
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: web, image: "web:1"}]
"""
POLICIES = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement:
    clusterAffinity:
      labelSelector: {matchLabels: {env: prod}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: everything}
spec:
  priority: 5
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: tag, namespace: shop}
spec:
  overrideRules:
  - targetCluster: {clusterNames: [prod-a]}
    overriders:
      plaintext: [{path: /spec/template/spec/containers/0/image, operator: replace, value: "web:2"}]
"""


def fleet(tmp_path: Path) -> Path:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/web.yaml": POLICIES,
            "templates/web.yaml": DEPLOYMENT,
            "templates/orphan.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphan}\n",
        },
    )
    return tmp_path


def explain_json(repo: Path, *args: str) -> dict:
    result = run_hubless("explain", *args, "--output", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_explain_json_for_selected_and_rejected_clusters(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    data = explain_json(repo, "Deployment/shop/web")
    assert data["resource"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "namespace": "shop",
        "name": "web",
        "source": "templates/web.yaml:1",
    }
    assert data["propagated"] is True
    assert data["via"] == "PropagationPolicy/shop/web"
    assert data["policies"] == [
        {
            "policy": "PropagationPolicy/shop/web",
            "source": "policies/web.yaml:1",
            "priority": 0,
            "match": "name",
            "outcome": "won",
        },
        {
            "policy": "ClusterPropagationPolicy/everything",
            "source": "policies/web.yaml:10",
            "priority": 5,
            "match": "kind only",
            "outcome": "a PropagationPolicy of the namespace beats every ClusterPropagationPolicy",
        },
    ]
    assert (data["replicas"], data["strategy"]) == (2, "Duplicated")
    assert data["division"] == "every selected cluster runs every replica"
    assert data["kept"] is None
    assert data["requiredBy"] == []
    assert data["clusters"] == [
        {"name": "dev", "selected": False, "replicas": None, "filter": "ClusterAffinity",
         "reason": "label env=dev, matchLabels wants env=prod", "overrides": []},
        {"name": "prod-a", "selected": True, "replicas": 2, "filter": None, "reason": None,
         "overrides": [{"rule": "OverridePolicy/shop/tag[0]", "changes": [
             {"path": "/spec/template/spec/containers/0/image", "before": "web:1", "after": "web:2"}]}],
         # These test clusters carry no resourceSummary: no room, which Duplicated ignores.
         "capacity": {"replicas": 0, "limitedBy": "no status.resourceSummary"}},
        {"name": "prod-b", "selected": False, "replicas": None, "filter": "TaintToleration",
         "reason": "taint gpu=yes:NoSchedule is not tolerated", "overrides": []},
        {"name": "prod-c", "selected": False, "replicas": None, "filter": "APIEnablement",
         "reason": "apps/v1 Deployment is not in status.apiEnablements (API disabled)", "overrides": []},
    ]  # fmt: skip


def test_explain_text_for_one_cluster_and_unmatched(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    result = run_hubless("explain", "deployment.apps/shop/web", "--cluster", "prod-b", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Deployment.apps/shop/web  (templates/web.yaml:1)",
        "policy: PropagationPolicy/shop/web (policies/web.yaml:1), priority 0, matched by name",
        "  also matched: ClusterPropagationPolicy/everything: lost, a PropagationPolicy of the namespace beats every ClusterPropagationPolicy",
        "replicas: 2 per template, Duplicated",
        "division: every selected cluster runs every replica",
        "clusters:",
        "  prod-b  no: TaintToleration: taint gpu=yes:NoSchedule is not tolerated",
    ]
    orphan = explain_json(repo, "ConfigMap/default/orphan", "--cluster", "dev")
    assert orphan["propagated"] is False
    assert orphan["reason"] == "no propagation policy matches it"


def test_explain_errors(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    for args, message in (
        (["Deployment/shop/nope"], "error: no template Deployment/shop/nope in templates/"),
        (["Deployment"], "expected KIND/NAMESPACE/NAME or KIND/NAME"),
        (["Deployment/shop/web", "--cluster", "zzz"], "no cluster 'zzz'"),
    ):
        result = run_hubless("explain", *args, cwd=repo)
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_previous_placement_keeps_a_newly_tainted_cluster(tmp_path: Path) -> None:
    repo = fleet(tmp_path)
    render(repo, check=False)
    assert "prod-a/shop/deployment.apps_web.yaml" in read_rendered(repo)
    # prod-a gets a taint the policy does not tolerate: Karmada leaves the workload there.
    tainted = CLUSTERS.replace(
        "name: prod-a\n  labels:\n    env: prod\nspec:\n  syncMode: Push\n",
        "name: prod-a\n  labels:\n    env: prod\nspec:\n  syncMode: Push\n  taints:\n  - {key: maintenance, effect: NoSchedule}\n",
    )
    assert tainted != CLUSTERS
    write_tree(repo, {"policies/clusters.yaml": tainted})
    render(repo, check=False)
    assert "prod-a/shop/deployment.apps_web.yaml" in read_rendered(repo)
    # Even a requested reschedule (WorkloadRebalancer) lets the previous clusters pass the
    # taint filter, as Karmada does.
    render(repo, check=False, fresh=True)
    assert "prod-a/shop/deployment.apps_web.yaml" in read_rendered(repo)


def test_previous_placement_falls_back_to_the_committed_record(tmp_path: Path) -> None:
    import git

    repo = fleet(tmp_path)
    render(repo, check=False)
    repository = git.Repo.init(repo)
    repository.git.add(all=True)
    repository.git.commit(m="fleet", author="t <t@example.com>")
    (repo / "rendered/.hubless/placement.json").unlink()
    tainted = CLUSTERS.replace(
        "    env: prod\nspec:\n  syncMode: Push\n",
        "    env: prod\nspec:\n  syncMode: Push\n  taints:\n  - {key: m, effect: NoSchedule}\n",
        1,
    )
    write_tree(repo, {"policies/clusters.yaml": tainted})
    render(repo, check=False)
    assert "prod-a/shop/deployment.apps_web.yaml" in read_rendered(repo)


def test_inventory_warnings(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {"policies/c.yaml": cluster_yaml("bare", apis=None, ready=None, complete=False)},
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0
    assert "cluster bare has no status.apiEnablements" in result.stderr
    assert "cluster bare is not Ready" in result.stderr


OTHER_SCHEDULER = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  schedulerName: my-scheduler
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement: {}
"""


def test_a_policy_naming_another_scheduler_is_named_not_missed(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/policies.yaml": OTHER_SCHEDULER,
            "templates/web.yaml": DEPLOYMENT,
        },
    )
    rendered = run_hubless("render", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    warning = (
        "policies/policies.yaml:1: warning: PropagationPolicy/shop/web matches "
        "Deployment.apps/shop/web but names schedulerName 'my-scheduler': hubless runs only "
        "Karmada's default-scheduler, so it goes to no cluster"
    )
    assert warning in rendered.stderr.splitlines()
    assert "match no propagation policy" not in rendered.stderr
    explained = run_hubless("explain", "Deployment/shop/web", "-o", "json", cwd=tmp_path)
    data = json.loads(explained.stdout)
    assert data["propagated"] is False
    assert data["reason"] == (
        "PropagationPolicy/shop/web (policies/policies.yaml:1) matches it but names "
        "schedulerName 'my-scheduler': hubless runs only Karmada's default-scheduler"
    )


# --- a Divided workload: the filters' verdicts, a kept placement, a failed schedule -------


# Each replica asks for 500m cpu and 1Gi memory. The general estimator's room is the
# smallest free/request over the requested resources: a min(4000m/500m, 16Gi/1Gi) = 8 by
# cpu, b min(8000m/500m, 4Gi/1Gi) = 4 by memory; c and e like a.
def _summary(cpu: str, memory: str) -> dict[str, dict[str, str]]:
    return {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}}


DIVIDED_CLUSTERS = {
    "a": cluster_yaml("a", {"env": "prod"}, summary=_summary("4", "16Gi")),
    "b": cluster_yaml("b", {"env": "prod"}, summary=_summary("8", "4Gi")),
    "c": cluster_yaml(
        "c",
        {"env": "prod"},
        taints=({"key": "gpu", "value": "yes", "effect": "NoSchedule"},),
        summary=_summary("4", "16Gi"),
    ),
    "d": cluster_yaml("d", {"env": "dev"}, summary=_summary("4", "16Gi")),
}
DIVIDED_POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: web}]
  placement:
    clusterAffinity:
      labelSelector: {matchLabels: {env: prod}}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference: {dynamicWeight: AvailableReplicas}
"""
DIVIDED_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: REPLICAS
  template:
    spec:
      containers:
      - name: web
        image: "web:1"
        resources: {requests: {cpu: 500m, memory: 1Gi}}
"""
POLICY_LINE = (
    "policy: PropagationPolicy/shop/web (policies/web.yaml:1), priority 0, matched by name"
)
TAINTED = "  c  no: TaintToleration: taint gpu=yes:NoSchedule is not tolerated"
DEV = "  d  no: ClusterAffinity: label env=dev, matchLabels wants env=prod"


def divided_fleet(repo: Path, replicas: int, clusters: dict[str, str] = DIVIDED_CLUSTERS) -> Path:
    write_tree(
        repo,
        {
            "policies/clusters.yaml": "---\n".join(clusters.values()),
            "policies/web.yaml": DIVIDED_POLICY,
            "templates/web.yaml": DIVIDED_DEPLOYMENT.replace("REPLICAS", str(replicas)),
        },
    )
    return repo


def test_a_kept_placement_still_shows_each_filter_verdict(tmp_path: Path) -> None:
    repo = divided_fleet(tmp_path, 6)
    render(repo, check=False)
    result = run_hubless("explain", "Deployment/shop/web", cwd=repo)
    assert result.returncode == 0, result.stderr
    # Webster over the rooms 8:4 for 6 seats: a, b, a, a, b, a. Right after that render
    # the placement is kept, and that is a fact of its own: c and d are not there because
    # of their taint and their label, which explain says.
    assert result.stdout.splitlines() == [
        "Deployment.apps/shop/web  (templates/web.yaml:1)",
        POLICY_LINE,
        "replicas: 6 per template, DynamicWeight",
        "kept the previous placement because its placement and replicas are unchanged since "
        "the last render and every cluster it is on still exists",
        "clusters:",
        "  a  yes, 4 replicas scheduled [room for 8 (by cpu)]",
        "  b  yes, 2 replicas scheduled [room for 4 (by memory)]",
        TAINTED,
        DEV,
    ]


def test_before_a_render_explain_shows_the_scheduling_not_a_kept_placement(
    tmp_path: Path,
) -> None:
    # Nothing rendered yet: the placement is made now. (A render schedules twice to reach
    # a fixed point; the second pass keeps the first's placement, which is no previous one.)
    repo = divided_fleet(tmp_path, 6)
    lines = [
        "Deployment.apps/shop/web  (templates/web.yaml:1)",
        POLICY_LINE,
        "replicas: 6 per template, DynamicWeight",
        "division: 6 divided by available replicas",
        "clusters:",
        "  a  yes, 4 replicas scheduled [weight 8, room for 8 (by cpu)]",
        "  b  yes, 2 replicas scheduled [weight 4, room for 4 (by memory)]",
        TAINTED,
        DEV,
    ]
    assert run_hubless("explain", "Deployment/shop/web", cwd=repo).stdout.splitlines() == lines
    # After a render, a scale up to 9 divides the 3 more by room (a, b, a) and adds them.
    render(repo, check=False)
    divided_fleet(repo, 9)
    lines[2:4] = [
        "replicas: 9 per template, DynamicWeight",
        "division: scale up from 6: 3 more divided by available replicas",
    ]
    lines[5:7] = [
        "  a  yes, 6 replicas scheduled [weight 8, room for 8 (by cpu)]",
        "  b  yes, 3 replicas scheduled [weight 4, room for 4 (by memory)]",
    ]
    assert run_hubless("explain", "Deployment/shop/web", cwd=repo).stdout.splitlines() == lines


def test_a_kept_placement_tells_kept_clusters_from_feasible_ones(tmp_path: Path) -> None:
    repo = divided_fleet(tmp_path, 6)
    render(repo, check=False)
    # a is relabelled out of the affinity and e joins: Karmada reschedules neither, so the
    # replicas stay on a, and explain says what the filters now think of both.
    clusters = {
        **DIVIDED_CLUSTERS,
        "a": cluster_yaml("a", {"env": "dev"}, summary=_summary("4", "16Gi")),
        "e": cluster_yaml("e", {"env": "prod"}, summary=_summary("4", "16Gi")),
    }
    divided_fleet(repo, 6, clusters)
    data = explain_json(repo, "Deployment/shop/web")
    assert data["kept"] == (
        "its placement and replicas are unchanged since the last render and every cluster it "
        "is on still exists"
    )
    assert (data["propagated"], data["reason"], data["division"]) == (True, None, None)
    assert data["clusters"] == [
        {"name": "a", "selected": True, "replicas": 4, "filter": "ClusterAffinity",
         "reason": "label env=dev, matchLabels wants env=prod", "overrides": []},
        {"name": "b", "selected": True, "replicas": 2, "filter": None, "reason": None,
         "overrides": [], "capacity": {"replicas": 4, "limitedBy": "memory"}},
        {"name": "c", "selected": False, "replicas": None, "filter": "TaintToleration",
         "reason": "taint gpu=yes:NoSchedule is not tolerated", "overrides": []},
        {"name": "d", "selected": False, "replicas": None, "filter": "ClusterAffinity",
         "reason": "label env=dev, matchLabels wants env=prod", "overrides": []},
        {"name": "e", "selected": False, "replicas": None, "filter": None,
         "reason": "passes the filters, not in the kept placement", "overrides": [],
         "capacity": {"replicas": 8, "limitedBy": "cpu"}},
    ]  # fmt: skip
    text = run_hubless("explain", "Deployment/shop/web", cwd=repo).stdout.splitlines()
    assert text[-5:] == [
        "  a  yes, 4 replicas scheduled, kept although ClusterAffinity: label env=dev, "
        "matchLabels wants env=prod",
        "  b  yes, 2 replicas scheduled [room for 4 (by memory)]",
        TAINTED,
        DEV,
        "  e  no: passes the filters, not in the kept placement [room for 8 (by cpu)]",
    ]


NOT_ENOUGH = "not enough room: 40 replicas wanted, room for 12: a 8 (cpu), b 4 (memory)"


def test_explain_shows_why_scheduling_failed_on_each_cluster(tmp_path: Path) -> None:
    # 40 replicas, and the prod clusters that pass the filters have room for 8 + 4.
    repo = divided_fleet(tmp_path, 40)
    result = run_hubless("explain", "Deployment/shop/web", cwd=repo)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Deployment.apps/shop/web  (templates/web.yaml:1)",
        f"not propagated: scheduling failed: {NOT_ENOUGH}",
        POLICY_LINE,
        "replicas: 40 per template, DynamicWeight",
        "clusters:",
        "  a  no: passed the filters, but scheduling failed [room for 8 (by cpu)]",
        "  b  no: passed the filters, but scheduling failed [room for 4 (by memory)]",
        TAINTED,
        DEV,
    ]
    # ... then fails as the render does, with the render's error.
    assert result.stderr.splitlines() == [
        "policies/web.yaml:1: error: PropagationPolicy/shop/web cannot schedule "
        f"Deployment.apps/shop/web: {NOT_ENOUGH}; excluded: c (TaintToleration: taint "
        "gpu=yes:NoSchedule is not tolerated), d (ClusterAffinity: label env=dev, "
        "matchLabels wants env=prod)"
    ]
    assert "Traceback" not in result.stderr
    data = json.loads(run_hubless("explain", "Deployment/shop/web", "-o", "json", cwd=repo).stdout)
    assert (data["propagated"], data["via"]) == (False, "PropagationPolicy/shop/web")
    assert data["reason"] == f"scheduling failed: {NOT_ENOUGH}"
    assert [c.get("capacity") for c in data["clusters"]] == [
        {"replicas": 8, "limitedBy": "cpu"},
        {"replicas": 4, "limitedBy": "memory"},
        None,
        None,
    ]


def test_explain_of_a_template_no_cluster_fits(tmp_path: Path) -> None:
    # Only dev clusters: no cluster passes the filters, and Karmada clears the placement.
    clusters = {"d": DIVIDED_CLUSTERS["d"]}
    repo = divided_fleet(tmp_path, 6, clusters)
    data = explain_json(repo, "Deployment/shop/web")
    assert (data["propagated"], data["reason"]) == (
        False,
        "no cluster passed the filters (Karmada clears the placement)",
    )
    assert [(c["name"], c["filter"], c["reason"]) for c in data["clusters"]] == [
        ("d", "ClusterAffinity", "label env=dev, matchLabels wants env=prod")
    ]
