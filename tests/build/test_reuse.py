"""Renders that keep unchanged clusters' files: the same bytes as a full render, and only
the clusters whose inputs changed are made again."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubless.build.digests import SourceDigests
from hubless.build.plan import plan_render
from hubless.build.result import Rendering, Strategy
from hubless.build.reuse import (
    Digests,
    Entry,
    _spelling,
    cluster_digest,
    contribution,
    render_changed_clusters,
    rules_digest,
    with_template,
)
from hubless.build.state.manifest import Manifest, read_manifest
from hubless.build.state.record import read_record
from hubless.commands.render import render
from hubless.compile import decide
from hubless.errors import Source
from hubless.load import load_fleet, read_sources
from hubless.model import (
    Cluster,
    OverridePolicy,
    Overriders,
    OverrideRule,
    PolicyRef,
    ResourceKey,
)
from tests.conftest import cluster_yaml, snapshot, write_tree

NAMES = ("east-1", "east-2", "west-1", "west-2", "dev-1")


def clusters(
    *extra: str, labels: dict[str, dict[str, str]] | None = None, without: str = ""
) -> str:
    def one(name: str) -> str:
        env = "dev" if name.startswith("dev") else "prod"
        region = "us-west1" if name.startswith("west") else "us-east1"
        own = {"env": env, "tier": "a"} | (labels or {}).get(name, {})
        return cluster_yaml(name, own, provider="gcp", region=region)

    return "\n---\n".join(one(name) for name in (*NAMES, *extra) if name != without)


TEMPLATES = {
    "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    "templates/web.yaml": """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
""",
    "templates/settings.yaml": """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop, labels: {app: web}}
data: {mode: fast}
""",
}

POLICIES = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: web, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment, name: web}
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
        - targetCluster: {labelSelector: {matchLabels: {tier: a}}}
          weight: 1
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: settings, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap}
  placement:
    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: regions}
spec:
  resourceSelectors:
  - {apiVersion: apps/v1, kind: Deployment}
  - {apiVersion: v1, kind: ConfigMap}
  overrideRules:
  - targetCluster: {fieldSelector: {matchExpressions: [{key: region, operator: In, values: [us-west1]}]}}
    overriders:
      imageOverrider: [{component: Registry, operator: replace, value: west.example.com}]
      annotationsOverrider: [{operator: add, value: {region: west}}]
  - targetCluster: {labelSelector: {matchLabels: {canary: "true"}}}
    overriders:
      labelsOverrider: [{operator: add, value: {track: canary}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: east-1, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap, name: settings}
  overrideRules:
  - targetCluster: {clusterNames: [east-1]}
    overriders:
      plaintext: [{path: /data/mode, operator: replace, value: slow}]
"""


def files() -> dict[str, str]:
    return {"policies/clusters.yaml": clusters(), "policies/policies.yaml": POLICIES, **TEMPLATES}


def change_and_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: dict[str, str]
) -> tuple[frozenset[str], dict[str, tuple[bytes, int]], dict[str, tuple[bytes, int]]]:
    """Render, apply the change, render again; check it equals a full render. Returns the
    clusters kept, and the tree before and after."""
    repo = tmp_path / "repo"
    write_tree(repo, files())
    render(repo, check=False)
    before = snapshot(repo / "rendered")
    write_tree(repo, changed)
    full = tmp_path / "full"
    shutil.copytree(repo, full)
    (full / "rendered/.hubless/manifest.json").unlink()  # no shortcut: a full render
    rendering = plan_render(repo)
    assert rendering.strategy is Strategy.CLUSTERS, "the render reused no cluster"
    kept = [rendering.reused]
    render(repo, check=False)
    render(full, check=False)
    after = snapshot(repo / "rendered")
    assert {k: v[0] for k, v in after.items()} == {
        k: v[0] for k, v in snapshot(full / "rendered").items()
    }
    assert render(repo, check=True) == 0
    assert len(kept) == 1, "the render reused no cluster"
    for path, (content, mtime) in after.items():
        if path.split("/", 1)[0] in kept[0]:
            assert before[path] == (content, mtime)  # not written again
    return kept[0], before, after


