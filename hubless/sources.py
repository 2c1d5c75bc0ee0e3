"""The source files of a fleet repository: every YAML and Jinja2 file under policies/ and
templates/, read as text.

Apart from `hubless.load`, which parses them: a render of unchanged sources needs only
their digests (hubless.build.unchanged), and reading them must not cost the start-up of
the parser, the dialects and Jinja2.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NamedTuple

from hubless.errors import Problems, Source
from hubless.repository import POLICIES_DIR, TEMPLATES_DIR

_YAML_SUFFIXES = (".yaml", ".yml")
_JINJA_SUFFIX = ".j2"


class SourceFile(NamedTuple):
    path: str  # relative to the repository, with '/' separators
    text: str

    @property
    def is_jinja(self) -> bool:
        return self.path.endswith(_JINJA_SUFFIX)


def wanted_source(name: str) -> bool:
    return name.endswith(_YAML_SUFFIXES) or name.endswith(_JINJA_SUFFIX)


def shown(path: str) -> str:
    """`path` as printable text: bytes of a file name that are not UTF-8 become \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind_of(mode: int) -> str:
    return next((name for test, name in _NOT_REGULAR if test(mode)), "not a file")


class _Reader:
    """One walk of policies/ and templates/. Only regular files are opened, and only inside
    the repository: a symbolic link must lead to an existing file or folder in it, outside
    its hidden paths (.git holds a CI runner's credentials). Each folder is read once."""

    def __init__(self, repo: Path) -> None:
        self.root = os.path.realpath(repo)
        self.files: list[SourceFile] = []
        self.problems = Problems()
        self.folders: list[tuple[str, str]] = []  # (path in the repository, real path)
        self.linked: list[tuple[str, str]] = []  # folders reached through a link: last
        self.read_as: dict[str, str] = {}  # real path of a folder -> the path it was read as

    def fail(self, relative: str, message: str) -> None:
        self.problems.add(Source(shown(relative), 1), message)

    def read_all(self) -> list[SourceFile]:
        for top in (POLICIES_DIR, TEMPLATES_DIR):
            path = os.path.join(self.root, top)
            try:
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    self.link(top, path)
                elif stat.S_ISDIR(mode):
                    self.folders.append((top, path))
            except FileNotFoundError:
                continue
            except OSError as exc:
                self.fail(top, f"cannot read: {exc.strerror}")
        # Real folders first, so that a folder read twice is reported at a link to it.
        while self.folders or self.linked:
            relative, real = self.folders.pop() if self.folders else self.linked.pop(0)
            if real in self.read_as:
                self.fail(
                    relative,
                    f"a symbolic link to a folder already read as {shown(self.read_as[real])} "
                    "(a loop, or two ways to the same files)",
                )
                continue
            self.read_as[real] = relative
            self.folder(relative, real)
        self.problems.items.sort(key=lambda problem: problem.source or Source("", 0))
        self.problems.raise_if_any()
        return sorted(self.files, key=lambda f: f.path)

    def folder(self, relative: str, real: str) -> None:
        try:
            with os.scandir(real) as scan:
                entries = list(scan)
        except OSError as exc:
            self.fail(relative, f"cannot read: {exc.strerror}")
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = f"{relative}/{name}"
            try:
                if entry.is_symlink():
                    self.link(path, entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    self.folders.append((path, entry.path))
                elif not wanted_source(name):
                    continue
                elif entry.is_file(follow_symlinks=False):
                    self.read(path, entry.path)
                else:  # from the directory entry (lstat): a FIFO is never opened
                    kind = _kind_of(entry.stat(follow_symlinks=False).st_mode)
                    self.fail(path, f"not a regular file ({kind})")
            except OSError as exc:
                self.fail(path, f"cannot read: {exc.strerror}")

    def link(self, relative: str, path: str) -> None:
        try:
            target = os.path.realpath(path, strict=True)
        except FileNotFoundError:
            self.fail(
                relative,
                f"a dangling symbolic link (to {shown(os.readlink(path))}, which does not exist)",
            )
            return
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            self.fail(relative, "a symbolic link loop")
            return
        if os.path.commonpath([self.root, target]) != self.root:
            self.fail(relative, f"a symbolic link out of the repository (to {shown(target)})")
            return
        inner = os.path.relpath(target, self.root)
        if target != self.root and any(p.startswith(".") for p in inner.split(os.sep)):
            self.fail(
                relative,
                f"a symbolic link into {shown(inner)}, a hidden path hubless does not read",
            )
            return
        mode = os.stat(target).st_mode  # no open: a FIFO is refused, not waited on
        if stat.S_ISDIR(mode):
            self.linked.append((relative, target))
        elif not wanted_source(relative):
            return
        elif stat.S_ISREG(mode):
            self.read(relative, target)
        else:
            self.fail(relative, f"not a regular file ({_kind_of(mode)})")

    def read(self, relative: str, path: str) -> None:
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(relative, "the file name is not UTF-8 text")
            return
        # O_NONBLOCK: should the file have become a FIFO since it was looked at, opening it
        # does not wait for a writer, and fstat tells.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(descriptor, encoding="utf-8") as file:
            mode = os.fstat(descriptor).st_mode
            if not stat.S_ISREG(mode):
                self.fail(relative, f"not a regular file ({_kind_of(mode)})")
                return
            try:
                text = file.read()
            except UnicodeDecodeError as exc:
                self.fail(relative, f"not UTF-8 text: {exc}")
                return
        self.files.append(SourceFile(relative, text))


def read_sources(repo: Path) -> list[SourceFile]:
    """Every YAML and Jinja2 file under policies/ and templates/, in path order.

    Refused, each as an error at the file: a symbolic link that leads out of the
    repository, into a hidden path, nowhere, or round in a loop; a file that is not a
    regular file (a FIFO, a socket, a device); a file name that is not UTF-8; a file or
    folder that cannot be read.
    """
    return _Reader(repo).read_all()
