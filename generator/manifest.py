"""A digest of the inputs and of the output, kept beside the output.

When the sources, the previous placement and hubless itself are unchanged and rendered/
still holds exactly what was written, a render has nothing to do: it verifies the output
digest (reading the files, not trusting timestamps, so it holds on a fresh checkout) and
skips loading and compiling altogether.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator import __version__
from generator.load import SourceFile

MANIFEST_PATH = ".hubless/manifest.json"  # relative to rendered/
_SKIPPED = {MANIFEST_PATH, ".hubless/lock"}


def inputs_digest(files: Iterable[SourceFile], options: str) -> str:
    """Sources and options. The placement record, also an input, is part of the output,
    which the output digest covers; renders settle it, so it is what they compiled from."""
    digest = hashlib.sha256()
    for part in (__version__, options):
        digest.update(part.encode("utf-8") + b"\0")
    for file in files:
        digest.update(file.path.encode("utf-8") + b"\0" + file.text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def tree_digest(tree: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(tree):
        if path in _SKIPPED:
            continue
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(tree[path]).digest())
    return digest.hexdigest()


def disk_digest(root: Path) -> str | None:
    """The digest of what rendered/ holds, or None if it holds anything odd."""
    digest = hashlib.sha256()
    entries: list[tuple[str, bytes]] = []
    for directory, subdirs, names in os.walk(root):
        relative_dir = os.path.relpath(directory, root)
        if relative_dir == os.path.join(".hubless", "txn"):
            return None  # an interrupted render: let the full path deal with it
        subdirs.sort()
        for name in names:
            path = os.path.join(directory, name)
            relative = (
                name if relative_dir == "." else f"{relative_dir}/{name}".replace(os.sep, "/")
            )
            if relative in _SKIPPED:
                continue
            if os.path.islink(path):
                return None
            with open(path, "rb") as handle:
                entries.append((relative, hashlib.sha256(handle.read()).digest()))
        for name in subdirs:
            if os.path.islink(os.path.join(directory, name)):
                return None
    for relative, file_digest in sorted(entries):
        digest.update(relative.encode("utf-8") + b"\0" + file_digest)
    return digest.hexdigest()


def manifest_bytes(inputs: str, output: str) -> bytes:
    return (
        json.dumps({"inputs": inputs, "output": output}, indent=2, sort_keys=True) + "\n"
    ).encode()


def read_manifest(root: Path) -> tuple[str, str] | None:
    try:
        data = json.loads((root / MANIFEST_PATH).read_text(encoding="utf-8"))
        return str(data["inputs"]), str(data["output"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