def folders(tree: dict[str, tuple[bytes, int]]) -> set[str]:
    return {p.split("/", 1)[0] for p in tree if not p.startswith(".hubless/")}


def test_a_new_cluster_is_made_and_the_others_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, before, after = change_and_compare(
        tmp_path, monkeypatch, {"policies/clusters.yaml": clusters("west-3")}
    )
    # The Divided Deployment is not rescheduled for a new cluster (Karmada's rule), the
    # ConfigMap and Namespace go to it: every other cluster is as it was.
    assert kept == frozenset(NAMES)
    assert folders(after) - folders(before) == {"west-3"}
    west3 = {p for p in after if p.startswith("west-3/")}
    assert west3 == {
        "west-3/.hubless-cluster",
        "west-3/_cluster/namespace_shop.yaml",
        "west-3/shop/configmap_settings.yaml",
    }
    assert b"region: west" in after["west-3/shop/configmap_settings.yaml"][0]


def test_a_removed_cluster_goes_and_the_others_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path, monkeypatch, {"policies/clusters.yaml": clusters(without="dev-1")}
    )
    assert "dev-1" not in folders(after)
    # The Deployment's clusters all remain, so it is kept where it was; only dev-1 changes.
    assert kept == frozenset(NAMES) - {"dev-1"}


def test_a_relabelled_cluster_alone_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {"policies/clusters.yaml": clusters(labels={"west-2": {"canary": "true"}})},
    )
    assert kept == frozenset(NAMES) - {"west-2"}
    assert b"track: canary" in after["west-2/shop/configmap_settings.yaml"][0]


def test_an_override_for_one_cluster_makes_only_that_cluster_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {"policies/policies.yaml": POLICIES.replace("value: slow", "value: slower")},
    )
    assert kept == frozenset(NAMES) - {"east-1"}
    assert b"mode: slower" in after["east-1/shop/configmap_settings.yaml"][0]


def test_a_placement_change_makes_the_clusters_it_moves_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ConfigMap's policy now takes dev clusters too.
    policies = POLICIES.replace(
        "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
        "    clusterAffinity: {labelSelector: {matchLabels: {env: prod}}}",
        "  - {apiVersion: v1, kind: ConfigMap}\n  placement:\n"
        "    clusterAffinity: {labelSelector: {matchLabels: {tier: a}}}",
    )
    assert policies != POLICIES
    kept, _, after = change_and_compare(tmp_path, monkeypatch, {"policies/policies.yaml": policies})
    assert kept == frozenset(NAMES) - {"dev-1"}
    assert "dev-1/shop/configmap_settings.yaml" in after


def test_a_template_edit_with_a_cluster_change_makes_the_template_s_clusters_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, _, after = change_and_compare(
        tmp_path,
        monkeypatch,
        {
            "policies/clusters.yaml": clusters("east-3"),
            "templates/web.yaml": TEMPLATES["templates/web.yaml"].replace("web:1.0", "web:1.1"),
        },
    )
    # Every cluster holding the Deployment is made again (a digest leaves bodies out);
    # dev-1 holds only the Namespace.
    assert kept == {"dev-1"}
    assert b"web:1.1" in after["east-1/shop/deployment.apps_web.yaml"][0]


# The digests, directly.


def cluster(name: str, body: dict[str, Any] | None = None) -> Cluster:
    own = {"kind": "Cluster", "metadata": {"name": name}} if body is None else body
    return Cluster(name, Source("policies/clusters.yaml", 1), {}, body=own)


WEB = ResourceKey("apps", "Deployment", "shop", "web")
SETTINGS = ResourceKey("", "ConfigMap", "shop", "settings")
RULES = hashlib.sha256(b"r").hexdigest()


def own_digest(body: dict[str, Any]) -> int:
    return int(hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(), 16)


def added(key: ResourceKey, entry: Entry) -> int:
    """The rule: sha256 of the key, a NUL and the entry's repr, as a number."""
    spelled = str(key).encode() + b"\0" + repr(tuple(entry)).encode()
    return int.from_bytes(hashlib.sha256(spelled).digest(), "big")


