"""Reaching a cluster through a kubeconfig context with the official client, read-only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import kubernetes
import urllib3

# Seconds to connect and to read one response: an unreachable cluster fails fast and
# never holds up the others.
TIMEOUT = (5.0, 30.0)


class Unreachable(Exception):
    """The cluster could not be read: the message says why, in one line."""


def api_client(kubeconfig: Path | None, context: str) -> kubernetes.client.ApiClient:
    """A client for `context` of `kubeconfig` (default: $KUBECONFIG, then ~/.kube/config)."""
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_kube_config(  # type: ignore[no-untyped-call]
            str(kubeconfig) if kubeconfig else None,
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    except kubernetes.config.ConfigException as exc:
        raise Unreachable(f"kubeconfig: {exc}") from None
    except OSError as exc:
        raise Unreachable(f"kubeconfig: {exc.strerror or exc}") from None
    # One attempt: a report says what was seen now. Set before the client builds its
    # connection pool, which reads it once.
    configuration.retries = 0
    return kubernetes.client.ApiClient(configuration=configuration)


def failure(exc: BaseException) -> str:
    """One line saying why a request failed (for a report, never a traceback)."""
    if isinstance(exc, kubernetes.client.ApiException):
        reason = exc.reason or ""
        return f"HTTP {exc.status} {reason}".strip()
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "cannot connect: connection refused or no route"
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "timed out"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"TLS: {exc}"
    return f"{type(exc).__name__}: {exc}"


def send_get(
    client: kubernetes.client.ApiClient, path: str, query: Sequence[tuple[str, str]] = ()
) -> Any:
    """The client's raw response to `GET path?query`, asking for JSON.

    The one place that builds a raw request: the typed API classes cannot reach every group
    the way discovery names it, and the client's raw-call interface changed in release 37."""
    method, url, headers, _, _ = client.param_serialize(
        method="GET",
        resource_path=path,
        query_params=list(query),
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    return client.call_api(method, url, header_params=headers, _request_timeout=TIMEOUT)
