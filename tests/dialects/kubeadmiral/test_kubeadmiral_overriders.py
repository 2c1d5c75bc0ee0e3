"""KubeAdmiral's overriders applied to one object, compared as whole objects.

Most cases are KubeAdmiral's own unit tests of pkg/controllers/override (imagepatch_test.go,
commandargspatch_test.go, envspatch_test.go, annotationslabelspatch_test.go and
util_test.go's TestParseOverrides), with the expected patches applied to the object. The
rest pin down rules read from the controller's code: the fixed order of the overriders,
KubeAdmiral's JSON-patch semantics and what the CRD schema accepts.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hubless.dialects.kubeadmiral.overriders import (
    EntrypointOverrider,
    EnvOverrider,
    KubeAdmiralOverrideError,
    KubeAdmiralOverriders,
    Patch,
    StringMapOverrider,
    apply_patches,
    cluster_patches,
    parse_image,
    parse_overriders,
    rule_patches,
)

A = "sha256:aaaaf56b44807c64d294e6c8059b479f35350b454492398225034174808d1726"
B = "sha256:bbbbf56b44807c64d294e6c8059b479f35350b454492398225034174808d1726"
FULL_B = f"docker.io/ealen/echo-server:latest@{B}"


def apply(body: dict[str, Any], overriders: KubeAdmiralOverriders) -> dict[str, Any]:
    """`body` with one rule's overriders applied: its patches computed from `body`, then
    applied to it."""
    return apply_patches(body, rule_patches(body, overriders))


KINDS = ("Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod")


# --- objects, as KubeAdmiral's tests build them -------------------------------------------------


def workload(
    kind: str, containers: list[dict[str, Any]], init: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    api_version = {"Job": "batch/v1", "CronJob": "batch/v1beta1", "Pod": "v1"}.get(kind, "apps/v1")
    spec: dict[str, Any] = {"containers": containers}
    if init is not None:
        spec["initContainers"] = init
    body: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": f"{kind.lower()}-test"},
    }
    if kind == "Pod":
        body["spec"] = spec
    elif kind == "CronJob":
        body["spec"] = {
            "schedule": "*/1 * * * *",
            "jobTemplate": {"spec": {"template": {"spec": spec}}},
        }
    else:
        body["spec"] = {"template": {"spec": spec}}
    return body


def pod_spec(body: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = body["spec"]
    if body["kind"] == "Pod":
        return spec
    if body["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    result: dict[str, Any] = spec["template"]["spec"]
    return result


def argo_workflow(image: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": "workflow-test"},
        "spec": {"templates": [{"container": {"image": image}}, {"container": {"image": image}}]},
    }


def run(body: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The object after one rule with these overriders (the input is left alone)."""
    return apply(copy.deepcopy(body), parse_overriders(spec))


def fails(body: dict[str, Any], spec: dict[str, Any]) -> None:
    with pytest.raises(KubeAdmiralOverrideError):
        run(body, spec)


def image_ops(operator: str, *values: tuple[str, str]) -> list[dict[str, str]]:
    return [{"imageComponent": c, "operator": operator, "value": v} for c, v in values]


def full(operator: str, registry: str, repository: str, tag: str, digest: str) -> list[Any]:
    return image_ops(
        operator,
        ("Registry", registry),
        ("Repository", repository),
        ("Tag", tag),
        ("Digest", digest),
    )


def registry_and_tag(operator: str, registry: str, tag: str) -> list[Any]:
    return image_ops(operator, ("Registry", registry), ("Tag", tag))


# --- image (imagepatch_test.go) -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("image", "operations", "expected"),
    [
        (
            f"ealen/echo-server@{B}",
            registry_and_tag("addIfAbsent", "temp.io", "0.5"),
            f"temp.io/ealen/echo-server:0.5@{B}",
        ),
        (
            FULL_B,
            full("overwrite", "temp.io", "temp/echo-server", "0.5", A),
            f"temp.io/temp/echo-server:0.5@{A}",
        ),
        (FULL_B, full("delete", "", "", "", ""), ""),
    ],
    ids=["addIfAbsent-registry-tag", "overwrite-all", "delete-all"],
)
def test_image_on_each_workload_kind(
    kind: str, image: str, operations: list[Any], expected: str
) -> None:
    body = workload(kind, [{"image": image, "name": "server"}])
    want = copy.deepcopy(body)
    pod_spec(want)["containers"][0]["image"] = expected
    assert run(body, {"image": [{"operations": operations}]}) == want


@pytest.mark.parametrize("kind", KINDS)
def test_image_add_if_absent_on_existing_components_fails(kind: str) -> None:
    body = workload(kind, [{"image": FULL_B, "name": "server"}])
    operations = full("addIfAbsent", "temp.io", "temp/echo-server", "0.5", A)
    fails(body, {"image": [{"operations": operations}]})


def three_containers() -> dict[str, Any]:
    return workload("Pod", [{"image": FULL_B, "name": f"server-{i}"} for i in (1, 2, 3)])


def two_and_two_init() -> dict[str, Any]:
    return workload(
        "Pod",
        [{"image": FULL_B, "name": f"server-{i}"} for i in (1, 2)],
        [{"image": FULL_B, "name": f"init-server-{i}"} for i in (1, 2)],
    )


NEW_05 = f"temp.io/temp/echo-server:0.5@{A}"


@pytest.mark.parametrize(
    ("body", "names", "changed"),
    [
        (three_containers(), ["server-1", "server-2"], [("containers", 0), ("containers", 1)]),
        (three_containers(), None, [("containers", 0), ("containers", 1), ("containers", 2)]),
        (
            two_and_two_init(),
            ["init-server-1", "server-1"],
            [("initContainers", 0), ("containers", 0)],
        ),
        (
            two_and_two_init(),
            None,
            [("initContainers", 0), ("initContainers", 1), ("containers", 0), ("containers", 1)],
        ),
    ],
    ids=["two-of-three", "all-three", "one-init-one-regular", "all-init-and-regular"],
)
def test_image_container_names(
    body: dict[str, Any], names: list[str] | None, changed: list[tuple[str, int]]
) -> None:
    overrider: dict[str, Any] = {
        "operations": full("overwrite", "temp.io", "temp/echo-server", "0.5", A)
    }
    if names is not None:
        overrider["containerNames"] = names
    want = copy.deepcopy(body)
    for kind, index in changed:
        want["spec"][kind][index]["image"] = NEW_05
    assert run(body, {"image": [overrider]}) == want


def test_image_container_names_also_emit_patches_sorted_by_path() -> None:
    overriders = parse_overriders(
        {"image": [{"operations": full("overwrite", "temp.io", "temp/echo-server", "0.5", A)}]}
    )
    assert rule_patches(two_and_two_init(), overriders) == [
        Patch("replace", "/spec/containers/0/image", NEW_05),
        Patch("replace", "/spec/containers/1/image", NEW_05),
        Patch("replace", "/spec/initContainers/0/image", NEW_05),
        Patch("replace", "/spec/initContainers/1/image", NEW_05),
    ]


