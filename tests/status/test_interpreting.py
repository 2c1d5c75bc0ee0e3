"""`hubless status` through the resource interpreters: a CloneSet judged and aggregated by
the built-in interpreter, a user's ResourceInterpreterCustomization before it, a script
that fails, and the AggregatedStatusItems a statusAggregation script is given.

Expected values are worked by hand from Karmada's rules: the work status controller's
InterpretHealth (a customization's script, else the native rule), assembleWorkStatus's
items (clusterName, applied, health, the member's ReflectStatus; sorted by cluster), and
the CloneSet interpreter Karmada ships (thirdparty/resourcecustomizations/apps.kruise.io/
v1alpha1/CloneSet): healthy when status.observedGeneration equals metadata.generation,
updatedReplicas reaches spec.replicas and availableReplicas reaches updatedReplicas; its
aggregate sums the six counters, keeps the last non-empty revisions and label selector,
and moves observedGeneration to the template's generation only when every member reports
that template generation and has observed its own.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubless.commands.status import states_from, status
from hubless.model import ResourceKey
from hubless.status.health import Health
from tests.conftest import write_tree

NOW = datetime(2026, 12, 6, 17, 0, 0, tzinfo=UTC)

CLONESET = """
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: web
  namespace: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""
API = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: nginx:1.27
"""

BUILTIN = "hubless's built-in interpreter for CloneSet (apps.kruise.io/v1alpha1)"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def fleet(tmp_path: Path, policies: dict[str, str] | None = None) -> Path:
    """Clusters a and b, each with the CloneSet shop/web and the Deployment shop/api."""
    root = tmp_path / "fleet"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    files = {
        "templates/web.yaml": CLONESET.format(replicas=5),
        "templates/api.yaml": API,
        "policies/clusters.yaml": "# the inventory\n",
        **(policies or {}),
    }
    for cluster, replicas in (("a", 3), ("b", 2)):
        files[f"rendered/{cluster}/.hubless-cluster"] = "marker\n"
        files[f"rendered/{cluster}/shop/cloneset.apps.kruise.io_web.yaml"] = CLONESET.format(
            replicas=replicas
        )
        files[f"rendered/{cluster}/shop/deployment.apps_api.yaml"] = API
    write_tree(root, files)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "fleet")
    return root


def live_cloneset(
    replicas: int, generation: int, observed: int, counters: dict[str, int], revision: str
) -> dict[str, Any]:
    """A CloneSet as `kubectl get -o json` prints it (Kruise's CloneSetStatus)."""
    return {
        "apiVersion": "apps.kruise.io/v1alpha1",
        "kind": "CloneSet",
        "metadata": {"name": "web", "namespace": "shop", "generation": generation},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            **counters,
            "updateRevision": revision,
            "currentRevision": "web-7d9",
            "labelSelector": "app=web",
        },
    }


def live_api(available: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "shop", "generation": 1},
        "spec": {"replicas": 1},
        "status": {
            "observedGeneration": 1,
            "replicas": 1,
            "updatedReplicas": 1,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


# a: generation 2 observed, 3 of 3 updated and available: healthy.
A_WEB = live_cloneset(
    3,
    2,
    2,
    {
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "updatedReadyReplicas": 3,
        "expectedUpdatedReplicas": 3,
    },
    "web-7d9",
)
# b: generation 5 not yet observed (4): unhealthy, though its replicas are ready.
B_WEB = live_cloneset(
    2,
    5,
    4,
    {
        "replicas": 2,
        "updatedReplicas": 1,
        "readyReplicas": 2,
        "availableReplicas": 1,
        "updatedReadyReplicas": 1,
        "expectedUpdatedReplicas": 2,
    },
    "web-8e0",
)


def exports(root: Path, a: list[dict[str, Any]], b: list[dict[str, Any]]) -> Path:
    folder = root.parent / "exports"
    folder.mkdir()
    for cluster, items in (("a", a), ("b", b)):
        document = {"apiVersion": "v1", "kind": "List", "items": items}
        (folder / f"{cluster}.json").write_text(json.dumps(document, indent=2))
    return folder


def run(
    root: Path, folder: Path, capsys: pytest.CaptureFixture[str], output: str = "text"
) -> tuple[int, str, str]:
    code = status(root, (folder,), output=output, now=NOW)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


UNREPORTED = "unknown (no Argo CD Application or Flux Kustomization reports rendered/{})"

# Summed over a and b; updateRevision is b's (the last member with one); not every member
# observed its generation, so observedGeneration stays the template's previous 0.
AGGREGATED = {
    "availableReplicas": 4,
    "currentRevision": "web-7d9",
    "expectedUpdatedReplicas": 5,
    "labelSelector": "app=web",
    "observedGeneration": 0,
    "readyReplicas": 5,
    "replicas": 5,
    "updateRevision": "web-8e0",
    "updatedReadyReplicas": 4,
    "updatedReplicas": 4,
}


def test_builtin_judges_cloneset_health_and_aggregates_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fleet(tmp_path)
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, live_api(1)])
    code, out, err = run(root, folder, capsys)
    assert (code, err) == (0, "")
    assert out == (
        "clusters:\n"
        f"  a  {UNREPORTED.format('a')}, sync unknown, Healthy\n"
        f"  b  {UNREPORTED.format('b')}, sync unknown, "
        "Unhealthy (CloneSet.apps.kruise.io/shop/web is not healthy)\n"
        "resources:\n"
        "  Deployment.apps/shop/api: 0/2 clusters current, 2/2 healthy, "
        "2/2 replicas ready\n"
        "  CloneSet.apps.kruise.io/shop/web: 0/2 clusters current, 1/2 healthy, "
        f"health by {BUILTIN}\n"
        f"    status by {BUILTIN}: {json.dumps(AGGREGATED, separators=(', ', ': '))}\n"
    )