def test_a_cluster_s_digest_is_its_own_xor_every_entry_on_it() -> None:
    east = cluster("east")
    digests = Digests([east, cluster("west")])
    web, settings = Entry(3, -1, True, RULES), Entry(0, -1, False, RULES)
    digests.add(WEB, "east", web)
    digests.add(SETTINGS, "east", settings)
    expected = own_digest(east.body) ^ added(WEB, web) ^ added(SETTINGS, settings)
    assert digests.clusters() == {
        "east": f"{expected:064x}",
        "west": f"{own_digest(cluster('west').body):064x}",
    }
    assert cluster_digest(east) == f"{own_digest(east.body):064x}"
    assert contribution(WEB, web) == added(WEB, web)


def test_with_template_is_the_digest_computed_with_the_template() -> None:
    clusters = [cluster("east"), cluster("west")]
    web, settings = Entry(2, -1, True, RULES), Entry(0, 4, False, RULES)
    without = Digests(clusters)
    without.add(WEB, "east", web)
    without.add(WEB, "west", web)
    with_it = Digests(clusters)
    with_it.add(WEB, "east", web)
    with_it.add(SETTINGS, "east", settings)
    with_it.add(WEB, "west", web)
    before = without.clusters()
    assert with_it.clusters() == {
        "east": with_template(before["east"], SETTINGS, settings),
        "west": before["west"],
    }
    # Adding is its own inverse: the template comes out the same way.
    assert with_template(with_it.clusters()["east"], SETTINGS, settings) == before["east"]


def test_the_order_of_entries_does_not_matter_to_clusters() -> None:
    entries = [
        (WEB, "east", Entry(2, -1, True, RULES)),
        (SETTINGS, "east", Entry(0, -1, False, RULES)),
        (WEB, "west", Entry(1, -1, True, RULES)),
    ]
    forward, backward = (
        Digests([cluster("east"), cluster("west")]),
        Digests([cluster("west"), cluster("east")]),
    )
    for args in entries:
        forward.add(*args)
    for args in reversed(entries):
        backward.add(*args)
    assert forward.clusters() == backward.clusters()


def test_templates_digest_their_entries_in_order() -> None:
    digests = Digests([cluster("east"), cluster("west")])
    east, west = Entry(2, -1, True, RULES), Entry(1, -1, True, RULES)
    digests.add(WEB, "east", east)
    digests.add(WEB, "west", west)
    listed = repr([("east", tuple(east)), ("west", tuple(west))])
    assert digests.templates() == {str(WEB): hashlib.sha256(listed.encode()).hexdigest()}
    assert digests.entries(WEB) == [("east", east), ("west", west)]
    assert digests.entries(SETTINGS) == []  # placed nowhere


def test_unknown_rules_make_the_cluster_and_the_template_unknown() -> None:
    digests = Digests([cluster("east"), cluster("west")])
    digests.add(WEB, "east", Entry(2, -1, True, None))
    digests.add(WEB, "west", Entry(1, -1, True, RULES))
    digests.add(SETTINGS, "west", Entry(0, -1, False, RULES))
    assert set(digests.clusters()) == {"west"}
    assert set(digests.templates()) == {str(SETTINGS)}
    assert digests.entries(WEB) is None


def test_a_cluster_without_a_document_has_no_digest() -> None:
    digests = Digests([cluster("east", body={}), cluster("west")])
    digests.add(WEB, "east", Entry(2, -1, True, RULES))
    assert set(digests.clusters()) == {"west"}
    assert set(digests.templates()) == {str(WEB)}


def test_rules_digest() -> None:
    def policy(digest: str) -> OverridePolicy:
        ref = PolicyRef("OverridePolicy", "shop", "p")
        return OverridePolicy(ref, Source("policies/p.yaml", 1), (), (), digest=digest)

    def rule(index: int) -> OverrideRule:
        return OverrideRule(index, Source("policies/p.yaml", 1), None, Overriders())

    one, two = policy("aa"), policy("bb")
    assert rules_digest([(one, rule(0)), (two, rule(3))]) == (
        hashlib.sha256(b"aa:0,bb:3").hexdigest()
    )
    assert rules_digest([]) == hashlib.sha256(b"").hexdigest()
    assert rules_digest([(one, rule(0)), (policy(""), rule(1))]) is None


