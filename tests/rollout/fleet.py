"""A small fleet for rollout tests (six clusters, a Deployment with a ConfigMap it needs),
and git with commit dates the tests choose."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from hubless.cli import cli
from tests.conftest import cluster_yaml, write_tree

CLUSTERS = {
    "edge-1": {"region": "eu", "tier": "edge"},
    "eu-a": {"region": "eu"},
    "eu-b": {"region": "eu"},
    "eu-c": {"region": "eu"},
    "us-1": {"region": "us"},
    "us-2": {"region": "us"},
}

PROPAGATION = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  propagateDeps: true
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  - {apiVersion: v1, kind: ConfigMap, name: other}
  placement: {}
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:{tag}
        envFrom: [{configMapRef: {name: web-config}}]
"""

CONFIGMAPS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {greeting: {greeting}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other, namespace: shop}
data: {a: "{other}"}
"""

ROLLOUT = """
apiVersion: hubless.io/v1alpha1
kind: RolloutPolicy
metadata: {name: web}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, namespace: shop, name: web}
  waves:
  - name: canary
    clusters: {clusterNames: [edge-1]}
  - name: eu
    clusters: {labelSelector: {matchLabels: {region: eu}}}
    maxConcurrency: 50%
  - name: rest
  gates:
    soak: 30m
    approval: manual
    healthy: true
"""


def files(
    *, tag: str = "1.25", greeting: str = "hello", other: str = "1", rollout: str | None = ROLLOUT
) -> dict[str, str]:
    tree = {
        f"policies/clusters/{name}.yaml": cluster_yaml(name, labels)
        for name, labels in CLUSTERS.items()
    }
    tree["policies/web.yaml"] = PROPAGATION
    tree["templates/namespace.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
    tree["templates/web.yaml"] = DEPLOYMENT.replace("{tag}", tag)
    tree["templates/config.yaml"] = CONFIGMAPS.replace("{greeting}", greeting).replace(
        "{other}", other
    )
    if rollout is not None:
        tree["policies/rollout.yaml"] = rollout
    return tree


def make(root: Path, **options: Any) -> Path:
    write_tree(root, files(**options))
    return root


def git(repo: Path, *args: str, date: str = "") -> str:
    """Run git in `repo`, with author and committer date `date` when given."""
    env = dict(os.environ)
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def commit(repo: Path, message: str, date: str) -> str:
    """Commit everything, dated `date`; the new commit's id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def hubless(repo: Path, *args: str) -> Result:
    """Run `hubless ARGS --repo REPO` in this process."""
    return CliRunner().invoke(cli, [*args, "--repo", str(repo)])


def folders(repo: Path) -> dict[str, bytes]:
    """Every file of the cluster folders of rendered/ (not hubless's own files)."""
    root = repo / "rendered"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".hubless/")
    }


def full_render(root: Path, **options: Any) -> dict[str, bytes]:
    """The cluster folders a render of the sources `options` describe writes, without a
    RolloutPolicy (everything at once)."""
    make(root, **options, rollout=None)
    result = hubless(root, "render")
    assert result.exit_code == 0, result.output
    return folders(root)


HELD = ("/shop/deployment.apps_web.yaml", "/shop/configmap_web-config.yaml")  # web and its deps


def mixed(
    tmp: Path, new: dict[str, Any], old: dict[str, Any], updated: set[str]
) -> dict[str, bytes]:
    """What rendered/ holds when clusters `updated` have what sources `new` render and the
    others have web and its ConfigMap as sources `old` render them (the rest as `new`)."""
    after = full_render(tmp / "new", **new)
    before = full_render(tmp / "old", **old)

    def held(path: str) -> bool:
        return path.split("/", 1)[0] not in updated and path.endswith(HELD)

    chosen = {p: c for p, c in after.items() if not held(p)}
    chosen.update({p: c for p, c in before.items() if held(p)})
    return dict(sorted(chosen.items()))


def state(repo: Path) -> Any:
    """The rollout state file, parsed; None when there is none."""
    path = repo / "rendered/.hubless/rollouts.json"
    return json.loads(path.read_text()) if path.exists() else None
