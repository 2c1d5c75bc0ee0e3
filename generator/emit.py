"""Write rendered/: one file per object, pruned, unchanged files untouched, all or nothing.

The new tree is staged under rendered/.hubless/txn/ and a journal is committed with one
atomic rename before any visible file changes. A render that fails or is killed before that
rename leaves rendered/ as it was; one killed after it is finished by the next run, which
replays the journal. Nothing outside rendered/ is written or deleted, and symbolic links
inside it are replaced, never followed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import hashlib
import json
import multiprocessing as mp
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.compile import Compiled, RenderedObject
from generator.errors import Problems, UserError
from generator.layout import object_path
from generator.manifest import Stamp
from generator.record import RECORD_PATH, record_text
from generator.serialize import dump

RENDERED_DIR = "rendered"
META_DIR = ".hubless"
_TXN = f"{META_DIR}/txn"
_JOURNAL = f"{_TXN}/journal.json"
_LOCK = f"{META_DIR}/lock"
_HASHES = f"{META_DIR}/hashes"  # generator.manifest's local cache
_META_FILES = {f"{META_DIR}/.gitignore": b"hashes\nhashes.tmp\nlock\nshards/\ntxn/\n"}


@dataclass(frozen=True)
class Plan:
    """What must change under rendered/ (paths relative to it)."""

    added: dict[str, bytes] = field(default_factory=dict)
    changed: dict[str, bytes] = field(default_factory=dict)
    removed: tuple[str, ...] = ()
    interrupted: bool = False  # a journal of an unfinished render is present

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.interrupted)


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
    if workers < 2 or total < PARALLEL_THRESHOLD or "fork" not in mp.get_all_start_methods():
        return [_cluster_files(name, compiled.objects[name]) for name in names]
    global _FORKED
    _FORKED = compiled
    try:
        chunks = [names[i::workers] for i in range(workers)]
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=mp.get_context("fork")
        ) as pool:
            results = list(pool.map(_forked_clusters, chunks))
    finally:
        _FORKED = None
    by_cluster = {
        name: result
        for chunk, part in zip(chunks, results, strict=True)
        for name, result in zip(chunk, part, strict=True)
    }
    return [by_cluster[name] for name in names]


def desired_tree(compiled: Compiled, workers: int | None = None) -> dict[str, bytes]:
    """Every file rendered/ should hold, by path relative to rendered/.

    Clusters are written independently, so large fleets are serialized in parallel
    processes; the result does not depend on how the work was split."""
    problems = Problems()
    tree: dict[str, bytes] = dict(_META_FILES)
    tree[RECORD_PATH] = record_text(compiled.decisions).encode("utf-8")
    count = workers if workers is not None else min(os.cpu_count() or 1, 4)
    for files, found in _all_cluster_files(compiled, count):
        tree.update(files)
        for message in found:
            problems.add(None, message)
    problems.raise_if_any()
    return tree


@contextlib.contextmanager
def locked(root: Path, on_wait: Callable[[], None]) -> Iterator[None]:
    """Hold the repository's render lock; `on_wait` runs once if another holds it.

    An advisory lock on rendered/.hubless/lock: the kernel releases it when its holder
    exits, even when killed, so a stale lock never blocks the next run."""
    _check_root(root)
    created = not root.exists()
    root.mkdir(exist_ok=True)
    _make_parents(root, _LOCK)
    path = root / _LOCK
    if path.is_symlink():
        path.unlink()
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            # Two listings, not a walk: after a successful render the tree is large.
            if (
                created
                and os.listdir(root) == [META_DIR]
                and os.listdir(root / META_DIR) == ["lock"]
            ):
                # A first render that failed leaves no trace.
                path.unlink()
                (root / META_DIR).rmdir()
                root.rmdir()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _existing_files(root: Path) -> dict[str, Path]:
    """Every non-directory entry under rendered/ except the transaction area."""
    found: dict[str, Path] = {}
    if not root.exists():
        return found
    for directory, subdirs, names in os.walk(root):
        base = Path(directory)
        relative_dir = base.relative_to(root).as_posix()
        keep = []
        for name in subdirs:
            path = base / name
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            if relative == _TXN:
                continue
            if path.is_symlink():
                found[relative] = path  # a link is never descended into
            else:
                keep.append(name)
        subdirs[:] = sorted(keep)
        for name in names:
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            if relative not in (_LOCK, _HASHES, f"{_HASHES}.tmp"):
                found[relative] = base / name
    return found


def _read(path: Path) -> bytes | None:
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


def _check_root(root: Path) -> None:
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise UserError.at(None, f"{root} must be a plain directory")


def plan(root: Path, tree: Mapping[str, bytes]) -> Plan:
    """Compare the desired tree with what rendered/ holds now."""
    _check_root(root)
    existing = _existing_files(root)
    added: dict[str, bytes] = {}
    changed: dict[str, bytes] = {}
    for relative, content in tree.items():
        path = existing.get(relative)
        if path is None:
            added[relative] = content
        elif _read(path) != content:
            changed[relative] = content
    removed = tuple(sorted(set(existing) - set(tree)))
    return Plan(added, changed, removed, interrupted=(root / _TXN).exists())


def plan_paths(root: Path, files: Mapping[str, bytes], removals: Iterable[str]) -> Plan:
    """Like `plan`, for the given files and removals only (the rest is left as it is)."""
    _check_root(root)
    added: dict[str, bytes] = {}
    changed: dict[str, bytes] = {}
    for relative, content in files.items():
        path = root / relative
        if not (path.exists() or path.is_symlink()):
            added[relative] = content
        elif _read(path) != content:
            changed[relative] = content
    removed = tuple(sorted(r for r in removals if (root / r).exists() or (root / r).is_symlink()))
    return Plan(added, changed, removed, interrupted=(root / _TXN).exists())


def _make_parents(root: Path, relative: str) -> None:
    """Create the parent folders of `relative`, replacing links or files in the way."""
    current = root
    for part in relative.split("/")[:-1]:
        current = current / part
        if current.is_symlink() or (current.exists() and not current.is_dir()):
            current.unlink()
        if not current.exists():
            current.mkdir()


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _prune_empty_dirs(root: Path, relatives: Iterable[str]) -> None:
    parents = set()
    for relative in relatives:
        parts = relative.split("/")[:-1]
        for depth in range(len(parts), 0, -1):
            parents.add("/".join(parts[:depth]))
    for relative in sorted(parents, key=lambda p: p.count("/"), reverse=True):
        path = root / relative
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()


def _replay(root: Path) -> None:
    """Finish a committed journal. Every step is idempotent, so a replay may be repeated."""
    journal = json.loads((root / _JOURNAL).read_text(encoding="utf-8"))
    # Removals first: a link that stood where a folder is now needed must go before writes.
    for relative in journal["removes"]:
        path = root / relative
        if path.exists() or path.is_symlink():
            _remove(path)
    for folder in journal.get("moves", []):
        source = os.path.join(root, _TXN, "folders", folder)
        if os.path.isdir(source):  # else moved by an earlier, interrupted replay
            os.replace(source, os.path.join(root, folder))
    staging = os.path.join(root, _TXN, "files")
    ready: set[str] = set()  # folders known to be plain directories already
    for staged, relative in journal["writes"]:
        source = os.path.join(staging, staged)
        if not os.path.exists(source):
            continue  # moved by an earlier, interrupted replay
        folder = relative.rpartition("/")[0]
        if folder not in ready:
            _make_parents(root, relative)
            ready.add(folder)
        target = os.path.join(root, relative)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        os.replace(source, target)
    _prune_empty_dirs(root, [*journal["removes"], *(r for _, r in journal["writes"])])
    shutil.rmtree(root / _TXN)


def recover(root: Path) -> bool:
    """Complete or roll back a render that was killed. True if there was one."""
    txn = root / _TXN
    if not txn.exists():
        return False
    if (root / _JOURNAL).exists():
        _replay(root)
    else:
        shutil.rmtree(txn)  # never committed: the visible tree is still the old one
    return True


def _stage(path: str, content: bytes) -> Stamp:
    # Plain system calls: one write, and a stamp that holds once the file is renamed into
    # place (a rename keeps inode and mtime).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        info = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return info.st_size, info.st_mtime_ns, info.st_ino, hashlib.sha256(content).digest()


STAGE_PARALLEL_THRESHOLD = 2000  # files; fewer are written faster by one process

# Set only in the parent just before forking writers, which read it from their copy.
_JOBS: list[tuple[str, bytes]] | None = None


def _forked_stage(part: tuple[int, int]) -> list[Stamp]:
    assert _JOBS is not None
    first, step = part
    return [_stage(path, content) for path, content in _JOBS[first::step]]


def _stage_all(jobs: list[tuple[str, bytes]], workers: int) -> list[Stamp]:
    """Write every staged file; creating small files is mostly system calls, so large
    renders share it between processes."""
    if (
        workers < 2
        or len(jobs) < STAGE_PARALLEL_THRESHOLD
        or "fork" not in mp.get_all_start_methods()
    ):
        return [_stage(path, content) for path, content in jobs]
    global _JOBS
    _JOBS = jobs
    try:
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=mp.get_context("fork")
        ) as pool:
            parts = list(pool.map(_forked_stage, [(i, workers) for i in range(workers)]))
    finally:
        _JOBS = None
    stamps: list[Stamp] = [(0, 0, 0, b"")] * len(jobs)
    for first, part in enumerate(parts):
        stamps[first::workers] = part
    return stamps


def apply(root: Path, change: Plan, workers: int | None = None) -> dict[str, Stamp]:
    """Stage every new file, commit the journal with one rename, then move files in place.

    Returns the stamp of every file written, by path relative to `root`."""
    _check_root(root)
    txn = root / _TXN
    if txn.exists():
        shutil.rmtree(txn)
    created_root = not root.exists()
    root.mkdir(exist_ok=True)
    _make_parents(root, f"{_TXN}/files/-")  # also replaces a planted link at .hubless
    staged_dir = txn / "files"
    writes: list[tuple[str, str]] = []
    moves: list[str] = []
    try:
        changes = sorted({**change.added, **change.changed}.items())
        # A cluster folder that does not exist yet is staged whole and moved in with one
        # rename; everything else is staged file by file.
        new_folders = {
            relative.split("/", 1)[0]
            for relative in change.added
            if "/" in relative and not relative.startswith(META_DIR)
        }
        new_folders = {f for f in new_folders if not os.path.lexists(os.path.join(root, f))}
        staging = str(staged_dir)
        jobs: list[tuple[str, bytes]] = []
        made: set[str] = set()
        for index, (relative, content) in enumerate(changes):
            top = relative.split("/", 1)[0]
            if top in new_folders and "/" in relative:
                path = os.path.join(root, _TXN, "folders", relative)
                folder = os.path.dirname(path)
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                jobs.append((path, content))
            else:
                name = str(index)
                jobs.append((os.path.join(staging, name), content))
                writes.append((name, relative))
        moves = sorted(new_folders)
        count = workers if workers is not None else min(os.cpu_count() or 1, 4)
        stamps = _stage_all(jobs, count)
        pending = txn / "journal.json.tmp"
        pending.write_text(
            json.dumps({"writes": writes, "moves": moves, "removes": list(change.removed)})
        )
    except BaseException:
        shutil.rmtree(txn, ignore_errors=True)  # nothing visible has changed yet
        _prune_empty_dirs(root, [f"{_TXN}/files/-"])
        if created_root and not any(root.iterdir()):
            root.rmdir()
        raise
    os.replace(pending, root / _JOURNAL)  # the commit point
    _replay(root)
    return {relative: stamp for (relative, _), stamp in zip(changes, stamps, strict=True)}
