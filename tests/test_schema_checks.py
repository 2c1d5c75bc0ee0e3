"""Schemas compiled into checks give jsonschema's verdict (Draft 2020-12, no format
checker), and refuse what they do not reproduce."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.schema_checks import ANNOTATIONS, ASSERTING, Compiler, Refused, compiled


def verdicts(schema: dict[str, Any], *values: Any) -> list[bool]:
    check = compiled(schema)
    return [check(value) for value in values]


def test_type_as_json_schema_has_it() -> None:
    # Draft 6 and later: a float with no fraction is an integer; a bool is no number.
    assert verdicts({"type": "integer"}, 1, 1.0, -3, True, 1.5, "1", None) == [
        *(True, True, True),
        *(False, False, False, False),
    ]
    assert verdicts({"type": "number"}, 1, 1.5, True, "1") == [True, True, False, False]
    assert verdicts({"type": ["string", "null"]}, "a", None, 0, {}) == [True, True, False, False]
    assert verdicts({"type": ["object", "array"]}, {}, [], "") == [True, True, False]
    assert verdicts({"type": []}, None, 0) == [False, False]


def test_enum_and_const_use_json_schema_equality() -> None:
    # 1 == 1.0, True != 1, and containers compare member by member.
    assert verdicts({"enum": [1, "a"]}, 1, 1.0, True, "a", "1") == [True, True, False, True, False]
    assert verdicts({"enum": [True, None]}, True, 1, None, False, 0) == [
        *(True, False, True),
        *(False, False),
    ]
    listed = {"enum": [[1, {"a": False}]]}
    assert verdicts(listed, [1.0, {"a": False}], [1, {"a": 0}], [1]) == [True, False, False]
    assert verdicts({"const": 0}, 0, 0.0, False, "0") == [True, True, False, False]
    assert verdicts({"const": {"a": [True]}}, {"a": [True]}, {"a": [1]}) == [True, False]


def test_keywords_apply_only_to_their_own_type() -> None:
    schema = {
        "properties": {"a": {"type": "string"}},
        "required": ["a"],
        "minItems": 2,
        "maxLength": 1,
        "minimum": 3,
    }
    assert verdicts(schema, "", 5, [1, 2], {"a": "x"}, None) == [True] * 5
    assert verdicts(schema, "ab", 2, [1], {"a": 1}, {}) == [False] * 5


def test_annotations_assert_nothing() -> None:
    schema = {
        "type": "string",
        "format": "int32",  # no format checker: jsonschema asserts nothing either
        "description": "d",
        "nullable": True,  # OpenAPI's, no JSON Schema keyword: jsonschema ignores it
        "x-kubernetes-int-or-string": True,
        "default": 3,
        "$comment": "c",
    }
    assert verdicts(schema, "not a number", None) == [True, False]
    assert verdicts({"then": False, "else": False}, 1) == [True]  # without "if"


def test_one_of_passes_exactly_one() -> None:
    schema = {"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}
    assert verdicts(schema, "a", 3, None, 1.5) == [True, True, False, False]


def test_bounds_compare_as_jsonschema_compares() -> None:
    assert verdicts({"minimum": 2}, 2, 1.9, "1") == [True, False, True]
    assert verdicts({"exclusiveMinimum": 2}, 2, 2.1, True) == [False, True, True]
    assert verdicts({"maximum": 2}, 2, 2.5) == [True, False]
    assert verdicts({"exclusiveMaximum": 2}, 2, 1.5) == [False, True]
    # OpenAPI's `exclusiveMinimum: true` is, to Draft 2020-12, the number 1
    assert verdicts({"exclusiveMinimum": True}, 1, 2) == [False, True]
    # NaN is below and above no bound
    assert verdicts({"minimum": 0, "maximum": 0}, float("nan")) == [True]
    # float division decides: 0.3 / 0.1 is 2.9999999999999996; past the largest float,
    # exact fractions do
    assert verdicts({"multipleOf": 0.1}, 0.5, 0.3) == [True, False]
    assert verdicts({"multipleOf": 0.5}, 1e308, 1e308 + 2**970) == [True, True]
    assert verdicts({"multipleOf": 0.1}, 1e308) == [False]
    assert verdicts({"multipleOf": 2}, 4, 4.0, 3, 3.5) == [True, True, False, False]


def test_sizes() -> None:
    assert verdicts({"minLength": 2, "maxLength": 3}, "a", "ab", "abcd", "\u00e9\u00e9") == [
        *(False, True, False, True)
    ]
    assert verdicts({"minItems": 1, "maxItems": 2}, [], [0], [0, 0, 0]) == [False, True, False]
    assert verdicts({"minProperties": 1, "maxProperties": 1}, {}, {"a": 1}, {"a": 1, "b": 2}) == [
        *(False, True, False)
    ]
    assert verdicts({"items": False}, [], [None]) == [True, False]


def test_unique_items_use_json_schema_equality() -> None:
    unique = {"uniqueItems": True}
    assert verdicts(unique, [1, 1.0], [1, True], [0, False], [[1], [True]]) == [
        *(False, True, True, True)
    ]
    assert verdicts(unique, [{"a": 1}, {"a": 1.0}], [{"a": 1}, {"a": True}], ["a", "a"]) == [
        *(False, True, False)
    ]
    assert verdicts({"uniqueItems": False}, [1, 1]) == [True]


def test_patterns_search() -> None:
    assert verdicts({"pattern": "b"}, "abc", "ac", 3) == [True, False, True]
    assert verdicts({"pattern": "^a$"}, "a", "ab") == [True, False]


def test_pattern_properties_and_what_is_additional() -> None:
    schema = {
        "properties": {"name": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "integer"}, "y$": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert verdicts(schema, {"name": "n", "x-a": 1, "ay": 2}, {"x-a": "1"}, {"other": 1}) == [
        *(True, False, False)
    ]
    # a property matched by a pattern and named: both apply
    assert verdicts({**schema, "properties": {"x-b": {"minimum": 5}}}, {"x-b": 3}) == [False]
    # jsonschema joins the patterns with "|": an empty one exempts nothing
    assert verdicts({"patternProperties": {"": True}, "additionalProperties": False}, {"a": 1}) == [
        False
    ]


def test_property_names_and_dependencies() -> None:
    assert verdicts({"propertyNames": {"maxLength": 1}}, {"a": 1}, {"ab": 1}) == [True, False]
    needs = {"dependentRequired": {"a": ["b"]}}
    assert verdicts(needs, {"a": 1, "b": 2}, {"b": 2}, {"a": 1}) == [True, True, False]
    depends = {"dependentSchemas": {"a": {"required": ["c"]}}}
    assert verdicts(depends, {"a": 1, "c": 2}, {"c": 2}, {"a": 1}) == [True, True, False]


def test_combinations() -> None:
    assert verdicts({"allOf": [{"minimum": 1}, {"maximum": 2}]}, 1, 3) == [True, False]
    assert verdicts({"anyOf": [{"type": "string"}, {"minimum": 1}]}, "a", 2, 0) == [
        *(True, True, False)
    ]
    assert verdicts({"anyOf": []}, 1) == [False]
    assert verdicts({"oneOf": []}, 1) == [False]
    assert verdicts({"allOf": []}, 1) == [True]
    assert verdicts({"not": {"type": "string"}}, "a", 1) == [False, True]
    conditional = {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"minimum": 5}}
    assert verdicts(conditional, "a", "ab", 4, 5) == [False, True, False, True]
    assert verdicts({"if": {"type": "string"}, "then": False}, "a", 1) == [False, True]


def test_types_with_their_own_keywords() -> None:
    object_or_string = {
        "type": ["object", "null", "string"],
        "properties": {"a": {"type": "integer"}},
        "minLength": 2,
    }
    assert verdicts(object_or_string, {"a": 1}, None, "ab", "a", {"a": "1"}, 3) == [
        *(True, True, True, False, False, False)
    ]
    object_or_more = {"type": ["integer", "object", "null"], "properties": {"a": False}}
    assert verdicts(object_or_more, 3, None, {}, {"a": 1}, "a") == [True, True, True, False, False]
    # an enum of strings, and a type that allows no string
    assert verdicts({"type": "integer", "enum": ["a"]}, "a", 1) == [False, False]
    assert verdicts({"type": ["integer", "string"], "enum": ["a"]}, "a", 1, "b") == [
        *(True, False, False)
    ]
    assert verdicts({"type": ["array", "null"], "items": {"type": "string"}}, ["a"], None, "a") == [
        *(True, True, False)
    ]


DEFINITIONS = {
    "$id": "https://example.com/api/_definitions.json",
    "$defs": {
        "Meta": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "additionalProperties": False,
        },
        # refers to itself, as JSONSchemaProps does
        "Tree": {
            "type": ["object", "null"],
            "properties": {
                "leaf": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}},
                "meta": {"$ref": "#/$defs/Meta", "description": "annotations beside a $ref"},
            },
            "additionalProperties": False,
        },
    },
}


def kind(name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://example.com/api/{name}/v1",
        "type": "object",
        "properties": {"spec": {"$ref": "/api/_definitions.json#/$defs/Tree"}},
    }


def test_refs_resolve_against_the_documents_and_may_recur() -> None:
    check = Compiler([DEFINITIONS]).compile(kind("a"))
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(30):
        deep = {"children": [deep, None], "meta": {"name": "n"}}
    assert check({"spec": deep}) is True
    assert check({"spec": {"children": [{"children": [{"leaf": "1"}]}]}}) is False
    assert check({"spec": {"meta": {"nam": "n"}}}) is False


def test_what_a_definition_compiles_to_is_shared() -> None:
    compiler = Compiler([DEFINITIONS])
    first = compiler.compile(kind("a"))
    compiled_once = dict(compiler._shared)
    second = compiler.compile(kind("b"))
    assert first({"spec": {"leaf": 2}}) and second({"spec": {"leaf": 2}})
    assert compiler._shared == compiled_once
    assert sorted(path for _, path in compiled_once) == [("$defs", "Meta"), ("$defs", "Tree")]


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "object", "unevaluatedProperties": False}, r"\['unevaluatedProperties'\]"),
        ({"prefixItems": [{"type": "string"}]}, r"\['prefixItems'\]"),
        ({"contains": {"type": "string"}}, r"\['contains'\]"),
        ({"properties": {"a": {"discriminator": {}}}}, r"\['discriminator'\]"),
        ({"$dynamicRef": "#node"}, r"\['\$dynamicRef'\]"),
        ({"$ref": "#node"}, "anchor"),
        ({"$ref": "other.json"}, "other.json"),
        ({"$ref": "https://json-schema.org/draft/2020-12/schema"}, "json-schema.org"),
        ({"$ref": "#/$defs/missing"}, "pointer"),
        ({"properties": {"a": {"$id": "https://x/a", "type": "string"}}}, r"\$id"),
        ({"$schema": "http://json-schema.org/draft-07/schema#"}, "draft-07"),
        ({"type": "text"}, "type"),
        ({"enum": "ab"}, "enum"),
        ({"pattern": "("}, "missing"),
    ],
)
def test_what_the_compiler_does_not_reproduce_is_refused(
    schema: dict[str, Any], reason: str
) -> None:
    with pytest.raises(Refused, match=reason):
        compiled(schema)


def test_a_refused_schema_leaves_nothing_half_compiled() -> None:
    compiler = Compiler([DEFINITIONS])
    broken = {
        **kind("a"),
        "properties": {
            "spec": {"$ref": "/api/_definitions.json#/$defs/Tree"},
            "x": {"if": {}, "unevaluatedItems": False},
        },
    }
    with pytest.raises(Refused):
        compiler.compile(broken)
    assert compiler._shared == {}
    assert compiler.compile(kind("a"))({"spec": {"children": [{"leaf": 1}]}}) is True


def test_the_keywords_are_jsonschemas() -> None:
    """Every keyword the compiled checks assert is one jsonschema asserts, no annotation
    is one it asserts (but `format`, which needs a format checker), and the ones it
    asserts that the compiler refuses are these."""
    validators = set(jsonschema.Draft202012Validator.VALIDATORS)
    assert validators >= ASSERTING
    assert ANNOTATIONS & validators == {"format"}
    assert validators - ASSERTING - {"format"} == {
        "$dynamicRef",
        "contains",
        "prefixItems",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
    assert jsonschema.Draft202012Validator({}).format_checker is None


# Arbitrary schemas of the keywords compiled, and values for them: the checks give
# jsonschema's verdict on each.
NAMES = st.sampled_from(["a", "b", "ab", "x"])
NUMBERS = st.sampled_from([-1, 0, 1, 2, 1.5, 0.5, True, 3.0])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-2, max_value=4)
    | st.sampled_from([0.0, 1.0, 1.5, -0.5, 2.5, float("inf"), 1e300])
    | st.text(alphabet="abAx", max_size=3)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=12,
)
TYPES = st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null"])


def _keywords(inner: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "type": TYPES | st.lists(TYPES, min_size=1, max_size=3),
        "enum": st.lists(SCALARS | st.lists(SCALARS, max_size=2), max_size=4),
        "const": VALUES,
        "pattern": st.sampled_from(["^a", "b$", "^[ab]+$", "x|A", "", "(?i)^a"]),
        "minLength": st.integers(min_value=0, max_value=3),
        "maxLength": st.integers(min_value=0, max_value=3),
        "minimum": NUMBERS,
        "maximum": NUMBERS,
        "exclusiveMinimum": NUMBERS,
        "exclusiveMaximum": NUMBERS,
        "multipleOf": st.sampled_from([1, 2, 0.5, 1.5, 0.1]),
        "minItems": st.integers(min_value=0, max_value=2),
        "maxItems": st.integers(min_value=0, max_value=2),
        "uniqueItems": st.booleans(),
        "minProperties": st.integers(min_value=0, max_value=2),
        "maxProperties": st.integers(min_value=0, max_value=2),
        "required": st.lists(NAMES, max_size=2),
        "properties": st.dictionaries(NAMES, inner | st.just({"$ref": "#"}), max_size=3),
        "additionalProperties": st.booleans() | inner,
        "patternProperties": st.dictionaries(st.sampled_from(["^a", "b", ""]), inner, max_size=2),
        "propertyNames": inner,
        "dependentRequired": st.dictionaries(NAMES, st.lists(NAMES, max_size=2), max_size=2),
        "dependentSchemas": st.dictionaries(NAMES, inner, max_size=1),
        "items": st.booleans() | inner | st.just({"$ref": "#/$defs/d"}),
        "allOf": st.lists(inner, max_size=2),
        "anyOf": st.lists(inner, max_size=2),
        "oneOf": st.lists(inner, max_size=3),
        "not": inner,
        "if": inner,
        "then": inner,
        "else": inner,
        "format": st.just("int32"),
        "nullable": st.booleans(),
    }


def _schemas(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keywords = _keywords(inner)
    return st.lists(st.sampled_from(sorted(keywords)), max_size=4, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: keywords[name] for name in names})
    )


SCHEMAS = st.recursive(
    st.booleans() | st.fixed_dictionaries({"type": TYPES}), _schemas, max_leaves=6
)
# Values at the edges of the keywords above, tried on every schema besides drawn ones.
EDGES = [
    *(None, True, False, 0, 1, 2, -1, 1.0, 1.5, 0.5, 2.5),
    *("", "a", "b", "ab", "ba", "A", "x", "abc"),
    *([], [1], [1, 1.0], [1, True], ["a", "b"], [None], [[1], [1.0]]),
    *({}, {"a": 1}, {"b": "x"}, {"a": 1, "b": 2}, {"ab": [1]}, {"x": None}, {"a": {"a": {}}}),
]


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schemas(SCHEMAS), SCHEMAS, st.lists(VALUES, max_size=4))
def test_compiled_checks_give_jsonschemas_verdict(
    schema: dict[str, Any], definition: Any, drawn: list[Any]
) -> None:
    schema = {**schema, "$defs": {"d": definition}}
    validator = jsonschema.Draft202012Validator(schema)
    check = _outcome(lambda: compiled(schema))
    for value in [*EDGES, *drawn]:
        expected = _outcome(validator.is_valid, value)
        found = _outcome(check, value) if callable(check) else check
        # A schema refused or a check that raises sends the value to jsonschema, as does a
        # check that says invalid: only a check's "valid" is taken as it is.
        if isinstance(found, bool):
            assert found == expected or (found is False and not isinstance(expected, bool)), value


def _outcome(run: Callable[..., Any], *args: Any) -> Any:
    """What `run` returns, or the name of what it raises."""
    try:
        return run(*args)
    except (RecursionError, TypeError, ValueError, ArithmeticError, re.error) as error:
        return type(error).__name__
