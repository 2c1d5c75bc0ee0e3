"""Sources read from a git revision follow the work tree's rules, symbolic links included."""

from __future__ import annotations

import os
from pathlib import Path

import git
import pytest

from hubless.errors import UserError
from hubless.git import sources_at
from hubless.load import read_sources
from tests.conftest import write_tree

CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: real, namespace: default}\n"


def committed(root: Path, links: dict[str, str]) -> git.Repo:
    """A repository (its fleet in `fleet/`) with the real files and `links`, committed."""
    repository = git.Repo.init(root)
    fleet = root / "fleet"
    write_tree(fleet, {"templates/real.yaml": CONFIG, "shared/more/extra.yaml": CONFIG})
    (root / "outside.yaml").write_text(CONFIG)
    for link, target in links.items():
        path = fleet / link
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    repository.git.add("--all")
    repository.git.commit("-m", "fleet", "--no-verify")
    return repository


def test_links_inside_the_repository_read_as_in_the_work_tree(tmp_path: Path) -> None:
    committed(tmp_path, {"templates/alias.yaml": "real.yaml", "templates/more": "../shared/more"})
    fleet = tmp_path / "fleet"
    found = sources_at(fleet, "HEAD")
    assert [(f.path, f.text) for f in found] == [
        ("templates/alias.yaml", CONFIG),
        ("templates/more/extra.yaml", CONFIG),
        ("templates/real.yaml", CONFIG),
    ]
    assert found == read_sources(fleet)


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (
            {"templates/ext.yaml": "../../outside.yaml"},
            "HEAD:templates/ext.yaml:1: error: a symbolic link out of the repository "
            "(to '../../outside.yaml')",
        ),
        (
            {"templates/abs.yaml": "/etc/passwd"},
            "HEAD:templates/abs.yaml:1: error: a symbolic link out of the repository "
            "(to '/etc/passwd')",
        ),
        (
            {"templates/gone.yaml": "nothing.yaml"},
            "HEAD:templates/gone.yaml:1: error: a dangling symbolic link (to 'nothing.yaml', "
            "which does not exist)",
        ),
        (
            {"templates/a.yaml": "b.yaml", "templates/b.yaml": "a.yaml"},
            "HEAD:templates/a.yaml:1: error: a symbolic link loop",
        ),
        (
            {"templates/hidden.yaml": "../.secrets/token.yaml"},
            "HEAD:templates/hidden.yaml:1: error: a symbolic link into '../.secrets/token.yaml', "
            "a hidden path hubless does not read",
        ),
        (
            {"templates/again": "."},
            "HEAD:templates/again:1: error: a symbolic link to a folder already read (a loop, "
            "or two ways to the same files)",
        ),
    ],
)
def test_links_the_work_tree_refuses_are_refused_at_a_revision(
    tmp_path: Path, links: dict[str, str], message: str
) -> None:
    if any("secrets" in target for target in links.values()):
        write_tree(tmp_path / "fleet", {".secrets/token.yaml": CONFIG})
    committed(tmp_path, links)
    with pytest.raises(UserError) as raised:
        sources_at(tmp_path / "fleet", "HEAD")
    assert [str(p) for p in raised.value.problems] == [message]
