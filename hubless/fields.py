"""Typed, located access to the fields of a loaded policy object.

Every accessor either returns a value of the expected type or raises a UserError that
names the file, the line of the offending field and its path (e.g. `spec.placement`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from hubless.documents import Document, a_yaml_type
from hubless.errors import Source, UserError


class Fields:
    """A mapping inside a document, with the path that leads to it."""

    def __init__(self, document: Document, mapping: dict[str, Any], path: str) -> None:
        self.document = document
        self.mapping = mapping
        self.path = path

    def child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def source(self, key: str | None = None) -> Source:
        if key is None:
            line = self.document.line_of(self.mapping, next(iter(self.mapping), None))
        else:
            line = self.document.line_of(self.mapping, key)
        return Source(self.document.source.path, line)

    def error(self, key: str | None, message: str) -> UserError:
        where = self.child_path(key) if key is not None else self.path
        prefix = f"{where}: " if where else ""
        return UserError.at(self.source(key), prefix + message)

    def __contains__(self, key: str) -> bool:
        return key in self.mapping and self.mapping[key] is not None

    def only(self, allowed: Iterable[str]) -> None:
        """Unknown fields are mistakes: a typo must not silently change a decision."""
        allowed = list(allowed)
        for key in self.mapping:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(sorted(allowed))
                raise self.error(key, f"unknown field{hint}; known fields: {known}")

    def raw(self, key: str) -> Any:
        return self.mapping.get(key)

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.mapping.get(key)
        if value is None:
            if required:
                raise self.error(None, f"missing required field {key!r}")
            return default
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {a_yaml_type(value)}")
        return value

    def enum(self, key: str, choices: Iterable[str], *, default: str = "") -> str:
        value = self.text(key, default=default)
        choices = list(choices)
        if value not in choices:
            options = ", ".join(repr(c) for c in choices if c)
            raise self.error(key, f"{value!r} is not one of {options}")
        return value

    def integer(self, key: str, *, default: int = 0) -> int:
        value = self.mapping.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"must be an integer, not {a_yaml_type(value)}")
        return value

    def flag(self, key: str, *, default: bool = False) -> bool:
        value = self.mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {a_yaml_type(value)}")
        return value

    def section(self, key: str) -> Fields | None:
        value = self.mapping.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"must be a map, not {a_yaml_type(value)}")
        return Fields(self.document, value, self.child_path(key))

    def string_map(self, key: str) -> dict[str, str]:
        child = self.section(key)
        if child is None:
            return {}
        for name, value in child.mapping.items():
            if not isinstance(value, str):
                raise child.error(name, f"must be a string, not {a_yaml_type(value)}")
        return dict(child.mapping)

    def items(self, key: str) -> list[Any]:
        value = self.mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, not {a_yaml_type(value)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.items(key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.at_index(key, index).error(None, "must be a string")
        return tuple(items)

    def maps(self, key: str) -> Iterator[Fields]:
        items = self.items(key)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.at_index(key, index).error(
                    None, f"must be a map, not {a_yaml_type(item)}"
                )
            yield Fields(self.document, item, f"{self.child_path(key)}[{index}]")

    def at_index(self, key: str, index: int) -> Fields:
        """A located stand-in for a list element, for error messages."""
        items = self.mapping[key]
        line = self.document.line_of(items, index)
        stand_in = Document({}, Source(self.document.source.path, line))
        return Fields(stand_in, {}, f"{self.child_path(key)}[{index}]")
