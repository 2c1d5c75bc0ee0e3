"""fieldOverrider: patch a JSON or YAML document embedded in a string field.

The string at `fieldPath` (it must exist and be a string) is parsed, patched with the
sub-path operations as one RFC 6902 patch, and written back: JSON compactly, keys in their
original order and added keys last, with `<`, `>`, `&`, U+2028 and U+2029 escaped as Go's
encoder does; YAML with keys sorted in go-yaml's natural order (digit runs compare as
numbers). Comments and the original layout of the embedded document are not kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jsonpointer

from hubless.documents import parse_documents
from hubless.errors import UserError
from hubless.model import FieldOverrider
from hubless.overriders.failure import OverrideFailure
from hubless.overriders.jsonpatch_v5 import apply_patch
from hubless.serialize import dump

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def encode_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def natural_less(a: str, b: str) -> bool:
    """go-yaml v2's map key order: letters by code point, non-letters before letters,
    digit runs compared as numbers."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        a_letter, b_letter = _is_letter(a[i]), _is_letter(b[i])
        if a_letter and b_letter:
            return a[i] < b[i]
        if a_letter or b_letter:
            return b_letter
        a_number = b_number = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    a_number = b_number = 1
                    break
                j -= 1
        a_end = i
        while a_end < len(a) and a[a_end].isdigit():
            a_number = a_number * 10 + int(a[a_end])
            a_end += 1
        b_end = i
        while b_end < len(b) and b[b_end].isdigit():
            b_number = b_number * 10 + int(b[b_end])
            b_end += 1
        if a_number != b_number:
            return a_number < b_number
        if a_end != b_end:
            return a_end < b_end
        return a[i] < b[i]
    return len(a) < len(b)


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        # Insertion sort with the pairwise rule: it is not a plain key function.
        for i in range(1, len(keys)):
            j = i
            while j > 0 and natural_less(keys[j], keys[j - 1]):
                keys[j], keys[j - 1] = keys[j - 1], keys[j]
                j -= 1
        return {key: _sorted_keys(value[key]) for key in keys}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def _parse(text: str, overrider: FieldOverrider) -> Any:
    if overrider.format == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise OverrideFailure(
                f"{overrider.field_path} is not JSON: {exc}", overrider.source
            ) from None
    try:
        documents = parse_documents(text, overrider.field_path)
    except UserError as exc:
        reason = exc.problems[0].message
        raise OverrideFailure(
            f"{overrider.field_path} is not YAML: {reason}", overrider.source
        ) from None
    return documents[0].data if documents else None


def apply(body: dict[str, Any], overriders: Sequence[FieldOverrider]) -> dict[str, Any]:
    for overrider in overriders:
        try:
            pointer = jsonpointer.JsonPointer(overrider.field_path)
            text = pointer.resolve(body)
        except (jsonpointer.JsonPointerException, KeyError, IndexError, TypeError):
            raise OverrideFailure(
                f"{overrider.field_path} does not exist", overrider.source
            ) from None
        if not isinstance(text, str):
            raise OverrideFailure(f"{overrider.field_path} is not a string", overrider.source)
        document = _parse(text, overrider)
        patched = apply_patch(
            document, [(p.operator, p.path, p.value, overrider.source) for p in overrider.patches]
        )
        if overrider.format == "json":
            new_text = encode_json(patched)
        else:
            new_text = dump(_sorted_keys(patched))
        pointer.set(body, new_text)
    return body
