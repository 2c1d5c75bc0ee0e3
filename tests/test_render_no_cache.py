"""`render --no-cache`: everything compiled and compared, nothing the committed manifest
says taken on trust.

The manifest is committed beside the output, so a change can carry one that misstates what
rendered/ was made from; a trusting render takes its word (that is what makes it fast).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from hubless.build.state.hashes import disk_digest
from hubless.commands import render as command
from tests.conftest import run_hubless, write_tree
from tests.test_render import base_files

# The test fleet's clusters carry no Kubernetes version: one for all, so that a render says
# nothing but what these tests are about.
render = functools.partial(command.render, kube_version_default="1.31")
MANIFEST = "rendered/.hubless/manifest.json"
DEPLOYMENT = "rendered/east/shop/deployment.apps_web.yaml"
VERSION = "--kube-version-default"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write_tree(tmp_path, base_files())
    assert render(tmp_path, check=False) == 0
    return tmp_path


def _forge(repo: Path, **claims: object) -> None:
    """Rewrite the manifest's fields, as a commit can."""
    path = repo / MANIFEST
    data = json.loads(path.read_text())
    data.update(claims)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _said(capsys: pytest.CaptureFixture[str]) -> tuple[list[str], list[str]]:
    out, err = capsys.readouterr()
    return out.splitlines(), err.splitlines()


def test_an_edited_file_behind_a_forged_manifest_fails_only_the_check_without_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (repo / DEPLOYMENT).read_bytes()
    (repo / DEPLOYMENT).write_bytes(original.replace(b"web:1.0", b"evil:6.6"))
    # The manifest now claims the edited output is what these sources make.
    _forge(repo, output=disk_digest(repo / "rendered"))
    capsys.readouterr()

    assert render(repo, check=True) == 0  # a trusting check takes the manifest's word
    assert _said(capsys) == (["rendered/ is up to date"], [])

    assert render(repo, check=True, no_cache=True) == 1
    assert _said(capsys) == (
        [f"stale: {MANIFEST}", f"stale: {DEPLOYMENT}"],
        ["rendered/ is out of date: run `hubless render --no-cache`"],
    )

    assert render(repo, check=False) == 0  # a trusting render finds nothing to do
    assert (repo / DEPLOYMENT).read_bytes() != original
    assert render(repo, check=False, no_cache=True) == 0
    assert (repo / DEPLOYMENT).read_bytes() == original
    capsys.readouterr()
    assert render(repo, check=True, no_cache=True) == 0
    assert _said(capsys) == (["rendered/ is up to date"], [])


def test_a_manifest_claiming_other_digests_fails_the_check_without_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every file is as these sources make it; only the claims about a cluster differ,
    # which a later render would take to keep that cluster's files when they must change.
    data = json.loads((repo / MANIFEST).read_text())
    honest = (repo / MANIFEST).read_bytes()
    _forge(repo, clusters={**data["clusters"], "east": "0" * 64})
    capsys.readouterr()

    assert render(repo, check=True, no_cache=True) == 1
    assert _said(capsys) == (
        [f"stale: {MANIFEST}"],
        ["rendered/ is out of date: run `hubless render --no-cache`"],
    )
    assert render(repo, check=False, no_cache=True) == 0
    assert (repo / MANIFEST).read_bytes() == honest


def test_a_manifest_of_another_hubless_is_only_out_of_date(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No render trusts a manifest of other code, so it misleads none: a note, as without
    # --no-cache.
    _forge(repo, code="0" * 64, clusters={"east": "0" * 64})
    capsys.readouterr()

    assert render(repo, check=True, no_cache=True) == 0
    assert _said(capsys) == (
        ["rendered/ is up to date"],
        [
            f"note: {MANIFEST} is out of date (a cache of what rendered/ was made from): "
            "the next `hubless render` rewrites it"
        ],
    )


def test_only_the_warnings_of_a_manifest_may_differ(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # They follow the options a render was given, and are printed from the compile.
    _forge(repo, warnings={"validatedWith": "1.29"})
    capsys.readouterr()

    assert render(repo, check=True, no_cache=True) == 0
    out, err = _said(capsys)
    assert out == ["rendered/ is up to date"]
    assert err[-1].startswith(f"note: {MANIFEST} is out of date")


def test_without_cache_no_parsed_yaml_is_reused(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import hubless.build.plan

    def refused(*_: object) -> None:
        raise AssertionError("the parse cache was opened")

    monkeypatch.setattr(hubless.build.plan, "parse_cache", refused)
    template = repo / "templates/web/configmap.yaml"
    template.write_text(template.read_text().replace('mode: "on"', 'mode: "off"'))
    capsys.readouterr()

    assert render(repo, check=False, no_cache=True) == 0
    # Each cluster's Namespace, and the ConfigMap and Deployment on east and west; the two
    # ConfigMaps and the manifest change.
    assert _said(capsys)[0] == [
        "rendered 4 clusters, 8 objects: 0 files added, 3 changed, 0 removed"
    ]


def test_the_command_line(repo: Path) -> None:
    (repo / DEPLOYMENT).write_text("tampered: true\n")
    _forge(repo, output=disk_digest(repo / "rendered"))

    checked = run_hubless("render", "--check", "--no-cache", VERSION, "1.31", cwd=repo)

    assert (checked.returncode, checked.stdout.splitlines()) == (
        1,
        [f"stale: {MANIFEST}", f"stale: {DEPLOYMENT}"],
    )
    assert checked.stderr == "rendered/ is out of date: run `hubless render --no-cache`\n"
