"""Rendering only the templates that changed.

When the policies and the cluster inventory are as the last render left them, rendered/
still holds exactly what it wrote, and the changed templates stand alone
(hubless.build.standalone), only those templates are scheduled and rendered again: the
files of their old placement are replaced by those of their new one and the record
entries are swapped.
The result is byte for byte what a full render writes (tested), and it says what a full
render says: the changed templates' warnings take the place of their old ones.
"""

from __future__ import annotations

from pathlib import Path

from hubless.build.digests import SourceDigests, manifest_of, template_digests
from hubless.build.layout import key_path
from hubless.build.result import Rendering, Strategy
from hubless.build.reuse import Digests, with_template
from hubless.build.standalone import compile_alone, stand_alone
from hubless.build.state.hashes import on_disk
from hubless.build.state.manifest import Manifest
from hubless.build.state.paths import MANIFEST, RECORD
from hubless.build.state.record import PlacementRecord
from hubless.build.state.transaction import compare_paths
from hubless.build.tree import cluster_files
from hubless.build.warned import (
    custom_kinds,
    merged_kinds,
    placed_kinds,
    replacing_templates,
    template_notes,
    warnings_of,
)
from hubless.compile import Decided
from hubless.model import Fleet


def _digests_after(
    stored: Manifest, decided: Decided, edited: set[str], added: set[str]
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The cluster and template-entry digests once the changed templates are rendered
    again, as a full render would compute them; None when only a full count can tell.

    An edit that moves nothing and changes no rule leaves every cluster's digest as it was
    (they do not cover bodies); a new template is added to the digests of its clusters.
    Anything else (an edit that moves the template, a removal) needs the old entries,
    which are not kept."""
    digests = Digests.of(decided)
    now = digests.templates()
    clusters = dict(stored.cluster_digests)
    entries = dict(stored.template_entries)
    for name in sorted(edited):
        if now.get(name) != stored.template_entries.get(name):
            return None
    for decision in decided.decisions:
        key = decision.binding.resource
        if str(key) not in added:
            continue
        found = digests.entries(key)
        if found is None:
            return None
        for cluster, entry in found:
            if cluster in clusters:
                clusters[cluster] = with_template(clusters[cluster], key, entry)
        if str(key) in now:
            entries[str(key)] = now[str(key)]
    return clusters, entries


def render_changed_templates(
    rendered: Path,
    fleet: Fleet,
    sources: SourceDigests,
    stored: Manifest,
    record: PlacementRecord | None,
    kube_version_default: str | None = None,
) -> Rendering | None:
    """The change to rendered/ for the changed templates only, or None to render otherwise."""
    if not stored.policies or stored.policies != sources.policies or record is None:
        return None
    bodies = template_digests(fleet.templates)
    changed = {key for key, digest in bodies.items() if stored.template_bodies.get(key) != digest}
    removed = set(stored.template_bodies) - set(bodies)
    if not changed and not removed:
        return None
    if len(changed) + len(removed) > max(1, len(bodies) // 10):
        return None  # a large change: the full render is as quick and simpler
    if removed & set(stored.template_entries):
        return None  # its old entries would have to come out of the cluster digests
    if not stand_alone(fleet, changed, removed):
        return None
    disk = on_disk(rendered)
    if disk is None or disk.digest() != stored.output:
        return None  # rendered/ is not what the last render wrote
    stale_keys = {k for k in record.entries if str(k) in changed | removed}
    previous = record.previous
    decided, compiled = compile_alone(fleet, changed, previous)
    files = cluster_files(compiled)
    old_paths = {
        f"{cluster}/{key_path(key)}" for key in stale_keys for cluster in previous[key].clusters
    }
    updated = record.replacing(stale_keys, compiled.decisions)
    files[RECORD] = updated.text().encode("utf-8")
    disk.apply(files, old_paths - set(files))
    after = _digests_after(
        stored,
        decided,
        changed & set(stored.template_bodies),
        changed - set(stored.template_bodies),
    )
    if after is None:
        return None
    cluster_digests, template_entries = after
    compiled_keys = changed | removed
    warnings = warnings_of(
        fleet,
        replacing_templates(
            stored.warnings, template_notes(decided, compiled.oversized), compiled_keys
        ),
        disk.folders(),
        merged_kinds(custom_kinds(compiled.objects), placed_kinds(fleet, updated, compiled_keys)),
        kube_version_default,
    )
    manifest = manifest_of(
        sources, bodies, disk.digest(), cluster_digests, template_entries, warnings
    )
    files[MANIFEST] = manifest.to_bytes()
    change = compare_paths(rendered, files, old_paths - set(files))
    return Rendering(Strategy.TEMPLATES, change, compiled, fleet, warnings=warnings)
