"""Karmada's FederatedHPA and CronFederatedHPA (autoscaling.karmada.io/v1alpha1) in
templates/: checked as Karmada's webhooks check them, never propagated, and a
FederatedHPA's bounds applied to its target's replicas as Karmada's controller applies
them before it reads any metric."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hubless.commands.render import render
from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = cluster_yaml("east") + "---\n" + cluster_yaml("west")


def deployment_yaml(replicas: int) -> str:
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
      containers: [{{name: web, image: "web:1"}}]
"""


def deployment(replicas: int) -> Any:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "web:1"}]},
            },
        },
    }


def policy(divided: bool) -> str:
    kind = "Divided" if divided else "Duplicated"
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment}}]
  placement:
    clusterAffinity: {{clusterNames: [east, west]}}
    replicaScheduling: {{replicaSchedulingType: {kind}}}
"""


def fhpa(bounds: str, target: str = "web") -> str:
    return f"""
apiVersion: autoscaling.karmada.io/v1alpha1
kind: FederatedHPA
metadata: {{name: web, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}
{bounds}
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 50}}}}
"""


def fleet(tmp_path: Path, replicas: int, bounds: str, divided: bool = True) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": CLUSTERS,
            "policies/web.yaml": policy(divided),
            "templates/web.yaml": deployment_yaml(replicas),
            "templates/fhpa.yaml": fhpa(bounds),
        },
    )


PATH = "{}/shop/deployment.apps_web.yaml"


# Karmada pkg/controllers/federatedhpa/federatedhpa_controller.go, reconcileAutoscaler:
# current replicas above spec.maxReplicas become maxReplicas, below minReplicas (default 1,
# pkg/util/lifted/federatedhpa.go SetDefaultsFederatedHPA) become minReplicas, before any
# metric is read; the scheduler then divides the template's new total.
def test_replicas_above_max_replicas_become_max_replicas_and_are_divided(tmp_path: Path) -> None:
    fleet(tmp_path, 12, "  minReplicas: 2\n  maxReplicas: 10")
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(5),
        PATH.format("west"): deployment(5),
    }


def test_replicas_below_the_defaulted_min_replicas_rise_to_it(tmp_path: Path) -> None:
    fleet(tmp_path, 1, "  minReplicas: 4\n  maxReplicas: 10")
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(2),
        PATH.format("west"): deployment(2),
    }


def test_replicas_within_the_bounds_are_left_to_the_metrics(tmp_path: Path) -> None:
    fleet(tmp_path, 6, "  maxReplicas: 10", divided=False)
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(6),
        PATH.format("west"): deployment(6),
    }


def test_zero_replicas_disable_the_federated_hpa(tmp_path: Path) -> None:
    # reconcileAutoscaler: "scaling is disabled since the replica count of the target is
    # zero" (minReplicas is never 0: the webhook refuses it).
    fleet(tmp_path, 0, "  minReplicas: 3\n  maxReplicas: 10", divided=False)
    assert render(tmp_path, check=False) == 0
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(0),
        PATH.format("west"): deployment(0),
    }


def test_explain_names_the_federated_hpa_and_its_bounds(tmp_path: Path) -> None:
    fleet(tmp_path, 12, "  minReplicas: 2\n  maxReplicas: 10")
    result = run_hubless("explain", "Deployment/shop/web", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (
        "replicas bounded by FederatedHPA.autoscaling.karmada.io/shop/web "
        "(templates/fhpa.yaml:5) to 2..10: the template's 12 replicas are above "
        "maxReplicas: 10 "
        "(metrics scale it only with a Karmada control plane)"
    ) in result.stdout.splitlines()
    result = run_hubless("explain", "Deployment/shop/web", "-o", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["federatedHPA"] == {
        "name": "FederatedHPA.autoscaling.karmada.io/shop/web",
        "source": "templates/fhpa.yaml:5",
        "minReplicas": 2,
        "maxReplicas": 10,
        "templateReplicas": 12,
        "replicas": 10,
    }


def render_output(tmp_path: Path) -> tuple[int, list[str]]:
    result = run_hubless("render", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.splitlines()


# Karmada pkg/util/lifted/validatingfhpa.go validateFederatedHPASpec; its webhook test
# pkg/webhook/federatedhpa/validating_test.go "Handle_ValidationFederatedHPASpecFails_
# DeniesAdmission" denies minReplicas 0 (Karmada does not scale to zero).
def test_min_replicas_below_one_is_refused_at_its_line(tmp_path: Path) -> None:
    fleet(tmp_path, 3, "  minReplicas: 0\n  maxReplicas: 10")
    code, lines = render_output(tmp_path)
    assert code == 1
    assert (
        "templates/fhpa.yaml:6: error: spec.minReplicas: 0 must be greater than or equal to 1"
        in lines
    )


def test_max_replicas_below_min_replicas_is_refused_at_its_line(tmp_path: Path) -> None:
    fleet(tmp_path, 3, "  minReplicas: 5\n  maxReplicas: 4")
    code, lines = render_output(tmp_path)
    assert code == 1
    assert (
        "templates/fhpa.yaml:7: error: spec.maxReplicas: 4 must be greater than or equal to "
        "minReplicas (5)"
    ) in lines


def test_two_federated_hpas_on_one_workload_are_refused(tmp_path: Path) -> None:
    fleet(tmp_path, 3, "  maxReplicas: 10")
    (tmp_path / "templates/other.yaml").write_text(
        fhpa("  maxReplicas: 4").replace("name: web, namespace", "name: other, namespace").lstrip()
    )
    code, lines = render_output(tmp_path)
    assert code == 1
    assert (
        # the first by name claims it
        "templates/fhpa.yaml:5: error: FederatedHPA.autoscaling.karmada.io/shop/web scales "
        "Deployment.apps/shop/web, which FederatedHPA.autoscaling.karmada.io/shop/other "
        "(templates/other.yaml:5) already scales: two autoscalers would fight over its replicas"
    ) in lines


def test_a_federated_hpa_whose_target_is_missing_scales_nothing(tmp_path: Path) -> None:
    fleet(tmp_path, 3, "  maxReplicas: 10", divided=False)
    (tmp_path / "templates/fhpa.yaml").write_text(fhpa("  maxReplicas: 10", target="api").lstrip())
    code, lines = render_output(tmp_path)
    assert code == 0
    assert (
        "templates/fhpa.yaml:5: warning: FederatedHPA.autoscaling.karmada.io/shop/web scales "
        "Deployment.apps/shop/api, which is not in templates/: it scales nothing, as in Karmada"
    ) in lines
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(3),
        PATH.format("west"): deployment(3),
    }


CRON = """
apiVersion: autoscaling.karmada.io/v1alpha1
kind: CronFederatedHPA
metadata: {{name: web, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: {api_version}, kind: {kind}, name: web}}
  rules:
  - name: scale-up
    schedule: "0 8 * * *"
{rule}
"""


def cron_fleet(tmp_path: Path, api_version: str, kind: str, rule: str) -> None:
    fleet(tmp_path, 3, "  maxReplicas: 10", divided=False)
    (tmp_path / "templates/cron.yaml").write_text(
        CRON.format(api_version=api_version, kind=kind, rule=rule).lstrip("\n")
    )


# Karmada pkg/webhook/cronfederatedhpa/validating.go validateCronFederatedHPAScalingReplicas
def test_a_cron_rule_for_a_federated_hpa_needs_bounds(tmp_path: Path) -> None:
    cron_fleet(tmp_path, "autoscaling.karmada.io/v1alpha1", "FederatedHPA", "    suspend: false")
    code, lines = render_output(tmp_path)
    assert code == 1
    assert (
        "templates/cron.yaml:7: error: spec.rules[0]: a rule that scales a FederatedHPA needs "
        "targetMinReplicas or targetMaxReplicas"
    ) in lines


def test_a_cron_rule_for_a_workload_needs_target_replicas(tmp_path: Path) -> None:
    cron_fleet(tmp_path, "apps/v1", "Deployment", "    targetMinReplicas: 2")
    code, lines = render_output(tmp_path)
    assert code == 1
    assert (
        "templates/cron.yaml:7: error: spec.rules[0]: targetReplicas is required to scale a "
        "Deployment"
    ) in lines


def test_a_valid_cron_federated_hpa_changes_nothing_offline(tmp_path: Path) -> None:
    # Its rules fire on a clock, in Karmada's control plane: nothing static to write.
    cron_fleet(tmp_path, "apps/v1", "Deployment", "    targetReplicas: 8")
    code, lines = render_output(tmp_path)
    assert code == 0, lines
    assert read_rendered(tmp_path) == {
        PATH.format("east"): deployment(3),
        PATH.format("west"): deployment(3),
    }
