"""Every Karmada overrider, operator by operator, and the image reference parser."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from hubless.compile import compile_fleet
from hubless.errors import Source, UserError
from hubless.imageref import ImageReference, InvalidReference
from hubless.load import SourceFile, load_fleet
from hubless.model import (
    CommandArgsOverrider,
    FieldOverrider,
    ImageOverrider,
    LabelAnnotationOverrider,
    PlaintextOverrider,
    SubPatch,
)
from hubless.overriders import command_args, field, image, labels_annotations, plaintext
from hubless.overriders.failure import OverrideFailure
from tests.conftest import cluster_yaml

SRC = Source("policies/o.yaml", 7)
DIGEST = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c"


# --- image references -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hostname", "repository", "tag", "digest"),
    [
        ("pause", "", "pause", "", ""),
        ("subpath/imagename:v1.0.0", "", "subpath/imagename", "v1.0.0", ""),
        ("fictional.registry.example/imagename:v1.0.0", "fictional.registry.example", "imagename", "v1.0.0", ""),
        ("fictional.registry.example:10443/subpath/imagename:v1.0.0", "fictional.registry.example:10443", "subpath/imagename", "v1.0.0", ""),
        (f"fictional.registry.example:10443/subpath/imagename@{DIGEST}", "fictional.registry.example:10443", "subpath/imagename", "", DIGEST),
        ("10.10.10.10:10443/subpath/imagename", "10.10.10.10:10443", "subpath/imagename", "", ""),
        ("localhost/app", "localhost", "app", "", ""),
        ("library/nginx", "", "library/nginx", "", ""),  # no Docker Hub normalization
        (f"nginx:1.27@{DIGEST}", "", "nginx", "1.27", ""),  # with both, only the tag is kept
        ("Registry.Example.com/app:v1", "Registry.Example.com", "app", "v1", ""),  # domains may be upper case
    ],
)  # fmt: skip
def test_image_parsing(text: str, hostname: str, repository: str, tag: str, digest: str) -> None:
    ref = ImageReference.parse(text)
    assert (ref.hostname, ref.repository, ref.tag, ref.digest) == (
        hostname,
        repository,
        tag,
        digest,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one component"),
        ("Nginx:1", "must be lowercase"),
        ("nginx::1", "invalid reference format"),
        ("nginx@sha256:abc", "invalid reference format"),  # digest hex too short for the grammar
        ("nginx@md5:" + "a" * 32, "unsupported digest algorithm"),
        ("nginx@sha256:" + "a" * 63 + "g", "invalid reference format"),
        ("nginx@sha256:" + "A" * 64, "invalid checksum digest format"),
        ("a/" + "b" * 254, "not be more than 255"),
    ],
)
def test_image_parse_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidReference, match=message):
        ImageReference.parse(text)


def rewrite(image_text: str, component: str, operator: str, value: str = "") -> str:
    return image.rewrite(image_text, ImageOverrider(None, component, operator, value, SRC))


@pytest.mark.parametrize(
    ("before", "component", "operator", "value", "after"),
    [
        ("imagename:v1.0.0", "Registry", "add", "fictional.registry.example", "fictional.registry.example/imagename:v1.0.0"),
        ("a.io/app:v1", "Registry", "add", ".test", "a.io.test/app:v1"),  # string append
        ("a.io/app:v1", "Registry", "replace", "gcr.io", "gcr.io/app:v1"),
        ("a.io/app:v1", "Registry", "remove", "", "app:v1"),
        ("a.io/img:v1", "Repository", "add", "/nginx", "a.io/img/nginx:v1"),
        ("a.io/img:v1", "Repository", "replace", "kube-controller-manager", "a.io/kube-controller-manager:v1"),
        ("a.io/img:v1", "Repository", "remove", "", "a.io/:v1"),  # invalid, and Karmada writes it
        ("app:v1", "Tag", "replace", "v1.19.0", "app:v1.19.0"),
        (f"app@{DIGEST}", "Tag", "replace", "v2", "app:v2"),  # a tag clears the digest
        ("app:v1", "Tag", "replace", DIGEST, f"app@{DIGEST}"),
        ("app:v1", "Tag", "replace", "not a tag!", "app:v1"),  # invalid: silently unchanged
        ("app:v1", "Tag", "add", "-rc1", "app:v1-rc1"),
        ("app", "Tag", "add", "latest", "app:latest"),
        ("app:v1", "Tag", "remove", "", "app"),
        (f"app@{DIGEST}", "Tag", "remove", "", "app"),
    ],
)  # fmt: skip
def test_image_rewrites(before: str, component: str, operator: str, value: str, after: str) -> None:
    assert rewrite(before, component, operator, value) == after


def deployment(*containers: dict[str, Any], kind: str = "Deployment") -> dict[str, Any]:
    spec = {"containers": list(containers), "initContainers": [{"name": "init", "image": "init:1"}]}
    if kind == "Pod":
        return {"kind": "Pod", "spec": spec}
    return {"kind": kind, "spec": {"template": {"spec": spec}}}


def test_image_overrider_targets_containers_of_known_kinds_only() -> None:
    registry = ImageOverrider(None, "Registry", "replace", "mirror.io", SRC)
    body = image.apply(
        deployment({"name": "a", "image": "a:1"}, {"name": "b", "image": "x.io/b:2"}), [registry]
    )
    spec = body["spec"]["template"]["spec"]
    assert [c["image"] for c in spec["containers"]] == ["mirror.io/a:1", "mirror.io/b:2"]
    assert spec["initContainers"][0]["image"] == "init:1"  # not initContainers
    pod = image.apply(deployment({"name": "a", "image": "a:1"}, kind="Pod"), [registry])
    assert pod["spec"]["containers"][0]["image"] == "mirror.io/a:1"
    cron = {
        "kind": "CronJob",
        "spec": {
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "a:1"}]}}}}
        },
    }
    assert image.apply(cron, [registry]) == cron  # other kinds: silently nothing


def test_image_overrider_with_a_predicate_path() -> None:
    body = {"kind": "Thing", "spec": {"workers": [{"image": "w:1"}, {"image": "w:2"}]}}
    tag = ImageOverrider("/spec/workers/1/image", "Tag", "replace", "v9", SRC)
    assert image.apply(body, [tag])["spec"]["workers"] == [{"image": "w:1"}, {"image": "w:v9"}]
    with pytest.raises(OverrideFailure, match="is not a string"):
        image.apply(body, [ImageOverrider("/spec/workers/0", "Tag", "replace", "v9", SRC)])
    with pytest.raises(OverrideFailure, match="cannot parse image"):
        image.apply(
            deployment({"name": "a", "image": "UPPER:1"}),
            [ImageOverrider(None, "Tag", "replace", "v2", SRC)],
        )


def test_command_and_args() -> None:
    body = deployment({"name": "a", "command": ["run", "--x", "--x"]}, {"name": "b"})
    add = CommandArgsOverrider("a", "add", ("--y",), SRC)
    remove = CommandArgsOverrider("a", "remove", ("--x",), SRC)
    result = command_args.apply_command(body, [add, remove])
    assert result["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "run",
        "--y",
    ]  # every --x goes
    # Absent field: add creates it; remove creates it empty.
    args = command_args.apply_args(
        deployment({"name": "b"}), [CommandArgsOverrider("b", "add", ("-v",), SRC)]
    )
    assert args["spec"]["template"]["spec"]["containers"][0]["args"] == ["-v"]
    empty = command_args.apply_args(
        deployment({"name": "b"}), [CommandArgsOverrider("b", "remove", ("-v",), SRC)]
    )
    assert empty["spec"]["template"]["spec"]["containers"][0]["args"] == []
    # No container of that name: nothing changes.
    untouched = deployment({"name": "b"})
    assert command_args.apply_args(
        untouched, [CommandArgsOverrider("zzz", "add", ("-v",), SRC)]
    ) == deployment({"name": "b"})


def labels(operator: str, **values: str) -> LabelAnnotationOverrider:
    return LabelAnnotationOverrider(operator, tuple(values.items()), SRC)


def test_labels_and_annotations() -> None:
    body: dict[str, Any] = {"metadata": {"name": "x"}}
    labels_annotations.apply_labels(body, [labels("add", a="1")])
    assert body["metadata"]["labels"] == {"a": "1"}  # created when missing
    labels_annotations.apply_labels(
        body, [labels("add", a="2"), labels("replace", a="3", b="9"), labels("remove", c="")]
    )
    assert body["metadata"]["labels"] == {
        "a": "3"
    }  # replace only existing keys; remove of missing: nothing
    labels_annotations.apply_labels(body, [labels("remove", a="ignored")])
    assert body["metadata"]["labels"] == {}
    labels_annotations.apply_annotations(body, [labels("replace", x="1")])
    assert "annotations" not in body["metadata"]  # replace never creates


def test_field_overrider_json_keeps_key_order_and_escapes_like_go() -> None:
    body = {"data": {"cfg": '{"b": 1, "a": {"x": [1, 2]}, "html": "<&>"}'}}
    patches = (
        SubPatch("/a/x/-", "add", 3),
        SubPatch("/b", "replace", "<b>"),
        SubPatch("/new", "add", {"k": True}),
    )
    field.apply(body, [FieldOverrider("/data/cfg", "json", patches, SRC)])
    assert (
        body["data"]["cfg"]
        == '{"b":"\\u003cb\\u003e","a":{"x":[1,2,3]},"html":"\\u003c\\u0026\\u003e","new":{"k":true}}'
    )


def test_field_overrider_yaml_sorts_keys_naturally() -> None:
    body = {
        "data": {"app.yaml": "zeta: 1\nitem10: a\nitem9: b\nAlpha: c\n# comment\nlist:\n  - 1\n"}
    }
    field.apply(
        body, [FieldOverrider("/data/app.yaml", "yaml", (SubPatch("/list/0", "replace", 2),), SRC)]
    )
    assert body["data"]["app.yaml"] == "Alpha: c\nitem9: b\nitem10: a\nlist:\n- 2\nzeta: 1\n"


def test_natural_key_order() -> None:
    keys = ["b", "a10", "a9", "a", "_x", "A", "1"]
    ordered = sorted(
        keys,
        key=lambda k: [field.natural_less(k, other) for other in keys].count(True),
        reverse=True,
    )
    # Letters by code point and after non-letters; between two non-letters, digit runs
    # compare as numbers (no digits counting as 0, so "_x" sorts before "1").
    assert ordered == ["_x", "1", "A", "a", "a9", "a10", "b"]


@pytest.mark.parametrize(
    ("body", "overrider", "message"),
    [
        ({"data": {}}, FieldOverrider("/data/cfg", "json", (), SRC), "does not exist"),
        ({"data": {"cfg": 1}}, FieldOverrider("/data/cfg", "json", (), SRC), "is not a string"),
        ({"data": {"cfg": "{"}}, FieldOverrider("/data/cfg", "json", (), SRC), "is not JSON"),
        (
            {"data": {"cfg": "{}"}},
            FieldOverrider("/data/cfg", "json", (SubPatch("/x", "remove", None),), SRC),
            "remove /x",
        ),
    ],
)
def test_field_overrider_errors(
    body: dict[str, Any], overrider: FieldOverrider, message: str
) -> None:
    with pytest.raises(OverrideFailure, match=message):
        field.apply(body, [overrider])


def test_plaintext_negative_indices_like_evanphx_v5() -> None:
    body = {"l": [1, 2, 3]}
    patch = [
        PlaintextOverrider("/l/-1", "replace", 9, SRC),
        PlaintextOverrider("/l/-1", "add", 4, SRC),
    ]
    assert plaintext.apply(body, patch) == {"l": [1, 2, 9, 4]}  # -1: last; add -1: append
    assert plaintext.apply({"l": [1, 2]}, [PlaintextOverrider("/l/-2", "remove", None, SRC)]) == {
        "l": [2]
    }
    with pytest.raises(OverrideFailure, match="out of range"):
        plaintext.apply({"l": [1]}, [PlaintextOverrider("/l/-2", "remove", None, SRC)])


def test_plaintext_failure_names_the_entry() -> None:
    second = Source("policies/o.yaml", 12)
    entries = [
        PlaintextOverrider("/a", "add", 1, SRC),
        PlaintextOverrider("/b/c", "add", 1, second),
    ]
    with pytest.raises(OverrideFailure) as caught:
        plaintext.apply({}, entries)
    assert caught.value.source == second


# --- order, through a compiled fleet ----------------------------------------------------------

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: web, image: "a.io/web:1", args: [serve]}]
"""


