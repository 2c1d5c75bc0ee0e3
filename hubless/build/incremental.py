"""Rendering only the templates that changed.

When the policies and the cluster inventory are as the last render left them, rendered/
still holds exactly what it wrote, and the changed templates stand alone (no
propagateDeps anywhere, no Namespace, CRD or resource of a CRD in templates/ among them, no
override that could rename an object, no autoscaler among them or beside a workload among
them), only those templates are scheduled and rendered again: the files of their old
placement are replaced by those of their new one and the record entries are swapped.
The result is byte for byte what a full render writes (tested), and it says what a full
render says: the changed templates' warnings take the place of their old ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from hubless import autoscaling, federatedhpa, multiclusterservice, workloads
from hubless.build.digests import SourceDigests, manifest_of, template_digests
from hubless.build.layout import key_path
from hubless.build.result import Rendering, Strategy
from hubless.build.reuse import Digests, with_template
from hubless.build.state.hashes import digest_of, disk_hashes
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
from hubless.compile import Decided, decide, materialize
from hubless.kinds import crd_scopes
from hubless.model import Fleet, Overriders, ResourceTemplate

_RENAMING_PATHS = ("/metadata/name", "/metadata/namespace", "/kind", "/apiVersion", "/metadata")
_GLOBAL_KINDS = {("", "Namespace"), ("apiextensions.k8s.io", "CustomResourceDefinition")}


def _renames(fleet: Fleet) -> bool:
    for policy in fleet.override_policies:
        for rule in policy.rules:
            if not isinstance(rule.overriders, Overriders):
                continue  # the other dialects refuse patches to names and kinds
            paths = [o.path for o in rule.overriders.plaintext]
            paths += [o.field_path for o in rule.overriders.field]
            if any(path.startswith(_RENAMING_PATHS) for path in paths):
                return True
    return False


def _autoscaling_involved(fleet: Fleet, changed: list[ResourceTemplate]) -> bool:
    """Whether a change may alter which workloads an autoscaler scales: a changed
    autoscaler (its targets are other templates), or a changed workload in a namespace
    with an autoscaler (rendering it alone would not see that autoscaler)."""
    if any(autoscaling.is_autoscaler(t.group, t.kind) for t in changed):
        return True
    namespaces = {
        t.namespace for t in fleet.templates if autoscaling.is_autoscaler(t.group, t.kind)
    }
    return any(
        workloads.autoscalable(t.group, t.kind) and t.namespace in namespaces for t in changed
    )


# Templates that place or scale other templates, by the start of their keys.
_GOVERNING = (
    f"{multiclusterservice.KIND}.{multiclusterservice.GROUP}/",
    f"{federatedhpa.FEDERATED_HPA}.{federatedhpa.GROUP}/",
)


def _moves_others(fleet: Fleet, removed: set[str]) -> bool:
    """Whether a MultiClusterService or a FederatedHPA is, or was, in the fleet: it decides
    another template's clusters or replicas, which rendering the changed templates alone
    would not see."""
    if fleet.multicluster_services or fleet.federated_scalings:
        return True
    return any(key.startswith(_GOVERNING) for key in removed)


def _shares_a_file(fleet: Fleet, changed: list[ResourceTemplate]) -> bool:
    """Whether a changed template's file is another template's too (`Widget` and `WIDGET`):
    only a render of every template sees both."""
    paths = {key_path(t.key) for t in changed}
    keys = {t.key for t in changed}
    seen: set[str] = set()
    for template in fleet.templates:
        path = key_path(template.key)
        if path in seen or (path in paths and template.key not in keys):
            return True
        if template.key in keys:
            seen.add(path)
    return False


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
    if any(p.propagate_deps for p in fleet.propagation_policies) or _renames(fleet):
        return None
    if fleet.gates.workload_affinity and any(
        p.placement.workload_affinity is not None for p in fleet.propagation_policies
    ):
        return None  # a grouped workload's clusters depend on its peers' placements
    bodies = template_digests(fleet.templates)
    changed = {key for key, digest in bodies.items() if stored.template_bodies.get(key) != digest}
    removed = set(stored.template_bodies) - set(bodies)
    if not changed and not removed:
        return None
    if _moves_others(fleet, removed):
        return None
    if len(changed) + len(removed) > max(1, len(bodies) // 10):
        return None  # a large change: the full render is as quick and simpler
    if removed & set(stored.template_entries):
        return None  # its old entries would have to come out of the cluster digests
    templates = [t for t in fleet.templates if str(t.key) in changed]
    if any((t.group, t.kind) in _GLOBAL_KINDS for t in templates):
        return None
    declared = crd_scopes(t.body for t in fleet.templates)
    if any((t.group, t.kind) in declared for t in templates):
        return None  # where its CRD goes serves its API there (hubless.installed_apis)
    if _autoscaling_involved(fleet, templates):
        return None
    if _shares_a_file(fleet, templates):
        return None  # the full render names the two templates
    hashes = disk_hashes(rendered)
    if hashes is None or digest_of(hashes) != stored.output:
        return None  # rendered/ is not what the last render wrote
    stale_keys = {k for k in record.entries if str(k) in changed | removed}
    if any((k.group, k.kind) in _GLOBAL_KINDS for k in stale_keys):
        return None
    if any(autoscaling.is_autoscaler(k.group, k.kind) for k in stale_keys):
        return None  # a removed autoscaler's targets change too
    previous = record.previous
    decided = decide(
        dataclasses.replace(fleet, templates=tuple(templates)), previous, until_stable=True
    )
    compiled = materialize(decided)
    files = cluster_files(compiled)
    old_paths = {
        f"{cluster}/{key_path(key)}" for key in stale_keys for cluster in previous[key].clusters
    }
    updated = record.replacing(stale_keys, compiled.decisions)
    files[RECORD] = updated.text().encode("utf-8")
    hashes = {p: h for p, h in hashes.items() if p not in old_paths}
    hashes.update({p: hashlib.sha256(c).digest() for p, c in files.items()})
    hashes.pop(MANIFEST, None)
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
        hashes,
        merged_kinds(custom_kinds(compiled.objects), placed_kinds(fleet, updated, compiled_keys)),
        kube_version_default,
    )
    manifest = manifest_of(
        sources, bodies, digest_of(hashes), cluster_digests, template_entries, warnings
    )
    files[MANIFEST] = manifest.to_bytes()
    change = compare_paths(rendered, files, old_paths - set(files))
    return Rendering(Strategy.TEMPLATES, change, compiled, fleet, warnings=warnings)
