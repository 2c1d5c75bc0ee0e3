"""The folders of a fleet repository: what hubless reads, and where it writes."""

from __future__ import annotations

POLICIES_DIR = "policies"  # the inventory and the policies, in any layout
TEMPLATES_DIR = "templates"  # resource templates: YAML, or Jinja2 when named *.j2
RENDERED_DIR = "rendered"  # the output, one folder per cluster, committed
