"""The files rendered/ should hold for a compiled fleet: one per object, and the record.

Each cluster's folder is written independently, so large fleets are serialized in
parallel processes; the result does not depend on how the work was split.
"""

from __future__ import annotations

import os

from hubless.build.layout import object_path
from hubless.build.state.paths import GITIGNORE, GITIGNORE_TEXT, RECORD
from hubless.build.state.record import PlacementRecord
from hubless.errors import Problems, UserError
from hubless.results import Compiled, RenderedObject
from hubless.serialize import dump
from hubless.workers import can_fork, forked_pool

PARALLEL_THRESHOLD = 4000  # objects; below this, starting processes costs more than it saves


def _cluster_files(
    cluster: str, objects: list[RenderedObject]
) -> tuple[dict[str, bytes], list[str]]:
    """One cluster's files, and the problems found writing them."""
    files: dict[str, bytes] = {}
    problems: list[str] = []
    owners: dict[str, str] = {}
    for rendered in objects:
        try:
            relative = f"{cluster}/{object_path(rendered.body)}"
        except UserError as exc:
            problems.append(f"{rendered.key} on cluster {cluster}: {exc.problems[0].message}")
            continue
        if relative in owners:
            problems.append(
                f"{rendered.key} and {owners[relative]} are the same object on cluster "
                f"{cluster} after overrides"
            )
            continue
        owners[relative] = str(rendered.key)
        files[relative] = dump(rendered.body).encode("utf-8")
    return files, problems


# Set only in the parent just before forking workers, which read it from their copy.
_FORKED: Compiled | None = None


def _forked_clusters(clusters: list[str]) -> list[tuple[dict[str, bytes], list[str]]]:
    assert _FORKED is not None
    return [_cluster_files(name, _FORKED.objects[name]) for name in clusters]


def _all_cluster_files(
    compiled: Compiled, workers: int
) -> list[tuple[dict[str, bytes], list[str]]]:
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
    tree: dict[str, bytes] = {}
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    for files, found in _all_cluster_files(compiled, count):
        tree.update(files)
        for message in found:
            problems.add(None, message)
    problems.raise_if_any()
    return tree


def meta_files(record: PlacementRecord) -> dict[str, bytes]:
    """The committed files of rendered/.hubless/ but the manifest."""
    return {GITIGNORE: GITIGNORE_TEXT, RECORD: record.text().encode("utf-8")}


def desired_tree(compiled: Compiled, workers: int | None = None) -> dict[str, bytes]:
    """Every file rendered/ should hold for `compiled`, but the manifest, by path
    relative to rendered/."""
    files = meta_files(PlacementRecord.of(compiled.decisions))
    files.update(cluster_files(compiled, workers))
    return files
