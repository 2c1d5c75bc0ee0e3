"""Karmada's own test cases for the interpreters it ships (its `testdata/` files, copied as
facts under karmada_cases/<group>/<version>/<Kind>/; hubless_cases/ holds cases in the same
format, worked out by hand from Karmada's scripts, for kinds Karmada ships no interpreter
for and for edges its testdata leaves out), run through hubless's built-in
interpreter of that kind, and again through a ResourceInterpreterCustomization in a
repository's policies/ carrying the same scripts. Compared as Karmada's thirdparty_test.go
compares: quantities by value, components and dependencies as sets, `{{EXCLUDE}}` fields
left out, every expected key present."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubless.documents import parse_documents
from hubless.interpreter import customization, lua
from hubless.interpreter.builtins import builtins
from hubless.interpreter.customization import Customization
from hubless.interpreter.interpreters import Interpreters, status_items
from hubless.quantity import parse_quantity

CASE_ROOTS = (Path(__file__).parent / "karmada_cases", Path(__file__).parent / "hubless_cases")
EXCLUDE = "{{EXCLUDE}}"


@dataclass(frozen=True)
class Case:
    file: str
    api_version: str
    kind: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.kind}.{self.api_version}:{self.data['operation']}:{self.data['name']}"


class _CaseLoader(yaml.SafeLoader):
    """As Karmada's test reads a case (sigs.k8s.io/yaml, through JSON): a timestamp such
    as a condition's lastUpdateTime stays a string."""


_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _cases() -> list[Case]:
    found = []
    for root in CASE_ROOTS:
        for file in sorted(root.rglob("*.yaml")):
            group, version, kind = file.relative_to(root).parts[:3]
            where = f"{root.name}/{file.relative_to(root)}"
            for data in yaml.load_all(file.read_text(), Loader=_CaseLoader):
                if data:
                    found.append(Case(where, f"{group}/{version}", kind, data))
    return found


CASE_LIST = _cases()


def _object(case: Case) -> dict[str, Any]:
    """getObjectOrError: the desired object, or else the observed one."""
    desired, observed = case.data.get("desiredObj"), case.data.get("observedObj")
    assert (desired is None) != (observed is None), "a case gives one of desiredObj, observedObj"
    return desired if desired is not None else observed


def _quantities_equal(left: Any, right: Any) -> bool:
    def amount(value: Any) -> Fraction | None:
        return parse_quantity(str(value))

    return amount(left) is not None and amount(left) == amount(right)


def _requirements(value: Any) -> Any:
    """ReplicaRequirements / ComponentReplicaRequirements as Go decodes them, with each
    quantity by its value."""
    if value is None:
        return None
    projected = {
        k: value[k]
        for k in ("nodeClaim", "namespace", "priorityClassName")
        if value.get(k) not in (None, "", {}, [])
    }
    requests = value.get("resourceRequest") or {}
    projected["resourceRequest"] = {k: parse_quantity(str(v)) for k, v in requests.items()}
    return projected


def _components(value: Any) -> list[Any]:
    items = [
        {
            "name": c.get("name", ""),
            "replicas": c.get("replicas", 0),
            "replicaRequirements": _requirements(c.get("replicaRequirements")),
        }
        for c in value or []
    ]
    return sorted(items, key=lambda c: c["name"])


def _dependencies(value: Any) -> list[Any]:
    keys = ("apiVersion", "kind", "namespace", "name")
    items = {
        json.dumps(
            {k: d.get(k, "") for k in keys} | {"labelSelector": d.get("labelSelector")},
            sort_keys=True,
        )
        for d in value or []
    }
    return sorted((json.loads(i) for i in items), key=lambda d: tuple(d[k] for k in keys))


def _excluding(expected: Any, actual: Any) -> tuple[Any, Any]:
    """Both objects without the fields the expected one marks {{EXCLUDE}}."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        kept_expected, kept_actual = {}, {}
        for key, value in expected.items():
            if value == EXCLUDE:
                continue
            kept_expected[key], kept_actual_value = _excluding(value, actual.get(key))
            if key in actual:
                kept_actual[key] = kept_actual_value
        for key, value in actual.items():
            if key not in expected:
                kept_actual[key] = value
        return kept_expected, kept_actual
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        pairs = [_excluding(e, a) for e, a in zip(expected, actual, strict=True)]
        return [e for e, _ in pairs], [a for _, a in pairs]
    return expected, actual


def _json(value: Any) -> Any:
    """As Go's JSON would carry it: a round trip (YAML ints stay ints)."""
    return json.loads(json.dumps(value))


