"""Reaching clusters: contexts, and failures said in one line."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import kubernetes
import pytest

from hubless.errors import Source, UserError
from hubless.kube.connect import TIMEOUT, Unreachable, api_client, failure
from hubless.kube.contexts import context_for, parse_context_options, unknown_clusters
from hubless.load import SourceFile, load_fleet
from hubless.model import Cluster
from tests.conftest import cluster_yaml
from tests.fakekube import FakeCluster, object_list, serving, unreachable_url, write_kubeconfig


def cluster(name: str, context: str = "") -> Cluster:
    return Cluster(name, Source("policies/clusters.yaml", 1), {}, kubeconfig_context=context)


def test_the_context_is_the_option_then_the_annotation_then_the_name() -> None:
    given = parse_context_options(["east=admin@east"])
    assert context_for(cluster("east", "ann-east"), given) == "admin@east"
    assert context_for(cluster("west", "ann-west"), given) == "ann-west"
    assert context_for(cluster("north"), given) == "north"
    assert unknown_clusters({"east": "x", "nowhere": "y"}, [cluster("east")]) == ["nowhere"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["east"], "error: --context 'east': expected CLUSTER=CONTEXT"),
        (["east=a", "east=b"], "error: --context names two contexts for cluster east"),
    ],
)
def test_bad_context_options_are_refused(options: list[str], message: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_context_options(options)
    assert str(raised.value) == message


def test_the_annotation_is_read_from_the_cluster_object() -> None:
    text = cluster_yaml("east").replace(
        "metadata:\n", "metadata:\n  annotations: {hubless.io/kubeconfig-context: admin@east}\n", 1
    )
    (loaded,) = load_fleet([SourceFile("policies/clusters.yaml", text)]).clusters
    assert loaded.kubeconfig_context == "admin@east"


def test_a_client_reads_through_its_context(tmp_path: Path) -> None:
    with serving(FakeCluster({"/api/v1/nodes": object_list("Node", [])})) as fake:
        config = write_kubeconfig(tmp_path / "config", {"east": fake.url})
        nodes = kubernetes.client.CoreV1Api(api_client(config, "east")).list_node(
            _request_timeout=TIMEOUT
        )
    assert nodes.items == []


def test_failures_are_one_line(tmp_path: Path) -> None:
    config = write_kubeconfig(tmp_path / "config", {"gone": unreachable_url()})
    with pytest.raises(Unreachable, match=r"kubeconfig: .*nowhere"):
        api_client(config, "nowhere")
    with pytest.raises(Exception) as raised:
        kubernetes.client.CoreV1Api(api_client(config, "gone")).list_node(_request_timeout=TIMEOUT)
    assert failure(raised.value) == "cannot connect: connection refused or no route"
    with serving(FakeCluster()) as fake:
        config = write_kubeconfig(tmp_path / "config", {"east": fake.url})
        with pytest.raises(kubernetes.client.ApiException) as api_error:
            kubernetes.client.CoreV1Api(api_client(config, "east")).list_node(
                _request_timeout=TIMEOUT
            )
    assert failure(api_error.value) == "HTTP 404 Not Found"


def test_an_unreachable_cluster_is_tried_once(tmp_path: Path) -> None:
    """Retries would multiply the time an unreachable cluster holds up a report."""
    attempts = []

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    config = write_kubeconfig(tmp_path / "config", {"flaky": f"http://127.0.0.1:{port}"})

    def accept_and_close() -> None:
        listener.settimeout(10)
        try:
            while True:
                connection, _ = listener.accept()
                attempts.append(1)
                connection.close()  # no HTTP answer: the client's request fails
        except OSError:
            pass

    thread = threading.Thread(target=accept_and_close, daemon=True)
    thread.start()
    with pytest.raises(Exception):  # noqa: B017 (urllib3's, whichever it raises)
        kubernetes.client.CoreV1Api(api_client(config, "flaky")).list_node(_request_timeout=TIMEOUT)
    listener.close()
    thread.join()
    assert len(attempts) == 1
