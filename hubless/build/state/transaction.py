"""Moving a new tree into rendered/: pruned, unchanged files untouched, all or nothing.

The new files are staged under rendered/.hubless/txn/ and a journal is committed with one
atomic rename before any visible file changes. A render that fails or is killed before that
rename leaves rendered/ as it was; one killed after it is finished by the next run, which
replays the journal. Nothing outside rendered/ is written or deleted, and symbolic links
inside it are replaced, never followed.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubless.build.state.hashes import Stamp
from hubless.build.state.paths import (
    JOURNAL,
    JOURNAL_PENDING,
    LOCAL_FILES,
    MANIFEST,
    META_PREFIX,
    TXN,
    TXN_FILES,
    TXN_FOLDERS,
)
from hubless.errors import Problem, Source, UserError
from hubless.repository import RENDERED_DIR
from hubless.workers import can_fork, forked_pool


@dataclass(frozen=True)
class TreeChange:
    """What must change under rendered/ (paths relative to it)."""

    added: dict[str, bytes] = field(default_factory=dict)
    changed: dict[str, bytes] = field(default_factory=dict)
    removed: tuple[str, ...] = ()
    interrupted: bool = False  # a journal of an unfinished render is present

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.interrupted)

    def excluding(self, relative: str) -> TreeChange:
        """This change without any change to `relative`."""
        return TreeChange(
            {p: c for p, c in self.added.items() if p != relative},
            {p: c for p, c in self.changed.items() if p != relative},
            tuple(p for p in self.removed if p != relative),
            self.interrupted,
        )


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
            if relative == TXN:
                continue
            if path.is_symlink():
                found[relative] = path  # a link is never descended into
            else:
                keep.append(name)
        subdirs[:] = sorted(keep)
        for name in names:
            relative = name if relative_dir == "." else f"{relative_dir}/{name}"
            if relative not in LOCAL_FILES:
                found[relative] = base / name
    return found


def _read(path: Path) -> bytes | None:
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file rendered/ holds (links and the transaction area left out)."""
    found = {}
    for relative, path in _existing_files(root).items():
        content = _read(path)
        if content is not None:
            found[relative] = content
    return found


def check_root(root: Path) -> None:
    if root.is_symlink() or (root.exists() and not root.is_dir()):
        raise UserError.at(None, f"{root} must be a plain directory")


def compare(root: Path, tree: Mapping[str, bytes]) -> TreeChange:
    """Compare the desired tree with what rendered/ holds now."""
    check_root(root)
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
    return TreeChange(added, changed, removed, interrupted=(root / TXN).exists())


def compare_paths(root: Path, files: Mapping[str, bytes], removals: Iterable[str]) -> TreeChange:
    """Like `compare`, for the given files and removals only (the rest is left as it is)."""
    check_root(root)
    added: dict[str, bytes] = {}
    changed: dict[str, bytes] = {}
    for relative, content in files.items():
        path = root / relative
        if not (path.exists() or path.is_symlink()):
            added[relative] = content
        elif _read(path) != content:
            changed[relative] = content
    removed = tuple(sorted(r for r in removals if (root / r).exists() or (root / r).is_symlink()))
    return TreeChange(added, changed, removed, interrupted=(root / TXN).exists())


def make_parents(root: Path, relative: str) -> None:
    """Create the parent folders of `relative`, replacing links or files in the way."""
    current = root
    for part in relative.split("/")[:-1]:
        current = current / part
        if current.is_symlink() or (current.exists() and not current.is_dir()):
            current.unlink()
        if not current.exists():
            current.mkdir()


def remove(path: Path) -> None:
    """Remove a link, a file or a folder (with what it holds) at `path`, if one is there."""
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


class _UnreadableJournal(Exception):
    pass


def _read_journal(root: Path) -> dict[str, Any]:
    try:
        journal = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
        if not (
            isinstance(journal, dict)
            and all(isinstance(journal.get(k), list) for k in ("writes", "removes"))
            and all(isinstance(w, list) and len(w) == 2 for w in journal["writes"])
        ):
            raise ValueError("not a journal")
    except (OSError, ValueError) as exc:
        raise _UnreadableJournal(str(exc)) from None
    return journal


