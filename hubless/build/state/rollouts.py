"""The rollout state: the rollouts under way, committed beside the placement record.

A fresh checkout, `render --check`, `diff` and CI must all see which waves a rollout has
promoted, so it is a committed file, not local state. This module is its only reader and
writer. Promotion times are not kept here: a wave was promoted by the commit that last
changed this file, and git keeps that commit's time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubless.build.state.paths import ROLLOUTS
from hubless.documents import parse_documents
from hubless.errors import Source, UserError
from hubless.fields import Fields
from hubless.git import committed_text
from hubless.repository import RENDERED_DIR

API_VERSION = "hubless.io/v1alpha1"
STATE_PATH = f"{RENDERED_DIR}/{ROLLOUTS}"  # relative to the fleet repository


@dataclass(frozen=True)
class Promotion:
    """A promoted wave: how many of its batches are promoted, and their clusters."""

    wave: str
    batches: int
    clusters: tuple[str, ...]


@dataclass(frozen=True)
class RolloutState:
    """One rollout under way."""

    name: str  # its RolloutPolicy's
    base_revision: str  # the commit whose rendered/ held clusters keep
    target_digest: str  # what the selected objects are becoming (plan.target_digest)
    promoted: tuple[Promotion, ...] = ()  # in wave order

    @property
    def promoted_clusters(self) -> frozenset[str]:
        return frozenset(c for p in self.promoted for c in p.clusters)


@dataclass(frozen=True)
class RolloutStates:
    """Every rollout under way, by name; `where` names the file it was read from."""

    rollouts: Mapping[str, RolloutState]
    where: str = STATE_PATH

    def text(self) -> str:
        """The state file: JSON, rollouts in name order, indented so a diff shows a step."""
        data = {
            "apiVersion": API_VERSION,
            "rollouts": [_written(self.rollouts[name]) for name in sorted(self.rollouts)],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def parse(cls, text: str, where: str = STATE_PATH) -> RolloutStates:
        """The states `text` describes; a UserError at the line of anything else."""
        documents = parse_documents(text, where, track_lines=True)
        if len(documents) != 1 or not isinstance(documents[0].data, dict):
            raise UserError.at(Source(where, 1), "not a hubless rollout state file")
        document = documents[0]
        top = Fields(document, document.data, "")
        top.only(("apiVersion", "rollouts"))
        if top.raw("apiVersion") != API_VERSION:
            raise top.error("apiVersion", f"must be {API_VERSION}")
        found: dict[str, RolloutState] = {}
        for entry in top.maps("rollouts"):
            state = _read(entry)
            if state.name in found:
                raise entry.error("name", f"rollout {state.name!r} is listed twice")
            found[state.name] = state
        return cls(found, where)


def _written(state: RolloutState) -> dict[str, Any]:
    return {
        "name": state.name,
        "baseRevision": state.base_revision,
        "targetDigest": state.target_digest,
        "promoted": [
            {"wave": p.wave, "batches": p.batches, "clusters": list(p.clusters)}
            for p in state.promoted
        ],
    }


def _read(entry: Fields) -> RolloutState:
    entry.only(("name", "baseRevision", "targetDigest", "promoted"))
    promoted = []
    for item in entry.maps("promoted"):
        item.only(("wave", "batches", "clusters"))
        batches = item.integer("batches")
        if batches < 1:
            raise item.error("batches", "must be 1 or more")
        promoted.append(
            Promotion(item.text("wave", required=True), batches, item.strings("clusters"))
        )
    return RolloutState(
        name=entry.text("name", required=True),
        base_revision=entry.text("baseRevision", required=True),
        target_digest=entry.text("targetDigest", required=True),
        promoted=tuple(promoted),
    )


def read_rollouts(repo: Path) -> RolloutStates:
    """The rollouts under way: the work tree's file, else the committed one, else none."""
    path = repo / STATE_PATH
    if path.is_file() and not path.is_symlink():
        return RolloutStates.parse(path.read_text(encoding="utf-8"))
    return rollouts_at(repo, "HEAD", f"HEAD:{STATE_PATH}")


def rollouts_at(repo: Path, ref: str, where: str = STATE_PATH) -> RolloutStates:
    """The rollouts under way as committed at `ref` (none when the file is not there)."""
    text = committed_text(repo, STATE_PATH, ref)
    return RolloutStates.parse(text, where) if text is not None else RolloutStates({}, where)


def write_rollouts(repo: Path, states: RolloutStates) -> None:
    """Write the state file (replaced whole); with no rollout under way there is none."""
    path = repo / STATE_PATH
    if not states.rollouts:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    pending = path.with_name(path.name + ".tmp")
    pending.write_bytes(states.text().encode("utf-8"))
    os.replace(pending, path)
