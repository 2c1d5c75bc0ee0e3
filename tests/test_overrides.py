"""Override policies: Karmada's order, plaintext JSON patches, and their errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hubless.compile import compile_fleet
from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from tests.conftest import cluster_yaml, run_hubless, write_tree

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: shop
  labels: {app: web}
data:
  list: x
"""
PROPAGATE = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
"""


def override(kind: str, name: str, selectors: str, rules: str) -> str:
    namespace = "  namespace: shop\n" if kind == "OverridePolicy" else ""
    return (
        f"apiVersion: policy.karmada.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n"
        f"{namespace}spec:\n  resourceSelectors: {selectors}\n  overrideRules:\n"
        + textwrap.indent(textwrap.dedent(rules).strip("\n"), "  ")
        + "\n"
    )


def set_label(value: str, clusters: str = "") -> str:
    target = f"- targetCluster: {{clusterNames: [{clusters}]}}\n  " if clusters else "- "
    return (
        f"{target}overriders:\n    plaintext:\n"
        f"    - {{path: /metadata/labels/winner, operator: add, value: {value}}}\n"
    )


def render(*policies: str) -> dict[str, dict]:
    sources = [
        SourceFile("policies/clusters.yaml", cluster_yaml("one") + "---\n" + cluster_yaml("two")),
        SourceFile("policies/propagate.yaml", PROPAGATE.lstrip()),
        SourceFile("templates/app.yaml", CONFIGMAP.lstrip()),
    ]
    sources += [SourceFile(f"policies/o{i}.yaml", text) for i, text in enumerate(policies)]
    compiled = compile_fleet(load_fleet(sources))
    return {cluster: objs[0].body for cluster, objs in compiled.objects.items()}


BY_NAME = "[{apiVersion: v1, kind: ConfigMap, name: app}]"
BY_LABEL = "[{apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {app: web}}}]"
BY_KIND = "[{apiVersion: v1, kind: ConfigMap}]"


def test_namespaced_after_cluster_wide_and_specific_after_general() -> None:
    bodies = render(
        override("OverridePolicy", "a-name", BY_NAME, set_label("op-name")),
        override("OverridePolicy", "b-label", BY_LABEL, set_label("op-label")),
        override("OverridePolicy", "c-kind", BY_KIND, set_label("op-kind")),
        override("ClusterOverridePolicy", "d-cluster", BY_NAME, set_label("cop-name")),
    )
    assert bodies["one"]["metadata"]["labels"] == {"app": "web", "winner": "op-name"}


def test_name_order_within_the_same_level() -> None:
    bodies = render(
        override("OverridePolicy", "b", BY_KIND, set_label("b")),
        override("OverridePolicy", "a", BY_KIND, set_label("a")),
    )
    assert bodies["one"]["metadata"]["labels"]["winner"] == "b"


def test_rules_apply_in_order_and_only_to_their_clusters() -> None:
    rules = set_label("first") + set_label("second", clusters="two")
    bodies = render(override("ClusterOverridePolicy", "p", BY_KIND, rules))
    assert bodies["one"]["metadata"]["labels"]["winner"] == "first"
    assert bodies["two"]["metadata"]["labels"]["winner"] == "second"


def test_plaintext_semantics() -> None:
    rules = """
    - overriders:
        plaintext:
        - {path: /metadata/labels, operator: add, value: {only: this}}
        - {path: /data/items, operator: add, value: [a]}
        - {path: /data/items/-, operator: add, value: b}
        - {path: /data/items/0, operator: add, value: first}
        - {path: /data/list, operator: remove}
        - {path: /data/new, operator: add, value: {nested: [1, 2]}}
        - {path: /data/new/nested/1, operator: replace, value: 3}
    """
    bodies = render(override("ClusterOverridePolicy", "p", BY_KIND, rules))
    assert bodies["one"] == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "app", "namespace": "shop", "labels": {"only": "this"}},
        "data": {"items": ["first", "a", "b"], "new": {"nested": [1, 3]}},
    }
    # The value is copied per cluster, never shared.
    assert bodies["one"]["data"]["new"] is not bodies["two"]["data"]["new"]


@pytest.mark.parametrize(
    "bad",
    [
        "{path: /data/missing, operator: remove}",
        "{path: /data/missing, operator: replace, value: 1}",
        "{path: /nothing/here, operator: add, value: 1}",
    ],
)
def test_a_patch_that_cannot_apply_names_policy_rule_cluster_and_resource(bad: str) -> None:
    rules = f"""
    - targetCluster: {{clusterNames: [two]}}
      overriders:
        plaintext:
        - {{path: /data/ok, operator: add, value: 1}}
        - {bad}
    """
    with pytest.raises(UserError) as caught:
        render(override("OverridePolicy", "broken", BY_NAME, rules))
    [problem] = caught.value.problems
    assert str(problem).startswith(
        "policies/o0.yaml:13: error: OverridePolicy/shop/broken overrideRules[0] plaintext: "
        "cannot override ConfigMap/shop/app for cluster two: "
    )
    assert "{" not in problem.message  # no dump of the whole object


HELD_POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: web}]
  dependentOverrides: [tune]
  placement: {clusterAffinity: {clusterNames: [one]}}
"""
TUNE = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: tune, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: web}]
  overrideRules:
  - overriders: {labelsOverrider: [{operator: add, value: {tuned: "yes"}}]}
"""


def test_a_policy_waits_for_its_dependent_overrides_as_in_karmada(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "policies/c.yaml": cluster_yaml("one"),
            "policies/p.yaml": HELD_POLICY,
            "templates/web.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: shop}\n",
        },
    )
    held = run_hubless("render", cwd=tmp_path)
    assert held.returncode == 0, held.stderr
    warning = (
        "policies/p.yaml:1: warning: PropagationPolicy/shop/web waits for OverridePolicy "
        "'tune' (spec.dependentOverrides), which does not exist: ConfigMap/shop/web goes to no "
        "cluster until it does, as in Karmada"
    )
    assert warning in held.stderr.splitlines()
    assert "match no propagation policy" not in held.stderr
    assert not (tmp_path / "rendered/one/shop").exists()
    explained = json.loads(
        run_hubless("explain", "ConfigMap/shop/web", "-o", "json", cwd=tmp_path).stdout
    )
    assert explained["reason"] == warning.split(": warning: ", 1)[1] + " (policies/p.yaml:1)"
    write_tree(tmp_path, {"policies/tune.yaml": TUNE})  # the override policy arrives
    placed = run_hubless("render", cwd=tmp_path)
    assert placed.returncode == 0, placed.stderr
    assert "dependentOverrides" not in placed.stderr
    assert (tmp_path / "rendered/one/shop/configmap_web.yaml").read_text() == (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n"
        "  labels:\n    tuned: 'yes'\n"
    )


FAILING_EVERYWHERE = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: broken}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  overrideRules:
  - overriders:
      plaintext: [{path: /data/missing, operator: replace, value: x}]
"""


def test_a_rule_failing_on_many_clusters_is_one_message(tmp_path: Path) -> None:
    everywhere = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
"""
    write_tree(
        tmp_path,
        {
            "policies/c.yaml": "---\n".join(cluster_yaml(n) for n in ("east", "north", "west")),
            "policies/p.yaml": everywhere,
            "policies/o.yaml": FAILING_EVERYWHERE,
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata: {a: b}\n",
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, errors
    assert "for clusters east, north, west: " in errors[0]
    assert errors[0].startswith("policies/o.yaml:8: error: ClusterOverridePolicy/broken ")
