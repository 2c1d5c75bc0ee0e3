"""What each cluster's objects are made of, as digests, so unchanged clusters are reused.

A cluster's objects follow from its own Cluster object, and for each template placed on
it: the template's body, the replicas (and Job completions) it gets there, whether its
replicas are revised, the override rules that apply, the autoscalers there that keep
its replicas, and the annotations its policy asks the pull agents to read. A change to one
cluster's inventory entry or one override policy leaves most clusters' digests as they
were; a render that finds the digest unchanged (and the templates on it unchanged) keeps
the cluster's files as the last render wrote them.

Two digests are kept: per cluster, everything above but the template bodies (those are
tracked per template, so an edited template does not mark every cluster it is on); and per
template, its entries on every cluster, so a render of only the changed templates can tell
whether the clusters' digests still hold (an edit that moves nothing and changes no rule
leaves them as they are; a new template is added to them).
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from hubless.build.digests import SourceDigests, code_digest, manifest_of, template_digests
from hubless.build.result import Rendering, Strategy
from hubless.build.state.hashes import finding
from hubless.build.state.manifest import Manifest
from hubless.build.state.paths import MANIFEST, cluster_of
from hubless.build.state.record import PlacementRecord, previous_of
from hubless.build.state.transaction import compare_paths
from hubless.build.tree import desired_tree
from hubless.build.warned import (
    custom_kinds,
    keeping_clusters,
    kept_kinds,
    merged_kinds,
    template_notes,
    warnings_of,
)
from hubless.compile import Decided, decide, materialize
from hubless.interpreter.customization import REVISION
from hubless.model import Cluster, Fleet, OverridePolicy, OverrideRule, ResourceKey


class Entry(NamedTuple):
    """What one template's object on one cluster is made of, its body aside."""

    replicas: int
    completions: int  # -1: none
    revises_replicas: bool
    rules: str | None  # rules_digest; None: not known
    scaled_by: tuple[str, ...] = ()  # the autoscalers that keep its replicas there
    revision: str = ""  # the ReviseReplica script that writes the replicas, by its digest
    agents: tuple[bool, bool] = (False, False)  # the AgentPolicy's annotations


def _spelling(
    revises: bool, revision: str, agents: tuple[bool, bool]
) -> Callable[[int, int, str, tuple[str, ...]], str]:
    """repr() of an Entry's fields as a tuple, for one template's constant fields: the
    same text a few times faster, once per object. A known rules id is a hex digest,
    which repr quotes as it is."""
    middle = f", {revises!r}, '"
    end = f", {revision!r}, {agents!r})"

    def spell(replicas: int, completions: int, rules_id: str, scaled_by: tuple[str, ...]) -> str:
        return f"({replicas!r}, {completions!r}{middle}{rules_id}', {scaled_by!r}{end}"

    return spell


def rules_digest(rules: Sequence[tuple[OverridePolicy, OverrideRule]]) -> str | None:
    """The rules' identity: their policies' documents and positions. None when a policy was
    derived from other objects (another dialect's overrides live in the templates)."""
    parts = []
    for policy, rule in rules:
        if not policy.digest:
            return None
        parts.append(f"{policy.digest}:{rule.index}")
    return hashlib.sha256(",".join(parts).encode("utf-8")).hexdigest()


