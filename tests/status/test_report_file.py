"""The ClusterReport file: what collect writes is what status reads, byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hubless.errors import Source, UserError
from hubless.status.report_file import ClusterReport, dump, parse

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "managedFields": [{"manager": "kubectl"}]},
    "status": {"replicas": 2, "readyReplicas": 2},
}
CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "a", "namespace": "shop"},
}


def test_a_report_is_written_sorted_without_managed_fields_and_read_back() -> None:
    when = datetime(2026, 12, 6, 18, 0, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    report = ClusterReport("east", when, "ctx-east", (DEPLOYMENT, CONFIGMAP))
    data = dump(report)
    assert data == dump(ClusterReport("east", when, "ctx-east", (CONFIGMAP, DEPLOYMENT)))
    document = json.loads(data)
    assert document == {
        "apiVersion": "hubless.io/v1alpha1",
        "kind": "ClusterReport",
        "metadata": {"name": "east"},
        "collectedAt": "2026-12-06T17:00:05Z",
        "context": "ctx-east",
        "error": None,
        "items": [  # by apiVersion: apps/v1 before v1
            {**DEPLOYMENT, "metadata": {"name": "web", "namespace": "shop"}},
            CONFIGMAP,
        ],
    }
    assert (
        data.endswith(b"}\n")
        and data == (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()
    )
    back = parse(document, Source("status/east.json", 1))
    assert back.cluster == "east" and back.context == "ctx-east" and back.error is None
    assert back.collected_at == datetime(2026, 12, 6, 17, 0, 5, tzinfo=UTC)
    assert list(back.items) == document["items"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metadata": {}}, "metadata.name (the cluster) must be a non-empty string"),
        (
            {"collectedAt": "yesterday"},
            "collectedAt 'yesterday' is not a timestamp like 2026-12-06T17:00:00Z",
        ),
        ({"error": 3}, "error must be null or a string"),
        ({"items": {"a": 1}}, "items must be a list of objects"),
        ({"extra": 1}, "unknown field 'extra'"),
    ],
)
def test_a_broken_report_names_its_file_and_what_is_wrong(
    change: dict[str, object], message: str
) -> None:
    document = json.loads(dump(ClusterReport("east", datetime(2026, 1, 1, tzinfo=UTC), "c")))
    document.update(change)
    with pytest.raises(UserError) as raised:
        parse(document, Source("status/east.json", 1))
    assert str(raised.value) == f"status/east.json:1: error: ClusterReport: {message}"
