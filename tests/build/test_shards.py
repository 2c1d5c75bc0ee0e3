"""Sharded renders: membership, the shard folders, and the merge (hubless.build.shards)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hubless.build import shards
from hubless.build.layout import is_marker
from hubless.build.plan import plan_render
from hubless.build.state.paths import cluster_of
from hubless.build.state.transaction import TreeChange
from hubless.commands.merge import merge
from hubless.commands.render import render, render_shard
from hubless.errors import UserError
from tests.conftest import run_hubless, snapshot, write_tree
from tests.test_render import CONFIGMAP, OP, base_files
from tests.test_warnings import CASES

NAMES = [f"member-{i:03d}" for i in range(40)] + ["east", "west", "dev", "batch", "\u00e9t\u00e9"]


@pytest.mark.parametrize(
    ("text", "parsed"), [("1/1", (1, 1)), ("2/3", (2, 3)), ("10/12", (10, 12))]
)
def test_parse(text: str, parsed: tuple[int, int]) -> None:
    assert shards.parse(text) == parsed


@pytest.mark.parametrize(
    "text", ["0/3", "4/3", "1/0", "01/3", "1/03", "a/b", "1-3", " 1/3", "1/3 ", ""]
)
def test_parse_refuses_anything_but_k_of_n(text: str) -> None:
    with pytest.raises(UserError) as caught:
        shards.parse(text)
    assert str(caught.value) == f"error: --shard {text!r}: expected K/N with 1 <= K <= N"


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_a_cluster_s_shard_is_the_sha256_of_its_name(count: int) -> None:
    for name in NAMES:
        first_eight = hashlib.sha256(name.encode("utf-8")).digest()[:8]
        assert shards.shard_of(name, count) == int.from_bytes(first_eight, "big") % count + 1


def test_shards_split_the_clusters_whatever_the_others_are() -> None:
    for count in (1, 2, 5):
        parts = [shards.members(NAMES, index, count) for index in range(1, count + 1)]
        assert sorted(name for part in parts for name in part) == sorted(NAMES)
        # Membership depends on the name alone: a smaller inventory splits the same way.
        for index, part in enumerate(parts, start=1):
            assert shards.members(NAMES[:10], index, count) == part & set(NAMES[:10])
    assert shards.members(NAMES, 1, 1) == frozenset(NAMES)


def test_digests_bytes() -> None:
    data = shards.digests_bytes({"west": "d2", "east": "d1"}, {"ConfigMap/shop/web": "e"})
    assert data == (
        b'{\n  "clusters": {\n    "east": "d1",\n    "west": "d2"\n  },\n'
        b'  "placements": {\n    "ConfigMap/shop/web": "e"\n  }\n}'
    )
    assert shards.parse_digests(data) == ({"east": "d1", "west": "d2"}, {"ConfigMap/shop/web": "e"})


@pytest.mark.parametrize(
    "options",
    [
        shards.Options(),
        shards.Options(False),
        shards.Options(True, "1.30"),
        shards.Options(False, "v1.29.3"),
    ],
)
def test_options_are_recorded_as_they_were_given(options: shards.Options) -> None:
    data = json.loads(shards.digests_bytes({}, {}, options=options))["options"]
    assert data == {
        "validate": options.validate,
        "kubeVersionDefault": options.kube_version_default,
    }
    assert shards.Options.of_data(data) == options


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"validate": True},
        {"validate": "yes", "kubeVersionDefault": ""},
        {"validate": True, "kubeVersionDefault": 1.3},
    ],
)
def test_unreadable_options_are_refused(data: object) -> None:
    with pytest.raises(ValueError):
        shards.Options.of_data(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"[]",
        b'{"clusters": {}}',
        b'{"placements": {}}',
        b'{"clusters": [], "placements": {}}',
        b'{"clusters": {}, "placements": 3}',
    ],
)
def test_unreadable_digests_are_none(data: bytes) -> None:
    assert shards.parse_digests(data) == ({}, {})


def files_below(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_write_replaces_the_shard_s_folder(tmp_path: Path) -> None:
    first = shards.write(tmp_path, 1, 2, {"east/a.yaml": b"a\n", "east/b.yaml": b"b\n"})
    assert first == tmp_path / ".hubless/shards/1-of-2"
    shards.write(tmp_path, 1, 2, {"east/a.yaml": b"a2\n"})
    assert files_below(first) == {"east/a.yaml": b"a2\n"}


def test_write_replaces_a_link_and_never_writes_through_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "rendered"
    (root / ".hubless/shards").mkdir(parents=True)
    (root / ".hubless/shards/1-of-2").symlink_to(outside, target_is_directory=True)
    folder = shards.write(root, 1, 2, {"east/a.yaml": b"a\n"})
    assert list(outside.iterdir()) == []
    assert not folder.is_symlink()
    assert files_below(folder) == {"east/a.yaml": b"a\n"}


def test_read_is_the_union_of_agreeing_shards(tmp_path: Path) -> None:
    shards.write(tmp_path, 1, 2, {"east/a.yaml": b"a\n", ".hubless/placement.json": b"r\n"})
    shards.write(tmp_path, 2, 2, {"west/b.yaml": b"b\n", ".hubless/placement.json": b"r\n"})
    assert shards.read(tmp_path) == {
        "east/a.yaml": b"a\n",
        "west/b.yaml": b"b\n",
        ".hubless/placement.json": b"r\n",
    }


def test_read_refuses_shards_that_disagree(tmp_path: Path) -> None:
    shards.write(tmp_path, 1, 2, {".hubless/placement.json": b"one\n"})
    shards.write(tmp_path, 2, 2, {".hubless/placement.json": b"two\n"})
    with pytest.raises(UserError) as caught:
        shards.read(tmp_path)
    assert str(caught.value) == (
        "error: shard 2 disagrees with an earlier one on .hubless/placement.json"
    )


def test_read_needs_every_shard_of_one_count(tmp_path: Path) -> None:
    base = tmp_path / ".hubless/shards"
    with pytest.raises(UserError) as caught:
        shards.read(tmp_path)
    assert str(caught.value) == f"error: {base}: expected the shards of one N, found []"
    record = {".hubless/placement.json": b"r\n"}
    shards.write(tmp_path, 2, 4, record)
    shards.write(tmp_path, 4, 4, record)
    with pytest.raises(UserError) as caught:
        shards.read(tmp_path)
    assert str(caught.value) == f"error: {base}: shards [1, 3] of 4 are missing"
    shards.write(tmp_path, 1, 3, record)
    with pytest.raises(UserError) as caught:
        shards.read(tmp_path)
    assert str(caught.value) == (
        f"error: {base}: expected the shards of one N, found [(1, 3), (2, 4), (4, 4)]"
    )


@pytest.mark.parametrize("kind", ["name", "file", "link"])
def test_read_refuses_anything_but_shard_folders(tmp_path: Path, kind: str) -> None:
    shards.write(tmp_path, 1, 1, {"east/a.yaml": b"a\n"})
    base = tmp_path / ".hubless/shards"
    if kind == "name":
        stray = base / "latest"
        stray.mkdir()
    elif kind == "file":
        stray = base / "2-of-2"
        stray.write_text("x")
    else:
        stray = base / "2-of-2"
        stray.symlink_to(base / "1-of-1", target_is_directory=True)
    with pytest.raises(UserError) as caught:
        shards.read(tmp_path)
    assert str(caught.value) == f"error: {stray}: not a shard folder (K-of-N)"


def test_a_shard_holds_its_clusters_files_and_the_whole_fleet_s_digests(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    full = plan_render(tmp_path).change.added  # nothing rendered yet: every file is added
    manifest = json.loads(full.pop(".hubless/manifest.json"))
    own = shards.members(["batch", "dev", "east", "west"], 2, 3)
    shard = shards.render_shard(tmp_path, "2/3")
    folder = tmp_path / "rendered/.hubless/shards/2-of-3"
    expected = {p: c for p, c in full.items() if p.startswith(".hubless/") or cluster_of(p) in own}
    expected[".hubless/digests.json"] = shards.digests_bytes(
        manifest["clusters"],
        manifest["placements"],
        manifest["inputs"],  # the same sources as the full render's
        {p: hashlib.sha256(c).hexdigest() for p, c in expected.items()},
        None,
        shards.Options(),  # validated, with no default version
    )
    assert files_below(folder) == expected
    objects = sum(1 for p in expected if not p.startswith(".hubless/") and not is_marker(p))
    assert shard == shards.Shard(2, 3, own, objects, folder)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"validate": False},
        # The manifest keeps what validation says with the default version.
        {"kube_version_default": "1.30"},
        {"validate": False, "kube_version_default": "1.30"},
    ],
)
def test_sharded_render_merges_into_what_one_render_writes(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    single = tmp_path / "single"
    write_tree(single, base_files())
    sharded = tmp_path / "sharded"
    shutil.copytree(single, sharded)
    assert render(single, check=False, **options) == 0
    for index in (1, 2, 3):
        assert render_shard(sharded, f"{index}/3", **options) == 0
    assert (sharded / "rendered/.hubless/shards/2-of-3").is_dir()
    assert merge(sharded) == 0
    expected = {k: v[0] for k, v in snapshot(single / "rendered").items() if k != ".hubless/lock"}
    merged = {k: v[0] for k, v in snapshot(sharded / "rendered").items() if k != ".hubless/lock"}
    assert merged == expected  # the shards folder is gone, the bytes are the same


def test_merge_needs_every_shard(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render_shard(tmp_path, "1/2")
    with pytest.raises(UserError, match=r"shards \[2\] of 2 are missing"):
        merge(tmp_path)
    with pytest.raises(UserError, match="expected K/N"):
        render_shard(tmp_path, "3/2")


def test_a_merge_of_what_rendered_holds_only_removes_the_shards(tmp_path: Path) -> None:
    write_tree(tmp_path, base_files())
    render(tmp_path, check=False)
    for index in (1, 2):
        shards.render_shard(tmp_path, f"{index}/2")
    everything = snapshot(tmp_path / "rendered")
    before = {k: v for k, v in everything.items() if not k.startswith(".hubless/shards/")}
    waits: list[str] = []
    change = shards.merge(tmp_path, lambda: waits.append("waited")).change
    assert change == TreeChange(
        removed=tuple(sorted(k for k in everything if k.startswith(".hubless/shards/")))
    )
    assert waits == []
    assert snapshot(tmp_path / "rendered") == before  # the same bytes, not written again


def sharded(tmp_path: Path, count: int = 2) -> Path:
    repo = tmp_path / "sharded"
    write_tree(repo, base_files())
    for index in range(1, count + 1):
        shards.render_shard(repo, f"{index}/{count}")
    return repo


def merge_error(repo: Path) -> list[str]:
    before = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*"))
    with pytest.raises(UserError) as raised:
        shards.merge(repo, lambda: None)
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*")) == before
    return [str(p) for p in raised.value.problems]


def test_a_shard_edited_after_rendering_is_refused(tmp_path: Path) -> None:
    repo = sharded(tmp_path)
    folder = repo / "rendered/.hubless/shards/1-of-2"
    edited = next(
        p
        for p in sorted(folder.rglob("*.yaml"))
        if not p.relative_to(folder).as_posix().startswith(".hubless/")
        and "namespace: shop" in p.read_text()
    )
    edited.write_text(edited.read_text().replace("namespace: shop", "namespace: other"))
    relative = edited.relative_to(repo).as_posix()
    assert merge_error(repo) == [
        f"{relative}: error: shard 1 of 2: this file differs from what it wrote (changed after "
        "rendering?): render the shard again"
    ]


def test_a_file_added_to_a_shard_is_refused(tmp_path: Path) -> None:
    repo = sharded(tmp_path)
    extra = repo / "rendered/.hubless/shards/2-of-2/extra.yaml"
    extra.write_text("kind: ConfigMap\n")
    assert merge_error(repo) == [
        "rendered/.hubless/shards/2-of-2/extra.yaml: error: shard 2 of 2: this file is not one "
        "it wrote (changed after rendering?): render the shard again"
    ]


def test_shards_rendered_from_other_sources_are_refused(tmp_path: Path) -> None:
    repo = tmp_path / "sharded"
    write_tree(repo, base_files())
    shards.render_shard(repo, "1/2")
    write_tree(repo, {"templates/web/configmap.yaml": CONFIGMAP.replace('"on"', '"off"')})
    shards.render_shard(repo, "2/2")
    assert merge_error(repo) == [
        "rendered/.hubless/shards/1-of-2: error: shard 1 of 2 was rendered from other sources "
        "than these (before a change, or from another revision): render it again"
    ]


def test_a_shard_without_its_record_is_refused(tmp_path: Path) -> None:
    repo = sharded(tmp_path)
    (repo / "rendered/.hubless/shards/2-of-2/.hubless/digests.json").unlink()
    assert merge_error(repo) == [
        "rendered/.hubless/shards/2-of-2: error: shard 2 of 2 does not record what it was "
        "rendered from (written by an older hubless, or edited): render it again"
    ]


def test_a_cluster_in_the_wrong_shard_is_refused(tmp_path: Path) -> None:
    repo = sharded(tmp_path)
    base = repo / "rendered/.hubless/shards"
    own = sorted(shards.members(["batch", "dev", "east", "west"], 1, 2))
    moved = own[0]
    shutil.move(str(base / "1-of-2" / moved), str(base / "2-of-2" / moved))
    # Its files are recorded as the second shard's, as if it had rendered them.
    digests_path = base / "2-of-2/.hubless/digests.json"
    data = json.loads(digests_path.read_bytes())
    for path in sorted((base / "2-of-2" / moved).rglob("*")):
        if path.is_file():
            relative = path.relative_to(base / "2-of-2").as_posix()
            data["files"][relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    digests_path.write_text(json.dumps(data))
    errors = merge_error(repo)
    assert errors[0].startswith("rendered/.hubless/shards/1-of-2/")  # now missing there
    data1 = json.loads((base / "1-of-2/.hubless/digests.json").read_bytes())
    data1["files"] = {p: h for p, h in data1["files"].items() if not p.startswith(moved + "/")}
    (base / "1-of-2/.hubless/digests.json").write_text(json.dumps(data1))
    assert merge_error(repo) == [
        f"rendered/.hubless/shards/2-of-2/{moved}: error: shard 2 of 2 holds cluster {moved}, "
        "which belongs to shard 1: render the shards again"
    ]


@pytest.mark.parametrize(
    ("first", "second", "said"),
    [
        ((), ("--no-validate",), "was rendered with --no-validate, shard 1 with no options"),
        (
            ("--kube-version-default", "1.30"),
            (),
            "was rendered with no options, shard 1 with --kube-version-default 1.30",
        ),
        (
            ("--kube-version-default", "1.30"),
            ("--kube-version-default", "v1.30.0"),
            "was rendered with --kube-version-default v1.30.0, shard 1 with "
            "--kube-version-default 1.30",
        ),
    ],
)
def test_shards_rendered_with_other_options_are_refused(
    tmp_path: Path, first: tuple[str, ...], second: tuple[str, ...], said: str
) -> None:
    """The merge says what one render with the shards' options says, and keeps validation's
    warnings for their default version: a merge of shards given different ones is no render."""
    repo = tmp_path / "sharded"
    write_tree(repo, base_files())
    for index, options in ((1, first), (2, second)):
        result = run_hubless("render", "--shard", f"{index}/2", *options, cwd=repo)
        assert result.returncode == 0, result.stderr
    assert merge_error(repo) == [
        f"rendered/.hubless/shards/2-of-2: error: shard 2 of 2 {said}: render every shard with "
        "the same options"
    ]


def test_a_shard_that_does_not_record_its_options_is_refused(tmp_path: Path) -> None:
    repo = sharded(tmp_path)
    digests_path = repo / "rendered/.hubless/shards/1-of-2/.hubless/digests.json"
    data = json.loads(digests_path.read_bytes())
    del data["options"]
    digests_path.write_text(json.dumps(data))
    assert merge_error(repo) == [
        "rendered/.hubless/shards/1-of-2: error: shard 1 of 2 does not record what it was "
        "rendered from (written by an older hubless, or edited): render it again"
    ]


# Shards validate their own clusters' objects as a render validates them. With two shards,
# east and west are shard 1's, dev and batch shard 2's; only east and west get the Deployment.
UNKNOWN_FIELD = "      - {path: /spec/template/spec/containers/0/colour, operator: add, value: red}"


def invalid_on_west(west_version: str | None) -> dict[str, str]:
    """The small fleet, with an override that gives west's Deployment a field no
    Kubernetes knows, and west at Kubernetes `west_version` (the others at none)."""
    files = base_files()
    documents = files["policies/clusters.yaml"].split("\n---\n")
    if west_version is not None:
        documents = [
            d.replace("status:\n", f"status:\n  kubernetesVersion: {west_version}\n")
            if "  name: west\n" in d
            else d
            for d in documents
        ]
    files["policies/clusters.yaml"] = "\n---\n".join(documents)
    files["policies/web-overrides.yaml"] = OP.rstrip("\n") + "\n" + UNKNOWN_FIELD + "\n"
    return files


def invalid_on_west_error(version: str) -> str:
    return (
        "policies/web-overrides.yaml:8: error: OverridePolicy/shop/web-west overrideRules[0] "
        f"makes Deployment.apps/shop/web invalid for cluster west (Kubernetes {version}): "
        "spec.template.spec.containers.0: Additional properties are not allowed ('colour' was "
        "unexpected) (template templates/web/deployment.yaml:1)"
    )


def unversioned(repo: Path, cluster: str) -> str:
    """Validation's warning about `cluster`, at the first line of its Cluster object."""
    text = (repo / "policies/clusters.yaml").read_text()
    line = text[: text.index(f"  name: {cluster}\n")].count("\n") - 2
    return (
        f"policies/clusters.yaml:{line}: warning: cluster {cluster} has no "
        "status.kubernetesVersion: its objects are not validated (give one with "
        "--kube-version-default)"
    )


