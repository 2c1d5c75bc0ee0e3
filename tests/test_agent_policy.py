"""preserveResourcesOnDeletion and conflictResolution through `hubless render`: what the
policy asks of the member cluster is written onto the object, on every cluster, in the
annotations Argo CD and Flux read.

The keys and values are the agents' own: gitops-engine's `argocd.argoproj.io/sync-options`
with `Prune=false` (SyncOptionDisablePrune) and `Delete=false`, options joined by commas;
kustomize-controller's `kustomize.toolkit.fluxcd.io/prune: disabled` (DisabledValue, the
deleteObjects exclusion) and `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent`
(IfNotPresentValue, the apply's IfNotPresentSelector). Karmada's rules: the Work carries
the binding's PreserveResourcesOnDeletion and the execution controller leaves the member
object when the Work goes (pkg/controllers/execution/execution_controller.go
handleWorkDelete); a dependency takes "any true" of its referencing bindings, and
Overwrite when any of them overwrites (pkg/dependenciesdistributor/policy_utils.go)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import cluster_yaml, read_rendered, run_hubless, write_tree

CLUSTERS = "---\n".join(cluster_yaml(n) for n in ("alpha", "beta"))


def policy(extra: str, name: str = "web", selects: str = "Deployment, name: web") -> str:
    return f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: {selects}}}]
  propagateDeps: true
  placement: {{clusterAffinity: {{clusterNames: [alpha, beta]}}}}
{extra}"""


def web(annotations: str = "") -> str:
    meta = f", annotations: {annotations}" if annotations else ""
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop{meta}}}
spec:
  replicas: 1
  template:
    spec:
      containers: [{{name: web, image: web, envFrom: [{{configMapRef: {{name: settings}}}}]}}]
"""


SETTINGS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {k: v}
"""


def render(repo: Path, policies: str, template: str | None = None, code: int = 0) -> str:
    files = {"policies/clusters.yaml": CLUSTERS, "policies/web.yaml": policies}
    files["templates/settings.yaml"] = SETTINGS
    write_tree(repo, files)
    web_file = repo / "templates/web.yaml"
    if template is None:
        web_file.unlink(missing_ok=True)
    else:
        write_tree(repo, {"templates/web.yaml": template})
    result = run_hubless("render", cwd=repo)
    assert result.returncode == code, result.stderr
    return result.stderr


def deployment(annotations: dict[str, str] | None) -> dict[str, object]:
    metadata: dict[str, object] = {"name": "web", "namespace": "shop"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "web",
                            "envFrom": [{"configMapRef": {"name": "settings"}}],
                        }
                    ]
                }
            },
        },
    }


def settings(annotations: dict[str, str] | None) -> dict[str, object]:
    metadata: dict[str, object] = {"name": "settings", "namespace": "shop"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"k": "v"}}


def objects(repo: Path) -> dict[str, object]:
    return {p: o for p, o in read_rendered(repo).items() if "/shop/" in p}


def everywhere(web_object: dict[str, object], settings_object: dict[str, object]) -> dict:
    found: dict[str, object] = {}
    for cluster in ("alpha", "beta"):
        found[f"{cluster}/shop/configmap_settings.yaml"] = settings_object
        found[f"{cluster}/shop/deployment.apps_web.yaml"] = web_object
    return found


KEEP = {
    "argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
    "kustomize.toolkit.fluxcd.io/prune": "disabled",
}


def test_a_preserved_object_carries_what_both_agents_read_on_every_cluster(
    tmp_path: Path,
) -> None:
    render(tmp_path, policy("  preserveResourcesOnDeletion: true\n"), web())
    # the ConfigMap is a dependency of a preserved workload: preserved too
    assert objects(tmp_path) == everywhere(deployment(KEEP), settings(KEEP))


