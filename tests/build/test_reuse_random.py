"""Random changes to the inventory, the propagation and the override policies (and now and
then a template): the render that keeps unchanged clusters' files writes byte for byte what
a full render writes, and the files of the clusters it keeps are not written again."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.build.plan import plan_render
from hubless.build.result import Strategy
from hubless.commands.render import render
from tests.build.test_reuse import NAMES, POLICIES, TEMPLATES, files
from tests.conftest import LOCAL_FILES, cluster_yaml, snapshot, write_tree

ENVS = ("prod", "dev")
REGIONS = ("us-east1", "us-west1")


@dataclass(frozen=True)
class NewCluster:
    name: str
    env: str
    region: str
    canary: bool


@dataclass(frozen=True)
class Edit:
    """One random change to the base fleet of tests.build.test_reuse."""

    added: tuple[NewCluster, ...]
    removed: str | None
    canary: str | None  # a cluster of the base fleet labelled canary: "true"
    moved: str | None  # a cluster of the base fleet moved to the other region
    override_value: str | None  # east-1's /data/mode, or None to keep "slow"
    override_gone: bool  # the east-1 OverridePolicy deleted
    region_value: str | None  # the west region's annotation value
    configmap_env: str | None  # the ConfigMap policy's env, or None to keep prod
    replicas: int | None  # the Deployment's replicas, or None to keep 6
    cluster_order: bool  # the inventory listed in reverse


def _clusters(edit: Edit) -> str:
    documents = []
    for name in NAMES:
        if name == edit.removed:
            continue
        env = "dev" if name.startswith("dev") else "prod"
        region = "us-west1" if name.startswith("west") else "us-east1"
        if name == edit.moved:
            region = REGIONS[1 - REGIONS.index(region)]
        labels = {"env": env, "tier": "a"}
        if name == edit.canary:
            labels["canary"] = "true"
        documents.append(cluster_yaml(name, labels, provider="gcp", region=region))
    for new in edit.added:
        labels = {"env": new.env, "tier": "a"} | ({"canary": "true"} if new.canary else {})
        documents.append(cluster_yaml(new.name, labels, provider="gcp", region=new.region))
    if edit.cluster_order:
        documents.reverse()
    return "\n---\n".join(documents)


def _policies(edit: Edit) -> str:
    text = POLICIES
    if edit.override_value is not None:
        text = text.replace("value: slow", f"value: {edit.override_value}")
    if edit.region_value is not None:
        text = text.replace("{region: west}", f"{{region: {edit.region_value}}}")
    if edit.configmap_env is not None:
        text = text.replace(
            "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
            "    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}",
            "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
            f"    clusterAffinity: {{labelSelector: {{matchLabels: {{env: {edit.configmap_env}}}}}}}",
        )
    if edit.override_gone:
        text = text[
            : text.index("---\napiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy")
        ]
    return text


def changed_files(edit: Edit) -> dict[str, str]:
    changed = {"policies/clusters.yaml": _clusters(edit), "policies/policies.yaml": _policies(edit)}
    if edit.replicas is not None:
        changed["templates/web.yaml"] = TEMPLATES["templates/web.yaml"].replace(
            "replicas: 6", f"replicas: {edit.replicas}"
        )
    return changed


WORDS = st.sampled_from(["slow", "slower", "fast", "medium"])
new_clusters = st.lists(
    st.builds(
        NewCluster,
        st.sampled_from(["east-3", "west-3", "dev-2", "north-1"]),
        st.sampled_from(ENVS),
        st.sampled_from(REGIONS),
        st.booleans(),
    ),
    max_size=2,
    unique_by=lambda c: c.name,
)
base_names = st.none() | st.sampled_from(NAMES)
edits = st.builds(
    Edit,
    new_clusters.map(tuple),
    base_names,
    base_names,
    base_names,
    st.none() | WORDS,
    st.booleans(),
    st.none() | st.sampled_from(["west", "occident", "pacific"]),
    st.none() | st.sampled_from(ENVS),
    st.none() | st.integers(min_value=0, max_value=9),
    st.booleans(),
)


def _output(tree: dict[str, tuple[bytes, int]]) -> dict[str, bytes]:
    return {path: content for path, (content, _) in tree.items() if not path.endswith(LOCAL_FILES)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_a_render_after_random_inventory_and_policy_changes_is_the_full_render(
    edit: Edit,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        repo, full = Path(scratch) / "repo", Path(scratch) / "full"
        write_tree(repo, files())
        render(repo, check=False)
        before = snapshot(repo / "rendered")
        write_tree(repo, changed_files(edit))
        shutil.copytree(repo, full)
        (full / "rendered/.hubless/manifest.json").unlink()  # no shortcut: a full render
        rendering = plan_render(repo)
        render(repo, check=False)
        render(full, check=False)
        after = snapshot(repo / "rendered")
        assert _output(after) == _output(snapshot(full / "rendered"))
        assert render(repo, check=True) == 0
        if rendering.strategy is Strategy.CLUSTERS:
            # What the render kept, it did not write again.
            for path, (content, mtime) in after.items():
                if path.split("/", 1)[0] in rendering.reused:
                    assert before[path] == (content, mtime), path