def _replay(root: Path) -> None:
    """Finish a committed journal. Every step is idempotent, so a replay may be repeated."""
    journal = _read_journal(root)
    # Removals first: a link that stood where a folder is now needed must go before writes.
    for relative in journal["removes"]:
        path = root / relative
        if path.exists() or path.is_symlink():
            remove(path)
    for folder in journal.get("moves", []):
        source = os.path.join(root, TXN_FOLDERS, folder)
        if os.path.isdir(source):  # else moved by an earlier, interrupted replay
            os.replace(source, os.path.join(root, folder))
    staging = os.path.join(root, TXN_FILES)
    ready: set[str] = set()  # folders known to be plain directories already
    for staged, relative in journal["writes"]:
        source = os.path.join(staging, staged)
        if not os.path.exists(source):
            continue  # moved by an earlier, interrupted replay
        folder = relative.rpartition("/")[0]
        if folder not in ready:
            make_parents(root, relative)
            ready.add(folder)
        target = os.path.join(root, relative)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        os.replace(source, target)
    _prune_empty_dirs(root, [*journal["removes"], *(r for _, r in journal["writes"])])
    shutil.rmtree(root / TXN)


def _ignore(_: Problem) -> None:
    pass


def recover(root: Path, report: Callable[[Problem], None] = _ignore) -> bool:
    """Complete or roll back a render that was killed. True if there was one.

    A journal that cannot be read (a crash while the disk was full, a file truncated by a
    crash) cannot be replayed: the staged files are dropped and `report` is told. What was
    already moved in stays; the manifest is moved last, so it still describes the old tree,
    and the next render rewrites whatever differs."""
    txn = root / TXN
    if not txn.exists():
        return False
    if (root / JOURNAL).exists():
        try:
            _replay(root)
        except _UnreadableJournal as exc:
            shutil.rmtree(txn)
            report(
                Problem.warning(
                    Source(f"{RENDERED_DIR}/{JOURNAL}", 0),
                    f"an interrupted render's journal is unreadable ({exc}): dropped; "
                    "this render rewrites every file that differs",
                )
            )
        except OSError as exc:
            raise _unfinished(exc) from None
    else:
        shutil.rmtree(txn)  # never committed: the visible tree is still the old one
    return True


