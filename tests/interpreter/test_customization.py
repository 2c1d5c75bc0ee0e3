"""A ResourceInterpreterCustomization as policies/ holds it: checked as Karmada's API and
webhook check it, every problem at its line."""

from __future__ import annotations

import pytest

from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet

HEADER = "apiVersion: config.karmada.io/v1alpha1\nkind: ResourceInterpreterCustomization\n"


def problems(text: str) -> list[str]:
    with pytest.raises(UserError) as caught:
        load_fleet([SourceFile("policies/ric.yaml", HEADER + text)])
    return [str(p) for p in caught.value.problems]


def test_a_script_that_does_not_compile_is_an_error_at_its_line() -> None:
    assert problems(
        "metadata: {name: w}\nspec:\n  target: {apiVersion: example.com/v1, kind: Widget}\n"
        "  customizations:\n    healthInterpretation:\n      luaScript: |\n"
        "        function InterpretHealth(obj)\n          return obj.status.ready ==\n"
        "        end\n"
    ) == [
        "policies/ric.yaml:11: error: ResourceInterpreterCustomization w healthInterpretation: "
        "the script does not compile: unexpected symbol near 'end'"
    ]


def test_a_one_line_script_counts_its_lines_from_the_key() -> None:
    assert problems(
        "metadata: {name: w}\nspec:\n  target: {apiVersion: example.com/v1, kind: Widget}\n"
        "  customizations:\n    healthInterpretation:\n"
        "      luaScript: 'function InterpretHealth(obj) return = end'\n"
    ) == [
        "policies/ric.yaml:8: error: ResourceInterpreterCustomization w healthInterpretation: "
        "the script does not compile: unexpected symbol near '='"
    ]


def test_fields_are_checked_as_the_api_defines_them() -> None:
    assert problems(
        "metadata: {name: w}\nspec:\n  target: {apiVersion: example.com/v1}\n"
        "  customizations:\n    healthInterpretaion:\n      luaScript: x\n"
    ) == [
        "policies/ric.yaml:7: error: spec.customizations.healthInterpretaion: unknown field "
        "(did you mean 'healthInterpretation'?); known fields: componentResource, "
        "dependencyInterpretation, healthInterpretation, replicaResource, replicaRevision, "
        "retention, statusAggregation, statusReflection",
        "policies/ric.yaml:5: error: spec.target: missing required field 'kind'",
    ]


def test_a_customization_is_cluster_scoped() -> None:
    assert problems(
        "metadata: {name: w, namespace: shop}\nspec:\n"
        "  target: {apiVersion: example.com/v1, kind: Widget}\n  customizations: {}\n"
    ) == [
        "policies/ric.yaml:3: error: metadata.namespace: ResourceInterpreterCustomization is "
        "cluster-scoped"
    ]


def test_two_customizations_of_one_name_are_an_error() -> None:
    one = (
        "metadata: {name: w}\nspec:\n  target: {apiVersion: a/v1, kind: A}\n  customizations: {}\n"
    )
    with pytest.raises(UserError) as caught:
        load_fleet(
            [
                SourceFile("policies/a.yaml", HEADER + one),
                SourceFile("policies/b.yaml", HEADER + one),
            ]
        )
    assert [str(p) for p in caught.value.problems] == [
        "policies/b.yaml:1: error: ResourceInterpreterCustomization w is defined twice "
        "(also at policies/a.yaml:1)"
    ]
