"""Reading what a cluster-status refresh needs from one cluster: GET requests only.

The health endpoints, /version, discovery (legacy, not aggregated: every group version's
APIResourceList) and the node and pod lists, through the official client's raw calls,
since discovery and the health endpoints have no typed API.
"""

from __future__ import annotations

import json
from typing import Any

import kubernetes

from hubless.kube.cluster_status import Discovery, Observation, health_of
from hubless.kube.connect import failure, send_get


class ListFailed(Exception):
    """Nodes or pods could not be listed: the message says which and why."""


class _NoAnswer(Exception):
    """No HTTP answer at all (connection refused, timed out, TLS)."""


def _get(client: kubernetes.client.ApiClient, path: str) -> tuple[int, Any]:
    """(HTTP status, decoded JSON or None) of GET `path`."""
    try:
        response = send_get(client, path)
        data = response.read()
    except kubernetes.client.ApiException as exc:
        return int(exc.status or 0), None
    except Exception as exc:  # urllib3 and socket failures: the cluster did not answer
        raise _NoAnswer(failure(exc)) from None
    try:
        return response.status, json.loads(data) if data else None
    except ValueError:
        return response.status, None  # /readyz answers "ok", not JSON


def _ok(client: kubernetes.client.ApiClient, path: str) -> Any:
    """The JSON body of a 200 answer, or None."""
    try:
        status, body = _get(client, path)
    except _NoAnswer:
        return None
    return body if status == 200 else None


def health(client: kubernetes.client.ApiClient) -> tuple[int | None, str]:
    """The status code of /readyz, of /healthz when /readyz is 404 (None if no answer),
    and why it is not 200."""
    try:
        readyz, _ = _get(client, "/readyz")
        healthz = _get(client, "/healthz")[0] if readyz == 404 else None
    except _NoAnswer as exc:
        return None, str(exc)
    code = health_of(readyz, healthz)
    return code, "" if code == 200 else f"{'/healthz' if readyz == 404 else '/readyz'}: HTTP {code}"


def discovery(client: kubernetes.client.ApiClient) -> Discovery:
    """ServerGroupsAndResources: the core versions (/api) and every version of every
    group (/apis); group versions that fail to answer are left out and flagged."""
    core, groups = _ok(client, "/api"), _ok(client, "/apis")
    if not isinstance(core, dict):
        return Discovery(failed=True)
    paths = [(v, f"/api/{v}") for v in core.get("versions") or () if isinstance(v, str)]
    for group in (groups or {}).get("groups") or ():
        for version in group.get("versions") or ():
            group_version = str(version.get("groupVersion", ""))
            paths.append((group_version, f"/apis/{group_version}"))
    lists, failed = [], groups is None
    for group_version, path in paths:
        body = _ok(client, path)
        if not isinstance(body, dict):
            failed = True
            continue
        resources = tuple(r for r in body.get("resources") or () if isinstance(r, dict))
        lists.append((group_version, resources))
    return Discovery(tuple(lists), failed)


def _items(client: kubernetes.client.ApiClient, path: str, what: str) -> tuple[Any, ...]:
    try:
        status, body = _get(client, path)
    except _NoAnswer as exc:
        raise ListFailed(f"cannot list {what}: {exc}") from None
    if status != 200 or not isinstance(body, dict):
        raise ListFailed(f"cannot list {what}: HTTP {status}")
    return tuple(item for item in body.get("items") or () if isinstance(item, dict))


def observe(client: kubernetes.client.ApiClient) -> Observation:
    """Everything a refresh reads; past the health check only when the cluster is healthy.

    Raises ListFailed when nodes or pods cannot be listed (Karmada then writes nothing)."""
    code, why = health(client)
    if code != 200:
        return Observation(health=code, why=why)
    version = _ok(client, "/version")
    return Observation(
        health=code,
        version=str(version.get("gitVersion", "")) if isinstance(version, dict) else "",
        discovery=discovery(client),
        nodes=_items(client, "/api/v1/nodes", "nodes"),
        pods=_items(client, "/api/v1/pods", "pods"),
    )
