"""`hubless diff --base REF [--head REF]`: what a change does to every cluster's objects.

Both sides are compiled in memory from sources read out of git (no checkout), each with
the placement record of its own revision, exactly as `hubless render` would render them
(hubless.build.revisions; when only some templates differ, only those are compiled).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from hubless.build.holds import Held
from hubless.build.layout import is_marker
from hubless.build.revisions import Revision, changed_files, may_compare_alone
from hubless.build.rollouts import rolled_out
from hubless.build.state.paths import cluster_of, is_meta
from hubless.build.state.rollouts import rollouts_at
from hubless.build.suspension import committed_tree, suspended, suspends
from hubless.build.tree import desired_tree
from hubless.repository import RENDERED_DIR

MARKDOWN_BUDGET = 60_000  # GitHub comments hold 65,536 characters


@dataclass
class ClusterChange:
    name: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)  # path -> unified diff
    # path -> who holds it: what the sources say is not delivered, the base's bytes stay
    held: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _unified(path: str, before: bytes | None, after: bytes | None) -> str:
    old = before.decode("utf-8").splitlines(keepends=True) if before is not None else []
    new = after.decode("utf-8").splitlines(keepends=True) if after is not None else []
    lines = difflib.unified_diff(
        old,
        new,
        fromfile=f"a/{RENDERED_DIR}/{path}" if before is not None else "/dev/null",
        tofile=f"b/{RENDERED_DIR}/{path}" if after is not None else "/dev/null",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def compare(
    base: dict[str, bytes],
    head: dict[str, bytes],
    held: Mapping[str, tuple[str, ...]] | None = None,
) -> list[ClusterChange]:
    changes: dict[str, ClusterChange] = {}
    for path, reasons in sorted((held or {}).items()):
        cluster = cluster_of(path)
        changes.setdefault(cluster, ClusterChange(cluster)).held[path] = reasons
    for path in sorted(set(base) | set(head)):
        if is_meta(path) or is_marker(path):
            continue  # not objects
        before, after = base.get(path), head.get(path)
        if before == after:
            continue
        cluster = cluster_of(path)
        change = changes.setdefault(cluster, ClusterChange(cluster))
        if before is None:
            change.added.append(path)
        elif after is None:
            change.removed.append(path)
        else:
            change.changed.append(path)
        change.diffs[path] = _unified(path, before, after)
    return [changes[name] for name in sorted(changes)]


def _counts(change: ClusterChange) -> str:
    held = f" held {len(change.held)}" if change.held else ""
    return f"+{len(change.added)} -{len(change.removed)} ~{len(change.changed)}{held}"


def _held_lines(changes: list[ClusterChange], path_format: str) -> list[str]:
    return [
        f"held: {path_format.format(f'{RENDERED_DIR}/{path}')} ({'; '.join(reasons)})\n"
        for change in changes
        for path, reasons in sorted(change.held.items())
    ]


def as_text(changes: list[ClusterChange]) -> str:
    if not changes:
        return "no changes to rendered output\n"
    parts = []
    for change in changes:
        for path in sorted(change.diffs):
            parts.append(change.diffs[path])
    width = max(len(c.name) for c in changes)
    parts.append("\n")
    for change in changes:
        parts.append(f"{change.name:<{width}}  {_counts(change)}\n")
    parts.extend(_held_lines(changes, "{}"))
    return "".join(parts)


def as_markdown(changes: list[ClusterChange], base: str, head: str) -> str:
    out = [f"### hubless: rendered changes ({base} → {head})\n\n"]
    if not changes:
        out.append("No changes to rendered output.\n")
        return "".join(out)
    totals = [sum(len(getattr(c, k)) for c in changes) for k in ("added", "removed", "changed")]
    out.append(
        f"{len(changes)} cluster{'s' if len(changes) != 1 else ''} change: "
        f"{totals[0]} objects added, {totals[1]} removed, {totals[2]} changed.\n\n"
    )
    out.append("| cluster | added | removed | changed |\n|---|---:|---:|---:|\n")
    for change in changes:
        out.append(
            f"| `{change.name}` | +{len(change.added)} | -{len(change.removed)} | "
            f"~{len(change.changed)} |\n"
        )
    out.append("\n")
    held = _held_lines(changes, "`{}`")
    if held:
        out.append("Held (the base's bytes stay until released):\n\n")
        out.extend(f"- {line}" for line in held)
        out.append("\n")
    budget = MARKDOWN_BUDGET - sum(len(part) for part in out)
    left_out = []
    for change in changes:
        if not change.diffs:
            continue  # only held files
        body = "".join(change.diffs[path] for path in sorted(change.diffs))
        block = (
            f"<details><summary><code>{change.name}</code>: {_counts(change)}</summary>\n\n"
            f"```diff\n{body}```\n\n</details>\n"
        )
        if len(block) > budget:
            left_out.append(change.name)
            continue
        out.append(block)
        budget -= len(block)
    if left_out:
        out.append(
            f"\n_Diffs of {len(left_out)} cluster{'s' if len(left_out) != 1 else ''} left out "
            f"to fit a comment ({', '.join(left_out)}): run `hubless diff --base {base}` "
            "to see them._\n"
        )
    return "".join(out)


def as_json(changes: list[ClusterChange], base: str, head: str) -> str:
    data: dict[str, Any] = {
        "base": base,
        "head": head,
        "clusters": [
            {
                "name": c.name,
                "added": c.added,
                "removed": c.removed,
                "changed": c.changed,
                "diffs": {path: c.diffs[path] for path in sorted(c.diffs)},
                **({"held": {p: list(r) for p, r in sorted(c.held.items())}} if c.held else {}),
            }
            for c in changes
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _held(repo: Path, base: str, head: Revision) -> Held:
    """The head's rendered/ as a render would write it on top of the base's committed
    rendered/: what a hold keeps back keeps the base's bytes."""
    fleet, compiled = head.fleet, head.compiled()
    holding = suspends(fleet) or bool(fleet.rollout_policies)
    committed = committed_tree(repo, base) if holding else {}
    suspension = suspended(fleet, compiled, desired_tree(compiled), committed)
    # The rollouts as the head records them; one that starts here sets out from the base.
    states = rollouts_at(repo, head.ref) if head.ref else None
    rollouts = rolled_out(
        repo, fleet, compiled, suspension.tree, committed, ref=base, states=states
    ).held
    files = dict(suspension.files)
    for path, reasons in rollouts.files.items():
        files[path] = tuple(sorted({*files.get(path, ()), *reasons}))
    return Held(rollouts.tree, files)


def changes_between(repo: Path, base: str, head: str | None) -> list[ClusterChange]:
    """What rendered/ becomes from `base` to `head` (None: the work tree), per cluster.
    Only the templates that differ are compiled when that is known to say the same."""
    before = Revision.read(repo, base)
    after: Revision | None = None
    if may_compare_alone(before):
        after = Revision.read(repo, head)
        files = changed_files(before, after)
        if files is not None:
            return compare(*files)
    base_tree = before.tree()  # the base's problems come first, then the head's
    held = _held(repo, base, after or Revision.read(repo, head))
    return compare(base_tree, held.tree, held.files)


def diff(repo: Path, *, base: str, head: str | None, output: str, exit_code: bool) -> int:
    changes = changes_between(repo, base, head)
    head_name = head or "work tree"
    if output == "markdown":
        click.echo(as_markdown(changes, base, head_name), nl=False)
    elif output == "json":
        click.echo(as_json(changes, base, head_name), nl=False)
    else:
        click.echo(as_text(changes), nl=False)
    return 1 if exit_code and any(c.diffs for c in changes) else 0
