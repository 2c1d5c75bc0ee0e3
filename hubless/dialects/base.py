"""What a policy dialect is to the loader, and what its assembly hands back.

A dialect owns some (apiVersion, kind) pairs in policies/, which its `parse` turns into
model objects (a Cluster, a PropagationPolicy or an OverridePolicy) or into inputs of its
own for `assemble`. A dialect whose objects also live in templates/ names their API groups
in `template_groups`. A dialect with an `assemble` turns its wrapped documents and inputs,
with the plain templates, into templates and policies (`Assembled`), and may rewrite plain
templates. The registry of dialects is `hubless.dialects`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hubless.documents import Document
from hubless.errors import Problem, Problems
from hubless.model import (
    Cluster,
    OverridePolicy,
    PreviousPlacement,
    PropagationPolicy,
    ResourceKey,
    ResourceTemplate,
)


@dataclass(frozen=True)
class Assembled:
    """New templates and policies; `replaced` are plain templates of templates/ the dialect
    rewrote (same key), as its control plane rewrites them before propagating."""

    templates: tuple[ResourceTemplate, ...]
    propagation_policies: tuple[PropagationPolicy, ...]
    override_policies: tuple[OverridePolicy, ...]
    replaced: tuple[ResourceTemplate, ...] = ()


# The last render's placement of each resource (rendered/.hubless/placement.json): under
# GitOps what was rendered is what runs, so a dialect's "current state" of its members.
Previous = Mapping[ResourceKey, PreviousPlacement]

# (its documents of templates/, its parsed inputs of policies/, the clusters, a maker of
# plain templates, where problems go, the plain templates, the previous placement) -> what
# it stands for
Assemble = Callable[
    [
        Sequence[Document],
        Sequence[Any],
        Sequence[Cluster],
        Callable[[Document], ResourceTemplate],
        Problems,
        Sequence[ResourceTemplate],
        Previous,
    ],
    Assembled,
]


def unready_cluster_warnings(cluster: Cluster) -> list[Problem]:
    """A dialect whose control plane skips clusters that are not Ready: say so."""
    if cluster.ready:
        return []
    return [
        Problem.warning(
            cluster.source,
            f"cluster {cluster.name} is not Ready (status.conditions): nothing is written for it",
        )
    ]


def no_scopes(inputs: Sequence[Any]) -> dict[tuple[str, str], bool]:
    return {}


@dataclass(frozen=True)
class Dialect:
    """One dialect's front end, as the loader calls it."""

    name: str  # as model objects record it (`dialect=`)
    policy_kinds: frozenset[tuple[str, str]]  # (apiVersion, kind) it owns in policies/
    parse: Callable[[Document], Any]
    template_groups: frozenset[str] = frozenset()  # API groups of its objects in templates/
    # labels that bind a plain template of templates/ to its policies
    binding_labels: frozenset[str] = frozenset()
    assemble: Assemble | None = None
    # what about one of its clusters will surprise a user (it receives nothing, ...)
    cluster_warnings: Callable[[Cluster], list[Problem]] = unready_cluster_warnings
    # (group, kind) -> namespaced?, for kinds its parsed inputs declare (as a CRD would)
    declared_scopes: Callable[[Sequence[Any]], dict[tuple[str, str], bool]] = no_scopes
    # (apiVersion, kind) of its cluster objects when their status is Karmada's Cluster
    # status, which `hubless clusters refresh` writes; None: their status is left alone
    refreshed_object: tuple[str, str] | None = None
