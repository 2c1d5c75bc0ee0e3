"""The fleet repository's git history, read with GitPython (never a checkout)."""

from __future__ import annotations

import importlib.util
import posixpath
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from hubless.errors import Source, UserError
from hubless.repository import POLICIES_DIR, TEMPLATES_DIR
from hubless.sources import SourceFile, wanted_source


def _lazily(name: str) -> ModuleType:
    """Module `name`, run on first use of one of its attributes (importlib's LazyLoader):
    GitPython takes 25 ms to import, and most renders never read a commit."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import git
else:
    git = _lazily("git")


def open_repo(repo: Path) -> git.Repo | None:
    try:
        return git.Repo(repo, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def _prefix(repository: git.Repo, repo: Path) -> str:
    """`repo` relative to the top of the git work tree ('' when it is the top)."""
    top = Path(repository.working_tree_dir or repo).resolve()
    relative = repo.resolve().relative_to(top).as_posix()
    return "" if relative == "." else relative + "/"


def _commit(repository: git.Repo, ref: str) -> git.Commit:
    try:
        return repository.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise UserError.at(None, f"{ref!r} is not a commit in this repository") from None


def committed_bytes(repo: Path, path: str, ref: str = "HEAD") -> bytes | None:
    """The bytes of file `path` (relative to the fleet repository) at `ref`, or None when
    there is no such commit or no such file in it."""
    repository = open_repo(repo)
    if repository is None:
        return None
    try:
        blob = repository.commit(ref).tree / (_prefix(repository, repo) + path)
    except (ValueError, KeyError, git.BadName, git.GitCommandError):
        return None
    if not isinstance(blob, git.Blob):
        return None
    data: bytes = blob.data_stream.read()
    return data


def committed_text(repo: Path, path: str, ref: str = "HEAD") -> str | None:
    """The text of `path` (relative to the fleet repository) at `ref`, or None."""
    data = committed_bytes(repo, path, ref)
    return data.decode("utf-8") if data is not None else None


_LINK_MODE = 0o120000
_MAX_LINKS = 40  # hops, as the kernel allows


class _Committed:
    """The sources of one commit, read by the work tree's rules: a symbolic link must lead
    to a file or folder of the fleet repository outside hidden paths."""

    def __init__(self, commit: git.Commit, prefix: str, ref: str) -> None:
        self.commit, self.prefix, self.ref = commit, prefix, ref
        self.files: dict[str, str] = {}
        self.folders_read: set[str] = set()

    def fail(self, relative: str, message: str) -> UserError:
        return UserError.at(Source(f"{self.ref}:{relative}", 1), message)

    def resolve(self, relative: str, item: git.Blob) -> git.Blob | git.Tree:
        """What a link leads to, followed to its end, inside the fleet repository."""
        seen = 0
        current: git.Blob | git.Tree = item
        path = str(item.path)
        while isinstance(current, git.Blob) and current.mode == _LINK_MODE:
            seen += 1
            if seen > _MAX_LINKS:
                raise self.fail(relative, "a symbolic link loop")
            target = current.data_stream.read().decode("utf-8", errors="replace")
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            inside = path.startswith(self.prefix) if self.prefix else True
            if posixpath.isabs(target) or path == ".." or path.startswith("../") or not inside:
                raise self.fail(relative, f"a symbolic link out of the repository (to {target!r})")
            if any(part.startswith(".") for part in path[len(self.prefix) :].split("/")):
                raise self.fail(
                    relative,
                    f"a symbolic link into {target!r}, a hidden path hubless does not read",
                )
            try:
                current = self.commit.tree / path
            except KeyError:
                raise self.fail(
                    relative, f"a dangling symbolic link (to {target!r}, which does not exist)"
                ) from None
        return current

    def read_tree(self, tree: git.Tree, relative_root: str) -> None:
        if str(tree.path) in self.folders_read:
            raise self.fail(
                relative_root,
                "a symbolic link to a folder already read (a loop, or two ways to the same files)",
            )
        self.folders_read.add(str(tree.path))
        for item in tree:
            relative = f"{relative_root}/{item.name}"
            if item.name.startswith("."):
                continue
            target: git.Blob | git.Tree | git.Submodule = item
            if isinstance(item, git.Blob) and item.mode == _LINK_MODE:
                target = self.resolve(relative, item)
            if isinstance(target, git.Tree):
                self.read_tree(target, relative)
            elif isinstance(target, git.Blob) and wanted_source(item.name):
                data: bytes = target.data_stream.read()
                try:
                    self.files[relative] = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise self.fail(relative, "not UTF-8 text") from None


def sources_at(repo: Path, ref: str) -> list[SourceFile]:
    """Every policies/ and templates/ source file as committed at `ref`, by the rules of
    the work tree (hubless.sources.read_sources)."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    commit = _commit(repository, ref)
    prefix = _prefix(repository, repo)
    committed = _Committed(commit, prefix, ref)
    for top in (POLICIES_DIR, TEMPLATES_DIR):
        try:
            item = commit.tree / (prefix + top)
        except KeyError:
            continue  # a revision from before hubless, or without this folder
        if isinstance(item, git.Blob) and item.mode == _LINK_MODE:
            item = committed.resolve(top, item)
        if isinstance(item, git.Tree):
            committed.read_tree(item, top)
    return [SourceFile(path, text) for path, text in sorted(committed.files.items())]


