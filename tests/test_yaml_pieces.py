"""YAML read piece by piece, from a cache or not, is exactly YAML read whole: the same
objects, the same line of every key and item, the same error at the same line."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless import yaml_pieces
from hubless.documents import MAX_DEPTH, Document
from hubless.errors import UserError
from hubless.yaml_pieces import PieceCache, piece_key, read_objects

CLUSTER = """\
- apiVersion: cluster.karmada.io/v1alpha1
  kind: Cluster
  metadata:
    name: {name}
    labels: {{env: prod}}
  spec: {{region: eu, zones: [a, b]}}
  status:
    conditions:
    - {{type: Ready, status: 'True'}}
"""


def clusters(*names: str, head: str = "apiVersion: v1\nkind: List\nitems:\n") -> str:
    return head + "".join(CLUSTER.format(name=name) for name in names)


def lines_of(document: Document) -> list[Any]:
    """Every key's and item's line, walking the document as it is."""
    found: list[Any] = []
    stack = [document.data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append({key: document.line_of(node, key) for key in node})
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            found.append([document.line_of(node, index) for index in range(len(node))])
            stack.extend(reversed(node))
    return found


def _typed(value: Any) -> Any:
    """JSON text tells true from 1 and 1.0 from 1, and keeps key order; NaN is spelled."""
    return json.dumps(value, allow_nan=True)


def outcome(text: str, cache: PieceCache | None) -> Any:
    try:
        objects = read_objects(text, "policies/inventory.yaml", cache)
    except UserError as exc:
        return [str(problem) for problem in exc.problems]
    return [(_typed(d.data), d.source, lines_of(d)) for d in objects]


def same_as_whole(text: str) -> PieceCache:
    """Read cold and warm (from what the cold read kept), both as the whole file reads."""
    whole = outcome(text, None)
    cold = PieceCache()
    assert outcome(text, cold) == whole
    warm = PieceCache(dict(cold.used))
    assert outcome(text, warm) == whole
    assert outcome(text, warm) == whole  # a piece used twice is decoded afresh
    return cold


CORPUS = [
    clusters("a", "b", "c"),
    clusters("a", "b", head="# an export\napiVersion: v1\nkind: List\nmetadata: {}\nitems:\n"),
    clusters("a", "b") + "# trailing comment\n\n",
    clusters("a") + "---\n" + clusters("b", "c") + "---\napiVersion: v1\nkind: ConfigMap\n",
    # not cut: what follows the items is not an item
    clusters("a", "b") + "metadata: {}\n",
    clusters("a", "b") + "kind: Other\n",
    clusters("a", "b", head="apiVersion: v1\nkind: List\nitems:\n  x: 1\n"),
    clusters("a", "b", head="kind: List\napiVersion: v1\nitems:\nmetadata: {}\n"),
    # a List that is not `v1 List`, and `items:` that is not the List's
    clusters("a", "b", head="apiVersion: v2\nkind: List\nitems:\n"),
    clusters("a", "b", head="apiVersion: v1\nkind: List\nnote: |\n  items:\nitems:\n"),
    clusters("a", "b", head='apiVersion: v1\nkind: List\nnote: "x\nitems:\n'),
    clusters("a", "b", head="apiVersion: v1\nkind: List\nitems:\nitems:\n"),
    clusters("a", "b", head="apiVersion: v1\nkind: List\n<<: {items: [1]}\nitems:\n"),
    clusters("a", "b", head="items:\n"),
    # anchors across items, an item that is a scalar, null or a list, a flow item
    clusters("a", "b").replace("labels: {env: prod}", "labels: &l {env: prod}", 1)
    + "- {apiVersion: v1, kind: Cluster, labels: *l}\n",
    clusters("a") + "- plain\n- \n- - nested\n  - list\n- {a: 1,\n   b: 2}\n",
    clusters("a") + '- "a quoted\n  scalar"\n- |\n  block\n\n  text\n- >-\n  folded\n',
    # what breaks an item off in the middle
    clusters("a") + '- "open quote\n- x"\n',
    clusters("a") + "- [open,\n- flow]\n",
    clusters("a") + "- a: 1\n b: 2\n",
    clusters("a") + "- a: 1\n\tb: 2\n",
    clusters("a") + "- a: 1\n  b\n- c: 2\n",
    clusters("a") + "- a: 1\n  a: 2\n",
    clusters("a") + "- *nowhere\n",
    clusters("a") + "- !!int x\n",
    clusters("a") + "- key: |\n  - not an item\n",
    clusters("a") + "-\n  a: 1\n",
    clusters("a") + "-a\n",
    clusters("a") + "- a\n#c\n  # indented comment\n   \n- b\n",
    # document starts, ends and directives
    "a: 1\n---\nb: 2\n--- # c\nc: 3\n---\n",
    "---\n---\n---\na: 1\n",
    "a: |\n  text\n---\nb: 1\n",
    "a: 'open\n---\nb: 1\n'\n",
    "a: [1,\n--- 2]\n",
    "a: 1\n---x: 2\n",
    "--- |\n  top block\n--- >\n  folded\n",
    "%YAML 1.1\n---\na: 1\n...\n---\nb: 2\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: 1\r\n---\r\nb: 2\r\n",
    "\ufeffa: 1\n---\nb: 2\n",
    "a: 1\n\x85---\nb: 2\n",
    "a: &x {k: 1}\n---\nb: *x\n",
    "a: 1\n---\n" + "\x00",
    "a:\n  b: 1\n c: 2\n---\nd: 1\n",
    # values of every kind, and keys that are not strings
    "a: [0644, 0x1F, yes, ~, .inf, -.inf, .nan, 1e3, '1', !!float 3, 2026-01-01]\n1: x\nnull: y\n",
    "base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\n---\nc: [*b, *b]\n",
    "",
    "# only a comment\n",
    "---\n",
]


@pytest.mark.parametrize("text", CORPUS)
def test_pieces_read_what_the_whole_file_reads(text: str) -> None:
    same_as_whole(text)


def test_an_inventory_export_is_read_one_item_at_a_time() -> None:
    text = clusters("a", "b", "c")
    cold = same_as_whole(text)
    # the List's head, then each item
    assert len(cold.used) == 4
    edited = text.replace("name: b", "name: bee")
    again = PieceCache(dict(cold.used))
    objects = read_objects(edited, "p.yaml", again)
    assert again.parsed == 1
    assert [o.data["metadata"]["name"] for o in objects] == ["a", "bee", "c"]
    added = PieceCache(dict(cold.used))
    read_objects(text + CLUSTER.format(name="d"), "p.yaml", added)
    assert added.parsed == 1


def test_a_stream_of_documents_is_read_one_document_at_a_time() -> None:
    documents = [f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{n}}}\n" for n in range(5)]
    text = "---\n".join(documents)
    cold = same_as_whole(text)
    assert len(cold.used) == 5
    warm = PieceCache(dict(cold.used))
    edited = text.replace("name: c3", "name: changed")
    assert [o.data["metadata"]["name"] for o in read_objects(edited, "p.yaml", warm)] == [
        "c0",
        "c1",
        "c2",
        "changed",
        "c4",
    ]
    assert warm.parsed == 1


def test_an_error_in_a_piece_is_reported_at_its_line_in_the_file() -> None:
    # Lines 22-23 hold the broken item; libyaml finds out at line 24, where the flow
    # sequence opened on line 23 cannot go on.
    text = clusters("a", "b") + "- apiVersion: v1\n  kind: [oops\n" + clusters("c", head="")
    cold = PieceCache()
    read_objects(clusters("a", "b") + clusters("c", head=""), "p.yaml", cold)
    for cache in (None, PieceCache(), PieceCache(dict(cold.used))):
        with pytest.raises(UserError) as caught:
            read_objects(text, "policies/clusters.yaml", cache)
        assert [str(p) for p in caught.value.problems] == [
            "policies/clusters.yaml:24: error: invalid YAML: did not find expected ',' or ']'"
        ]


def test_the_limits_are_those_of_the_whole_file() -> None:
    # One level deeper in the List than alone: the whole file is too deep, each item is not.
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    text = clusters("a") + f"- {deep}\n"
    assert read_objects(f"- {deep}\n", "p", PieceCache())
    for cache in (None, PieceCache()):
        with pytest.raises(UserError, match=f"nested more than {MAX_DEPTH} levels deep"):
            read_objects(text, "p", cache)


def test_the_values_of_all_pieces_count_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hubless.documents.MAX_NODES", 60)
    monkeypatch.setattr("hubless.yaml_pieces.MAX_NODES", 60)
    text = clusters(*"abcdef")  # each item well below the limit, together above it
    for cache in (None, PieceCache()):
        with pytest.raises(UserError, match="expands to more than 60 values"):
            read_objects(text, "p", cache)


def test_a_piece_is_decoded_afresh_for_every_use() -> None:
    cache = PieceCache()
    first = read_objects(clusters("a"), "p", cache)
    first[0].data["metadata"]["name"] = "changed by a caller"
    again = read_objects(clusters("a"), "p", cache)
    assert again[0].data["metadata"]["name"] == "a"
    assert cache.parsed == 2  # head and item, once


def test_a_damaged_entry_is_parsed_again() -> None:
    text = clusters("a")
    cold = PieceCache()
    read_objects(text, "p", cold)
    damaged = {key: value[:-3] for key, value in cold.used.items()}
    warm = PieceCache(damaged)
    assert outcome(text, warm) == outcome(text, None)
    assert warm.parsed == 2


def test_entries_are_keyed_by_the_text() -> None:
    # What is stored under a text is what that text reads as: a key is the text's sha256.
    cold = PieceCache()
    read_objects("a: 1\n", "p", cold)
    assert list(cold.used) == [piece_key("a: 1\n")]
    forged = PieceCache({piece_key("a: 2\n"): cold.used[piece_key("a: 1\n")]})
    assert [o.data for o in read_objects("a: 2\n", "p", forged)] == [{"a": 1}]


FRAGMENTS = [
    "- a: 1", "  b: 2", "  - x", "- ", "-", "items:", "---", "--- |", "...", "%YAML 1.1",
    "# c", "", "  ", "\t", "a: |", "  text", '- "q', '  q"', "- [1,", "  2]", "- &x {k: v}",
    "- *x", "<<: *x", "  <<: {m: 1}", "kind: List", "apiVersion: v1", "- {a: 1}", " c: 3",
    "-x", "- !!str 5", "- 'it''s'", "  - - deep", "key: value", "- ? complex", "  : key",
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25), st.booleans())
def test_any_text_reads_as_the_whole_file_reads(lines: list[str], as_list: bool) -> None:
    head = "apiVersion: v1\nkind: List\nitems:\n" if as_list else ""
    same_as_whole(head + "\n".join(lines) + "\n")


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(values, min_size=1, max_size=5),
    st.sampled_from([None, False, True]),
    st.integers(min_value=2, max_value=4),
)
def test_lists_of_any_values_read_as_the_whole_file_reads(
    items: list[Any], flow: bool | None, indent: int
) -> None:
    body = yaml.safe_dump(
        {"apiVersion": "v1", "kind": "List", "items": items},
        default_flow_style=flow,
        indent=indent,
        sort_keys=False,
        allow_unicode=True,
    )
    same_as_whole(body)
    same_as_whole(body + "---\n" + body)


def test_nan_and_infinities_come_back_from_the_cache() -> None:
    cold = PieceCache()
    read_objects("a: [.nan, .inf, -.inf, -0.0]\n", "p", cold)
    [document] = read_objects("a: [.nan, .inf, -.inf, -0.0]\n", "p", PieceCache(dict(cold.used)))
    nan, inf, negative, zero = document.data["a"]
    assert math.isnan(nan) and inf == math.inf and negative == -math.inf
    assert math.copysign(1, zero) == -1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(values, min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(FRAGMENTS)), max_size=3),
)
def test_a_list_with_stray_lines_reads_as_the_whole_file_reads(
    items: list[Any], strays: list[tuple[int, str]]
) -> None:
    lines = yaml.safe_dump(
        {"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False
    ).splitlines()
    for position, stray in strays:
        lines.insert(position % (len(lines) + 1), stray)
    same_as_whole("\n".join(lines) + "\n")


def test_pieces_parsed_ahead_read_as_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parsed ahead, half in a second process, every text of the corpus reads as the whole
    file reads; an inventory's pieces are all known before it is read."""
    monkeypatch.setattr(yaml_pieces, "AHEAD_CHARACTERS", 0)
    for text in CORPUS:
        cache = PieceCache()
        yaml_pieces.parse_ahead([text, text], cache)
        assert outcome(text, cache) == outcome(text, None)
    inventory = clusters(*(f"c{n}" for n in range(41)))  # a head and 41 items
    here: list[str] = []
    real = yaml_pieces._parsed

    def counted(text: str) -> Any:
        here.append(text)
        return real(text)

    monkeypatch.setattr(yaml_pieces, "_parsed", counted)
    cache = PieceCache()
    yaml_pieces.parse_ahead([inventory], cache)
    assert (len(here), cache.parsed, len(cache.used)) == (21, 42, 42)  # 21 parsed here
    here.clear()
    assert outcome(inventory, cache) == outcome(inventory, None)
    assert (cache.parsed, here) == (42, [])  # reading found every piece known


def test_without_a_second_process_nothing_is_parsed_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yaml_pieces, "AHEAD_CHARACTERS", 0)
    monkeypatch.setattr("hubless.workers.can_fork", lambda: False)
    inventory = clusters("a", "b", "c")
    cache = PieceCache()
    yaml_pieces.parse_ahead([inventory], cache)
    assert (cache.parsed, cache.used) == (0, {})
    assert outcome(inventory, cache) == outcome(inventory, None)
    assert cache.parsed == 4


def test_a_small_text_is_not_parsed_ahead() -> None:
    cache = PieceCache()
    yaml_pieces.parse_ahead([clusters("a", "b", "c")], cache)
    assert (cache.parsed, cache.used) == (0, {})
