"""The package's layers: each module imports only what stands below it.

From the bottom: the pure core (model, compile and everything they use), then build/state
(rendered/.hubless/), then build/ (how a render works), then commands/, then cli.py. A
command never imports another command.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "hubless"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every hubless module `path` imports (a package import counts as the package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from hubless.build import shards` imports the module hubless.build.shards
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "hubless" or name.startswith("hubless.")}


MODULES = {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    if module == "hubless.cli" or module == "hubless.__main__":
        return 4
    if module.startswith("hubless.commands"):
        return 3
    if module.startswith("hubless.build.state"):
        return 1
    if module.startswith("hubless.build"):
        return 2
    return 0  # the core: model, load, compile, scheduler, overriders, dialects, ...


def test_the_layer_table_knows_every_module() -> None:
    assert "hubless.compile" in MODULES and "hubless.build.plan" in MODULES
    assert "hubless.build.state.record" in MODULES and "hubless.commands.render" in MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_layer_above_it(module: str) -> None:
    above = sorted(
        name for name in MODULES[module] if name in MODULES and _layer(name) > _layer(module)
    )
    assert above == [], f"{module} (layer {_layer(module)}) imports {above}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("hubless.commands.")))
def test_no_command_imports_another(module: str) -> None:
    others = sorted(
        name
        for name in MODULES[module]
        if name.startswith("hubless.commands.") and name in MODULES and name != module
    )
    assert others == [], f"{module} imports {others}"


def test_imports_are_read_in_every_form(tmp_path: Path) -> None:
    # `from hubless.commands import render` imports the command module.
    path = tmp_path / "probe.py"
    path.write_text(
        "import os\nfrom hubless.commands import render\nimport hubless.build.plan\n",
        encoding="utf-8",
    )
    assert _imports(path) == {
        "hubless.commands",
        "hubless.commands.render",
        "hubless.build.plan",
    }


_DIALECT_PACKAGES = ("karmada", "kubefed", "kubeadmiral")


@pytest.mark.parametrize(
    "module",
    sorted(
        m
        for m in MODULES
        if not m.startswith(("hubless.dialects", "hubless.convert")) and m != "hubless.model"
    ),
)
def test_the_core_knows_no_dialect_by_name(module: str) -> None:
    """Dialects plug in through the registry (hubless.dialects), never by name."""
    named = sorted(
        name
        for name in MODULES[module]
        if any(name.startswith(f"hubless.dialects.{d}") for d in _DIALECT_PACKAGES)
    )
    assert named == [], f"{module} imports {named}"
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    text = path.read_text(encoding="utf-8")
    assert re.search(r"\bKARMADA\b", text) is None, f"{module} names the Karmada dialect"
