"""What overrides do to an object's identity, and what rendered/ cannot hold.

An override that renames, moves or retypes an object is held to the rules a template
is held to at load, with the error at the rule; two objects may not share a file; an
object too large for the API server is warned about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubless.compile import _template_bounds, _yaml_bound
from hubless.serialize import dump
from tests.conftest import COMMON_APIS, cluster_yaml, run_hubless, write_tree

PROPAGATE = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
"""


def widget_policy(name: str, kinds: str, clusters: str, api: str = "example.com/v1") -> str:
    return (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\n"
        f"metadata: {{name: {name}}}\nspec:\n  resourceSelectors:\n"
        + "".join(f"  - {{apiVersion: {api}, kind: {kind}}}\n" for kind in kinds.split())
        + f"  placement: {{clusterAffinity: {{clusterNames: [{clusters}]}}}}\n"
    )


def configmap(name: str, data: str = "{mode: x}") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop}}\ndata: {data}\n"


# The rule at line 7 applies everywhere and changes a label; the rule at line 9 applies
# `patch` on cluster two only.
OVERRIDE = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: move}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: app}]
  overrideRules:
  - overriders:
      labelsOverrider: [{operator: add, value: {moved: "yes"}}]
  - targetCluster: {clusterNames: [two]}
    overriders:
      plaintext: [%s]
"""
RULE = "policies/override.yaml:9"
WHERE = "ClusterOverridePolicy/move overrideRules[1]: cannot override ConfigMap/shop/app for cluster two"


def fleet(tmp_path: Path, patch: str | None = None, **templates: str) -> None:
    apis = {
        **COMMON_APIS,
        "example.com/v1": ("Widget", "WIDGET"),
        "helm.toolkit.fluxcd.io/v2": ("HelmRelease", "HELMRELEASE"),
    }
    files = {
        "policies/clusters.yaml": cluster_yaml("one", apis=apis)
        + "---\n"
        + cluster_yaml("two", apis=apis),
        "policies/propagate.yaml": PROPAGATE,
        "templates/app.yaml": configmap("app"),
        "templates/other.yaml": configmap("other"),
    }
    if patch is not None:
        files["policies/override.yaml"] = OVERRIDE % patch
    files.update({f"templates/{name}.yaml": text for name, text in templates.items()})
    write_tree(tmp_path, files)


def render_error(tmp_path: Path) -> list[str]:
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "rendered").exists()
    return [line for line in result.stderr.splitlines() if "error: " in line]


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (
            "/metadata/name",
            "../../../../../tmp/x",
            "name '../../../../../tmp/x' is not a valid Kubernetes name (lower case letters, "
            "digits, '-' and '.', at most 253 characters)",
        ),
        (
            "/metadata/name",
            "App",
            "name 'App' is not a valid Kubernetes name (lower case letters, digits, '-' and "
            "'.', at most 253 characters)",
        ),
        (
            "/metadata/namespace",
            "../..",
            "namespace '../..' is not a valid name (a DNS-1123 label)",
        ),
        (
            "/metadata/namespace",
            ".hubless",
            "namespace '.hubless' is not a valid name (a DNS-1123 label)",
        ),
        (
            "/metadata/namespace",
            "_cluster",
            "namespace '_cluster' is not a valid name (a DNS-1123 label)",
        ),
        ("/metadata/namespace", "", "metadata.namespace must be a non-empty string"),
        ("/kind", "Namespace", "Namespace is cluster-scoped and cannot have metadata.namespace"),
        (
            "/apiVersion",
            "policy.karmada.io/v1alpha1",
            "ConfigMap is a control object: put it in policies/",
        ),
    ],
)
def test_an_override_cannot_give_an_identity_no_template_could_have(
    tmp_path: Path, path: str, value: str, problem: str
) -> None:
    fleet(tmp_path, f"{{path: {path}, operator: replace, value: '{value}'}}")
    assert render_error(tmp_path) == [f"{RULE}: error: {WHERE}: {problem}"]


@pytest.mark.parametrize(
    ("path", "field"),
    [("/metadata/name", "metadata.name"), ("/kind", "kind"), ("/apiVersion", "apiVersion")],
)
def test_an_override_that_removes_what_names_an_object_names_the_rule(
    tmp_path: Path, path: str, field: str
) -> None:
    fleet(tmp_path, f"{{path: {path}, operator: remove}}")
    assert render_error(tmp_path) == [
        f"{RULE}: error: {WHERE}: it has no {field} (every object needs an apiVersion, a kind "
        "and a metadata.name)"
    ]


BLAME = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata: {name: move}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: app}]
  overrideRules:
  - overriders:
      plaintext: [{path: /metadata/name, operator: replace, value: '../x'}]
  - targetCluster: {clusterNames: [two]}
    overriders:
      plaintext: [{path: /metadata/name, operator: replace, value: '../y'}]
  - overriders:
      labelsOverrider: [{operator: add, value: {z: z}}]
"""


