"""The interpreters hubless ships for custom resources Karmada ships interpreters for (and
Argo Rollouts): ResourceInterpreterCustomization objects written by this project, one file
per kind under `builtin/<group>/<version>/<Kind>.yaml`, in the tier between a user's own
customizations and Karmada's native rules."""

from __future__ import annotations

from functools import cache
from importlib import resources

from hubless.documents import parse_documents
from hubless.errors import Source
from hubless.interpreter import customization
from hubless.interpreter.customization import Customization

# How a built-in file is named in messages (it is not in the user's repository).
PREFIX = "<hubless built-in>"


@cache
def builtins() -> tuple[Customization, ...]:
    """Every built-in customization, ordered by target (read once: package data)."""
    found: list[Customization] = []
    root = resources.files("hubless.interpreter") / "builtin"
    for group in sorted(root.iterdir(), key=lambda p: p.name):
        if not group.is_dir():
            continue
        for version in sorted(group.iterdir(), key=lambda p: p.name):
            for file in sorted(version.iterdir(), key=lambda p: p.name):
                if not file.name.endswith(".yaml"):
                    continue
                path = f"{PREFIX}/{group.name}/{version.name}/{file.name}"
                for document in parse_documents(file.read_text(), path, track_lines=True):
                    found.append(customization.parse(document))
    return tuple(sorted(found, key=lambda c: (c.api_version, c.kind, c.name)))


def is_builtin(source: Source) -> bool:
    return source.path.startswith(PREFIX)
