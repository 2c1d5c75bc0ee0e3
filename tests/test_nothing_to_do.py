"""A render with nothing to do, the most frequent one (a pre-commit hook, CI): it reads the
sources and rendered/'s stat, trusts the hash cache, and imports nothing it does not need."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hubless.build.state import hashes
from hubless.build.state.paths import HASH_CACHE
from hubless.commands.render import render
from tests.conftest import write_tree
from tests.test_render import base_files

# What the render that has something to do needs: the loader, the dialects and their
# schemas, the compiler, validation, Jinja2, YAML, git, the kubernetes client, workers.
HEAVY = (
    "hubless.load",
    "hubless.dialects",
    "hubless.compile",
    "hubless.build.plan",
    "hubless.validation",
    "hubless.git",
    "jinja2",
    "jsonschema",
    "ruamel",
    "git",
    "kubernetes",
    "lupa",
    "multiprocessing",
    "concurrent",
)

# Runs the command line in this process, then lists the modules it imported.
PROBE = """
import json, sys
from hubless.cli import main
sys.argv = ["hubless", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def run_probe(repo: Path, *args: str) -> tuple[str, int, set[str]]:
    """stdout before the probe's own line, the exit status, the imported heavy modules."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    *printed, last = done.stdout.splitlines(keepends=True)
    report = json.loads(last)
    heavy = {m for m in report["modules"] if m.split(".")[0] in HEAVY or m.startswith(HEAVY)}
    return "".join(printed), report["code"], heavy


@pytest.fixture
def rendered(tmp_path: Path) -> Path:
    write_tree(tmp_path, base_files())
    assert render(tmp_path, check=False) == 0
    return tmp_path


def test_a_render_with_nothing_to_do_imports_no_compiler(rendered: Path) -> None:
    assert run_probe(rendered, "render") == ("rendered: nothing changed\n", 0, set())
    assert run_probe(rendered, "render", "--check") == ("rendered/ is up to date\n", 0, set())


def test_a_render_with_something_to_do_imports_what_it_needs(rendered: Path) -> None:
    (rendered / "rendered/east/shop/configmap_web.yaml").write_text("kind: tampered\n")
    printed, code, heavy = run_probe(rendered, "render", "--check")
    assert (printed, code) == ("stale: rendered/east/shop/configmap_web.yaml\n", 1)
    assert {"hubless.load", "hubless.compile", "hubless.build.plan"} <= heavy


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files below rendered/ that are read to be hashed."""
    paths: list[str] = []
    real: Callable[..., Any] = builtins.open

    def counting(file: Any, *args: Any, **kwargs: Any) -> Any:
        paths.append(os.fspath(file))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(hashes, "open", counting, raising=False)
    return paths


def test_after_a_render_nothing_is_read_again(
    rendered: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert render(rendered, check=False) == 0
    assert render(rendered, check=True) == 0
    assert capsys.readouterr().out == "rendered: nothing changed\nrendered/ is up to date\n"
    assert opened == []


def test_after_files_are_removed_nothing_is_read_again(
    rendered: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (rendered / "templates/web/configmap.yaml").unlink()
    assert render(rendered, check=False) == 0
    capsys.readouterr()
    opened.clear()
    assert render(rendered, check=False) == 0
    assert capsys.readouterr().out == "rendered: nothing changed\n"
    assert opened == []


def test_without_the_cache_every_file_is_read_and_the_answer_is_the_same(
    rendered: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    (rendered / "rendered" / HASH_CACHE).unlink()
    capsys.readouterr()
    assert render(rendered, check=False) == 0
    assert capsys.readouterr().out == "rendered: nothing changed\n"
    files = [p for p in (rendered / "rendered").rglob("*") if p.is_file()]
    unhashed = {"manifest.json", "lock", "hashes"}
    assert sorted(opened) == sorted(str(p) for p in files if p.name not in unhashed)


def test_a_damaged_cache_is_not_trusted(
    rendered: Path, opened: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    cache = rendered / "rendered" / HASH_CACHE
    cache.write_bytes(cache.read_bytes()[:-7])
    (rendered / "rendered/east/shop/configmap_web.yaml").write_text("kind: tampered\n")
    capsys.readouterr()
    assert render(rendered, check=True) == 1
    assert capsys.readouterr().out == "stale: rendered/east/shop/configmap_web.yaml\n"


# Another dialect's front end: a fleet without its objects never loads it.
OTHER_DIALECTS = (
    "hubless.dialects.kubeadmiral.assemble",
    "hubless.dialects.kubeadmiral.policies",
    "hubless.dialects.kubefed.assemble",
    "hubless.dialects.kubefed.policies",
)


def test_a_fleet_of_karmada_objects_never_loads_another_dialect(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    _, code, heavy = run_probe(tmp_path, "render")
    assert code == 0
    assert "hubless.compile" in heavy
    assert heavy.isdisjoint(OTHER_DIALECTS)


def test_a_kubeadmiral_label_alone_loads_kubeadmiral(tmp_path: Path) -> None:
    """A plain template bound by KubeAdmiral's label to a policy that is not there is
    KubeAdmiral's to refuse, even in a fleet with no other KubeAdmiral object."""
    files = base_files()
    files["templates/web/configmap.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n"
        "  labels: {kubeadmiral.io/propagation-policy-name: nope}\n"
    )
    write_tree(tmp_path, files)
    printed, code, heavy = run_probe(tmp_path, "render")
    assert (printed, code) == ("", 1)
    assert "hubless.dialects.kubeadmiral.assemble" in heavy
    done = subprocess.run(
        [sys.executable, "-m", "hubless", "render"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "templates/web/configmap.yaml:1: error: ConfigMap/shop/web: label "
        "kubeadmiral.io/propagation-policy-name='nope' names no PropagationPolicy in "
        "namespace shop in policies/\n",
    )


def imported(repo: Path, *args: str) -> tuple[str, str, int, set[str]]:
    """stdout before the probe's own line, stderr, the exit status, every imported module."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=repo, capture_output=True, text=True, check=False
    )
    *printed, last = done.stdout.splitlines(keepends=True)
    report = json.loads(last)
    return "".join(printed), done.stderr, report["code"], set(report["modules"])


def test_a_render_of_valid_objects_never_imports_jsonschema(tmp_path: Path) -> None:
    # Each object's schema passes it through its compiled check: jsonschema (and
    # referencing, attrs, ...) only words the problems of an invalid one.
    write_tree(tmp_path, base_files())
    version = ("--kube-version-default", "1.30")
    assert imported(tmp_path, "render", *version)[2] == 0
    configmap = tmp_path / "templates/web/configmap.yaml"
    configmap.write_text(configmap.read_text().replace('mode: "on"', 'mode: "off"'))
    printed, errors, code, modules = imported(tmp_path, "render", *version)
    assert (code, errors) == (0, "")
    assert "changed" in printed and "hubless.kubeschema" in modules
    assert not {"jsonschema", "referencing"} & modules

    configmap.write_text(configmap.read_text().replace('mode: "off"', "mode: 1"))
    printed, errors, code, modules = imported(tmp_path, "render", *version)
    placed = sorted(p.parts[-3] for p in (tmp_path / "rendered").glob("*/shop/configmap_web.yaml"))
    assert code == 1 and "jsonschema" in modules
    assert errors == (
        f"templates/web/configmap.yaml:1: error: ConfigMap/shop/web for clusters "
        f"{', '.join(placed)} (Kubernetes 1.30): data.mode: must be a string or null, "
        "not an integer\n"
    )
