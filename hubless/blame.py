"""Which override rule wrote a path of a rendered object, so that a problem in a value a
rule wrote is reported at the rule, not at the template that never had it.

Compile records only which rules applied; what each changed is worked out again here, for
the few objects with a problem, by replaying those rules on the template with tracing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hubless import pointer
from hubless.errors import UserError
from hubless.jsonvalue import deep_copy
from hubless.model import Cluster, OverridePolicy, OverrideRule, ResourceTemplate
from hubless.overriders import Change, apply_overrides

Path = tuple[str, ...]  # keys from the object's root; list indexes as strings
Rule = tuple[OverridePolicy, OverrideRule]


class Writes:
    """The paths each applied rule changed, in the order the rules applied."""

    def __init__(self, template: ResourceTemplate, rules: Sequence[Rule], cluster: Cluster) -> None:
        self._written: list[tuple[Rule, list[Path]]] = []
        trace: list[tuple[str, list[Change]]] = []
        try:
            apply_overrides(deep_copy(template.body), rules, cluster, template.key, trace)
        except UserError:
            # The rules applied in compile, from the same template; a replay can only
            # differ in what compile wrote itself (replicas, completions). Blame nobody.
            return
        for rule, (_, changed) in zip(rules, trace, strict=True):
            self._written.append((rule, [_path(at) for at, _, _ in changed]))

    def last_writer(self, paths: Iterable[Path]) -> Rule | None:
        """The last rule that changed one of `paths` or a value holding it; None when no
        rule did (the value is the template's)."""
        wanted = list(paths)
        for rule, written in reversed(self._written):
            for path in written:
                if any(target[: len(path)] == path for target in wanted):
                    return rule
        return None


def _path(changed: str) -> Path:
    return () if changed == "/" else tuple(pointer.tokens(changed))
