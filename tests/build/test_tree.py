"""The files rendered/ should hold for a compiled fleet (hubless.build.tree)."""

from __future__ import annotations

from typing import Any

import pytest

from hubless.build import tree
from hubless.build.layout import CLUSTER_MARKER_TEXT
from hubless.build.state.record import PlacementRecord
from hubless.build.tree import cluster_files, desired_tree, meta_files
from hubless.errors import Source, UserError
from hubless.model import Binding, PolicyRef, ResourceKey, TargetCluster
from hubless.results import Compiled, Decision, RenderedObject

CM = ResourceKey("", "ConfigMap", "shop", "web")
NS = ResourceKey("", "Namespace", "", "shop")
DEPLOY = ResourceKey("apps", "Deployment", "shop", "web")


def configmap(name: str = "web", mode: str = "on") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "shop"},
        "data": {"mode": mode},
    }


NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"replicas": 2},
}


def decision(key: ResourceKey, *clusters: str) -> Decision:
    binding = Binding(
        key,
        Source("templates/x.yaml", 1),
        PolicyRef("PropagationPolicy", "shop", "p"),
        tuple(TargetCluster(c, 0) for c in clusters),
    )
    return Decision(binding, "PropagationPolicy/shop/p")


def compiled(objects: dict[str, list[RenderedObject]]) -> Compiled:
    decisions = (decision(CM, "east"), decision(NS, "east", "west"), decision(DEPLOY, "west"))
    return Compiled(objects, decisions, (), ())


FLEET = compiled(
    {
        "east": [
            RenderedObject(CM, configmap(), ()),
            RenderedObject(NS, NAMESPACE, ()),
        ],
        "west": [
            RenderedObject(NS, NAMESPACE, ()),
            RenderedObject(DEPLOY, DEPLOYMENT, ("OverridePolicy/shop/o rule 0",)),
        ],
        "empty": [],
    }
)

# Each object as YAML in its key order, strings that YAML would read otherwise quoted.
FILES = {
    "east/shop/configmap_web.yaml": (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n"
        b"data:\n  mode: 'on'\n"
    ),
    "east/_cluster/namespace_shop.yaml": b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    "west/_cluster/namespace_shop.yaml": b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    "west/shop/deployment.apps_web.yaml": (
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        b"spec:\n  replicas: 2\n"
    ),
}


def test_cluster_files_writes_one_file_per_object() -> None:
    assert cluster_files(FLEET) == FILES


def test_meta_files_are_the_gitignore_and_the_record() -> None:
    record = PlacementRecord.of(FLEET.decisions)
    assert meta_files(record) == {
        ".hubless/.gitignore": b"hashes\nhashes.tmp\nlock\nparses\nparses.tmp\nshards/\ntxn/\n",
        ".hubless/placement.json": record.text().encode(),
    }


def test_desired_tree_is_the_meta_files_every_folder_s_marker_and_every_object() -> None:
    record = PlacementRecord.of(FLEET.decisions).text().encode()
    assert desired_tree(FLEET) == {
        ".hubless/.gitignore": b"hashes\nhashes.tmp\nlock\nparses\nparses.tmp\nshards/\ntxn/\n",
        ".hubless/placement.json": record,
        # Every cluster built has its folder, the one that receives nothing too.
        "east/.hubless-cluster": CLUSTER_MARKER_TEXT,
        "west/.hubless-cluster": CLUSTER_MARKER_TEXT,
        "empty/.hubless-cluster": CLUSTER_MARKER_TEXT,
        **FILES,
    }


def test_every_problem_of_every_cluster_is_reported_together() -> None:
    other = ResourceKey("", "ConfigMap", "shop", "other")
    nameless = ResourceKey("", "ConfigMap", "shop", "nameless")
    broken = compiled(
        {
            # Overrides renamed `other` to `web`: two objects, one file.
            "east": [
                RenderedObject(CM, configmap(), ()),
                RenderedObject(other, configmap(mode="off"), ()),
            ],
            "west": [RenderedObject(nameless, configmap(name=""), ())],
        }
    )
    with pytest.raises(UserError) as caught:
        cluster_files(broken)
    assert str(caught.value) == (
        "error: ConfigMap/shop/other and ConfigMap/shop/web are the same object on cluster "
        "east after overrides\n"
        "error: ConfigMap/shop/nameless on cluster west: an overridden object lost its "
        "apiVersion, kind or name"
    )


def many() -> Compiled:
    objects = {
        f"c{c:02d}": [
            RenderedObject(
                ResourceKey("", "ConfigMap", "shop", f"cm{i}"), configmap(f"cm{i}", f"{c}-{i}"), ()
            )
            for i in range(c % 4)
        ]
        for c in range(9)
    }
    return compiled(objects)


def test_files_made_by_several_processes_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    serial = cluster_files(many(), workers=1)
    monkeypatch.setattr(tree, "PARALLEL_THRESHOLD", 1)
    assert cluster_files(many(), workers=3) == serial
    assert serial == {
        f"c{c:02d}/shop/configmap_cm{i}.yaml": (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n  namespace: shop\n"
            f"data:\n  mode: {c}-{i}\n"
        ).encode()
        for c in range(9)
        for i in range(c % 4)
    }


def test_problems_found_by_several_processes_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = many()
    broken.objects["c05"].append(RenderedObject(CM, configmap(name="cm0"), ()))
    monkeypatch.setattr(tree, "PARALLEL_THRESHOLD", 1)
    with pytest.raises(UserError) as caught:
        cluster_files(broken, workers=3)
    assert str(caught.value) == (
        "error: ConfigMap/shop/web and ConfigMap/shop/cm0 are the same object on cluster c05 "
        "after overrides"
    )