def hubless(repo: Path, *args: str) -> tuple[int, list[str]]:
    """`hubless ARGS` in `repo`: its exit status and the lines of its stderr."""
    result = run_hubless(*args, cwd=repo)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.splitlines()


def test_a_shard_refuses_what_a_render_refuses_on_its_clusters(tmp_path: Path) -> None:
    repo, whole = tmp_path / "sharded", tmp_path / "whole"
    write_tree(repo, invalid_on_west("v1.30.2"))
    shutil.copytree(repo, whole)
    assert unversioned(repo, "east").startswith("policies/clusters.yaml:1: ")
    assert hubless(whole, "render") == (
        1,
        [
            unversioned(repo, "batch"),
            unversioned(repo, "dev"),
            unversioned(repo, "east"),
            invalid_on_west_error("1.30"),
        ],
    )
    # The same error, and the warnings about its own clusters only; nothing written.
    assert hubless(repo, "render", "--shard", "1/2") == (
        1,
        [unversioned(repo, "east"), invalid_on_west_error("1.30")],
    )
    assert not (repo / "rendered").exists()
    # dev and batch are fine (and not validated: they have no version).
    assert hubless(repo, "render", "--shard", "2/2") == (
        0,
        [unversioned(repo, "batch"), unversioned(repo, "dev")],
    )
    assert (repo / "rendered/.hubless/shards/2-of-2/dev").is_dir()
    # Without validation the Deployment goes through, as a whole render writes it.
    assert hubless(repo, "render", "--shard", "1/2", "--no-validate") == (0, [])
    assert hubless(whole, "render", "--no-validate") == (0, [])
    folder = repo / "rendered/.hubless/shards/1-of-2"
    deployment = "west/shop/deployment.apps_web.yaml"
    assert "      colour: red\n" in (folder / deployment).read_text()
    written = files_below(folder)
    assert {p: c for p, c in written.items() if not p.startswith(".hubless/")} == {
        p: c
        for p, c in files_below(whole / "rendered").items()
        if cluster_of(p) in ("east", "west")
    }
    # A shard refused later leaves what an earlier one wrote as it was.
    before = snapshot(repo / "rendered")
    assert hubless(repo, "render", "--shard", "1/2")[0] == 1
    assert snapshot(repo / "rendered") == before


