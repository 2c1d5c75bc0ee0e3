"""Objects the schemas cannot tell apart (they differ only in labels and annotations that
are maps of strings) share one schema check: the report is the same as checking every
object, on the example fleet and on random fleets with per-cluster labels, annotations and
mistakes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubless.compile import compile_fleet
from hubless.load import load_fleet, read_sources
from hubless.validation import validate_compiled
from tests.conftest import cluster_yaml, write_tree

REPO = Path(__file__).resolve().parents[1]


def _both_ways(repo: Path) -> None:
    fleet = load_fleet(read_sources(repo))
    compiled = compile_fleet(fleet)
    shared = validate_compiled(compiled, fleet, "1.30")
    alone = validate_compiled(compiled, fleet, "1.30", share=False)
    assert shared == alone


def test_the_example_fleet_reports_the_same_either_way() -> None:
    _both_ways(REPO)


MISTAKES = st.sampled_from(
    [
        "",
        "  minReadySeconds: fast\n",
        "  replicaz: 3\n",
        "  strategy: {type: 7}\n",
        "  revisionHistoryLimit: [1]\n",
    ]
)
VALUES = st.sampled_from(['"x"', '"y"', "1", "true", "{a: b}", '"z"'])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mistake=MISTAKES,
    labels=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), VALUES), max_size=3),
    annotations=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), VALUES), max_size=3),
)
def test_random_fleets_report_the_same_either_way(
    tmp_path_factory: object,
    mistake: str,
    labels: list[tuple[str, str]],
    annotations: list[tuple[str, str]],
) -> None:
    repo = tmp_path_factory.mktemp("fleet")  # type: ignore[attr-defined]
    rules = []
    for index, (cluster, value) in enumerate(labels):
        rules.append(
            f"  - targetCluster: {{clusterNames: [{cluster}]}}\n"
            f"    overriders:\n      plaintext: [{{path: /metadata/labels/l{index}, operator: add, value: {value}}}]\n"
        )
    for index, (cluster, value) in enumerate(annotations):
        rules.append(
            f"  - targetCluster: {{clusterNames: [{cluster}]}}\n"
            f"    overriders:\n      plaintext: [{{path: /metadata/annotations/n{index}, operator: add, value: {value}}}]\n"
        )
    overrides = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
        "metadata: {name: o, namespace: shop}\nspec:\n"
        "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
        "  overrideRules:\n" + "".join(rules)
    )
    files = {
        "policies/clusters.yaml": "---\n".join(cluster_yaml(n) for n in "abc"),
        "policies/p.yaml": (
            "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
            "metadata: {name: p, namespace: shop}\n"
            "spec:\n  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
        ),
        "templates/web.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
            "  labels: {app: web}\n  annotations: {team: shop}\nspec:\n"
            "  selector: {matchLabels: {app: web}}\n"
            "  template:\n    metadata: {labels: {app: web}}\n"
            "    spec: {containers: [{name: web, image: 'web:1'}]}\n" + mistake
        ),
    }
    if rules:
        files["policies/o.yaml"] = overrides
    write_tree(repo, files)
    _both_ways(repo)


def test_labels_that_are_not_a_map_never_share_a_map_s_check(tmp_path: Path) -> None:
    """What stands for a map of strings in the sharing key is no value: labels made a
    string on one cluster (whatever the string) are checked, and refused, there."""
    web = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
        "  labels: {app: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: 'web:1'}]}\n"
    )
    for text in ("<strings>", "STRING_MAP", "{}"):
        repo = tmp_path / str(len(list(tmp_path.iterdir())))
        write_tree(
            repo,
            {
                "policies/clusters.yaml": "---\n".join(cluster_yaml(n) for n in "ab"),
                "policies/p.yaml": (
                    "apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\n"
                    "metadata: {name: p, namespace: shop}\n"
                    "spec:\n  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
                ),
                "policies/o.yaml": (
                    "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
                    "metadata: {name: o, namespace: shop}\nspec:\n"
                    "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
                    "  overrideRules:\n  - targetCluster: {clusterNames: [b]}\n"
                    "    overriders:\n      plaintext: [{path: /metadata/labels, "
                    f"operator: replace, value: {text!r}}}]\n"
                ),
                "templates/web.yaml": web,
            },
        )
        fleet = load_fleet(read_sources(repo))
        compiled = compile_fleet(fleet)
        shared = validate_compiled(compiled, fleet, "1.30")
        assert shared == validate_compiled(compiled, fleet, "1.30", share=False)
        # Reported where the value was written: at the rule that made it a string.
        assert [str(e) for e in shared.errors] == [
            "policies/o.yaml:7: error: OverridePolicy/shop/o overrideRules[0] makes "
            "Deployment.apps/shop/web invalid for cluster b (Kubernetes 1.30): "
            "metadata.labels: must be a map or null, not a string (template "
            "templates/web.yaml:1)"
        ]
