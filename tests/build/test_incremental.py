"""Rendering only the changed templates (hubless.build.incremental)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from hubless.build.incremental import render_changed_templates
from hubless.build.plan import plan_render
from hubless.build.result import Rendering, Strategy
from hubless.build.standalone import _renames
from hubless.build.state.manifest import read_manifest
from hubless.build.state.record import read_record
from hubless.build.state.transaction import TreeChange
from hubless.commands.render import render
from hubless.errors import UserError
from hubless.load import load_fleet, read_sources
from hubless.model import ResourceKey
from tests.conftest import snapshot, write_tree
from tests.test_render import CONFIGMAP, OP, PP, base_files


def many_templates() -> dict[str, str]:
    files = base_files()
    for index in range(12):
        files[f"templates/many/cm{index}.yaml"] = CONFIGMAP.replace(
            "name: web", f"name: web{index}"
        )
    return files


@pytest.mark.parametrize("change", ["edit", "add", "remove", "move"])
def test_incremental_render_writes_what_a_full_render_writes(
    tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, many_templates())
    render(repo, check=False)
    if change == "edit":
        write_tree(
            repo,
            {
                "templates/many/cm3.yaml": CONFIGMAP.replace("name: web", "name: web3").replace(
                    '"on"', '"changed"'
                )
            },
        )
    elif change == "add":
        write_tree(
            repo, {"templates/many/cm99.yaml": CONFIGMAP.replace("name: web", "name: web99")}
        )
    elif change == "remove":
        (repo / "templates/many/cm5.yaml").unlink()
    else:  # a label change moves the ConfigMap out of the policy's reach
        write_tree(
            repo,
            {
                "templates/many/cm7.yaml": CONFIGMAP.replace("name: web", "name: web7").replace(
                    "app: web", "app: other"
                )
            },
        )
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()  # no shortcut: a full render

    # A removal or a move changes the clusters' digests in ways only a count of every
    # template can tell: those clusters are made again, the others kept.
    expected = Strategy.TEMPLATES if change in ("edit", "add") else Strategy.CLUSTERS
    assert plan_render(repo).strategy is expected
    render(repo, check=False)
    render(full, check=False)
    local = {".hubless/lock", ".hubless/hashes"}  # not committed, not output
    assert {k: v[0] for k, v in snapshot(repo / "rendered").items() if k not in local} == {
        k: v[0] for k, v in snapshot(full / "rendered").items() if k not in local
    }
    assert render(repo, check=True) == 0


def rendered_then(repo: Path, files: dict[str, str], changed: dict[str, str]) -> None:
    write_tree(repo, files)
    render(repo, check=False)
    write_tree(repo, changed)


def shortcut(repo: Path) -> Rendering | None:
    """render_changed_templates, given what a render would read."""
    from hubless.build.digests import SourceDigests

    sources = read_sources(repo)
    stored = read_manifest(repo / "rendered")
    assert stored is not None
    return render_changed_templates(
        repo / "rendered",
        load_fleet(sources),
        SourceDigests.of(sources),
        stored,
        read_record(repo),
    )


def full_render_files(repo: Path, tmp_path: Path) -> dict[str, bytes]:
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()
    render(full, check=False)
    return {k: v[0] for k, v in snapshot(full / "rendered").items()}


CM3 = CONFIGMAP.replace("name: web", "name: web3").replace('"on"', '"changed"')


def test_an_edited_template_changes_its_files_and_the_manifest_only(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    rendered_then(repo, many_templates(), {"templates/many/cm3.yaml": CM3})
    rendering = shortcut(repo)
    assert rendering is not None and rendering.strategy is Strategy.TEMPLATES
    expected = full_render_files(repo, tmp_path)
    changed = ("east/shop/configmap_web3.yaml", "west/shop/configmap_web3.yaml")
    assert rendering.change == TreeChange(
        changed={
            **{path: expected[path] for path in changed},
            ".hubless/manifest.json": expected[".hubless/manifest.json"],
        }
    )
    # Only the changed template was scheduled and built.
    assert rendering.compiled is not None
    assert [d.binding.resource for d in rendering.compiled.decisions] == [
        ResourceKey("", "ConfigMap", "shop", "web3")
    ]
    assert {c: [o.key.name for o in objs] for c, objs in rendering.compiled.objects.items()} == {
        "batch": [],
        "dev": [],
        "east": ["web3"],
        "west": ["web3"],
    }


def test_renames_by_karmada_overrides_are_found(tmp_path: Path) -> None:
    def fleet_with(path: str) -> bool:
        override = OP.replace(
            "/spec/replicas, operator: replace, value: 4", f"{path}, operator: replace, value: x"
        )
        files = {**base_files(), "policies/web-overrides.yaml": override}
        write_tree(tmp_path, files)
        return _renames(load_fleet(read_sources(tmp_path)))

    assert fleet_with("/spec/replicas") is False
    assert fleet_with("/metadata/name") is True
    assert fleet_with("/metadata/namespace") is True
    assert fleet_with("/metadata") is True
    assert fleet_with("/kind") is True
    assert fleet_with("/apiVersion") is True
    assert fleet_with("/metadata/labels/app") is True  # under /metadata: cannot tell


@pytest.mark.parametrize(
    ("why", "files", "changed"),
    [
        (
            "a policy changed too",
            many_templates(),
            {"templates/many/cm3.yaml": CM3, "policies/web.yaml": PP + "      exclude: [west]\n"},
        ),
        (
            "more than a tenth of the templates changed",
            many_templates(),
            {
                "templates/many/cm3.yaml": CM3,
                "templates/many/cm4.yaml": CM3.replace("web3", "web4"),
            },
        ),
        (
            "a Namespace changed",
            many_templates(),
            {
                "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {a: b}}\n"
            },
        ),
        (
            "a policy follows dependencies",
            {
                **many_templates(),
                "policies/web.yaml": PP.replace("spec:\n", "spec:\n  propagateDeps: true\n", 1),
            },
            {"templates/many/cm3.yaml": CM3},
        ),
        (
            "an override may rename",
            {
                **many_templates(),
                "policies/web-overrides.yaml": OP.replace(
                    "/spec/replicas", "/metadata/name"
                ).replace("value: 4", "value: web2"),
            },
            {"templates/many/cm3.yaml": CM3},
        ),
    ],
)
def test_the_shortcut_steps_aside(
    tmp_path: Path, why: str, files: dict[str, str], changed: dict[str, str]
) -> None:
    rendered_then(tmp_path, files, changed)
    assert shortcut(tmp_path) is None, why


def test_the_shortcut_steps_aside_when_nothing_changed(tmp_path: Path) -> None:
    rendered_then(tmp_path, many_templates(), {})
    assert shortcut(tmp_path) is None


def test_the_shortcut_steps_aside_for_a_removed_template_with_entries(tmp_path: Path) -> None:
    rendered_then(tmp_path, many_templates(), {})
    (tmp_path / "templates/many/cm5.yaml").unlink()
    assert shortcut(tmp_path) is None


def test_the_shortcut_steps_aside_when_rendered_was_edited(tmp_path: Path) -> None:
    rendered_then(tmp_path, many_templates(), {"templates/many/cm3.yaml": CM3})
    (tmp_path / "rendered/dev/_cluster/namespace_shop.yaml").write_text("kind: edited\n")
    assert shortcut(tmp_path) is None


def test_the_shortcut_steps_aside_without_a_record(tmp_path: Path) -> None:
    from hubless.build.digests import SourceDigests

    rendered_then(tmp_path, many_templates(), {"templates/many/cm3.yaml": CM3})
    sources = read_sources(tmp_path)
    stored = read_manifest(tmp_path / "rendered")
    assert stored is not None
    args = (tmp_path / "rendered", load_fleet(sources), SourceDigests.of(sources))
    assert render_changed_templates(*args, stored, read_record(tmp_path)) is not None
    assert render_changed_templates(*args, stored, None) is None
    # A manifest from before policies were digested: no shortcut either.
    old = dataclasses.replace(stored, policies="")
    assert render_changed_templates(*args, old, read_record(tmp_path)) is None


def quota_fleet(d0_cpu: str) -> dict[str, str]:
    """Twelve Deployments of namespace shop on m1 under a FederatedResourceQuota of 8 cpu;
    d0 and d1 have 2 replicas, the others none."""
    from tests.test_federated_resource_quota import CLUSTERS as QUOTA_CLUSTERS
    from tests.test_federated_resource_quota import NAMESPACE, quota

    policy = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: all, namespace: shop}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]
  placement:
    clusterAffinity: {clusterNames: [m1]}
"""
    files = {
        "policies/clusters.yaml": QUOTA_CLUSTERS,
        "policies/quota.yaml": quota('  overall: {requests.cpu: "8"}\n'),
        "policies/all.yaml": policy,
        "templates/ns.yaml": NAMESPACE,
    }
    for index in range(12):
        files[f"templates/d{index}.yaml"] = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: d{index}, namespace: shop}}