@pytest.mark.parametrize(
    ("image", "operations", "expected"),
    [
        # overwrite with "" clears a component
        (FULL_B, registry_and_tag("overwrite", "", ""), f"ealen/echo-server@{B}"),
        # no registry before
        (
            f"ealen/echo-server:latest@{B}",
            full("overwrite", "temp.io", "temp/echo-server", "1.0", A),
            f"temp.io/temp/echo-server:1.0@{A}",
        ),
        # no tag before
        (
            f"docker.io/ealen/echo-server@{B}",
            full("overwrite", "temp.io", "temp/echo-server", "1.0", A),
            f"temp.io/temp/echo-server:1.0@{A}",
        ),
        # no digest before
        (
            "docker.io/ealen/echo-server:latest",
            full("overwrite", "temp.io", "temp/echo-server", "1.0", A),
            f"temp.io/temp/echo-server:1.0@{A}",
        ),
    ],
    ids=["overwrite-empty", "registry-was-empty", "tag-was-empty", "digest-was-empty"],
)
def test_image_overwrite_on_pod(image: str, operations: list[Any], expected: str) -> None:
    body = workload("Pod", [{"image": image, "name": "server"}])
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["image"] = expected
    assert run(body, {"image": [{"operations": operations}]}) == want


def test_image_add_if_absent_without_value_fails() -> None:
    body = workload("Pod", [{"image": FULL_B, "name": "server"}])
    fails(body, {"image": [{"operations": full("addIfAbsent", "", "", "", "")}]})


PATH_0 = "/spec/templates/0/container/image"


@pytest.mark.parametrize(
    ("image", "overriders", "expected"),
    [
        (
            f"ealen/echo-server@{B}",
            [
                {
                    "imagePath": PATH_0,
                    "operations": registry_and_tag("addIfAbsent", "temp.io", "0.5"),
                }
            ],
            [f"temp.io/ealen/echo-server:0.5@{B}", f"ealen/echo-server@{B}"],
        ),
        (
            FULL_B,
            [
                {
                    "imagePath": PATH_0,
                    "operations": full("overwrite", "temp.io", "temp/echo-server", "0.5", A),
                }
            ],
            [NEW_05, FULL_B],
        ),
        (
            FULL_B,
            [{"imagePath": PATH_0, "operations": full("delete", "", "", "", "")}],
            ["", FULL_B],
        ),
        (
            FULL_B,
            [
                {
                    "imagePath": PATH_0,
                    "operations": full("overwrite", "temp.io", "temp/echo-server", "1.0", A),
                },
                {
                    "imagePath": "/spec/templates/1/container/image",
                    "operations": full("overwrite", "temp.io", "temp-two/echo-server", "2.0", A),
                },
            ],
            [f"temp.io/temp/echo-server:1.0@{A}", f"temp.io/temp-two/echo-server:2.0@{A}"],
        ),
        (
            # an omitted operator means overwrite
            FULL_B,
            [
                {
                    "imagePath": PATH_0,
                    "operations": [
                        {"imageComponent": "Registry", "value": "temp.io"},
                        {"imageComponent": "Repository", "value": "temp/echo-server"},
                        {"imageComponent": "Tag", "value": "1.0"},
                        {"imageComponent": "Digest", "value": A},
                    ],
                }
            ],
            [f"temp.io/temp/echo-server:1.0@{A}", FULL_B],
        ),
    ],
    ids=["addIfAbsent", "overwrite", "delete", "two-paths", "default-operator"],
)
def test_image_path(image: str, overriders: list[Any], expected: list[str]) -> None:
    body = argo_workflow(image)
    want = copy.deepcopy(body)
    for index, new in enumerate(expected):
        want["spec"]["templates"][index]["container"]["image"] = new
    assert run(body, {"image": overriders}) == want


@pytest.mark.parametrize(
    ("path", "operations"),
    [
        (PATH_0, full("addIfAbsent", "temp.io", "temp/echo-server", "0.5", A)),  # not empty
        ("", full("overwrite", "temp.io", "temp/echo-server", "0.5", A)),  # unsupported kind
        ("/spec/templates/0/container", full("overwrite", "t.io", "t/e", "1.0", A)),  # a map
        ("spec/templates/0/container/image", full("overwrite", "t.io", "t/e", "1.0", A)),
        ("/spec/templates/2/container/image", full("overwrite", "t.io", "t/e", "1.0", A)),
        ("/spec/templates/-1/container/image", full("overwrite", "t.io", "t/e", "1.0", A)),
        ("/spec/templates/tt/container/image", full("overwrite", "t.io", "t/e", "1.0", A)),
        (PATH_0, full("overwrite", "t.io", "t/e", "1@0", A)),  # invalid tag
        (PATH_0, full("overwrite", "t.io", "t/e", "1.0", "sha256:aaaa")),  # invalid digest
    ],
    ids=[
        "addIfAbsent-not-empty",
        "no-path-unsupported-kind",
        "path-to-map",
        "no-leading-slash",
        "index-out-of-range",
        "negative-index",
        "index-not-int",
        "invalid-tag",
        "invalid-digest",
    ],
)
def test_image_path_errors(path: str, operations: list[Any]) -> None:
    overrider: dict[str, Any] = {"operations": operations}
    if path:
        overrider["imagePath"] = path
    fails(argo_workflow(FULL_B), {"image": [overrider]})


def test_image_overriders_chain_on_the_same_container() -> None:
    body = workload("Deployment", [{"image": "nginx", "name": "web"}])
    spec = {
        "image": [
            {"operations": image_ops("addIfAbsent", ("Tag", "1.25"))},
            {"containerNames": ["web"], "operations": image_ops("addIfAbsent", ("Digest", A))},
            {"operations": image_ops("overwrite", ("Registry", "mirror.local:5000"))},
        ]
    }
    want = copy.deepcopy(body)
    want["spec"]["template"]["spec"]["containers"][0]["image"] = f"mirror.local:5000/nginx:1.25@{A}"
    assert run(body, spec) == want


def test_image_path_emptied_by_one_overrider_is_read_again_by_the_next() -> None:
    # An empty image is taken as "not overridden yet" on an imagePath.
    spec = {
        "image": [
            {"imagePath": PATH_0, "operations": full("delete", "", "", "", "")},
            {"imagePath": PATH_0, "operations": image_ops("overwrite", ("Tag", "v2"))},
        ]
    }
    want = argo_workflow(FULL_B)
    want["spec"]["templates"][0]["container"]["image"] = f"docker.io/ealen/echo-server:v2@{B}"
    assert run(argo_workflow(FULL_B), spec) == want


def test_image_without_image_field_fails() -> None:
    fails(workload("Pod", [{"name": "server"}]), {"image": [{"operations": []}]})


