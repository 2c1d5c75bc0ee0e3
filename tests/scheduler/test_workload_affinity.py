"""placement.workloadAffinity through `hubless render` and `hubless explain`, with Karmada
v1.17's rules: pkg/scheduler/framework/plugins/workloadaffinity/workload_affinity.go and
workloadantiaffinity/workload_anti_affinity.go (the filters), pkg/detector/detector.go
getWorkloadAffinityGroups (group names), pkg/util/validation ValidateWorkloadAffinity, and
the cases of test/e2e/suites/base/workloadaffinity_test.go.

Every cluster below is alike, so without the filters Karmada's order (score, available,
name) puts a one-cluster workload on `a`. Templates are scheduled in file order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubless.serialize import dump
from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

GATE_ON = """
apiVersion: operator.karmada.io/v1alpha1
kind: Karmada
metadata: {name: karmada, namespace: karmada-system}
spec:
  featureGates: {WorkloadAffinity: true}
"""

ONE_CLUSTER = "spreadConstraints: [{spreadByField: cluster, minGroups: 1, maxGroups: 1}]"


def _deployment(name: str, namespace: str = "shop", group: str = "ha") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.group": group}},
        "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c"}]}}},
    }


def _policy(name: str, namespace: str, placement: str, selects: str = "") -> str:
    selector = f", name: {selects}" if selects else ""
    return f"""apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment{selector}}}]
  placement:
    {placement}
"""


def _fleet(
    repo: Path,
    policies: str,
    deployments: list[dict[str, Any]],
    gate: str | None = GATE_ON,
) -> None:
    files = {
        "policies/clusters.yaml": "---\n".join(cluster_yaml(n) for n in "abc"),
        "policies/policies.yaml": policies,
    }
    for deployment in deployments:
        meta = deployment["metadata"]
        files[f"templates/{meta['namespace']}-{meta['name']}.yaml"] = dump(deployment)
        files[f"templates/ns-{meta['namespace']}.yaml"] = (
            f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {meta['namespace']}}}\n"
        )
    if gate is not None:
        files["policies/karmada.yaml"] = gate
    write_tree(repo, files)


def _placed(repo: Path) -> dict[str, list[str]]:
    """Each Deployment's clusters, by namespace/name."""
    result = run_hubless("render", cwd=repo)
    assert result.returncode == 0, result.stderr
    where: dict[str, list[str]] = {}
    for path, body in read_rendered(repo).items():
        assert isinstance(body, dict)
        if body.get("kind") == "Deployment":
            meta = body["metadata"]
            where.setdefault(f"{meta['namespace']}/{meta['name']}", []).append(path.split("/")[0])
    return where


ANTI = "workloadAffinity: {antiAffinity: {groupByLabelKey: app.group}}"
AFFINITY = "workloadAffinity: {affinity: {groupByLabelKey: app.group}}"


def test_anti_affinity_separates_a_group(tmp_path: Path) -> None:
    # e2e "Target cluster sets of same-group workloads do not equal": web-1 takes a, so
    # WorkloadAntiAffinity removes a for web-2, which takes b.
    policy = _policy("ha", "shop", f"{ANTI}\n    {ONE_CLUSTER}")
    _fleet(tmp_path, policy, [_deployment("web-1"), _deployment("web-2")])
    assert _placed(tmp_path) == {"shop/web-1": ["a"], "shop/web-2": ["b"]}


def test_affinity_follows_the_first_of_the_group(tmp_path: Path) -> None:
    # e2e "Target cluster sets of same-group workloads are identical". cache (scheduled
    # first: templates go in resource order) is held to b by its own policy; web alone
    # would take a, WorkloadAffinity leaves it only b.
    policies = "---\n".join(
        [
            _policy("cache", "shop", f"{AFFINITY}\n    clusterAffinity: {{clusterNames: [b]}}", "cache"),
            _policy("web", "shop", f"{AFFINITY}\n    {ONE_CLUSTER}", "web"),
        ]
    )  # fmt: skip
    _fleet(tmp_path, policies, [_deployment("cache"), _deployment("web")])
    assert _placed(tmp_path) == {"shop/cache": ["b"], "shop/web": ["b"]}


