"""Which paths of an object a cluster's override rules can change.

Each cluster's copy of a template owns exactly those paths and shares the rest with the
template (and with the other clusters' copies): a fleet of a thousand clusters does not
deep-copy every object a thousand times.
"""

from __future__ import annotations

from typing import Any

from hubless import pointer
from hubless.jsonvalue import deep_copy
from hubless.model import OverridePolicy, Overriders, OverrideRule
from hubless.overriders.containers import POD_SPEC_PATHS

Rules = list[tuple[OverridePolicy, OverrideRule]]  # as applicable_rules lists them
# The paths overrides may change, as a tree: key -> the owned paths below it, None for the
# whole value there. EACH under a list stands for every element.
Owned = dict[str, "Owned | None"]
EACH = "*"


def owned_paths(rules: Rules, kind: str) -> Owned | None:
    """The paths of a `kind` object these rules can change (None: possibly anything)."""
    whole: list[list[str]] = []  # values replaced or changed anywhere below
    shallow: list[list[str]] = [["spec"]]  # maps whose own keys change: spec gets replicas
    for _, rule in rules:
        overriders = rule.overriders
        if not isinstance(overriders, Overriders):
            return None  # another dialect's patches: no narrowing
        for image in overriders.image:
            if image.predicate_path is not None:
                whole.append(pointer.tokens(image.predicate_path))
        if any(o.predicate_path is None for o in overriders.image) or (
            overriders.command or overriders.args
        ):
            pod_spec = POD_SPEC_PATHS.get(kind)
            if pod_spec is not None:
                # They replace whole fields of a container: each needs its own container.
                shallow.append([*pointer.tokens(pod_spec), "containers", EACH])
        if overriders.labels:
            whole.append(["metadata", "labels"])
        if overriders.annotations:
            whole.append(["metadata", "annotations"])
        whole.extend(pointer.tokens(o.path) for o in overriders.plaintext)
        whole.extend(pointer.tokens(o.field_path) for o in overriders.field)
    owned: Owned = {}
    for tokens, below in [(t, {}) for t in shallow] + [(t, None) for t in whole]:
        if not tokens[0]:
            return None  # the whole object, or a pointer we do not narrow
        node = owned
        for token in tokens[:-1]:
            nested = node.setdefault(token, {})
            if nested is None:
                break  # already owned whole
            node = nested
        else:
            if below is None:
                node[tokens[-1]] = None
            else:
                node.setdefault(tokens[-1], below)
    return owned


def own_copy(value: dict[str, Any], owned: Owned | None) -> dict[str, Any]:
    """A copy of `value` whose owned paths share nothing with it; the rest is shared.

    Lists on a path are copied whole (an index may move under a patch), unless only EACH
    is below them."""
    if owned is None:
        return deep_copy(value)  # type: ignore[no-any-return]
    copy = dict(value)
    for key, below in owned.items():
        item = copy.get(key)
        if isinstance(item, dict):
            copy[key] = own_copy(item, below)
        elif isinstance(item, list):
            if below is not None and below.keys() == {EACH}:
                each = below[EACH]
                copy[key] = [own_copy(e, each) if isinstance(e, dict) else e for e in item]
            else:
                copy[key] = deep_copy(item)
    return copy
