"""The render lock: one render of a repository at a time, and no trace of a failed first one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hubless.build.state.lock import locked
from hubless.errors import UserError


def never() -> None:
    raise AssertionError("waited for a lock nobody held")


def test_the_lock_file_is_kept_in_an_existing_rendered(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    root.mkdir()
    with locked(root, never):
        assert (root / ".hubless/lock").is_file()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        ".hubless",
        ".hubless/lock",
    ]


def test_a_first_render_that_wrote_nothing_leaves_no_trace(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    with pytest.raises(RuntimeError), locked(root, never):
        assert (root / ".hubless/lock").is_file()
        raise RuntimeError("the render failed")
    assert list(tmp_path.iterdir()) == []


def test_a_first_render_keeps_what_it_wrote(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    with locked(root, never):
        (root / "east").mkdir()
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == [
        ".hubless",
        ".hubless/lock",
        "east",
    ]


def test_a_second_holder_waits_and_is_told_once(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    root.mkdir()
    holding = threading.Event()
    release = threading.Event()
    events: list[str] = []

    def hold() -> None:
        with locked(root, never):
            events.append("first holds")
            holding.set()
            release.wait()
            events.append("first releases")

    def on_wait() -> None:
        events.append("second waits")
        release.set()  # only now may the first let go: the second must block until then

    first = threading.Thread(target=hold)
    first.start()
    holding.wait()
    with locked(root, on_wait):
        events.append("second holds")
    release.set()  # (already set, unless the second never waited)
    first.join()
    assert events == ["first holds", "second waits", "first releases", "second holds"]


def test_a_free_lock_is_taken_again_without_waiting(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    with locked(root, never):
        (root / "east").mkdir()
    with locked(root, never):
        pass


def test_a_linked_lock_file_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    root = tmp_path / "rendered"
    (root / ".hubless").mkdir(parents=True)
    (root / ".hubless/lock").symlink_to(outside)
    with locked(root, never):
        pass
    assert outside.read_text() == "keep me\n"
    assert (root / ".hubless/lock").is_file() and not (root / ".hubless/lock").is_symlink()


def test_a_linked_meta_folder_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "rendered"
    root.mkdir()
    (root / ".hubless").symlink_to(outside, target_is_directory=True)
    with locked(root, never):
        pass
    assert list(outside.iterdir()) == []
    assert (root / ".hubless").is_dir() and not (root / ".hubless").is_symlink()


@pytest.mark.parametrize("kind", ["link", "file"])
def test_rendered_must_be_a_plain_directory(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "rendered"
    if kind == "link":
        (tmp_path / "elsewhere").mkdir()
        root.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    else:
        root.write_text("not a folder\n")
    with pytest.raises(UserError) as caught, locked(root, never):
        pass
    assert str(caught.value) == f"error: {root} must be a plain directory"
