from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from generator.documents import parse_documents
from generator.serialize import dump


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def cluster_yaml(
    name: str,
    labels: Mapping[str, str] | None = None,
    provider: str = "",
    region: str = "",
    zones: tuple[str, ...] = (),
    taints: tuple[Mapping[str, str], ...] = (),
) -> str:
    """A Cluster object as YAML text."""
    spec: dict[str, object] = {"syncMode": "Push"}
    if provider:
        spec["provider"] = provider
    if region:
        spec["region"] = region
    if zones:
        spec["zones"] = list(zones)
    if taints:
        spec["taints"] = [dict(t) for t in taints]
    return dump(
        {
            "apiVersion": "cluster.karmada.io/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": name, "labels": dict(labels or {})},
            "spec": spec,
        }
    )


def read_rendered(repo: Path) -> dict[str, object]:
    """Every rendered object file, parsed, by path relative to rendered/."""
    out: dict[str, object] = {}
    root = repo / "rendered"
    for path in sorted(root.rglob("*.yaml")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(".hubless/"):
            continue
        documents = parse_documents(path.read_text(), relative)
        assert len(documents) == 1, relative
        out[relative] = documents[0].data
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file under `root`."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_hubless(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=None if env is None else dict(env),
        check=False,
    )


@pytest.fixture
def fleet(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    def make(files: Mapping[str, str]) -> Path:
        write_tree(tmp_path, files)
        return tmp_path

    return make
