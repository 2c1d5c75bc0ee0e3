"""The pure pipeline: `decide` over the whole fleet, `materialize` for some clusters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from hubless import compile as compiler
from hubless.compile import compile_fleet, decide, materialize, placements
from hubless.errors import UserError
from hubless.load import load_fleet, read_sources
from hubless.model import Fleet, PreviousPlacement, ResourceKey
from tests.build.test_reuse import clusters
from tests.build.test_reuse import files as divided_files
from tests.conftest import write_tree
from tests.test_render import OP, base_files

WEB = ResourceKey("apps", "Deployment", "shop", "web")


def load(root: Path, files: Mapping[str, str]) -> Fleet:
    write_tree(root, files)
    return load_fleet(read_sources(root))


def test_materialize_of_some_clusters_is_those_clusters_of_a_full_materialize(
    tmp_path: Path,
) -> None:
    decided = decide(load(tmp_path, base_files()))
    full = materialize(decided)
    assert set(full.objects) == {"batch", "dev", "east", "west"}
    part = materialize(decided, ["west", "dev", "nowhere"])
    assert part.objects == {"dev": full.objects["dev"], "west": full.objects["west"]}
    assert part.decisions == full.decisions == decided.decisions
    assert materialize(decided, []).objects == {}


def test_compile_fleet_is_decide_then_materialize(tmp_path: Path) -> None:
    fleet = load(tmp_path, divided_files())
    previous = {WEB: PreviousPlacement({"east-1": 6}, "", "stale")}
    compiled = compile_fleet(fleet, previous, until_stable=True)
    assert compiled == materialize(decide(fleet, previous, until_stable=True))


@pytest.mark.parametrize(
    "previous",
    [
        {},
        {WEB: PreviousPlacement({"east-1": 4, "gone": 2})},
        {WEB: PreviousPlacement({"east-1": 9}, "", "another placement")},
        {WEB: PreviousPlacement({"east-1": 3, "west-1": 1})},
        {WEB: PreviousPlacement({"dev-1": 6})},
    ],
)
def test_until_stable_reaches_a_fixed_point(
    tmp_path: Path, previous: dict[ResourceKey, PreviousPlacement]
) -> None:
    fleet = load(tmp_path, divided_files())
    stable = decide(fleet, previous, until_stable=True)
    # The next render, starting from what this one decided, decides the same (it keeps
    # the placement, where this one may say how it scheduled it).
    again = decide(fleet, placements(stable.decisions))
    assert [d.binding for d in again.decisions] == [d.binding for d in stable.decisions]
    assert decide(fleet, placements(stable.decisions), until_stable=True) == again


def test_until_stable_schedules_again_until_nothing_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = load(tmp_path, divided_files())
    real = compiler._bind_all
    passes: list[Mapping[ResourceKey, PreviousPlacement]] = []

    def counted(*args: object) -> compiler._Bound:
        passes.append(args[1])  # type: ignore[arg-type]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler, "_bind_all", counted)
    stale = {WEB: PreviousPlacement({"east-1": 4, "gone": 2})}
    stable = decide(fleet, stale, until_stable=True)
    # Once from the record, once more from that result, which moved nothing.
    assert passes == [stale, placements(stable.decisions)]
    passes.clear()
    decide(fleet, stale)
    assert passes == [stale]
    passes.clear()
    decide(fleet, placements(stable.decisions), until_stable=True)
    assert passes == [placements(stable.decisions)]


def test_until_stable_stops_after_two_more_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = load(tmp_path, divided_files())
    real = compiler._bind_all
    calls: list[int] = []

    def flapping(*args: object) -> compiler._Bound:
        calls.append(len(calls))
        return real(*args)  # type: ignore[arg-type]

    # A schedule that never settles: every pass moves something.
    monkeypatch.setattr(compiler, "_bind_all", flapping)
    monkeypatch.setattr(
        compiler, "placements", lambda _: {WEB: PreviousPlacement({"x": len(calls)})}
    )
    decide(fleet, {}, until_stable=True)
    assert calls == [0, 1, 2]


ERRORS = {
    **base_files(),
    # Cannot be scheduled: decide's error ...
    "templates/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: shop}\n",
    "policies/other.yaml": """
        apiVersion: policy.karmada.io/v1alpha1
        kind: PropagationPolicy
        metadata: {name: other, namespace: shop}
        spec:
          resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: other}]
          placement:
            spreadConstraints: [{spreadByField: cluster, minGroups: 9, maxGroups: 10}]
    """,
    # ... and an override that fails on west: materialize's.
    "policies/web-overrides.yaml": OP.replace(
        "/spec/replicas, operator: replace", "/spec/missing, operator: remove"
    ),
}


def test_errors_of_decide_and_materialize_are_reported_together(tmp_path: Path) -> None:
    decided = decide(load(tmp_path, ERRORS))
    scheduling = (
        "policies/other.yaml:1: error: PropagationPolicy/shop/other cannot schedule "
        "ConfigMap/shop/other: 3 feasible clusters, fewer than the cluster spread "
        "constraint's minGroups 9; excluded: batch (TaintToleration: taint "
        "dedicated=batch:NoSchedule is not tolerated)"
    )
    assert [str(p) for p in decided.errors] == [scheduling]
    # The other decisions are made all the same, and the failed one places nothing.
    decisions = {str(d.binding.resource): d for d in decided.decisions}
    assert set(decisions) == {
        "ConfigMap/shop/other",
        "ConfigMap/shop/web",
        "Deployment.apps/shop/web",
        "Namespace/shop",
    }
    failed = decisions["ConfigMap/shop/other"]
    assert failed.binding.clusters == ()
    assert failed.schedule is not None and failed.schedule.error == (
        "3 feasible clusters, fewer than the cluster spread constraint's minGroups 9"
    )
    with pytest.raises(UserError) as caught:
        materialize(decided)
    assert [str(p) for p in caught.value.problems] == [
        scheduling,
        "policies/web-overrides.yaml:12: error: OverridePolicy/shop/web-west overrideRules[0] "
        "plaintext: cannot override Deployment.apps/shop/web for cluster west: remove "
        "/spec/missing: can't remove a non-existent object 'missing'",
    ]
    # Building only clusters where no override fails still reports decide's error.
    with pytest.raises(UserError) as caught:
        materialize(decided, ["east"])
    assert [str(p) for p in caught.value.problems] == [scheduling]


def test_unmatched_and_skipped_templates(tmp_path: Path) -> None:
    files = {
        **base_files(),
        "templates/lonely.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: lonely, namespace: shop}\n",
        "templates/system.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n",
    }
    decided = decide(load(tmp_path, files))
    assert decided.unmatched == (ResourceKey("", "Service", "shop", "lonely"),)
    assert decided.skipped == (ResourceKey("", "ConfigMap", "kube-system", "x"),)
    compiled = materialize(decided)
    assert (compiled.unmatched, compiled.skipped) == (decided.unmatched, decided.skipped)


def test_a_later_pass_schedules_again_only_the_templates_that_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = divided_files()
    fleet = load(tmp_path, files)
    before = placements(decide(fleet, {}, until_stable=True).decisions)
    # A new prod cluster: the Duplicated ConfigMap and the Namespace go to it; the Divided
    # Deployment, its replicas unchanged, keeps its placement (Karmada does not schedule it
    # again), so a second pass has only the two that moved to schedule.
    grown = load(tmp_path, {**files, "policies/clusters.yaml": clusters("east-3")})
    real = compiler._bind
    scheduled: list[list[ResourceKey]] = [[]]

    def counted(template: object, *args: object) -> object:
        scheduled[-1].append(template.key)  # type: ignore[attr-defined]
        return real(template, *args)  # type: ignore[arg-type]

    real_all = compiler._bind_all

    def per_pass(*args: object, **kwargs: object) -> compiler._Bound:
        scheduled.append([])
        return real_all(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler, "_bind", counted)
    monkeypatch.setattr(compiler, "_bind_all", per_pass)
    stable = decide(grown, before, until_stable=True)
    settings = ResourceKey("", "ConfigMap", "shop", "settings")
    namespace = ResourceKey("", "Namespace", "", "shop")
    assert sorted(scheduled[1]) == sorted([WEB, settings, namespace])  # the first pass: all
    assert sorted(scheduled[2]) == sorted([settings, namespace])
    after = placements(stable.decisions)
    assert after[WEB] == before[WEB]
    assert set(after[settings].clusters) == {*before[settings].clusters, "east-3"}
    # And the result is what scheduling every template again decides.
    monkeypatch.setattr(compiler, "_settled", lambda *_: {})
    assert decide(grown, before, until_stable=True) == stable