def test_image_needs_the_api_group_of_the_kind() -> None:
    body = workload("Deployment", [{"image": "nginx", "name": "web"}])
    body["apiVersion"] = "extensions/v1beta1"
    fails(body, {"image": [{"operations": image_ops("overwrite", ("Tag", "1"))}]})


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("ealen/echo-server", ("", "ealen/echo-server", "", "")),
        ("nginx", ("", "nginx", "", "")),
        ("localhost/app:1", ("localhost", "app", "1", "")),
        ("registry:5000/team/app", ("registry:5000", "team/app", "", "")),
        ("docker.io/library/nginx:1.25", ("docker.io", "library/nginx", "1.25", "")),
        (FULL_B, ("docker.io", "ealen/echo-server", "latest", B)),
        (f"nginx@{B}", ("", "nginx", "", B)),
        ("[::1]:5000/app", ("[::1]:5000", "app", "", "")),
    ],
)
def test_parse_image(image: str, parts: tuple[str, str, str, str]) -> None:
    assert parse_image(image) == dict(
        zip(("Registry", "Repository", "Tag", "Digest"), parts, strict=True)
    )


@pytest.mark.parametrize(
    "image",
    [
        "",
        "Nginx",
        "nginx:",
        f"nginx@md5:{'a' * 32}",
        f"nginx@sha256:{'a' * 32}",
        f"nginx@sha256:{'A' * 64}",
        "a" * 256,
    ],
)
def test_parse_image_rejects(image: str) -> None:
    with pytest.raises(ValueError):
        parse_image(image)


# --- command and args (commandargspatch_test.go) ------------------------------------------------


def with_entrypoint(
    kind: str, target: str, values: list[str], regular: int = 1, init: int = 0
) -> dict[str, Any]:
    def container(name: str) -> dict[str, Any]:
        return {"name": name, target: list(values)} if values else {"name": name}

    inits = [container(f"init-container-{i}") for i in range(init)] if init else None
    return workload(kind, [container(f"container-{i}") for i in range(regular)], inits)


BASH = ["/bin/bash", "sleep 15"]


@pytest.mark.parametrize("target", ["command", "args"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("before", "operator", "value", "after"),
    [
        ([], "append", BASH, BASH),
        (BASH, "append", BASH, BASH + BASH),
        ([], "overwrite", BASH, BASH),
        (BASH, "overwrite", ["echo", "world"], ["echo", "world"]),
        ([], "delete", BASH, None),  # nothing left is written as null
        (BASH, "delete", ["/bin/bash", "echo"], ["sleep 15"]),
    ],
    ids=["append-empty", "append", "overwrite-empty", "overwrite", "delete-empty", "delete"],
)
def test_command_and_args(
    target: str,
    kind: str,
    before: list[str],
    operator: str,
    value: list[str],
    after: list[str] | None,
) -> None:
    body = with_entrypoint(kind, target, before)
    want = copy.deepcopy(body)
    pod_spec(want)["containers"][0][target] = after
    spec = {target: [{"containerName": "container-0", "operator": operator, "value": value}]}
    assert run(body, spec) == want


@pytest.mark.parametrize("target", ["command", "args"])
@pytest.mark.parametrize("before", [[], BASH])
@pytest.mark.parametrize("name", ["container-0", "init-container-0"])
def test_command_and_args_pick_one_container_of_several(
    target: str, before: list[str], name: str
) -> None:
    body = with_entrypoint("Pod", target, before, regular=2, init=2)
    value = ["echo", "world"]
    want = copy.deepcopy(body)
    list_name = "initContainers" if name.startswith("init") else "containers"
    want["spec"][list_name][0][target] = value
    spec = {target: [{"containerName": name, "operator": "overwrite", "value": value}]}
    assert run(body, spec) == want


@pytest.mark.parametrize("target", ["command", "args"])
def test_command_and_args_without_matching_container_do_nothing(target: str) -> None:
    body = with_entrypoint("Pod", target, BASH, regular=2, init=2)
    entry = {"containerName": "test", "operator": "overwrite", "value": ["echo", "world"]}
    assert run(body, {target: [entry, entry]}) == body


@pytest.mark.parametrize("target", ["command", "args"])
def test_command_and_args_errors(target: str) -> None:
    body = with_entrypoint("Deployment", target, BASH)
    # operator: invalid is refused by the CRD, and by the controller if it got that far
    with pytest.raises(ValueError, match=rf"overriders\.{target}\[0\]\.operator"):
        parse_overriders(
            {target: [{"containerName": "container-0", "operator": "invalid", "value": BASH}]}
        )
    invalid = EntrypointOverrider("container-0", "invalid", tuple(BASH))
    with pytest.raises(KubeAdmiralOverrideError, match="unsupported operator"):
        apply(
            copy.deepcopy(body),
            KubeAdmiralOverriders(command=(invalid,))
            if target == "command"
            else KubeAdmiralOverriders(args=(invalid,)),
        )
    # append needs values
    fails(body, {target: [{"containerName": "container-0", "operator": "append", "value": []}]})
    # the API says an omitted operator means overwrite; the controller refuses it
    fails(body, {target: [{"containerName": "container-0", "value": BASH}]})
    # not a workload KubeAdmiral knows the pod spec of
    fails(
        argo_workflow(""),
        {target: [{"containerName": "container-0", "operator": "append", "value": BASH}]},
    )


def test_command_and_args_entries_chain_on_one_container() -> None:
    body = with_entrypoint("Pod", "command", ["a", "b"])
    spec = {
        "command": [
            {"containerName": "container-0", "operator": "append", "value": ["c"]},
            {"containerName": "container-0", "operator": "delete", "value": ["a", "c"]},
            {"containerName": "container-0", "operator": "append", "value": ["d"]},
        ]
    }
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["command"] = ["b", "d"]
    assert run(body, spec) == want


# --- envs (envspatch_test.go) -------------------------------------------------------------------


def with_env(
    kind: str, env: list[dict[str, Any]] | None, regular: int = 1, init: int = 0
) -> dict[str, Any]:
    def container(name: str) -> dict[str, Any]:
        return {"name": name, "env": copy.deepcopy(env)} if env else {"name": name}

    inits = [container(f"init-container-{i}") for i in range(init)] if init else None
    return workload(kind, [container(f"container-{i}") for i in range(regular)], inits)


def env(name: str, value: str = "") -> dict[str, Any]:
    return {"name": name, "value": value} if value else {"name": name}


CONFIG_B = {"configMapKeyRef": {"name": "b", "key": "b"}}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("before", "operator", "value", "after"),
    [
        (None, "addIfAbsent", [env("a", "a"), env("b", "b")], [env("a", "a"), env("b", "b")]),
        (
            [env("a", "a")],
            "addIfAbsent",
            [{"name": "b", "valueFrom": CONFIG_B}],
            [env("a", "a"), {"name": "b", "valueFrom": CONFIG_B}],
        ),
        # overwrite never adds: a container without env gets env: null
        (None, "overwrite", [env("a", "a")], None),
        (None, "overwrite", [{"name": "a", "valueFrom": CONFIG_B}], None),
        ([env("a", "a")], "overwrite", [env("a", "b")], [env("a", "b")]),
        (
            [env("a", "a")],
            "overwrite",
            [{"name": "a", "valueFrom": CONFIG_B}],
            [{"name": "a", "valueFrom": CONFIG_B}],
        ),
        (None, "delete", [env("a", "b")], None),
        ([env("a", "a")], "delete", [env("a")], None),
        ([env("a", "a")], "delete", [{"name": "a", "valueFrom": CONFIG_B}], None),
    ],
    ids=[
        "addIfAbsent-empty",
        "addIfAbsent-valueFrom",
        "overwrite-empty",
        "overwrite-empty-valueFrom",
        "overwrite",
        "overwrite-valueFrom",
        "delete-empty",
        "delete",
        "delete-by-name-only",
    ],
)
def test_envs(
    kind: str,
    before: list[dict[str, Any]] | None,
    operator: str,
    value: list[dict[str, Any]],
    after: list[dict[str, Any]] | None,
) -> None:
    body = with_env(kind, before)
    want = copy.deepcopy(body)
    pod_spec(want)["containers"][0]["env"] = after
    spec = {"envs": [{"containerName": "container-0", "operator": operator, "value": value}]}
    assert run(body, spec) == want


