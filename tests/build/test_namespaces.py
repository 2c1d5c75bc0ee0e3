"""A namespace that objects go to on a cluster that gets no Namespace for it is warned
about, once, naming the clusters (hubless.build.namespaces), whichever way the render went."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from hubless.build.plan import plan_render
from hubless.build.result import Strategy
from hubless.cli import cli
from tests.conftest import cluster_yaml, write_tree


def cluster(name: str, gitops: str = "") -> str:
    text = cluster_yaml(name)
    document = yaml.safe_load(text)
    document["status"]["kubernetesVersion"] = "v1.31.0"
    if gitops:
        document["metadata"]["annotations"] = {
            "hubless.io/gitops": gitops,
            "hubless.io/repo-url": "https://git.example.com/fleet.git",
        }
    return yaml.safe_dump(document, sort_keys=False)


def everywhere(namespace: str) -> str:
    return f"""\
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: all, namespace: {namespace}}}
spec:
  resourceSelectors:
  - {{apiVersion: v1, kind: ConfigMap}}
  placement: {{}}
"""


def configmap(namespace: str, name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {namespace}}}\n"


def namespace(name: str, skip: bool = False) -> str:
    labels = ", labels: {namespace.karmada.io/skip-auto-propagation: 'true'}" if skip else ""
    return f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}{labels}}}\n"


ON_EAST = """\
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: tools-on-east}
spec:
  resourceSelectors:
  - {apiVersion: v1, kind: Namespace, name: tools}
  placement:
    clusterAffinity: {clusterNames: [east]}
"""


def fleet() -> dict[str, str]:
    return {
        "policies/clusters.yaml": "---\n".join(
            [cluster("east"), cluster("west"), cluster("self", gitops="argocd")]
        ),
        "policies/shop.yaml": everywhere("shop"),
        "policies/tools.yaml": everywhere("tools") + "---\n" + ON_EAST,
        "policies/default.yaml": everywhere("default"),
        "policies/argocd.yaml": everywhere("argocd"),
        # shop: every cluster gets its Namespace (Karmada's namespace sync)
        "templates/shop.yaml": namespace("shop") + "---\n" + configmap("shop", "a"),
        # tools: its Namespace goes to east only
        "templates/tools/namespace.yaml": namespace("tools", skip=True),
        "templates/tools/z.yaml": configmap("tools", "a"),
        "templates/tools/b.yaml": "# first\n---\n" + configmap("tools", "b"),
        # default exists everywhere; argocd runs where a cluster pulls with Argo CD
        "templates/default.yaml": configmap("default", "a"),
        "templates/argocd.yaml": configmap("argocd", "a"),
    }


def render(repo: Path) -> str:
    result = CliRunner().invoke(cli, ["render", "--repo", str(repo)])
    assert result.exit_code == 0, result.output
    return result.stderr


def warning(where: str, namespace: str, clusters: str) -> str:
    return (
        f"{where}: warning: objects in namespace {namespace} go to {clusters}, which get no "
        f"Namespace {namespace}: Argo CD and Flux fail to apply them unless it already exists "
        "there (Argo CD's CreateNamespace=true creates only an Application's destination "
        "namespace; a Flux Kustomization creates none); add a Namespace template\n"
    )


def test_one_warning_per_namespace_naming_the_clusters_without_it(tmp_path: Path) -> None:
    write_tree(tmp_path, fleet())
    assert render(tmp_path) == (
        # argocd: on east and west only (self's Argo CD runs there); default: nowhere
        warning("templates/argocd.yaml:1", "argocd", "clusters east, west")
        # tools: east gets its Namespace; the first template by path is b.yaml's
        + warning("templates/tools/b.yaml:3", "tools", "clusters self, west")
    )
    # What Argo CD and Flux get: the objects, and no Namespace for them.
    rendered = tmp_path / "rendered"
    assert (rendered / "west/tools/configmap_a.yaml").is_file()
    assert not (rendered / "west/_cluster/namespace_tools.yaml").exists()
    assert (rendered / "east/_cluster/namespace_tools.yaml").is_file()
    assert (rendered / "self/argocd/application.argoproj.io_hubless-fleet.yaml").is_file()


def test_no_warning_when_every_namespace_is_created(tmp_path: Path) -> None:
    files = fleet()
    del files["templates/argocd.yaml"]
    files["templates/tools/namespace.yaml"] = namespace("tools")  # synced to every cluster
    write_tree(tmp_path, files)
    assert render(tmp_path) == ""


def test_a_template_rendered_alone_into_a_new_namespace_is_warned_about(tmp_path: Path) -> None:
    files = fleet()
    del files["templates/argocd.yaml"]
    files["templates/tools/namespace.yaml"] = namespace("tools")
    files.update({f"templates/more/{n}.yaml": configmap("shop", f"m{n}") for n in range(10)})
    write_tree(tmp_path, files)
    assert render(tmp_path) == ""
    write_tree(tmp_path, {"policies/extra.yaml": everywhere("extra")})
    render(tmp_path)
    write_tree(tmp_path, {"templates/extra.yaml": configmap("extra", "a")})
    assert plan_render(tmp_path).strategy is Strategy.TEMPLATES
    said = render(tmp_path)
    assert said == warning("templates/extra.yaml:1", "extra", "clusters east, self, west")
    cold = tmp_path / "cold"
    for folder in ("policies", "templates"):
        shutil.copytree(tmp_path / folder, cold / folder)
    assert render(cold) == said
    assert render(tmp_path) == said  # nothing to do, the same said