spec:
  replicas: {2 if index < 2 else 0}
  template:
    spec:
      containers:
      - {{name: app, image: app, resources: {{requests: {{cpu: "{d0_cpu if index == 0 else 1}"}}}}}}
"""
    return files


def test_a_quota_counts_the_unchanged_workloads_too(tmp_path: Path) -> None:
    # d0's requests from 1 to 4 cpu: its placement stays, its 2 replicas now ask for 8 cpu,
    # and with d1's 2 x 1 the namespace asks for 10, over the quota's 8.
    rendered_then(
        tmp_path, quota_fleet("1"), {"templates/d0.yaml": quota_fleet("4")["templates/d0.yaml"]}
    )
    with pytest.raises(UserError) as caught:
        render(tmp_path, check=False)
    assert [str(p) for p in caught.value.problems] == [
        "policies/quota.yaml:5: error: FederatedResourceQuota/shop/team: requests.cpu placed "
        "in namespace shop across the fleet would be 10, over spec.overall (8): "
        "Deployment.apps/shop/d0 2 x 4, Deployment.apps/shop/d1 2 x 1"
    ]


def test_templates_of_other_dialects_are_rendered_together(tmp_path: Path) -> None:
    """A Kubefed object's placement is a policy written in templates/: moving s0 to cluster
    b changes no template body, so only a render of everything sees it."""
    import json

    from tests.dialects.kubefed.test_kubefed import CLUSTERS as KUBEFED_CLUSTERS
    from tests.dialects.kubefed.test_kubefed import config_map, namespace

    def federated(index: int, clusters: list[str], color: str = "blue") -> str:
        placed = config_map({"clusters": [{"name": c} for c in clusters]})
        placed["metadata"]["name"] = f"s{index}"
        placed["spec"]["template"]["data"]["color"] = color
        return json.dumps(placed)

    files = {
        "policies/clusters.yaml": KUBEFED_CLUSTERS,
        "templates/ns.yaml": json.dumps(namespace({"clusterSelector": {}})),
    }
    files.update({f"templates/s{i}.yaml": federated(i, ["a"]) for i in range(12)})
    repo = tmp_path / "repo"
    rendered_then(
        repo,
        files,
        {
            "templates/s0.yaml": federated(0, ["a", "b"]),
            "templates/s1.yaml": federated(1, ["a"], "red"),
        },
    )
    expected = full_render_files(repo, tmp_path)
    assert "b/shop/configmap_s0.yaml" in expected
    render(repo, check=False)
    assert {k: v[0] for k, v in snapshot(repo / "rendered").items()} == expected