@pytest.mark.parametrize(
    ("before", "after"),
    [(None, None), ([env("a", "a")], [env("a", "b")])],
    ids=["empty", "non-empty"],
)
def test_envs_on_an_init_container(
    before: list[dict[str, Any]] | None, after: list[dict[str, Any]] | None
) -> None:
    body = with_env("Pod", before, regular=2, init=2)
    want = copy.deepcopy(body)
    want["spec"]["initContainers"][0]["env"] = after
    spec = {
        "envs": [
            {"containerName": "init-container-0", "operator": "overwrite", "value": [env("a", "b")]}
        ]
    }
    assert run(body, spec) == want


def test_envs_on_two_containers() -> None:
    body = with_env("Pod", [env("a", "a")], regular=2, init=2)
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["env"] = [env("a", "b")]
    want["spec"]["containers"][1]["env"] = [env("a", "b")]
    spec = {
        "envs": [
            {"containerName": f"container-{i}", "operator": "overwrite", "value": [env("a", "b")]}
            for i in (0, 1)
        ]
    }
    assert run(body, spec) == want


ABAC = [env("a", "a"), env("b", "b"), env("a", "a"), env("c", "c")]


@pytest.mark.parametrize(
    ("entries", "after"),
    [
        # every variable of that name is overwritten, in place
        (
            [("overwrite", [env("a", "b")])],
            [env("a", "b"), env("b", "b"), env("a", "b"), env("c", "c")],
        ),
        # every variable of that name is deleted
        ([("delete", [env("a")])], [env("b", "b"), env("c", "c")]),
        (
            [
                ("addIfAbsent", [env("d", "d"), env("e", "e")]),
                ("overwrite", [env("b", "c"), env("c", "e"), env("a", "f")]),
                ("delete", [env("a", "c"), env("e", "e")]),
            ],
            [env("b", "c"), env("c", "e"), env("d", "d")],
        ),
    ],
    ids=["overwrite-duplicates", "delete-duplicates", "several-operations"],
)
def test_envs_with_repeated_names(entries: list[tuple[str, list[Any]]], after: list[Any]) -> None:
    body = with_env("Pod", ABAC)
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["env"] = after
    spec = {
        "envs": [
            {"containerName": "container-0", "operator": op, "value": value}
            for op, value in entries
        ]
    }
    assert run(body, spec) == want


def test_envs_errors() -> None:
    body = with_env("Deployment", None)
    with pytest.raises(ValueError, match=r"overriders\.envs\[0\]\.operator"):
        parse_overriders(
            {
                "envs": [
                    {
                        "containerName": "container-0",
                        "operator": "invalid",
                        "value": [env("a", "b")],
                    }
                ]
            }
        )
    invalid = EnvOverrider("container-0", "invalid", (env("a", "b"),))
    with pytest.raises(KubeAdmiralOverrideError, match="unsupported operator"):
        apply(copy.deepcopy(body), KubeAdmiralOverriders(envs=(invalid,)))
    # addIfAbsent without value
    fails(
        body, {"envs": [{"containerName": "container-0", "operator": "addIfAbsent", "value": []}]}
    )
    # not a workload
    fails(
        argo_workflow(""),
        {
            "envs": [
                {
                    "containerName": "container-0",
                    "operator": "addIfAbsent",
                    "value": [env("a", "b")],
                }
            ]
        },
    )
    # addIfAbsent on a name already there, or twice in the same entry
    fails(
        with_env("Pod", [env("a", "a")]),
        {
            "envs": [
                {
                    "containerName": "container-0",
                    "operator": "addIfAbsent",
                    "value": [env("a", "b")],
                }
            ]
        },
    )
    fails(
        with_env("Pod", []),
        {
            "envs": [
                {
                    "containerName": "container-0",
                    "operator": "addIfAbsent",
                    "value": [env("a", "a"), env("a", "b")],
                }
            ]
        },
    )


def test_envs_unknown_operator_with_no_values_passes() -> None:
    # The operator is only looked at per value; the container's env is still re-encoded.
    body = with_env("Pod", [{"name": "a", "value": "", "extra": 1}])
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["env"] = [{"name": "a"}]
    assert (
        apply(
            copy.deepcopy(body),
            KubeAdmiralOverriders(envs=(EnvOverrider("container-0", "bogus", ()),)),
        )
        == want
    )


def test_envs_are_reencoded_as_kubernetes_env_vars() -> None:
    before: list[dict[str, Any]] = [
        {"name": "EMPTY", "value": ""},
        {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
        {
            "name": "POD",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.name", "apiVersion": ""}},
        },
        {"name": "S", "valueFrom": {"secretKeyRef": {"name": "", "key": "k", "optional": False}}},
    ]
    body = with_env("Pod", before)
    want = copy.deepcopy(body)
    want["spec"]["containers"][0]["env"] = [
        {"name": "EMPTY"},
        {
            "name": "CPU",
            "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "0"}},
        },
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "S", "valueFrom": {"secretKeyRef": {"key": "k", "optional": False}}},
        {"name": "NEW", "value": "1"},
    ]
    spec = {
        "envs": [
            {"containerName": "container-0", "operator": "addIfAbsent", "value": [env("NEW", "1")]}
        ]
    }
    assert run(body, spec) == want


# --- annotations and labels (annotationslabelspatch_test.go) ------------------------------------


def with_map(target: str, values: dict[str, str] | None) -> dict[str, Any]:
    body = workload("Deployment", [])
    if values is not None:
        body["metadata"][target] = dict(values)
    return body


