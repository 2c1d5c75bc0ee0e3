"""What overrides do to an object's identity, and what rendered/ cannot hold.

An override that renames, moves or retypes an object is held to the rules a template
is held to at load, with the error at the rule; two objects may not share a file; an
object too large for the API server is warned about."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import COMMON_APIS, cluster_yaml, run_hubless, write_tree

PROPAGATE = """
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: all}
spec:
  resourceSelectors: [{apiVersion: v1, kind: ConfigMap}]
"""


def widget_policy(name: str, kinds: str, clusters: str) -> str:
    return (
        "apiVersion: policy.karmada.io/v1alpha1\nkind: ClusterPropagationPolicy\n"
        f"metadata: {{name: {name}}}\nspec:\n  resourceSelectors:\n"
        + "".join(f"  - {{apiVersion: example.com/v1, kind: {kind}}}\n" for kind in kinds.split())
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
    apis = {**COMMON_APIS, "example.com/v1": ("Widget", "WIDGET")}
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


def test_the_rule_to_blame_is_the_last_that_changed_the_value(tmp_path: Path) -> None:
    fleet(
        tmp_path,
        "{path: /metadata/name, operator: replace, value: '../x'}, "
        "{path: /metadata/labels/z, operator: add, value: z}",
    )
    errors = render_error(tmp_path)
    assert len(errors) == 1 and errors[0].startswith(f"{RULE}: error: {WHERE}: name '../x' ")


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


def widget(kind: str) -> str:
    return f"apiVersion: example.com/v1\nkind: {kind}\nmetadata: {{name: w, namespace: shop}}\n"


COLLISION = (
    "templates/b.yaml:1: error: Widget.example.com/shop/w and WIDGET.example.com/shop/w "
    "(templates/a.yaml:1) would be the same file, shop/widget.example.com_w.yaml, on any "
    "cluster that gets both (file names are lower case): rename one"
)


def test_kinds_that_differ_only_in_case_name_both_templates(tmp_path: Path) -> None:
    fleet(tmp_path, a=widget("WIDGET"), b=widget("Widget"))
    write_tree(tmp_path, {"policies/widgets.yaml": widget_policy("w", "Widget WIDGET", "one")})
    assert render_error(tmp_path) == [COLLISION]


def test_kinds_that_differ_only_in_case_are_refused_wherever_they_go(tmp_path: Path) -> None:
    # On different clusters today; they would meet as soon as the placement changed.
    fleet(tmp_path, a=widget("WIDGET"), b=widget("Widget"))
    upper, lower = widget_policy("upper", "WIDGET", "one"), widget_policy("lower", "Widget", "two")
    write_tree(tmp_path, {"policies/widgets.yaml": upper + "---\n" + lower})
    assert render_error(tmp_path) == [COLLISION]
