"""Random and mutated policies and templates: hubless either succeeds or reports a user
error with a file and line; it never crashes with a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.compile import compile_fleet
from hubless.documents import parse_documents
from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from hubless.serialize import dump

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = 400

FIELD_NAMES = [
    "apiVersion", "kind", "metadata", "name", "namespace", "labels", "spec", "status",
    "resourceSelectors", "placement", "clusterAffinity", "clusterAffinities", "affinityName",
    "labelSelector", "matchLabels", "matchExpressions", "key", "operator", "values",
    "fieldSelector", "clusterNames", "exclude", "clusterTolerations", "spreadConstraints",
    "spreadByField", "maxGroups", "minGroups", "replicaScheduling", "replicaSchedulingType",
    "replicaDivisionPreference", "weightPreference", "staticWeightList", "dynamicWeight",
    "targetCluster", "weight", "overrideRules", "overriders", "plaintext", "path", "value",
    "imageOverrider", "component", "commandOverrider", "containerName", "fieldOverrider",
    "fieldPath", "json", "yaml", "subPath", "propagateDeps", "priority", "replicas",
    "template", "containers", "image", "resources", "requests", "taints", "effect",
    "apiEnablements", "groupVersion", "resources", "conditions", "type", "resourceSummary",
    "allocatable", "cpu", "memory", "pods", "zones", "region", "provider", "data",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["In", "NotIn", "Exists", "add", "remove", "replace", "Divided", "Duplicated",
                      "Aggregated", "Weighted", "v1", "apps/v1", "policy.karmada.io/v1alpha1",
                      "cluster.karmada.io/v1alpha1", "Deployment", "Cluster", "PropagationPolicy",
                      "OverridePolicy", "ClusterPropagationPolicy", "ClusterOverridePolicy", "/spec",
                      "/spec/replicas", "-1", "", "\u0000", "é", "☃", "True", "100m", "1Gi"])
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


def example_documents() -> list[tuple[str, Any]]:
    found = []
    for path in sorted((REPO / "policies").rglob("*.yaml")) + sorted(
        (REPO / "templates").rglob("*.yaml")
    ):
        for document in parse_documents(path.read_text(), str(path)):
            found.append((path.relative_to(REPO).parts[0], document.data))
    return found


EXAMPLE_DOCUMENTS = example_documents()


def mutate(data: Any, draw: Any) -> Any:
    """Change one random place: drop a key, swap in a random value, or nest deeper."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["drop", "replace", "recurse", "add"]))
        copy = dict(data)
        if action == "drop":
            del copy[key]
        elif action == "replace":
            copy[key] = draw(values)
        elif action == "add":
            copy[draw(st.sampled_from(FIELD_NAMES))] = draw(values)
        else:
            copy[key] = mutate(copy[key], draw)
        return copy
    if isinstance(data, list) and data:
        index = draw(st.integers(min_value=0, max_value=len(data) - 1))
        copy = list(data)
        copy[index] = mutate(copy[index], draw)
        return copy
    return draw(values)


def run(files: list[SourceFile]) -> None:
    try:
        compile_fleet(load_fleet(files))
    except UserError as exc:
        for problem in exc.problems:
            assert problem.source is None or problem.source.line >= 1
            assert str(problem).count("error:") >= 1


fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@fuzz
@given(
    st.lists(st.tuples(st.sampled_from(["policies", "templates"]), values), min_size=1, max_size=4)
)
def test_random_documents(documents: list[tuple[str, Any]]) -> None:
    files = []
    for index, (folder, data) in enumerate(documents):
        text = dump(data) if index % 2 else json.dumps(data, default=str)
        files.append(SourceFile(f"{folder}/f{index}.yaml", text))
    run(files)


@fuzz
@given(st.data())
def test_mutated_example_documents(data: st.DataObject) -> None:
    chosen = data.draw(st.lists(st.sampled_from(EXAMPLE_DOCUMENTS), min_size=1, max_size=6))
    files = []
    for index, (folder, document) in enumerate(chosen):
        mutated = mutate(document, data.draw) if data.draw(st.booleans()) else document
        files.append(SourceFile(f"{folder}/f{index}.yaml", dump(mutated)))
    run(files)


@fuzz
@given(
    st.text(max_size=200),
    st.sampled_from(["policies/x.yaml", "templates/x.yaml", "templates/x.yaml.j2"]),
)
def test_random_text(text: str, path: str) -> None:
    run([SourceFile(path, text)])


@fuzz
@given(st.integers(min_value=1, max_value=5000))
def test_deep_nesting(depth: int) -> None:
    run([SourceFile("templates/deep.yaml", "a: " + "[" * depth + "]" * depth + "\n")])
    deep = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  x: "
        + "[" * depth
        + "]" * depth
    )
    run([SourceFile("templates/deep.yaml", deep + "\n")])
    run(
        [
            SourceFile(
                "policies/deep.yaml",
                "kind: Cluster\n" + "".join("  " * i + f"k{i}:\n" for i in range(depth)),
            )
        ]
    )
