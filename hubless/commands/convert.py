"""`hubless convert --to karmada`: rewrite KubeAdmiral / Kubefed objects as Karmada's.

Reads every YAML file of policies/ and templates/ (Jinja2 files are left alone: they are
listed, not converted), writes the Karmada policies and plain manifests to
OUT/policies/karmada.yaml and OUT/templates/karmada.yaml, and prints every gap: what has
no exact Karmada equivalent, per object, and what was written instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hubless.convert.to_karmada import convert_to_karmada
from hubless.documents import parse_documents
from hubless.errors import Problems, Source, UserError
from hubless.load import read_sources
from hubless.repository import POLICIES_DIR, TEMPLATES_DIR
from hubless.serialize import dump


def _yaml(objects: list[dict[str, Any]]) -> str:
    return "".join(f"---\n{dump(item)}" for item in objects)


def convert(repo: Path, out: Path) -> int:
    problems = Problems()
    documents: list[tuple[Source, dict[str, Any]]] = []
    for file in read_sources(repo):
        if file.is_jinja:
            click.echo(f"{file.path}:1: note: a Jinja2 template: not converted", err=True)
            continue
        try:
            parsed = parse_documents(file.text, file.path, track_lines=True)
        except UserError as exc:
            problems.extend(exc)
            continue
        for document in parsed:
            if not isinstance(document.data, dict):
                problems.add(document.source, "a document must be a map (a Kubernetes object)")
                continue
            items = document.data.get("items")
            if document.data.get("kind") == "List" and isinstance(items, list):
                documents.extend((document.source, i) for i in items if isinstance(i, dict))
            else:
                documents.append((document.source, document.data))
    problems.raise_if_any()
    conversion = convert_to_karmada(documents)
    for gap in conversion.gaps:
        click.echo(f"{gap.source}: note: {gap.subject}: {gap.message}", err=True)
    for folder, objects in (
        (POLICIES_DIR, conversion.policies),
        (TEMPLATES_DIR, conversion.templates),
    ):
        target = out / folder / "karmada.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_yaml(objects), encoding="utf-8")
    click.echo(
        f"wrote {len(conversion.policies)} policies and {len(conversion.templates)} templates "
        f"to {out}/; {len(conversion.gaps)} gaps (no exact Karmada equivalent) listed above"
    )
    return 0
