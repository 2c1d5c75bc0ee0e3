"""Reading the fleet repository's git history with GitPython."""

from __future__ import annotations

from pathlib import Path

import git


def committed_text(repo: Path, path: str, ref: str = "HEAD") -> str | None:
    """The text of `path` (relative to the repository root) at `ref`, or None."""
    try:
        repository = git.Repo(repo, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    top = Path(repository.working_tree_dir or repo).resolve()
    try:
        relative = (repo.resolve() / path).relative_to(top).as_posix()
        blob = repository.commit(ref).tree / relative
    except (ValueError, KeyError, git.BadName, git.GitCommandError):
        return None
    data: bytes = blob.data_stream.read()
    return data.decode("utf-8")
