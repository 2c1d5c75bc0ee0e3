"""One read-only request to a cluster: GET a path of its API, the JSON body back."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import kubernetes
import urllib3

from hubless.kube.connect import Unreachable, api_client, failure, send_get

_NOT_FOUND = 404


class Get(Protocol):
    """GET `path?query` of one cluster's API: the decoded JSON, None for a 404."""

    def __call__(self, path: str, query: Sequence[tuple[str, str]] = ()) -> Any: ...


def get_json(
    client: kubernetes.client.ApiClient, path: str, query: Sequence[tuple[str, str]] = ()
) -> Any:
    """The decoded body of `GET path?query`, or None when the server answers 404.

    Any other failure raises (kubernetes.client.ApiException for an HTTP error, urllib3's
    errors for the connection); hubless.kube.connect.failure says it in one line. The
    typed API classes cannot reach every group the way discovery names it (the core group
    is /api/v1, the others /apis/<group>/<version>), so the path is built by the caller.
    """
    response = send_get(client, path, query)
    data: bytes = response.read()
    if response.status == _NOT_FOUND:
        return None
    if not 200 <= response.status <= 299:
        raise kubernetes.client.ApiException(http_resp=response)
    return json.loads(data)


def reader(client: kubernetes.client.ApiClient) -> Get:
    """`get_json` on `client`, any failure but a 404 raised as Unreachable (one line)."""

    def get(path: str, query: Sequence[tuple[str, str]] = ()) -> Any:
        try:
            return get_json(client, path, query)
        except kubernetes.client.ApiException as exc:
            raise Unreachable(f"GET {path}: {failure(exc)}") from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            # Refused, timed out, TLS, or a body that is not JSON.
            raise Unreachable(failure(exc)) from None

    return get


def connector(kubeconfig: Path | None) -> Callable[[str], Get]:
    """The reader of each context of `kubeconfig` (default: $KUBECONFIG, ~/.kube/config)."""
    return lambda context: reader(api_client(kubeconfig, context))
