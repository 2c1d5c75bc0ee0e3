"""rendered/.hubless/manifest.json: what the last render read and wrote.

It lets the next render skip work: unchanged sources and an unchanged rendered/ mean
nothing to do; unchanged policies mean only changed templates need rendering; unchanged
cluster digests mean those clusters' files can stay. It is a cache: a missing, unreadable
or foreign manifest only costs a full render.

It also keeps what the render said (its warnings), each with what it is about, so that a
render that skips work still says all of it: valid for the output it was written with only,
like the digests beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from hubless.build.state.paths import MANIFEST
from hubless.errors import Problem, Source

# Attribute -> key in manifest.json (the file's keys predate some of the names).
_KEYS = {
    "inputs": "inputs",
    "output": "output",
    "policies": "policies",
    "template_bodies": "templates",
    "code": "code",
    "cluster_digests": "clusters",
    "template_entries": "placements",
    "warnings": "warnings",
}


@dataclass(frozen=True)
class TemplateNotes:
    """What a render says about one template."""

    template: str  # its key
    source: Source | None
    problems: tuple[Problem, ...] = ()  # found deciding where it goes, in order
    oversized: tuple[tuple[str, int], ...] = ()  # (cluster, file size) over the limit
    unmatched: bool = False  # no propagation policy matches it


@dataclass(frozen=True)
class Warnings:
    """Everything a render says, by what it is about (hubless.build.warned computes it)."""

    fleet: tuple[Problem, ...] = ()  # about the inventory and the policies
    templates: tuple[TemplateNotes, ...] = ()  # in template order, those with something
    namespaces: tuple[Problem, ...] = ()  # about the output tree
    # what validation says with --kube-version-default `validated_with` ("": none);
    # None when it was not worked out
    validated_with: str | None = None
    validation: tuple[Problem, ...] = ()
    # "apiVersion kind" -> clusters, for the objects of custom API groups (what validation
    # warnings are worked out from)
    custom_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self != Warnings()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.fleet:
            data["fleet"] = [_problem_data(p) for p in self.fleet]
        if self.templates:
            data["templates"] = [_notes_data(n) for n in self.templates]
        if self.namespaces:
            data["namespaces"] = [_problem_data(p) for p in self.namespaces]
        if self.validated_with is not None:
            data["validation"] = {
                "kubeVersionDefault": self.validated_with,
                "warnings": [_problem_data(p) for p in self.validation],
            }
        if self.custom_kinds:
            data["customKinds"] = {k: list(v) for k, v in sorted(self.custom_kinds.items())}
        return data

    @classmethod
    def of_data(cls, data: Any) -> Warnings:
        """Raises ValueError (or KeyError, TypeError) for anything `to_data` did not write."""
        if not isinstance(data, dict):
            raise ValueError("warnings")
        validation = data.get("validation")
        return cls(
            tuple(_problem(p) for p in data.get("fleet", [])),
            tuple(_notes(n) for n in data.get("templates", [])),
            tuple(_problem(p) for p in data.get("namespaces", [])),
            None if validation is None else str(validation["kubeVersionDefault"]),
            tuple(_problem(p) for p in (validation or {}).get("warnings", [])),
            {str(k): tuple(str(c) for c in v) for k, v in data.get("customKinds", {}).items()},
        )


def _source_data(source: Source | None) -> list[Any] | None:
    return None if source is None else [source.path, source.line]


def _source(data: Any) -> Source | None:
    return None if data is None else Source(str(data[0]), int(data[1]))


def _problem_data(problem: Problem) -> dict[str, Any]:
    return {
        "source": _source_data(problem.source),
        "severity": problem.severity,
        "message": problem.message,
    }


def _problem(data: Any) -> Problem:
    return Problem(_source(data["source"]), str(data["message"]), str(data["severity"]))


def _notes_data(notes: TemplateNotes) -> dict[str, Any]:
    data: dict[str, Any] = {"template": notes.template, "source": _source_data(notes.source)}
    if notes.problems:
        data["problems"] = [_problem_data(p) for p in notes.problems]
    if notes.oversized:
        data["oversized"] = [[cluster, size] for cluster, size in notes.oversized]
    if notes.unmatched:
        data["unmatched"] = True
    return data


def _notes(data: Any) -> TemplateNotes:
    return TemplateNotes(
        str(data["template"]),
        _source(data["source"]),
        tuple(_problem(p) for p in data.get("problems", [])),
        tuple((str(c), int(size)) for c, size in data.get("oversized", [])),
        bool(data.get("unmatched", False)),
    )


@dataclass(frozen=True)
class Manifest:
    inputs: str  # sources, options and hubless itself (hubless.build.digests)
    output: str  # every file it wrote (hubless.build.state.hashes.digest_of)
    policies: str = ""  # everything but templates
    template_bodies: dict[str, str] = field(default_factory=dict)  # template key -> body digest
    code: str = ""  # hubless itself
    # cluster -> what its objects are made of, bodies aside (hubless.build.reuse)
    cluster_digests: dict[str, str] = field(default_factory=dict)
    # template key -> its entries on every cluster (hubless.build.reuse)
    template_entries: dict[str, str] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)  # what the render said

    def claims(self) -> Manifest:
        """What later renders take on trust to skip work: everything but the warnings
        (a render prints them, and they follow its validation options)."""
        return replace(self, warnings=Warnings())

    def to_bytes(self) -> bytes:
        data = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value or item.name in ("inputs", "output"):
                data[_KEYS[item.name]] = value.to_data() if item.name == "warnings" else value
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _strings(data: dict[str, object], key: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(key)
    return {str(k): str(v) for k, v in value.items()}


def read_manifest(root: Path) -> Manifest | None:
    """The manifest under rendered/ (`root`), or None if there is none that reads."""
    try:
        return parse_manifest((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not there, or not text
        return None


def parse_manifest(text: str) -> Manifest | None:
    """A manifest's text read back, or None if it is not one."""
    try:
        data = json.loads(text)
        return Manifest(
            str(data["inputs"]),
            str(data["output"]),
            str(data.get("policies", "")),
            _strings(data, "templates"),
            str(data.get("code", "")),
            _strings(data, "clusters"),
            _strings(data, "placements"),
            Warnings.of_data(data.get("warnings", {})),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
