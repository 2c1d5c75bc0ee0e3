"""The rollout plan: waves, batches and the objects a rollout carries, from a compiled
fleet (compiled as `hubless render` compiles it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubless.build.plan import compile_repo
from hubless.model import MaxConcurrency, ResourceKey
from hubless.rollout.plan import (
    RolloutObjects,
    batch_size,
    plan_rollout,
    rollout_objects,
    target_digest,
)
from tests.rollout.fleet import ROLLOUT, make

DEPLOYMENT = ResourceKey("apps", "Deployment", "shop", "web")
WEB_CONFIG = ResourceKey("", "ConfigMap", "shop", "web-config")


@pytest.mark.parametrize(
    ("written", "total", "size"),
    [
        # OCM's TestCalculateRolloutSize, over 100 clusters: a number as it is, a percentage
        # of the total rounded up, 0 or more than the total is the whole
        (MaxConcurrency(50), 100, 50),
        (MaxConcurrency(30, percent=True), 100, 30),
        (MaxConcurrency(0), 100, 100),
        (MaxConcurrency(101), 100, 100),
        (MaxConcurrency(200, percent=True), 100, 100),
        # rounded up, in exact arithmetic (7% of 100 is 7, not the 8 of a float product)
        (MaxConcurrency(7, percent=True), 100, 7),
        (MaxConcurrency(50, percent=True), 3, 2),
        (MaxConcurrency(1, percent=True), 3, 1),
        (MaxConcurrency(100, percent=True), 3, 3),
        (MaxConcurrency(34, percent=True), 3, 2),
        (MaxConcurrency(33, percent=True), 3, 1),
        (None, 5, 5),
    ],
)
def test_batch_size(written: MaxConcurrency | None, total: int, size: int) -> None:
    assert batch_size(written, total) == size


def _plan(repo: Path) -> list[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]]:
    compilation = compile_repo(repo)
    (policy,) = compilation.fleet.rollout_policies
    plan = plan_rollout(policy, compilation.fleet.clusters)
    assert plan.unassigned == ()
    return [(w.wave.name, w.clusters, w.batches) for w in plan.waves]


def test_each_cluster_is_in_the_first_wave_that_selects_it_in_batches(tmp_path: Path) -> None:
    # edge-1 is labelled region=eu too: the canary wave, first, takes it
    assert _plan(make(tmp_path)) == [
        ("canary", ("edge-1",), (("edge-1",),)),
        ("eu", ("eu-a", "eu-b", "eu-c"), (("eu-a", "eu-b"), ("eu-c",))),  # 50% of 3: 2
        ("rest", ("us-1", "us-2"), (("us-1", "us-2"),)),
    ]


def test_a_number_of_clusters_and_exclude(tmp_path: Path) -> None:
    text = ROLLOUT.replace("maxConcurrency: 50%", "maxConcurrency: 1").replace(
        "{clusterNames: [edge-1]}",
        "{labelSelector: {matchLabels: {region: eu}}, exclude: [eu-a, eu-b, eu-c]}",
    )
    assert _plan(make(tmp_path, rollout=text)) == [
        ("canary", ("edge-1",), (("edge-1",),)),
        ("eu", ("eu-a", "eu-b", "eu-c"), (("eu-a",), ("eu-b",), ("eu-c",))),
        ("rest", ("us-1", "us-2"), (("us-1", "us-2"),)),
    ]


def test_a_wave_after_the_catch_all_has_nothing_left(tmp_path: Path) -> None:
    text = ROLLOUT.replace("  - name: rest\n", "  - name: rest\n  - name: never\n")
    assert _plan(make(tmp_path, rollout=text))[2:] == [
        ("rest", ("us-1", "us-2"), (("us-1", "us-2"),)),
        ("never", (), ()),
    ]


def test_the_objects_of_a_rollout_are_the_selected_ones_and_their_dependencies(
    tmp_path: Path,
) -> None:
    compilation = compile_repo(make(tmp_path))
    (policy,) = compilation.fleet.rollout_policies
    objects = rollout_objects(policy, compilation.fleet.templates, compilation.compiled)
    # the ConfigMap `other` goes by the same PropagationPolicy but nothing needs it
    assert objects == RolloutObjects(
        selected=(DEPLOYMENT,), dependencies={WEB_CONFIG: (DEPLOYMENT,)}
    )
    assert objects.keys == (WEB_CONFIG, DEPLOYMENT)


def _digest(repo: Path) -> str:
    compilation = compile_repo(repo)
    (policy,) = compilation.fleet.rollout_policies
    objects = rollout_objects(policy, compilation.fleet.templates, compilation.compiled)
    return target_digest(objects, compilation.compiled)


def test_the_target_digest_follows_the_rollout_s_objects_only(tmp_path: Path) -> None:
    base = _digest(make(tmp_path / "base"))
    assert base.startswith("sha256:") and len(base) == len("sha256:") + 64
    assert _digest(make(tmp_path / "same")) == base
    assert _digest(make(tmp_path / "other", other="2")) == base  # not the rollout's
    assert _digest(make(tmp_path / "image", tag="1.27")) != base
    assert _digest(make(tmp_path / "dependency", greeting="bye")) != base
    # the same content, placed on fewer clusters
    fewer = make(tmp_path / "fewer")
    policy = (fewer / "policies/web.yaml").read_text()
    (fewer / "policies/web.yaml").write_text(
        policy.replace("placement: {}", "placement: {clusterAffinity: {clusterNames: [us-1]}}")
    )
    assert _digest(fewer) != base
