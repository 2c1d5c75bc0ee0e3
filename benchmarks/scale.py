"""How a cold render grows with the number of clusters, and what one shard of it costs.

    python benchmarks/scale.py [--size 1000x10 --size 10000x10] [--shard 1/4]

For each size (default 1,000 and 10,000 clusters of 10 apps each): a cold `hubless render`
with validation on, as users run it: wall and CPU seconds, peak RSS, and the CPU and wall
per cluster as a multiple of the first size's (1.0: linear growth). Then, on the largest
size, a cold `hubless render --shard K/N` against the whole render: every shard decides
for the whole fleet but writes only its own clusters, so its wall time is about 1/N of the
whole's plus the deciding. Both run with --progress, and the seconds of each stage are
printed side by side: reading and deciding are the part every shard does whole.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet
from timing import HUBLESS, Sample, installed_as_pip_installs, median, timed_with_stderr


def count_objects(rendered: Path) -> int:
    return sum(1 for p in rendered.rglob("*.yaml") if ".hubless" not in p.parts)


# "progress: reading sources: 15 files in 3.9s (4 files/s)"
_STAGE = re.compile(r"^progress: (.+?): \d+ \w+ in ([0-9.]+)s ", re.MULTILINE)


def stages(stderr: str) -> dict[str, float]:
    """Seconds per stage, from the lines `--progress` prints."""
    return {name: float(seconds) for name, seconds in _STAGE.findall(stderr)}


def cold(root: Path, runs: int, *flags: str) -> tuple[Sample, dict[str, float]]:
    """The median of `runs` cold renders, and the stages of the last."""
    samples = []
    said = ""
    for _ in range(runs):
        shutil.rmtree(root / "rendered", ignore_errors=True)
        sample, said = timed_with_stderr([*HUBLESS, "render", "--progress", *flags], root)
        samples.append(sample)
    return median(samples), stages(said)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", action="append", help="CLUSTERSxAPPS, repeatable")
    parser.add_argument("--shard", default="1/4", help="K/N, timed on the largest size")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/hubless-scale"))
    args = parser.parse_args()
    installed_as_pip_installs()
    sizes = args.size or ["1000x10", "10000x10"]
    args.workdir.mkdir(parents=True, exist_ok=True)

    print(
        f"cold `hubless render` (validation on), medians of {args.runs} run(s); CPU is user "
        "+ system seconds, worker processes included\n"
    )
    print(
        "| fleet | objects | wall s | CPU s | peak RSS MiB | CPU ms / cluster "
        "| CPU / cluster growth | wall / cluster growth |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    first: tuple[float, float] | None = None
    largest: tuple[int, Path, Sample, dict[str, float]] | None = None
    for size in sizes:
        clusters, apps = (int(x) for x in size.split("x"))
        root = args.workdir / f"fleet-{size}"
        fleet.write(root, clusters, apps)
        whole, whole_stages = cold(root, args.runs)
        objects = count_objects(root / "rendered")
        per_cluster = (whole.cpu / clusters, whole.wall / clusters)
        first = first or per_cluster
        print(
            f"| {size} | {objects} | {whole.wall:.2f} | {whole.cpu:.2f} | {whole.rss_mib:.0f} "
            f"| {per_cluster[0] * 1000:.2f} | {per_cluster[0] / first[0]:.2f}x "
            f"| {per_cluster[1] / first[1]:.2f}x |",
            flush=True,
        )
        # Only the largest fleet is kept (for the shard): 10,000 clusters take gigabytes.
        if largest is None or clusters >= largest[0]:
            if largest is not None:
                shutil.rmtree(largest[1])
            largest = (clusters, root, whole, whole_stages)
        else:
            shutil.rmtree(root)
    assert largest is not None
    clusters, root, whole, whole_stages = largest
    count = int(args.shard.split("/")[1])
    shard, shard_stages = cold(root, args.runs, "--shard", args.shard)
    print(
        f"\n`hubless render --shard {args.shard}` (cold, validation on) at {clusters} clusters: "
        f"{shard.wall:.2f} s wall, {shard.cpu:.2f} s CPU, peak RSS {shard.rss_mib:.0f} MiB; "
        f"{shard.wall / whole.wall:.2f} of the whole render's wall "
        f"({shard.cpu / whole.cpu:.2f} of its CPU; 1/{count} = {1 / count:.2f})\n"
    )
    print(f"| stage (seconds, last run) | whole render | shard {args.shard} |")
    print("|---|---:|---:|")
    for name in dict.fromkeys([*whole_stages, *shard_stages]):
        print(f"| {name} | {whole_stages.get(name, 0.0):.1f} | {shard_stages.get(name, 0.0):.1f} |")
    every = ("reading sources", "deciding placement")
    fixed = sum(whole_stages.get(name, 0.0) for name in every)
    rest = sum(whole_stages.values()) - fixed
    print(
        f"\nEvery shard reads and decides for the whole fleet ({fixed:.1f} s of the whole "
        f"render's stages); the rest ({rest:.1f} s) is split {count} ways: a shard can take no "
        f"less than about ({fixed:.1f} + {rest:.1f} / {count}) / {fixed + rest:.1f} = "
        f"{(fixed + rest / count) / (fixed + rest):.2f} of the whole."
    )
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
