"""Rollouts during a render: which clusters get a RolloutPolicy's objects now, and the state.

A rollout starts when the render would change what its objects (the selected ones and the
propagateDeps dependencies that follow them) look like on some cluster: their content, or
where they are placed. The first wave (its first batch) is promoted at once. Clusters of
promoted waves get the new content; every other cluster keeps the committed bytes (a hold,
hubless.build.holds). A change of what the objects are to become (the target digest)
restarts the rollout from the first wave; a rollout with nothing left to hold is complete
and leaves no state behind. An aborted rollout (no wave promoted) holds every cluster at its
base revision until the objects change again.

A rollout needs a committed render to hold to: a fleet whose rendered/ was never committed
(or is not in git) gets everything at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hubless.build.holds import Held, Hold, hold
from hubless.build.state.paths import MANIFEST, ROLLOUTS
from hubless.build.state.rollouts import Promotion, RolloutState, RolloutStates, read_rollouts
from hubless.build.suspension import committed_tree, placed_files, requirements
from hubless.git import open_repo, resolve_commit
from hubless.model import Fleet, ResourceKey, RolloutPolicy
from hubless.results import Compiled
from hubless.rollout.plan import RolloutPlan, plan_rollout, rollout_objects, target_digest

BaseTree = Callable[[str], Mapping[str, bytes]]  # rendered/ as committed at a revision


@dataclass(frozen=True)
class RolloutResult:
    held: Held  # the tree to write, and what the rollouts held back
    states: RolloutStates  # the rollouts still under way


def first_promotion(plan: RolloutPlan) -> tuple[Promotion, ...]:
    """The first wave that has clusters, its first batch promoted."""
    for wave in plan.waves:
        if wave.batches:
            return (Promotion(wave.wave.name, 1, wave.batches[0]),)
    return ()


def next_promotion(plan: RolloutPlan, promoted: tuple[Promotion, ...]) -> tuple[Promotion, ...]:
    """`promoted` with the next batch (of the last promoted wave, else of the next wave
    with clusters) promoted; the same when every wave is."""
    if not promoted:
        return first_promotion(plan)
    last = promoted[-1]
    names = [w.wave.name for w in plan.waves]
    index = names.index(last.wave) if last.wave in names else len(names)
    if index < len(names):
        wave = plan.waves[index]
        if last.batches < len(wave.batches):
            batches = last.batches + 1
            clusters = tuple(c for b in wave.batches[:batches] for c in b)
            return (*promoted[:-1], Promotion(last.wave, batches, clusters))
    for wave in plan.waves[index + 1 :]:
        if wave.batches:
            return (*promoted, Promotion(wave.wave.name, 1, wave.batches[0]))
    return promoted


def _holds(
    policy: RolloutPolicy, plan: RolloutPlan, state: RolloutState, keys: tuple[ResourceKey, ...]
) -> list[Hold]:
    promoted = state.promoted_clusters
    found: list[Hold] = []
    for wave in plan.waves:
        waiting = frozenset(c for c in wave.clusters if c not in promoted)
        if not waiting:
            continue
        reason = (
            f"{policy.ref} (aborted)"
            if not state.promoted
            else f"{policy.ref}, wave {wave.wave.name!r} not promoted"
        )
        found.extend(Hold(key, waiting, reason, dependencies=True) for key in keys)
    return found


def run_rollouts(
    fleet: Fleet,
    compiled: Compiled,
    tree: Mapping[str, bytes],
    committed: Mapping[str, bytes],
    states: RolloutStates,
    base: str | None,
    base_tree: BaseTree,
) -> RolloutResult:
    """`tree` with every rollout's waiting clusters held, and the rollouts' new state.
    `base`: the commit a rollout starting now holds to (None: none can start)."""
    if base is not None and MANIFEST not in committed:
        base = None
    current = dict(tree)
    files: dict[str, tuple[str, ...]] = {}
    kept: dict[str, RolloutState] = {}
    placed, requires = placed_files(compiled), requirements(compiled.decisions)
    for policy in sorted(fleet.rollout_policies, key=lambda p: p.name):
        objects = rollout_objects(policy, fleet.templates, compiled)
        if not objects.selected:
            continue
        plan = plan_rollout(policy, fleet.clusters)
        target = target_digest(objects, compiled)
        state = states.rollouts.get(policy.name)
        if state is None or state.target_digest != target:
            # Started, or restarted from the first wave towards the newest content; a
            # restart keeps the revision the rollout set out from.
            since = state.base_revision if state is not None else base
            if since is None:
                continue
            state = RolloutState(policy.name, since, target, first_promotion(plan))
        against = committed if state.promoted else base_tree(state.base_revision)
        held = hold(
            current, against, _holds(policy, plan, state, objects.selected), placed, requires
        )
        if not held.files:
            continue  # complete: every cluster has what the sources say
        current = held.tree
        for path, reasons in held.files.items():
            files[path] = tuple(sorted({*files.get(path, ()), *reasons}))
        kept[policy.name] = state
    return RolloutResult(Held(current, files), RolloutStates(kept, states.where))


def rolled_out(
    repo: Path,
    fleet: Fleet,
    compiled: Compiled,
    tree: Mapping[str, bytes],
    committed: Mapping[str, bytes],
    ref: str = "HEAD",
    states: RolloutStates | None = None,
) -> RolloutResult:
    """`run_rollouts` with the repository's state (the work tree's, else `ref`'s), `ref` as
    the base of a rollout that starts, and rendered/ at any revision read from git."""
    if states is None:
        states = read_rollouts(repo) if fleet.rollout_policies else RolloutStates({})
    if not fleet.rollout_policies:
        return RolloutResult(Held(dict(tree)), RolloutStates({}, states.where))
    base = resolve_commit(repo, ref) if open_repo(repo) is not None else None
    return run_rollouts(
        fleet, compiled, tree, committed, states, base, lambda rev: committed_tree(repo, rev)
    )


def with_state(tree: dict[str, bytes], states: RolloutStates) -> dict[str, bytes]:
    """The tree with the state file, when a rollout is under way (else without)."""
    tree.pop(ROLLOUTS, None)
    if states.rollouts:
        tree[ROLLOUTS] = states.text().encode("utf-8")
    return tree