def test_the_first_of_a_group_decides_and_a_later_one_may_fit_nowhere(tmp_path: Path) -> None:
    # e2e "One workload schedules successfully, the other remains unscheduled due to
    # workloadAffinity": api is scheduled first and takes a; db's policy allows only b,
    # where api is not: no cluster passes, Karmada clears db's placement.
    policies = "---\n".join(
        [
            _policy("db", "shop", f"{AFFINITY}\n    clusterAffinity: {{clusterNames: [b]}}", "db"),
            _policy("api", "shop", f"{AFFINITY}\n    {ONE_CLUSTER}", "api"),
        ]
    )  # fmt: skip
    _fleet(tmp_path, policies, [_deployment("db"), _deployment("api")])
    assert _placed(tmp_path) == {"shop/api": ["a"]}
    result = run_hubless("explain", "Deployment.apps/shop/db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "  b  no: WorkloadAffinity: Deployment.apps/shop/api, of the same affinity group "
        "app.group=ha, is not placed on it\n"
    ) in result.stdout


def test_groups_are_per_namespace_and_per_label_value(tmp_path: Path) -> None:
    # e2e "Same-group workloads in different namespaces co-locate on the same cluster":
    # obeyAntiAffinityGroup ignores bindings of another namespace; another value of the
    # key is another group.
    policies = "---\n".join(
        _policy("ha", ns, f"{ANTI}\n    {ONE_CLUSTER}") for ns in ("shop", "blog")
    )
    deployments = [
        _deployment("web", "shop"),
        _deployment("web", "blog"),
        _deployment("worker", "shop", group="batch"),
    ]
    _fleet(tmp_path, policies, deployments)
    assert _placed(tmp_path) == {"blog/web": ["a"], "shop/web": ["a"], "shop/worker": ["a"]}


def test_without_the_gate_the_field_changes_nothing(tmp_path: Path) -> None:
    # WorkloadAffinity is an alpha gate, off by default: no groups, no filters.
    policy = _policy("ha", "shop", f"{ANTI}\n    {ONE_CLUSTER}")
    _fleet(tmp_path, policy, [_deployment("web-1"), _deployment("web-2")], gate=None)
    assert _placed(tmp_path) == {"shop/web-1": ["a"], "shop/web-2": ["a"]}


def test_the_placement_record_says_where_later_peers_run(tmp_path: Path) -> None:
    # Karmada's scheduler cache holds every binding with its clusters: web-0, new and
    # scheduled first, already sees web-1 on a and web-2 on b from the first render, and
    # takes c; web-1 and web-2 keep their clusters (a target of the binding always passes).
    policy = _policy("ha", "shop", f"{ANTI}\n    {ONE_CLUSTER}")
    _fleet(tmp_path, policy, [_deployment("web-1"), _deployment("web-2")])
    assert _placed(tmp_path) == {"shop/web-1": ["a"], "shop/web-2": ["b"]}
    _fleet(tmp_path, policy, [_deployment("web-0"), _deployment("web-1"), _deployment("web-2")])
    assert _placed(tmp_path) == {"shop/web-0": ["c"], "shop/web-1": ["a"], "shop/web-2": ["b"]}


def test_explain_names_the_peer_that_excludes_a_cluster(tmp_path: Path) -> None:
    policy = _policy("ha", "shop", f"{ANTI}\n    {ONE_CLUSTER}")
    _fleet(tmp_path, policy, [_deployment("web-1"), _deployment("web-2")])
    result = run_hubless("explain", "Deployment.apps/shop/web-2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "  a  no: WorkloadAntiAffinity: Deployment.apps/shop/web-1, of the same "
        "anti-affinity group app.group=ha, is placed on it\n"
    ) in result.stdout


def test_same_key_for_affinity_and_anti_affinity_is_an_error(tmp_path: Path) -> None:
    placement = "workloadAffinity:\n      affinity: {groupByLabelKey: app.group}\n" \
        "      antiAffinity: {groupByLabelKey: app.group}"  # fmt: skip
    _fleet(tmp_path, _policy("ha", "shop", placement), [_deployment("web")])
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "policies/policies.yaml:8: error: spec.placement.workloadAffinity: affinity and "
        "antiAffinity must not use the same groupByLabelKey"
    )


def test_a_group_key_that_is_no_label_key_is_an_error(tmp_path: Path) -> None:
    placement = "workloadAffinity: {affinity: {groupByLabelKey: -bad/}}"
    _fleet(tmp_path, _policy("ha", "shop", placement), [_deployment("web")])
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "policies/policies.yaml:7: error: spec.placement.workloadAffinity.affinity."
        "groupByLabelKey: '-bad/' is not a label key (an optional DNS subdomain and '/', then at most 63 letters, digits, '-', '_' or '.', "
        "beginning and ending with a letter or digit)"
    )
