"""YAML text -> plain Python documents, read the way Kubernetes tooling reads them.

kubectl, Argo CD and Flux decode YAML with go-yaml v2 (through sigs.k8s.io/yaml), which
follows YAML 1.1: ``0644`` is octal 420, ``yes``/``on``/``y`` are booleans, timestamps stay
strings. Plain scalars are resolved here by those rules so that hubless sees exactly the
object the cluster would. Parsing uses libyaml through ruamel.yaml's C extension.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import __version__ as _RUAMEL_VERSION
from ruamel.yaml import events
from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from hubless.errors import Source, UserError
from hubless.jsonvalue import deep_copy

_STR = "tag:yaml.org,2002:str"
MAX_NODES = 5_000_000  # far beyond any real manifest; stops alias bombs ("billion laughs")
MAX_DEPTH = 200  # far deeper than any Kubernetes object, CRD schemas included
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
# id(mapping or list) -> {key or index: 1-based line}
Lines = Mapping[int, Mapping[Any, int]]


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
    # filled only when asked for
    lines: Lines = field(default_factory=dict, repr=False)

    def line_of(self, container: object, key: Any) -> int:
        """The line of `key` inside `container`, or the document's first line."""
        return self.lines.get(id(container), {}).get(key, self.source.line)


class _Parser(CParser):  # type: ignore[misc]
    """libyaml's event parser. Documents are built from its events without recursion, so
    no nesting depth can overflow a stack (libyaml's own composer recurses in C)."""

    def descend_resolver(self, *args: Any) -> None:
        pass

    def ascend_resolver(self, *args: Any) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        return _STR


