"""RolloutPolicy objects in policies/: read into the model, checked with file:line, and
without effect on what render writes (the rollout itself is not wired into render yet)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from hubless.cli import cli
from hubless.errors import Source, UserError
from hubless.load import load_fleet, read_sources
from hubless.model import (
    ClusterAffinity,
    LabelSelector,
    MaxConcurrency,
    ResourceSelector,
    RolloutGates,
    RolloutPolicy,
    Wave,
)
from tests.conftest import write_tree
from tests.rollout.fleet import ROLLOUT, make

WHERE = "policies/rollout.yaml"


def render(repo: Path) -> tuple[int, str]:
    """`hubless render --no-validate` in `repo`: its exit code and what it said on stderr
    (a UserError printed as hubless's main prints it)."""
    result = CliRunner().invoke(cli, ["render", "--repo", str(repo), "--no-validate"])
    if isinstance(result.exception, UserError):
        return 1, result.stderr + "".join(f"{p}\n" for p in result.exception.problems)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stderr


def tree(repo: Path) -> dict[str, bytes]:
    """rendered/ without the manifest (which records the digests of the sources read)."""
    root = repo / "rendered"
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "lock", "hashes", "parses")
    }


def test_a_rollout_policy_is_read_whole_and_changes_nothing_a_render_writes(
    tmp_path: Path,
) -> None:
    repo = make(tmp_path / "with")
    plain = make(tmp_path / "without", rollout=None)
    assert render(repo) == (0, "")
    assert render(plain) == (0, "")
    assert tree(repo) == tree(plain)
    assert load_fleet(read_sources(repo)).rollout_policies == (
        RolloutPolicy(
            name="web",
            source=Source(WHERE, 1),
            resource_selectors=(ResourceSelector("apps/v1", "Deployment", "shop", "web"),),
            waves=(
                Wave("canary", Source(WHERE, 8), ClusterAffinity(cluster_names=("edge-1",))),
                Wave(
                    "eu",
                    Source(WHERE, 10),
                    ClusterAffinity(label_selector=LabelSelector((("region", "eu"),))),
                    MaxConcurrency(50, percent=True),
                ),
                Wave("rest", Source(WHERE, 13)),
            ),
            gates=RolloutGates(soak=timedelta(minutes=30), approval="manual", healthy=True),
        ),
    )


def test_the_gates_default_to_checking_nothing(tmp_path: Path) -> None:
    repo = make(tmp_path, rollout=ROLLOUT.split("  gates:")[0])
    (policy,) = load_fleet(read_sources(repo)).rollout_policies
    assert policy.gates == RolloutGates(soak=None, approval="auto", healthy=False)


def _error(line: int, message: str) -> str:
    return f"{WHERE}:{line}: error: {message}\n"


