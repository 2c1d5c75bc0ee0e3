"""What a render says, whichever way it went: the warnings a full render of the same
sources prints, in the same order, on every render.

A render that skips work cannot find everything again, so the manifest keeps what the last
render said, each warning with what it is about (hubless.build.state.manifest.Warnings):
the inventory and policies (worked out again on every render that loads them), a template
(replaced when that template is compiled again; an object over the size limit also by
cluster), the output tree (namespaces, worked out again over the final tree), and the
kinds validation could not check (by cluster). hubless.build.printed says in which order
they are printed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from hubless.build.namespaces import namespace_warnings
from hubless.build.state.manifest import TemplateNotes, Warnings
from hubless.build.state.record import PlacementRecord
from hubless.compile import Decided
from hubless.dialects import inventory_warnings
from hubless.errors import Problem, Source
from hubless.inventory import unknown_cluster_warnings
from hubless.kubeschema import is_builtin_group
from hubless.model import Fleet, PropagationPolicy, ResourceKey
from hubless.results import Compiled, Oversized, RenderedObject
from hubless.rollout.checks import rollout_warnings
from hubless.validation import validate_compiled

Notes = dict[str, TemplateNotes]  # by template key
Kinds = dict[str, set[str]]  # "apiVersion kind" -> clusters


def fleet_warnings(fleet: Fleet) -> tuple[Problem, ...]:
    """What the inventory and the policies alone say."""
    return (*inventory_warnings(fleet), *unknown_cluster_warnings(fleet), *rollout_warnings(fleet))


def _other_scheduler(key: ResourceKey, policy: PropagationPolicy) -> Problem:
    return Problem.warning(
        policy.source,
        f"{policy.ref} matches {key} but names schedulerName {policy.scheduler_name!r}: "
        "hubless runs only Karmada's default-scheduler, so it goes to no cluster",
    )


def template_notes(decided: Decided, oversized: Iterable[Oversized] = ()) -> Notes:
    """What is said about each template `decided` covers, by key: what deciding found, and
    the objects of `oversized` (the clusters built)."""
    problems: dict[ResourceKey, list[Problem]] = {}
    for warned in decided.warnings:
        problems.setdefault(warned.template, []).append(warned.problem)
    for key, policy in decided.other_scheduler:
        problems.setdefault(key, []).append(_other_scheduler(key, policy))
    sizes: dict[ResourceKey, list[tuple[str, int]]] = {}
    for found in oversized:
        sizes.setdefault(found.template, []).append((found.cluster, found.size))
    unmatched = set(decided.unmatched)
    notes: Notes = {}
    for template in decided.fleet.templates:
        key = template.key
        if key in problems or key in sizes or key in unmatched:
            notes[str(key)] = TemplateNotes(
                str(key),
                template.source,
                tuple(problems.get(key, ())),
                tuple(sorted(sizes.get(key, ()))),
                key in unmatched,
            )
    return notes


def replacing_templates(stored: Warnings, fresh: Notes, compiled: Collection[str]) -> Notes:
    """The notes once the templates `compiled` (keys) were compiled again into `fresh`."""
    notes = {n.template: n for n in stored.templates if n.template not in compiled}
    notes.update(fresh)
    return notes


def keeping_clusters(stored: Warnings, fresh: Notes, kept: Collection[str]) -> Notes:
    """The notes of a render that decided everything again (`fresh`) but built only the
    clusters not `kept`: objects over the size limit on kept clusters are as they were
    (a kept cluster holds no changed template, and the same templates as before)."""
    notes = dict(fresh)
    for old in stored.templates:
        sizes = tuple((c, size) for c, size in old.oversized if c in kept)
        if not sizes:
            continue
        now = notes.get(old.template, TemplateNotes(old.template, old.source))
        notes[old.template] = replace(now, oversized=tuple(sorted(now.oversized + sizes)))
    return notes


def combined(parts: Sequence[Warnings]) -> tuple[Notes, Kinds]:
    """The notes and custom kinds of shards that each decided everything but built only
    their own clusters."""
    notes: Notes = {}
    for part in parts:
        for found in part.templates:
            known = notes.get(found.template)
            if known is None:
                notes[found.template] = found
            elif found.oversized:
                sizes = tuple(sorted(known.oversized + found.oversized))
                notes[found.template] = replace(known, oversized=sizes)
    kinds = merged_kinds(*(part.custom_kinds for part in parts))
    return notes, kinds


def custom_kinds(objects: Mapping[str, list[RenderedObject]]) -> Kinds:
    """The objects of custom API groups, by "apiVersion kind": only their validation can
    warn (a built-in kind without a schema is an error)."""
    kinds: Kinds = {}
    for cluster, items in objects.items():
        for rendered in items:
            api_version = str(rendered.body.get("apiVersion"))
            if not is_builtin_group(api_version):
                kinds.setdefault(f"{api_version} {rendered.body.get('kind')}", set()).add(cluster)
    return kinds


def merged_kinds(*parts: Mapping[str, Iterable[str]]) -> Kinds:
    kinds: Kinds = {}
    for part in parts:
        for kind, clusters in part.items():
            kinds.setdefault(kind, set()).update(clusters)
    return kinds


def kept_kinds(stored: Warnings, kept: Collection[str]) -> Kinds:
    """The stored custom kinds of the clusters `kept` as they were."""
    kinds = {k: {c for c in clusters if c in kept} for k, clusters in stored.custom_kinds.items()}
    return {k: clusters for k, clusters in kinds.items() if clusters}


def placed_kinds(fleet: Fleet, record: PlacementRecord, skipped: Collection[str]) -> Kinds:
    """The custom kinds of the templates not `skipped`, on the clusters the record places
    them: their objects are what their templates say when no override renames them."""
    kinds: Kinds = {}
    for template in fleet.templates:
        if is_builtin_group(template.api_version) or str(template.key) in skipped:
            continue
        entry = record.entries.get(template.key)
        if entry is not None and entry.clusters:
            clusters = kinds.setdefault(f"{template.api_version} {template.kind}", set())
            clusters.update(t.name for t in entry.clusters)
    return kinds


def validation_warnings(
    fleet: Fleet, kinds: Mapping[str, Iterable[str]], kube_version_default: str | None
) -> tuple[Problem, ...]:
    """What validating the output says (not its errors), from the custom kinds on each
    cluster: validation warns of clusters without a Kubernetes version and of kinds with
    no schema, and whether a kind has a schema depends on its apiVersion and kind alone,
    so one stand-in object per kind and cluster gets exactly those warnings."""
    objects: dict[str, list[RenderedObject]] = {}
    for kind in sorted(kinds):
        api_version, _, name = kind.partition(" ")
        body = {"apiVersion": api_version, "kind": name, "metadata": {"name": "stand-in"}}
        key = ResourceKey(api_version.rpartition("/")[0], name, "", "stand-in")
        for cluster in sorted(kinds[kind]):
            objects.setdefault(cluster, []).append(RenderedObject(key, body, ()))
    stand_ins = Compiled(objects, (), (), ())
    return tuple(validate_compiled(stand_ins, fleet, kube_version_default).warnings)


def warnings_of(
    fleet: Fleet,
    notes: Mapping[str, TemplateNotes],
    folders: Mapping[str, Collection[str]],
    kinds: Mapping[str, Iterable[str]],
    kube_version_default: str | None,
) -> Warnings:
    """Everything a render of `fleet` says, given what it says of each template, every
    folder of rendered/ after it with its files' names (`namespaces.folders_of`) and the
    custom kinds on each cluster."""
    templates = {str(t.key): (index, t.source) for index, t in enumerate(fleet.templates)}
    kept = [n for n in notes.values() if n.template in templates]
    kept.sort(key=lambda n: templates[n.template][0])
    return Warnings(
        fleet_warnings(fleet),
        tuple(_located(n, templates[n.template][1]) for n in kept),
        namespace_warnings(folders, fleet),
        kube_version_default or "",
        validation_warnings(fleet, kinds, kube_version_default),
        {kind: tuple(sorted(clusters)) for kind, clusters in sorted(kinds.items())},
    )


def _located(notes: TemplateNotes, source: Source) -> TemplateNotes:
    """Notes kept from an earlier render, at the template's line now (a template whose body
    did not change is not compiled again, but an edit above it moves it)."""
    if notes.source == source:
        return notes
    problems = tuple(
        p._replace(source=source) if p.source == notes.source else p for p in notes.problems
    )
    return replace(notes, source=source, problems=problems)


def revalidated(warnings: Warnings, fleet: Fleet, kube_version_default: str | None) -> Warnings:
    """`warnings` with validation's worked out again for another --kube-version-default."""
    return replace(
        warnings,
        validated_with=kube_version_default or "",
        validation=validation_warnings(fleet, warnings.custom_kinds, kube_version_default),
    )
