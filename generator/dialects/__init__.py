"""Front ends for the policy dialects hubless reads, in one registry.

Each dialect module exposes `DIALECT` (its name), `KINDS` (the (apiVersion, kind) pairs it
owns in policies/) and `parse(document)`, which returns model objects (a Cluster, a
PropagationPolicy or an OverridePolicy) or an input of its own for `assemble`. A dialect
whose objects also live in templates/ names their API groups in `TEMPLATE_GROUPS` and turns
them, with its own inputs, into templates and policies in `assemble`, which also sees the
plain templates and may rewrite them (`Assembled.replaced`).
"""

from __future__ import annotations

from types import ModuleType

from generator.dialects import karmada, kubeadmiral, kubefed

DIALECTS: tuple[ModuleType, ...] = (karmada, kubefed, kubeadmiral)


def dialect_for(api_version: str, kind: str) -> ModuleType | None:
    for dialect in DIALECTS:
        if (api_version, kind) in dialect.KINDS:
            return dialect
    return None


def template_dialect_for(group: str) -> ModuleType | None:
    """The dialect whose wrapped objects in templates/ use API group `group`."""
    for dialect in DIALECTS:
        if group in getattr(dialect, "TEMPLATE_GROUPS", ()):
            return dialect
    return None
