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
