"""Loading: Jinja2, Kubernetes and Karmada defaulting, scopes, dispatch by kind."""

from __future__ import annotations

import textwrap

import pytest

from hubless.errors import UserError
from hubless.load import SourceFile, load_fleet
from hubless.model import (
    DUPLICATED,
    ClusterAffinity,
    LabelSelector,
    Requirement,
    Toleration,
    WorkloadAffinity,
)
from tests.conftest import cluster_yaml


def files(**by_path: str) -> list[SourceFile]:
    return [
        SourceFile(path.replace("__", "/").replace("_yaml", ".yaml").replace("_j2", ".j2"),
                   textwrap.dedent(text).lstrip("\n"))
        for path, text in sorted(by_path.items())
    ]  # fmt: skip


def load_error(sources: list[SourceFile]) -> str:
    with pytest.raises(UserError) as caught:
        load_fleet(sources)
    return "\n".join(str(p) for p in caught.value.problems)


def test_workload_replicas_default_like_the_api_server() -> None:
    fleet = load_fleet(
        files(
            templates__w_yaml="""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: s}
                spec: {serviceName: s, template: {}}
                ---
                apiVersion: batch/v1
                kind: Job
                metadata: {name: j}
                spec: {template: {}}
                ---
                apiVersion: batch/v1
                kind: Job
                metadata: {name: k}
                spec: {completions: 5, template: {}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: d}
                spec: {replicas: 0, template: {}}
            """
        )
    )
    specs = {t.name: t.body["spec"] for t in fleet.templates}
    assert specs["s"] == {"replicas": 1, "serviceName": "s", "template": {}}
    assert specs["j"] == {"parallelism": 1, "completions": 1, "template": {}}
    assert specs["k"] == {"parallelism": 1, "completions": 5, "template": {}}
    assert specs["d"] == {"replicas": 0, "template": {}}  # an explicit 0 stays


def test_namespaced_objects_default_to_the_default_namespace() -> None:
    fleet = load_fleet(
        files(
            templates__c_yaml="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {}}\n"
        )
    )
    [template] = fleet.templates
    assert template.namespace == "default"
    assert template.body["metadata"] == {"name": "c", "namespace": "default", "labels": {}}


def test_scope_comes_from_builtins_then_crds_then_the_known_kinds() -> None:
    fleet = load_fleet(
        files(
            templates__x_yaml="""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {kind: Widget, plural: widgets}
                ---
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: scaledobjects.keda.sh}
                spec:
                  group: keda.sh
                  scope: Cluster
                  names: {kind: ScaledObject, plural: scaledobjects}
                ---
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w}
                ---
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: s}
                ---
                apiVersion: cert-manager.io/v1
                kind: ClusterIssuer
                metadata: {name: ci}
                ---
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: {name: hr}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: r}
            """
        )
    )
    scopes = {t.name: t.namespace for t in fleet.templates}
    assert scopes == {
        "widgets.example.com": "",
        "scaledobjects.keda.sh": "",
        "w": "default",
        "s": "",  # the CRD in templates/ wins over the published (Namespaced) one
        "ci": "",
        "hr": "default",
        "r": "",
    }


def test_cluster_scoped_object_with_a_namespace_is_an_error() -> None:
    message = load_error(
        files(
            templates__r_yaml="apiVersion: v1\nkind: Namespace\nmetadata: {name: a, namespace: b}\n"
        )
    )
    assert message == (
        "templates/r.yaml:1: error: Namespace is cluster-scoped and cannot have metadata.namespace"
    )


def test_jinja_templates_see_the_inventory_sorted_by_name() -> None:
    fleet = load_fleet(
        files(
            policies__c_yaml=cluster_yaml("zeta", {"env": "prod"})
            + "---\n"
            + cluster_yaml("alpha"),
            templates__cm_yaml_j2="""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: inventory}
                data:
                {% for c in clusters %}
                  {{ c.metadata.name }}: "{{ c.metadata.labels.get('env', 'none') }}"
                {% endfor %}
            """,
        )
    )
    [template] = fleet.templates
    assert list(template.body["data"].items()) == [("alpha", "none"), ("zeta", "prod")]


def test_jinja_errors_name_the_template_line() -> None:
    message = load_error(files(templates__t_yaml_j2="a: 1\nb: 2\nc: {{ nothing.here }}\n"))
    assert message.startswith("templates/t.yaml.j2:3: error: Jinja2: ")
    assert "nothing" in message
    syntax = load_error(files(templates__t_yaml_j2="a: 1\n{% for x in %}\n"))
    assert syntax.startswith("templates/t.yaml.j2:2: error: Jinja2: ")


