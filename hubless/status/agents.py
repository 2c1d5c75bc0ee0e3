"""What an Argo CD Application or a Flux Kustomization says about the folder it deploys.

Read from the objects exactly as `kubectl get -o json` prints them (Argo CD's
pkg/apis/application/v1alpha1 types, kustomize-controller's api/v1 types):

- Application: the folder is each `spec.sources[].path` when it lists any, else
  `spec.source.path`. Argo CD's `status.sync.revision` is the commit it compared the live
  objects with; they match it only when `status.sync.status` is Synced. Otherwise the
  cluster still runs the last deployed commit: the last `status.history[]` entry (then the
  `operationState.syncResult` of a sync that succeeded). An operation whose phase is
  Failed or Error, or a condition of an *Error type (ComparisonError, SyncError, ...),
  means it failed. `status.resources[]` lists every
  object of the folder and every one Argo CD would prune, each Synced or OutOfSync with its
  health, unless `status.resourceHealthSource` is appTree (Argo CD 3's default: the health
  of each object is kept elsewhere); `status.health.status` is the whole application's.
- Kustomization: the folder is `spec.path`; it runs `status.lastAppliedRevision`. Ready
  False means its last attempt failed (the Ready message says why), also while it retries
  (Reconciling True, reason ProgressingWithRetry); the Healthy
  condition (present when it waits for health checks) is its health; every object it
  applied is in `status.inventory.entries[].id` (`<namespace>_<name>_<group>_<kind>`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hubless.errors import Source
from hubless.model import ResourceKey
from hubless.repository import RENDERED_DIR
from hubless.status.health import Health
from hubless.status.revisions import commit_of

ARGO_GROUP = "argoproj.io"
FLUX_GROUP = "kustomize.toolkit.fluxcd.io"

# Argo CD's health words (gitops-engine's health codes) as Karmada's three.
_ARGO_HEALTH = {
    "Healthy": Health.HEALTHY,
    "Degraded": Health.UNHEALTHY,
    "Missing": Health.UNHEALTHY,
    "Progressing": Health.UNKNOWN,
    "Suspended": Health.UNKNOWN,
    "Unknown": Health.UNKNOWN,
}
_CONDITION_HEALTH = {"True": Health.HEALTHY, "False": Health.UNHEALTHY, "Unknown": Health.UNKNOWN}


@dataclass(frozen=True)
class ReportedObject:
    """One object an agent lists."""

    key: ResourceKey
    out_of_sync: bool = False  # Argo CD: status OutOfSync
    missing: bool = False  # Argo CD: health Missing (in git, not in the cluster)
    prune: bool = False  # Argo CD: requiresPruning (in the cluster, not in git)
    health: Health | None = None


@dataclass(frozen=True)
class AgentReport:
    what: str  # "Application argocd/fleet", "Kustomization flux-system/fleet"
    source: Source
    folders: tuple[tuple[str, str | None], ...]  # (folder, the commit it runs there)
    failed: str | None  # why it failed, when it did
    synced: bool | None
    health: Health | None  # None: it says nothing about health
    health_detail: str
    objects: tuple[ReportedObject, ...] | None  # None: it lists none
    observed_at: datetime | None  # when it last looked

    def __str__(self) -> str:
        return f"{self.what} ({self.source})"


def is_agent(body: Mapping[str, Any]) -> bool:
    api_version = str(body.get("apiVersion", ""))
    kind = body.get("kind")
    return (api_version.startswith(ARGO_GROUP + "/") and kind == "Application") or (
        api_version.startswith(FLUX_GROUP + "/") and kind == "Kustomization"
    )


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _maps(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def timestamp(value: Any) -> datetime | None:
    """An RFC 3339 time as Kubernetes writes it, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def normalize_path(path: str) -> str:
    """A source path as git names it: `./rendered/a/` is `rendered/a`."""
    normal = posixpath.normpath(path.strip().lstrip("/")) if path.strip() else ""
    return "" if normal == "." else normal


