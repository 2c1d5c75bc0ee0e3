"""tools/install.py: the quick start's installer, which needs nothing but python3."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _installer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install", ROOT / "tools" / "install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A PEP 503 page as PyPI serves it: relative and absolute links, sdists, pre-releases.
PAGE = """<!DOCTYPE html><html><body>
<a href="../../packages/aa/pip-9.0.3-py2.py3-none-any.whl#sha256=11">pip-9.0.3-py2.py3-none-any.whl</a>
<a href="../../packages/bb/pip-24.0-py3-none-any.whl#sha256=22">pip-24.0-py3-none-any.whl</a>
<a href="../../packages/cc/pip-24.10.1.tar.gz#sha256=33">pip-24.10.1.tar.gz</a>
<a href="https://files.example/pip-24.9-py3-none-any.whl#sha256=44" data-requires-python="&gt;=3.8">x</a>
<a href="../../packages/dd/pip-25.0b1-py3-none-any.whl#sha256=55">pip-25.0b1-py3-none-any.whl</a>
<a href="../../packages/ee/pip-24.10-py3-none-any.whl">pip-24.10-py3-none-any.whl</a>
</body></html>"""


def test_the_newest_final_wheel_is_taken_with_its_url_resolved() -> None:
    url, digest = _installer().newest_pip_wheel(PAGE, "https://index.example/simple/pip/")
    # 24.10 > 24.9 > 24.0 as versions, not as strings; the sdist and the beta are not wheels
    # pip can run from.
    assert url == "https://index.example/packages/ee/pip-24.10-py3-none-any.whl"
    assert digest is None


def test_the_index_sha256_comes_with_the_url() -> None:
    page = PAGE.replace('<a href="../../packages/ee/pip-24.10-py3-none-any.whl">', "")
    url, digest = _installer().newest_pip_wheel(page, "https://index.example/simple/pip/")
    assert (url, digest) == ("https://files.example/pip-24.9-py3-none-any.whl", "44")


def test_a_page_without_a_pip_wheel_is_an_error() -> None:
    with pytest.raises(SystemExit, match=r"no pip wheel listed at https://index\.example/pip/"):
        _installer().newest_pip_wheel(
            "<a href='pip-1.0.tar.gz'>x</a>", "https://index.example/pip/"
        )
