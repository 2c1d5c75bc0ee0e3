"""The render lock: one render of a repository at a time, and no trace of a failed first one."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import Connection
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


def _hold(root: Path, holding: Connection, release: Connection) -> None:
    """In another process: take the lock, say so, hold it until told to let go."""
    with locked(root, never):
        holding.send("first holds")
        release.recv()
        holding.send("first releases")


def test_a_second_holder_waits_and_is_told_once(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    root.mkdir()
    context = mp.get_context("fork")
    holding_out, holding_in = context.Pipe(duplex=False)
    release_out, release_in = context.Pipe(duplex=False)
    first = context.Process(target=_hold, args=(root, holding_in, release_out))
    first.start()
    events = [holding_out.recv()]

    def on_wait() -> None:
        events.append("second waits")
        release_in.send("go")  # only now may the first let go: the second blocks until then

    with locked(root, on_wait):
        events.append(holding_out.recv())
        events.append("second holds")
    first.join()
    assert first.exitcode == 0
    assert events == ["first holds", "second waits", "first releases", "second holds"]


def _hold_and_fork(root: Path, report: Connection) -> None:
    """In another process: take the lock, fork a child that inherits its descriptor and
    lives on, report the child's pid, then wait to be killed."""
    with locked(root, never):
        child = mp.get_context("fork").Process(target=time.sleep, args=(60,))
        child.start()
        report.send(child.pid)
        time.sleep(60)


def test_a_killed_holders_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    """A render killed while its forked worker still runs: the worker inherited the lock's
    descriptor, but not the lock, so the next render does not wait for it."""
    root = tmp_path / "rendered"
    root.mkdir()
    context = mp.get_context("fork")
    report_out, report_in = context.Pipe(duplex=False)
    holder = context.Process(target=_hold_and_fork, args=(root, report_in))
    holder.start()
    child = report_out.recv()
    os.kill(holder.pid or 0, signal.SIGKILL)  # no unlock, no cleanup: as SIGKILL does
    holder.join()
    try:
        with locked(root, never):  # `never` fails the test if this had to wait
            pass
    finally:
        os.kill(child, signal.SIGKILL)


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
