"""commandOverrider / argsOverrider: add to or remove from a container's command or args.

Containers are matched by name in `containers` of the kinds the image overrider knows.
An absent field is created (`add`, even for `remove`, which then leaves it empty);
`remove` drops every element equal to any given value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubless.model import CommandArgsOverrider
from hubless.overriders.containers import containers
from hubless.overriders.jsonpatch_v5 import Operation, apply_patch


def _new_values(current: list[str], overrider: CommandArgsOverrider) -> list[str]:
    if overrider.operator == "add":
        return [*current, *overrider.values]
    return [value for value in current if value not in overrider.values]


def apply_to(
    field: str, body: dict[str, Any], overriders: Sequence[CommandArgsOverrider]
) -> dict[str, Any]:
    for overrider in overriders:
        found = containers(body)
        if found is None:
            continue
        pointer, items = found
        operations: list[Operation] = []
        for index, container in enumerate(items):
            if not isinstance(container, dict) or container.get("name") != overrider.container_name:
                continue
            current = container.get(field)
            path = f"{pointer}/{index}/{field}"
            if current is None:
                operations.append(("add", path, _new_values([], overrider), overrider.source))
            else:
                values = [str(v) for v in current] if isinstance(current, list) else []
                new = _new_values(values, overrider)
                operations.append(("replace", path, new, overrider.source))
        body = apply_patch(body, operations)
    return body


def apply_command(
    body: dict[str, Any], overriders: Sequence[CommandArgsOverrider]
) -> dict[str, Any]:
    return apply_to("command", body, overriders)


def apply_args(body: dict[str, Any], overriders: Sequence[CommandArgsOverrider]) -> dict[str, Any]:
    return apply_to("args", body, overriders)
