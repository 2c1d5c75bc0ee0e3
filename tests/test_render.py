"""End to end: small fleets rendered and compared object by object."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from hubless.commands.render import render
from hubless.errors import UserError
from tests.conftest import cluster_yaml, read_rendered, run_hubless, snapshot, write_tree

CLUSTERS = "\n---\n".join(
    [
        cluster_yaml(
            "east", {"env": "prod"}, provider="aws", region="us-east-1", zones=("us-east-1a",)
        ),
        cluster_yaml(
            "west", {"env": "prod"}, provider="gcp", region="us-west1", zones=("us-west1-a",)
        ),
        cluster_yaml("dev", {"env": "dev"}, provider="aws", region="us-east-1"),
        cluster_yaml(
            "batch",
            {"env": "prod"},
            provider="gcp",
            region="europe-west4",
            taints=({"key": "dedicated", "value": "batch", "effect": "NoSchedule"},),
        ),
    ]
)

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
"""

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: shop
  labels: {app: web}
data:
  mode: "on"
"""

PP = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  - apiVersion: v1
    kind: ConfigMap
    labelSelector: {matchLabels: {app: web}}
  placement:
    clusterAffinity:
      labelSelector:
        matchExpressions:
        - {key: env, operator: In, values: [prod]}
"""

OP = """
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: web-west, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment}
  overrideRules:
  - targetCluster: {clusterNames: [west]}
    overriders:
      plaintext:
      - {path: /spec/template/spec/containers/0/image, operator: replace, value: 'mirror.example.com/web:1.0'}
      - {path: /spec/replicas, operator: replace, value: 4}
"""


def base_files() -> dict[str, str]:
    return {
        "policies/clusters.yaml": CLUSTERS,
        "policies/web.yaml": PP,
        "policies/web-overrides.yaml": OP,
        "templates/web/deployment.yaml": DEPLOYMENT,
        "templates/web/configmap.yaml": CONFIGMAP,
        "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    }


def deployment(image: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas,  # defaulted to 1 as the API server would
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


CONFIGMAP_OBJECT = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "data": {"mode": "on"},
}
NAMESPACE_OBJECT = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


def test_small_fleet_renders_exactly(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    assert render(tmp_path, check=False) == 0
    # env=prod selects east, west and batch; batch's NoSchedule taint is not tolerated.
    assert read_rendered(tmp_path) == {
        "batch/_cluster/namespace_shop.yaml": NAMESPACE_OBJECT,
        "dev/_cluster/namespace_shop.yaml": NAMESPACE_OBJECT,
        "east/_cluster/namespace_shop.yaml": NAMESPACE_OBJECT,
        "east/shop/configmap_web.yaml": CONFIGMAP_OBJECT,
        "east/shop/deployment.apps_web.yaml": deployment("registry.example.com/web:1.0", 1),
        "west/_cluster/namespace_shop.yaml": NAMESPACE_OBJECT,
        "west/shop/configmap_web.yaml": CONFIGMAP_OBJECT,
        "west/shop/deployment.apps_web.yaml": deployment("mirror.example.com/web:1.0", 4),
    }
    # Key order is the template's, with the defaulted replicas first in spec.
    text = (tmp_path / "rendered/east/shop/deployment.apps_web.yaml").read_text()
    assert text.startswith("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")
    assert "spec:\n  replicas: 1\n  selector:" in text
    assert "  mode: 'on'\n" in (tmp_path / "rendered/east/shop/configmap_web.yaml").read_text()


def test_placement_record_lists_every_decision(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    from hubless.documents import parse_documents

    record = parse_documents((tmp_path / "rendered/.hubless/placement.json").read_text(), "r")[
        0
    ].data
    assert record["resources"] == [
        {
            "group": "",
            "kind": "ConfigMap",
            "namespace": "shop",
            "name": "web",
            "via": "PropagationPolicy/shop/web",
            "clusters": [{"name": "east"}, {"name": "west"}],
        },
        {
            "group": "",
            "kind": "Namespace",
            "name": "shop",
            "via": "namespace-sync",
            "clusters": [{"name": n} for n in ("batch", "dev", "east", "west")],
        },
        {
            "group": "apps",
            "kind": "Deployment",
            "namespace": "shop",
            "name": "web",
            "via": "PropagationPolicy/shop/web",
            "replicas": 1,
            "clusters": [{"name": "east", "replicas": 1}, {"name": "west", "replicas": 1}],
        },
    ]


def test_toleration_admits_the_tainted_cluster(tmp_path: Path) -> None:
    files = base_files()
    files["policies/web.yaml"] = PP + (
        "    clusterTolerations:\n    - {key: dedicated, operator: Equal, value: batch, effect: NoSchedule}\n"
    )
    write_tree(tmp_path, files)
    render(tmp_path, check=False)
    assert "batch/shop/deployment.apps_web.yaml" in read_rendered(tmp_path)


def test_rerender_touches_nothing_and_prunes_what_went_away(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    before = snapshot(tmp_path / "rendered")
    assert render(tmp_path, check=False) == 0
    assert snapshot(tmp_path / "rendered") == before  # same bytes, same mtimes

    # Drop the ConfigMap and move the Deployment off `west`.
    (tmp_path / "templates/web/configmap.yaml").unlink()
    write_tree(tmp_path, {"policies/web.yaml": PP + "      exclude: [west]\n"})
    render(tmp_path, check=False)
    after = snapshot(tmp_path / "rendered")
    assert set(after) - {
        ".hubless/placement.json",
        ".hubless/.gitignore",
        ".hubless/lock",
        ".hubless/manifest.json",
    } == {
        "batch/.hubless-cluster",
        "batch/_cluster/namespace_shop.yaml",
        "dev/.hubless-cluster",
        "dev/_cluster/namespace_shop.yaml",
        "east/.hubless-cluster",
        "east/_cluster/namespace_shop.yaml",
        "east/shop/deployment.apps_web.yaml",
        "west/.hubless-cluster",
        "west/_cluster/namespace_shop.yaml",
    }
    # Untouched files keep their modification time.
    key = "east/shop/deployment.apps_web.yaml"
    assert after[key] == before[key]
    assert not (tmp_path / "rendered/west/shop").exists()  # emptied folders go too


def test_removed_cluster_loses_its_directory(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    assert (tmp_path / "rendered/dev").is_dir()
    write_tree(tmp_path, {"policies/clusters.yaml": CLUSTERS.split("\n---\n", 2)[0] + "\n"})
    render(tmp_path, check=False)
    assert sorted(p.name for p in (tmp_path / "rendered").iterdir()) == [".hubless", "east"]


def test_unmatched_templates_are_counted_not_fatal(tmp_path: Path) -> None:
    files = base_files()
    files["templates/extra.yaml"] = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: lonely, namespace: shop}\n"
    )
    files["templates/system.yaml"] = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n"
    )
    write_tree(tmp_path, files)
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 template matches no propagation policy" in result.stderr
    assert not any("lonely" in path for path in read_rendered(tmp_path))


def test_kube_namespaces_are_never_propagated(tmp_path: Path) -> None:
    files = base_files()
    files["templates/system.yaml"] = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: kube-tools}\n"
        "spec: {template: {}}\n"
    )
    files["policies/all.yaml"] = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterPropagationPolicy
        metadata: {name: all}
        spec:
          resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
    """
    write_tree(tmp_path, files)
    render(tmp_path, check=False)
    assert not any("kube-tools" in path for path in read_rendered(tmp_path))


NAMESPACES = """
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-extra}
---
apiVersion: v1
kind: Namespace
metadata:
  name: private
  labels: {namespace.karmada.io/skip-auto-propagation: "true"}
