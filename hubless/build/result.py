"""What a render decided to do: the strategy it took and the change to rendered/."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from hubless.build.state.manifest import Warnings
from hubless.build.state.transaction import TreeChange
from hubless.model import Fleet
from hubless.results import Compiled


class Strategy(enum.Enum):
    """How much of the fleet a render builds (chosen by hubless.build.plan)."""

    UNCHANGED = "unchanged"  # sources and rendered/ are as the last render left them
    TEMPLATES = "templates"  # only the changed templates are scheduled and built again
    CLUSTERS = "clusters"  # every decision again; unchanged clusters keep their files
    FULL = "full"


@dataclass(frozen=True)
class Rendering:
    strategy: Strategy
    change: TreeChange  # what must change under rendered/ (nothing is written yet)
    compiled: Compiled | None = None  # None when UNCHANGED; TEMPLATES: those templates
    fleet: Fleet | None = None
    reused: frozenset[str] = frozenset()  # clusters whose files stay as they are
    # what a full render of the same sources says
    warnings: Warnings = field(default_factory=Warnings)
    # path under rendered/ -> who holds it, for files whose new content was held back
    held: dict[str, tuple[str, ...]] = field(default_factory=dict)
