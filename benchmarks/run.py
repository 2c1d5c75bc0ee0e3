"""Time hubless as users run it, against the floor and kustomize, and check its goals.

    python benchmarks/run.py --size 100x50 [--size 1000x100] [--runs 3] [--skip-kustomize]

For each size: a synthetic fleet (fleet.py) in a git repository, and in each run, every
hubless command with validation on, as users run it: a cold render, the first no-op
render right after it and a repeated one, `render --check`, `hubless validate`, a render
after changing one template, after adding one cluster and after changing one cluster's
OverridePolicy rule (each then restored and rendered again, untimed), and `hubless diff
--base HEAD~1` after one template change committed with its render. Beside them: a cold
render with --no-validate and one of the same fleet with OpenKruise CloneSets (read
through the Lua interpreter), both informative; the floor (PyYAML's C emitter writing the
objects hubless rendered from 2 processes, no policy logic); per-cluster kustomize
overlays built by `kubectl kustomize`, 2 in parallel.

Prints, per row, the medians of wall and CPU seconds and their ratios to the floor, peak
RSS, the row's goal at this size (goals.py) and whether it is met; the renders after one
change also check that only the files whose content changed were written.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet
import goals
from timing import HUBLESS, Sample, in_process, installed_as_pip_installs, median, run, timed
from writes import Writes, compare, snapshot, worst

RENDER = [*HUBLESS, "render"]
OVERRIDDEN = 1  # the cluster whose OverridePolicy rule changes (member-0001)


def count_objects(rendered: Path) -> int:
    return sum(1 for p in rendered.rglob("*.yaml") if ".hubless" not in p.parts)


def floor_worker(args: tuple[list[Path], Path, Path]) -> None:
    files, source_root, out_root = args
    for path in files:
        with open(path) as handle:
            data = yaml.load(handle, Loader=yaml.CSafeLoader)
        target = out_root / path.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w") as handle:
            yaml.dump(data, handle, Dumper=yaml.CSafeDumper, sort_keys=False)


def floor(rendered: Path, out: Path) -> None:
    """Write the same objects with PyYAML's C emitter, 2 processes, each reading its files."""
    files = sorted(p for p in rendered.rglob("*.yaml") if ".hubless" not in p.parts)
    halves = [files[0::2], files[1::2]]
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        list(pool.map(floor_worker, [(half, rendered, out) for half in halves]))


def kustomize_overlays(rendered: Path, out: Path) -> list[Path]:
    """One overlay per cluster whose base holds that cluster's objects before overrides.

    The per-cluster differences (replicas, image tag, labels, annotations) are expressed as
    kustomize patches so that kustomize does that work, as a user of overlays would have it.
    """
    base = out / "base"
    overlays = []
    for cluster_dir in sorted(
        p for p in rendered.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        overlay = out / "overlays" / cluster_dir.name
        overlay.mkdir(parents=True)
        resources, patches = [], []
        for path in sorted(cluster_dir.rglob("*.yaml")):
            obj = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
            name = obj["metadata"]["name"]
            kind = obj["kind"]
            target = base / kind / f"{name}.yaml"
            if not target.exists():
                plain = {
                    **obj,
                    "metadata": {
                        k: v
                        for k, v in obj["metadata"].items()
                        if k not in ("labels", "annotations")
                    },
                }
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(yaml.dump(plain, Dumper=yaml.CSafeDumper, sort_keys=False))
            resources.append(os.path.relpath(target, overlay))
            metadata_patch = {
                k: obj["metadata"][k] for k in ("labels", "annotations") if k in obj["metadata"]
            }
            patch: dict[str, Any] = {
                "apiVersion": obj["apiVersion"],
                "kind": kind,
                "metadata": {"name": name, **metadata_patch},
            }
            if kind == "Deployment":
                patch["metadata"]["namespace"] = obj["metadata"].get("namespace")
                patch["spec"] = {
                    "replicas": obj["spec"]["replicas"],
                    "template": {
                        "spec": {"containers": obj["spec"]["template"]["spec"]["containers"]}
                    },
                }
            elif "namespace" in obj["metadata"]:
                patch["metadata"]["namespace"] = obj["metadata"]["namespace"]
            patches.append({"patch": yaml.dump(patch, Dumper=yaml.CSafeDumper, sort_keys=False)})
        kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                         "resources": resources, "patches": patches}  # fmt: skip
        (overlay / "kustomization.yaml").write_text(
            yaml.dump(kustomization, Dumper=yaml.CSafeDumper)
        )
        overlays.append(overlay)
    return overlays