def rendered_cluster(folder: str, prefix: str) -> str | None:
    """The cluster whose folder `folder` is (`<prefix>rendered/<cluster>`), else None."""
    head = f"{prefix}{RENDERED_DIR}/"
    if not folder.startswith(head):
        return None
    rest = folder[len(head) :]
    return rest if rest and "/" not in rest and not rest.startswith(".") else None


def owners(report: AgentReport, prefix: str, clusters: Collection[str]) -> list[str]:
    """The clusters whose folder the agent deploys."""
    found = [rendered_cluster(folder, prefix) for folder, _ in report.folders]
    return sorted({name for name in found if name is not None and name in clusters})


def _name(body: Mapping[str, Any]) -> str:
    metadata = _map(body.get("metadata"))
    namespace, name = metadata.get("namespace"), metadata.get("name")
    return f"{namespace}/{name}" if namespace else str(name)


def _nth(revisions: Any, index: int) -> str | None:
    return (
        _text(revisions[index]) if isinstance(revisions, list) and index < len(revisions) else None
    )


def _argo_deployed(status: Mapping[str, Any], index: int, multi: bool) -> str | None:
    """The commit last deployed. Argo CD appends to `history` (oldest first) when a whole
    sync succeeded; `operationState.syncResult` names the commit a sync goes to from its
    start, so it counts only once that sync succeeded, whole and not a dry run."""
    history = _maps(status.get("history"))
    if history:
        newest = history[-1]
        return _nth(newest.get("revisions"), index) if multi else _text(newest.get("revision"))
    operation = _map(status.get("operationState"))
    sync = _map(_map(operation.get("operation")).get("sync"))
    if operation.get("phase") != "Succeeded" or sync.get("resources") or sync.get("dryRun"):
        return None
    result = _map(operation.get("syncResult"))
    return _nth(result.get("revisions"), index) if multi else _text(result.get("revision"))


def _argo(body: Mapping[str, Any], source: Source) -> AgentReport:
    spec, status = _map(body.get("spec")), _map(body.get("status"))
    sync = _map(status.get("sync"))
    synced_word = sync.get("status")
    synced = {"Synced": True, "OutOfSync": False}.get(str(synced_word))
    # As Argo CD's GetSources: `sources` when it lists any, else `source`.
    multi = bool(_maps(spec.get("sources")))
    sources = _maps(spec.get("sources")) if multi else [_map(spec.get("source"))]
    folders: list[tuple[str, str | None]] = []
    for index, item in enumerate(sources):
        path = item.get("path")
        if not isinstance(path, str):
            continue  # a Helm chart or another source that is not a folder of this repository
        if synced:
            runs = _nth(sync.get("revisions"), index) if multi else _text(sync.get("revision"))
        else:
            runs = _argo_deployed(status, index, multi)
        folders.append((normalize_path(path), commit_of(runs) if runs else None))
    failed = None
    operation = _map(status.get("operationState"))
    if operation.get("phase") in ("Failed", "Error"):
        failed = _text(operation.get("message")) or f"sync {operation.get('phase')}"
    for condition in _maps(status.get("conditions")):
        kind = str(condition.get("type", ""))
        if failed is None and kind.endswith("Error"):
            failed = f"{kind}: {condition.get('message', '')}".rstrip(": ")
    health_map = _map(status.get("health"))
    health_word = _text(health_map.get("status"))
    health = _ARGO_HEALTH.get(health_word, Health.UNKNOWN) if health_word else None
    detail = health_word or ""
    if health_word and _text(health_map.get("message")):
        detail = f"{health_word}: {health_map['message']}"
    # Argo CD 3 keeps each object's health out of the Application unless told to persist
    # it, and then says so: resourceHealthSource appTree.
    inline = status.get("resourceHealthSource", "") == ""
    objects = []
    for item in _maps(status.get("resources")):
        key = ResourceKey(
            str(item.get("group") or ""),
            str(item.get("kind") or ""),
            str(item.get("namespace") or ""),
            str(item.get("name") or ""),
        )
        object_health = _text(_map(item.get("health")).get("status"))
        objects.append(
            ReportedObject(
                key,
                out_of_sync=item.get("status") == "OutOfSync",
                missing=object_health == "Missing",
                prune=item.get("requiresPruning") is True,
                # Argo CD assesses no health for some kinds (a ConfigMap): they count as
                # healthy once present, as in its application health and in Karmada's.
                health=_ARGO_HEALTH.get(object_health, Health.UNKNOWN)
                if object_health
                else (Health.HEALTHY if inline else None),
            )
        )
    return AgentReport(
        f"Application {_name(body)}",
        source,
        tuple(folders),
        failed,
        synced,
        health,
        detail,
        tuple(objects) if "resources" in status else None,
        timestamp(status.get("reconciledAt")),
    )


