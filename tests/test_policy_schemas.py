"""Policy documents are checked against their kind's JSON Schema; the schemas for editors
are the ones hubless checks with."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from hubless.policy_schemas import SCHEMAS
from hubless.schema_checks import compiled

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


JUNK = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=3)
    | st.floats()
    | st.sampled_from([3.0, -1.0, "", "x", "Duplicated", [], {}, [None], {"x": 1}])
)


def _rarely(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(min_value=0, max_value=24).flatmap(lambda n: rare if n == 0 else common)


def documents(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values for `schema`: valid ones, with now and then something else in some place."""
    return _rarely(_valid(schema), JUNK) if schema else JUNK


def _valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    names = schema.get("type")
    if names is None:
        return JUNK
    choices = []
    for name in names if isinstance(names, list) else [names]:
        if name == "object":
            properties = schema.get("properties", {})
            required = set(schema.get("required", ()))
            extra = schema.get("additionalProperties", True)
            if properties:
                mapping = st.fixed_dictionaries(
                    {k: documents(s) for k, s in properties.items() if k in required},
                    optional={k: documents(s) for k, s in properties.items() if k not in required},
                )
                choices.append(_rarely(mapping, mapping.map(lambda d: {**d, "extra": 1})))
            else:
                values = JUNK if extra is True else documents(extra)
                choices.append(st.dictionaries(st.text(max_size=3), values, max_size=3))
        elif name == "array":
            items = documents(schema["items"]) if "items" in schema else JUNK
            choices.append(
                st.lists(items, min_size=max(0, schema.get("minItems", 0) - 1), max_size=3)
            )
        elif name == "integer":
            low = schema.get("minimum", -2)
            choices.append(st.integers(min_value=low - 1, max_value=low + 3) | st.just(float(low)))
        elif name == "number":
            choices.append(st.integers() | st.floats())
        elif name == "string":
            choices.append(st.text(max_size=3))
        elif name == "boolean":
            choices.append(st.booleans())
        else:
            choices.append(st.none())
    return st.one_of(*choices)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(sorted(SCHEMAS)))
def test_the_compiled_checks_pass_exactly_what_jsonschema_passes(
    data: st.DataObject, kind: str
) -> None:
    schema = SCHEMAS[kind]
    document = data.draw(_valid(schema))
    valid = not any(jsonschema.Draft202012Validator(schema).iter_errors(document))
    assert compiled(schema)(document) is valid
