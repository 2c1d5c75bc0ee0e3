"""Splitting a large fleet's render across machines: shard K of N, and the merge.

Every shard makes all decisions over the whole fleet (scheduling needs every cluster) and
writes the objects of its own clusters only, to rendered/.hubless/shards/K-of-N/. A cluster
belongs to shard (sha256 of its name mod N) + 1, whatever the other clusters are. Each
shard records what it was rendered from (the inputs digest) and the sha256 of every file
it wrote, and the options it was given; it validates its own clusters' objects as a render
validates them. Merging checks that every shard of N is there, that each still holds what
it wrote, only its own clusters, and was rendered from the sources being merged, and that
the shards agree, options included; then it writes rendered/ as one render with those
options would, and says what that render says (each shard keeps what it found about its
own clusters' objects).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from hubless.build.digests import SourceDigests, manifest_of, template_digests
from hubless.build.namespaces import folders_of
from hubless.build.reuse import Digests
from hubless.build.state.hashes import remember, tree_digest
from hubless.build.state.lock import locked
from hubless.build.state.manifest import Warnings
from hubless.build.state.paths import MANIFEST, SHARD_DIGESTS, SHARDS, cluster_of, is_meta
from hubless.build.state.record import previous_of, read_record
from hubless.build.state.transaction import (
    TreeChange,
    advice,
    apply,
    compare,
    remove,
    write_file,
)
from hubless.build.suspension import committed_tree, suspended, suspends
from hubless.build.tree import desired_tree
from hubless.build.warned import combined, custom_kinds, template_notes, warnings_of
from hubless.compile import decide, materialize
from hubless.errors import Problem, Source, UserError
from hubless.load import load_fleet, read_sources
from hubless.model import Fleet
from hubless.progress import Progress, quiet
from hubless.repository import RENDERED_DIR
from hubless.results import Compiled
from hubless.validation import validate_compiled

_SPEC = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")


def parse(text: str) -> tuple[int, int]:
    match = _SPEC.fullmatch(text)
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise UserError.at(None, f"--shard {text!r}: expected K/N with 1 <= K <= N")
    return int(match.group(1)), int(match.group(2))


def shard_of(cluster: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(cluster.encode("utf-8")).digest()[:8], "big") % count + 1


def members(clusters: Iterable[str], index: int, count: int) -> frozenset[str]:
    return frozenset(name for name in clusters if shard_of(name, count) == index)


@dataclass(frozen=True)
class Options:
    """What `render` is told beside its sources that changes what it refuses and says, not
    the objects it writes: the merge says what one render given them says, so every shard
    must have been given the same."""

    validate: bool = True
    kube_version_default: str = ""  # "": none

    def __str__(self) -> str:
        flags = [] if self.validate else ["--no-validate"]
        if self.kube_version_default:
            flags.append(f"--kube-version-default {self.kube_version_default}")
        return " ".join(flags) or "no options"

    def to_data(self) -> dict[str, object]:
        return {"validate": self.validate, "kubeVersionDefault": self.kube_version_default}

    @classmethod
    def of_data(cls, data: object) -> Options:
        """Raises ValueError for anything `to_data` did not write."""
        if not isinstance(data, dict):
            raise ValueError("options")
        validate, version = data.get("validate"), data.get("kubeVersionDefault")
        if not isinstance(validate, bool) or not isinstance(version, str):
            raise ValueError("options")
        return cls(validate, version)


def digests_bytes(
    clusters: Mapping[str, str],
    placements: Mapping[str, str],
    inputs: str = "",
    files: Mapping[str, str] | None = None,
    warnings: Warnings | None = None,
    options: Options | None = None,
) -> bytes:
    """A shard's digests file: the fleet's cluster and template-entry digests, and (for
    the merge's checks) the inputs and options it was rendered with and its files' sha256,
    and (for the merge to say) what it found rendering."""
    data: dict[str, object] = {"clusters": dict(clusters), "placements": dict(placements)}
    if inputs:
        data["inputs"] = inputs
    if files is not None:
        data["files"] = dict(files)
    if warnings:
        data["warnings"] = warnings.to_data()
    if options is not None:
        data["options"] = options.to_data()
    return json.dumps(data, indent=2, sort_keys=True).encode("utf-8")


@dataclass(frozen=True)
class Written:
    """What shard `index` of `count`, in `folder`, says it was rendered from and wrote."""

    folder: str  # as the repository names it
    index: int
    count: int
    inputs: str
    options: Options
    files: dict[str, str]  # path -> sha256 hex
    warnings: Warnings  # what it found: about every template, and its clusters' objects


def _written(folder: str, index: int, count: int, text: bytes) -> Written | None:
    try:
        data = json.loads(text)
        files = data["files"]
        if not isinstance(data["inputs"], str) or not isinstance(files, dict):
            return None
        return Written(
            folder,
            index,
            count,
            data["inputs"],
            Options.of_data(data["options"]),
            {str(k): str(v) for k, v in files.items()},
            Warnings.of_data(data.get("warnings", {})),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _shard_files(folder: Path) -> dict[str, bytes]:
    found = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = Path(directory) / name
            found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def verify(root: Path, inputs: str) -> list[Written]:
    """Every shard under `root` (rendered/) holds what it wrote, only its own clusters, and
    was rendered from sources whose inputs digest is `inputs`; else an error naming it.
    What each shard says of itself."""
    found = []
    base = root / SHARDS
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        match = re.fullmatch(r"([0-9]+)-of-([0-9]+)", folder.name)
        if match is None or folder.is_symlink() or not folder.is_dir():
            continue  # `read` names it
        index, count = int(match.group(1)), int(match.group(2))
        where = f"{RENDERED_DIR}/{SHARDS}/{folder.name}"
        files = _shard_files(folder)
        written = _written(where, index, count, files.pop(SHARD_DIGESTS, b""))
        if written is None:
            raise UserError.at(
                Source(where, 0),
                f"shard {index} of {count} does not record what it was rendered from "
                "(written by an older hubless, or edited): render it again",
            )
        if written.inputs != inputs:
            raise UserError.at(
                Source(where, 0),
                f"shard {index} of {count} was rendered from other sources than these "
                "(before a change, or from another revision): render it again",
            )
        hashes = {p: hashlib.sha256(c).hexdigest() for p, c in files.items()}
        for relative in sorted(set(hashes) | set(written.files)):
            if hashes.get(relative) != written.files.get(relative):
                what = (
                    "is not one it wrote"
                    if relative not in written.files
                    else "is missing"
                    if relative not in hashes
                    else "differs from what it wrote"
                )
                raise UserError.at(
                    Source(f"{where}/{relative}", 0),
                    f"shard {index} of {count}: this file {what} (changed after rendering?): "
                    "render the shard again",
                )
        for cluster in sorted({cluster_of(p) for p in files if not is_meta(p)}):
            owner = shard_of(cluster, count)
            if owner != index:
                raise UserError.at(
                    Source(f"{where}/{cluster}", 0),
                    f"shard {index} of {count} holds cluster {cluster}, which belongs to "
                    f"shard {owner}: render the shards again",
                )
        found.append(written)
    return found


def agreed(shards: Sequence[Written]) -> Options:
    """The options every one of `shards` was rendered with; else an error naming two
    shards that were given different ones."""
    if not shards:
        return Options()
    first = shards[0]
    for other in shards[1:]:
        if other.options != first.options:
            raise UserError.at(
                Source(other.folder, 0),
                f"shard {other.index} of {other.count} was rendered with {other.options}, "
                f"shard {first.index} with {first.options}: render every shard with the "
                "same options",
            )
    return first.options


def parse_digests(text: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """A shard's digests; none if they are missing or unreadable (the next render makes
    them)."""
    try:
        data = json.loads(text)
        return (
            {str(k): str(v) for k, v in data["clusters"].items()},
            {str(k): str(v) for k, v in data["placements"].items()},
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}, {}


# Where a shard is written before it takes its folder's place (a hidden name under shards/:
# never a shard, so a merge passes over what an interrupted shard left).
_PENDING = ".pending-"


def write(root: Path, index: int, count: int, tree: Mapping[str, bytes]) -> Path:
    """Put `tree` in shard K-of-N's folder under `root` (rendered/), in place of what it
    held; an error leaves that folder as it was."""
    name = f"{index}-of-{count}"
    target = root / SHARDS / name
    pending = root / SHARDS / f"{_PENDING}{name}"
    try:
        remove(pending)
        # Each folder made once, each file written through the OS (a shard is tens of
        # thousands of files: pathlib's per-file overhead is a good part of its time).
        made: set[str] = set()
        top = os.fspath(pending)
        for relative, content in tree.items():
            folder, _, _ = relative.rpartition("/")
            if folder not in made:
                os.makedirs(os.path.join(top, folder), exist_ok=True)
                made.add(folder)
            write_file(os.path.join(top, relative), content)
        remove(target)
        os.rename(pending, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            remove(pending)
        raise UserError.at(
            Source(f"{RENDERED_DIR}/{SHARDS}/{name}", 0),
            f"could not write shard {index} of {count} ({exc.strerror or exc}): nothing "
            f"was written; {advice(exc)} and render the shard again",
        ) from None
    return target


def read(root: Path) -> dict[str, bytes]:
    """The union of every shard's files; an error unless all of one N are there and agree."""
    base = root / SHARDS
    found = sorted(base.iterdir()) if base.is_dir() else []
    shards = {}
    for entry in found:
        if entry.name.startswith(_PENDING):
            continue  # what an interrupted shard left: the next render of it removes it
        match = re.fullmatch(r"([0-9]+)-of-([0-9]+)", entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            raise UserError.at(None, f"{entry}: not a shard folder (K-of-N)")
        shards[(int(match.group(1)), int(match.group(2)))] = entry
    counts = {n for _, n in shards}
    if len(counts) != 1:
        raise UserError.at(None, f"{base}: expected the shards of one N, found {sorted(shards)}")
    count = counts.pop()
    missing = [k for k in range(1, count + 1) if (k, count) not in shards]
    if missing:
        raise UserError.at(None, f"{base}: shards {missing} of {count} are missing")
    tree: dict[str, bytes] = {}
    for (index, _), folder in sorted(shards.items()):
        for relative, content in _shard_files(folder).items():
            if relative == SHARD_DIGESTS:
                # Each shard's own (its files differ); the fleet's digests in it must agree.
                relative, content = SHARD_DIGESTS, _fleet_digests(content)
            if relative in tree and tree[relative] != content:
                raise UserError.at(
                    None, f"shard {index} disagrees with an earlier one on {relative}"
                )
            tree[relative] = content
    return tree


def _fleet_digests(text: bytes) -> bytes:
    """A shard's digests file without what is the shard's own (its inputs and files)."""
    return digests_bytes(*parse_digests(text))


@dataclass(frozen=True)
class Shard:
    index: int
    count: int
    clusters: frozenset[str]
    objects: int
    folder: Path


def _ignore(_: Problem) -> None:
    pass


def _validate(
    fleet: Fleet,
    own: frozenset[str],
    compiled: Compiled,
    kube_version_default: str,
    report: Callable[[Problem], None],
) -> None:
    """Each object of the clusters `own` (all that `compiled` holds) against its cluster's
    Kubernetes, as a render validates them: its warnings to `report`, then its errors
    raised. Only `own` are looked at, so a cluster without a version is said of once, by
    its shard."""
    mine = replace(fleet, clusters=tuple(c for c in fleet.clusters if c.name in own))
    checked = validate_compiled(compiled, mine, kube_version_default or None)
    for warning in checked.warnings:
        report(warning)
    if checked.errors:
        raise UserError(checked.errors)


def render_shard(
    repo: Path,
    spec: str,
    *,
    rebalance: bool = False,
    options: Options = Options(),
    report: Callable[[Problem], None] = _ignore,
    progress: Progress | None = None,
) -> Shard:
    """Render shard K of N (`spec`) into rendered/.hubless/shards/K-of-N/, validating its
    clusters' objects unless `options` say not (validation's warnings go to `report`); an
    error writes nothing. `progress` hears of each stage."""
    progress = progress or quiet()
    index, count = parse(spec)
    rendered = repo / RENDERED_DIR
    progress.begin("reading sources")
    files = read_sources(repo)
    record = read_record(repo)
    fleet = load_fleet(files, {} if rebalance else previous_of(record))
    progress.end(len(files))
    if fleet.rollout_policies:
        # A rollout's target is what its objects become on every cluster, which no shard
        # builds alone.
        policy = fleet.rollout_policies[0]
        raise UserError.at(
            policy.source,
            f"{policy.ref}: a fleet with rollouts is rendered whole (`hubless render`), "
            "not in shards",
        )
    own = members((c.name for c in fleet.clusters), index, count)
    progress.begin("deciding placement")
    decided = decide(fleet, previous_of(record), rebalance=rebalance, until_stable=True)
    progress.end(len(fleet.templates))
    progress.begin("writing objects")
    compiled = materialize(decided, own)
    objects = sum(len(items) for items in compiled.objects.values())
    holding = suspends(fleet)
    committed = committed_tree(repo) if holding else {}
    tree = suspended(fleet, compiled, desired_tree(compiled), committed).tree
    progress.end(objects)
    if options.validate:
        progress.begin("validating")
        _validate(fleet, own, compiled, options.kube_version_default, report)
        progress.end(objects)
    # The digests cover the whole fleet (every shard decides everything): the merge keeps them.
    # None when anything is held: held files are not what their digests say (as in plan).
    digests = Digests.of(decided)
    found = Warnings(
        templates=tuple(template_notes(decided, compiled.oversized).values()),
        custom_kinds={k: tuple(sorted(v)) for k, v in custom_kinds(compiled.objects).items()},
    )
    tree[SHARD_DIGESTS] = digests_bytes(
        {} if holding else digests.clusters(),
        {} if holding else digests.templates(),
        SourceDigests.of(files).inputs,
        {p: hashlib.sha256(c).hexdigest() for p, c in tree.items()},
        found,
        options,
    )
    progress.begin("writing rendered/")
    with locked(rendered, lambda: None):
        folder = write(rendered, index, count, tree)
    progress.end(len(tree))
    return Shard(index, count, own, objects, folder)


@dataclass(frozen=True)
class Merged:
    change: TreeChange  # what the merge changed under rendered/
    warnings: Warnings  # what one render of the whole fleet with the shards' options says
    validated: bool  # whether that render validates (else it says nothing of validation)


def merge(repo: Path, on_wait: Callable[[], None]) -> Merged:
    """Combine every shard into rendered/, as one render of the whole fleet with the
    shards' options would write it."""
    rendered = repo / RENDERED_DIR
    with locked(rendered, on_wait):
        sources = read_sources(repo)
        source_digests = SourceDigests.of(sources)
        found = verify(rendered, source_digests.inputs)
        tree = read(rendered)
        options = agreed(found)
        clusters, entries = parse_digests(tree.pop(SHARD_DIGESTS, b""))
        fleet = load_fleet(sources, previous_of(read_record(repo)))
        notes, kinds = combined([shard.warnings for shard in found])
        warnings = warnings_of(
            fleet, notes, folders_of(tree), kinds, options.kube_version_default or None
        )
        manifest = manifest_of(
            source_digests,
            template_digests(fleet.templates),
            tree_digest(tree),
            clusters,
            entries,
            warnings,
        )
        tree[MANIFEST] = manifest.to_bytes()
        change = compare(rendered, tree)  # the shards folder is not in the tree: it goes too
        if not change.empty:
            remember(rendered, apply(rendered, change))
    return Merged(change, warnings, options.validate)