def test_jinja_is_sandboxed() -> None:
    message = load_error(files(templates__t_yaml_j2="a: {{ clusters.__class__.__mro__ }}\n"))
    assert "templates/t.yaml.j2:1: error: Jinja2:" in message


def test_clusters_cannot_come_from_jinja() -> None:
    message = load_error(files(policies__c_yaml_j2=cluster_yaml("a")))
    assert "Cluster objects cannot come from a Jinja2 template" in message


def test_cluster_inventory_from_a_kubectl_list_export() -> None:
    text = textwrap.dedent(
        """
        apiVersion: v1
        kind: List
        metadata: {resourceVersion: ""}
        items:
        - apiVersion: cluster.karmada.io/v1alpha1
          kind: Cluster
          metadata: {name: a, uid: x, resourceVersion: "1", labels: {env: prod}}
          spec:
            syncMode: Pull
            zone: z1
            taints: [{key: k, value: v, effect: NoSchedule, timeAdded: "2026-01-01T00:00:00Z"}]
          status: {kubernetesVersion: v1.31.0}
        - apiVersion: cluster.karmada.io/v1alpha1
          kind: Cluster
          metadata: {name: b}
          spec: {syncMode: Push, zone: z1, zones: [z2, z3]}
        """
    )
    fleet = load_fleet([SourceFile("policies/clusters.yaml", text.lstrip("\n"))])
    a, b = fleet.clusters
    assert (a.name, a.labels, a.zones) == ("a", {"env": "prod"}, ("z1",))  # zone -> zones
    assert b.zones == ("z2", "z3")  # zones already set: zone is ignored
    assert a.taints[0].effect == "NoSchedule"
    assert a.source.line == 5 and b.source.line == 13
    assert a.body["spec"]["zones"] == ["z1"] and "zone" not in a.body["spec"]


def test_cluster_errors() -> None:
    assert "must be a DNS-1123 label" in load_error(
        files(policies__c_yaml=cluster_yaml("Bad_Name"))
    )
    first = cluster_yaml("a")
    second_line = first.count("\n") + 2  # after the `---` line
    assert load_error(files(policies__c_yaml=first + "---\n" + cluster_yaml("a"))) == (
        f"policies/c.yaml:{second_line}: error: Cluster a is defined twice (also at policies/c.yaml:1)"
    )


PP = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: p, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap}
  placement:
    clusterAffinity:
      labelSelector:
        matchLabels: {env: prod}
        matchExpressions: [{key: tier, operator: NotIn, values: [a]}]
      fieldSelector:
        matchExpressions: [{key: region, operator: In, values: [r1]}]
      clusterNames: [a]
      exclude: [b]
    clusterTolerations: [{key: k, operator: Exists}]
