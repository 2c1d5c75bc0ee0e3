"""The benchmark harness's own checks: what a render wrote, the goals and the report.

Nothing here is timed: the samples are made up, and the renders only feed the write checks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from hubless.commands.render import render

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fleet
import goals
import run
from timing import CommandFailed, Sample, timed
from writes import compare, snapshot


def tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rewrite(path: Path, text: str) -> None:
    """Write as a render does: a new file moved over the old one."""
    staged = path.with_name(path.name + ".new")
    staged.write_text(text)
    os.replace(staged, path)


def test_a_rewrite_of_unchanged_content_is_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"a/x.yaml": "x: 1\n", "a/y.yaml": "y: 1\n", ".hubless/manifest.json": "{}"})
    before = snapshot(tmp_path)
    rewrite(tmp_path / "a/x.yaml", "x: 2\n")
    rewrite(tmp_path / "a/y.yaml", "y: 1\n")
    rewrite(tmp_path / ".hubless/manifest.json", '{"new": 1}')

    writes = compare(before, snapshot(tmp_path))

    assert (writes.written, writes.changed) == ({"a/x.yaml", "a/y.yaml"}, {"a/x.yaml"})
    assert writes.text() == "writes: 1 unchanged files rewritten"
    assert not writes.ok


def test_files_written_outside_the_expected_folder_are_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"a/x.yaml": "x: 1\n"})
    before = snapshot(tmp_path)
    tree(tmp_path, {"b/x.yaml": "x: 1\n", "b/y.yaml": "y: 1\n"})
    assert compare(before, snapshot(tmp_path), ["b"]).text() == "writes: ok (2 files, all in b)"

    rewrite(tmp_path / "a/x.yaml", "x: 2\n")
    (tmp_path / "b/y.yaml").unlink()
    writes = compare(before, snapshot(tmp_path), ["b"])
    assert writes.changed == {"a/x.yaml", "b/x.yaml"}
    assert writes.text() == "writes: 1 files written outside b"


def test_a_render_that_changed_nothing_fails_the_check(tmp_path: Path) -> None:
    tree(tmp_path, {"a/x.yaml": "x: 1\n"})
    before = snapshot(tmp_path)
    assert compare(before, snapshot(tmp_path)).text() == "writes: no file changed"


def test_a_change_in_place_is_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"a/x.yaml": "x: 1\n"})
    stat = (tmp_path / "a/x.yaml").stat()
    before = snapshot(tmp_path)
    (tmp_path / "a/x.yaml").write_text("x: 2\n")
    os.utime(tmp_path / "a/x.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert compare(before, snapshot(tmp_path)).text() == "writes: 1 files changed in place"


def test_the_fleet_edits_change_one_value(tmp_path: Path) -> None:
    labels = fleet.cluster_labels(3)
    edited = fleet.relabelled(labels, 1, "other")
    assert edited == labels.replace(
        "labelsOverrider: [{operator: add, value: {fleet.example.com/cluster: member-0001}}]",
        "labelsOverrider: [{operator: add, value: {fleet.example.com/cluster: other}}]",
    )
    assert "LOG_LEVEL: trace\n" in fleet.with_log_level(fleet.app(0), "trace")
    with pytest.raises(ValueError, match="member-0007"):
        fleet.relabelled(labels, 7, "other")


def test_the_write_checks_of_real_renders(tmp_path: Path) -> None:
    """Three clusters (prod, staging, dev), two apps: web-000 goes to prod and staging, the
    label policy of member-0001 labels its Deployments, ConfigMaps and Services."""
    fleet.write(tmp_path, 3, 2)
    assert render(tmp_path, check=False) == 0
    rendered = tmp_path / "rendered"

    before = snapshot(rendered)
    template = tmp_path / "templates/app-000.yaml"
    template.write_text(fleet.with_log_level(template.read_text(), "debug"))
    assert render(tmp_path, check=False) == 0
    writes = compare(before, snapshot(rendered))
    assert writes.changed == {
        "member-0000/apps/configmap_web-000-config.yaml",
        "member-0001/apps/configmap_web-000-config.yaml",
    }
    assert writes.ok

    before = snapshot(rendered)
    labels = tmp_path / "policies/labels.yaml"
    labels.write_text(fleet.relabelled(labels.read_text(), 1, "member-0001-v2"))
    assert render(tmp_path, check=False) == 0
    writes = compare(before, snapshot(rendered), ["member-0001"])
    assert writes.changed == {p for p in before if p.startswith("member-0001/apps/")}
    assert writes.text() == f"writes: ok ({len(writes.changed)} files, all in member-0001)"


def test_a_failing_command_stops_the_benchmark(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; sys.stderr.write('broken'); sys.exit(3)"]
    with pytest.raises(CommandFailed, match=r"exited 3:\nbroken$"):
        timed(command, tmp_path)


def test_goals_name_the_missed_limit() -> None:
    floor, cold = Sample(10.0, 20.0), Sample(8.0, 5.0, 2000.0)
    limits = goals.GOALS["1000x100"][goals.COLD]
    verdict = goals.judge(limits, cold, floor, cold)
    assert verdict == goals.Verdict(
        "CPU ≤ 0.5 x floor; peak RSS ≤ 1 GiB", False, "NO: CPU 0.250 x floor; 2000 MiB (missed)"
    )
    kustomize = goals.judge(
        goals.GOALS["1000x100"][goals.KUSTOMIZE], Sample(60.0, 100.0), floor, cold
    )
    assert kustomize == goals.Verdict("CPU ≥ 20 x hubless cold", True, "yes: 20.0 x hubless CPU")


def report_of(samples: dict[str, Sample], missing: dict[str, str]) -> run.Report:
    bench = run.Bench("1000x100", Path("unused"))
    bench.objects = 234279
    for case, sample in samples.items():
        bench.results.add(case, sample)
    bench.results.missing.update(missing)
    return run.report(bench, 1)


SAMPLES = {
    goals.FLOOR: Sample(4.0, 8.0),
    goals.COLD: Sample(3.0, 2.0, 900.0),
    goals.NOOP: Sample(0.5, 0.4, 60.0),
    goals.NOOP_AGAIN: Sample(0.4, 0.4, 60.0),
}


def test_the_report_says_which_rows_miss_their_goal() -> None:
    told = report_of({**SAMPLES, goals.NOOP: Sample(1.5, 0.4, 60.0)}, {})
    assert told.missed == ["no-op render, first after a render"]
    lines = told.lines
    assert (
        "| no-op render, first after a render | 1.50 | 0.40 | 0.375x | 0.050x | 60 "
        "| ≤ 1 s wall | NO: 1.50 s wall (missed) |"
    ) in lines
    assert (
        "| cold `hubless render` (validation on) | 3.00 | 2.00 | 0.750x | 0.250x | 900 "
        "| CPU ≤ 0.5 x floor; peak RSS ≤ 1 GiB | yes: CPU 0.250 x floor; 900 MiB |"
    ) in lines
    assert lines[-1] == "1000x100: NOT within goal: no-op render, first after a render"


def test_the_report_names_the_rows_not_measured() -> None:
    told = report_of(SAMPLES, {goals.KUSTOMIZE: "not measured (--skip-kustomize)"})
    assert told.missed == []
    lines = told.lines
    assert (
        "| kustomize overlays, same output | - | - | - | - | - | CPU ≥ 20 x hubless cold "
        "| not measured (--skip-kustomize) |"
    ) in lines
    assert lines[-1] == (
        "1000x100: all measured rows within goal (not measured: kustomize overlays, same "
        "output; one template changed; one cluster added (inventory change); one "
        "OverridePolicy rule changed for one cluster; `hubless validate`; `hubless diff "
        "--base HEAD~1`, one template changed)"
    )
