"""The README shows what the commands print: every `$ hubless ...` console example whose
output it shows is run in the example fleet and compared with that output."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import run_hubless

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = re.compile(r"```console\n\$ (hubless [^\n]*)\n(.*?)```", re.S)
EXAMPLES = EXAMPLE.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_examples_to_check() -> None:
    assert sum(command.startswith("hubless bootstrap") for command, _ in EXAMPLES) >= 2


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_prints_what_it_shows(command: str, shown: str) -> None:
    result = run_hubless(*shlex.split(command)[1:], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == shown


def test_ci_runs_the_readme_quick_start() -> None:
    """CI installs and tests exactly as the README's quick start says."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    (tests,) = [line for line in quick_start.splitlines() if "pytest" in line]
    commands = [command.strip() for command in tests.split("#", 1)[0].split("&&")]
    assert commands == ["python3 tools/install.py dev", ".venv/bin/python -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci.index(commands[0]) < ci.index(commands[1])
