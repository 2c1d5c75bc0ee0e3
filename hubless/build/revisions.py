"""What two revisions of a fleet render, side by side: all of it, or only what differs.

A revision is a commit's sources read from git (no checkout) with that commit's placement
record, or the work tree's sources with the record a render would read; either is
compiled exactly as `hubless render` would compile it, and its problems name it
(`REF:path:line`).

When the two differ only in templates that stand alone (hubless.build.standalone), and
nothing holds anything, every other template's objects are the same bytes on both sides:
then only the differing templates are compiled, each side with its own record, and their
files compare as the whole trees would. A compile of everything also says what is wrong
with the templates left out, so this needs to know that they compile: the base's committed
manifest must say that a render of exactly its sources, by this hubless, succeeded and
wrote the record beside it (its inputs digest, which covers hubless's own code). The other
templates then compile from the same inputs on both sides, without a word.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from hubless.build.digests import SourceDigests, template_digests
from hubless.build.plan import fleet_of
from hubless.build.standalone import compile_alone, stand_alone
from hubless.build.state.manifest import parse_manifest
from hubless.build.state.paths import MANIFEST
from hubless.build.state.record import PlacementRecord, previous_of, read_record, record_at
from hubless.build.suspension import suspends
from hubless.build.tree import cluster_files, desired_tree
from hubless.compile import compile_fleet
from hubless.errors import Source, UserError
from hubless.git import committed_text, sources_at
from hubless.load import SourceFile, read_sources
from hubless.model import Fleet
from hubless.repository import RENDERED_DIR, TEMPLATES_DIR
from hubless.results import Compiled


@contextlib.contextmanager
def _named(ref: str | None) -> Iterator[None]:
    """Problems found inside name the revision, so that a broken base is not mistaken for
    the work tree."""
    try:
        yield
    except UserError as exc:
        if ref is None:
            raise
        located = [
            p._replace(source=Source(f"{ref}:{p.source.path}", p.source.line)) if p.source else p
            for p in exc.problems
        ]
        raise UserError(located) from None


@dataclass
class Revision:
    """One side of a comparison, read once."""

    repo: Path
    ref: str | None  # None: the work tree
    files: list[SourceFile]
    record: PlacementRecord | None

    @classmethod
    def read(cls, repo: Path, ref: str | None) -> Revision:
        """The sources and placement record of `ref` (None: of the work tree)."""
        if ref is None:
            return cls(repo, None, read_sources(repo), read_record(repo))
        files = sources_at(repo, ref)  # its problems name `ref` already
        with _named(ref):
            return cls(repo, ref, files, record_at(repo, ref))

    @cached_property
    def fleet(self) -> Fleet:
        with _named(self.ref):
            return fleet_of(self.files, self.record, repo=self.repo)

    def compiled(self) -> Compiled:
        """Every template compiled, as a render compiles them."""
        fleet = self.fleet
        with _named(self.ref):
            return compile_fleet(fleet, previous_of(self.record), until_stable=True)

    def files_of(self, templates: Collection[str]) -> dict[str, bytes]:
        """The files of these templates (keys as `str(ResourceKey)` spells them) on every
        cluster, compiled alone, by path relative to rendered/."""
        fleet = self.fleet
        with _named(self.ref):
            return cluster_files(compile_alone(fleet, templates, previous_of(self.record))[1])

    def tree(self) -> dict[str, bytes]:
        """rendered/ as its sources produce it, without the manifest."""
        compiled = self.compiled()
        with _named(self.ref):  # writing finds problems too (two objects on one file)
            return desired_tree(compiled)

    @cached_property
    def rendered_here(self) -> bool:
        """Whether the manifest committed with the revision says that a render of exactly
        its sources, by this hubless, wrote its rendered/ (the work tree's is not asked)."""
        if self.ref is None or self.record is None:
            return False
        text = committed_text(self.repo, f"{RENDERED_DIR}/{MANIFEST}", self.ref)
        manifest = parse_manifest(text) if text is not None else None
        return manifest is not None and manifest.inputs == SourceDigests.of(self.files).inputs


def _holds(fleet: Fleet) -> bool:
    """Whether anything may be held at what clusters have (those files are not made of
    their sources alone)."""
    return suspends(fleet) or bool(fleet.rollout_policies)


def may_compare_alone(base: Revision) -> bool:
    """Whether the base is one that templates may be compiled alone against: rendered
    from its own sources by this hubless, holding nothing, with no policy that ties
    templates together."""
    return base.rendered_here and not _holds(base.fleet) and stand_alone(base.fleet, ())


def _policies(files: list[SourceFile]) -> list[SourceFile]:
    return [f for f in files if not f.path.startswith(f"{TEMPLATES_DIR}/")]


def changed_files(
    base: Revision, head: Revision
) -> tuple[dict[str, bytes], dict[str, bytes]] | None:
    """The files of the templates that differ, as each side renders them, when every other
    file is the same bytes on both sides (so comparing these compares everything); None
    when only compiling everything can tell. `base` must pass `may_compare_alone`."""
    if _policies(base.files) != _policies(head.files):
        return None  # the inventory or a policy differs
    before, after = template_digests(base.fleet.templates), template_digests(head.fleet.templates)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    if head.record is None or base.record is None:
        return None
    kept = {k: e for k, e in base.record.entries.items() if str(k) not in changed}
    if kept != {k: e for k, e in head.record.entries.items() if str(k) not in changed}:
        return None  # the other templates would start from different placements
    if _holds(head.fleet):
        return None
    if not stand_alone(base.fleet, changed, changed - before.keys()):
        return None
    if not stand_alone(head.fleet, changed, changed - after.keys()):
        return None
    return base.files_of(changed & before.keys()), head.files_of(changed & after.keys())
