"""Every render says what a full render of the same sources says.

For each kind of warning: a first render, a second one with nothing to do (and its
`--check`), one after an unrelated template change (only that template is compiled
again), one after an unrelated override change (only one cluster is built again) and one
after the warning's cause is gone each print, as a whole, the stderr of a render of the
same sources into a fresh rendered/.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from hubless.build.plan import plan_render
from hubless.build.result import Strategy
from hubless.cli import cli
from tests.conftest import COMMON_APIS, cluster_yaml, snapshot, write_tree


def clusters(*extra: str, apis: dict[str, tuple[str, ...]] | None = None) -> str:
    served = {**COMMON_APIS, **(apis or {})}
    return "\n---\n".join(
        [
            cluster_yaml("east", {"env": "prod"}, apis=served),
            cluster_yaml("west", {"env": "prod"}, apis=served),
            *extra,
        ]
    )


def policy(*lines: str, selectors: str = "") -> str:
    """The web policy: every object labelled app=web, on every prod cluster."""
    return "\n".join(
        [
            "apiVersion: policy.karmada.io/v1alpha1",
            "kind: PropagationPolicy",
            "metadata: {name: web, namespace: shop}",
            "spec:",
            *lines,
            "  resourceSelectors:",
            "  - {apiVersion: apps/v1, kind: Deployment, labelSelector: {matchLabels: {app: web}}}",
            "  - {apiVersion: v1, kind: ConfigMap, labelSelector: {matchLabels: {app: web}}}",
            *([selectors] if selectors else []),
            "  placement:",
            "    clusterAffinity:",
            "      labelSelector: {matchLabels: {env: prod}}",
            "",
        ]
    )


def configmap(name: str, data: str, labels: str = "{app: web}") -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop, "
        f"labels: {labels}}}\ndata: {data}\n"
    )


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
"""
# Refers to a ConfigMap that is not in templates/.
DEPLOYMENT_WITH_ENV = DEPLOYMENT + "        envFrom:\n        - configMapRef: {name: absent}\n"
# A kind whose scope hubless knows (hubless.known_kinds) but whose schema it has not.
WIDGET = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: w, namespace: shop}\n"
WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  names: {kind: ServiceMonitor, plural: servicemonitors}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"""
# An override for one cluster: a render after changing it builds that cluster again only.
OVERRIDE = """\
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {name: web-west, namespace: shop}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: ConfigMap, name: notes}
  overrideRules:
  - targetCluster: {clusterNames: [west]}
    overriders:
      labelsOverrider:
      - {operator: add, value: {tier: VALUE}}
"""


DEPLOYMENT_4 = DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: 4\n  selector")
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
"""
HPA_SELECTOR = "  - {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: web}"
AUTOSCALING = {"autoscaling/v2": ("HorizontalPodAutoscaler",)}
DIVIDED = (
    "    replicaScheduling: {replicaSchedulingType: Divided, replicaDivisionPreference: Weighted}"
)


def base() -> dict[str, str]:
    return {
        "policies/clusters.yaml": clusters(),
        "policies/web.yaml": policy(),
        "policies/override.yaml": OVERRIDE.replace("VALUE", "one"),
        "templates/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        "templates/web/deployment.yaml": DEPLOYMENT,
        "templates/web/config.yaml": configmap("web", "{mode: 'on'}"),
        "templates/web/notes.yaml": configmap("notes", "{text: first}"),
    }


@dataclass(frozen=True)
class Case:
    """A fleet with one kind of warning, and the edit that takes its cause away."""

    files: dict[str, str]
    fix: dict[str, str]
    # what a render after an unrelated template change may do (policies aside)
    template_change: frozenset[Strategy] = field(default=frozenset({Strategy.TEMPLATES}))