def advice(exc: OSError) -> str:
    """What to do about a failed write, in a few words."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space"
    if exc.errno == errno.EFBIG:
        return "a file is larger than this system lets the process write (ulimit -f)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make it writable"
    return "see the system's error"


def _where(exc: OSError, root: Path) -> str:
    """The path an error is about, as the user knows it (not a staging file's name)."""
    name = exc.filename if isinstance(exc.filename, str) else None
    if name is None or f"/{TXN}/" in name.replace(os.sep, "/"):
        return f"{RENDERED_DIR}/"
    try:
        return f"{RENDERED_DIR}/{Path(name).relative_to(root).as_posix()}"
    except ValueError:
        return name


def _unfinished(exc: OSError) -> UserError:
    return UserError.at(
        Source(f"{RENDERED_DIR}/", 0),
        f"could not finish moving the new files in ({exc.strerror or exc}): the journal in "
        f"{RENDERED_DIR}/{TXN} is kept; fix the cause and run `hubless render` again to "
        "finish (until then `hubless render --check` reports the render as pending)",
    )


def write_file(path: str | Path, content: bytes, *, durable: bool = False) -> os.stat_result:
    """Write a new file with plain system calls; `durable` flushes it to the disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        if durable:
            os.fsync(descriptor)
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)


def _stage(path: str, content: bytes) -> Stamp:
    # The stamp holds once the file is renamed into place (a rename keeps inode and mtime).
    info = write_file(path, content)
    return Stamp(info.st_size, info.st_mtime_ns, info.st_ino, hashlib.sha256(content).digest())


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
    if workers < 2 or len(jobs) < STAGE_PARALLEL_THRESHOLD or not can_fork():
        return [_stage(path, content) for path, content in jobs]
    global _JOBS
    _JOBS = jobs
    try:
        with forked_pool(workers) as pool:
            parts = list(pool.map(_forked_stage, [(i, workers) for i in range(workers)]))
    finally:
        _JOBS = None
    stamps: list[Stamp] = [Stamp(0, 0, 0, b"")] * len(jobs)
    for first, part in enumerate(parts):
        stamps[first::workers] = part
    return stamps


def _first_existing(root: Path, relative: str) -> Path:
    """The nearest existing folder that holds `relative` (a path below `root`)."""
    folder = (root / relative).parent
    while folder != root and not os.path.lexists(folder):
        folder = folder.parent
    return folder


def _unwritable(root: Path, change: TreeChange) -> list[Path]:
    """The folders the change must write in or remove from but may not."""
    # One look per folder, not per file: a cold render of a large fleet writes a few
    # hundred thousand files into a few thousand folders.
    nearest: dict[str, Path] = {}
    for relative in (*change.added, *change.changed, *change.removed):
        parent = relative.rpartition("/")[0]
        if parent not in nearest:
            nearest[parent] = _first_existing(root, relative)
    folders = {*nearest.values(), root}
    return sorted(
        f
        for f in folders
        if os.path.isdir(f) and not os.access(f, os.W_OK | os.X_OK, effective_ids=True)
    )


def apply(root: Path, change: TreeChange, workers: int | None = None) -> dict[str, Stamp]:
    """Stage every new file, commit the journal with one rename, then move files in place.

    Returns the stamp of every file written, by path relative to `root`. Folders that may
    not be written, a full disk and the like are found before the commit: rendered/ is
    then as it was, and the error says so."""
    check_root(root)
    denied = _unwritable(root, change)
    if denied:
        shown = ", ".join(f"{RENDERED_DIR}/{f.relative_to(root).as_posix()}" for f in denied[:5])
        raise UserError.at(
            Source(f"{RENDERED_DIR}/", 0),
            f"cannot write in {shown}{', ...' if len(denied) > 5 else ''} (permission "
            "denied): nothing was changed; make them writable and render again",
        )
    txn = root / TXN
    if txn.exists():
        shutil.rmtree(txn)
    created_root = not root.exists()
    root.mkdir(exist_ok=True)
    make_parents(root, f"{TXN_FILES}/-")  # also replaces a planted link at .hubless
    staged_dir = root / TXN_FILES
    writes: list[tuple[str, str]] = []
    moves: list[str] = []
    try:
        changes = sorted({**change.added, **change.changed}.items())
        # A cluster folder that does not exist yet is staged whole and moved in with one
        # rename; everything else is staged file by file.
        new_folders = {
            relative.split("/", 1)[0]
            for relative in change.added
            if "/" in relative and not relative.startswith(META_PREFIX)
        }
        new_folders = {f for f in new_folders if not os.path.lexists(os.path.join(root, f))}
        staging = str(staged_dir)
        jobs: list[tuple[str, bytes]] = []
        made: set[str] = set()
        for index, (relative, content) in enumerate(changes):
            top = relative.split("/", 1)[0]
            if top in new_folders and "/" in relative:
                path = os.path.join(root, TXN_FOLDERS, relative)
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
        # The manifest last: until it is in place, it describes the old tree, so a replay
        # that cannot finish leaves nothing that claims the new tree is complete.
        writes.sort(key=lambda write: write[1] == MANIFEST)
        count = workers if workers is not None else min(os.cpu_count() or 1, 4)
        stamps = _stage_all(jobs, count)
        journal = json.dumps({"writes": writes, "moves": moves, "removes": list(change.removed)})
        # Flushed: the journal must hold once it is renamed into place.
        write_file(root / JOURNAL_PENDING, journal.encode("utf-8"), durable=True)
    except BaseException as exc:
        shutil.rmtree(txn, ignore_errors=True)  # nothing visible has changed yet
        _prune_empty_dirs(root, [f"{TXN_FILES}/-"])
        if created_root and not any(root.iterdir()):
            root.rmdir()
        if isinstance(exc, OSError):
            raise UserError.at(
                Source(_where(exc, root), 0),
                f"could not write the new files ({exc.strerror or exc}): nothing was "
                f"changed; {advice(exc)} and render again",
            ) from None
        raise
    os.replace(root / JOURNAL_PENDING, root / JOURNAL)  # the commit point
    try:
        _replay(root)
    except OSError as exc:
        raise _unfinished(exc) from None
    return {relative: stamp for (relative, _), stamp in zip(changes, stamps, strict=True)}
