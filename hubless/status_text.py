"""Replacing the `status` of one object in a YAML file, every other byte as it was.

ruamel.yaml's round-trip loader says where each top-level key of each document starts;
only the lines of the `status` block are replaced (or a block is added at the end of the
object), so comments, quoting, key order and layout elsewhere stay untouched. The new
block is written the way hubless writes every object (hubless.serialize), so the same
status always gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from hubless.serialize import dump

_DOCUMENT_END = re.compile(r"(---|\.\.\.)(\s|$)")

# Which document: given its apiVersion, kind and metadata.name.
Wanted = Callable[[Any, Any, Any], bool]


class CannotRewrite(Exception):
    """The object's status cannot be replaced in place: the message says why."""


def _documents(text: str) -> list[Any]:
    try:
        return list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        raise CannotRewrite(f"not readable as YAML: {exc}") from None


def _find(text: str, wanted: Wanted) -> CommentedMap:
    for document in _documents(text):
        if not isinstance(document, CommentedMap):
            continue
        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if wanted(document.get("apiVersion"), document.get("kind"), name):
            if document.fa.flow_style():
                raise CannotRewrite("the object is written in flow style ({...})")
            return document
    raise CannotRewrite("the object is not a document of its own in this file")


def _end_of_block(lines: list[str], start: int, stop: int, column: int) -> int:
    """Where a block that begins on line `start` ends, given that the next key (or the
    end of the document) is at line `stop`: blank lines and comments no deeper than the
    key before `stop` belong to what follows."""
    end = stop
    while end > start + 1:
        line = lines[end - 1]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped and not (stripped.startswith("#") and indent <= column):
            break
        end -= 1
    return end


def _document_end(lines: list[str], after: int) -> int:
    for index in range(after + 1, len(lines)):
        if _DOCUMENT_END.match(lines[index]):
            return index
    return len(lines)


def replace_status(text: str, wanted: Wanted, status: Mapping[str, Any]) -> str:
    """`text` with the status of the wanted object replaced by `status`."""
    document = _find(text, wanted)
    lines = text.splitlines(keepends=True)
    keys = list(document)
    column = document.lc.col
    if "status" in keys:
        start = document.lc.key("status")[0]
        position = keys.index("status")
        if position + 1 < len(keys):
            stop = document.lc.key(keys[position + 1])[0]
        else:
            stop = _document_end(lines, start)
        end = _end_of_block(lines, start, stop, column)
    else:
        last = document.lc.key(keys[-1])[0] if keys else document.lc.line
        start = end = _end_of_block(lines, last, _document_end(lines, last), column)
    block = "".join(
        " " * column + line if line.strip() else line
        for line in dump({"status": dict(status)}).splitlines(keepends=True)
    )
    before = "".join(lines[:start])
    if before and not before.endswith("\n"):
        before += "\n"
    return before + block + "".join(lines[end:])
