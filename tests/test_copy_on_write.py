"""Per-cluster copies share what overrides cannot change: the result must not show it.

Each cluster's object is compared with the object the same overrides give when applied to
a full private copy of the template, and the template must come out untouched."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from hubless import compile as compile_module
from hubless.errors import UserError
from hubless.jsonvalue import deep_copy
from hubless.load import SourceFile, load_fleet
from tests.conftest import cluster_yaml

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}, "annotations": {"a": "1"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "registry.example.com/web:1.0",
                        "args": ["--port", "80"],
                        "env": [{"name": "MODE", "value": "prod"}],
                    },
                    {"name": "sidecar", "image": "proxy:2", "command": ["proxy"]},
                ],
                "volumes": [{"name": "data", "emptyDir": {}}],
            },
        },
    },
}

# One overrider each, as written in an OverridePolicy; drawn in any number and order.
OVERRIDERS = [
    {"imageOverrider": [{"component": "Tag", "operator": "replace", "value": "2.0"}]},
    {
        "imageOverrider": [
            {
                "predicate": {"path": "/spec/template/spec/containers/1/image"},
                "component": "Registry",
                "operator": "add",
                "value": "mirror.example.com",
            }
        ]
    },
    {"commandOverrider": [{"containerName": "sidecar", "operator": "add", "value": ["-v"]}]},
    {"argsOverrider": [{"containerName": "web", "operator": "remove", "value": ["80"]}]},
    {"argsOverrider": [{"containerName": "web", "operator": "add", "value": ["--debug"]}]},
    {"labelsOverrider": [{"operator": "add", "value": {"tier": "front"}}]},
    {"annotationsOverrider": [{"operator": "add", "value": {"note": "x"}}]},
    {"plaintext": [{"path": "/spec/replicas", "operator": "replace", "value": 7}]},
    {
        "plaintext": [
            {
                "path": "/spec/template/spec/containers/0/env/0/value",
                "operator": "replace",
                "value": "dev",
            }
        ]
    },
    {"plaintext": [{"path": "/spec/template/metadata/labels/x", "operator": "add", "value": "y"}]},
    {
        "plaintext": [
            {
                "path": "/spec/template/spec/volumes/0/emptyDir/medium",
                "operator": "add",
                "value": "Memory",
            }
        ]
    },
    {"plaintext": [{"path": "/metadata/labels", "operator": "remove"}]},
    {
        "plaintext": [
            {
                "path": "/spec/template/metadata",
                "operator": "replace",
                "value": {"labels": {"app": "web"}},
            }
        ]
    },
]


def _policy(rules: list[tuple[int, str]]) -> str:
    spec = {
        "resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}],
        "overrideRules": [
            {"targetCluster": {"clusterNames": [cluster]}, "overriders": OVERRIDERS[index]}
            if cluster
            else {"overriders": OVERRIDERS[index]}
            for index, cluster in rules
        ],
    }
    document = {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "OverridePolicy",
        "metadata": {"name": "o", "namespace": "shop"},
        "spec": spec,
    }
    return json.dumps(document)  # JSON is YAML


PROPAGATE = json.dumps(
    {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment"}]},
    }
)


def _bodies(rules: list[tuple[int, str]]) -> tuple[dict[str, Any], Any, Any]:
    """Each cluster's objects, and the template body before and after compiling."""
    sources = [
        SourceFile("policies/clusters.yaml", "---\n".join(cluster_yaml(n) for n in "abc")),
        SourceFile("policies/propagate.yaml", PROPAGATE),
        SourceFile("policies/override.yaml", _policy(rules)),
        SourceFile("templates/web.yaml", json.dumps(DEPLOYMENT)),
    ]
    fleet = load_fleet(sources)
    before = deep_copy(fleet.templates[0].body)
    try:
        compiled = compile_module.compile_fleet(fleet)
    except UserError as exc:  # e.g. removing a field twice: both ways must fail alike
        return {"error": [str(p) for p in exc.problems]}, before, fleet.templates[0].body
    bodies = {name: [o.body for o in objects] for name, objects in compiled.objects.items()}
    return bodies, before, fleet.templates[0].body


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(OVERRIDERS) - 1), st.sampled_from(["", "a", "b", "c"])),
        max_size=6,
    )
)
def test_shared_copies_render_what_private_copies_render(rules: list[tuple[int, str]]) -> None:
    shared, before, after = _bodies(rules)
    with mock.patch.object(compile_module, "own_copy", lambda body, owned: deep_copy(body)):
        private, _, _ = _bodies(rules)
    # A change leaking through a shared part would show on a later cluster's object.
    assert shared == private
    assert after == before


def test_the_parts_no_override_can_change_stay_shared() -> None:
    shared, _, after = _bodies([(0, ""), (5, "")])
    for (body,) in shared.values():
        assert body["spec"]["selector"] is after["spec"]["selector"]
        assert (
            body["spec"]["template"]["spec"]["volumes"]
            is after["spec"]["template"]["spec"]["volumes"]
        )
        web = body["spec"]["template"]["spec"]["containers"][0]
        assert web["env"] is after["spec"]["template"]["spec"]["containers"][0]["env"]
        assert web["image"] == "registry.example.com/web:2.0"
        assert body["metadata"]["labels"] == {"app": "web", "tier": "front"}
