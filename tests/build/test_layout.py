"""File names of rendered objects: folders, escaping, long names (hubless.build.layout)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from hubless.build.layout import (
    CLUSTER_MARKER,
    CLUSTER_MARKER_TEXT,
    CLUSTER_SCOPED_DIR,
    is_marker,
    key_path,
    marker_files,
    marker_path,
    object_path,
)
from hubless.errors import UserError
from hubless.model import ResourceKey


def body(api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata}


@pytest.mark.parametrize(
    ("api_version", "kind", "name", "namespace", "expected"),
    [
        # <namespace>/<kind>[.<group>]_<name>.yaml, kind in lower case, no group for core.
        ("v1", "ConfigMap", "web", "shop", "shop/configmap_web.yaml"),
        ("apps/v1", "Deployment", "web", "shop", "shop/deployment.apps_web.yaml"),
        # Cluster-scoped objects (no namespace, or an empty one) go to _cluster/.
        ("v1", "Namespace", "shop", None, "_cluster/namespace_shop.yaml"),
        ("v1", "Namespace", "shop", "", "_cluster/namespace_shop.yaml"),
        (
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "view",
            None,
            "_cluster/clusterrole.rbac.authorization.k8s.io_view.yaml",
        ),
        # Outside [a-z0-9.-], every UTF-8 byte is %XX (upper-case hex): M=4D _=5F A=41.
        ("v1", "ConfigMap", "My_App", "shop", "shop/configmap_%4Dy%5F%41pp.yaml"),
        # ':' is 3A, '/' is 2F: a name never forms a path.
        (
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            "system:aggregate/edit",
            None,
            "_cluster/clusterrole.rbac.authorization.k8s.io_system%3Aaggregate%2Fedit.yaml",
        ),
        ("v1", "ConfigMap", "caf\u00e9", "shop", "shop/configmap_caf%C3%A9.yaml"),
        ("v1", "ConfigMap", "a b", "shop", "shop/configmap_a%20b.yaml"),
        # A group's upper case is escaped too: E=45, C=43, O=4F, M=4D.
        ("Example.COM/v1", "Widget", "w", "shop", "shop/widget.%45xample.%43%4F%4D_w.yaml"),
        # A namespace folder never starts with "." ('.' is 2E) ...
        ("v1", "ConfigMap", "x", ".hidden", "%2Ehidden/configmap_x.yaml"),
        ("v1", "ConfigMap", "x", "..", "%2E./configmap_x.yaml"),
        ("v1", "ConfigMap", "x", ".", "%2E/configmap_x.yaml"),
        # ... and cannot be mistaken for the cluster-scoped folder.
        ("v1", "ConfigMap", "x", "_cluster", "%5Fcluster/configmap_x.yaml"),
        # A name that starts with a dot is behind the kind prefix, so it stays.
        ("v1", "ConfigMap", ".x", "shop", "shop/configmap_.x.yaml"),
    ],
)
def test_object_path(
    api_version: str, kind: str, name: str, namespace: str | None, expected: str
) -> None:
    assert object_path(body(api_version, kind, name, namespace)) == expected


def test_the_cluster_scoped_folder_is_named_cluster() -> None:
    assert CLUSTER_SCOPED_DIR == "_cluster"


def test_a_name_that_just_fits_is_kept_whole() -> None:
    # "configmap_" is 10 bytes: 10 + 190 = 200, the longest name kept as it is.
    name = "a" * 190
    assert object_path(body("v1", "ConfigMap", name, "shop")) == f"shop/configmap_{name}.yaml"


def test_a_longer_name_is_cut_and_ends_with_a_digest_of_the_whole_name() -> None:
    name = "a" * 191
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    # 200 bytes: prefix (10) + 173 kept + "~" + 16 hex digits.
    expected = "shop/configmap_" + "a" * 173 + "~" + digest + ".yaml"
    assert object_path(body("v1", "ConfigMap", name, "shop")) == expected
    assert len(expected.split("/")[1]) == 200 + len(".yaml")


def test_long_names_that_share_a_beginning_get_different_files() -> None:
    first = "b" * 300 + "1"
    second = "b" * 300 + "2"
    paths = {object_path(body("apps/v1", "Deployment", n, "shop")) for n in (first, second)}
    prefix = "shop/deployment.apps_"  # "deployment.apps_" is 16 bytes: 200 - 16 - 17 = 167 kept
    assert paths == {
        prefix + "b" * 167 + "~" + hashlib.sha256(n.encode()).hexdigest()[:16] + ".yaml"
        for n in (first, second)
    }


def test_escaping_counts_towards_the_length_limit() -> None:
    # 64 upper-case letters escape to 192 bytes: with "configmap_" that is over 200.
    name = "A" * 64
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    assert (
        object_path(body("v1", "ConfigMap", name, "shop"))
        == "shop/configmap_" + ("%41" * 64)[:173] + "~" + digest + ".yaml"
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"kind": "ConfigMap", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "metadata": {"name": "x"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ""}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 3}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": "x"},
        {"apiVersion": "v1", "kind": "ConfigMap"},
    ],
)
def test_an_object_without_apiversion_kind_or_name_is_an_error(broken: dict[str, Any]) -> None:
    with pytest.raises(UserError) as caught:
        object_path(broken)
    assert str(caught.value) == "error: an overridden object lost its apiVersion, kind or name"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (ResourceKey("", "ConfigMap", "shop", "web"), "shop/configmap_web.yaml"),
        (ResourceKey("apps", "Deployment", "shop", "web"), "shop/deployment.apps_web.yaml"),
        (ResourceKey("", "Namespace", "", "shop"), "_cluster/namespace_shop.yaml"),
        (
            ResourceKey("rbac.authorization.k8s.io", "ClusterRole", "", "a:b"),
            "_cluster/clusterrole.rbac.authorization.k8s.io_a%3Ab.yaml",
        ),
    ],
)
def test_key_path(key: ResourceKey, expected: str) -> None:
    assert key_path(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        ResourceKey("", "Secret", "shop", "Token_1"),
        ResourceKey("batch", "CronJob", "nightly", "x" * 250),
        ResourceKey("example.com", "Widget", "", "w"),
    ],
)
def test_key_path_is_where_the_template_s_own_object_goes(key: ResourceKey) -> None:
    # Whatever the version, the object of a template with this key is at key_path.
    api_version = f"{key.group}/v1beta1" if key.group else "v1"
    assert key_path(key) == object_path(body(api_version, key.kind, key.name, key.namespace))


def test_the_marker_sits_at_the_top_of_the_cluster_folder_where_no_object_can() -> None:
    assert marker_files(["east", "west"]) == {
        "east/.hubless-cluster": CLUSTER_MARKER_TEXT,
        "west/.hubless-cluster": CLUSTER_MARKER_TEXT,
    }
    assert marker_path("east") == "east/.hubless-cluster" and is_marker("east/.hubless-cluster")
    # An object is always inside a namespace or _cluster folder, even one named like it.
    named_alike = object_path(body("v1", "ConfigMap", ".hubless-cluster", "shop"))
    assert not is_marker(f"east/{named_alike}")
    assert not is_marker(".hubless/placement.json")
    # No consumer reads it as manifests: no .yaml, .yml, .json or .jsonnet extension.
    assert not CLUSTER_MARKER.endswith((".yaml", ".yml", ".json", ".jsonnet"))
