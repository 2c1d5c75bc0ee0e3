"""Front ends for the policy dialects hubless reads, in one registry.

Each dialect module exposes `KINDS` (the (apiVersion, kind) pairs it owns) and
`parse(document)`, which returns model objects: a Cluster, a PropagationPolicy or an
OverridePolicy.
"""

from __future__ import annotations

from types import ModuleType

from generator.dialects import karmada

DIALECTS: tuple[ModuleType, ...] = (karmada,)


def dialect_for(api_version: str, kind: str) -> ModuleType | None:
    for dialect in DIALECTS:
        if (api_version, kind) in dialect.KINDS:
            return dialect
    return None