# What git leaves in its directory while an operation waits for the user, by operation.
_IN_PROGRESS = (
    ("rebase", ("rebase-merge", "rebase-apply", "REBASE_HEAD")),
    ("merge", ("MERGE_HEAD",)),
    ("cherry-pick", ("CHERRY_PICK_HEAD",)),
    ("revert", ("REVERT_HEAD",)),
)


def operation_in_progress(repo: Path) -> str | None:
    """The git operation the repository is in the middle of ("rebase", "merge", ...)."""
    repository = open_repo(repo)
    if repository is None:
        return None
    git_dir = Path(repository.git_dir)
    for operation, markers in _IN_PROGRESS:
        if any((git_dir / marker).exists() for marker in markers):
            return operation
    return None


def changed_paths(repo: Path, under: str) -> list[str]:
    """Paths below `under` that differ from HEAD: staged, unstaged or untracked."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    target = _prefix(repository, repo) + under
    output = repository.git.status("--porcelain", "--untracked-files=all", "--", target)
    return [line[3:] for line in output.splitlines() if line.strip()]


def commit_paths(repo: Path, under: str, message: str) -> str | None:
    """Commit exactly the changes below `under`; other staged changes stay staged.
    Returns the new commit's id, or None when there was nothing to commit."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    target = _prefix(repository, repo) + under
    repository.git.add("--all", "--", target)
    if not repository.git.diff("--cached", "--name-only", "--", target).strip():
        return None
    # `git commit -- <paths>` commits only those paths, whatever else is staged.
    repository.git.commit("-m", message, "--", target)
    return str(repository.head.commit.hexsha)


def fleet_prefix(repo: Path) -> str:
    """The fleet repository's folder inside its git work tree ('' at the top, else 'a/b/'):
    Argo CD and Flux name paths from the top of the git repository."""
    repository = open_repo(repo)
    return "" if repository is None else _prefix(repository, repo)


def last_change(repo: Path, path: str, ref: str = "HEAD") -> str | None:
    """The last commit, up to `ref`, that changed `path` (relative to the fleet repository),
    or None when no commit did."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    commit = _commit(repository, ref)
    target = _prefix(repository, repo) + path
    found = repository.git.log("-1", "--format=%H", commit.hexsha, "--", target).strip()
    return found or None


def last_change_time(repo: Path, path: str, ref: str = "HEAD") -> datetime | None:
    """When the last commit, up to `ref`, that changed `path` was committed (its committer
    date, in UTC), or None when no commit did."""
    found = last_change(repo, path, ref)
    if found is None:
        return None
    repository = open_repo(repo)
    assert repository is not None  # last_change found a commit in it
    return datetime.fromtimestamp(repository.commit(found).committed_date, tz=UTC)


def resolve_commit(repo: Path, revision: str) -> str | None:
    """The full id of the commit `revision` names, or None when the repository has none such
    (not fetched yet, or not a commit id)."""
    repository = open_repo(repo)
    if repository is None or revision.startswith("-"):
        return None
    try:
        return str(repository.git.rev_parse("--verify", "--quiet", f"{revision}^{{commit}}"))
    except git.GitCommandError:
        return None


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    """Whether commit `ancestor` is `descendant` or one of its ancestors."""
    repository = open_repo(repo)
    if repository is None:
        return False
    try:
        repository.git.merge_base("--is-ancestor", ancestor, descendant)
    except git.GitCommandError:
        return False
    return True


def files_at(repo: Path, under: str, ref: str = "HEAD") -> dict[str, bytes]:
    """Every file below `under` (relative to the fleet repository) as committed at `ref`,
    by path relative to the fleet repository; {} when the folder is not there."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    commit = _commit(repository, ref)
    prefix = _prefix(repository, repo)
    try:
        tree = commit.tree / (prefix + under)
    except KeyError:
        return {}
    if not isinstance(tree, git.Tree):
        return {}
    found: dict[str, bytes] = {}
    for item in tree.traverse():
        if isinstance(item, git.Blob) and item.mode != _LINK_MODE:
            found[str(item.path)[len(prefix) :]] = item.data_stream.read()
    return dict(sorted(found.items()))


def refuse_to_commit(repo: Path, folder: str, flag: str, maker: str) -> None:
    """Refuse `flag` on top of a git operation, or over changes under `folder` that
    `maker` (the command at hand) did not make."""
    operation = operation_in_progress(repo)
    if operation is not None:
        raise UserError.at(None, f"a {operation} is in progress: finish it before {flag}")
    dirty = changed_paths(repo, folder)
    if dirty:
        listed = ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise UserError.at(
            None,
            f"{folder}/ has changes that {maker} did not make ({listed}): "
            "commit or discard them first",
        )
