"""A render runs the rollouts: a change to what a RolloutPolicy selects reaches the first
wave at once and waits on every other cluster, with the objects it needs; objects no
RolloutPolicy selects flow at once. Each rendered/ is compared whole with full renders of
the right sources."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_tree
from tests.rollout.fleet import (
    HELD,
    PROPAGATION,
    commit,
    files,
    folders,
    full_render,
    git,
    hubless,
    make,
    mixed,
    state,
)

BASE_DATE = "2026-03-01T09:00:00Z"
ALL = {"edge-1", "eu-a", "eu-b", "eu-c", "us-1", "us-2"}


def based(repo: Path) -> str:
    """A fleet repository whose render of the default sources is committed."""
    make(repo)
    git(repo, "init", "-q")
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    return commit(repo, "fleet", BASE_DATE)


def test_a_change_reaches_the_first_wave_and_waits_elsewhere(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    base = based(repo)
    write_tree(repo, files(tag="1.26"))
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    assert folders(repo) == mixed(tmp_path, {"tag": "1.26"}, {}, {"edge-1"})
    assert state(repo)["rollouts"] == [
        {
            "name": "web",
            "baseRevision": base,
            "targetDigest": state(repo)["rollouts"][0]["targetDigest"],
            "promoted": [{"wave": "canary", "batches": 1, "clusters": ["edge-1"]}],
        }
    ]
    held = [line for line in result.output.splitlines() if line.startswith("held: ")]
    assert held == [
        "held: rendered/eu-a/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave 'eu' not promoted)",
        "held: rendered/eu-b/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave 'eu' not promoted)",
        "held: rendered/eu-c/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave 'eu' not promoted)",
        "held: rendered/us-1/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave 'rest' not promoted)",
        "held: rendered/us-2/shop/deployment.apps_web.yaml (RolloutPolicy/web, wave 'rest' not promoted)",
    ]
    # The state is committed with the wave: a checkout, `render --check` and CI agree.
    commit(repo, "tag 1.26", "2026-03-01T10:00:00Z")
    again = hubless(repo, "render")
    assert again.exit_code == 0 and "rendered: nothing changed" in again.output
    check = hubless(repo, "render", "--check")
    assert check.exit_code == 0, check.output
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert hubless(clone, "render", "--check").exit_code == 0


def test_a_held_deployment_holds_the_configmap_it_needs(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    based(repo)
    write_tree(repo, files(tag="1.26", greeting="hi"))
    assert hubless(repo, "render").exit_code == 0
    assert folders(repo) == mixed(tmp_path, {"tag": "1.26", "greeting": "hi"}, {}, {"edge-1"})


def test_objects_no_rollout_selects_flow_at_once(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    based(repo)
    write_tree(repo, files(other="2"))
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    assert folders(repo) == full_render(tmp_path / "expected", other="2")
    assert state(repo) is None


def test_a_first_render_delivers_everything(tmp_path: Path) -> None:
    repo = tmp_path / "fleet"
    make(repo, tag="1.26")
    git(repo, "init", "-q")
    assert hubless(repo, "render").exit_code == 0
    assert folders(repo) == full_render(tmp_path / "expected", tag="1.26")
    assert state(repo) is None


def _placed_except(cluster: str) -> str:
    return PROPAGATION.replace(
        "placement: {}", f"placement: {{clusterAffinity: {{exclude: [{cluster}]}}}}"
    )


def test_a_placement_and_a_removal_wait_for_their_wave(tmp_path: Path) -> None:
    # web leaves us-1 and comes to us-2, both of the last wave: us-1 keeps it (and the
    # ConfigMap it reads), us-2 does not get it yet; ConfigMap other moves at once.
    repo = tmp_path / "fleet"
    make(repo)
    write_tree(repo, {"policies/web.yaml": _placed_except("us-2")})
    git(repo, "init", "-q")
    assert hubless(repo, "render").exit_code == 0
    before = folders(repo)
    commit(repo, "fleet", BASE_DATE)
    write_tree(repo, {"policies/web.yaml": _placed_except("us-1")})
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    full = tmp_path / "expected"
    make(full, rollout=None)
    write_tree(full, {"policies/web.yaml": _placed_except("us-1")})
    assert hubless(full, "render").exit_code == 0
    after = folders(full)
    expected = {p: c for p, c in after.items() if not (p.startswith("us-2/") and p.endswith(HELD))}
    expected.update({p: c for p, c in before.items() if p.startswith("us-1/") and p.endswith(HELD)})
    assert folders(repo) == expected
    assert "us-1/shop/deployment.apps_web.yaml" in expected
    assert "us-2/shop/deployment.apps_web.yaml" not in expected
    assert state(repo)["rollouts"][0]["promoted"] == [
        {"wave": "canary", "batches": 1, "clusters": ["edge-1"]}
    ]