def test_json_names_the_interpreter_and_gives_the_aggregated_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fleet(tmp_path)
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, live_api(0)])
    code, out, _ = run(root, folder, capsys, output="json")
    assert code == 0
    assert json.loads(out)["resources"] == [
        # A native kind: the fields as they always were.
        {
            "resource": "Deployment.apps/shop/api",
            "clusters": ["a", "b"],
            "current": 0,
            "healthy": 1,
            "replicas": {"desired": 2, "ready": 1},
            "replicasFrom": 2,
        },
        {
            "resource": "CloneSet.apps.kruise.io/shop/web",
            "clusters": ["a", "b"],
            "current": 0,
            "healthy": 1,
            "replicas": None,
            "replicasFrom": 0,
            "healthBy": [BUILTIN],
            "status": AGGREGATED,
            "statusBy": BUILTIN,
        },
    ]


READY_IS_HEALTHY = """
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: ready-is-healthy
spec:
  target:
    apiVersion: apps.kruise.io/v1alpha1
    kind: CloneSet
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(observed)
          return observed.status.readyReplicas == observed.spec.replicas
        end
"""


def test_a_users_customization_judges_before_the_builtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # b's 2 of 2 replicas are ready: healthy by the user's rule, not by the built-in's.
    root = fleet(tmp_path, {"policies/health.yaml": READY_IS_HEALTHY})
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, live_api(1)])
    code, out, err = run(root, folder, capsys)
    assert (code, err) == (0, "")
    user = "ResourceInterpreterCustomization ready-is-healthy (policies/health.yaml:1)"
    assert out == (
        "clusters:\n"
        f"  a  {UNREPORTED.format('a')}, sync unknown, Healthy\n"
        f"  b  {UNREPORTED.format('b')}, sync unknown, Healthy\n"
        "resources:\n"
        "  Deployment.apps/shop/api: 0/2 clusters current, 2/2 healthy, "
        "2/2 replicas ready\n"
        "  CloneSet.apps.kruise.io/shop/web: 0/2 clusters current, 2/2 healthy, "
        f"health by {user}\n"
        # The user scripts health only: the built-in still aggregates.
        f"    status by {BUILTIN}: {json.dumps(AGGREGATED, separators=(', ', ': '))}\n"
    )


BROKEN = """
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: broken
spec:
  target:
    apiVersion: apps.kruise.io/v1alpha1
    kind: CloneSet
  customizations:
    healthInterpretation:
      luaScript: |
        function InterpretHealth(observed)
          local wanted = observed.spec.replicas
          return observed.status.rollout.ready == wanted
        end
"""


