"""Re-rendering only the templates that changed.

When the policies and the cluster inventory are as the last render left them, rendered/
still holds exactly what it wrote, and the changed templates stand alone (no
propagateDeps anywhere, no Namespace or CRD among them, no override that could rename an
object), only those templates are scheduled and rendered again: the files of their old
placement are replaced by those of their new one and the record entries are swapped.
The result is byte for byte what a full render writes (tested).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from generator.compile import Compiled, compile_fleet
from generator.emit import Plan, desired_tree, plan_paths
from generator.layout import object_path
from generator.manifest import (
    MANIFEST_PATH,
    Manifest,
    code_digest,
    digest_of,
    disk_hashes,
    hashing,
    manifest_bytes,
    template_digests,
)
from generator.model import Fleet, Overriders, PreviousPlacement, ResourceKey
from generator.record import RECORD_PATH, entry_of, text_of_entries
from generator.reuse import Reuse, with_template

_RENAMING_PATHS = ("/metadata/name", "/metadata/namespace", "/kind", "/apiVersion", "/metadata")
_GLOBAL_KINDS = {("", "Namespace"), ("apiextensions.k8s.io", "CustomResourceDefinition")}


class Incremental(NamedTuple):
    change: Plan
    compiled: Compiled  # the changed templates only


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


def _path_of(key: ResourceKey) -> str:
    api_version = f"{key.group}/v" if key.group else "v1"
    metadata = {"name": key.name, **({"namespace": key.namespace} if key.namespace else {})}
    return object_path({"apiVersion": api_version, "kind": key.kind, "metadata": metadata})


def _digests_after(
    stored: Manifest, compiled: Compiled, edited: set[str], added: set[str]
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The cluster and placement digests once the changed templates are rendered again, as
    a full render would compute them; None when only a full count can tell.

    An edit that moves nothing and changes no rule leaves every cluster's digest as it was
    (they do not cover bodies); a new template is added to the digests of its clusters.
    Anything else (an edit that moves the template, a removal) needs the old entries,
    which are not kept."""
    assert compiled.digests is not None
    now = compiled.digests.templates()
    clusters = dict(stored.clusters)
    placements = dict(stored.placements)
    for name in sorted(edited):
        if now.get(name) != stored.placements.get(name):
            return None
    for template in compiled.decisions:
        key = template.binding.resource
        if str(key) not in added:
            continue
        entries = compiled.digests.entries(key)
        if entries is None:
            return None
        for cluster, entry in entries:
            if cluster in clusters:
                clusters[cluster] = with_template(clusters[cluster], key, entry)
        if str(key) in now:
            placements[str(key)] = now[str(key)]
    return clusters, placements


def try_incremental(
    rendered: Path,
    fleet: Fleet,
    stored: Manifest,
    policies: str,
    inputs: str,
    entries: dict[ResourceKey, dict[str, Any]] | None,
    previous: dict[ResourceKey, PreviousPlacement],
) -> Incremental | None:
    """The change to rendered/ for the changed templates only, or None to render fully.

    `entries` are the last record's (`raw_entries`), `previous` the placement they hold."""
    if not stored.policies or stored.policies != policies or entries is None:
        return None
    if any(p.propagate_deps for p in fleet.propagation_policies) or _renames(fleet):
        return None
    digests = template_digests(fleet.templates)
    changed = {key for key, digest in digests.items() if stored.templates.get(key) != digest}
    removed = set(stored.templates) - set(digests)
    if not changed and not removed:
        return None
    if len(changed) + len(removed) > max(1, len(digests) // 10):
        return None  # a large change: the full render is as quick and simpler
    if removed & set(stored.placements):
        return None  # its old entries would have to come out of the cluster digests
    templates = [t for t in fleet.templates if str(t.key) in changed]
    if any((t.group, t.kind) in _GLOBAL_KINDS for t in templates):
        return None
    hashes = disk_hashes(rendered)
    if hashes is None or digest_of(hashes) != stored.output:
        return None  # rendered/ is not what the last render wrote
    stale_keys = {k for k in entries if str(k) in changed | removed}
    if any((k.group, k.kind) in _GLOBAL_KINDS for k in stale_keys):
        return None
    compiled = compile_fleet(
        dataclasses.replace(fleet, templates=tuple(templates)), previous, settle=True
    )
    tree = desired_tree(compiled)
    new_files = {p: c for p, c in tree.items() if not p.startswith(".hubless/")}
    old_paths = {
        f"{cluster}/{_path_of(key)}"
        for key in stale_keys
        for cluster in previous.get(key, PreviousPlacement()).clusters
    }
    entries = {k: v for k, v in entries.items() if k not in stale_keys}
    for decision in compiled.decisions:
        entries[decision.binding.resource] = entry_of(decision)
    record = text_of_entries(entries).encode("utf-8")
    files = {**new_files, RECORD_PATH: record}
    hashes = {p: h for p, h in hashes.items() if p not in old_paths}
    hashes.update({p: hashlib.sha256(c).digest() for p, c in files.items()})
    hashes.pop(MANIFEST_PATH, None)
    if removed & set(stored.placements):
        return None  # its old entries would have to come out of the cluster digests
    after = _digests_after(
        stored, compiled, changed & set(stored.templates), changed - set(stored.templates)
    )
    if after is None:
        return None
    clusters, placements = after
    manifest = Manifest(
        inputs,
        digest_of(hashes),
        policies,
        digests,
        stored.code,  # the policies digest covers the code: it is unchanged
        clusters,
        placements,
    )
    files[MANIFEST_PATH] = manifest_bytes(manifest)
    change = plan_paths(rendered, files, old_paths - set(files))
    return Incremental(change, compiled)


def reuse_clusters(
    rendered: Path,
    fleet: Fleet,
    stored: Manifest,
    policies: str,
    inputs: str,
    previous: dict[ResourceKey, PreviousPlacement],
) -> Incremental | None:
    """The change to rendered/ when clusters whose digest is unchanged keep their files,
    or None to render fully. Every decision is made again; only objects are spared."""
    if not stored.clusters or stored.code != code_digest():
        return None
    digests = template_digests(fleet.templates)
    changed = frozenset(
        t.key for t in fleet.templates if stored.templates.get(str(t.key)) != digests[str(t.key)]
    )
    with hashing(rendered) as hashed:
        reuse = Reuse(stored.clusters, changed)
        compiled = compile_fleet(fleet, previous, settle=True, reuse=reuse)
        hashes = hashed()
    if hashes is None or digest_of(hashes) != stored.output:
        return None  # rendered/ is not what the last render wrote
    tree = desired_tree(compiled)
    kept = {p: h for p, h in hashes.items() if p.split("/", 1)[0] in compiled.reused}
    files = {p: c for p, c in tree.items() if p != MANIFEST_PATH}
    removals = set(hashes) - set(kept) - set(files)
    hashes = {**kept, **{p: hashlib.sha256(c).digest() for p, c in files.items()}}
    manifest = Manifest(
        inputs,
        digest_of(hashes),
        policies,
        digests,
        code_digest(),
        compiled.digests.clusters() if compiled.digests else {},
        compiled.digests.templates() if compiled.digests else {},
    )
    files[MANIFEST_PATH] = manifest_bytes(manifest)
    return Incremental(plan_paths(rendered, files, removals), compiled)
