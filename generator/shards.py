"""Splitting a large fleet's render across machines: shard K of N, and the merge.

Every shard makes all decisions over the whole fleet (scheduling needs every cluster) and
writes the objects of its own clusters only, to rendered/.hubless/shards/K-of-N/. A cluster
belongs to shard (sha256 of its name mod N) + 1, whatever the other clusters are. Merging
checks that every shard of N is there and that they agree, then writes rendered/ as one
render would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.errors import UserError

SHARDS_DIR = ".hubless/shards"  # relative to rendered/
DIGESTS_PATH = ".hubless/digests.json"  # in a shard only: its cluster and placement digests
_SPEC = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


def parse(text: str) -> tuple[int, int]:
    match = _SPEC.fullmatch(text)
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise UserError.at(None, f"--shard {text!r}: expected K/N with 1 <= K <= N")
    return int(match.group(1)), int(match.group(2))


def shard_of(cluster: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(cluster.encode("utf-8")).digest()[:8], "big") % count + 1


def members(clusters: Iterable[str], index: int, count: int) -> frozenset[str]:
    return frozenset(name for name in clusters if shard_of(name, count) == index)


def digests_bytes(clusters: Mapping[str, str], placements: Mapping[str, str]) -> bytes:
    data = {"clusters": dict(clusters), "placements": dict(placements)}
    return json.dumps(data, indent=2, sort_keys=True).encode("utf-8")


def parse_digests(text: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """A shard's digests; none if they are missing or unreadable (the next render makes
    them)."""
    try:
        data = json.loads(text)
        return (
            {str(k): str(v) for k, v in data["clusters"].items()},
            {str(k): str(v) for k, v in data["placements"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


def write(root: Path, index: int, count: int, tree: Mapping[str, bytes]) -> Path:
    target = root / SHARDS_DIR / f"{index}-of-{count}"
    if target.is_symlink() or target.exists():
        shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
    for relative, content in tree.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return target


def read(root: Path) -> dict[str, bytes]:
    """The union of every shard's files; an error unless all of one N are there and agree."""
    base = root / SHARDS_DIR
    found = sorted(base.iterdir()) if base.is_dir() else []
    shards = {}
    for entry in found:
        match = re.fullmatch(r"([0-9]+)-of-([0-9]+)", entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            raise UserError.at(None, f"{entry}: not a shard folder (K-of-N)")
        shards[(int(match.group(1)), int(match.group(2)))] = entry
    counts = {n for _, n in shards}
    if len(counts) != 1:
        raise UserError.at(None, f"{base}: expected the shards of one N, found {sorted(shards)}")
    count = counts.pop()
    missing = [k for k in range(1, count + 1) if (k, count) not in shards]
    if missing:
        raise UserError.at(None, f"{base}: shards {missing} of {count} are missing")
    tree: dict[str, bytes] = {}
    for (index, _), folder in sorted(shards.items()):
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory) / name
                relative = path.relative_to(folder).as_posix()
                content = path.read_bytes()
                if relative in tree and tree[relative] != content:
                    raise UserError.at(
                        None, f"shard {index} disagrees with an earlier one on {relative}"
                    )
                tree[relative] = content
    return tree