def test_the_rule_to_blame_is_the_last_that_changed_the_value(tmp_path: Path) -> None:
    # Rule 0 renames on every cluster, rule 1 renames again on cluster two, rule 2 changes
    # a label everywhere.
    fleet(tmp_path)
    write_tree(tmp_path, {"policies/override.yaml": BLAME})
    invalid = (
        "is not a valid Kubernetes name (lower case letters, digits, '-' and '.', at most "
        "253 characters)"
    )
    assert render_error(tmp_path) == [
        "policies/override.yaml:7: error: ClusterOverridePolicy/move overrideRules[0]: cannot "
        f"override ConfigMap/shop/app for cluster one: name '../x' {invalid}",
        "policies/override.yaml:9: error: ClusterOverridePolicy/move overrideRules[1]: cannot "
        f"override ConfigMap/shop/app for cluster two: name '../y' {invalid}",
    ]


def test_a_valid_rename_is_written_under_its_new_name(tmp_path: Path) -> None:
    fleet(tmp_path, "{path: /metadata/name, operator: replace, value: app-two}")
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rendered/two/shop/configmap_app-two.yaml").is_file()
    assert (tmp_path / "rendered/one/shop/configmap_app.yaml").is_file()
    assert not (tmp_path / "rendered/two/shop/configmap_app.yaml").exists()


def test_renaming_onto_another_object_names_the_rule_and_both_templates(tmp_path: Path) -> None:
    fleet(tmp_path, "{path: /metadata/name, operator: replace, value: other}")
    assert render_error(tmp_path) == [
        f"{RULE}: error: ClusterOverridePolicy/move overrideRules[1] makes ConfigMap/shop/app "
        "(templates/app.yaml:1) the same object as ConfigMap/shop/other "
        "(templates/other.yaml:1) on cluster two"
    ]


def widget(kind: str, api: str = "example.com/v1") -> str:
    return f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: w, namespace: shop}}\n"


def crd(group: str, kind: str, plural: str) -> str:
    """A CRD no policy selects: it only says that `kind` is namespaced."""
    return (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        f"metadata: {{name: {plural}.{group}}}\n"
        f"spec: {{group: {group}, scope: Namespaced, names: {{kind: {kind}, plural: {plural}}}}}\n"
    )


WIDGET_CRDS = (
    crd("example.com", "Widget", "widgets") + "---\n" + crd("example.com", "WIDGET", "bigwidgets")
)


COLLISION = (
    "templates/b.yaml:1: error: Widget.example.com/shop/w and WIDGET.example.com/shop/w "
    "(templates/a.yaml:1) would be the same file, shop/widget.example.com_w.yaml, on any "
    "cluster that gets both (file names are lower case): rename one"
)


def test_kinds_that_differ_only_in_case_name_both_templates(tmp_path: Path) -> None:
    fleet(tmp_path, a=widget("WIDGET"), b=widget("Widget"), crds=WIDGET_CRDS)
    write_tree(tmp_path, {"policies/widgets.yaml": widget_policy("w", "Widget WIDGET", "one")})
    assert render_error(tmp_path) == [COLLISION]


def test_kinds_that_differ_only_in_case_are_refused_wherever_they_go(tmp_path: Path) -> None:
    # On different clusters today; they would meet as soon as the placement changed.
    fleet(tmp_path, a=widget("WIDGET"), b=widget("Widget"), crds=WIDGET_CRDS)
    upper, lower = widget_policy("upper", "WIDGET", "one"), widget_policy("lower", "Widget", "two")
    write_tree(tmp_path, {"policies/widgets.yaml": upper + "---\n" + lower})
    assert render_error(tmp_path) == [COLLISION]