"""


def test_propagation_policy_shape_and_defaults() -> None:
    fleet = load_fleet(files(policies__p_yaml=PP))
    [policy] = fleet.propagation_policies
    assert policy.resource_selectors[0].namespace == "shop"  # pinned by the webhook
    assert policy.priority == 0
    assert policy.placement.replica_scheduling.type == DUPLICATED  # absent: Duplicated
    assert policy.placement.cluster_affinity == ClusterAffinity(
        label_selector=LabelSelector((("env", "prod"),), (Requirement("tier", "NotIn", ("a",)),)),
        field_selector=(Requirement("region", "In", ("r1",)),),
        cluster_names=("a",),
        exclude=("b",),
    )
    assert policy.placement.cluster_tolerations == (Toleration("k", "Exists", "", ""),)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("{apiVersion: v1, kind: ConfigMap}", None),
        (
            "{apiVersion: v1, kind: ConfigMap, namespace: other}",
            "can only select objects in that namespace",
        ),
        ("{apiVersion: v1}", "missing required field 'kind'"),
        (
            "{apiVersion: v1, kind: ConfigMap, labelSelector: {matchExpressions: [{key: a, operator: In}]}}",
            "needs at least one value",
        ),
        (
            "{apiVersion: v1, kind: ConfigMap, labelSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}}",
            "takes no values",
        ),
        (
            "{apiVersion: v1, kind: ConfigMap, labelSelector: {matchExpressions: [{key: a, operator: Gt, values: ['1']}]}}",
            "'Gt' is not one of",
        ),
    ],
)
def test_resource_selector_validation(change: str, message: str | None) -> None:
    text = PP.replace("{apiVersion: v1, kind: ConfigMap}", change)
    if message is None:
        load_fleet(files(policies__p_yaml=text))
    else:
        assert message in load_error(files(policies__p_yaml=text))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "key: region, operator: In",
            "key: name, operator: In",
            "key: 'name' is not one of 'provider', 'region', 'zone'",
        ),
        (
            "key: region, operator: In",
            "key: region, operator: Exists",
            "is not one of 'In', 'NotIn'",
        ),
        (
            "[{key: k, operator: Exists}]",
            "[{key: k, operator: Exists, value: v}]",
            "must be empty when operator is Exists",
        ),
        ("[{key: k, operator: Exists}]", "[{operator: Equal}]", "must be Exists when key is empty"),
        ("[{key: k, operator: Exists}]", "[{key: k, operator: Lt}]", "is not one of"),
        ("clusterNames: [a]", "clusterNames: a", "clusterNames: must be a list, not a string"),
        ("exclude: [b]", "exlude: [b]", "unknown field (did you mean 'exclude'?)"),
    ],
)
def test_placement_validation(old: str, new: str, message: str) -> None:
    assert old in PP
    assert message in load_error(files(policies__p_yaml=PP.replace(old, new)))


def test_an_empty_workload_affinity_is_accepted_and_groups_nothing() -> None:
    # Karmada's ValidateWorkloadAffinity has nothing to check without affinity or
    # antiAffinity, and getWorkloadAffinityGroups gives such a binding no groups.
    text = PP.replace(
        "    clusterTolerations:", "    workloadAffinity: {}\n    clusterTolerations:"
    )
    [policy] = load_fleet(files(policies__p_yaml=text)).propagation_policies
    assert policy.placement.workload_affinity == WorkloadAffinity()


def test_explicit_duplicated_is_accepted() -> None:
    text = PP.replace(
        "    clusterTolerations:",
        "    replicaScheduling: {replicaSchedulingType: Duplicated}\n    clusterTolerations:",
    )
    [policy] = load_fleet(files(policies__p_yaml=text)).propagation_policies
    assert policy.placement.replica_scheduling.type == DUPLICATED


def test_override_policy_forms() -> None:
    text = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: OverridePolicy
        metadata: {name: new, namespace: shop}
        spec:
          overrideRules:
          - targetCluster: {clusterNames: [a]}
            overriders:
              plaintext: [{path: /x, operator: add, value: 1}]
          - overriders:
              plaintext: [{path: /y, operator: remove}]
        ---
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterOverridePolicy
        metadata: {name: old}
        spec:
          resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
          targetCluster: {clusterNames: [b]}
          overriders:
            plaintext: [{path: /z, operator: replace, value: {a: 1}}]
    """
    fleet = load_fleet(files(policies__o_yaml=text))
    new, old = sorted(fleet.override_policies, key=lambda p: p.ref.name)
    assert [r.target_cluster for r in new.rules] == [ClusterAffinity(cluster_names=("a",)), None]
    assert [r.overriders.plaintext[0].path for r in new.rules] == ["/x", "/y"]
    assert new.resource_selectors == ()
    [rule] = old.rules
    assert rule.target_cluster == ClusterAffinity(cluster_names=("b",))
    assert rule.overriders.plaintext[0].value == {"a": 1}
    assert rule.overriders.plaintext[0].source.line == 19


@pytest.mark.parametrize(
    ("plaintext", "message"),
    [
        ("{path: x, operator: add, value: 1}", "is not a JSON pointer"),
        ("{path: /x, operator: move, value: 1}", "'move' is not one of"),
        ("{path: /x, operator: add}", "operator add needs a value"),
    ],
)
def test_plaintext_validation(plaintext: str, message: str) -> None:
    text = f"""
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterOverridePolicy
        metadata: {{name: o}}
        spec:
          overrideRules:
          - overriders:
              plaintext: [{plaintext}]
    """
    assert message in load_error(files(policies__o_yaml=text))


def test_mixing_override_forms_is_an_error() -> None:
    text = """
        apiVersion: policy.karmada.io/v1alpha1
        kind: ClusterOverridePolicy
        metadata: {name: o}
        spec:
          overrideRules: [{overriders: {}}]
          overriders: {}
    """
    assert "cannot be combined" in load_error(files(policies__o_yaml=text))


