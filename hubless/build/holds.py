"""Holding objects at what their clusters already have.

A hold names a template, the clusters it is held on (or every cluster) and who holds it.
On a held cluster the template's object keeps the bytes the committed rendered/ has for
it: new content is not written, an object newly placed there is not created, one removed
from there is not deleted. Placement is still decided and recorded; only delivery waits.
This module only computes the held tree; who holds what is decided elsewhere
(hubless.build.suspension for Karmada's switches).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hubless.build.layout import is_marker, key_path
from hubless.build.state.paths import cluster_of, is_meta
from hubless.model import ResourceKey


@dataclass(frozen=True)
class Hold:
    template: ResourceKey
    clusters: frozenset[str] | None  # None: every cluster
    reason: str  # who holds it, e.g. "PropagationPolicy/shop/web suspension.dispatching"
    # whether the propagateDeps dependencies the template requires are held with it
    dependencies: bool = False

    def holds(self, cluster: str) -> bool:
        return self.clusters is None or cluster in self.clusters


@dataclass(frozen=True)
class Held:
    tree: dict[str, bytes]  # what rendered/ gets
    # path -> who holds it, for every file whose new bytes (or absence) were held back
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)


def hold(
    desired: Mapping[str, bytes],
    committed: Mapping[str, bytes],
    holds: Iterable[Hold],
    placed: Mapping[tuple[str, ResourceKey], str],
    requires: Mapping[ResourceKey, Iterable[ResourceKey]] | None = None,
) -> Held:
    """`desired` with every held object's file as `committed` has it.

    `placed` maps (cluster, template) to the object's file in `desired`; where a template is
    not placed on a cluster, its file is looked for where it is unless overrides renamed it.
    `requires` maps a workload to the dependencies it requires. Only clusters of `desired`
    are held: a cluster that left the inventory takes its folder with it."""
    clusters = sorted({cluster_of(p) for p in desired if is_marker(p)})
    owners = {path: key for (_, key), path in placed.items()}
    reasons: dict[str, set[str]] = {}
    for item in holds:
        keys = [item.template]
        if item.dependencies and requires is not None:
            keys.extend(requires.get(item.template, ()))
        for cluster in clusters:
            if not item.holds(cluster):
                continue
            for key in keys:
                paths = {f"{cluster}/{key_path(key)}"}
                if (cluster, key) in placed:
                    paths.add(placed[cluster, key])
                for path in paths:
                    if owners.get(path, key) == key and not is_meta(path):
                        reasons.setdefault(path, set()).add(item.reason)
    tree = dict(desired)
    files: dict[str, tuple[str, ...]] = {}
    for path in sorted(reasons):
        before, after = committed.get(path), desired.get(path)
        if before == after:
            continue
        if before is None:
            del tree[path]
        else:
            tree[path] = before
        files[path] = tuple(sorted(reasons[path]))
    return Held(tree, files)