def build_overlay(args: tuple[Path, Path]) -> None:
    overlay, out = args
    output = subprocess.run(
        ["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone", str(overlay)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    target = out / overlay.name
    target.mkdir(parents=True, exist_ok=True)
    for index, document in enumerate(output.split("\n---\n")):
        (target / f"{index:05d}.yaml").write_text(document)


def kustomize(overlays: list[Path], out: Path) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(build_overlay, [(o, out) for o in overlays]))


# git as a user's machine would run it, without this machine's configuration (signing,
# hooks) and with an identity.
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "benchmark",
    "GIT_AUTHOR_EMAIL": "benchmark@hubless.invalid",
    "GIT_COMMITTER_NAME": "benchmark",
    "GIT_COMMITTER_EMAIL": "benchmark@hubless.invalid",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=GIT_ENV, check=True, stdout=subprocess.DEVNULL)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


@dataclass
class Results:
    """Every run's samples (and write checks) per row."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    writes: dict[str, list[Writes]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # rows not measured, and why

    def add(self, case: str, sample: Sample, writes: Writes | None = None) -> None:
        self.samples.setdefault(case, []).append(sample)
        if writes is not None:
            self.writes.setdefault(case, []).append(writes)


class Bench:
    """One fleet and the runs made on it."""

    def __init__(self, size: str, workdir: Path) -> None:
        self.size = size
        self.clusters, self.apps = (int(x) for x in size.split("x"))
        self.workdir = workdir
        self.root = workdir / f"fleet-{size}"
        self.rendered = self.root / "rendered"
        self.results = Results()
        self.objects = 0

    def setup(self) -> None:
        fleet.write(self.root, self.clusters, self.apps)
        git(self.root, "init", "-q", "-b", "main")
        commit_all(self.root, "sources")

    def render(self) -> Sample:
        return timed(RENDER, self.root)

    def cold(self, case: str, *flags: str) -> None:
        shutil.rmtree(self.rendered, ignore_errors=True)
        self.results.add(case, timed([*RENDER, *flags], self.root))

    def changed(
        self,
        case: str,
        path: Path,
        edit: Callable[[str], str],
        within: Iterable[str] | None = None,
    ) -> None:
        """Render after `edit` changes the file at `path` and check what was written; then
        put the file back and render again (untimed)."""
        original = path.read_text()
        before = snapshot(self.rendered)
        path.write_text(edit(original))
        try:
            sample = self.render()
            writes = compare(before, snapshot(self.rendered), within)
        finally:
            path.write_text(original)
            run(RENDER, self.root)
        self.results.add(case, sample, writes)

    def diff(self) -> None:
        """`hubless diff --base HEAD~1` in a pull request that changes one template and
        commits it with its render; then the change is reset and rendered/ made current."""
        template = self.root / "templates/app-000.yaml"
        commit_all(self.root, "render")
        template.write_text(fleet.with_log_level(template.read_text(), unique("diff")))
        run(RENDER, self.root)
        commit_all(self.root, "one template changed")
        try:
            self.results.add(goals.DIFF, timed([*HUBLESS, "diff", "--base", "HEAD~1"], self.root))
        finally:
            git(self.root, "reset", "-q", "--hard", "HEAD~1")
            run(RENDER, self.root)

    def one_run(self) -> None:
        self.cold(goals.COLD_NO_VALIDATE, "--no-validate")
        self.cold(goals.COLD)
        self.objects = count_objects(self.rendered)
        self.results.add(goals.NOOP, self.render())
        self.results.add(goals.NOOP_AGAIN, self.render())
        self.results.add(goals.CHECK, timed([*RENDER, "--check"], self.root))
        self.results.add(goals.CHECK_NO_CACHE, timed([*RENDER, "--check", "--no-cache"], self.root))
        self.results.add(goals.VALIDATE, timed([*HUBLESS, "validate"], self.root))
        self.changed(
            goals.TEMPLATE,
            self.root / "templates/app-000.yaml",
            lambda text: fleet.with_log_level(text, unique("debug")),
        )
        added = unique("member-x")
        self.changed(
            goals.CLUSTER,
            self.root / "policies/clusters.yaml",
            lambda text: (
                text + fleet.cluster(self.clusters).replace(f"member-{self.clusters:04d}", added)
            ),
            within=[added],
        )
        if self.clusters > OVERRIDDEN:
            name = f"member-{OVERRIDDEN:04d}"
            self.changed(
                goals.OVERRIDE,
                self.root / "policies/labels.yaml",
                lambda text: fleet.relabelled(text, OVERRIDDEN, unique(f"{name}-v")),
                within=[name],
            )
        out = self.workdir / "floor"
        shutil.rmtree(out, ignore_errors=True)
        self.results.add(goals.FLOOR, in_process(lambda: floor(self.rendered, out)))
        shutil.rmtree(out, ignore_errors=True)
        self.diff()

    def clonesets(self, runs: int) -> None:
        """The same fleet with CloneSets for Deployments: replicas read and revised by the
        built-in Lua interpreter (no CRD in templates/, so these are not validated)."""
        custom = self.workdir / f"fleet-{self.size}-clonesets"
        fleet.write(custom, self.clusters, self.apps, clonesets=True)
        for _ in range(runs):
            shutil.rmtree(custom / "rendered", ignore_errors=True)
            self.results.add(goals.CLONESETS, timed(RENDER, custom))
        shutil.rmtree(custom)

    def kustomize(self, runs: int, skip: bool) -> None:
        if skip:
            self.results.missing[goals.KUSTOMIZE] = "not measured (--skip-kustomize)"
            return
        if shutil.which("kubectl") is None:
            self.results.missing[goals.KUSTOMIZE] = "not measured (no kubectl)"
            return
        overlays_root = self.workdir / "kustomize"
        out = self.workdir / "kustomize-out"
        shutil.rmtree(overlays_root, ignore_errors=True)
        overlays = kustomize_overlays(self.rendered, overlays_root)
        for _ in range(runs):
            shutil.rmtree(out, ignore_errors=True)
            self.results.add(goals.KUSTOMIZE, in_process(lambda: kustomize(overlays, out)))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(overlays_root)


def unique(prefix: str) -> str:
    """A value no earlier run used, so that no run finds its change already rendered."""
    return f"{prefix}{time.time_ns():x}"


def bench(size: str, runs: int, workdir: Path, skip_kustomize: bool) -> Bench:
    measured = Bench(size, workdir)
    measured.setup()
    for _ in range(runs):
        measured.one_run()
    measured.clonesets(runs)
    measured.kustomize(runs, skip_kustomize)
    if measured.clusters <= OVERRIDDEN:
        measured.results.missing[goals.OVERRIDE] = f"not measured (no member-{OVERRIDDEN:04d})"
    return measured


@dataclass(frozen=True)
class Report:
    """What one size's run prints, and the rows that missed their goal."""

    lines: list[str]
    missed: list[str]


