#!/usr/bin/env python3
"""Create .venv next to this repository's pyproject.toml and install hubless into it.

Needs only python3 (3.11 or newer): Debian and Ubuntu refuse `pip install` into the system
Python (PEP 668), and their python3 has no ensurepip unless python3-venv is installed. So
the virtual environment is made with the standard library's venv module, and when ensurepip
is missing, pip's own wheel is fetched from the package index (PIP_INDEX_URL, default PyPI),
checked against the index's sha256 and run from the wheel to install itself, as pip's
documentation describes.

    python3 tools/install.py          # hubless alone: .venv/bin/hubless
    python3 tools/install.py dev      # with the test and lint tools: .venv/bin/python -m pytest
"""

from __future__ import annotations

import hashlib
import html.parser
import os
import re
import ssl
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
DEFAULT_INDEX = "https://pypi.org/simple"
_PIP_WHEEL = re.compile(r"pip-(\d+(?:\.\d+)*)-py3-none-any\.whl")


class _Links(html.parser.HTMLParser):
    """The href of every anchor of a PEP 503 simple index page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def newest_pip_wheel(page: str, page_url: str) -> tuple[str, str | None]:
    """(URL, sha256 or None) of the newest final pip release's wheel on a simple index page."""
    links = _Links()
    links.feed(page)
    found: list[tuple[tuple[int, ...], str, str | None]] = []
    for href in links.hrefs:
        url = urllib.parse.urljoin(page_url, href)
        path, _, fragment = url.partition("#")
        match = _PIP_WHEEL.fullmatch(path.rsplit("/", 1)[-1])
        if match is None:
            continue
        version = tuple(int(part) for part in match.group(1).split("."))
        digest = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
        found.append((version, path, digest))
    if not found:
        raise SystemExit(f"error: no pip wheel listed at {page_url}")
    _, url, digest = max(found)
    return url, digest


def _fetch(url: str) -> bytes:
    # PIP_CERT is the CA bundle pip is told to trust; the fetch of pip itself trusts it too.
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
    try:
        with urllib.request.urlopen(url, timeout=120, context=context) as response:
            data: bytes = response.read()
            return data
    except OSError as error:
        raise SystemExit(
            f"error: cannot fetch {url}: {error}\n"
            "(install python3-venv, or make the package index reachable: PIP_INDEX_URL, "
            "PIP_CERT)"
        ) from None


def _install_pip(python: Path) -> None:
    index = os.environ.get("PIP_INDEX_URL", DEFAULT_INDEX).rstrip("/")
    page_url = f"{index}/pip/"
    print(f"ensurepip is not available: fetching pip from {page_url}", file=sys.stderr)
    url, digest = newest_pip_wheel(_fetch(page_url).decode("utf-8"), page_url)
    wheel = _fetch(url)
    if digest is not None and hashlib.sha256(wheel).hexdigest() != digest:
        raise SystemExit(f"error: {url} does not match the index's sha256")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / url.rsplit("/", 1)[-1]
        path.write_bytes(wheel)
        # A pip wheel runs from inside itself (pip's documented bootstrap).
        subprocess.run([python, f"{path}/pip", "install", "--quiet", str(path)], check=True)


def _has_ensurepip() -> bool:
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    # Debian ships a stub ensurepip without the bundled wheels.
    bundled = Path(sys.modules["ensurepip"].__file__ or "").parent / "_bundled"
    return bundled.is_dir() and any(bundled.glob("pip-*.whl"))


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by whatever python3 the machine has)
        print("error: hubless needs Python 3.11 or newer", file=sys.stderr)
        return 1
    extras = argv[:1]
    if extras and extras[0] not in ("dev", "test"):
        print(f"usage: {sys.argv[0]} [dev|test]", file=sys.stderr)
        return 2
    python = VENV / "bin" / "python"
    if not (python.exists() and _runs(python, "-m", "pip", "--version")):
        with_pip = _has_ensurepip()
        venv.EnvBuilder(with_pip=with_pip, clear=True).create(VENV)
        if not with_pip:
            _install_pip(python)
    target = f"{ROOT}[{extras[0]}]" if extras else str(ROOT)
    # pip's output (build back-end chatter included) only matters when it fails.
    done = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-e", target],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout)
        print(f"error: pip could not install {target} into {VENV}", file=sys.stderr)
        return 1
    print(f"installed hubless into {VENV}", file=sys.stderr)
    return 0


def _runs(python: Path, *args: str) -> bool:
    return subprocess.run([python, *args], capture_output=True).returncode == 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
