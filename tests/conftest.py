from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from hubless.documents import parse_documents
from hubless.serialize import dump


@pytest.fixture(autouse=True, scope="session")
def _git_identity() -> None:
    """Tests commit with git: give them an identity and no user or system configuration.

    A fresh machine has no user.name, and a developer's configuration (commit signing,
    hooks, init.defaultBranch) must not change what the tests see.
    """
    os.environ.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "hubless tests",
            "GIT_AUTHOR_EMAIL": "tests@hubless.invalid",
            "GIT_COMMITTER_NAME": "hubless tests",
            "GIT_COMMITTER_EMAIL": "tests@hubless.invalid",
        }
    )


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


COMMON_APIS: dict[str, tuple[str, ...]] = {
    "v1": ("ConfigMap", "Namespace", "Pod", "ResourceQuota", "Secret", "Service", "ServiceAccount"),
    "apps/v1": ("DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"),
    "batch/v1": ("CronJob", "Job"),
    "rbac.authorization.k8s.io/v1": ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"),
    "apiextensions.k8s.io/v1": ("CustomResourceDefinition",),
}


def cluster_yaml(
    name: str,
    labels: Mapping[str, str] | None = None,
    provider: str = "",
    region: str = "",
    zones: tuple[str, ...] = (),
    taints: tuple[Mapping[str, str], ...] = (),
    *,
    ready: str | None = "True",
    apis: Mapping[str, tuple[str, ...]] | None = COMMON_APIS,
    complete: bool = True,
    summary: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A Cluster object as YAML text, Ready and serving the common APIs unless told not."""
    spec: dict[str, object] = {"syncMode": "Push"}
    if provider:
        spec["provider"] = provider
    if region:
        spec["region"] = region
    if zones:
        spec["zones"] = list(zones)
    if taints:
        spec["taints"] = [dict(t) for t in taints]
    status: dict[str, object] = {}
    conditions = []
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready})
    if complete:
        conditions.append({"type": "CompleteAPIEnablements", "status": "True"})
    if conditions:
        status["conditions"] = conditions
    if apis is not None:
        status["apiEnablements"] = [
            {"groupVersion": gv, "resources": [{"name": k.lower() + "s", "kind": k} for k in kinds]}
            for gv, kinds in apis.items()
        ]
    if summary is not None:
        status["resourceSummary"] = {k: dict(v) for k, v in summary.items()}
    return dump(
        {
            "apiVersion": "cluster.karmada.io/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": name, "labels": dict(labels or {})},
            "spec": spec,
            "status": status,
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


# never committed
LOCAL_FILES = (
    ".hubless/lock",
    ".hubless/hashes",
    ".hubless/hashes.tmp",
    ".hubless/parses",
    ".hubless/parses.tmp",
)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file under `root` (not local caches or locks)."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().endswith(LOCAL_FILES)
    }


def run_hubless(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hubless", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=None if env is None else dict(env),
        check=False,
    )


_PR_CAPBSET_DROP = 24
# Root's powers to ignore file permissions: without them, `chmod 555` binds root too.
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_permission_override() -> None:
    """In a child about to exec: take the permission-overriding capabilities out of its
    bounding set, so the program it runs (as root) has them neither."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@dataclass
class Unprivileged:
    """hubless run the way a user without root's power over permissions runs it: a
    `chmod 555` folder cannot be written. As root, the child drops those capabilities; as
    another user there is nothing to drop."""

    root: Path
    drop: bool

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hubless", *args],
            cwd=cwd or self.root,
            capture_output=True,
            text=True,
            preexec_fn=_drop_permission_override if self.drop else None,
            check=False,
        )


@pytest.fixture
def unprivileged(tmp_path: Path) -> Unprivileged:
    if os.geteuid() != 0:
        return Unprivileged(tmp_path, False)
    probe = subprocess.run(
        [sys.executable, "-c", "import os; os.mkdir('denied')"],
        cwd=tmp_path,
        capture_output=True,
        preexec_fn=lambda: (os.chmod(tmp_path, 0o555), _drop_permission_override()),
        check=False,
    )
    os.chmod(tmp_path, 0o755)
    if probe.returncode == 0 or b"PermissionError" not in probe.stderr:
        pytest.skip(
            "running as root, and dropping CAP_DAC_OVERRIDE did not make a 555 folder "
            "read-only: the permission case needs an unprivileged process"
        )
    return Unprivileged(tmp_path, True)


@pytest.fixture
def fleet(tmp_path: Path) -> Callable[[Mapping[str, str]], Path]:
    def make(files: Mapping[str, str]) -> Path:
        write_tree(tmp_path, files)
        return tmp_path

    return make
