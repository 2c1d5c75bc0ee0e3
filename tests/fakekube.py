"""A Kubernetes API server stand-in on 127.0.0.1, behind a real kubeconfig.

No API server can run in the tests, so each fake cluster is a small HTTP server that
answers GET requests from a table of paths to JSON bodies: the responses' shapes are
taken from the Kubernetes API reference (and the Argo CD / Flux CRDs), and the official
`kubernetes` client talks to it exactly as it talks to a cluster, through a kubeconfig
whose contexts name these servers. Every request is recorded, so a test can assert that a
command only read (GET) and what it read.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# A route answers with (HTTP status, JSON body); a callable gets the query parameters.
Answer = tuple[int, Any]
Route = Answer | Callable[[Mapping[str, list[str]]], Answer]

TOKEN = "hubless-test-token"


def not_found(path: str) -> Answer:
    """The API server's 404 Status object."""
    return 404, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"the server could not find the requested resource ({path})",
        "reason": "NotFound",
        "details": {},
        "code": 404,
    }


def object_list(kind: str, items: list[dict[str, Any]], api_version: str = "v1") -> Answer:
    """A list response as the API server sends it (`kind: <Kind>List`)."""
    return 200, {
        "kind": f"{kind}List",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": "1"},
        "items": items,
    }


# The verbs discovery lists for an ordinary resource, and for a subresource (a name with /).
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_SUBRESOURCE_VERBS = ["get", "patch", "update"]


def api_resource_list(group_version: str, resources: list[tuple[str, str, bool]]) -> Answer:
    """An APIResourceList (/api/v1, /apis/<group>/<version>) of (name, kind, namespaced)
    entries; a name with a "/" is a subresource, as deployments/scale."""
    entries = []
    for name, kind, namespaced in resources:
        sub = "/" in name
        entries.append(
            {
                "name": name,
                "singularName": "" if sub else kind.lower(),
                "namespaced": namespaced,
                "kind": kind,
                "verbs": _SUBRESOURCE_VERBS if sub else _VERBS,
            }
        )
    return 200, {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": entries,
    }


def discovery(served: Mapping[str, list[tuple[str, str, bool]]]) -> dict[str, Route]:
    """Routes for the discovery documents of these group versions (group version ->
    resources as `api_resource_list` takes them): /api (APIVersions), /apis
    (APIGroupList, the first version of a group preferred) and each resource list."""
    routes: dict[str, Route] = {}
    groups: dict[str, list[str]] = {}
    for group_version, resources in served.items():
        group, _, version = group_version.rpartition("/")
        if group:
            groups.setdefault(group, []).append(version)
            routes[f"/apis/{group_version}"] = api_resource_list(group_version, resources)
        else:
            routes[f"/api/{version}"] = api_resource_list(group_version, resources)
    routes["/api"] = (
        200,
        {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}
            ],
        },
    )
    routes["/apis"] = (
        200,
        {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{v}", "version": v} for v in versions],
                    "preferredVersion": {
                        "groupVersion": f"{group}/{versions[0]}",
                        "version": versions[0],
                    },
                }
                for group, versions in groups.items()
            ],
        },
    )
    return routes


@dataclass
class FakeCluster:
    """One fake API server: `routes` maps a path (no query string) to its answer."""

    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    url: str = ""

    def answer(self, method: str, target: str) -> Answer:
        self.requests.append((method, target))
        if method != "GET":
            return 405, {"kind": "Status", "code": 405, "message": "read-only fake"}
        parts = urlsplit(target)
        route = self.routes.get(parts.path)
        if route is None:
            return not_found(parts.path)
        if callable(route):
            return route(parse_qs(parts.query))
        return route


def _handler(cluster: FakeCluster) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                status, body = 401, {"kind": "Status", "code": 401, "reason": "Unauthorized"}
            else:
                status, body = cluster.answer(method, self.path)
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def do_PUT(self) -> None:
            self._reply("PUT")

        def do_PATCH(self) -> None:
            self._reply("PATCH")

        def do_DELETE(self) -> None:
            self._reply("DELETE")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

    return Handler


@contextmanager
def serving(cluster: FakeCluster) -> Iterator[FakeCluster]:
    """Serve `cluster` on a free port of 127.0.0.1 while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(cluster))
    cluster.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield cluster
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def unreachable_url() -> str:
    """An address where nothing listens (a port bound and closed again)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


def write_kubeconfig(path: Path, servers: Mapping[str, str]) -> Path:
    """A kubeconfig with one context per (context name -> server URL), token auth."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": url}} for name, url in servers.items()],
        "users": [{"name": "reader", "user": {"token": TOKEN}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": "reader"}} for name in servers
        ],
        "current-context": next(iter(servers), ""),
    }
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path
