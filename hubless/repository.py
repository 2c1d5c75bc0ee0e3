"""The folders of a fleet repository: what hubless reads, and where it writes."""

from __future__ import annotations

from pathlib import Path

from hubless.errors import UserError

POLICIES_DIR = "policies"  # the inventory and the policies, in any layout
TEMPLATES_DIR = "templates"  # resource templates: YAML, or Jinja2 when named *.j2
RENDERED_DIR = "rendered"  # the output, one folder per cluster, committed


def check_fleet_repository(repo: Path) -> None:
    """A fleet repository has policies/ or templates/: anywhere else (inside templates/ by
    mistake, say) a command would render nothing into a new rendered/."""
    if not (repo / POLICIES_DIR).is_dir() and not (repo / TEMPLATES_DIR).is_dir():
        raise UserError.at(
            None,
            f"{repo.resolve()} is not a fleet repository: it holds neither {POLICIES_DIR}/ nor "
            f"{TEMPLATES_DIR}/ (run hubless in the folder that holds them, or give --repo)",
        )