def test_digests_of_a_decided_fleet(tmp_path: Path) -> None:
    write_tree(tmp_path, files())
    fleet = load_fleet(read_sources(tmp_path))
    digests = Digests.of(decide(fleet))
    by_name = {c.name: c for c in fleet.clusters}
    # dev-1 holds the Namespace alone, no rule applying: the entry's rules are no rules.
    namespace = ResourceKey("", "Namespace", "", "shop")
    entry = Entry(0, -1, False, hashlib.sha256(b"").hexdigest())
    expected = own_digest(by_name["dev-1"].body) ^ added(namespace, entry)
    assert digests.clusters()["dev-1"] == f"{expected:064x}"
    assert sorted(digests.clusters()) == sorted(NAMES)
    # east-1 and east-2 hold the same templates, but east-1's ConfigMap has its own rule.
    assert digests.entries(ResourceKey("", "ConfigMap", "shop", "settings")) is not None
    settings = dict(digests.entries(ResourceKey("", "ConfigMap", "shop", "settings")) or [])
    assert set(settings) == {"east-1", "east-2", "west-1", "west-2"}
    assert settings["east-1"].rules != settings["east-2"].rules
    assert settings["west-1"].rules == settings["west-2"].rules != settings["east-2"].rules


def changed_clusters(repo: Path, stored: Manifest | None = None) -> Rendering | None:
    sources = read_sources(repo)
    manifest = stored or read_manifest(repo / "rendered")
    assert manifest is not None
    return render_changed_clusters(
        repo / "rendered",
        load_fleet(sources),
        SourceDigests.of(sources),
        manifest,
        read_record(repo),
    )


def test_the_unchanged_clusters_are_reused_and_only_the_others_built(tmp_path: Path) -> None:
    write_tree(tmp_path, files())
    render(tmp_path, check=False)
    write_tree(tmp_path, {"policies/clusters.yaml": clusters("west-3")})
    rendering = changed_clusters(tmp_path)
    assert rendering is not None and rendering.strategy is Strategy.CLUSTERS
    assert rendering.reused == frozenset(NAMES)
    assert rendering.compiled is not None
    assert set(rendering.compiled.objects) == {"west-3"}
    assert {p for p in rendering.change.added} == {
        "west-3/.hubless-cluster",
        "west-3/_cluster/namespace_shop.yaml",
        "west-3/shop/configmap_settings.yaml",
    }
    assert set(rendering.change.changed) == {".hubless/manifest.json", ".hubless/placement.json"}
    assert rendering.change.removed == ()


def test_reuse_steps_aside(tmp_path: Path) -> None:
    write_tree(tmp_path, files())
    render(tmp_path, check=False)
    write_tree(tmp_path, {"policies/clusters.yaml": clusters("west-3")})
    stored = read_manifest(tmp_path / "rendered")
    assert stored is not None and changed_clusters(tmp_path, stored) is not None
    # No cluster digests kept, or made by another hubless: nothing to compare with.
    assert changed_clusters(tmp_path, dataclasses.replace(stored, cluster_digests={})) is None
    assert changed_clusters(tmp_path, dataclasses.replace(stored, code="0" * 64)) is None
    # rendered/ is not what the last render wrote.
    (tmp_path / "rendered/dev-1/_cluster/namespace_shop.yaml").write_text("kind: edited\n")
    assert changed_clusters(tmp_path, stored) is None


@given(
    st.integers(min_value=0, max_value=2**31),
    st.integers(min_value=-1, max_value=2**31),
    st.booleans(),
    st.binary(max_size=8).map(lambda b: hashlib.sha256(b).hexdigest()),
    st.lists(st.text(max_size=12), max_size=3).map(tuple),
    st.sampled_from(["", hashlib.sha256(b"script").hexdigest()]),
    st.tuples(st.booleans(), st.booleans()),
)
def test_an_entry_is_spelled_as_its_repr(
    replicas: int,
    completions: int,
    revises: bool,
    rules: str,
    scaled_by: tuple[str, ...],
    revision: str,
    agents: tuple[bool, bool],
) -> None:
    spell = _spelling(revises, revision, agents)
    entry = Entry(replicas, completions, revises, rules, scaled_by, revision, agents)
    assert spell(replicas, completions, rules, scaled_by) == repr(tuple(entry))
