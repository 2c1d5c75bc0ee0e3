"""Karmada's group selection: the best set of regions for the spread constraints.

Groups are searched depth first in (size ascending, score descending, name) order; every
path whose size reaches the target within [min, max] groups is feasible; the best has the
highest score, then the most clusters, then was found first, except that a strict prefix
of it that is also feasible is preferred.
"""

from __future__ import annotations

from typing import NamedTuple


class Group(NamedTuple):
    name: str
    value: int  # number of clusters
    weight: int  # group score


class _Path(NamedTuple):
    id: int
    groups: tuple[Group, ...]  # sorted by weight descending, then name
    weight: int
    value: int


def _feasible_paths(groups: list[Group], minimum: int, maximum: int, target: int) -> list[_Path]:
    ordered = sorted(groups, key=lambda g: (g.value, -g.weight, g.name))
    paths: list[_Path] = []
    stack: list[Group] = []

    def visit(total: int, begin: int) -> None:
        if total >= target and minimum <= len(stack) <= maximum:
            chosen = tuple(sorted(stack, key=lambda g: (-g.weight, g.name)))
            paths.append(
                _Path(
                    len(paths) + 1,
                    chosen,
                    sum(g.weight for g in chosen),
                    sum(g.value for g in chosen),
                )
            )
            return
        if len(stack) >= maximum:
            return
        for index in range(begin, len(ordered)):
            stack.append(ordered[index])
            visit(total + ordered[index].value, index + 1)
            if len(ordered) == minimum:
                break  # every group is needed: no other combination exists
            stack.pop()

    visit(0, 0)
    return paths


def _is_strict_prefix(prefix: _Path, of: _Path) -> bool:
    if len(prefix.groups) >= len(of.groups):
        return False
    return all(a.name == b.name for a, b in zip(prefix.groups, of.groups, strict=False))


def select_groups(groups: list[Group], minimum: int, maximum: int, target: int) -> list[Group]:
    """The chosen groups, best first; empty when no combination satisfies the constraints."""
    if not groups:
        return []
    paths = _feasible_paths(groups, minimum, maximum, target)
    if not paths:
        return []
    ranked = sorted(paths, key=lambda p: (-p.weight, -p.value, p.id))
    best = ranked[0]
    for path in ranked[1:]:
        if _is_strict_prefix(path, best):
            best = path
    return list(best.groups)
