"""The interpreters hubless ships for custom resources Karmada ships interpreters for (and
Argo Rollouts): ResourceInterpreterCustomization objects written by this project, one file
per kind at `builtin/<group>/<version>/<Kind>.yaml`, in the tier between a user's own
customizations and Karmada's native rules.

A file is read the first time an object of its kind is interpreted: most renders meet few
of these kinds, and a run should not pay for the others.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.abc import Traversable

from hubless.documents import parse_documents
from hubless.interpreter import customization
from hubless.interpreter.customization import Customization

# How a built-in file is named in messages (it is not in the user's repository).
PREFIX = "<hubless built-in>"

Target = tuple[str, str]  # (apiVersion, kind)


@cache
def _files() -> dict[Target, Traversable]:
    """Each built-in's target, from where its file is, without reading it."""
    found: dict[Target, Traversable] = {}
    root = resources.files("hubless.interpreter") / "builtin"
    for group in root.iterdir():
        if not group.is_dir():
            continue
        for version in group.iterdir():
            for file in version.iterdir():
                if file.name.endswith(".yaml"):
                    kind = file.name.removesuffix(".yaml")
                    found[(f"{group.name}/{version.name}", kind)] = file
    return dict(sorted(found.items()))


def targets() -> tuple[Target, ...]:
    return tuple(_files())


@cache
def builtin(target: Target) -> tuple[Customization, ...]:
    """The built-in customizations of one kind (none for most kinds)."""
    file = _files().get(target)
    if file is None:
        return ()
    api_version, kind = target
    path = f"{PREFIX}/{api_version}/{kind}.yaml"
    found = tuple(
        customization.parse(document)
        for document in parse_documents(file.read_text(), path, track_lines=True)
    )
    for c in found:
        if (c.api_version, c.kind) != target:
            raise AssertionError(f"{path} targets {c.kind} ({c.api_version})")
    return found


def builtins() -> tuple[Customization, ...]:
    """Every built-in customization, ordered by target."""
    return tuple(c for target in targets() for c in builtin(target))
