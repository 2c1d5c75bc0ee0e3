"""YAML is read the way go-yaml v2 (kubectl, Argo CD, Flux) reads it."""

from __future__ import annotations

import math

import pytest

from hubless.documents import parse_documents, resolve_plain
from hubless.errors import UserError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0644", 420),  # leading zero: octal
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("-12", -12),
        ("+7", 7),
        ("1_000", 1000),
        ("08", 8.0),  # not octal, so a float
        ("1e3", 1000.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("yes", True),
        ("On", True),
        ("y", True),
        ("N", False),
        ("off", False),
        ("FALSE", False),
        ("~", None),
        ("null", None),
        ("", None),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("2026-01-01", "2026-01-01"),  # timestamps stay strings
        ("1.25.3", "1.25.3"),
        ("v1", "v1"),
        ("100m", "100m"),
        ("-", "-"),
        ("0x", "0x"),
        ("1:20", "1:20"),  # no sexagesimal in go-yaml
    ],
)
def test_plain_scalars_resolve_like_go_yaml(text: str, expected: object) -> None:
    value = resolve_plain(text)
    assert value == expected
    assert type(value) is type(expected)


def test_nan_resolves() -> None:
    value = resolve_plain(".nan")
    assert isinstance(value, float) and math.isnan(value)


def test_quoted_scalars_stay_strings_and_explicit_tags_apply() -> None:
    [doc] = parse_documents("a: '0644'\nb: \"yes\"\nc: !!str 5\nd: !!float 3\ne: !!int '7'\n", "f")
    assert doc.data == {"a": "0644", "b": "yes", "c": "5", "d": 3.0, "e": 7}
    assert isinstance(doc.data["d"], float)


def test_non_string_keys_become_their_json_spelling() -> None:
    [doc] = parse_documents("1: a\ntrue: b\nnull: c\n", "f")
    assert doc.data == {"1": "a", "true": "b", "null": "c"}


def test_yaml_1_1_boolean_keys_become_true_like_kubectl() -> None:
    # go-yaml v2 reads the key `y` as a boolean; sigs.k8s.io/yaml then spells it "true".
    [doc] = parse_documents("y: 1\n'n': 2\n", "f")
    assert doc.data == {"true": 1, "n": 2}


def test_merge_keys_and_anchors() -> None:
    text = "base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\n"
    [doc] = parse_documents(text, "f")
    assert doc.data["other"] == {"z": 3, "x": 1}
    # Aliased content is copied, never shared between two places.
    assert doc.data["other"] is not doc.data["base"]


def test_multiple_documents_with_their_start_lines() -> None:
    text = "a: 1\n---\n# comment\nb: 2\n---\n---\nc: 3\n"
    docs = parse_documents(text, "x.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert [d.source.line for d in docs] == [1, 4, 7]
    assert {d.source.path for d in docs} == {"x.yaml"}


def test_line_of_nested_keys_when_tracked() -> None:
    [doc] = parse_documents("a:\n  b:\n    c: 1\n  d: [1,\n    2]\n", "f", track_lines=True)
    inner = doc.data["a"]
    assert doc.line_of(inner, "b") == 2
    assert doc.line_of(inner, "d") == 4
    assert doc.line_of(inner["d"], 1) == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: [1\nc: 2\n", 3, "invalid YAML"),
        ("a: 1\nb: c: d\n", 2, "invalid YAML"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("a: !custom x\n", 1, "unsupported YAML tag"),
        ("a: !!int abc\n", 1, "is not a valid int"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_documents(text, "dir/file.yaml")
    [problem] = caught.value.problems
    assert problem.source is not None
    assert problem.source.path == "dir/file.yaml"
    assert problem.source.line == line
    assert message in problem.message
    assert str(problem).startswith(f"dir/file.yaml:{line}: error: ")


def test_depth_is_bounded_without_recursion() -> None:
    deep = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"  # would overflow a recursive composer
    with pytest.raises(UserError, match="nested more than 200 levels deep"):
        parse_documents(deep, "deep.yaml")
    [doc] = parse_documents("a: " + "[" * 150 + "]" * 150 + "\n", "ok.yaml")
    assert isinstance(doc.data["a"], list)


def test_unknown_alias_is_an_error() -> None:
    with pytest.raises(UserError, match=r"invalid YAML|unknown alias"):
        parse_documents("a: *nothing\n", "f")
