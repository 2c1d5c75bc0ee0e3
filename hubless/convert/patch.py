"""JSON patches as Kubefed and KubeAdmiral apply them, turned into Karmada plaintext entries.

Kubefed (evanphx/json-patch v4) and KubeAdmiral (v5.6) treat `replace` of a missing object
member as `add`; Karmada's plaintext overrider fails it. On an object member `add` sets the
member whether or not it exists, which is exactly that lenient `replace`, so such entries
become `add`; a `replace` of an array element stays `replace` (both engines need it in
range). Which case applies depends on the document, so the patch is run on the object it
will meet: a failure there is a failure in the source system too, reported to the caller.
Negative array indices, `test`, `move` and `copy` are refused: Kubefed's engine has no
negative indices, and Karmada's plaintext overrider has only add, remove and replace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from hubless import pointer
from hubless.jsonvalue import deep_copy


class PatchError(Exception):
    pass


class Operation(NamedTuple):
    op: str  # add, remove, replace ("" is replace, as both source systems default it)
    path: str
    value: Any


def _tokens(path: str) -> list[str]:
    if not path.startswith("/"):
        raise PatchError(f"path {path!r} is not a JSON pointer into the object")
    return pointer.tokens(path)


def _index(token: str, size: int, path: str) -> int:
    if not token.isdigit():
        raise PatchError(f"{path}: {token!r} is not an array index")
    index = int(token)
    if index >= size:
        raise PatchError(f"{path}: index {index} is out of range")
    return index


def _parent(document: Any, tokens: list[str], path: str) -> Any:
    current = document
    for token in tokens:
        if isinstance(current, dict):
            if token not in current:
                raise PatchError(f"{path}: {token!r} does not exist")
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(token, len(current), path)]
        else:
            raise PatchError(f"{path}: {token!r} is inside a value that is not a map or list")
    return current


def apply_lenient(document: Any, operation: Operation) -> str:
    """Apply in place; returns the Karmada operator with the same effect here."""
    op = operation.op or "replace"
    if op not in ("add", "remove", "replace"):
        raise PatchError(f"operation {op!r} has no Karmada plaintext form")
    path = operation.path
    tokens = _tokens(path)
    parent = _parent(document, tokens[:-1], path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if op == "remove":
            if last not in parent:
                raise PatchError(f"remove {path}: the member does not exist")
            del parent[last]
            return "remove"
        parent[last] = deep_copy(operation.value)
        return "add"  # sets the member, existing or not: the lenient replace
    if isinstance(parent, list):
        if op == "add":
            if last == "-":
                parent.append(deep_copy(operation.value))
                return "add"
            if not last.isdigit() or int(last) > len(parent):
                raise PatchError(f"add {path}: {last!r} is not an index up to {len(parent)}")
            parent.insert(int(last), deep_copy(operation.value))
            return "add"
        index = _index(last, len(parent), path)
        if op == "remove":
            del parent[index]
        else:
            parent[index] = deep_copy(operation.value)
        return op
    raise PatchError(f"{op} {path}: the parent is not a map or list")


def to_plaintext(document: Any, operations: Sequence[Operation]) -> list[dict[str, Any]]:
    """Karmada plaintext entries with the effect the operations have on `document`.

    `document` is not changed. Raises PatchError when the source system fails the patch.
    """
    working = deep_copy(document)
    entries = []
    for operation in operations:
        operator = apply_lenient(working, operation)
        entry: dict[str, Any] = {"path": operation.path, "operator": operator}
        if operator != "remove":
            entry["value"] = deep_copy(operation.value)
        entries.append(entry)
    return entries