def test_a_new_kind_differing_only_in_case_is_refused_by_a_quick_render(tmp_path: Path) -> None:
    # Rendering only the changed templates must not miss the file they share with another.
    # The new template's kind is one hubless knows (a kind of a CRD in templates/ is never
    # rendered alone: where its CRD goes matters), the other's comes from its CRD.
    api = "helm.toolkit.fluxcd.io/v2"
    upper = crd("helm.toolkit.fluxcd.io", "HELMRELEASE", "bighelmreleases")
    fleet(tmp_path, b=widget("HELMRELEASE", api), crds=upper)
    write_tree(
        tmp_path,
        {"policies/widgets.yaml": widget_policy("w", "HelmRelease HELMRELEASE", "one", api)},
    )
    for index in range(20):  # enough templates that one new one is a small change
        write_tree(tmp_path, {f"templates/m{index}.yaml": configmap(f"m{index}")})
    assert run_hubless("render", cwd=tmp_path).returncode == 0
    write_tree(tmp_path, {"templates/a.yaml": widget("HelmRelease", api)})
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert [line for line in result.stderr.splitlines() if "error: " in line] == [
        "templates/a.yaml:1: error: HelmRelease.helm.toolkit.fluxcd.io/shop/w and "
        "HELMRELEASE.helm.toolkit.fluxcd.io/shop/w (templates/b.yaml:1) would be the same file, "
        "shop/helmrelease.helm.toolkit.fluxcd.io_w.yaml, on any cluster that gets both (file "
        "names are lower case): rename one"
    ]


LIMIT = 1024 * 1024


def big(size: int) -> str:
    """A ConfigMap whose rendered file is `size` bytes."""
    head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: shop\ndata:\n  blob: "
    return head + "x" * (size - len(head) - 1) + "\n"


def test_an_object_over_the_api_server_limit_is_warned_about_once(tmp_path: Path) -> None:
    fleet(tmp_path, big=big(LIMIT + 1))
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rendered/one/shop/configmap_big.yaml").stat().st_size == LIMIT + 1
    warnings = [line for line in result.stderr.splitlines() if "1 MiB" in line]
    assert warnings == [
        "templates/big.yaml:1: warning: ConfigMap/shop/big is 1,048,577 bytes as YAML on "
        "clusters one, two: over the API server's 1 MiB limit for an object (1,048,576 bytes), "
        "Argo CD or Flux will fail to apply it"
    ]


def test_an_object_at_the_limit_is_not_warned_about(tmp_path: Path) -> None:
    fleet(tmp_path, big=big(LIMIT))
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rendered/one/shop/configmap_big.yaml").stat().st_size == LIMIT
    assert "1 MiB" not in result.stderr


def test_an_object_over_the_limit_on_some_clusters_names_those(tmp_path: Path) -> None:
    fleet(tmp_path, big=big(LIMIT - 10))
    grow = (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterOverridePolicy\n"
        "metadata: {name: grow}\nspec:\n"
        "  resourceSelectors: [{apiVersion: v1, kind: ConfigMap, name: big}]\n"
        "  overrideRules:\n  - targetCluster: {clusterNames: [two]}\n    overriders:\n"
        "      plaintext: [{path: /data/more, operator: add, value: '0123456789'}]\n"
    )
    write_tree(tmp_path, {"policies/grow.yaml": grow})
    result = run_hubless("render", "--no-validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if "1 MiB" in line] == [
        "templates/big.yaml:1: warning: ConfigMap/shop/big is 1,048,587 bytes as YAML on "
        "cluster two: over the API server's 1 MiB limit for an object (1,048,576 bytes), "
        "Argo CD or Flux will fail to apply it"
    ]
    assert (tmp_path / "rendered/two/shop/configmap_big.yaml").stat().st_size == 1_048_587


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["a\n  b\n", " x\n\n", "y: z", "\x85\u2028\U0001f600", "'\"\\", "on", "-", "|"]
)
_VALUES = st.recursive(
    _TEXT | st.integers() | st.floats() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(_TEXT, _VALUES, max_size=5))
def test_the_quick_size_bound_is_never_below_the_size(body: dict[str, Any]) -> None:
    # Objects under the bound are not serialized to be measured: it must not be too low.
    size = len(dump(body).encode("utf-8"))
    assert _yaml_bound(body, 0, {}) >= size
    known: dict[tuple[int, int], int] = {}
    _template_bounds(body, 0, known)  # what an object that shares parts of it reads
    assert _yaml_bound(body, 0, known) >= size
