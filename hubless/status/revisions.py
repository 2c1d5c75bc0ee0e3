"""Which commit an agent runs, and whether that is the commit its cluster should run.

Argo CD reports a full commit id (`status.sync.revision`, or one per source in
`status.sync.revisions`). Flux reports `<ref>@sha1:<commit>` (source-controller's revision
format since Flux 2.0, RFC-0005: `main@sha1:...`, `refs/heads/main@sha1:...`, `v1.0@sha1:...`,
or `sha1:...` for a pinned commit), and before that `<ref>/<commit>` (`main/...`,
`HEAD/...`).

In one repository every agent reports the newest commit of its branch, also when its own
folder did not change. So a cluster runs what it should when its commit is the last commit
that changed its folder, or a descendant of it: git ancestry, not string equality. Git is
reached through the `Ancestry` the caller gives, so that this stays a pure computation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_HEX = re.compile(r"[0-9a-f]{7,64}")


def commit_of(revision: str) -> str:
    """The commit id inside a revision as Argo CD or Flux reports it (the text itself when
    it holds none that can be told: an OCI digest, a Helm chart version)."""
    text = revision.strip()
    if "@" in text:  # Flux 2: <ref>@<algorithm>:<checksum>
        text = text.rsplit("@", 1)[1]
    for algorithm in ("sha1:", "sha256:"):
        if text.startswith(algorithm):
            return text[len(algorithm) :]
    if "/" in text:  # Flux before 2.0: <ref>/<commit>
        last = text.rsplit("/", 1)[1]
        if _HEX.fullmatch(last):
            return last
    return text


def short(commit: str) -> str:
    return commit[:7] if _HEX.fullmatch(commit) else commit


class Ancestry(Protocol):
    """The fleet repository's history, as much as status needs of it."""

    def resolve(self, revision: str) -> str | None:
        """The full id of a commit the repository has, or None when it has none such."""
        ...

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` is `descendant` or one of its ancestors (both resolved)."""
        ...


@dataclass(frozen=True)
class Verdict:
    current: bool
    detail: str  # for a cluster that is not current: why ("runs R, should run S")


def judge(runs: str, should_run: str, ancestry: Ancestry) -> Verdict:
    """Whether an agent that runs `runs` (a commit id) runs `should_run` or later."""
    resolved = ancestry.resolve(runs)
    if resolved is None:
        return Verdict(False, f"runs {short(runs)}, unknown here: fetch?")
    if ancestry.is_ancestor(should_run, resolved):
        return Verdict(True, "")
    return Verdict(False, f"runs {short(resolved)}, should run {short(should_run)}")
