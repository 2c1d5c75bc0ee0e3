"""What a dialect's `assemble` hands back to the loader."""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import OverridePolicy, PropagationPolicy, ResourceTemplate


@dataclass(frozen=True)
class Assembled:
    """New templates and policies; `replaced` are plain templates of templates/ the dialect
    rewrote (same key), as its control plane rewrites them before propagating."""

    templates: tuple[ResourceTemplate, ...]
    propagation_policies: tuple[PropagationPolicy, ...]
    override_policies: tuple[OverridePolicy, ...]
    replaced: tuple[ResourceTemplate, ...] = ()