def test_kube_version_default_validates_a_shard_s_clusters_without_a_version(
    tmp_path: Path,
) -> None:
    repo, whole = tmp_path / "sharded", tmp_path / "whole"
    write_tree(repo, invalid_on_west(None))
    shutil.copytree(repo, whole)
    assert hubless(repo, "render", "--shard", "1/2") == (
        0,
        [unversioned(repo, "east"), unversioned(repo, "west")],
    )
    before = snapshot(repo / "rendered")
    refused = (1, [invalid_on_west_error("1.29")])
    assert hubless(whole, "render", "--kube-version-default", "1.29") == refused
    assert hubless(repo, "render", "--shard", "1/2", "--kube-version-default", "1.29") == refused
    assert snapshot(repo / "rendered") == before
    assert hubless(repo, "render", "--shard", "2/2", "--kube-version-default", "1.29") == (0, [])


def test_a_shard_says_which_of_its_clusters_objects_have_no_schema(tmp_path: Path) -> None:
    repo, whole = tmp_path / "sharded", tmp_path / "whole"
    write_tree(repo, CASES["a custom kind without a schema"].files)  # on east and west
    shutil.copytree(repo, whole)
    no_schema = (
        "warning: monitoring.coreos.com/v1 ServiceMonitor has no schema (no "
        "CustomResourceDefinition in templates/): not validated on east, west"
    )
    version = ("--kube-version-default", "1.30")
    assert hubless(whole, "render", *version) == (0, [no_schema])
    assert hubless(repo, "render", "--shard", "1/2", *version) == (0, [no_schema])
    assert hubless(repo, "render", "--shard", "2/2", *version) == (0, [])  # no cluster of its own