def _results(interpreters: Interpreters, case: Case) -> dict[str, Any]:
    """What Karmada's rule for the case's operation returns, by result name."""
    data, operation = case.data, case.data["operation"].lower()
    field = {
        "interpretreplica": customization.REPLICAS,
        "interpretcomponent": customization.COMPONENTS,
        "revisereplica": customization.REVISION,
        "retain": customization.RETENTION,
        "interpretstatus": customization.REFLECTION,
        "aggregatestatus": customization.AGGREGATION,
        "interprethealth": customization.HEALTH,
        "interpretdependency": customization.DEPENDENCIES,
    }[operation]
    about = f"{case.kind} in {case.file}"
    if field == customization.DEPENDENCIES:
        found = interpreters.dependencies(_object(case), about)
        assert found is not None, "no dependency script"
        raw: list[Any] = []
        for chosen in found.by:
            raw += lua.get_dependencies(chosen.customization.scripts[field].text, _object(case))
        return {"dependencies": raw}
    chosen = interpreters.chosen(case.api_version, case.kind, field)
    assert chosen is not None, f"no {field} script for {case.kind} ({case.api_version})"
    script = chosen.customization.scripts[field].text
    if field == customization.REPLICAS:
        interpreters.replicas(_object(case), about)  # the typed answer converts
        replica, requires = lua.get_replicas(script, _object(case))
        return {"replica": replica, "requires": requires}
    if field == customization.COMPONENTS:
        interpreters.components(_object(case), about)
        return {"components": lua.get_components(script, _object(case))}
    if field == customization.REVISION:
        revised = interpreters.revise(_object(case), int(data.get("inputReplicas", 0)), about)
        return {"revised": revised}
    if field == customization.RETENTION:
        return {"retained": interpreters.retain(data["desiredObj"], data["observedObj"], about)}
    if field == customization.REFLECTION:
        reflected = interpreters.reflect_status(_object(case), about)
        assert reflected is not None
        return {"status": reflected[0]}
    if field == customization.AGGREGATION:
        items = data.get("statusItems")  # absent: Go's nil slice, not an empty one
        aggregated = interpreters.aggregate_status(_object(case), items, about)
        assert aggregated is not None
        return {"aggregatedStatus": aggregated[0]}
    health = interpreters.health(_object(case), about)
    assert health is not None
    return {"healthy": health[0]}


def _check(interpreters: Interpreters, case: Case) -> None:
    results = _results(interpreters, case)
    expected_output = case.data.get("output") or {}
    for name, expected in expected_output.items():
        assert name in results, f"{name} is not a result of {case.data['operation']}"
        actual = results[name]
        if name == "requires":
            assert _requirements(actual) == _requirements(expected)
        elif name == "components":
            assert _components(actual) == _components(expected)
        elif name == "dependencies":
            assert _dependencies(actual) == _dependencies(expected)
        elif name in ("revised", "retained", "aggregatedStatus"):
            want, got = _excluding(_json(expected), _json(actual))
            assert got == want
        else:
            assert _json(actual) == _json(expected)


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.id for c in CASE_LIST])
def test_builtin_interpreter(case: Case) -> None:
    _check(Interpreters(), case)


def _as_user_customization(builtin: Customization, name: str) -> Customization:
    """The built-in's scripts, written as a Karmada user writes a customization file."""
    lines = [
        f"apiVersion: {customization.API_VERSION}",
        f"kind: {customization.KIND}",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  target:",
        f"    apiVersion: {builtin.api_version}",
        f"    kind: {builtin.kind}",
        "  customizations:",
    ]
    for field, script in builtin.scripts.items():
        lines += [f"    {field}:", "      luaScript: |"]
        lines += [f"        {line}" if line else "" for line in script.text.splitlines()]
    (document,) = parse_documents("\n".join(lines) + "\n", "policies/ric.yaml", track_lines=True)
    return customization.parse(document)


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.id for c in CASE_LIST])
def test_user_customization(case: Case) -> None:
    """The same case, with no built-ins at all: the user's customization answers it."""
    user = [
        _as_user_customization(b, f"user-{b.kind.lower()}")
        for b in builtins()
        if (b.api_version, b.kind) == (case.api_version, case.kind)
    ]
    assert user, f"no built-in interpreter for {case.kind} ({case.api_version})"
    _check(Interpreters(user, builtin=()), case)


def test_every_builtin_has_cases() -> None:
    with_cases = {(c.api_version, c.kind) for c in CASE_LIST}
    missing = [
        f"{b.kind} ({b.api_version})"
        for b in builtins()
        if (b.api_version, b.kind) not in with_cases
    ]
    assert missing == []


def test_status_items_as_go_marshals_them() -> None:
    items = [
        {
            "clusterName": "a",
            "status": {"x": 1},
            "applied": False,
            "health": "",
            "appliedMessage": "",
        },
        {"clusterName": "b", "applied": True, "health": "Healthy"},
    ]
    assert status_items(items) == [
        {"clusterName": "a", "status": {"x": 1}},
        {"clusterName": "b", "applied": True, "health": "Healthy"},
    ]


def test_case_files_read_timestamps_as_strings() -> None:
    text = "observedObj:\n  status:\n    conditions:\n    - lastUpdateTime: 2019-11-05T18:47:16Z\n"
    (data,) = yaml.load_all(text, Loader=_CaseLoader)
    condition = data["observedObj"]["status"]["conditions"][0]
    assert condition == {"lastUpdateTime": "2019-11-05T18:47:16Z"}


_OPERATION_WORDS = {
    "replicaResource": "replicas",
    "replicaRevision": "revision",
    "componentResource": "components",
    "dependencyInterpretation": "dependencies",
    "healthInterpretation": "health",
    "statusReflection": "status reflection",
    "statusAggregation": "status aggregation",
    "retention": "retention",
}


def test_the_readme_lists_every_builtin_interpreter() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    start = readme.index("<!-- builtin-table -->\n")
    end = readme.index("<!-- /builtin-table -->")
    rows = [
        f"| `{b.api_version}` | {b.kind} | "
        + ", ".join(w for f, w in _OPERATION_WORDS.items() if f in b.scripts)
        + " |"
        for b in builtins()
    ]
    table = ["| apiVersion | kind | operations |", "| --- | --- | --- |", *rows]
    assert readme[start:end].splitlines()[1:] == table
