"""Karmada's claim on a resource template, and preemption, through `hubless render` and
`hubless explain`: the policy that placed a template at the last render (its entry in
rendered/.hubless/placement.json) keeps it while it still matches; another policy takes it
only by preemption (`preemption: Always`, the PropagationPolicyPreemption gate, a selector
naming the template, and a higher priority unless it takes it from a
ClusterPropagationPolicy). Each case is two renders: the first makes the claim, the second
is checked.

The cases port Karmada's pkg/detector/preemption_test.go (TestHandleDeprioritizedPropagation
Policy, TestHandleDeprioritizedClusterPropagationPolicy) and the rules of
pkg/detector/preemption.go and PreemptionBehavior's documentation
(pkg/apis/policy/v1alpha1/propagation_types.go)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = "---\n".join(cluster_yaml(n) for n in ("alpha", "beta", "gamma"))
GATE_ON = """
apiVersion: operator.karmada.io/v1alpha1
kind: Karmada
metadata: {name: karmada, namespace: karmada-system}
spec:
  featureGates:
    PropagationPolicyPreemption: true
"""
DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: default, namespace: test, labels: {app: nginx}}
spec:
  replicas: 1
  template:
    spec:
      containers: [{name: nginx, image: nginx}]
"""


def pp(name: str, priority: int, cluster: str, selector: str, preemption: str = "") -> str:
    extra = f"\n  preemption: {preemption}" if preemption else ""
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: test}}
spec:
  priority: {priority}{extra}
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, {selector}}}]
  placement: {{clusterAffinity: {{clusterNames: [{cluster}]}}}}
