"""Karmada's order among customizations (configmanager, interpreter.go and the webhook's
conflict rule), on customizations parsed as policies/ holds them."""

from __future__ import annotations

import textwrap

import pytest

from hubless.documents import parse_documents
from hubless.errors import UserError
from hubless.interpreter import customization
from hubless.interpreter.customization import Customization
from hubless.interpreter.interpreters import Dependency, Interpreters, conflicts
from hubless.workloads import ReplicaRequirements

TARGET = "  target: {apiVersion: example.com/v1, kind: Widget}\n"


def ric(name: str, scripts: dict[str, str], path: str = "policies/ric.yaml") -> Customization:
    text = (
        "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\n"
        f"metadata: {{name: {name}}}\nspec:\n{TARGET}  customizations:\n"
    )
    for field, script in scripts.items():
        text += f"    {field}:\n      luaScript: |\n" + textwrap.indent(script, "        ")
    (document,) = parse_documents(text, path, track_lines=True)
    return customization.parse(document)


WIDGET = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w", "namespace": "shop"},
    "spec": {"size": 3, "config": "w-config", "token": "w-token"},
}


def deps(*names: str) -> str:
    entries = ", ".join(
        f'{{apiVersion = "v1", kind = "{kind}", namespace = "shop", name = obj.spec.{field}}}'
        for kind, field in (n.split(":") for n in names)
    )
    return f"function GetDependencies(obj)\n  return {{{entries}}}\nend\n"


def test_dependency_scripts_of_several_customizations_are_joined_sorted_and_deduplicated() -> None:
    first = ric("a", {"dependencyInterpretation": deps("Secret:token", "ConfigMap:config")})
    second = ric("b", {"dependencyInterpretation": deps("ConfigMap:config")})
    found = Interpreters([second, first], builtin=()).dependencies(WIDGET, "the widget")
    assert found is not None
    assert found.items == (
        Dependency("v1", "ConfigMap", "shop", "w-config"),
        Dependency("v1", "Secret", "shop", "w-token"),
    )
    assert [c.customization.name for c in found.by] == ["a", "b"]  # name order


def test_each_operation_goes_to_the_first_customization_that_scripts_it() -> None:
    replicas = ric(
        "b-replicas",
        {
            "replicaResource": 'function GetReplicas(obj)\n  return obj.spec.size, {resourceRequest = {cpu = "2"}}\nend\n'
        },
    )
    health = ric(
        "a-health", {"healthInterpretation": "function InterpretHealth(obj)\n  return true\nend\n"}
    )
    interpreters = Interpreters([replicas, health], builtin=())
    answer = interpreters.replicas(WIDGET, "the widget")
    assert answer is not None
    assert (answer.count, answer.requirements) == (3, ReplicaRequirements({"cpu": 2000}, False))
    assert answer.by.customization.name == "b-replicas"
    judged = interpreters.health(WIDGET, "the widget")
    assert judged is not None and judged[0] is True
    assert judged[1].customization.name == "a-health"
    assert interpreters.revise(WIDGET, 1, "the widget") is None  # nobody scripts it: native


def test_a_users_script_beats_the_builtin_one_for_that_operation_only() -> None:
    shipped = ric(
        "shipped",
        {
            "replicaResource": "function GetReplicas(obj)\n  return 1, nil\nend\n",
            "healthInterpretation": "function InterpretHealth(obj)\n  return false\nend\n",
        },
        "<hubless built-in>/example.com/v1/Widget.yaml",
    )
    user = ric("mine", {"replicaResource": "function GetReplicas(obj)\n  return 7, nil\nend\n"})
    interpreters = Interpreters([user], builtin=[shipped])
    answer = interpreters.replicas(WIDGET, "the widget")
    assert answer is not None and answer.count == 7 and not answer.by.builtin
    judged = interpreters.health(WIDGET, "the widget")
    assert judged is not None and judged[0] is False and judged[1].builtin
    assert judged[1].describe == "hubless's built-in interpreter for Widget (example.com/v1)"


def test_two_customizations_may_not_script_one_operation_but_may_add_dependencies() -> None:
    one = ric(
        "one",
        {
            "healthInterpretation": "function InterpretHealth(o)\n  return true\nend\n",
            "dependencyInterpretation": deps("Secret:token"),
        },
    )
    two = ric(
        "two",
        {
            "healthInterpretation": "function InterpretHealth(o)\n  return false\nend\n",
            "dependencyInterpretation": deps("ConfigMap:config"),
        },
        "policies/two.yaml",
    )
    three = ric(
        "three", {"dependencyInterpretation": deps("ConfigMap:config")}, "policies/three.yaml"
    )
    assert [str(p) for p in conflicts([two, three, one])] == [
        "policies/two.yaml:1: error: ResourceInterpreterCustomization two scripts "
        "healthInterpretation for Widget (example.com/v1), as ResourceInterpreterCustomization "
        "one (policies/ric.yaml:1) does; one script per operation and kind"
    ]


def test_a_script_answering_the_wrong_shape_is_an_error_at_the_script() -> None:
    wrong = ric(
        "wrong",
        {
            "dependencyInterpretation": 'function GetDependencies(obj)\n  return {{kind = "Secret", name = "x"}}\nend\n'
        },
    )
    with pytest.raises(UserError) as caught:
        Interpreters([wrong], builtin=()).dependencies(WIDGET, "the widget")
    # The script's first line (the file's line 9): the answer, not a line, is wrong.
    assert [str(p) for p in caught.value.problems] == [
        "policies/ric.yaml:9: error: GetDependencies of ResourceInterpreterCustomization wrong "
        "(policies/ric.yaml:1) answered the widget wrongly: dependencies[0]: missing required "
        "apiVersion"
    ]
