"""Which files under rendered/ a render wrote, against the files whose content changed.

A render that rewrites unchanged files costs every GitOps agent a pass over them, so the
benchmark checks this rather than assuming it: a file counts as written when its inode or
mtime changed (or it appeared or went), as changed when its content did. hubless's own
bookkeeping (rendered/.hubless/) may be written on any render and is left out.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

BOOKKEEPING = ".hubless"


@dataclass(frozen=True, slots=True)
class FileState:
    inode: int
    mtime_ns: int
    sha256: bytes


Snapshot = Mapping[str, FileState]  # by path relative to rendered/, "/"-separated


def snapshot(rendered: Path) -> dict[str, FileState]:
    """Every output file's inode, mtime and content digest."""
    states: dict[str, FileState] = {}
    for folder, dirs, files in os.walk(rendered):
        relative = os.path.relpath(folder, rendered)
        if relative == ".":
            dirs[:] = [d for d in dirs if d != BOOKKEEPING]
            prefix = ""
        else:
            prefix = relative.replace(os.sep, "/") + "/"
        for name in files:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).digest()
            states[prefix + name] = FileState(stat.st_ino, stat.st_mtime_ns, digest)
    return states


@dataclass(frozen=True)
class Writes:
    """What one render wrote and changed; `within` the folders it may write (None: any)."""

    written: frozenset[str]
    changed: frozenset[str]
    within: tuple[str, ...] | None = None

    @property
    def rewritten(self) -> frozenset[str]:
        """Written with the content they had."""
        return self.written - self.changed

    @property
    def unwritten(self) -> frozenset[str]:
        """Changed though their inode and mtime are the same (no render does that)."""
        return self.changed - self.written

    @property
    def outside(self) -> frozenset[str]:
        if self.within is None:
            return frozenset()
        return frozenset(p for p in self.written if p.split("/", 1)[0] not in self.within)

    def problems(self) -> list[str]:
        found = []
        if not self.changed:
            found.append("no file changed")
        if self.rewritten:
            found.append(f"{len(self.rewritten)} unchanged files rewritten")
        if self.unwritten:
            found.append(f"{len(self.unwritten)} files changed in place")
        if self.outside:
            folders = ", ".join(self.within or ())
            found.append(f"{len(self.outside)} files written outside {folders}")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()

    def text(self) -> str:
        problems = self.problems()
        if problems:
            return "writes: " + "; ".join(problems)
        scope = f", all in {', '.join(self.within)}" if self.within is not None else ""
        return f"writes: ok ({len(self.written)} files{scope})"


def compare(before: Snapshot, after: Snapshot, within: Iterable[str] | None = None) -> Writes:
    """The writes between two snapshots; `within` names the only cluster folders expected."""
    paths = before.keys() | after.keys()
    written, changed = set(), set()
    for path in paths:
        old, new = before.get(path), after.get(path)
        if old is None or new is None:
            written.add(path)
            changed.add(path)
            continue
        if (old.inode, old.mtime_ns) != (new.inode, new.mtime_ns):
            written.add(path)
        if old.sha256 != new.sha256:
            changed.add(path)
    return Writes(
        frozenset(written), frozenset(changed), tuple(within) if within is not None else None
    )


def worst(all_writes: Iterable[Writes]) -> Writes:
    """The run that went worst (the first with a problem, else the last)."""
    chosen = None
    for writes in all_writes:
        chosen = writes
        if not writes.ok:
            break
    if chosen is None:
        raise ValueError("no writes to report")
    return chosen