SPREAD_PP = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: p}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
  placement:
    PLACEMENT
"""


def with_placement(placement: str) -> list[SourceFile]:
    return files(policies__p_yaml=SPREAD_PP.replace("PLACEMENT", placement))


def test_spread_constraint_defaults() -> None:
    from hubless.model import SpreadConstraint

    [policy] = load_fleet(
        with_placement(
            "spreadConstraints: [{maxGroups: 2}, {spreadByField: region, maxGroups: 3, minGroups: 2}]"
        )
    ).propagation_policies
    assert policy.placement.spread_constraints == (
        SpreadConstraint("cluster", "", 1, 2),  # empty field and label: cluster; minGroups 0 -> 1
        SpreadConstraint("region", "", 2, 3),
    )


def test_affinity_terms_are_parsed_in_order() -> None:
    [policy] = load_fleet(
        with_placement(
            "clusterAffinities:\n"
            "    - {affinityName: primary, clusterNames: [a]}\n"
            "    - {affinityName: backup, labelSelector: {matchLabels: {tier: b}}}"
        )
    ).propagation_policies
    assert [(t.name, t.affinity) for t in policy.placement.cluster_affinities] == [
        ("primary", ClusterAffinity(cluster_names=("a",))),
        ("backup", ClusterAffinity(label_selector=LabelSelector((("tier", "b"),)))),
    ]


@pytest.mark.parametrize(
    ("placement", "message"),
    [
        (
            "spreadConstraints: [{spreadByField: cluster, spreadByLabel: team, maxGroups: 1}]",
            "cannot be used together",
        ),
        (
            "spreadConstraints: [{spreadByField: cluster, minGroups: 3, maxGroups: 2}]",
            "maxGroups: 2 is less than minGroups 3",
        ),
        (
            "spreadConstraints: [{spreadByField: cluster, minGroups: -1}]",
            "minGroups: -1 is less than the minimum of 0",
        ),
        (
            "spreadConstraints: [{spreadByField: cluster, maxGroups: 1}, {spreadByField: cluster, maxGroups: 2}]",
            "more than one cluster spread constraint",
        ),
        (
            "spreadConstraints: [{spreadByField: region, maxGroups: 2}]",
            "needs a `spreadByField: cluster` constraint",
        ),
        ("spreadConstraints: [{spreadByField: country, maxGroups: 2}]", "'country' is not one of"),
        (
            "clusterAffinities: [{affinityName: a}, {affinityName: a}]",
            "each affinity term must have a unique name",
        ),
        ("clusterAffinities: [{affinityName: 'bad name'}]", "must be a label key"),
        ("clusterAffinities: [{affinityName: a, clusterName: [x]}]", "did you mean 'clusterNames'"),
        (
            "clusterAffinity: {}\n    clusterAffinities: [{affinityName: a}]",
            "cannot be used together with clusterAffinity",
        ),
        (
            "clusterAffinities: [{affinityName: a, clusterNames: [x], overflowAffinities: [{affinityName: b}]}]",
            "can only be used together with dynamic weight or aggregated scheduling",
        ),
    ],
)
def test_selection_validation(placement: str, message: str) -> None:
    error = load_error(with_placement(placement))
    assert error.startswith("policies/p.yaml:")
    assert message in error


@pytest.mark.parametrize("folder", ["policies", "templates"])
@pytest.mark.parametrize(
    ("api_version", "kind", "why"),
    [
        (
            "config.karmada.io/v1alpha1",
            "ResourceInterpreterWebhookConfiguration",
            "it calls an interpreter webhook at run time",
        ),
        ("apps.karmada.io/v1alpha1", "WorkloadRebalancer", "it is a one-shot action at run time"),
        (
            "policy.karmada.io/v1alpha1",
            "ClusterTaintPolicy",
            "it taints clusters from their live conditions",
        ),
        ("remedy.karmada.io/v1alpha1", "Remedy", "it acts on live cluster conditions at run time"),
    ],
)
def test_karmada_objects_a_compiler_cannot_act_on_are_refused_wherever_written(
    folder: str, api_version: str, kind: str, why: str
) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{}}\n"
    with pytest.raises(UserError) as caught:
        load_fleet([SourceFile(f"{folder}/x.yaml", text)])
    (problem,) = caught.value.problems
    assert str(problem).startswith(
        f"{folder}/x.yaml:1: error: {api_version} {kind} is not read by hubless: {why}"
    )
