"""The files rendered/ should hold for a compiled fleet: one per object, each cluster
folder's marker, and the record.

Each cluster's folder is written independently, so large fleets are serialized in
parallel processes; the result does not depend on how the work was split.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from hubless.build.layout import key_path, marker_files, object_path
from hubless.build.state.paths import GITIGNORE, GITIGNORE_TEXT, RECORD
from hubless.build.state.record import PlacementRecord
from hubless.errors import Problem, Problems, UserError
from hubless.model import Binding
from hubless.results import Compiled, Decision, RenderedObject
from hubless.serialize import dump
from hubless.workers import can_fork, forked_pool

PARALLEL_THRESHOLD = 4000  # objects; below this, starting processes costs more than it saves


def _shared_files(decisions: Iterable[Decision]) -> list[Problem]:
    """Templates whose objects would have the same file on any cluster that gets both.

    Checked for every template placed anywhere, not only where two meet today: Kubernetes
    tells `Widget` from `WIDGET`, file names do not, and a placement that keeps them apart
    can change with the cluster inventory, in a render about something else."""
    owners: dict[str, Binding] = {}
    problems = []
    for decision in decisions:
        binding = decision.binding
        path = key_path(binding.resource)
        first = owners.setdefault(path, binding)
        if first is not binding:
            problems.append(
                Problem(
                    binding.source,
                    f"{binding.resource} and {first.resource} ({first.source}) would be the "
                    f"same file, {path}, on any cluster that gets both (file names are lower "
                    "case): rename one",
                )
            )
    return problems


def _named(rendered: RenderedObject) -> str:
    return f"{rendered.key} ({rendered.source})" if rendered.source else str(rendered.key)


def _same_file(cluster: str, first: RenderedObject, second: RenderedObject) -> Problem:
    """Two objects of one cluster at one path: the rule that moved one there, if any."""
    mover, other = (second, first) if second.moved_by is not None else (first, second)
    if mover.moved_by is None:
        return Problem(
            None,
            f"{second.key} and {first.key} are the same object on cluster {cluster} "
            "after overrides",
        )
    return Problem(
        mover.moved_by.source,
        f"{mover.moved_by.label} makes {_named(mover)} the same object as {_named(other)} "
        f"on cluster {cluster}",
    )


def _cluster_files(
    cluster: str, objects: list[RenderedObject]
) -> tuple[dict[str, bytes], list[Problem]]:
    """One cluster's files, and the problems found writing them."""
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    owners: dict[str, RenderedObject] = {}
    for rendered in objects:
        try:
            relative = f"{cluster}/{object_path(rendered.body)}"
        except UserError as exc:
            message = f"{rendered.key} on cluster {cluster}: {exc.problems[0].message}"
            problems.append(Problem(None, message))
            continue
        first = owners.setdefault(relative, rendered)
        if first is not rendered:
            problems.append(_same_file(cluster, first, rendered))
            continue
        files[relative] = dump(rendered.body).encode("utf-8")
    return files, problems


# Set only in the parent just before forking workers, which read it from their copy.
_FORKED: Compiled | None = None


def _forked_clusters(clusters: list[str]) -> list[tuple[dict[str, bytes], list[Problem]]]:
    assert _FORKED is not None
    return [_cluster_files(name, _FORKED.objects[name]) for name in clusters]


def _all_cluster_files(
    compiled: Compiled, workers: int
) -> list[tuple[dict[str, bytes], list[Problem]]]:
    names = sorted(compiled.objects)
    total = sum(len(objects) for objects in compiled.objects.values())
    if workers < 2 or total < PARALLEL_THRESHOLD or not can_fork():
        return [_cluster_files(name, compiled.objects[name]) for name in names]
    global _FORKED
    _FORKED = compiled
    try:
        chunks = [names[i::workers] for i in range(workers)]
        with forked_pool(workers) as pool:
            results = list(pool.map(_forked_clusters, chunks))
    finally:
        _FORKED = None
    by_cluster = {
        name: result
        for chunk, part in zip(chunks, results, strict=True)
        for name, result in zip(chunk, part, strict=True)
    }
    return [by_cluster[name] for name in names]


def cluster_files(compiled: Compiled, workers: int | None = None) -> dict[str, bytes]:
    """The file of every built object, by path relative to rendered/."""
    problems = Problems()
    problems.items.extend(_shared_files(compiled.decisions))
    problems.raise_if_any()  # else each cluster would report the same again
    tree: dict[str, bytes] = {}
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    for files, found in _all_cluster_files(compiled, count):
        tree.update(files)
        problems.items.extend(found)
    problems.raise_if_any()
    return tree


def meta_files(record: PlacementRecord) -> dict[str, bytes]:
    """The committed files of rendered/.hubless/ but the manifest."""
    return {GITIGNORE: GITIGNORE_TEXT, RECORD: record.text().encode("utf-8")}


def desired_tree(compiled: Compiled, workers: int | None = None) -> dict[str, bytes]:
    """Every file rendered/ should hold for `compiled`, but the manifest, by path
    relative to rendered/. Each cluster built, objects or none, gets its folder's marker."""
    files = meta_files(PlacementRecord.of(compiled.decisions))
    files.update(marker_files(compiled.objects))
    files.update(cluster_files(compiled, workers))
    return files