def cluster_digest(cluster: Cluster) -> str | None:
    if not cluster.body:
        return None
    text = json.dumps(cluster.body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Digests:
    """Collects the entries of every (template, cluster) pair.

    A cluster's digest combines its entries by XOR, so it does not depend on their order
    and a template added later is added to it exactly (see `contribution`)."""

    def __init__(self, clusters: Sequence[Cluster]) -> None:
        self._by_cluster: dict[str, int | None] = {}
        for cluster in clusters:
            own = cluster_digest(cluster)
            self._by_cluster[cluster.name] = int(own, 16) if own is not None else None
        # Per template, its clusters and each entry's fields' repr, in order (the repr is
        # what the digests hash; `entries` reads the fields back from it); None: unknown.
        self._by_template: dict[ResourceKey, tuple[list[str], list[str]] | None] = {}

    @classmethod
    def of(cls, decided: Decided) -> Digests:
        """The digests of every (template, cluster) pair the decisions place."""
        digests = cls(decided.fleet.clusters)
        # Templates with the same policies share their rule lists on a cluster.
        rules_ids: dict[int, str | None] = {}
        interpreters = decided.fleet.interpreters
        for recipe in decided.recipes:
            key = recipe.template.key
            revision = ""
            if recipe.revises_replicas:
                template = recipe.template
                chosen = interpreters.chosen(template.api_version, template.kind, REVISION)
                if chosen is not None:
                    text = chosen.customization.scripts[REVISION].text
                    revision = hashlib.sha256(text.encode("utf-8")).hexdigest()
            agents = (recipe.agents.preserve, recipe.agents.if_not_present)
            revises = recipe.revises_replicas
            spell = _spelling(revises, revision, agents)
            names: list[str] = []
            texts: list[str] = []
            unknown: list[tuple[str, Entry]] = []
            for target, rules, _ in recipe.placed:
                rules_id = rules_ids.get(id(rules), "")
                if rules_id == "":
                    rules_id = rules_ids[id(rules)] = rules_digest(rules)
                completions = recipe.completions.get(target.name, -1) if recipe.completions else -1
                scaled_by = (
                    tuple(str(k) for k in recipe.scaled_by.get(target.name, ()))
                    if recipe.scaled_by
                    else ()
                )
                if rules_id is None:
                    entry = Entry(target.replicas, completions, revises, None, scaled_by)
                    unknown.append((target.name, entry._replace(revision=revision, agents=agents)))
                    continue
                names.append(target.name)
                texts.append(spell(target.replicas, completions, rules_id, scaled_by))
            digests._add_all(key, names, texts)
            for name, entry in unknown:
                digests.add(key, name, entry)
        return digests

    def _add_all(self, template: ResourceKey, names: Sequence[str], texts: Sequence[str]) -> None:
        """One template's entries of known rules, given as their clusters and the repr of
        each entry's fields: the loop a large fleet runs once per object, kept lean."""
        listed = self._by_template.setdefault(template, ([], []))
        if listed is not None:
            listed[0].extend(names)
            listed[1].extend(texts)
        key = _key_text(template)
        by_cluster = self._by_cluster
        for cluster, text in zip(names, texts, strict=True):
            value = by_cluster.get(cluster)
            if value is not None:  # None: unknown, or not a cluster of the inventory
                by_cluster[cluster] = value ^ _contribution(key, text)

    def add(self, template: ResourceKey, cluster: str, entry: Entry) -> None:
        if entry.rules is not None:
            self._add_all(template, [cluster], [repr(tuple(entry))])
            return
        self._by_template[template] = None
        if self._by_cluster.get(cluster) is not None:
            self._by_cluster[cluster] = None

    def clusters(self) -> dict[str, str]:
        """Every cluster whose digest is known."""
        return {
            name: f"{value:064x}"
            for name, value in sorted(self._by_cluster.items())
            if value is not None
        }

    def templates(self) -> dict[str, str]:
        """Every template placed somewhere whose entries are all known, by key: the sha256
        of the repr of its list of (cluster, entry as a tuple)."""
        quoted: dict[str, str] = {}
        found = {}
        for key, listed in sorted(self._by_template.items()):
            if listed is None:
                continue
            # The list's repr, from the entries' reprs already made.
            parts = []
            for cluster, text in zip(*listed, strict=True):
                name = quoted.get(cluster)
                if name is None:
                    name = quoted[cluster] = repr(cluster)
                parts.append(f"({name}, {text})")
            found[str(key)] = hashlib.sha256(f"[{', '.join(parts)}]".encode()).hexdigest()
        return found

    def entries(self, template: ResourceKey) -> list[tuple[str, Entry]] | None:
        """The template's entries by cluster; None if any is unknown."""
        listed = self._by_template.get(template, ([], []))
        if listed is None:
            return None
        # Each text is the repr of the entry's fields, which are literals.
        return [
            (cluster, Entry._make(ast.literal_eval(text)))
            for cluster, text in zip(*listed, strict=True)
        ]


def contribution(template: ResourceKey, entry: Entry) -> int:
    """What one template's entry adds to its cluster's digest."""
    return _contribution(_key_text(template), repr(tuple(entry)))


def _key_text(template: ResourceKey) -> str:
    return str(template) + "\0"


def _contribution(key: str, entry: str) -> int:
    """sha256 of the template's key, a NUL and the entry's fields' repr, as a number."""
    return int.from_bytes(hashlib.sha256((key + entry).encode("utf-8")).digest(), "big")


def with_template(digest: str, template: ResourceKey, entry: Entry) -> str:
    """A cluster's digest once `template` is added to it with `entry`."""
    return f"{int(digest, 16) ^ contribution(template, entry):064x}"


def render_changed_clusters(
    rendered: Path,
    fleet: Fleet,
    sources: SourceDigests,
    stored: Manifest,
    record: PlacementRecord | None,
    kube_version_default: str | None = None,
) -> Rendering | None:
    """The change to rendered/ when clusters whose digest is unchanged keep their files,
    or None to render fully. Every decision is made again; only objects are spared, and
    what was said about the objects of the clusters kept is kept."""
    if not stored.cluster_digests or stored.code != code_digest():
        return None
    bodies = template_digests(fleet.templates)
    changed = frozenset(
        t.key
        for t in fleet.templates
        if stored.template_bodies.get(str(t.key)) != bodies[str(t.key)]
    )
    with finding(rendered) as found:
        decided = decide(fleet, previous_of(record), until_stable=True)
        digests = Digests.of(decided)
        cluster_digests = digests.clusters()
        reused = {
            name
            for name, digest in cluster_digests.items()
            if stored.cluster_digests.get(name) == digest
        }
        # A cluster holding a changed template is made again (its digest leaves bodies out).
        reused -= {
            target.name
            for recipe in decided.recipes
            if recipe.template.key in changed
            for target in recipe.decision.binding.clusters
        }
        built = [c.name for c in fleet.clusters if c.name not in reused]
        compiled = materialize(decided, built)
        disk = found()
    if disk is None or disk.digest() != stored.output:
        return None  # rendered/ is not what the last render wrote
    files = desired_tree(compiled)
    # The folders of the clusters made again: what they held and no longer holds goes.
    remade = [folder for folder in disk.folders() if cluster_of(folder) not in reused]
    removals = set(disk.paths_in(remade)) - set(files)
    disk.apply(files, removals)
    warnings = warnings_of(
        fleet,
        keeping_clusters(stored.warnings, template_notes(decided, compiled.oversized), reused),
        disk.folders(),
        merged_kinds(custom_kinds(compiled.objects), kept_kinds(stored.warnings, reused)),
        kube_version_default,
    )
    manifest = manifest_of(
        sources, bodies, disk.digest(), cluster_digests, digests.templates(), warnings
    )
    files[MANIFEST] = manifest.to_bytes()
    change = compare_paths(rendered, files, removals)
    return Rendering(
        Strategy.CLUSTERS, change, compiled, fleet, frozenset(reused), warnings=warnings
    )
