"""The fake API server answers the official client as a cluster would."""

from __future__ import annotations

from pathlib import Path

import kubernetes
import pytest

from tests.fakekube import FakeCluster, object_list, serving, unreachable_url, write_kubeconfig

NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "n1"},
    "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"}},
}


def test_the_official_client_reads_through_a_kubeconfig_context(tmp_path: Path) -> None:
    with serving(FakeCluster({"/api/v1/nodes": object_list("Node", [NODE])})) as cluster:
        kubeconfig = write_kubeconfig(tmp_path / "config", {"east": cluster.url})
        api = kubernetes.config.new_client_from_config(str(kubeconfig), context="east")
        nodes = kubernetes.client.CoreV1Api(api).list_node()
    assert [n.metadata.name for n in nodes.items] == ["n1"]
    assert nodes.items[0].status.allocatable == {"cpu": "4", "memory": "16Gi", "pods": "110"}
    assert cluster.requests == [("GET", "/api/v1/nodes")]


def test_an_unknown_path_is_the_api_server_s_404(tmp_path: Path) -> None:
    with serving(FakeCluster()) as cluster:
        kubeconfig = write_kubeconfig(tmp_path / "config", {"east": cluster.url})
        api = kubernetes.config.new_client_from_config(str(kubeconfig), context="east")
        with pytest.raises(kubernetes.client.ApiException) as raised:
            kubernetes.client.CoreV1Api(api).list_node()
    assert raised.value.status == 404


def test_an_unreachable_cluster_fails_to_connect(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config", {"gone": unreachable_url()})
    api = kubernetes.config.new_client_from_config(str(kubeconfig), context="gone")
    api.configuration.retries = 0
    with pytest.raises(Exception, match=r"[Cc]onnect"):
        kubernetes.client.CoreV1Api(api).list_node(_request_timeout=5)