_NO_KEY = object()
_SCALAR = events.ScalarEvent
_MAPPING_END = events.MappingEndEvent
_SEQUENCE_END = events.SequenceEndEvent
_EXPLICIT = {
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_line", "line", "lines", "merges")

    def __init__(self, container: Any, anchor: str | None, line: int) -> None:
        self.container = container
        self.anchor = anchor
        self.line = line
        self.key: Any = _NO_KEY
        self.key_line = line
        self.lines: dict[Any, int] = {}
        self.merges: list[tuple[Any, int]] = []


class _Builder:
    def __init__(self, path: str, track_lines: bool) -> None:
        self.path = path
        self.track_lines = track_lines
        self.lines: dict[int, dict[Any, int]] = {}
        self.nodes = 0
        self.depth = 0  # the deepest nesting met
        self.anchors: dict[str, Any] = {}

    def error(self, line: int, message: str) -> UserError:
        return UserError.at(Source(self.path, line), message)

    def count(self, amount: int, line: int) -> None:
        self.nodes += amount
        if self.nodes > MAX_NODES:
            raise self.error(
                line, f"the document expands to more than {MAX_NODES:,} values (YAML aliases?)"
            )

    def scalar(self, event: events.ScalarEvent, line: int) -> JSONValue:
        tag, text = event.tag, event.value
        if tag is None or tag == "!":
            plain = event.implicit[0] and not event.style
            return resolve_plain(text) if plain and tag is None else text
        if tag == _STR:
            return text
        wanted = _EXPLICIT.get(tag)
        if wanted is None:
            raise self.error(line, f"unsupported YAML tag {tag!r}")
        value = resolve_plain(text)
        if wanted is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise self.error(line, f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}")
        return value

    def copy(self, value: Any, line: int) -> Any:
        """An alias's value, copied: aliased content is never shared between places."""
        stack = [value]
        size = 0
        while stack:
            item = stack.pop()
            size += 1
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        self.count(size, line)
        return deep_copy(value)

    def documents(self, parser: _Parser) -> list[tuple[JSONValue, int]]:
        # One pass per event of every source file: the common events (scalars, the ends of
        # maps and lists) are told apart by their exact class, and an untagged scalar and
        # a list item are handled here, not through a method each.
        found: list[tuple[JSONValue, int]] = []
        stack: list[_Frame] = []
        root: Any = None
        start = 1
        track = self.track_lines
        check_event, get_event = parser.check_event, parser.get_event
        while check_event():
            event = get_event()
            mark = event.start_mark
            line = mark.line + 1 if mark is not None else 1
            kind = type(event)
            merge_key = False
            if kind is _SCALAR:
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self.count(0, line)
                if event.tag is None:
                    value = event.value
                    if not event.style:
                        merge_key = value == "<<"
                        if event.implicit[0]:
                            value = resolve_plain(value)
                else:
                    value = self.scalar(event, line)
                anchor = event.anchor
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                frame = stack.pop()
                value, anchor, line = self.finish(frame), frame.anchor, frame.line
            elif isinstance(event, events.DocumentStartEvent):
                root, start, self.anchors = None, line, {}
                continue
            elif isinstance(event, events.DocumentEndEvent):
                found.append((root, start))
                continue
            elif isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
                tag = event.tag
                standard = _MAP if isinstance(event, events.MappingStartEvent) else _SEQ
                if tag not in (None, "!", standard):
                    raise self.error(line, f"unsupported YAML tag {tag!r}")
                container: Any = {} if standard == _MAP else []
                self.count(1, line)
                if not stack:
                    start = line if root is None else start
                if len(stack) >= MAX_DEPTH:
                    raise self.error(line, f"nested more than {MAX_DEPTH} levels deep")
                stack.append(_Frame(container, event.anchor, line))
                self.depth = max(self.depth, len(stack))
                continue
            elif isinstance(event, events.ScalarEvent):
                self.count(1, line)
                value = self.scalar(event, line)
                anchor = event.anchor
                merge_key = event.value == "<<" and event.tag is None and not event.style
            elif isinstance(event, events.AliasEvent):
                if event.anchor not in self.anchors:
                    raise self.error(line, f"unknown alias {event.anchor!r}")
                value, anchor = self.copy(self.anchors[event.anchor], line), None
            elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
                frame = stack.pop()
                value, anchor, line = self.finish(frame), frame.anchor, frame.line
            else:
                continue
            if anchor is not None:
                self.anchors[anchor] = value
            if not stack:
                root = value
                continue
            frame = stack[-1]
            container = frame.container
            if type(container) is list:
                if track:
                    frame.lines[len(container)] = line
                container.append(value)
            else:
                self.place(frame, value, line, merge_key)
        return found

    def place(self, frame: _Frame, value: Any, line: int, merge_key: bool) -> None:
        container = frame.container
        if isinstance(container, list):
            if self.track_lines:
                frame.lines[len(container)] = line
            container.append(value)
            return
        if frame.key is _NO_KEY:
            if isinstance(value, dict | list):
                raise self.error(line, "a map key must be a scalar")
            frame.key = _MERGE if merge_key else _key_text(value)
            frame.key_line = line
            return
        key, frame.key = frame.key, _NO_KEY
        if key is _MERGE:
            frame.merges.append((value, line))
            return
        if key in container:
            raise self.error(frame.key_line, f"duplicate key {key!r}")
        container[key] = value
        frame.lines[key] = frame.key_line

    def finish(self, frame: _Frame) -> Any:
        container = frame.container
        if isinstance(container, dict) and frame.merges:
            # YAML merge keys: explicit keys win, then earlier merged mappings win.
            for value, line in frame.merges:
                sources = value if isinstance(value, list) else [value]
                for source in sources:
                    if not isinstance(source, dict):
                        raise self.error(line, "a merge key '<<' needs a map or a list of maps")
                    for key, item in source.items():
                        container.setdefault(key, item)
        if self.track_lines:
            self.lines[id(container)] = frame.lines
        return container


_MERGE = object()


def parser_version() -> str:
    """Which parser this is (ruamel.yaml, its libyaml extension as installed, Python): what
    a cache of parsed YAML is only good for."""
    extension = sys.modules[CParser.__module__]
    built = os.stat(extension.__file__ or "")
    return (
        f"ruamel.yaml {_RUAMEL_VERSION}, libyaml {extension.get_version_string()} "
        f"({built.st_size} bytes, {built.st_mtime_ns}), Python {sys.version}"
    )


@dataclass
class Parsed:
    """A YAML text's non-empty documents (data, first line), with what a caller that puts
    texts together needs: the line tables, how many values and how deep."""

    documents: list[tuple[JSONValue, int]]
    lines: dict[int, dict[Any, int]]
    nodes: int
    depth: int


def parse_text(text: str, path: str) -> Parsed:
    """`text` parsed with its line tables; a syntax error becomes a UserError at its line."""
    builder = _Builder(path, track_lines=True)
    return Parsed(_built(builder, text, path), builder.lines, builder.nodes, builder.depth)


def _built(builder: _Builder, text: str, path: str) -> list[tuple[JSONValue, int]]:
    parser = _Parser(text)
    try:
        built = builder.documents(parser)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError.at(Source(path, line), f"invalid YAML: {problem}") from None
    except ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise UserError.at(Source(path, line), f"invalid YAML: {exc.reason}") from None
    except YAMLError as exc:
        raise UserError.at(Source(path, 1), f"invalid YAML: {exc}") from None
    finally:
        parser.dispose()
    return [(data, line) for data, line in built if data is not None]


def parse_documents(text: str, path: str, *, track_lines: bool = False) -> list[Document]:
    """Every non-empty document in `text`; a syntax error becomes a UserError at its line."""
    builder = _Builder(path, track_lines)
    return [
        Document(data, Source(path, line), builder.lines)
        for data, line in _built(builder, text, path)
    ]


# JSON Schema's type names, and Python's for loaded values, in the words of YAML users.
_SCHEMA_WORDS = {"object": "map", "array": "list", "string": "string", "integer": "integer",
                 "number": "number", "boolean": "boolean", "null": "null"}  # fmt: skip


def yaml_type(value: Any) -> str:
    """What a loaded value is, as a YAML user says it: null, boolean, integer, number,
    string, list or map."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return type(value).__name__


def _a(word: str) -> str:
    if word == "null":
        return word
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def a_yaml_type(value: Any) -> str:
    """`a string`, `an integer`, `null`: what a value is, with its article."""
    return _a(yaml_type(value))


def type_mismatch(expected: Any, value: Any) -> str:
    """`must be an integer or null, not a string`: a schema's `type` (one name or a list)
    against the value found, in YAML users' words."""
    names = expected if isinstance(expected, list) else [expected]
    wanted = " or ".join(_a(_SCHEMA_WORDS.get(str(n), str(n))) for n in names)
    return f"must be {wanted}, not {_a(yaml_type(value))}"