@pytest.mark.parametrize(
    ("given", "flag"),
    [
        (["--check"], "--check"),
        (["--commit"], "--commit"),
        (["-m", "render"], "--message"),
        (["--cluster-status-max-age", "1h"], "--cluster-status-max-age"),
    ],
)
def test_options_a_shard_cannot_honour_are_refused(
    tmp_path: Path, given: list[str], flag: str
) -> None:
    """A shard writes its own folder: checking, committing or dating rendered/ is the
    merge's business, and a shard that ignored them would pass a check it never made."""
    write_tree(tmp_path, base_files())
    result = run_hubless("render", "--shard", "1/2", *given, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"error: {flag} does not apply to --shard (see `hubless merge`)\n",
    )
    assert not (tmp_path / "rendered").exists()


def test_a_merge_passes_over_what_an_interrupted_shard_left(tmp_path: Path) -> None:
    """A shard is written beside its folder first: a shard killed meanwhile leaves that,
    which is no shard. The merge goes on without it, and removes it with the shards."""
    single = tmp_path / "single"
    write_tree(single, base_files())
    sharded = tmp_path / "sharded"
    shutil.copytree(single, sharded)
    assert render(single, check=False) == 0
    for index in (1, 2):
        assert render_shard(sharded, f"{index}/2") == 0
    left = sharded / "rendered/.hubless/shards/.pending-2-of-2"
    (left / "east").mkdir(parents=True)
    (left / "east/half-written.yaml").write_text("kind: Conf")
    assert merge(sharded) == 0
    expected = {k: v[0] for k, v in snapshot(single / "rendered").items() if k != ".hubless/lock"}
    merged = {k: v[0] for k, v in snapshot(sharded / "rendered").items() if k != ".hubless/lock"}
    assert merged == expected
