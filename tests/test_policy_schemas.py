"""Policy documents are checked against their kind's JSON Schema; the schemas for editors
are the ones hubless checks with."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from hubless.policy_schemas import SCHEMAS

REPO = Path(__file__).resolve().parent.parent

BROKEN = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: p, namespace: shop}
spec:
  priority: high
  resourceSelectors:
  - apiVersion: apps/v1
    knd: Deployment
  placement:
    replicaSheduling: {}
    clusterTolerations:
    - {key: k, operator: Lt}
    spreadConstraints:
    - {spreadByField: cluster, maxGroups: -2}
"""


def test_every_schema_problem_of_a_document_is_reported_with_line_and_path() -> None:
    with pytest.raises(UserError) as caught:
        load_fleet([SourceFile("policies/p.yaml", textwrap.dedent(BROKEN).lstrip())])
    assert [str(p) for p in caught.value.problems] == [
        "policies/p.yaml:10: error: spec.placement.replicaSheduling: unknown field (did you mean "
        "'replicaScheduling'?); known fields: clusterAffinities, clusterAffinity, clusterTolerations, "
        "replicaScheduling, spreadConstraints, workloadAffinity",
        "policies/p.yaml:12: error: spec.placement.clusterTolerations[0].operator: 'Lt' is not one of 'Equal', 'Exists'",
        "policies/p.yaml:14: error: spec.placement.spreadConstraints[0].maxGroups: -2 is less than the minimum of 0",
        "policies/p.yaml:5: error: spec.priority: must be an integer, not a string",
        "policies/p.yaml:8: error: spec.resourceSelectors[0].knd: unknown field (did you mean 'kind'?); "
        "known fields: apiVersion, kind, labelSelector, name, namespace",
        "policies/p.yaml:7: error: spec.resourceSelectors[0]: missing required field 'kind'",
    ]


def test_problems_of_all_documents_are_reported_together() -> None:
    cluster = "apiVersion: cluster.karmada.io/v1alpha1\nkind: Cluster\nmetadata: {name: a}\nspec: {syncMode: Sometimes}\n"
    override = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\nmetadata: {name: o}\n"
        "spec:\n  overrideRules:\n  - overriders:\n      imageOverrider: [{component: Tags, operator: add}]\n"
    )
    with pytest.raises(UserError) as caught:
        load_fleet(
            [SourceFile("policies/c.yaml", cluster), SourceFile("policies/o.yaml", override)]
        )
    assert [str(p) for p in caught.value.problems] == [
        "policies/c.yaml:4: error: spec.syncMode: 'Sometimes' is not one of 'Push', 'Pull'",
        "policies/o.yaml:7: error: spec.overrideRules[0].overriders.imageOverrider[0].component: "
        "'Tags' is not one of 'Registry', 'Repository', 'Tag'",
    ]


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_committed_schemas_are_the_ones_used(kind: str) -> None:
    committed = json.loads((REPO / "schemas" / f"{kind.lower()}.json").read_text())
    assert committed == SCHEMAS[kind]


@pytest.mark.parametrize(
    "path",
    sorted(str(p.relative_to(REPO)) for p in (REPO / "policies").rglob("*.yaml")),
)
def test_example_policies_satisfy_their_schemas(path: str) -> None:
    import jsonschema

    from hubless.documents import parse_documents

    for document in parse_documents((REPO / path).read_text(), path):
        items = document.data["items"] if document.data.get("kind") == "List" else [document.data]
        for item in items:
            jsonschema.validate(item, SCHEMAS[item["kind"]])


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("null", "null"),
        ("'3'", "a string"),
        ("[1]", "a list"),
        ("{a: 1}", "a map"),
        ("true", "a boolean"),
    ],
)
def test_type_errors_speak_yaml(value: str, found: str) -> None:
    text = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
        "metadata: {name: p, namespace: shop}\n"
        f"spec:\n  priority: {value}\n  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap}}]\n"
    )
    with pytest.raises(UserError) as caught:
        load_fleet([SourceFile("policies/p.yaml", text)])
    assert [str(p) for p in caught.value.problems] == [
        f"policies/p.yaml:5: error: spec.priority: must be an integer, not {found}"
    ]
