"""What is wrong with the RolloutPolicies of a fleet as a whole (each one's own fields are
checked when it is read): clusters in no wave, waves with no cluster, and objects two
rollouts claim."""

from __future__ import annotations

from hubless.errors import Problem, Problems
from hubless.model import Fleet, RolloutPolicy
from hubless.rollout.plan import plan_rollout, selects


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def rollout_errors(fleet: Fleet) -> Problems:
    """A cluster no wave takes (there is no catch-all wave), an object two policies select."""
    problems = Problems()
    for policy in fleet.rollout_policies:
        left = plan_rollout(policy, fleet.clusters).unassigned
        if left:
            said = f"cluster {left[0]} is" if len(left) == 1 else f"clusters {_names(left)} are"
            problems.add(
                policy.source,
                f"{policy.ref}: {said} in no wave; add a last wave without clusters to take "
                "every cluster the others leave",
            )
    for template in fleet.templates:
        claiming: list[RolloutPolicy] = [p for p in fleet.rollout_policies if selects(p, template)]
        for later in claiming[1:]:
            first = claiming[0]
            problems.add(
                later.source,
                f"{template.key} is selected by both {first.ref} ({first.source}) and "
                f"{later.ref}: an object follows one rollout",
            )
    return problems


def rollout_warnings(fleet: Fleet) -> list[Problem]:
    """A wave that selects no cluster (the ones it names are absent or taken earlier)."""
    warnings = []
    for policy in fleet.rollout_policies:
        for wave in plan_rollout(policy, fleet.clusters).waves:
            if not wave.clusters:
                warnings.append(
                    Problem.warning(
                        wave.wave.source,
                        f"wave {wave.wave.name!r} of {policy.ref} selects no cluster "
                        "(none matches, or earlier waves took them all)",
                    )
                )
    return warnings