def report(measured: Bench, runs: int) -> Report:
    """The table of one size, and the line saying whether every row is within its goal."""
    results = measured.results
    medians = {case: median(samples) for case, samples in results.samples.items()}
    floor_sample, cold = medians[goals.FLOOR], medians[goals.COLD]
    size_goals = goals.GOALS.get(measured.size, {})
    lines = [
        f"{measured.size}: {measured.objects} objects, medians of {runs} run(s); CPU is user "
        f"+ system seconds, worker processes included; goals for {measured.size}: "
        + ("yes" if size_goals else "none but the writes checks"),
        "",
        "| case | wall s | CPU s | wall / floor | CPU / floor | peak RSS MiB | goal | within goal |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    missed, unmeasured = [], []
    for case, label in goals.LABELS.items():
        sample = medians.get(case)
        checked = results.writes.get(case)
        verdict = goals.judge(
            size_goals.get(case, ()),
            sample,
            floor_sample,
            cold,
            worst(checked) if checked else None,
            results.missing.get(case, "not measured"),
        )
        if verdict.within is False:
            missed.append(label)
        if sample is None and verdict.goal:
            unmeasured.append(label)
        if sample is None:
            figures = "- | - | - | - | -"
        else:
            rss = f"{sample.rss_mib:.0f}" if sample.rss_mib else "-"
            figures = (
                f"{sample.wall:.2f} | {sample.cpu:.2f} | {sample.wall / floor_sample.wall:.3f}x "
                f"| {sample.cpu / floor_sample.cpu:.3f}x | {rss}"
            )
        lines.append(f"| {label} | {figures} | {verdict.goal or '-'} | {verdict.text} |")
    lines.append("")
    if missed:
        lines.append(f"{measured.size}: NOT within goal: " + "; ".join(missed))
    elif unmeasured:
        lines.append(
            f"{measured.size}: all measured rows within goal (not measured: "
            + "; ".join(unmeasured)
            + ")"
        )
    else:
        lines.append(f"{measured.size}: all within goal")
    return Report(lines, missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", action="append", help="CLUSTERSxAPPS, repeatable (default 10x20)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/hubless-bench"))
    parser.add_argument("--skip-kustomize", action="store_true")
    args = parser.parse_args()
    installed_as_pip_installs()
    args.workdir.mkdir(parents=True, exist_ok=True)
    missed = False
    for size in args.size or ["10x20"]:
        measured = bench(size, args.runs, args.workdir, args.skip_kustomize)
        told = report(measured, args.runs)
        print("\n" + "\n".join(told.lines), flush=True)
        missed = missed or bool(told.missed)
    # A missed goal fails the run, so that a script or CI job can tell.
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
