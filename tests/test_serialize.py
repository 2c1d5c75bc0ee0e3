"""Every reader gets back exactly what was written: go-yaml v2 rules, YAML 1.1, YAML 1.2."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from hubless.documents import parse_documents
from hubless.serialize import dump


def read_go_style(text: str) -> Any:
    docs = parse_documents(text, "out.yaml")
    return docs[0].data if docs else None


def read_yaml11(text: str) -> Any:
    return pyyaml.safe_load(text)


def read_yaml12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(io.StringIO(text))


READERS = (read_go_style, read_yaml11, read_yaml12)

keys = st.text(min_size=1, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "on", "off", "y", "n", "yes", "No", "~", "null", "0644", "0x1f", "1e3", "1_000",
            "1:20", "2026-01-01", "<<", "=", ".inf", "-", "- a", "a: b", "a #b", "#x", " lead",
            "trail ", "multi\nline\n", "keep\n\n\n", "no newline\nat end", "  indented\nfirst",
            "\ttab", "x\r\ny", "\u2028", "\x85", "é", "'quoted'", '"dq"', "%x", "@x", "`x",
            "!x", "&x", "*x", "|x", ">x", "?x", ":x", "[x", "{x", "a,b", "1.25.3", "100m",
            "--flag=1", "-x", "--", "---", "---x", "-1", "-.5", "-y", "-n", "-:", "--- x",
        ]
    )
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)


def normalize(value: Any) -> Any:
    """Readers disagree only on how they represent numbers: compare as numbers."""
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    return value


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6))
def test_every_reader_reads_back_what_was_written(document: dict[str, Any]) -> None:
    text = dump(document)
    for read in READERS:
        assert normalize(read(text)) == normalize(document), read.__name__


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6))
def test_dump_is_a_fixed_point(document: dict[str, Any]) -> None:
    text = dump(document)
    assert dump(read_go_style(text)) == text


def test_layout_matches_kubectl_style() -> None:
    document = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "labels": {"app.kubernetes.io/name": "x"}},
        "data": {"flag": "on", "mode": "0644", "script": "echo hi\necho there\n", "empty": ""},
        "list": [{"a": 1, "b": [1, 2]}, [3, 4], {}, []],
    }
    assert dump(document) == (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: x\n"
        "  labels:\n"
        "    app.kubernetes.io/name: x\n"
        "data:\n"
        "  flag: 'on'\n"
        "  mode: '0644'\n"
        "  script: |\n"
        "    echo hi\n"
        "    echo there\n"
        "  empty: ''\n"
        "list:\n"
        "- a: 1\n"
        "  b:\n"
        "  - 1\n"
        "  - 2\n"
        "- - 3\n"
        "  - 4\n"
        "- {}\n"
        "- []\n"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("y", "'y'"),
        ("yes", "'yes'"),
        ("1:20", "'1:20'"),
        ("2026-01-01", "'2026-01-01'"),
        ("it's", "it's"),
        ("'x'", "'''x'''"),
        ("a\tb", '"a\\tb"'),
        ("\u2028", '"\\u2028"'),
        (1e16, "1.0e+16"),
        ("--path.rootfs=/host", "--path.rootfs=/host"),
        ("---", "'---'"),
        ("-1", "'-1'"),
        (1.5, "1.5"),
        (math.inf, ".inf"),
        (None, "null"),
        (True, "true"),
    ],
)
def test_scalars_that_need_care(value: Any, written: str) -> None:
    assert dump({"k": value}) == f"k: {written}\n"


def test_literal_blocks_keep_trailing_newlines_exactly() -> None:
    assert dump({"k": "a\nb"}) == "k: |-\n  a\n  b\n"
    assert dump({"k": "a\n\n"}) == "k: |+\n  a\n\n"
    assert dump({"k": " a\nb\n"}) == "k: |2\n   a\n  b\n"


@pytest.mark.parametrize("text", ["_", "-_", "+__", "1_000", "-_1"])
def test_strings_a_reader_takes_for_integers_are_quoted(text: str) -> None:
    # ruamel.yaml resolves [-+]?[0-9_]+ as an int (and fails on `-_`): found by the test above.
    written = dump({text: text})
    assert written == f"'{text}': '{text}'\n"
    for read in READERS:
        assert read(written) == {text: text}, read.__name__
