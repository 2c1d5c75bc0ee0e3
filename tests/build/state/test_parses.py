"""The parse cache file (rendered/.hubless/parses): trusted only as hubless wrote it, here,
for this code and parser; never required."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hubless.build.state.parses import parse_cache, read_parses, save_parses
from hubless.build.state.paths import GITIGNORE, GITIGNORE_TEXT, PARSE_CACHE
from hubless.yaml_pieces import PieceCache, read_objects

TEXT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nb: 2\n"


def rendered_dir(tmp_path: Path) -> Path:
    rendered = tmp_path / "rendered"
    (rendered / ".hubless").mkdir(parents=True)
    (rendered / GITIGNORE).write_bytes(GITIGNORE_TEXT)
    return rendered


def saved(rendered: Path, code: str = "code-1") -> dict[str, str]:
    cache = PieceCache()
    read_objects(TEXT, "p.yaml", cache)
    save_parses(rendered, code, cache)
    return cache.used


def parsed_again(rendered: Path, code: str = "code-1") -> int:
    """How many pieces of TEXT a run with the cache under `rendered` has to parse."""
    cache = read_parses(rendered, code)
    read_objects(TEXT, "p.yaml", cache)
    return cache.parsed


def test_what_a_run_used_is_read_back_by_the_next(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    used = saved(rendered)
    cache = read_parses(rendered, "code-1")
    assert [o.data for o in read_objects(TEXT, "p.yaml", cache)] == [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},
        {"b": 2},
    ]
    assert cache.parsed == 0
    assert cache.used == used
    assert not cache.changed()


def test_a_cache_written_by_other_code_is_ignored(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered, "code-1")
    assert (parsed_again(rendered, "code-1"), parsed_again(rendered, "code-2")) == (0, 2)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-10],
        lambda data: data.replace(b'"a"', b'"z"'),
        lambda data: b"",
        lambda data: data.split(b"\n", 1)[1],
    ],
)
def test_a_damaged_cache_is_ignored(tmp_path: Path, damage: object) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    path = rendered / PARSE_CACHE
    stat = path.stat()
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    os.utime(path, ns=(stat.st_mtime_ns, stat.st_mtime_ns))
    assert path.stat().st_ino == stat.st_ino
    assert parsed_again(rendered) == 2


def test_a_copy_of_the_cache_is_not_trusted(tmp_path: Path) -> None:
    # A cache committed to the repository, or copied from another checkout, could stand
    # for sources it was not made from: only the file hubless wrote in place counts.
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    path = rendered / PARSE_CACHE
    assert parsed_again(rendered) == 0
    shutil.copy2(path, tmp_path / "copy")  # same bytes and modification time
    os.replace(tmp_path / "copy", path)
    assert parsed_again(rendered) == 2


def test_a_cache_touched_since_it_was_written_is_not_trusted(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    os.utime(rendered / PARSE_CACHE)
    assert parsed_again(rendered) == 2


def test_nothing_is_written_beside_a_gitignore_that_does_not_list_it(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    (rendered / GITIGNORE).write_bytes(b"hashes\nhashes.tmp\nlock\nshards/\ntxn/\n")
    saved(rendered)
    assert sorted(p.name for p in (rendered / ".hubless").iterdir()) == [".gitignore"]
    (rendered / GITIGNORE).unlink()
    saved(rendered)
    assert list((rendered / ".hubless").iterdir()) == []


def test_an_unchanged_cache_is_not_written_again(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    before = (rendered / PARSE_CACHE).stat()
    cache = read_parses(rendered, "code-1")
    read_objects(TEXT, "p.yaml", cache)
    save_parses(rendered, "code-1", cache)
    after = (rendered / PARSE_CACHE).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_what_a_run_did_not_use_is_dropped(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    cache = read_parses(rendered, "code-1")
    read_objects("c: 3\n", "p.yaml", cache)
    save_parses(rendered, "code-1", cache)
    assert parsed_again(rendered) == 2
    again = read_parses(rendered, "code-1")
    read_objects("c: 3\n", "p.yaml", again)
    assert again.parsed == 0


def test_links_and_odd_files_are_not_read_or_written_through(tmp_path: Path) -> None:
    rendered = rendered_dir(tmp_path)
    saved(rendered)
    elsewhere = tmp_path / "elsewhere"
    (rendered / ".hubless").rename(elsewhere)
    (rendered / ".hubless").symlink_to(elsewhere)
    assert parsed_again(rendered) == 2
    (rendered / ".hubless").unlink()
    (rendered / ".hubless").mkdir()
    (rendered / GITIGNORE).write_bytes(GITIGNORE_TEXT)
    os.mkfifo(rendered / PARSE_CACHE)  # opened without waiting for a writer
    assert parsed_again(rendered) == 2


def test_files_are_read_whole_where_no_cache_can_be_kept(tmp_path: Path) -> None:
    # Reading in pieces costs more than reading whole the first time; it only pays when
    # the pieces are kept for the next run.
    with parse_cache(tmp_path, "code-1") as cache:
        assert cache is None
    rendered_dir(tmp_path)
    with parse_cache(tmp_path, "code-1") as cache:
        assert isinstance(cache, PieceCache)
        read_objects(TEXT, "p.yaml", cache)
    assert parsed_again(tmp_path / "rendered") == 0
