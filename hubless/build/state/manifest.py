"""rendered/.hubless/manifest.json: what the last render read and wrote.

It lets the next render skip work: unchanged sources and an unchanged rendered/ mean
nothing to do; unchanged policies mean only changed templates need rendering; unchanged
cluster digests mean those clusters' files can stay. It is a cache: a missing, unreadable
or foreign manifest only costs a full render.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hubless.build.state.paths import MANIFEST

# Attribute -> key in manifest.json (the file's keys predate some of the names).
_KEYS = {
    "inputs": "inputs",
    "output": "output",
    "policies": "policies",
    "template_bodies": "templates",
    "code": "code",
    "cluster_digests": "clusters",
    "template_entries": "placements",
}


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

    def to_bytes(self) -> bytes:
        data = {
            _KEYS[name]: value
            for name, value in asdict(self).items()
            if value or name in ("inputs", "output")
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _strings(data: dict[str, object], key: str) -> dict[str, str]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(key)
    return {str(k): str(v) for k, v in value.items()}


def read_manifest(root: Path) -> Manifest | None:
    """The manifest under rendered/ (`root`), or None if there is none that reads."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(
            str(data["inputs"]),
            str(data["output"]),
            str(data.get("policies", "")),
            _strings(data, "templates"),
            str(data.get("code", "")),
            _strings(data, "clusters"),
            _strings(data, "placements"),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
