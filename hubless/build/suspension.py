"""Karmada's hold switches on a PropagationPolicy, turned into holds (hubless.build.holds).

`suspension.dispatching: true` holds the policy's objects on every cluster,
`suspension.dispatchingOnClusters.clusterNames` on those clusters (Karmada's binding
controller marks those clusters' Works suspended), and `activationPreference: Lazy` holds
them everywhere until their template itself changes (Karmada's detector leaves the binding
as it was after a policy change). A dependency propagateDeps adds has a binding of its own,
which Karmada does not suspend: it is not held with its workload.

"What the clusters have" is the committed rendered/: git's HEAD in a git repository (Argo
CD and Flux deploy commits, and a pre-commit hook renders before the commit exists), the
folder on disk elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from hubless.build.digests import template_digests
from hubless.build.holds import Held, Hold, hold
from hubless.build.layout import object_path
from hubless.build.state.manifest import parse_manifest
from hubless.build.state.paths import MANIFEST
from hubless.build.state.transaction import read_tree
from hubless.failover import GRACEFULLY, evictions, graceful, has_no_execute, purge_mode
from hubless.git import files_at, open_repo, resolve_commit
from hubless.model import Fleet, PolicyRef, PropagationPolicy, ResourceKey
from hubless.repository import RENDERED_DIR
from hubless.results import Compiled, Decision


def suspends(fleet: Fleet) -> bool:
    """Whether any policy of the fleet can hold anything (else no hold is worked out)."""
    return any(
        p.suspend_dispatching or p.suspend_clusters or p.lazy for p in fleet.propagation_policies
    ) or (fleet.gates.taint_eviction and any(has_no_execute(c) for c in fleet.clusters))


def committed_tree(repo: Path, ref: str = "HEAD") -> dict[str, bytes]:
    """rendered/ as committed at `ref` (paths relative to it); on disk outside git. A git
    repository with no commit yet has nothing committed."""
    if open_repo(repo) is None:
        return read_tree(repo / RENDERED_DIR)
    if resolve_commit(repo, ref) is None:
        return {}
    prefix = f"{RENDERED_DIR}/"
    return {p[len(prefix) :]: c for p, c in files_at(repo, RENDERED_DIR, ref).items()}


def changed_templates(fleet: Fleet, committed: Mapping[str, bytes]) -> frozenset[str]:
    """The templates (keys as the manifest writes them) whose body differs from the one the
    committed render was made from; every template when that is unknown."""
    text = committed.get(MANIFEST)
    manifest = parse_manifest(text.decode("utf-8", "replace")) if text is not None else None
    now = template_digests(fleet.templates)
    if manifest is None or not manifest.template_bodies:
        return frozenset(now)
    return frozenset(k for k, v in now.items() if manifest.template_bodies.get(k) != v)


def _holds(policy: PropagationPolicy, key: ResourceKey, changed: frozenset[str]) -> list[Hold]:
    found = []
    if policy.suspend_dispatching:
        found.append(Hold(key, None, f"{policy.ref} suspension.dispatching"))
    elif policy.suspend_clusters:
        clusters = frozenset(policy.suspend_clusters)
        found.append(Hold(key, clusters, f"{policy.ref} suspension.dispatchingOnClusters"))
    if policy.lazy and str(key) not in changed:
        found.append(Hold(key, None, f"{policy.ref} activationPreference: Lazy"))
    return found


def graceful_holds(policy: PropagationPolicy, key: ResourceKey, fleet: Fleet) -> list[Hold]:
    """Karmada's graceful eviction task keeps the Work on the evicted cluster as it was
    until the task ends: the committed copy stays there (a placed dependency too)."""
    if purge_mode(policy, fleet.gates) != GRACEFULLY:
        return []
    found = []
    for name, evicted in sorted(evictions(policy, fleet.clusters, fleet.gates, fleet.now).items()):
        if graceful(evicted, fleet.gates, fleet.now):
            reason = f"{policy.ref} failover: graceful eviction from {name}"
            found.append(Hold(key, frozenset((name,)), reason, dependencies=True))
    return found


def holds_of(fleet: Fleet, decisions: Iterable[Decision], changed: frozenset[str]) -> list[Hold]:
    """What the policies that claimed each template hold, and what a graceful eviction
    keeps on the cluster it evicts from."""
    policies: dict[PolicyRef, PropagationPolicy] = {p.ref: p for p in fleet.propagation_policies}
    found = []
    for decision in decisions:
        ref = decision.binding.policy
        policy = policies.get(ref) if ref is not None else None
        if policy is not None:
            found.extend(_holds(policy, decision.binding.resource, changed))
            found.extend(graceful_holds(policy, decision.binding.resource, fleet))
    return found


def placed_files(compiled: Compiled) -> dict[tuple[str, ResourceKey], str]:
    """(cluster, template) -> its object's file, relative to rendered/."""
    return {
        (cluster, rendered.key): f"{cluster}/{object_path(rendered.body)}"
        for cluster, objects in compiled.objects.items()
        for rendered in objects
    }


def requirements(decisions: Iterable[Decision]) -> dict[ResourceKey, list[ResourceKey]]:
    """Each propagateDeps workload's dependencies."""
    found: dict[ResourceKey, list[ResourceKey]] = {}
    for decision in decisions:
        for workload, _ in decision.required_by:
            found.setdefault(workload, []).append(decision.binding.resource)
    return found


def suspended(
    fleet: Fleet, compiled: Compiled, tree: dict[str, bytes], committed: Mapping[str, bytes]
) -> Held:
    """`tree` (a render of `compiled`) with what the fleet's policies hold as committed."""
    if not suspends(fleet):
        return Held(tree)
    holds = holds_of(fleet, compiled.decisions, changed_templates(fleet, committed))
    return hold(tree, committed, holds, placed_files(compiled), requirements(compiled.decisions))
