"""Whether a render has nothing to do: the sources are those the last render read, and
rendered/ holds exactly what it wrote.

The most frequent render (a pre-commit hook, a CI check) is that one, and it is all
start-up: this module and what it imports read files and digests only, never the
compiler, the dialects, Jinja2, YAML or git (hubless.build.plan decides everything else).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hubless.build.digests import SourceDigests
from hubless.build.state.hashes import disk_digest
from hubless.build.state.manifest import Manifest, Warnings, read_manifest
from hubless.repository import RENDERED_DIR
from hubless.sources import SourceFile, read_sources


@dataclass(frozen=True)
class Inputs:
    """What every render reads first."""

    files: list[SourceFile]
    sources: SourceDigests
    stored: Manifest | None  # what the last render left, if it reads


def read_inputs(repo: Path) -> Inputs:
    files = read_sources(repo)
    return Inputs(files, SourceDigests.of(files), read_manifest(repo / RENDERED_DIR))


def unchanged(
    repo: Path, inputs: Inputs, *, validate: bool = True, kube_version_default: str | None = None
) -> Warnings | None:
    """What the last render said, if rendered/ is exactly what it wrote from these same
    sources; else None. Validation's warnings are worked out again (`validate`) when the
    last render had another --kube-version-default."""
    stored = inputs.stored
    if (
        stored is None
        or stored.inputs != inputs.sources.inputs
        or disk_digest(repo / RENDERED_DIR) != stored.output
    ):
        return None
    warnings = stored.warnings
    if validate and warnings.validated_with != (kube_version_default or ""):
        # Rare, and it needs the fleet: the loader and the validator only then.
        from hubless.build.warned import revalidated
        from hubless.load import load_fleet

        warnings = revalidated(warnings, load_fleet(inputs.files), kube_version_default)
    return warnings