@pytest.mark.parametrize("target", ["annotations", "labels"])
@pytest.mark.parametrize(
    ("before", "operator", "value", "after"),
    [
        (None, "addIfAbsent", {"abc": "xxx", "def": "xxx"}, {"abc": "xxx", "def": "xxx"}),
        ({"abc": "xxx"}, "addIfAbsent", {"def": "xxx"}, {"abc": "xxx", "def": "xxx"}),
        # overwrite (also the default) only changes keys already there
        (None, None, {"abc": "xxx", "def": "xxx"}, {}),
        (None, "overwrite", {"abc": "xxx", "def": "xxx"}, {}),
        ({"abc": "xxx", "def": "xxx"}, "overwrite", {"ghi": "xxx"}, {"abc": "xxx", "def": "xxx"}),
        ({"abc": "xxx"}, "overwrite", {"abc": "test", "def": "xxx"}, {"abc": "test"}),
        ({"abc": "xxx"}, "overwrite", {}, {"abc": "xxx"}),
        (None, "delete", {"abc": "test", "def": "xxx"}, {}),
        ({"abc": "xxx"}, "delete", {"def": "xxx"}, {"abc": "xxx"}),
        # the value given to delete does not matter
        ({"abc": "xxx", "def": "xxx"}, "delete", {"def": ""}, {"abc": "xxx"}),
        ({"abc": "xxx"}, "delete", {}, {"abc": "xxx"}),
    ],
    ids=[
        "addIfAbsent-empty",
        "addIfAbsent",
        "default-empty",
        "overwrite-empty",
        "overwrite-no-conflict",
        "overwrite-conflict",
        "overwrite-no-value",
        "delete-empty",
        "delete-no-conflict",
        "delete-conflict",
        "delete-no-value",
    ],
)
def test_annotations_and_labels(
    target: str,
    before: dict[str, str] | None,
    operator: str | None,
    value: dict[str, str],
    after: dict[str, str],
) -> None:
    body = with_map(target, before)
    want = copy.deepcopy(body)
    want["metadata"][target] = after
    entry: dict[str, Any] = {"value": value}
    if operator is not None:
        entry["operator"] = operator
    assert run(body, {target: [entry]}) == want


@pytest.mark.parametrize("target", ["annotations", "labels"])
def test_annotations_and_labels_errors(target: str) -> None:
    body = with_map(target, {"abc": "xxx"})
    fails(body, {target: [{"operator": "addIfAbsent", "value": {"abc": "xxx", "def": "xxx"}}]})
    fails(body, {target: [{"operator": "addIfAbsent", "value": {}}]})


def test_string_map_unknown_operator_does_nothing_but_rewrites_the_map() -> None:
    overriders = KubeAdmiralOverriders(labels=(StringMapOverrider("bogus", {"a": "b"}),))
    want = copy.deepcopy(with_map("labels", None))
    want["metadata"]["labels"] = {}
    assert apply(with_map("labels", None), overriders) == want


def test_labels_that_are_not_all_strings_read_as_empty() -> None:
    body = with_map("labels", {"keep": "x"})
    body["metadata"]["labels"]["bad"] = 1
    want = copy.deepcopy(body)
    want["metadata"]["labels"] = {"new": "y"}
    assert run(body, {"labels": [{"operator": "addIfAbsent", "value": {"new": "y"}}]}) == want


def test_string_map_entries_chain() -> None:
    body = with_map("annotations", {"a": "1"})
    spec = {
        "annotations": [
            {"operator": "addIfAbsent", "value": {"b": "2"}},
            {"operator": "overwrite", "value": {"b": "3", "c": "4"}},
            {"operator": "delete", "value": {"a": ""}},
        ]
    }
    want = copy.deepcopy(body)
    want["metadata"]["annotations"] = {"b": "3"}
    assert run(body, spec) == want


# --- several rules (util_test.go, TestParseOverrides) -------------------------------------------


def custom_object() -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "example.com/v1",
        "kind": "Test",
        "metadata": {"name": "job-test"},
        "spec": {},
    }
    for key in ("a", "b", "c", "d", "f", "aa", "cc", "ee"):
        body[key] = {}
    body["e"] = {"f": "f"}
    return body


RULE_ALL = parse_overriders(
    {
        "jsonpatch": [
            {"operator": "add", "path": "/a/b", "value": 1},
            {"operator": "replace", "path": "/aa/bb", "value": ["banana", "mango"]},
        ]
    }
)


def test_rules_in_order_single_cluster() -> None:
    rule_cluster1 = parse_overriders(
        {
            "jsonpatch": [
                {"operator": "remove", "path": "/e/f"},
                {"operator": "add", "path": "/ee/ff", "value": "some string"},
            ]
        }
    )
    patches = cluster_patches(custom_object(), [RULE_ALL, rule_cluster1])
    assert patches == [
        Patch("add", "/a/b", 1),
        Patch("replace", "/aa/bb", ["banana", "mango"]),
        Patch("remove", "/e/f", None),
        Patch("add", "/ee/ff", "some string"),
    ]
    want = custom_object()
    want["a"] = {"b": 1}
    want["aa"] = {"bb": ["banana", "mango"]}
    want["e"] = {}
    want["ee"] = {"ff": "some string"}
    assert apply_patches(custom_object(), patches) == want


def test_rules_in_order_other_cluster() -> None:
    rule_cluster1 = parse_overriders(
        {
            "jsonpatch": [
                {"operator": "replace", "path": "/c/d", "value": 1},
                {"operator": "replace", "path": "/cc/dd", "value": {"key": "value"}},
            ]
        }
    )
    want = custom_object()
    want.update(a={"b": 1}, aa={"bb": ["banana", "mango"]}, c={"d": 1}, cc={"dd": {"key": "value"}})
    patches = cluster_patches(custom_object(), [RULE_ALL, rule_cluster1])
    assert [p.path for p in patches] == ["/a/b", "/aa/bb", "/c/d", "/cc/dd"]
    assert apply_patches(custom_object(), patches) == want


