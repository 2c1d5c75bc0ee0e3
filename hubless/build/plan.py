"""The one place that chooses how much of a fleet a render builds.

In order: nothing, when the sources and rendered/ are exactly as the last render left
them; only the changed templates (hubless.build.incremental); every decision but only
the clusters whose inputs changed (hubless.build.reuse); else everything. Each shortcut
writes byte for byte what the full render would, and steps aside when it cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hubless.build.digests import SourceDigests, code_digest, manifest_of, template_digests
from hubless.build.incremental import render_changed_templates
from hubless.build.namespaces import folders_of
from hubless.build.result import Rendering, Strategy
from hubless.build.reuse import Digests, render_changed_clusters
from hubless.build.rollouts import rolled_out, with_state
from hubless.build.state.hashes import tree_digest
from hubless.build.state.manifest import Manifest
from hubless.build.state.parses import parse_cache
from hubless.build.state.paths import MANIFEST
from hubless.build.state.record import PlacementRecord, previous_of, read_record
from hubless.build.state.transaction import TreeChange, compare
from hubless.build.suspension import committed_tree, suspended, suspends
from hubless.build.tree import desired_tree
from hubless.build.unchanged import Inputs, read_inputs, unchanged
from hubless.build.warned import (
    custom_kinds,
    fleet_warnings,
    template_notes,
    warnings_of,
)
from hubless.compile import compile_fleet, decide, materialize
from hubless.errors import Problem
from hubless.load import SourceFile, load_fleet, read_sources
from hubless.model import Fleet
from hubless.progress import Progress, quiet
from hubless.repository import RENDERED_DIR
from hubless.results import Compiled

Report = Callable[[Problem], None]  # where warnings go, as they are found


class Shortcut(Protocol):
    """A way to render less than everything: the change it makes, or None when it cannot
    tell that its result is what a full render would write."""

    def __call__(
        self,
        rendered: Path,
        fleet: Fleet,
        sources: SourceDigests,
        stored: Manifest,
        record: PlacementRecord | None,
        kube_version_default: str | None = None,
    ) -> Rendering | None: ...


SHORTCUTS: tuple[Shortcut, ...] = (render_changed_templates, render_changed_clusters)


def fleet_of(
    files: Sequence[SourceFile],
    record: PlacementRecord | None,
    *,
    rebalance: bool = False,
    repo: Path | None = None,
) -> Fleet:
    """The fleet of `files`, its dialects starting from the last render's placement
    (`rebalance`, `render --fresh`: from none); `repo`'s parse cache spares parsing YAML
    parsed before."""
    previous = {} if rebalance else previous_of(record)
    if repo is None:
        return load_fleet(files, previous)
    with parse_cache(repo, code_digest()) as cache:
        return load_fleet(files, previous, cache=cache)


def _ignore(_: Problem) -> None:
    pass


def plan_render(
    repo: Path,
    *,
    rebalance: bool = False,
    kube_version_default: str | None = None,
    validate: bool = True,
    progress: Progress | None = None,
    inputs: Inputs | None = None,
    trusting: bool = True,
) -> Rendering:
    """What a render of `repo` changes under rendered/, how it was worked out, and what a
    full render of the same sources says (validation's warnings with
    `kube_version_default`). Writes nothing; `progress` hears of each stage. `inputs`: the
    sources, if the caller has read them already. Unless `trusting`, everything is
    compiled and compared: nothing the manifest says, and no parsed YAML, is reused."""
    progress = progress or quiet()
    rendered = repo / RENDERED_DIR
    progress.begin("reading sources")
    if inputs is None:
        inputs = read_inputs(repo)
    files, sources, stored = inputs.files, inputs.sources, inputs.stored
    shortcuts = trusting and not rebalance
    if shortcuts:
        said = unchanged(repo, inputs, validate=validate, kube_version_default=kube_version_default)
        if said is not None:
            progress.end(len(files))
            return Rendering(Strategy.UNCHANGED, TreeChange(), warnings=said)
    record = read_record(repo)
    fleet = fleet_of(files, record, rebalance=rebalance, repo=repo if trusting else None)
    progress.end(len(files))
    progress.begin("deciding placement")
    holding = suspends(fleet) or bool(fleet.rollout_policies)
    # The shortcuts reuse files by digests of what they are made of; a held file is not
    # what it is made of, so a fleet that holds anything (or may start a rollout) is
    # rendered whole.
    if shortcuts and stored is not None and not holding:
        for shortcut in SHORTCUTS:
            rendering = shortcut(rendered, fleet, sources, stored, record, kube_version_default)
            if rendering is not None:
                progress.end(len(fleet.templates))
                return rendering
    decided = decide(fleet, previous_of(record), rebalance=rebalance, until_stable=True)
    progress.end(len(fleet.templates))
    progress.begin("writing objects")
    compiled = materialize(decided)
    committed = committed_tree(repo) if holding else {}
    suspension = suspended(fleet, compiled, desired_tree(compiled), committed)
    rollouts = rolled_out(repo, fleet, compiled, suspension.tree, committed)
    tree = with_state(rollouts.held.tree, rollouts.states)
    held = dict(suspension.files)
    for path, reasons in rollouts.held.files.items():
        held[path] = tuple(sorted({*held.get(path, ()), *reasons}))
    warnings = warnings_of(
        fleet,
        template_notes(decided, compiled.oversized),
        folders_of(tree),
        custom_kinds(compiled.objects),
        kube_version_default,
    )
    digests = Digests.of(decided)
    bodies = template_digests(fleet.templates)
    clusters, entries = (digests.clusters(), digests.templates()) if not holding else ({}, {})
    manifest = manifest_of(sources, bodies, tree_digest(tree), clusters, entries, warnings)
    tree[MANIFEST] = manifest.to_bytes()
    change = compare(rendered, tree)
    progress.end(sum(len(objects) for objects in compiled.objects.values()))
    return Rendering(Strategy.FULL, change, compiled, fleet, warnings=warnings, held=held)


@dataclass(frozen=True)
class Compilation:
    fleet: Fleet
    compiled: Compiled


def compile_repo(
    repo: Path,
    *,
    fleet: Fleet | None = None,
    rebalance: bool = False,
    trace: bool = False,
    report: Report = _ignore,
) -> Compilation:
    """The work tree's fleet (`fleet`, if already loaded) compiled as a render would
    compile it, nothing skipped."""
    record = read_record(repo)
    if fleet is None:
        fleet = fleet_of(read_sources(repo), record, rebalance=rebalance, repo=repo)
    for warning in fleet_warnings(fleet):
        report(warning)
    compiled = compile_fleet(
        fleet, previous_of(record), rebalance=rebalance, until_stable=True, trace=trace
    )
    return Compilation(fleet, compiled)
