"""Memo keys that name an object by its id, without the id being reused."""

from __future__ import annotations


class Held:
    """Objects whose ids are in a memo's keys, kept alive as long as the memo: a freed
    object's id is soon another object's (a placement made for one template and dropped
    would otherwise find the results of another made later at the same address)."""

    def __init__(self) -> None:
        self._objects: dict[int, object] = {}

    def ident(self, value: object) -> int:
        key = id(value)
        if key not in self._objects:
            self._objects[key] = value
        return key