def test_rules_with_image_and_jsonpatch_for_each_cluster() -> None:
    # TestParseOverrides, "multiple clusters multiple Overrides(jsonPatch and image)": a rule
    # for every cluster, then one per cluster; each cluster's patches in rule order, a rule's
    # image patches before its jsonpatch ones.
    body = workload("Deployment", [{"image": FULL_B, "name": "server"}])
    body["metadata"]["labels"] = {}
    rule_all = parse_overriders(
        {
            "jsonpatch": [
                {"operator": "add", "path": "/metadata/labels/json1", "value": "all"},
                {"operator": "add", "path": "/metadata/labels/json2", "value": "all"},
            ],
            "image": [
                {
                    "operations": full(
                        "overwrite", "all.cluster.io", "all-cluster/echo-server", "all", A
                    )
                }
            ],
        }
    )
    rule_one = parse_overriders(
        {
            "jsonpatch": [
                {"operator": "replace", "path": "/metadata/labels/json1", "value": "cluster1"}
            ],
            "image": [
                {
                    "operations": full(
                        "overwrite", "cluster.one.io", "cluster-one/echo-server", "one", A
                    )
                }
            ],
        }
    )
    rule_two = parse_overriders(
        {
            "jsonpatch": [{"operator": "remove", "path": "/metadata/labels/json2"}],
            "image": [
                {
                    "operations": full(
                        "overwrite", "cluster.two.io", "cluster-two/echo-server", "two", A
                    )
                }
            ],
        }
    )
    image_path = "/spec/template/spec/containers/0/image"
    common = [
        Patch("replace", image_path, f"all.cluster.io/all-cluster/echo-server:all@{A}"),
        Patch("add", "/metadata/labels/json1", "all"),
        Patch("add", "/metadata/labels/json2", "all"),
    ]
    assert cluster_patches(body, [rule_all, rule_one]) == [
        *common,
        Patch("replace", image_path, f"cluster.one.io/cluster-one/echo-server:one@{A}"),
        Patch("replace", "/metadata/labels/json1", "cluster1"),
    ]
    patches = cluster_patches(body, [rule_all, rule_two])
    assert patches == [
        *common,
        Patch("replace", image_path, f"cluster.two.io/cluster-two/echo-server:two@{A}"),
        Patch("remove", "/metadata/labels/json2", None),
    ]
    want = copy.deepcopy(body)
    want["metadata"]["labels"] = {"json1": "all"}
    want["spec"]["template"]["spec"]["containers"][0]["image"] = (
        f"cluster.two.io/cluster-two/echo-server:two@{A}"
    )
    assert apply_patches(copy.deepcopy(body), patches) == want


def test_rule_without_overriders_gives_no_patches() -> None:
    assert parse_overriders(None) == KubeAdmiralOverriders()
    assert cluster_patches(custom_object(), [parse_overriders(None)]) == []


ALL_RULE = {
    "image": [
        {
            "containerNames": ["server-1"],
            "operations": full("overwrite", "all.cluster.io", "all-cluster/echo-server", "all", A),
        }
    ],
    "command": [
        {"containerName": "server-1", "operator": "append", "value": BASH},
        {"containerName": "init-server-1", "operator": "append", "value": BASH},
        {"containerName": "server-1", "operator": "delete", "value": ["sleep 15"]},
    ],
    "args": [
        {"containerName": "server-1", "operator": "append", "value": ["-a", "-b"]},
        {"containerName": "init-server-1", "operator": "append", "value": ["-a", "-b"]},
        {"containerName": "server-1", "operator": "overwrite", "value": ["-c", "-d"]},
    ],
    "envs": [
        {"containerName": "server-1", "operator": "addIfAbsent", "value": [env("all", "xxx")]}
    ],
    "annotations": [
        {"operator": "addIfAbsent", "value": {"abc": "xxx", "def": "xxx"}},
        {"operator": "delete", "value": {"def": "xxx"}},
    ],
    "labels": [
        {"operator": "addIfAbsent", "value": {"abc": "xxx", "def": "xxx"}},
        {"operator": "overwrite", "value": {"def": "test"}},
    ],
    "jsonpatch": [
        {"operator": "add", "path": "/metadata/labels/json1", "value": "all"},
        {"operator": "add", "path": "/metadata/labels/json2", "value": "all"},
        {"operator": "add", "path": "/metadata/finalizers/-", "value": "foo.bar.com/test"},
    ],
}
CLUSTER1_RULE = {
    "image": [
        {
            "containerNames": ["server-1"],
            "operations": full("overwrite", "cluster.one.io", "cluster-one/echo-server", "one", A),
        }
    ],
    "args": [
        {"containerName": "server-1", "operator": "delete", "value": ["-d"]},
        {"containerName": "init-server-1", "operator": "append", "value": ["cluster1"]},
    ],
    "envs": [
        {"containerName": "server-1", "operator": "addIfAbsent", "value": [env("cluster1", "xxx")]}
    ],
    "annotations": [{"operator": "addIfAbsent", "value": {"cluster1": "xxx"}}],
    "jsonpatch": [
        {"operator": "replace", "path": "/metadata/labels/json1", "value": "cluster1"},
        {"operator": "replace", "path": "/metadata/finalizers/0", "value": "foo.bar.com/cluster1"},
    ],
}
CLUSTER2_RULE = {
    "image": [
        {
            "containerNames": ["server-1"],
            "operations": full("overwrite", "cluster.two.io", "cluster-two/echo-server", "two", A),
        }
    ],
    "command": [
        {"containerName": "server-1", "operator": "append", "value": ["cluster2"]},
        {"containerName": "init-server-1", "operator": "overwrite", "value": ["cluster2"]},
    ],
    "labels": [
        {"operator": "addIfAbsent", "value": {"cluster2": "xxx"}},
        {"operator": "overwrite", "value": {"def": "cluster2"}},
    ],
    "jsonpatch": [
        {"operator": "remove", "path": "/metadata/labels/json2"},
        {"operator": "remove", "path": "/metadata/finalizers/0"},
    ],
}


def every_overrider_template() -> dict[str, Any]:
    body = two_and_two_init()
    body["metadata"]["labels"] = {}
    return body


def common_patches() -> list[Patch]:
    return [
        Patch(
            "replace", "/spec/containers/0/image", f"all.cluster.io/all-cluster/echo-server:all@{A}"
        ),
        Patch("replace", "/spec/containers/0/command", ["/bin/bash"]),
        Patch("replace", "/spec/initContainers/0/command", BASH),
        Patch("replace", "/spec/containers/0/args", ["-c", "-d"]),
        Patch("replace", "/spec/initContainers/0/args", ["-a", "-b"]),
        Patch("replace", "/spec/containers/0/env", [env("all", "xxx")]),
        Patch("replace", "/metadata/annotations", {"abc": "xxx"}),
        Patch("replace", "/metadata/labels", {"abc": "xxx", "def": "test"}),
        Patch("add", "/metadata/labels/json1", "all"),
        Patch("add", "/metadata/labels/json2", "all"),
        Patch("add", "/metadata/finalizers/-", "foo.bar.com/test"),
    ]


def member_object(template: dict[str, Any]) -> dict[str, Any]:
    # The sync controller starts the member object with an empty finalizer list.
    body = copy.deepcopy(template)
    body["metadata"]["finalizers"] = []
    return body


