"""YAML text -> plain Python documents, read the way Kubernetes tooling reads them.

kubectl, Argo CD and Flux decode YAML with go-yaml v2 (through sigs.k8s.io/yaml), which
follows YAML 1.1: ``0644`` is octal 420, ``yes``/``on``/``y`` are booleans, timestamps stay
strings. Plain scalars are resolved here by those rules so that hubless sees exactly the
object the cluster would. Parsing uses libyaml through ruamel.yaml's C extension.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import nodes
from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
from ruamel.yaml.error import MarkedYAMLError

from generator.errors import Source, UserError

_PLAIN = "?plain"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_TRUES = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_FALSES = frozenset(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
_POS_INF = frozenset([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"])
_NEG_INF = frozenset(["-.inf", "-.Inf", "-.INF"])
_NANS = frozenset([".nan", ".NaN", ".NAN"])
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1

JSONValue = Any  # dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt/ParseUint(text, 0, 64): 0x, 0o, 0b prefixes; a leading 0 is octal."""
    sign, body = 1, text
    if body[:1] in "+-":
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    lowered = body.lower()
    try:
        if lowered.startswith("0x"):
            value = int(body[2:], 16) if body[2:] else None
        elif lowered.startswith("0o"):
            value = int(body[2:], 8) if body[2:] else None
        elif lowered.startswith("0b"):
            value = int(body[2:], 2) if body[2:] else None
        elif len(body) > 1 and body[0] == "0":
            value = int(body, 8)
        elif body.isascii() and body.isdigit():
            value = int(body)
        else:
            value = None
    except ValueError:
        return None
    if value is None:
        return None
    value *= sign
    if value < _INT64_MIN or value > _UINT64_MAX:
        return None
    return value


def resolve_plain(text: str) -> JSONValue:
    """The value go-yaml v2 gives an untagged plain scalar."""
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if text and text[0] in "+-.0123456789":
        if text in _POS_INF:
            return math.inf
        if text in _NEG_INF:
            return -math.inf
        if text in _NANS:
            return math.nan
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None:
            return number
        if _GO_FLOAT.match(plain):
            return float(plain)
    return text


def _key_text(key: JSONValue) -> str:
    # sigs.k8s.io/yaml turns non-string keys into their JSON spelling.
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


@dataclass
class Document:
    """One YAML document: its data and where it starts."""

    data: JSONValue
    source: Source
    # id(mapping or list) -> {key or index: 1-based line}; filled only when asked for.
    lines: dict[int, dict[Any, int]] = field(default_factory=dict, repr=False)

    def line_of(self, container: object, key: Any) -> int:
        """The line of `key` inside `container`, or the document's first line."""
        return self.lines.get(id(container), {}).get(key, self.source.line)


class _Parser(CParser):  # type: ignore[misc]
    """libyaml parser with a resolver that only marks plain scalars; we resolve them."""

    def descend_resolver(self, *args: Any) -> None:
        pass

    def ascend_resolver(self, *args: Any) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is nodes.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is nodes.SequenceNode else _MAP


MAX_NODES = 5_000_000  # far beyond any real manifest; stops alias bombs ("billion laughs")


class _Builder:
    def __init__(self, path: str, track_lines: bool) -> None:
        self.path = path
        self.track_lines = track_lines
        self.lines: dict[int, dict[Any, int]] = {}
        self.nodes = 0

    def error(self, node: nodes.Node, message: str) -> UserError:
        return UserError.at(Source(self.path, node.start_mark.line + 1), message)

    def build(self, node: nodes.Node) -> JSONValue:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(
                node, f"the document expands to more than {MAX_NODES:,} values (YAML aliases?)"
            )
        if isinstance(node, nodes.ScalarNode):
            return self.scalar(node)
        if isinstance(node, nodes.SequenceNode):
            if node.tag != _SEQ:
                raise self.error(node, f"unsupported YAML tag {node.tag!r}")
            items = [self.build(child) for child in node.value]
            if self.track_lines:
                self.lines[id(items)] = {
                    i: child.start_mark.line + 1 for i, child in enumerate(node.value)
                }
            return items
        if node.tag != _MAP or not isinstance(node, nodes.MappingNode):
            raise self.error(node, f"unsupported YAML tag {node.tag!r}")
        return self.mapping(node)

    def mapping(self, node: nodes.MappingNode) -> dict[str, JSONValue]:
        result: dict[str, JSONValue] = {}
        key_lines: dict[Any, int] = {}
        merged: dict[str, JSONValue] = {}
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, nodes.ScalarNode)
                and key_node.tag == _PLAIN
                and key_node.value == "<<"
            ):
                merged.update(self.merge_sources(value_node))
                continue
            if not isinstance(key_node, nodes.ScalarNode):
                raise self.error(key_node, "a mapping key must be a scalar")
            key = _key_text(self.scalar(key_node))
            if key in result:
                raise self.error(key_node, f"duplicate key {key!r}")
            result[key] = self.build(value_node)
            key_lines[key] = key_node.start_mark.line + 1
        for key, value in merged.items():
            result.setdefault(key, value)
        if self.track_lines:
            self.lines[id(result)] = key_lines
        return result

    def merge_sources(self, node: nodes.Node) -> dict[str, JSONValue]:
        # YAML merge keys: explicit keys win, then earlier merged mappings win.
        sources = node.value if isinstance(node, nodes.SequenceNode) else [node]
        merged: dict[str, JSONValue] = {}
        for source in sources:
            value = self.build(source)
            if not isinstance(value, dict):
                raise self.error(source, "a merge key '<<' needs a mapping or a list of mappings")
            for key, item in value.items():
                merged.setdefault(key, item)
        return merged

    def scalar(self, node: nodes.ScalarNode) -> JSONValue:
        tag, text = str(node.tag), node.value
        if tag == _PLAIN:
            return resolve_plain(text)
        if tag == _STR:
            return text
        explicit = {
            "tag:yaml.org,2002:int": int,
            "tag:yaml.org,2002:float": float,
            "tag:yaml.org,2002:bool": bool,
            "tag:yaml.org,2002:null": type(None),
        }
        wanted = explicit.get(tag)
        if wanted is None:
            raise self.error(node, f"unsupported YAML tag {tag!r}")
        value = resolve_plain(text)
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise self.error(node, f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}")
        return value


def parse_documents(text: str, path: str, *, track_lines: bool = False) -> list[Document]:
    """Every non-empty document in `text`; a syntax error becomes a UserError at its line."""
    builder = _Builder(path, track_lines)
    parser = _Parser(text)
    documents: list[Document] = []
    try:
        while parser.check_node():
            node = parser.get_node()
            data = builder.build(node)
            if data is None:
                continue
            documents.append(Document(data, Source(path, node.start_mark.line + 1), builder.lines))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError.at(Source(path, line), f"invalid YAML: {problem}") from None
    except RecursionError:
        raise UserError.at(Source(path, 1), "YAML nested too deeply") from None
    finally:
        parser.dispose()
    return documents
