"""What a render is made of, as digests: the sources, hubless's own code, each template.

A render compares them with the manifest the last render left to decide how much work
there is (hubless.build.plan).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import hubless
from hubless import __version__
from hubless.build.state.manifest import Manifest, Warnings
from hubless.repository import TEMPLATES_DIR
from hubless.sources import SourceFile

if TYPE_CHECKING:  # the model's import is a no-op render's cost (hubless.build.unchanged)
    from hubless.model import ResourceTemplate


@functools.cache
def code_digest() -> str:
    """hubless's own code: a change to it may change the output, so it is an input too.
    The built-in interpreters' scripts are code."""
    package = Path(hubless.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *package.rglob("interpreter/builtin/*/*/*.yaml")]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def inputs_digest(files: Iterable[SourceFile], options: str) -> str:
    """Sources and options. The placement record, also an input, is part of the output,
    which the output digest covers; renders settle it, so it is what they compiled from."""
    digest = hashlib.sha256()
    for part in (__version__, code_digest(), options):
        digest.update(part.encode("utf-8") + b"\0")
    for file in files:
        digest.update(file.path.encode("utf-8") + b"\0" + file.text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def policies_digest(files: Iterable[SourceFile]) -> str:
    """Everything but templates: a change here can move anything, so no shortcut applies."""
    return inputs_digest(
        (f for f in files if not f.path.startswith(f"{TEMPLATES_DIR}/")), "policies"
    )


def template_digests(templates: Iterable[ResourceTemplate]) -> dict[str, str]:
    """Each template's body, by key."""
    return {
        str(t.key): hashlib.sha256(
            json.dumps(t.body, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        for t in templates
    }


@dataclass(frozen=True)
class SourceDigests:
    """The digests of one repository state's sources, computed once per render."""

    inputs: str  # everything (options too)
    policies: str  # everything but templates/

    @classmethod
    def of(cls, files: list[SourceFile]) -> SourceDigests:
        # Options do not change the output, so they are not inputs. (`hubless validate`
        # always validates; a render of unchanged sources trusts the render that wrote them.)
        return cls(inputs_digest(files, ""), policies_digest(files))


def manifest_of(
    sources: SourceDigests,
    template_bodies: dict[str, str],
    output: str,
    cluster_digests: dict[str, str],
    template_entries: dict[str, str],
    warnings: Warnings,
) -> Manifest:
    """The manifest a render leaves beside what it wrote."""
    return Manifest(
        sources.inputs,
        output,
        sources.policies,
        template_bodies,
        code_digest(),
        cluster_digests,
        template_entries,
        warnings,
    )
