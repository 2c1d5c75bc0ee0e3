"""Objects checked against Kubernetes and CRD schemas get jsonschema's verdict from the
compiled checks, for every built-in kind of the oldest and the newest bundled version;
jsonschema words the problems, and checks what the compiler refuses."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless import kubeschema
from hubless.documents import parse_documents
from hubless.errors import Source
from hubless.kubeschema import Catalog, Problem, Version
from hubless.model import ResourceTemplate

REPO = Path(__file__).resolve().parent.parent
VERSIONS = (kubeschema.bundled_versions()[0], kubeschema.bundled_versions()[-1])


def kinds(version: Version) -> list[tuple[str, str]]:
    """(apiVersion, kind) of every kind the version has a schema file for."""
    found = set()
    for definition in kubeschema._definitions(version)["$defs"].values():
        for gvk in definition.get("x-kubernetes-group-version-kind", ()):
            group, served, kind = gvk.get("group", ""), gvk["version"], gvk["kind"]
            api_version = f"{group}/{served}" if group else served
            if kubeschema._builtin_schema(version, api_version, kind) is not None:
                found.add((api_version, kind))
    return sorted(found)


def builtin(version: Version, api_version: str, kind: str) -> Any:
    schema = kubeschema._builtin_schema(version, api_version, kind)
    assert schema is not None
    return schema


# Objects made from a schema: mostly valid, as templates are.
STRINGS = ("x", "", "web-1", "80")
JUNK: tuple[Any, ...] = (None, 0, 1.5, True, "s", [], {}, [None], {"a": None}, 2.0)


def example(schema: Any, definitions: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    if not isinstance(schema, dict):
        return rng.choice(JUNK)
    if "$ref" in schema:
        target = definitions[schema["$ref"].rpartition("/")[2]]
        return example(target, definitions, rng, depth)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "oneOf" in schema:
        return example(rng.choice(schema["oneOf"]), definitions, rng, depth)
    names = schema.get("type", ["string", "object"])
    names = [names] if isinstance(names, str) else names
    name = rng.choice([n for n in names if n != "null"] or ["null"])
    if "null" in names and rng.random() < 0.05:
        name = "null"
    if name == "object":
        made = {}
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        for key, sub in properties.items():
            if key in required or rng.random() < (0.4 if depth < 8 else 0.02):
                made[key] = example(sub, definitions, rng, depth + 1) if depth < 16 else {}
        extra = schema.get("additionalProperties", True)
        if not properties and depth < 8:
            for index in range(rng.randint(0, 2)):
                value = example(extra, definitions, rng, depth + 1) if extra is not True else 1
                made[f"k{index}"] = value
        return made
    if name == "array":
        count = rng.randint(0, 2) if depth < 8 else 0
        return [example(schema.get("items", {}), definitions, rng, depth + 1) for _ in range(count)]
    if name == "integer":
        return rng.randint(0, 5)
    if name == "number":
        return rng.choice([0, 1.5, 3])
    if name == "boolean":
        return rng.random() < 0.5
    if name == "null":
        return None
    return rng.choice(STRINGS)


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def mutated(document: Any, rng: random.Random) -> Any:
    """`document` with one thing changed somewhere: an unknown field, a value of another
    type or null, a field dropped, a string changed, a wrong item in a list."""
    document = copy.deepcopy(document)
    path = rng.choice(list(_places(document)))
    if not path:
        return rng.choice(JUNK) if rng.random() < 0.1 else _change(document, rng)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    how = rng.choice(("junk", "drop", "change", "change"))
    if how == "junk":
        parent[last] = rng.choice(JUNK)
    elif how == "drop" and isinstance(parent, dict):
        del parent[last]
    else:
        parent[last] = _change(parent[last], rng)
    return document


def _change(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return {**value, rng.choice(("zzUnknown", "spec", "status", "name")): rng.choice(JUNK)}
    if isinstance(value, list):
        return [*value, rng.choice(JUNK)]
    if isinstance(value, str):
        return rng.choice(("Always", "TCP", "Bogus", "apps/v1", "v1", "Deployment"))
    if isinstance(value, bool):
        return not value
    return rng.choice(JUNK)


def same_verdict(schema: Any, document: Any) -> bool:
    return schema.check(document) is schema.validator.is_valid(document)


@pytest.mark.parametrize("version", VERSIONS, ids=str)
def test_every_kind_gets_jsonschemas_verdict(version: Version) -> None:
    definitions = kubeschema._definitions(version)["$defs"]
    differ, valid, checked = [], 0, 0
    for api_version, kind in kinds(version):
        schema = builtin(version, api_version, kind)
        assert schema.check is not None, kind  # the compiler knows every keyword used
        rng = random.Random(f"{version}/{api_version}/{kind}")
        for _ in range(6):
            made = example(schema.schema, definitions, rng)
            made.update(apiVersion=api_version, kind=kind)
            for document in (made, mutated(made, rng), mutated(made, rng), mutated(made, rng)):
                checked += 1
                valid += schema.check(document)
                if not same_verdict(schema, document):
                    differ.append((kind, document))
    assert differ == []
    assert valid > checked / 4  # the valid path is what matters most: it is well trodden


def _objects(*roots: Path) -> list[dict[str, Any]]:
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.yaml")):
            if "rendered" in path.parts:
                continue
            for document in parse_documents(path.read_text(), str(path)):
                data = document.data
                if isinstance(data, dict) and "kind" in data:
                    found.append(data)
    return found


SEEDS = _objects(REPO / "templates", REPO / "tests" / "fixtures", REPO / "examples")
BUILTIN_SEEDS = [
    (version, seed)
    for version in VERSIONS
    for seed in SEEDS
    if kubeschema._builtin_schema(version, str(seed["apiVersion"]), str(seed["kind"]))
]


def test_the_fleets_objects_are_valid() -> None:
    kinds_seen = {seed["kind"] for _, seed in BUILTIN_SEEDS}
    assert {"Deployment", "ConfigMap", "Service", "StatefulSet", "Job"} <= kinds_seen
    for version, seed in BUILTIN_SEEDS:
        schema = builtin(version, seed["apiVersion"], seed["kind"])
        assert schema.check(seed) is True, (version, seed["kind"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BUILTIN_SEEDS), st.randoms(use_true_random=False), st.integers(0, 3))
def test_changed_fleet_objects_get_jsonschemas_verdict(
    seed: tuple[Version, dict[str, Any]], rng: random.Random, changes: int
) -> None:
    version, document = seed
    for _ in range(changes):
        document = mutated(document, rng)
    schema = builtin(version, str(seed[1]["apiVersion"]), str(seed[1]["kind"]))
    assert same_verdict(schema, document)


def crd_template(body: dict[str, Any]) -> ResourceTemplate:
    name = body["metadata"]["name"]
    source = Source("templates/crd.yaml", 1)
    return ResourceTemplate(body["apiVersion"], body["kind"], "", name, body, source)


CRDS = [seed for seed in SEEDS if seed["kind"] == "CustomResourceDefinition"]


@pytest.mark.parametrize("crd", CRDS, ids=lambda crd: crd["metadata"]["name"])
def test_custom_resources_get_jsonschemas_verdict(crd: dict[str, Any]) -> None:
    catalog = Catalog([crd_template(crd)])
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    for served in crd["spec"]["versions"]:
        schema = catalog.crds[(group, served["name"], kind)]
        assert schema.check is not None
        api_version = f"{group}/{served['name']}"
        seeds = [s for s in SEEDS if (s["apiVersion"], s["kind"]) == (api_version, kind)]
        assert seeds
        rng = random.Random(crd["metadata"]["name"])
        for _ in range(200):
            made = example(schema.schema, {}, rng)
            document = rng.choice([made, *seeds])
            for _ in range(rng.randint(0, 2)):
                document = mutated(document, rng)
            assert same_verdict(schema, document), document


WIDGETS = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [
            {
                "name": "v1",
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {"size": {"type": "integer"}},
                                # a keyword the compiled checks do not reproduce
                                "unevaluatedProperties": False,
                            }
                        },
                    }
                },
            }
        ],
    },
}


def test_a_schema_the_compiler_refuses_is_checked_by_jsonschema() -> None:
    catalog = Catalog([crd_template(WIDGETS)])
    assert catalog.crds[("example.com", "v1", "Widget")].check is None
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    good = {**widget, "spec": {"size": 3}}
    bad = {**widget, "spec": {"size": 3, "colour": "red"}}
    assert catalog.check(good, Version(1, 30)) == []
    assert catalog.check(bad, Version(1, 30)) == [
        Problem(
            "spec", "Unevaluated properties are not allowed ('colour' was unexpected)", (("spec",),)
        )
    ]


def test_problems_are_worded_by_jsonschema() -> None:
    catalog = Catalog([])
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert catalog.check({**config, "data": {"a": "1"}}, Version(1, 30)) == []
    assert catalog.check({**config, "data": {"a": 1}, "dat": {}}, Version(1, 30)) == [
        Problem(
            "(object)", "Additional properties are not allowed ('dat' was unexpected)", (("dat",),)
        ),
        Problem("data.a", "must be a string or null, not an integer", (("data", "a"),)),
    ]