def inventory_key(entry_id: str) -> ResourceKey | None:
    """A Flux inventory id, `<namespace>_<name>_<group>_<kind>`, as a key, split as Flux's
    cli-utils parses it: namespace to the first `_`, kind and group from the last two, the
    rest the name, whose `__` stands for the `:` of an RBAC object's name."""
    namespace, separator, rest = entry_id.partition("_")
    rest, separator_kind, kind = rest.rpartition("_")
    name, separator_group, group = rest.rpartition("_")
    if not (separator and separator_kind and separator_group):
        return None
    return ResourceKey(group, kind, namespace, name.replace("__", ":"))


def _flux(body: Mapping[str, Any], source: Source) -> AgentReport:
    spec, status = _map(body.get("spec")), _map(body.get("status"))
    conditions = {str(c.get("type")): c for c in _maps(status.get("conditions"))}
    ready = _map(conditions.get("Ready"))
    failed = None
    # Ready is Unknown while an attempt runs and False only once one failed; Reconciling
    # stays True after a failure (reason ProgressingWithRetry), so it says nothing here.
    if ready.get("status") == "False":
        failed = _text(ready.get("message")) or _text(ready.get("reason")) or "not ready"
    applied = _text(status.get("lastAppliedRevision"))
    attempted = _text(status.get("lastAttemptedRevision"))
    synced = None
    if ready.get("status") == "True":
        synced = attempted is None or attempted == applied
    elif ready.get("status") == "False":
        synced = False
    healthy = conditions.get("Healthy")
    health = _CONDITION_HEALTH.get(str(healthy.get("status"))) if healthy else None
    detail = ""
    if healthy:
        detail = str(healthy.get("reason") or healthy.get("status"))
        if _text(healthy.get("message")):
            detail = f"{detail}: {healthy['message']}"
    objects = None
    inventory = status.get("inventory")
    if isinstance(inventory, Mapping):
        keys = [
            inventory_key(str(entry.get("id", ""))) for entry in _maps(inventory.get("entries"))
        ]
        objects = tuple(ReportedObject(key) for key in keys if key is not None)
    # Flux marks Ready Unknown when an attempt starts and True or False when it ends, so
    # Ready's lastTransitionTime is the end of its last attempt, even with nothing changed.
    times = [timestamp(c.get("lastTransitionTime")) for c in conditions.values()]
    known = [moment for moment in times if moment is not None]
    path = spec.get("path")
    folder = normalize_path(path) if isinstance(path, str) else ""
    return AgentReport(
        f"Kustomization {_name(body)}",
        source,
        ((folder, commit_of(applied) if applied else None),),
        failed,
        synced,
        health,
        detail,
        objects,
        max(known) if known else None,
    )


def agent_report(body: Mapping[str, Any], source: Source) -> AgentReport:
    """What an Application or a Kustomization (is_agent) says."""
    if str(body.get("apiVersion", "")).startswith(ARGO_GROUP + "/"):
        return _argo(body, source)
    return _flux(body, source)
