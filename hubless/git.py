"""The fleet repository's git history, read with GitPython (never a checkout)."""

from __future__ import annotations

from pathlib import Path

import git

from hubless.errors import UserError
from hubless.load import SourceFile, wanted_source
from hubless.repository import POLICIES_DIR, TEMPLATES_DIR


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


def committed_text(repo: Path, path: str, ref: str = "HEAD") -> str | None:
    """The text of `path` (relative to the fleet repository) at `ref`, or None."""
    repository = open_repo(repo)
    if repository is None:
        return None
    try:
        blob = repository.commit(ref).tree / (_prefix(repository, repo) + path)
    except (ValueError, KeyError, git.BadName, git.GitCommandError):
        return None
    data: bytes = blob.data_stream.read()
    return data.decode("utf-8")


def sources_at(repo: Path, ref: str) -> list[SourceFile]:
    """Every policies/ and templates/ source file as committed at `ref`."""
    repository = open_repo(repo)
    if repository is None:
        raise UserError.at(None, f"{repo} is not in a git repository")
    commit = _commit(repository, ref)
    prefix = _prefix(repository, repo)
    files = []
    for top in (POLICIES_DIR, TEMPLATES_DIR):
        try:
            tree = commit.tree / (prefix + top)
        except KeyError:
            continue  # a revision from before hubless, or without this folder
        for item in tree.traverse():
            if not isinstance(item, git.Blob):
                continue
            relative = str(item.path)[len(prefix) :]
            parts = relative.split("/")
            if any(part.startswith(".") for part in parts) or not wanted_source(parts[-1]):
                continue
            data: bytes = item.data_stream.read()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise UserError.at(None, f"{ref}:{relative}: not UTF-8 text") from None
            files.append(SourceFile(relative, text))
    return sorted(files, key=lambda f: f.path)


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
