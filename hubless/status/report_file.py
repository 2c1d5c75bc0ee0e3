"""The file `hubless status collect` writes per cluster and `hubless status` reads.

One JSON object per cluster, deterministic bytes (sorted keys, two-space indent, one
trailing newline):

    {
      "apiVersion": "hubless.io/v1alpha1",
      "kind": "ClusterReport",
      "metadata": {"name": "<cluster>"},
      "collectedAt": "2026-12-06T17:00:00Z",    # when it was read (UTC, seconds)
      "context": "<kubeconfig context>",
      "error": null,                             # or why the cluster could not be read
      "items": [...]                             # objects as the API server returns them
    }

`items` hold the objects exactly as `kubectl get -o json` prints them (apiVersion and
kind set, `metadata.managedFields` left out), sorted by apiVersion, kind, namespace, name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hubless.errors import Source, UserError

API_VERSION = "hubless.io/v1alpha1"
KIND = "ClusterReport"


@dataclass(frozen=True)
class ClusterReport:
    cluster: str
    collected_at: datetime  # timezone-aware, UTC
    context: str
    items: tuple[Mapping[str, Any], ...] = ()
    error: str | None = None  # the cluster could not be read: why
    source: Source | None = field(default=None, compare=False)  # the file it was read from


def is_cluster_report(document: Mapping[str, Any]) -> bool:
    return document.get("apiVersion") == API_VERSION and document.get("kind") == KIND


def _sort_key(item: Mapping[str, Any]) -> tuple[str, str, str, str]:
    metadata = item.get("metadata") or {}
    return (
        str(item.get("apiVersion", "")),
        str(item.get("kind", "")),
        str(metadata.get("namespace", "")),
        str(metadata.get("name", "")),
    )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def without_managed_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The object without metadata.managedFields (bookkeeping of the API server)."""
    copy = dict(item)
    metadata = copy.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        copy["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return copy


def dump(report: ClusterReport) -> bytes:
    items: Sequence[Mapping[str, Any]] = sorted(
        (without_managed_fields(item) for item in report.items), key=_sort_key
    )
    document = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": report.cluster},
        "collectedAt": _timestamp(report.collected_at),
        "context": report.context,
        "error": report.error,
        "items": list(items),
    }
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def parse(document: Mapping[str, Any], source: Source) -> ClusterReport:
    """A ClusterReport from its parsed JSON (or YAML) document."""

    def fail(message: str) -> UserError:
        return UserError.at(source, f"{KIND}: {message}")

    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise fail("metadata.name (the cluster) must be a non-empty string")
    collected = document.get("collectedAt")
    if not isinstance(collected, str):
        raise fail("collectedAt must be a timestamp like 2026-12-06T17:00:00Z")
    try:
        moment = datetime.strptime(collected, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise fail(
            f"collectedAt {collected!r} is not a timestamp like 2026-12-06T17:00:00Z"
        ) from None
    context = document.get("context", "")
    error = document.get("error")
    items = document.get("items", [])
    if not isinstance(context, str):
        raise fail("context must be a string")
    if error is not None and not isinstance(error, str):
        raise fail("error must be null or a string")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise fail("items must be a list of objects")
    unknown = sorted(
        set(document)
        - {"apiVersion", "kind", "metadata", "collectedAt", "context", "error", "items"}
    )
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}")
    return ClusterReport(name, moment, context, tuple(items), error, source)