def test_preservation_keeps_the_templates_other_sync_options(tmp_path: Path) -> None:
    # Argo CD reads one comma-separated value: other options stay, in their order; a
    # Prune or Delete option of the template's gives way to the policy's.
    template = web('{argocd.argoproj.io/sync-options: "ServerSideApply=true, Prune=confirm"}')
    render(tmp_path, policy("  preserveResourcesOnDeletion: true\n"), template)
    rendered = objects(tmp_path)["alpha/shop/deployment.apps_web.yaml"]
    assert rendered == deployment(
        {
            "argocd.argoproj.io/sync-options": "ServerSideApply=true,Prune=false,Delete=false",
            "kustomize.toolkit.fluxcd.io/prune": "disabled",
        }
    )


def test_removal_takes_two_renders(tmp_path: Path) -> None:
    # First the render that puts the annotations on the running objects, then the one that
    # takes the object out of the folders; the agents then leave it running.
    render(tmp_path, policy(""), web())
    assert objects(tmp_path) == everywhere(deployment(None), settings(None))
    render(tmp_path, policy("  preserveResourcesOnDeletion: true\n"), web())
    assert objects(tmp_path) == everywhere(deployment(KEEP), settings(KEEP))
    render(tmp_path, policy("  preserveResourcesOnDeletion: true\n"), None)
    assert objects(tmp_path) == {}  # the ConfigMap has no policy of its own either


def test_preserve_false_writes_nothing(tmp_path: Path) -> None:
    render(tmp_path, policy("  preserveResourcesOnDeletion: false\n"), web())
    assert objects(tmp_path) == everywhere(deployment(None), settings(None))


def test_abort_set_on_the_policy_asks_flux_to_apply_only_if_absent(tmp_path: Path) -> None:
    render(tmp_path, policy("  conflictResolution: Abort\n"), web())
    abort = {"kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent"}
    assert objects(tmp_path) == everywhere(deployment(abort), settings(abort))


def test_overwrite_and_unset_let_the_agents_take_over(tmp_path: Path) -> None:
    render(tmp_path, policy("  conflictResolution: Overwrite\n"), web())
    assert objects(tmp_path) == everywhere(deployment(None), settings(None))
    render(tmp_path, policy(""), web())
    assert objects(tmp_path) == everywhere(deployment(None), settings(None))


def test_a_dependency_is_taken_over_when_any_workload_using_it_would_be(
    tmp_path: Path,
) -> None:
    # policy_utils.go: Overwrite when any referencing binding overwrites; preserved when
    # any referencing binding preserves.
    other = (
        web().replace("name: web,", "name: api,").replace("name: web, image", "name: api, image")
    )
    policies = (
        policy("  conflictResolution: Abort\n")
        + "---"
        + policy(
            "  conflictResolution: Overwrite\n  preserveResourcesOnDeletion: true\n",
            name="api",
            selects="Deployment, name: api",
        )
    )
    write_tree(tmp_path, {"templates/api.yaml": other})
    render(tmp_path, policies, web())
    found = objects(tmp_path)
    assert found["alpha/shop/configmap_settings.yaml"] == settings(KEEP)
    assert found["alpha/shop/deployment.apps_web.yaml"] == deployment(
        {"kustomize.toolkit.fluxcd.io/ssa": "IfNotPresent"}
    )


def test_values_outside_karmadas_enums_are_errors_at_their_line(tmp_path: Path) -> None:
    stderr = render(tmp_path, policy("  conflictResolution: abort\n"), web(), code=1)
    assert stderr.splitlines() == [
        "policies/web.yaml:8: error: spec.conflictResolution: 'abort' is not one of "
        "'Abort', 'Overwrite'"
    ]
    stderr = render(tmp_path, policy("  preemption: Sometimes\n"), web(), code=1)
    assert stderr.splitlines() == [
        "policies/web.yaml:8: error: spec.preemption: 'Sometimes' is not one of 'Always', 'Never'"
    ]
    stderr = render(tmp_path, policy('  preserveResourcesOnDeletion: "yes"\n'), web(), code=1)
    assert stderr.splitlines() == [
        "policies/web.yaml:8: error: spec.preserveResourcesOnDeletion: must be a boolean, "
        "not a string"
    ]