def compile_with(policy: str) -> dict[str, Any]:
    sources = [
        SourceFile("policies/c.yaml", cluster_yaml("one")),
        SourceFile(
            "policies/p.yaml",
            "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\nmetadata: {name: p}\n"
            "spec:\n  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n",
        ),
        SourceFile("templates/d.yaml", DEPLOY.lstrip()),
        SourceFile("policies/o.yaml", textwrap.dedent(policy).lstrip()),
    ]
    return compile_fleet(load_fleet(sources)).objects["one"][0].body


def test_overriders_of_a_rule_apply_in_karmadas_order() -> None:
    # plaintext runs last, after the image overrider; labels before annotations.
    body = compile_with(
        """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterOverridePolicy
        metadata: {name: o}
        spec:
          overrideRules:
          - overriders:
              plaintext:
              - {path: /spec/template/spec/containers/0/image, operator: replace, value: "plain:1"}
              imageOverrider:
              - {component: Tag, operator: replace, value: "2"}
              annotationsOverrider:
              - {operator: add, value: {seen: "yes"}}
              labelsOverrider:
              - {operator: add, value: {l: "1"}}
              argsOverrider:
              - {containerName: web, operator: add, value: [--port=80]}
        """
    )
    container = body["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "plain:1"
    assert container["args"] == ["serve", "--port=80"]
    assert body["metadata"]["labels"] == {"l": "1"} and body["metadata"]["annotations"] == {
        "seen": "yes"
    }


def test_a_failing_rule_fails_the_resource_with_policy_rule_and_cluster() -> None:
    with pytest.raises(UserError) as caught:
        compile_with(
            """
            apiVersion: policy.karmada.io/v1alpha1
            kind: ClusterOverridePolicy
            metadata: {name: o}
            spec:
              overrideRules:
              - overriders:
                  labelsOverrider: [{operator: add, value: {a: b}}]
              - overriders:
                  fieldOverrider:
                  - fieldPath: /spec/nothing
                    json: [{subPath: /a, operator: add, value: 1}]
            """
        )
    [problem] = caught.value.problems
    assert str(problem) == (
        "policies/o.yaml:10: error: ClusterOverridePolicy/o overrideRules[1] fieldOverrider: "
        "cannot override Deployment.apps/shop/web for cluster one: /spec/nothing does not exist"
    )