OVERSIZE = "{blob: '" + "x" * (1024 * 1024 + 10) + "'}"
CASES = {
    "unknown cluster name in a policy": Case(
        {
            **base(),
            "policies/web.yaml": policy().replace(
                "      labelSelector: {matchLabels: {env: prod}}",
                "      clusterNames: [east, west, nowhere]",
            ),
        },
        {
            "policies/web.yaml": policy().replace(
                "      labelSelector: {matchLabels: {env: prod}}",
                "      clusterNames: [east, west]",
            )
        },
    ),
    "a cluster serving no API": Case(
        {**base(), "policies/clusters.yaml": clusters(cluster_yaml("bare", apis=None))},
        {"policies/clusters.yaml": clusters(cluster_yaml("bare"))},
    ),
    "a cluster that is not Ready": Case(
        {**base(), "policies/clusters.yaml": clusters(cluster_yaml("sleepy", ready="False"))},
        {"policies/clusters.yaml": clusters(cluster_yaml("sleepy"))},
    ),
    "a credential in a ConfigMap": Case(
        {**base(), "templates/web/config.yaml": configmap("web", "{key: AKIAABCDEFGHIJKLMNOP}")},
        {"templates/web/config.yaml": configmap("web", "{key: none}")},
    ),
    "a policy waiting for a missing override policy": Case(
        {**base(), "policies/web.yaml": policy("  dependentOverrides: [missing]")},
        {"policies/web.yaml": policy()},
    ),
    "a policy for another scheduler": Case(
        {**base(), "policies/web.yaml": policy("  schedulerName: other")},
        {"policies/web.yaml": policy()},
    ),
    "a missing dependency": Case(
        {
            **base(),
            "policies/web.yaml": policy("  propagateDeps: true"),
            "templates/web/deployment.yaml": DEPLOYMENT_WITH_ENV,
        },
        {"templates/web/absent.yaml": configmap("absent", "{a: b}", labels="{}")},
        # propagateDeps: every template is decided again, unchanged clusters kept
        template_change=frozenset({Strategy.CLUSTERS}),
    ),
    "an object over the size limit": Case(
        {**base(), "templates/web/config.yaml": configmap("web", OVERSIZE)},
        {"templates/web/config.yaml": configmap("web", "{blob: small}")},
    ),
    "a template no policy matches": Case(
        {**base(), "templates/stray.yaml": configmap("stray", "{a: b}", labels="{}")},
        {"templates/stray.yaml": configmap("stray", "{a: b}")},
    ),
    "a custom kind without a schema": Case(
        {
            **base(),
            "policies/clusters.yaml": clusters(
                apis={"monitoring.coreos.com/v1": ("ServiceMonitor",)}
            ),
            "policies/web.yaml": policy(
                selectors="  - {apiVersion: monitoring.coreos.com/v1, kind: ServiceMonitor, name: w}"
            ),
            "templates/widget.yaml": WIDGET,
        },
        {"templates/widget-crd.yaml": WIDGET_CRD},
    ),
    "a Divided workload an autoscaler scales": Case(
        {
            **base(),
            "policies/clusters.yaml": clusters(apis=AUTOSCALING),
            "policies/web.yaml": policy(selectors=HPA_SELECTOR).replace(
                "      labelSelector: {matchLabels: {env: prod}}",
                "      labelSelector: {matchLabels: {env: prod}}\n" + DIVIDED,
            ),
            "templates/web/deployment.yaml": DEPLOYMENT_4,
            "templates/web/hpa.yaml": HPA,
        },
        {"policies/web.yaml": policy(selectors=HPA_SELECTOR)},
    ),
    "an API a cluster does not serve": Case(
        {
            **base(),
            "policies/clusters.yaml": "\n---\n".join(
                [
                    cluster_yaml("east", {"env": "prod"}, apis=COMMON_APIS),
                    cluster_yaml(
                        "west",
                        {"env": "prod"},
                        apis={k: v for k, v in COMMON_APIS.items() if k != "apps/v1"},
                    ),
                ]
            ),
        },
        {"policies/clusters.yaml": clusters()},
    ),
    "a namespace nothing creates": Case(
        {k: v for k, v in base().items() if k != "templates/namespace.yaml"},
        {"templates/namespace.yaml": base()["templates/namespace.yaml"]},
    ),
}


def hubless(repo: Path, *args: str) -> str:
    """`hubless render ARGS` in `repo`: its stderr."""
    result = CliRunner().invoke(cli, ["render", "--repo", str(repo), *args])
    assert result.exit_code in (0, 1), result.output
    return result.stderr


def cold(repo: Path, scratch: Path, *args: str) -> str:
    """What a render of `repo`'s sources into a fresh rendered/ prints."""
    if scratch.exists():
        shutil.rmtree(scratch)
    for folder in ("policies", "templates"):
        shutil.copytree(repo / folder, scratch / folder)
    return hubless(scratch, *args)