def test_every_overrider_over_several_rules_cluster1() -> None:
    template = every_overrider_template()
    rules = [parse_overriders(ALL_RULE), parse_overriders(CLUSTER1_RULE)]
    patches = cluster_patches(template, rules)
    assert patches == [
        *common_patches(),
        Patch(
            "replace", "/spec/containers/0/image", f"cluster.one.io/cluster-one/echo-server:one@{A}"
        ),
        Patch("replace", "/spec/containers/0/args", ["-c"]),
        Patch("replace", "/spec/initContainers/0/args", ["-a", "-b", "cluster1"]),
        Patch("replace", "/spec/containers/0/env", [env("all", "xxx"), env("cluster1", "xxx")]),
        Patch("replace", "/metadata/annotations", {"abc": "xxx", "cluster1": "xxx"}),
        Patch("replace", "/metadata/labels/json1", "cluster1"),
        Patch("replace", "/metadata/finalizers/0", "foo.bar.com/cluster1"),
    ]
    want = member_object(template)
    want["metadata"].update(
        annotations={"abc": "xxx", "cluster1": "xxx"},
        labels={"abc": "xxx", "def": "test", "json1": "cluster1", "json2": "all"},
        finalizers=["foo.bar.com/cluster1"],
    )
    server, init = want["spec"]["containers"][0], want["spec"]["initContainers"][0]
    server.update(
        image=f"cluster.one.io/cluster-one/echo-server:one@{A}",
        command=["/bin/bash"],
        args=["-c"],
        env=[env("all", "xxx"), env("cluster1", "xxx")],
    )
    init.update(command=BASH, args=["-a", "-b", "cluster1"])
    assert apply_patches(member_object(template), patches) == want


def test_every_overrider_over_several_rules_cluster2() -> None:
    template = every_overrider_template()
    rules = [parse_overriders(ALL_RULE), parse_overriders(CLUSTER2_RULE)]
    patches = cluster_patches(template, rules)
    # The labels overrider of the second rule sees the labels the first rule's jsonpatch added.
    assert patches == [
        *common_patches(),
        Patch(
            "replace", "/spec/containers/0/image", f"cluster.two.io/cluster-two/echo-server:two@{A}"
        ),
        Patch("replace", "/spec/containers/0/command", ["/bin/bash", "cluster2"]),
        Patch("replace", "/spec/initContainers/0/command", ["cluster2"]),
        Patch(
            "replace",
            "/metadata/labels",
            {"abc": "xxx", "def": "cluster2", "json1": "all", "json2": "all", "cluster2": "xxx"},
        ),
        Patch("remove", "/metadata/labels/json2", None),
        Patch("remove", "/metadata/finalizers/0", None),
    ]
    want = member_object(template)
    want["metadata"].update(
        annotations={"abc": "xxx"},
        labels={"abc": "xxx", "def": "cluster2", "json1": "all", "cluster2": "xxx"},
        finalizers=[],
    )
    server, init = want["spec"]["containers"][0], want["spec"]["initContainers"][0]
    server.update(
        image=f"cluster.two.io/cluster-two/echo-server:two@{A}",
        command=["/bin/bash", "cluster2"],
        args=["-c", "-d"],
        env=[env("all", "xxx")],
    )
    init.update(command=["cluster2"], args=["-a", "-b"])
    assert apply_patches(member_object(template), patches) == want


def test_a_failing_rule_names_its_position() -> None:
    bad = parse_overriders({"jsonpatch": [{"operator": "remove", "path": "/nope"}]})
    with pytest.raises(KubeAdmiralOverrideError, match=r"^rules\[1\]: remove /nope") as caught:
        cluster_patches(custom_object(), [RULE_ALL, bad])
    assert caught.value.rule == 1


# --- the fixed order within a rule --------------------------------------------------------------


def test_jsonpatch_wins_over_image_whatever_the_yaml_order() -> None:
    body = workload("Deployment", [{"image": "nginx:1.0", "name": "web"}])
    path = "/spec/template/spec/containers/0/image"
    spec = {
        "jsonpatch": [{"operator": "replace", "path": path, "value": "busybox:2"}],
        "image": [{"operations": image_ops("overwrite", ("Tag", "1.1"))}],
    }
    want = copy.deepcopy(body)
    want["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:2"
    assert run(body, spec) == want
    assert [p.path for p in rule_patches(body, parse_overriders(spec))] == [path, path]


def test_order_image_command_args_envs_annotations_labels_jsonpatch() -> None:
    body = workload("Pod", [{"name": "c", "image": "nginx"}])
    spec = {
        "jsonpatch": [{"path": "/metadata/labels/team", "value": "from-jsonpatch"}],
        "labels": [{"operator": "addIfAbsent", "value": {"team": "from-labels"}}],
        "annotations": [{"operator": "addIfAbsent", "value": {"note": "n"}}],
        "envs": [{"containerName": "c", "operator": "addIfAbsent", "value": [env("E", "1")]}],
        "args": [{"containerName": "c", "operator": "overwrite", "value": ["--x"]}],
        "command": [{"containerName": "c", "operator": "overwrite", "value": ["run"]}],
        "image": [{"operations": image_ops("overwrite", ("Tag", "2"))}],
    }
    patches = rule_patches(body, parse_overriders(spec))
    assert [(p.op, p.path) for p in patches] == [
        ("replace", "/spec/containers/0/image"),
        ("replace", "/spec/containers/0/command"),
        ("replace", "/spec/containers/0/args"),
        ("replace", "/spec/containers/0/env"),
        ("replace", "/metadata/annotations"),
        ("replace", "/metadata/labels"),
        ("", "/metadata/labels/team"),  # an omitted jsonpatch operator means replace
    ]
    want = copy.deepcopy(body)
    want["metadata"].update(annotations={"note": "n"}, labels={"team": "from-jsonpatch"})
    want["spec"]["containers"][0].update(
        image="nginx:2", command=["run"], args=["--x"], env=[env("E", "1")]
    )
    assert run(body, spec) == want


def test_overriders_of_one_rule_do_not_see_each_other() -> None:
    # The labels overwrite is computed before the jsonpatch adds the label, so it changes
    # nothing; in a later rule it does.
    body = with_map("labels", {})
    rule = {
        "labels": [{"operator": "overwrite", "value": {"team": "blue"}}],
        "jsonpatch": [{"operator": "add", "path": "/metadata/labels/team", "value": "red"}],
    }
    want = copy.deepcopy(body)
    want["metadata"]["labels"] = {"team": "red"}
    assert run(body, rule) == want
    later = parse_overriders({"labels": [{"operator": "overwrite", "value": {"team": "blue"}}]})
    patches = cluster_patches(body, [parse_overriders(rule), later])
    want["metadata"]["labels"] = {"team": "blue"}
    assert apply_patches(copy.deepcopy(body), patches) == want


def test_jsonpatch_applies_after_env_and_image_patches() -> None:
    body = workload("Pod", [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}])
    spec = {
        "image": [{"containerNames": ["b"], "operations": image_ops("overwrite", ("Tag", "7"))}],
        "envs": [{"containerName": "b", "operator": "addIfAbsent", "value": [env("X", "1")]}],
        "jsonpatch": [
            {
                "operator": "add",
                "path": "/spec/containers/1/env/-",
                "value": {"name": "Y", "value": "2"},
            },
            {"operator": "remove", "path": "/spec/containers/0"},
        ],
    }
    want = workload(
        "Pod", [{"name": "b", "image": "redis:7", "env": [env("X", "1"), env("Y", "2")]}]
    )
    assert run(body, spec) == want