MISTAKES = {
    "an unknown field": (
        ("    clusters: {clusterNames: [edge-1]}", "    cluster: {clusterNames: [edge-1]}"),
        _error(
            9,
            "spec.waves[0].cluster: unknown field (did you mean 'clusters'?); known fields: "
            "clusters, maxConcurrency, name",
        ),
    ),
    "an unknown field of clusters": (
        ("{clusterNames: [edge-1]}", "{names: [edge-1]}"),
        _error(
            9,
            "spec.waves[0].clusters.names: unknown field; known fields: clusterNames, exclude, "
            "fieldSelector, labelSelector",
        ),
    ),
    "maxConcurrency 0": (
        ("maxConcurrency: 50%", "maxConcurrency: 0"),
        _error(
            12,
            "spec.waves[1].maxConcurrency: must be a number of clusters (1 or more) or a "
            "percentage from 1% to 100%, not 0",
        ),
    ),
    "maxConcurrency 0%": (
        ("maxConcurrency: 50%", "maxConcurrency: 0%"),
        _error(
            12,
            "spec.waves[1].maxConcurrency: must be a number of clusters (1 or more) or a "
            "percentage from 1% to 100%, not '0%'",
        ),
    ),
    "maxConcurrency over 100%": (
        ("maxConcurrency: 50%", "maxConcurrency: 101%"),
        _error(
            12,
            "spec.waves[1].maxConcurrency: must be a number of clusters (1 or more) or a "
            "percentage from 1% to 100%, not '101%'",
        ),
    ),
    "maxConcurrency a fraction": (
        ("maxConcurrency: 50%", "maxConcurrency: 12.5%"),
        _error(
            12,
            "spec.waves[1].maxConcurrency: must be a number of clusters (1 or more) or a "
            "percentage from 1% to 100%, not '12.5%'",
        ),
    ),
    "maxConcurrency a list": (
        ("maxConcurrency: 50%", "maxConcurrency: [1]"),
        _error(12, "spec.waves[1].maxConcurrency: must be an integer or a string, not a list"),
    ),
    "a wave named twice": (
        ("  - name: rest", "  - name: canary"),
        _error(
            13, "spec.waves[2].name: wave 'canary' is named twice (also at policies/rollout.yaml:8)"
        ),
    ),
    "a soak that is no duration": (
        ("soak: 30m", "soak: 30 minutes"),
        _error(
            15,
            "spec.gates.soak: '30 minutes' is not a duration like 90s, 30m, 2h, 1d or 1h30m",
        ),
    ),
    "an approval of neither kind": (
        ("approval: manual", "approval: always"),
        _error(16, "spec.gates.approval: 'always' is not one of 'manual', 'auto'"),
    ),
    "healthy not a boolean": (
        ("healthy: true", "healthy: yes please"),
        _error(17, "spec.gates.healthy: must be a boolean, not a string"),
    ),
    "no waves": (
        ("  waves:", "  waves: []\n  old:"),
        _error(8, "spec.old: unknown field; known fields: gates, resourceSelectors, waves")
        + _error(7, "spec.waves: [] should be non-empty"),
    ),
    "a namespace": (
        ("metadata: {name: web}", "metadata: {name: web, namespace: shop}"),
        _error(3, "metadata.namespace: a RolloutPolicy is cluster-scoped"),
    ),
    "clusters in no wave": (
        ("  - name: rest\n", ""),
        _error(
            1,
            "RolloutPolicy/web: clusters us-1, us-2 are in no wave; add a last wave without "
            "clusters to take every cluster the others leave",
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_mistakes_are_errors_at_their_line(tmp_path: Path, case: str) -> None:
    (old, new), expected = MISTAKES[case]
    assert old in ROLLOUT
    repo = make(tmp_path, rollout=ROLLOUT.replace(old, new))
    assert render(repo) == (1, expected)
    assert not (repo / "rendered").exists()


def test_an_object_two_rollout_policies_select_is_an_error_naming_both(tmp_path: Path) -> None:
    repo = make(tmp_path)
    second = ROLLOUT.replace("{name: web}", "{name: web-2}").replace(", name: web}", "}")
    write_tree(repo, {"policies/more/rollout.yaml": second})
    assert render(repo) == (
        1,
        "policies/more/rollout.yaml:1: error: Deployment.apps/shop/web is selected by both "
        "RolloutPolicy/web (policies/rollout.yaml:1) and RolloutPolicy/web-2: an object follows "
        "one rollout\n",
    )


def test_a_rollout_policy_defined_twice_is_an_error(tmp_path: Path) -> None:
    repo = make(tmp_path)
    write_tree(repo, {"policies/copy.yaml": ROLLOUT})
    assert render(repo) == (
        1,
        "policies/rollout.yaml:1: error: RolloutPolicy/web is defined twice (also at "
        "policies/copy.yaml:1)\n",
    )


def test_a_wave_that_selects_no_cluster_is_a_warning(tmp_path: Path) -> None:
    apac = "  - name: apac\n    clusters: {labelSelector: {matchLabels: {region: apac}}}\n"
    # `late` names a cluster the canary wave took already
    late = "  - name: late\n    clusters: {clusterNames: [edge-1]}\n"
    text = ROLLOUT.replace("  - name: rest\n", apac + late + "  - name: rest\n")
    repo = make(tmp_path, rollout=text)
    assert render(repo) == (
        0,
        "policies/rollout.yaml:13: warning: wave 'apac' of RolloutPolicy/web selects no cluster "
        "(none matches, or earlier waves took them all)\n"
        "policies/rollout.yaml:15: warning: wave 'late' of RolloutPolicy/web selects no cluster "
        "(none matches, or earlier waves took them all)\n",
    )
    shutil.rmtree(repo / "rendered")
    plain = make(tmp_path / "plain", rollout=None)
    render(plain)
    render(repo)
    assert tree(repo) == tree(plain)