def test_a_failing_health_script_is_an_error_at_its_line_and_the_rest_still_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fleet(tmp_path, {"policies/health.yaml": BROKEN})
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, live_api(0)])
    code, out, err = run(root, folder, capsys)
    assert code == 1
    # The script's line 3 is the file's line 14 (the block starts on line 12).
    message = (
        "policies/health.yaml:14: error: InterpretHealth of ResourceInterpreterCustomization "
        "broken (policies/health.yaml:1) failed for CloneSet.apps.kruise.io/shop/web on {}: "
        "attempt to index field 'rollout' (a nil value)\n"
    )
    assert err == message.format("a") + message.format("b")
    user = "ResourceInterpreterCustomization broken (policies/health.yaml:1)"
    # The CloneSets are Unknown, as Karmada records a failed interpretation; the
    # Deployments are judged as ever (b's is not available).
    assert out == (
        "clusters:\n"
        f"  a  {UNREPORTED.format('a')}, sync unknown, Healthy\n"
        f"  b  {UNREPORTED.format('b')}, sync unknown, "
        "Unhealthy (Deployment.apps/shop/api is not healthy)\n"
        "resources:\n"
        "  Deployment.apps/shop/api: 0/2 clusters current, 1/2 healthy, "
        "1/2 replicas ready\n"
        f"  CloneSet.apps.kruise.io/shop/web: 0/2 clusters current, 0/2 healthy, "
        f"health by {user}\n"
        f"    status by {BUILTIN}: {json.dumps(AGGREGATED, separators=(', ', ': '))}\n"
    )


ITEMS = """
apiVersion: config.karmada.io/v1alpha1
kind: ResourceInterpreterCustomization
metadata:
  name: show-items
spec:
  target:
    apiVersion: apps/v1
    kind: Deployment
  customizations:
    statusAggregation:
      luaScript: |
        function AggregateStatus(desired, items)
          desired.status = {items = items, replicas = desired.spec.replicas}
          return desired
        end
"""


def test_status_items_carry_the_native_reflection_of_a_native_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A statusAggregation script for a Deployment sees what assembleWorkStatus gives it:
    per cluster its name, applied, health and the native ReflectStatus (the six
    DeploymentStatus counters, zero ones left out, and the member's generation); the
    object given is the template of templates/."""
    root = fleet(tmp_path, {"policies/items.yaml": ITEMS})
    b_api = live_api(0) | {"metadata": {"name": "api", "namespace": "shop", "generation": 3}}
    b_api["metadata"]["annotations"] = {"resourcetemplate.karmada.io/generation": "7"}
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, b_api])
    code, out, _ = run(root, folder, capsys, output="json")
    assert code == 0
    (api,) = [r for r in json.loads(out)["resources"] if r["resource"].startswith("Deploy")]
    assert api["status"] == {
        "items": [
            {
                "applied": True,
                "clusterName": "a",
                "health": "Healthy",
                "status": {
                    "availableReplicas": 1,
                    "generation": 1,
                    "observedGeneration": 1,
                    "readyReplicas": 1,
                    "replicas": 1,
                    "updatedReplicas": 1,
                },
            },
            {
                "applied": True,
                "clusterName": "b",
                # Generation 3 not observed (1): not healthy.
                "health": "Unhealthy",
                "status": {
                    "generation": 3,
                    "observedGeneration": 1,
                    "replicas": 1,
                    "resourceTemplateGeneration": 7,
                    "updatedReplicas": 1,
                },
            },
        ],
        "replicas": 1,
    }
    assert api["statusBy"] == "ResourceInterpreterCustomization show-items (policies/items.yaml:1)"
    assert "healthBy" not in api


def test_a_health_gate_reads_a_failing_script_as_unknown_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rollout --status` judges clusters as `hubless status` does; a failed script leaves
    the object Unknown (so a health gate holds) and says why, without failing the command."""
    root = fleet(tmp_path, {"policies/health.yaml": BROKEN})
    folder = exports(root, [A_WEB, live_api(1)], [B_WEB, live_api(1)])
    states = states_from(root, (folder,), NOW)
    web = ResourceKey("apps.kruise.io", "CloneSet", "shop", "web")
    assert {name: state.objects[web].health for name, state in states.items()} == {
        "a": Health.UNKNOWN,
        "b": Health.UNKNOWN,
    }
    message = (
        "policies/health.yaml:14: warning: InterpretHealth of ResourceInterpreterCustomization "
        "broken (policies/health.yaml:1) failed for CloneSet.apps.kruise.io/shop/web on {}: "
        "attempt to index field 'rollout' (a nil value)\n"
    )
    assert capsys.readouterr().err == message.format("a") + message.format("b")