# --- the JSON-patch engine ------------------------------------------------------------------------


def patched(body: dict[str, Any], *patches: Patch) -> dict[str, Any]:
    return apply_patches(copy.deepcopy(body), list(patches))


def test_replace_of_a_missing_member_adds_it() -> None:
    want = custom_object()
    want["b"] = {"new": 1}
    assert patched(custom_object(), Patch("replace", "/b/new", 1)) == want


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (Patch("add", "/l/-", 9), [1, 2, 3, 9]),
        (Patch("add", "/l/-1", 9), [1, 2, 3, 9]),  # -1 on add is the end
        (Patch("add", "/l/0", 9), [9, 1, 2, 3]),
        (Patch("add", "/l/3", 9), [1, 2, 3, 9]),
        (Patch("add", "/l/-4", 9), [9, 1, 2, 3]),
        (Patch("replace", "/l/-1", 9), [1, 2, 9]),
        (Patch("replace", "/l/+0", 9), [9, 2, 3]),
        (Patch("remove", "/l/-3", None), [2, 3]),
        (Patch("remove", "/l/1", None), [1, 3]),
        (Patch("test", "/l/0", 1), [1, 2, 3]),
    ],
)
def test_list_positions(patch: Patch, expected: list[int]) -> None:
    body = {"kind": "X", "l": [1, 2, 3]}
    assert patched(body, patch) == {"kind": "X", "l": expected}


@pytest.mark.parametrize(
    "patch",
    [
        Patch("remove", "/metadata/missing", None),
        Patch("add", "/missing/key", 1),
        Patch("replace", "/l/3", 1),
        Patch("replace", "/l/-4", 1),
        Patch("remove", "/l/3", None),
        Patch("add", "/l/5", 1),
        Patch("add", "/l/x", 1),
        Patch("replace", "/l/-", 1),
        Patch("add", "/n/x", 1),  # null parent
        Patch("add", "/s/x", 1),  # string parent
        Patch("move", "/a", None),
        Patch("copy", "/a", None),
        Patch("merge", "/a", 1),
        Patch("test", "/l/0", 2),
        Patch("test", "/l/0", True),
        Patch("add", "", 1),
        Patch("remove", "/kind", None),
        Patch("replace", "/metadata/name", "other"),
        Patch("add", "/metadata/namespace", "other"),
        Patch("add", "/metadata/generateName", "x-"),
    ],
)
def test_patch_errors(patch: Patch) -> None:
    body = {"kind": "X", "metadata": {"name": "n"}, "l": [1, 2, 3], "n": None, "s": "text"}
    with pytest.raises(KubeAdmiralOverrideError):
        patched(body, patch)


def test_a_path_without_leading_slash_starts_at_the_root() -> None:
    body = {"kind": "X", "spec": {}}
    assert patched(body, Patch("add", "spec/x", 1)) == {"kind": "X", "spec": {}, "x": 1}


def test_escaped_keys() -> None:
    body = with_map("labels", {})
    want = copy.deepcopy(body)
    want["metadata"]["labels"] = {"kubeadmiral.io/x": "1", "a~b": "2"}
    got = patched(
        body,
        Patch("add", "/metadata/labels/kubeadmiral.io~1x", "1"),
        Patch("add", "/metadata/labels/a~0b", "2"),
    )
    assert got == want


def test_patch_values_are_not_shared() -> None:
    overriders = parse_overriders(
        {"jsonpatch": [{"operator": "add", "path": "/x", "value": {"k": [1]}}]}
    )
    first = apply({"kind": "X"}, overriders)
    first["x"]["k"].append(2)
    assert apply({"kind": "X"}, overriders) == {"kind": "X", "x": {"k": [1]}}


# --- what parse_overriders accepts ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"images": []}, r"overriders\.images: unknown field"),
        ({"image": {}}, r"overriders\.image: must be a list"),
        ({"image": [{}]}, r"overriders\.image\[0\]\.operations: is required"),
        (
            {"image": [{"operations": [{"imageComponent": "Host"}]}]},
            r"imageComponent: must be one of",
        ),
        (
            {"image": [{"operations": [{"imageComponent": "Tag", "operator": "add"}]}]},
            r"operations\[0\]\.operator",
        ),
        ({"command": [{"value": []}]}, r"command\[0\]\.containerName: is required"),
        (
            {"args": [{"containerName": "c", "value": [1]}]},
            r"args\[0\]\.value\[0\]: must be a string",
        ),
        (
            {"envs": [{"containerName": "c", "value": [{"value": "x"}]}]},
            r"envs\[0\]\.value\[0\]\.name: is required",
        ),
        (
            {
                "envs": [
                    {"containerName": "c", "value": [{"name": "x", "valueFrom": {"fieldRef": {}}}]}
                ]
            },
            r"valueFrom\.fieldRef\.fieldPath: is required",
        ),
        ({"labels": [{"operator": "overwrite"}]}, r"labels\[0\]\.value: is required"),
        ({"labels": [{"value": {"a": True}}]}, r"labels\[0\]\.value\.a: must be a string"),
        ({"annotations": [{"operator": "replace", "value": {}}]}, r"annotations\[0\]\.operator"),
        ({"jsonpatch": [{"operator": "add"}]}, r"jsonpatch\[0\]\.path: is required"),
        ({"jsonpatch": [{"path": "/a", "from": "/b"}]}, r"jsonpatch\[0\]\.from: unknown field"),
    ],
)
def test_parse_overriders_rejects(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_overriders(spec)


def test_parse_overriders_shapes() -> None:
    overriders = parse_overriders(
        {
            "image": [{"imagePath": "/x", "operations": [{"imageComponent": "Tag", "value": "1"}]}],
            "command": [{"containerName": "c", "value": ["a"]}],
            "envs": [{"containerName": "c", "value": [{"name": "E", "value": ""}]}],
            "labels": [{"value": {"a": "b"}}],
            "jsonpatch": [{"path": "/a"}],
        },
        where="spec.overrideRules[0].overriders",
    )
    assert overriders.image[0].image_path == "/x"
    assert overriders.image[0].operations[0].operator == ""
    assert overriders.command[0].operator == ""
    assert overriders.envs[0].value == ({"name": "E"},)
    assert overriders.labels[0].value == {"a": "b"}
    assert overriders.jsonpatch[0].operator == ""
    assert overriders.jsonpatch[0].value is None
    with pytest.raises(ValueError, match=r"^spec\.overrideRules\[0\]\.overriders\.labels"):
        parse_overriders({"labels": 1}, where="spec.overrideRules[0].overriders")