"""


def cpp(name: str, priority: int, cluster: str, selector: str, preemption: str = "") -> str:
    return (
        pp(name, priority, cluster, selector, preemption)
        .replace("kind: PropagationPolicy", "kind: ClusterPropagationPolicy")
        .replace(", namespace: test}", "}")
    )


BY_LABEL = "labelSelector: {matchLabels: {app: nginx}}"
BY_NAME = "name: default, namespace: test"


def write(repo: Path, policies: list[str], gate: bool = True) -> None:
    files = {
        "policies/clusters.yaml": CLUSTERS,
        "policies/policies.yaml": "---".join(policies),
        "templates/app.yaml": DEPLOYMENT,
    }
    write_tree(repo, files)
    karmada = repo / "policies/karmada.yaml"
    if gate:
        write_tree(repo, {"policies/karmada.yaml": GATE_ON})
    elif karmada.exists():
        karmada.unlink()


def render(repo: Path, policies: list[str], gate: bool = True) -> None:
    write(repo, policies, gate)
    result = run_hubless("render", cwd=repo)
    assert result.returncode == 0, result.stderr


def deployment_on(repo: Path) -> dict[str, object]:
    """Where the Deployment is, and as what: whole objects by path."""
    return {p: o for p, o in read_rendered(repo).items() if "deployment" in p.lower()}


def expected_on(cluster: str) -> dict[str, object]:
    return {
        f"{cluster}/test/deployment.apps_default.yaml": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "default", "namespace": "test", "labels": {"app": "nginx"}},
            "spec": {
                "replicas": 1,
                "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
            },
        }
    }


def claimed_by(repo: Path) -> str:
    record = json.loads((repo / "rendered/.hubless/placement.json").read_text())
    [entry] = [e for e in record["resources"] if e["kind"] == "Deployment"]
    return str(entry["via"])


def explained_policies(repo: Path) -> list[dict[str, object]]:
    result = run_hubless("explain", "Deployment/test/default", "-o", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout)["policies"])


def test_a_deprioritized_claimant_is_preempted_by_a_policy_in_between(tmp_path: Path) -> None:
    # "preempt deprioritized propagation policy of len 1": app claims it at priority 4 and
    # drops to 2; foo (priority 3, Always, naming the Deployment) takes it.
    render(tmp_path, [pp("app", 4, "alpha", BY_LABEL)])
    assert claimed_by(tmp_path) == "PropagationPolicy/test/app"
    write(tmp_path, [pp("app", 2, "alpha", BY_LABEL), pp("foo", 3, "beta", BY_NAME, "Always")])
    # explain, like the next render, starts from the last render's record
    assert explained_policies(tmp_path) == [
        {
            "policy": "PropagationPolicy/test/foo",
            "source": "policies/policies.yaml:9",
            "priority": 3,
            "match": "name",
            "outcome": "won",
            "claim": "preempted PropagationPolicy/test/app, which claimed it at the last render",
        },
        {
            "policy": "PropagationPolicy/test/app",
            "source": "policies/policies.yaml:1",
            "priority": 2,
            "match": "labelSelector",
            "outcome": "preempted by PropagationPolicy/test/foo",
        },
    ]
    text = run_hubless("explain", "Deployment/test/default", cwd=tmp_path).stdout.splitlines()
    assert text[1:4] == [
        "policy: PropagationPolicy/test/foo (policies/policies.yaml:9), priority 3, "
        "matched by name",
        "  preempted PropagationPolicy/test/app, which claimed it at the last render",
        "  also matched: PropagationPolicy/test/app: lost, preempted by PropagationPolicy/test/foo",
    ]
    assert run_hubless("render", cwd=tmp_path).returncode == 0
    assert deployment_on(tmp_path) == expected_on("beta")
    assert claimed_by(tmp_path) == "PropagationPolicy/test/foo"
    # from now on foo holds it by its own claim, and would win a first render too
    assert [p["outcome"] for p in explained_policies(tmp_path)] == [
        "won",
        "lower priority (2 < 3)",
    ]


def test_the_highest_of_several_preemptors_ends_with_the_template(tmp_path: Path) -> None:
    # "... of len 2": app drops from 5 to 2; foo (3) and foo-2 (4) both preempt, the
    # higher first (Karmada's priority queue), and foo cannot take it back from foo-2.
    render(tmp_path, [pp("app", 5, "alpha", BY_LABEL)])
    write(
        tmp_path,
        [
            pp("app", 2, "alpha", BY_LABEL),
            pp("foo", 3, "beta", BY_NAME, "Always"),
            pp("foo-2", 4, "gamma", BY_NAME, "Always"),
        ],
    )
    outcomes = [(p["policy"], p["outcome"]) for p in explained_policies(tmp_path)]
    assert outcomes == [
        ("PropagationPolicy/test/foo-2", "won"),
        (
            "PropagationPolicy/test/foo",
            "PropagationPolicy/test/foo-2 holds it and priority 3 does not exceed 4",
        ),
        ("PropagationPolicy/test/app", "preempted by PropagationPolicy/test/foo-2"),
    ]
    assert run_hubless("render", cwd=tmp_path).returncode == 0
    assert deployment_on(tmp_path) == expected_on("gamma")


def test_no_policy_to_preempt_leaves_the_claim(tmp_path: Path) -> None:
    # "no policy to preempt": app drops from 4 to 2 and keeps the template.
    render(tmp_path, [pp("app", 4, "alpha", BY_LABEL)])
    render(tmp_path, [pp("app", 2, "alpha", BY_LABEL)])
    assert deployment_on(tmp_path) == expected_on("alpha")
    # the claim decides nothing a first render would not: explain says nothing of it
    assert explained_policies(tmp_path) == [
        {
            "policy": "PropagationPolicy/test/app",
            "source": "policies/policies.yaml:1",
            "priority": 2,
            "match": "labelSelector",
            "outcome": "won",
        }
    ]


def test_a_higher_priority_without_preemption_does_not_take_a_claimed_template(
    tmp_path: Path,
) -> None:
    # Priority's documentation: once claimed, a template is not taken by a later policy
    # even with a higher priority, unless it preempts. A first render would pick foo.
    render(tmp_path, [pp("app", 0, "alpha", BY_LABEL)])
    render(tmp_path, [pp("app", 0, "alpha", BY_LABEL), pp("foo", 9, "beta", BY_NAME)])
    assert deployment_on(tmp_path) == expected_on("alpha")
    explained = explained_policies(tmp_path)
    assert [(p["policy"], p["outcome"], p.get("claim")) for p in explained] == [
        ("PropagationPolicy/test/app", "won", "claimed it at the last render and keeps it"),
        (
            "PropagationPolicy/test/foo",
            "PropagationPolicy/test/app holds it and preemption is Never",
            None,
        ),
    ]


def test_preemption_needs_the_feature_gate(tmp_path: Path) -> None:
    # preemptionEnabled: Always without PropagationPolicyPreemption (off by default) is Never.
    render(tmp_path, [pp("app", 0, "alpha", BY_LABEL)], gate=False)
    render(
        tmp_path,
        [pp("app", 0, "alpha", BY_LABEL), pp("foo", 9, "beta", BY_NAME, "Always")],
        gate=False,
    )
    assert deployment_on(tmp_path) == expected_on("alpha")
    assert explained_policies(tmp_path)[1]["outcome"] == (
        "PropagationPolicy/test/app holds it and preemption: Always needs the "
        "PropagationPolicyPreemption feature gate"
    )


def test_preemption_takes_only_what_a_selector_names(tmp_path: Path) -> None:
    # handlePropagationPolicyPreemption fetches the template each selector names; a
    # label selector fetches nothing.
    render(tmp_path, [pp("app", 0, "alpha", BY_NAME)])
    render(tmp_path, [pp("app", 0, "alpha", BY_NAME), pp("foo", 9, "beta", BY_LABEL, "Always")])
    assert deployment_on(tmp_path) == expected_on("alpha")


def test_equal_priority_does_not_preempt(tmp_path: Path) -> None:
    # preemptPropagationPolicy: "policy.ExplicitPriority() <= claimedPolicy..." returns.
    render(tmp_path, [pp("app", 3, "alpha", BY_LABEL)])
    render(tmp_path, [pp("app", 3, "alpha", BY_LABEL), pp("foo", 3, "beta", BY_NAME, "Always")])
    assert deployment_on(tmp_path) == expected_on("alpha")


def test_a_propagation_policy_preempts_a_cluster_policy_whatever_its_priority(
    tmp_path: Path,
) -> None:
    # preemptClusterPropagationPolicyDirectly: "regardless of priority".
    render(tmp_path, [cpp("everywhere", 9, "alpha", BY_LABEL)])
    assert claimed_by(tmp_path) == "ClusterPropagationPolicy/everywhere"
    render(tmp_path, [cpp("everywhere", 9, "alpha", BY_LABEL), pp("foo", 0, "beta", BY_NAME)])
    assert deployment_on(tmp_path) == expected_on("alpha")  # Never: the claim holds
    render(
        tmp_path,
        [cpp("everywhere", 9, "alpha", BY_LABEL), pp("foo", 0, "beta", BY_NAME, "Always")],
    )
    assert deployment_on(tmp_path) == expected_on("beta")


def test_cluster_policies_preempt_each_other_by_priority_but_never_a_propagation_policy(
    tmp_path: Path,
) -> None:
    # "preempt deprioritized cluster propagation policy of len 1", and PreemptAlways on a
    # ClusterPropagationPolicy: "from PropagationPolicy is not allowed".
    render(tmp_path, [cpp("app", 4, "alpha", BY_LABEL)])
    render(tmp_path, [cpp("app", 2, "alpha", BY_LABEL), cpp("foo", 3, "beta", BY_NAME, "Always")])
    assert deployment_on(tmp_path) == expected_on("beta")
    render(tmp_path, [pp("app", 0, "alpha", BY_LABEL)])  # unclaimed: foo is gone
    render(tmp_path, [pp("app", 0, "alpha", BY_LABEL), cpp("foo", 9, "beta", BY_NAME, "Always")])
    assert deployment_on(tmp_path) == expected_on("alpha")
    # app would win a first render too, so explain gives the usual reason
    assert explained_policies(tmp_path)[1]["outcome"] == (
        "a PropagationPolicy of the namespace beats every ClusterPropagationPolicy"
    )


def test_a_claim_ends_when_its_policy_no_longer_matches(tmp_path: Path) -> None:
    # cleanPPUnmatchedRBs: the claim is removed and the template matched afresh.
    render(tmp_path, [pp("app", 9, "alpha", BY_LABEL), pp("foo", 0, "beta", BY_NAME)])
    assert deployment_on(tmp_path) == expected_on("alpha")
    render(
        tmp_path,
        [
            pp("app", 9, "alpha", "labelSelector: {matchLabels: {app: other}}"),
            pp("foo", 0, "beta", BY_NAME),
        ],
    )
    assert deployment_on(tmp_path) == expected_on("beta")


def test_the_preemption_gate_is_modelled(tmp_path: Path) -> None:
    # karmada-controller-manager's PropagationPolicyPreemption (pkg/features/features.go)
    write(tmp_path, [pp("app", 0, "alpha", BY_LABEL)])
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PropagationPolicyPreemption" not in result.stderr
