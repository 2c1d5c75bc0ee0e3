"""The placement record: its exact text, reading it back, and where it is read from."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import git
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.build.state.record import (
    PlacementRecord,
    RecordEntry,
    _cluster_line,
    read_record,
    record_at,
)
from hubless.errors import Source, UserError
from hubless.model import Binding, PolicyRef, PreviousPlacement, ResourceKey, TargetCluster
from hubless.results import Decision

WEB = ResourceKey("apps", "Deployment", "shop", "web")
SETTINGS = ResourceKey("", "ConfigMap", "shop", "settings")
EMPTY = ResourceKey("", "Namespace", "", "empty")

ENTRIES = {
    WEB: RecordEntry(
        WEB,
        "PropagationPolicy/shop/web",
        (TargetCluster("east", 2), TargetCluster('Q"x', 1), TargetCluster("\u00e9t\u00e9", 0)),
        replicas=3,
        affinity_name="primary",
        placement_fingerprint="fp1",
    ),
    SETTINGS: RecordEntry(
        SETTINGS,
        "dependency",
        (TargetCluster("east", 0),),
        required_by=("Deployment.apps/shop/web",),
    ),
    EMPTY: RecordEntry(EMPTY, "namespace-sync", ()),
}

# Written out from the format: entries in key order (group, kind, namespace, name), the
# head's fields in a fixed order and only when set, one cluster per line, clusters in the
# entry's order, JSON escapes only where JSON needs them.
TEXT = """\
{"apiVersion": "hubless.io/v1alpha1", "resources": [
{"group": "", "kind": "ConfigMap", "namespace": "shop", "name": "settings", "via": "dependency", "requiredBy": ["Deployment.apps/shop/web"], "clusters": [
{"name": "east"}
]},
{"group": "", "kind": "Namespace", "name": "empty", "via": "namespace-sync", "clusters": []},
{"group": "apps", "kind": "Deployment", "namespace": "shop", "name": "web", "via": "PropagationPolicy/shop/web", "affinityName": "primary", "placement": "fp1", "replicas": 3, "clusters": [
{"name": "east", "replicas": 2},
{"name": "Q\\"x", "replicas": 1},
{"name": "\u00e9t\u00e9"}
]}
]}
"""

WHERE = "rendered/.hubless/placement.json"


def test_text_is_the_record_format_exactly() -> None:
    assert PlacementRecord(ENTRIES).text() == TEXT


def test_an_empty_record() -> None:
    text = '{"apiVersion": "hubless.io/v1alpha1", "resources": [\n]}\n'
    assert PlacementRecord({}).text() == text
    assert PlacementRecord.parse(text, WHERE) == PlacementRecord({}, WHERE)


def test_the_text_is_json_with_every_field() -> None:
    assert json.loads(TEXT) == {
        "apiVersion": "hubless.io/v1alpha1",
        "resources": [
            {
                "group": "",
                "kind": "ConfigMap",
                "namespace": "shop",
                "name": "settings",
                "via": "dependency",
                "requiredBy": ["Deployment.apps/shop/web"],
                "clusters": [{"name": "east"}],
            },
            {
                "group": "",
                "kind": "Namespace",
                "name": "empty",
                "via": "namespace-sync",
                "clusters": [],
            },
            {
                "group": "apps",
                "kind": "Deployment",
                "namespace": "shop",
                "name": "web",
                "via": "PropagationPolicy/shop/web",
                "affinityName": "primary",
                "placement": "fp1",
                "replicas": 3,
                "clusters": [
                    {"name": "east", "replicas": 2},
                    {"name": 'Q"x', "replicas": 1},
                    {"name": "\u00e9t\u00e9"},
                ],
            },
        ],
    }


def test_parse_reads_back_what_text_wrote() -> None:
    record = PlacementRecord.parse(TEXT, "somewhere.json")
    assert record == PlacementRecord(ENTRIES, "somewhere.json")
    assert record.text() == TEXT


def test_parse_takes_any_json_layout_and_defaults_the_optional_fields() -> None:
    text = json.dumps(
        {"resources": [{"kind": "ConfigMap", "namespace": "shop", "name": "a", "clusters": None}]}
    )
    key = ResourceKey("", "ConfigMap", "shop", "a")
    assert PlacementRecord.parse(text, WHERE).entries == {key: RecordEntry(key, "", ())}


def test_previous_is_what_the_next_render_starts_from() -> None:
    assert PlacementRecord(ENTRIES).previous == {
        WEB: PreviousPlacement(
            {"east": 2, 'Q"x': 1, "\u00e9t\u00e9": 0},
            "primary",
            "fp1",
            "PropagationPolicy/shop/web",
        ),
        # the claim travels too: the policy that placed it keeps it (or what placed it instead)
        SETTINGS: PreviousPlacement({"east": 0}, via="dependency"),
        EMPTY: PreviousPlacement({}, via="namespace-sync"),
    }


def decision(key: ResourceKey, *clusters: TargetCluster, replicas: int = 0) -> Decision:
    binding = Binding(
        key,
        Source("templates/x.yaml", 1),
        PolicyRef("PropagationPolicy", "shop", "p"),
        clusters,
        replicas,
        "second",
        "fp2",
    )
    return Decision(binding, "PropagationPolicy/shop/p", required_by=((WEB, ("west",)),))


def test_record_entry_of_a_decision() -> None:
    made = decision(SETTINGS, TargetCluster("west", 4), replicas=4)
    assert RecordEntry.of(made) == RecordEntry(
        SETTINGS,
        "PropagationPolicy/shop/p",
        (TargetCluster("west", 4),),
        4,
        "second",
        "fp2",
        ("Deployment.apps/shop/web",),
    )


def test_replacing_drops_the_removed_and_adds_the_decided() -> None:
    record = PlacementRecord(ENTRIES, "elsewhere.json")
    added = ResourceKey("", "Service", "shop", "web")
    updated = record.replacing(
        [EMPTY, ResourceKey("", "Secret", "shop", "never-there")],
        [decision(SETTINGS, TargetCluster("west", 0)), decision(added, TargetCluster("east", 0))],
    )
    assert updated == PlacementRecord(
        {
            WEB: ENTRIES[WEB],
            SETTINGS: RecordEntry.of(decision(SETTINGS, TargetCluster("west", 0))),
            added: RecordEntry.of(decision(added, TargetCluster("east", 0))),
        },
        "elsewhere.json",
    )
    assert record.entries == ENTRIES  # the original is untouched


def test_invalid_json_names_the_line() -> None:
    text = '{"apiVersion": "hubless.io/v1alpha1",\n  oops\n'
    with pytest.raises(ValueError) as parsing:
        json.loads(text)
    with pytest.raises(UserError) as caught:
        PlacementRecord.parse(text, WHERE)
    assert str(caught.value) == (
        f"{WHERE}:2: error: not a hubless placement record: {parsing.value}"
    )


@pytest.mark.parametrize(
    "text",
    ["[]", "{}", '{"resources": {}}', '{"resources": [1]}', '"text"', "null"],
)
def test_other_json_is_not_a_record(text: str) -> None:
    with pytest.raises(UserError) as caught:
        PlacementRecord.parse(text, WHERE)
    assert (
        str(caught.value)
        == f"{WHERE}:1: error: not a hubless placement record; delete it to rebuild"
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "x"},  # no kind
        {"kind": "ConfigMap"},  # no name
        {"kind": "ConfigMap", "name": "x", "clusters": [{"replicas": 1}]},
        {"kind": "ConfigMap", "name": "x", "clusters": [{"name": "a", "replicas": "many"}]},
        {"kind": "ConfigMap", "name": "x", "replicas": [1]},
        {"kind": "ConfigMap", "name": "x", "clusters": ["east"]},
    ],
)
def test_a_malformed_entry_is_an_error_at_line_1(entry: dict[str, Any]) -> None:
    text = json.dumps({"resources": [{"kind": "Secret", "name": "fine"}, entry]})
    with pytest.raises(UserError) as caught:
        PlacementRecord.parse(text, "path")
    assert str(caught.value) == "path:1: error: malformed placement record; delete it to rebuild"


@pytest.mark.parametrize(
    ("name", "replicas"),
    [("member-0001", 0), ("a", 3), ("b", 0), ('q"uote', 1), ("é", 2), ("z", 1), ("x" * 70, 12)],
)
def test_record_cluster_lines_are_json_dumps(name: str, replicas: int) -> None:
    # The record writes {"name"} alone when a cluster gets no replicas.
    entry: dict[str, Any] = {"name": name, "replicas": replicas} if replicas else {"name": name}
    assert _cluster_line(TargetCluster(name, replicas)) == json.dumps(entry, ensure_ascii=False)


def test_cluster_lines_spell_plain_names_as_written() -> None:
    assert _cluster_line(TargetCluster("east-1.prod", 0)) == '{"name": "east-1.prod"}'
    assert _cluster_line(TargetCluster("east", 7)) == '{"name": "east", "replicas": 7}'
    assert _cluster_line(TargetCluster("a\\b", 0)) == '{"name": "a\\\\b"}'


# Reading the record: the work tree's, else the committed one.


def record_text(*clusters: str) -> str:
    entry = RecordEntry(SETTINGS, "dependency", tuple(TargetCluster(c, 0) for c in clusters))
    return PlacementRecord({SETTINGS: entry}).text()


def write_record(repo: Path, text: str) -> None:
    path = repo / "rendered/.hubless/placement.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repository(tmp_path: Path) -> git.Repo:
    repository = git.Repo.init(tmp_path)
    with repository.config_writer() as writer:
        writer.set_value("user", "name", "Test")
        writer.set_value("user", "email", "test@example.com")
    return repository


def commit(repository: git.Repo, message: str) -> str:
    repository.git.add(all=True)
    repository.git.commit(m=message)
    return repository.head.commit.hexsha


def test_no_record_and_no_git_is_none(tmp_path: Path) -> None:
    assert read_record(tmp_path) is None
    assert record_at(tmp_path, "HEAD") is None


def test_the_work_tree_s_record_comes_first(tmp_path: Path, repository: git.Repo) -> None:
    write_record(tmp_path, record_text("committed"))
    commit(repository, "one")
    write_record(tmp_path, record_text("edited"))
    assert read_record(tmp_path) == PlacementRecord.parse(record_text("edited"), WHERE)


def test_without_a_work_tree_record_the_committed_one_is_read(
    tmp_path: Path, repository: git.Repo
) -> None:
    write_record(tmp_path, record_text("committed"))
    commit(repository, "one")
    (tmp_path / "rendered/.hubless/placement.json").unlink()
    assert read_record(tmp_path) == PlacementRecord.parse(record_text("committed"), f"HEAD:{WHERE}")


def test_a_linked_work_tree_record_is_not_read(tmp_path: Path, repository: git.Repo) -> None:
    write_record(tmp_path, record_text("committed"))
    commit(repository, "one")
    elsewhere = tmp_path.parent / (tmp_path.name + "-elsewhere.json")
    elsewhere.write_text(record_text("linked"), encoding="utf-8")
    record = tmp_path / "rendered/.hubless/placement.json"
    record.unlink()
    record.symlink_to(elsewhere)
    assert read_record(tmp_path) == PlacementRecord.parse(record_text("committed"), f"HEAD:{WHERE}")


def test_a_malformed_committed_record_is_named_by_revision(
    tmp_path: Path, repository: git.Repo
) -> None:
    write_record(tmp_path, '{"resources": [{"name": "x"}]}')
    commit(repository, "broken")
    (tmp_path / "rendered/.hubless/placement.json").unlink()
    with pytest.raises(UserError) as caught:
        read_record(tmp_path)
    assert str(caught.value) == (
        f"HEAD:{WHERE}:1: error: malformed placement record; delete it to rebuild"
    )


def test_record_at_reads_any_revision_of_a_repository_in_a_subfolder(
    tmp_path: Path, repository: git.Repo
) -> None:
    fleet = tmp_path / "fleets/prod"
    write_record(fleet, record_text("first"))
    first = commit(repository, "one")
    write_record(fleet, record_text("second"))
    commit(repository, "two")
    assert record_at(fleet, first) == PlacementRecord.parse(record_text("first"), WHERE)
    assert record_at(fleet, "HEAD", "at HEAD") == PlacementRecord.parse(
        record_text("second"), "at HEAD"
    )
    assert record_at(fleet, "HEAD~5") is None  # no such revision: no record


def _read(text: str, reader: Callable[[str], Any]) -> Any:
    try:
        record = reader(text)
    except UserError as exc:
        return str(exc)
    return record.entries, record.previous


def _json_reader(text: str) -> PlacementRecord:
    """The general reader alone, as if no text were laid out as hubless lays it out."""
    with patch("hubless.build.state.record._laid_out", return_value=None):
        return PlacementRecord.parse(text, WHERE)


names = st.sampled_from(["east", "west", 'Q"x', "\u00e9t\u00e9", "a.b-c", "n0"])
entries = st.lists(
    st.tuples(
        st.sampled_from(["ConfigMap", "Deployment", "Service"]),
        st.text(alphabet='ab"\\\n\u00e9', min_size=1, max_size=3),
        st.lists(st.tuples(names, st.integers(min_value=0, max_value=12)), max_size=4),
        st.booleans(),
    ),
    max_size=5,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries,
    st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.sampled_from(
                ["", "\n", ",", "]", "}", "]}", "]},\n", "{", '"clusters": [', " ", "x", "0"]
            ),
        ),
        max_size=2,
    ),
)
def test_a_record_reads_the_same_whether_laid_out_or_not(
    made: list[tuple[str, str, list[tuple[str, int]], bool]], edits: list[tuple[int, str]]
) -> None:
    record = PlacementRecord(
        {
            ResourceKey("", kind, "shop", name): RecordEntry(
                ResourceKey("", kind, "shop", name),
                "PropagationPolicy/shop/p",
                tuple(TargetCluster(n, r) for n, r in clusters),
                required_by=("Deployment.apps/shop/web",) if required else (),
            )
            for kind, name, clusters, required in made
        },
        WHERE,
    )
    text = record.text()
    assert PlacementRecord.parse(text, WHERE) == record
    assert _read(text, lambda t: PlacementRecord.parse(t, WHERE))[1] == record.previous
    for position, insert in edits:  # a hand edit, a merge gone wrong, a cut
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + len(insert) // 2 :]
    assert _read(text, lambda t: PlacementRecord.parse(t, WHERE)) == _read(text, _json_reader)


def test_templates_on_the_same_clusters_share_them() -> None:
    clusters = (TargetCluster("east", 0), TargetCluster("west", 2))
    keys = [ResourceKey("", "ConfigMap", "shop", name) for name in ("a", "b")]
    text = PlacementRecord({k: RecordEntry(k, "p", clusters) for k in keys}).text()
    first, second = PlacementRecord.parse(text, WHERE).entries.values()
    assert first.clusters == clusters and first.clusters is second.clusters
    previous = PlacementRecord.parse(text, WHERE).previous
    assert previous[keys[0]].clusters == {"east": 0, "west": 2}
    assert previous[keys[0]].clusters is not previous[keys[1]].clusters  # each its own map


def test_templates_on_the_same_clusters_are_written_each_in_full() -> None:
    keys = [ResourceKey("", "ConfigMap", "shop", name) for name in ("a", "b")]
    record = PlacementRecord(
        {
            key: RecordEntry(key, "p", (TargetCluster("east", 0), TargetCluster("west", 2)))
            for key in keys
        }
    )
    assert record.text() == (
        '{"apiVersion": "hubless.io/v1alpha1", "resources": [\n'
        '{"group": "", "kind": "ConfigMap", "namespace": "shop", "name": "a", "via": "p", "clusters": [\n'
        '{"name": "east"},\n'
        '{"name": "west", "replicas": 2}\n'
        "]},\n"
        '{"group": "", "kind": "ConfigMap", "namespace": "shop", "name": "b", "via": "p", "clusters": [\n'
        '{"name": "east"},\n'
        '{"name": "west", "replicas": 2}\n'
        "]}\n"
        "]}\n"
    )