def strategy(repo: Path) -> Strategy:
    return plan_render(repo).strategy


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_render_says_what_a_full_render_says(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    repo, scratch = tmp_path / "repo", tmp_path / "cold"
    write_tree(repo, case.files)
    full = hubless(repo)
    write_tree(tmp_path / "base", base())
    assert set(full.splitlines()) - set(hubless(tmp_path / "base").splitlines())  # its warning
    assert full == cold(repo, scratch)

    assert strategy(repo) is Strategy.UNCHANGED
    assert hubless(repo) == full
    assert hubless(repo, "--check") == full

    write_tree(repo, {"templates/web/notes.yaml": configmap("notes", "{text: second}")})
    assert strategy(repo) in case.template_change
    assert hubless(repo) == cold(repo, scratch)

    write_tree(repo, {"policies/override.yaml": OVERRIDE.replace("VALUE", "two")})
    assert strategy(repo) is Strategy.CLUSTERS
    assert hubless(repo) == cold(repo, scratch)

    write_tree(repo, case.fix)
    fixed = hubless(repo)
    assert fixed == cold(repo, scratch)
    assert fixed != full  # that warning is gone
    assert hubless(repo) == fixed


def written(repo: Path) -> dict[str, bytes]:
    """Every file of rendered/, but the lock."""
    return {k: v[0] for k, v in snapshot(repo / "rendered").items() if k != ".hubless/lock"}


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("an object over the size limit", ()),
        ("a custom kind without a schema", ()),
        ("a credential in a ConfigMap", ()),
        # Validation's warnings follow the options the shards were rendered with.
        ("a custom kind without a schema", ("--kube-version-default", "1.30")),
        ("a custom kind without a schema", ("--no-validate",)),
        ("a custom kind without a schema", ("--no-validate", "--kube-version-default", "1.30")),
    ],
)
def test_a_merge_of_shards_says_what_one_render_says(
    tmp_path: Path, name: str, options: tuple[str, ...]
) -> None:
    repo = tmp_path / "repo"
    write_tree(repo, CASES[name].files)
    runner = CliRunner()
    for index in (1, 2):
        shard = runner.invoke(
            cli, ["render", "--repo", str(repo), "--shard", f"{index}/2", *options]
        )
        assert shard.exit_code == 0, shard.output
    merged = runner.invoke(cli, ["merge", "--repo", str(repo)])
    assert merged.exit_code == 0, merged.output
    full = cold(repo, tmp_path / "cold", *options)
    assert merged.stderr == full
    # What it wrote too, the manifest with what validation says included.
    assert written(repo) == written(tmp_path / "cold")
    assert strategy(repo) is Strategy.UNCHANGED
    assert hubless(repo, *options) == full


def test_validation_s_warnings_follow_this_render_s_options(tmp_path: Path) -> None:
    """They depend on --kube-version-default and --no-validate, which are not inputs: a
    render with nothing to do still says what a full render with its options says."""
    repo, scratch = tmp_path / "repo", tmp_path / "cold"
    write_tree(repo, CASES["a custom kind without a schema"].files)
    hubless(repo)
    said = {}
    for options in (["--kube-version-default", "1.30"], ["--no-validate"], []):
        assert strategy(repo) is Strategy.UNCHANGED
        said[options[0] if options else ""] = hubless(repo, *options)
        assert said[options[0] if options else ""] == cold(repo, scratch, *options)
        assert hubless(repo, "--check", *options) == cold(repo, scratch, *options)
    # With a version every cluster is validated, and the ServiceMonitor cannot be; without one,
    # no cluster is; without validation, nothing is said.
    assert said["--kube-version-default"] == (
        "warning: monitoring.coreos.com/v1 ServiceMonitor has no schema (no CustomResourceDefinition in "
        "templates/): not validated on east, west\n"
    )
    assert said["--no-validate"] == ""
    assert said[""].count("has no status.kubernetesVersion") == 2


def test_a_kept_warning_follows_its_template_to_its_new_line(tmp_path: Path) -> None:
    """Only the edited template is compiled again; the warning of the one below it in the
    same file keeps its text but moves with it."""
    repo = tmp_path / "repo"
    files = {k: v for k, v in base().items() if k != "templates/web/notes.yaml"}
    credential = configmap("web", "{key: AKIAABCDEFGHIJKLMNOP}")
    files["templates/web/config.yaml"] = configmap("notes", "{text: first}") + "---\n" + credential
    write_tree(repo, files)
    before = hubless(repo)
    assert "templates/web/config.yaml:6: warning: ConfigMap/shop/web data.key looks like" in before
    notes = configmap("notes", "\n  text: first\n  more: second")
    write_tree(repo, {"templates/web/config.yaml": notes + "---\n" + credential})
    assert strategy(repo) is Strategy.TEMPLATES
    after = hubless(repo)
    assert after == cold(repo, tmp_path / "cold")
    assert after == before.replace("config.yaml:6:", "config.yaml:8:")