"""


def test_namespace_propagation_rules(tmp_path: Path) -> None:
    files = {
        "policies/clusters.yaml": CLUSTERS,
        "templates/namespaces.yaml": NAMESPACES,
        # A ClusterOverridePolicy applies to synced namespaces; nothing selects the others.
        "policies/label.yaml": """
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: label}
            spec:
              overrideRules:
              - targetCluster: {clusterNames: [east]}
                overriders:
                  plaintext:
                  - {path: /metadata/labels, operator: add, value: {zone: east}}
        """,
        "policies/private.yaml": """
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterPropagationPolicy
            metadata: {name: private}
            spec:
              resourceSelectors: [{apiVersion: v1, kind: Namespace, name: private}]
              placement: {clusterAffinity: {clusterNames: [dev]}}
        """,
    }
    write_tree(tmp_path, files)
    render(tmp_path, check=False)
    rendered = read_rendered(tmp_path)
    namespaces = sorted(p for p in rendered if "namespace_" in p)
    # default, kube-* and skip-labelled namespaces are not synced; `private` goes by policy.
    assert namespaces == [
        "batch/_cluster/namespace_apps.yaml",
        "dev/_cluster/namespace_apps.yaml",
        "dev/_cluster/namespace_private.yaml",
        "east/_cluster/namespace_apps.yaml",
        "west/_cluster/namespace_apps.yaml",
    ]
    assert rendered["east/_cluster/namespace_apps.yaml"] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "apps", "labels": {"zone": "east"}},
    }
    assert rendered["west/_cluster/namespace_apps.yaml"] == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "apps"},
    }


def test_failed_render_leaves_rendered_untouched(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    before = snapshot(tmp_path / "rendered")
    # A template changes (so files would change) and an override now fails on one cluster.
    write_tree(tmp_path, {"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')})
    write_tree(
        tmp_path,
        {
            "policies/web-overrides.yaml": OP.replace(
                "/spec/replicas, operator: replace", "/spec/missing, operator: remove"
            )
        },
    )
    with pytest.raises(UserError):
        render(tmp_path, check=False)
    assert snapshot(tmp_path / "rendered") == before


def test_failure_while_staging_leaves_rendered_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    before = snapshot(tmp_path / "rendered")
    write_tree(tmp_path, {"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')})
    (tmp_path / "templates/namespace.yaml").unlink()

    from hubless.build.state import transaction

    real = transaction._stage
    calls = []

    def failing(path: str, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(transaction, "_stage", failing)
    with pytest.raises(UserError, match="disk full"):
        render(tmp_path, check=False)
    assert snapshot(tmp_path / "rendered") == before


def test_kill_after_commit_is_completed_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    write_tree(tmp_path, {"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')})
    (tmp_path / "templates/namespace.yaml").unlink()

    # The expected result, from a clean render of the same sources elsewhere.
    import shutil

    reference = tmp_path.parent / (tmp_path.name + "-reference")
    shutil.copytree(tmp_path, reference)
    render(reference, check=False)
    expected = {k: v[0] for k, v in snapshot(reference / "rendered").items()}

    real_replace = os.replace
    moves = []

    def dying(src: Any, dst: Any) -> None:
        moves.append(dst)
        if len(moves) == 3:  # the journal rename, then one file, then "killed"
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying)
    with pytest.raises(KeyboardInterrupt):
        render(tmp_path, check=False)
    monkeypatch.setattr(os, "replace", real_replace)
    # Half applied: --check says so, the next render finishes the job.
    assert render(tmp_path, check=True) == 1
    assert render(tmp_path, check=False) == 0
    assert {k: v[0] for k, v in snapshot(tmp_path / "rendered").items()} == expected


def test_kill_before_commit_is_rolled_back(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    before = snapshot(tmp_path / "rendered")
    staged = tmp_path / "rendered/.hubless/txn/files"
    staged.mkdir(parents=True)
    (staged / "0").write_text("half written")
    assert render(tmp_path, check=False) == 0
    assert snapshot(tmp_path / "rendered") == before


def test_symlinks_in_rendered_are_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    outside.mkdir()
    (outside / "precious.yaml").write_text("keep me\n")
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    # Someone replaced a cluster folder with a link to somewhere else.
    import shutil

    shutil.rmtree(tmp_path / "rendered/east")
    (tmp_path / "rendered/east").symlink_to(outside, target_is_directory=True)
    render(tmp_path, check=False)
    assert (outside / "precious.yaml").read_text() == "keep me\n"
    assert sorted(os.listdir(outside)) == ["precious.yaml"]
    assert (tmp_path / "rendered/east").is_dir() and not (tmp_path / "rendered/east").is_symlink()
    assert "east/shop/deployment.apps_web.yaml" in read_rendered(tmp_path)


def test_output_is_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    outputs = []
    for seed in ("0", "1", "12345"):
        repo = tmp_path / seed
        write_tree(repo, base_files())
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = run_hubless("render", cwd=repo, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append({k: v[0] for k, v in snapshot(repo / "rendered").items()})
    assert outputs[0] == outputs[1] == outputs[2]


def test_nothing_outside_rendered_is_written(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    sources_before = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("rendered/")}
    render(tmp_path, check=False)
    sources_after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("rendered/")}
    assert sources_after == sources_before


def test_unchanged_inputs_skip_compiling_but_hand_edits_are_caught(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    reference = {k: v[0] for k, v in snapshot(tmp_path / "rendered").items()}
    result = run_hubless("render", cwd=tmp_path)
    assert result.stdout == "rendered: nothing changed\n"  # the cached path
    # A file edited by hand: the output digest no longer matches, the full path restores it.
    edited = tmp_path / "rendered/east/shop/configmap_web.yaml"
    edited.write_text("kind: tampered\n")
    check = run_hubless("render", "--check", cwd=tmp_path)
    assert check.returncode == 1 and "stale: rendered/east/shop/configmap_web.yaml" in check.stdout
    render(tmp_path, check=False)
    assert {k: v[0] for k, v in snapshot(tmp_path / "rendered").items()} == reference
    # Cached and uncached renders produce the same bytes.
    shutil_copy = tmp_path.parent / (tmp_path.name + "-uncached")
    import shutil

    shutil.copytree(tmp_path, shutil_copy)
    (shutil_copy / "rendered/.hubless/manifest.json").unlink()
    render(shutil_copy, check=False)
    assert {k: v[0] for k, v in snapshot(shutil_copy / "rendered").items()} == reference
