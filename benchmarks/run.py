"""Time hubless against the ways users would otherwise produce the same output.

    python benchmarks/run.py --size 100x50 [--size 1000x100] [--runs 3] [--skip-kustomize]

For each size, in one run: hubless cold render (also of the same fleet with OpenKruise
CloneSets for Deployments, read through the Lua interpreter), no-op re-render, re-render after changing
one template, re-render after adding one cluster, `render --check`; the "floor" (bare
Python, PyYAML's C emitter, 2 processes, one file per object, no policy logic) writing the
objects hubless rendered; and per-cluster kustomize overlays (`kubectl kustomize`, 2 in
parallel, split into one file per object). Reports medians of wall time, peak RSS,
objects per second and the ratio to kustomize. Work happens under --workdir (tmpfs by
default, as the reference numbers were measured).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet

HUBLESS = [sys.executable, "-m", "hubless"]


Sample = tuple[float, float, float]  # wall seconds, peak RSS MiB, CPU seconds


def timed(command: list[str], cwd: Path) -> Sample:
    """Wall seconds, peak RSS MiB and CPU seconds (user + system, the processes it
    waited for included) of one command run to completion."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if process.stderr is not None:
        process.stderr.close()
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def in_process(action: object) -> Sample:
    """Wall and CPU seconds of work done here and in the processes it waits for."""
    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    start = time.perf_counter()
    action()  # type: ignore[operator]
    wall = time.perf_counter() - start
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(
        (a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime)
        for a, b in zip(after, before, strict=True)
    )
    return wall, 0.0, cpu


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
    """Write the same objects with PyYAML's C emitter, 2 processes (data loaded first)."""
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
            patch: dict = {
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


def measure(label: str, runs: int, action: object) -> dict[str, float]:
    walls, peaks, cpus = [], [], []
    for _ in range(runs):
        wall, peak, cpu = action()  # type: ignore[operator]
        walls.append(wall)
        peaks.append(peak)
        cpus.append(cpu)
    return {"label": label, "wall": statistics.median(walls), "rss": max(peaks),  # type: ignore[dict-item]
            "cpu": statistics.median(cpus)}  # fmt: skip


def bench(size: str, runs: int, workdir: Path, skip_kustomize: bool) -> list[dict[str, float]]:
    clusters, apps = (int(x) for x in size.split("x"))
    root = workdir / f"fleet-{size}"
    fleet.write(root, clusters, apps)
    rows = []

    def cold() -> Sample:
        shutil.rmtree(root / "rendered", ignore_errors=True)
        return timed([*HUBLESS, "render", "--no-validate"], root)

    def cold_validated() -> Sample:
        shutil.rmtree(root / "rendered", ignore_errors=True)
        return timed([*HUBLESS, "render"], root)

    rows.append(measure("hubless cold render, validation on", runs, cold_validated))
    # The same fleet with CloneSets for Deployments: replicas read and revised by the
    # built-in Lua interpreter.
    custom = workdir / f"fleet-{size}-clonesets"
    fleet.write(custom, clusters, apps, clonesets=True)

    def cold_clonesets() -> Sample:
        shutil.rmtree(custom / "rendered", ignore_errors=True)
        return timed([*HUBLESS, "render"], custom)

    rows.append(
        measure("hubless cold render, validation on, CloneSets (Lua)", runs, cold_clonesets)
    )
    rows.append(measure("hubless cold render", runs, cold))
    objects = count_objects(root / "rendered")
    rows.append(
        measure(
            "hubless no-op re-render",
            runs,
            lambda: timed([*HUBLESS, "render", "--no-validate"], root),
        )
    )
    rows.append(
        measure(
            "hubless render --check",
            runs,
            lambda: timed([*HUBLESS, "render", "--check", "--no-validate"], root),
        )
    )

    template = root / "templates/app-000.yaml"
    original = template.read_text()

    def one_template() -> Sample:
        template.write_text(
            original.replace("LOG_LEVEL: info", f"LOG_LEVEL: debug{time.time_ns()}")
        )
        return timed([*HUBLESS, "render", "--no-validate"], root)

    rows.append(measure("hubless re-render, one template changed", runs, one_template))
    template.write_text(original)
    timed([*HUBLESS, "render", "--no-validate"], root)

    inventory = root / "policies/clusters.yaml"
    before = inventory.read_text()

    def one_cluster() -> Sample:
        inventory.write_text(
            before
            + fleet.cluster(clusters).replace(f"member-{clusters:04d}", f"member-x{time.time_ns()}")
        )
        result = timed([*HUBLESS, "render", "--no-validate"], root)
        inventory.write_text(before)
        timed([*HUBLESS, "render", "--no-validate"], root)
        return result

    rows.append(measure("hubless re-render, one cluster added", runs, one_cluster))

    def floor_run() -> Sample:
        out = workdir / "floor"
        shutil.rmtree(out, ignore_errors=True)
        return in_process(lambda: floor(root / "rendered", out))

    rows.append(measure("floor: PyYAML C emitter, 2 processes", runs, floor_run))
    if not skip_kustomize and shutil.which("kubectl"):
        overlays_root = workdir / "kustomize"
        shutil.rmtree(overlays_root, ignore_errors=True)
        overlays = kustomize_overlays(root / "rendered", overlays_root)

        def kustomize_run() -> Sample:
            out = workdir / "kustomize-out"
            shutil.rmtree(out, ignore_errors=True)
            return in_process(lambda: kustomize(overlays, out))

        rows.append(
            measure("kustomize overlays (kubectl kustomize, 2 parallel)", runs, kustomize_run)
        )
    for row in rows:
        row["objects"] = objects
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="CLUSTERSxAPPS, repeatable (default 10x20)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/hubless-bench"))
    parser.add_argument("--skip-kustomize", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for size in args.size or ["10x20"]:
        rows = bench(size, args.runs, args.workdir, args.skip_kustomize)
        kustomize_wall = next((r["wall"] for r in rows if r["label"].startswith("kustomize")), None)
        floor_row = next(r for r in rows if r["label"].startswith("floor"))
        print(f"\n{size}: {int(rows[0]['objects'])} objects, medians of {args.runs}")
        print(
            f"| {'what':<52} | wall s | CPU s | wall / floor | CPU / floor | peak RSS MiB "
            "| objects/s | vs kustomize |"
        )
        print(
            f"|{'-' * 54}|-------:|------:|-------------:|------------:|-------------:"
            "|----------:|-------------:|"
        )
        for row in rows:
            rate = row["objects"] / row["wall"] if row["wall"] else 0
            ratio = f"{kustomize_wall / row['wall']:.1f}x faster" if kustomize_wall else "-"
            rss = f"{row['rss']:.0f}" if row["rss"] else "-"
            wall_ratio = row["wall"] / floor_row["wall"]
            cpu_ratio = row["cpu"] / floor_row["cpu"] if floor_row["cpu"] else 0
            print(
                f"| {row['label']:<52} | {row['wall']:6.2f} | {row['cpu']:5.2f} "
                f"| {wall_ratio:11.2f}x | {cpu_ratio:10.2f}x | {rss:>12} | {rate:9.0f} "
                f"| {ratio:>12} |"
            )


if __name__ == "__main__":
    main()
