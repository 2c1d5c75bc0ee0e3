"""Cluster failover through `hubless render`: Karmada's taint manager evicting from a
cluster with NoExecute taints, at the render's clock (the latest time the Cluster objects
record), then purging the old copy Directly or Gracefully.

Expected values are Karmada's: the cases of
pkg/controllers/cluster/taint_manager_test.go (TestNoExecuteTaintManager_needEvictionWithCurrentTime,
Test_getPurgeMode) and pkg/controllers/gracefuleviction/evictiontask_test.go
(Test_assessSingleTask: a task ends once now is after its start plus the timeout).
"""

from __future__ import annotations

from pathlib import Path

import git
import pytest
from click.testing import CliRunner, Result

from hubless.cli import cli
from tests.conftest import cluster_yaml, run_hubless, write_tree

NOW = "2025-09-23T12:00:00Z"  # the tests' fixedTime
ONE_SECOND_AGO = "2025-09-23T11:59:59Z"
ONE_SECOND_LATER = "2025-09-23T12:00:01Z"
TWO_SECONDS_AGO = "2025-09-23T11:59:58Z"
WEB = "shop/deployment.apps_web.yaml"

KARMADA_ON = """apiVersion: operator.karmada.io/v1alpha1
kind: Karmada
metadata: {name: karmada, namespace: karmada-system}
spec:
  featureGates: {Failover: true}
  components:
    karmadaControllerManager:
      extraArgs: {enable-no-execute-taint-eviction: "true"%s}
"""


def refreshed(text: str, when: str) -> str:
    """A Cluster whose last `hubless clusters refresh` was at `when`."""
    stamp = (
        "  - {type: hubless.io/LastRefresh, status: 'True', reason: ClusterReady, "
        f"message: observed 1 times in a row, lastTransitionTime: '{when}'}}\n"
    )
    return text.replace("  conditions:\n", "  conditions:\n" + stamp, 1)


def clusters(taints: tuple[dict[str, str], ...] = ()) -> str:
    return "---\n".join(
        [
            refreshed(cluster_yaml("a", taints=taints), NOW),
            cluster_yaml("b"),
            cluster_yaml("c"),
        ]
    )


def policy(tolerations: str = "[]", failover: str = "") -> str:
    return f"""apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: web, namespace: shop}}
spec:
  resourceSelectors: [{{apiVersion: apps/v1, kind: Deployment, name: web}}]
  placement:
    clusterTolerations: {tolerations}
    spreadConstraints: [{{spreadByField: cluster, maxGroups: 2, minGroups: 1}}]
{failover}"""


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  template:
    spec:
      containers: [{name: web, image: nginx}]
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"


def hubless(repo: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--repo", str(repo)])


def placed(repo: Path) -> list[str]:
    """The clusters whose folder holds the Deployment."""
    return sorted(p.parent.parent.name for p in (repo / "rendered").glob(f"*/{WEB}"))


def start(tmp_path: Path, karmada: str, failover: str = "") -> tuple[Path, git.Repo]:
    """A committed render of web on a and b (a cluster spread of 2, in name order)."""
    repo = tmp_path / "fleet"
    write_tree(
        repo,
        {
            "policies/clusters.yaml": clusters(),
            "policies/karmada.yaml": karmada,
            "policies/web.yaml": policy(failover=failover),
            "templates/web.yaml": DEPLOYMENT,
            "templates/ns.yaml": NAMESPACE,
        },
    )
    repository = git.Repo.init(repo)
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    repository.git.add(all=True)
    repository.git.commit(m="first render")
    assert placed(repo) == ["a", "b"]
    return repo, repository


def taint_and_render(
    repo: Path, taints: tuple[dict[str, str], ...], tolerations: str = "[]", failover: str = ""
) -> Result:
    write_tree(
        repo,
        {
            "policies/clusters.yaml": clusters(taints),
            "policies/web.yaml": policy(tolerations, failover),
        },
    )
    result = hubless(repo, "render")
    assert result.exit_code == 0, result.output
    return result


DIRECTLY = "  failover: {cluster: {purgeMode: Directly}}\n"
NO_EXECUTE = {"key": "test-key", "effect": "NoExecute", "timeAdded": ONE_SECOND_AGO}


# TestNoExecuteTaintManager_needEvictionWithCurrentTime, at fixedTime (the refresh of a)
@pytest.mark.parametrize(
    ("taints", "tolerations", "evicted"),
    [
        # taint not tolerated - immediate eviction
        ((NO_EXECUTE,), "[]", True),
        # taint tolerated with zero toleration seconds - immediate eviction
        (
            (NO_EXECUTE,),
            "[{key: test-key, operator: Exists, effect: NoExecute, tolerationSeconds: 0}]",
            True,
        ),
        # taint tolerated with positive toleration seconds - wait for toleration time
        (
            (NO_EXECUTE,),
            "[{key: test-key, operator: Exists, effect: NoExecute, tolerationSeconds: 60}]",
            False,
        ),
        # taint tolerated forever - no eviction
        ((NO_EXECUTE,), "[{key: test-key, operator: Exists, effect: NoExecute}]", False),
        # multiple taints with mixed tolerations
        (
            (
                {"key": "tolerated-key", "effect": "NoExecute", "timeAdded": ONE_SECOND_LATER},
                {"key": "not-tolerated-key", "effect": "NoExecute", "timeAdded": ONE_SECOND_AGO},
            ),
            "[{key: tolerated-key, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]",
            True,
        ),
        # toleration time expired - immediate eviction
        (
            ({"key": "test-key", "effect": "NoExecute", "timeAdded": TWO_SECONDS_AGO},),
            "[{key: test-key, operator: Exists, effect: NoExecute, tolerationSeconds: 1}]",
            True,
        ),
        # cluster has no NoExecute taints (the previous placement passes a NoSchedule one)
        (({"key": "test-key", "effect": "NoSchedule"},), "[]", False),
    ],
)
def test_the_taint_manager_evicts_as_karmada_decides(
    tmp_path: Path, taints: tuple[dict[str, str], ...], tolerations: str, evicted: bool
) -> None:
    repo, _ = start(tmp_path, KARMADA_ON % "", DIRECTLY)
    before = (repo / "rendered" / "b" / WEB).read_bytes()
    taint_and_render(repo, taints, tolerations, DIRECTLY)
    assert placed(repo) == (["b", "c"] if evicted else ["a", "b"])
    for name in placed(repo):  # the whole object, the same everywhere
        assert (repo / "rendered" / name / WEB).read_bytes() == before


def test_without_the_gate_and_flag_nothing_is_evicted(tmp_path: Path) -> None:
    # "no execute taint eviction disabled": Karmada's Failover gate and
    # --enable-no-execute-taint-eviction are off by default
    repo, _ = start(tmp_path, KARMADA_ON.replace("Failover: true", "Failover: false") % "")
    taint_and_render(repo, (NO_EXECUTE,))
    assert placed(repo) == ["a", "b"]


def test_explain_names_the_eviction(tmp_path: Path) -> None:
    repo, _ = start(tmp_path, KARMADA_ON % "", DIRECTLY)
    taint_and_render(repo, (NO_EXECUTE,), failover=DIRECTLY)
    result = hubless(repo, "explain", "Deployment.apps/shop/web")
    assert result.exit_code == 0, result.output
    assert (
        "  a  no: ClusterEviction: the taint manager evicts it: taint test-key:NoExecute is "
        "not tolerated; purgeMode Directly removes it there at once"
    ) in result.output.splitlines()


# Test_getPurgeMode "failover spec is nil, global config is empty, should default to
# Gracefully", then Test_assessSingleTask: kept until now is after start + 10m
def test_gracefully_keeps_the_old_copy_until_the_timeout(tmp_path: Path) -> None:
    repo, repository = start(tmp_path, KARMADA_ON % "")
    committed = (repo / "rendered" / "a" / WEB).read_bytes()
    result = taint_and_render(repo, (NO_EXECUTE,))
    assert (
        f"held: rendered/a/{WEB} (PropagationPolicy/shop/web failover: graceful eviction from a)"
    ) in result.output.splitlines()
    assert placed(repo) == ["a", "b", "c"]
    assert (repo / "rendered" / "a" / WEB).read_bytes() == committed
    repository.git.add(all=True)
    repository.git.commit(m="failover")
    # the task began at the taint's timeAdded; at exactly start + 600s it is not yet over
    write_tree(
        repo,
        {"policies/clusters.yaml": clusters((NO_EXECUTE,)).replace(NOW, "2025-09-23T12:09:59Z")},
    )
    assert hubless(repo, "render").exit_code == 0
    assert placed(repo) == ["a", "b", "c"]
    write_tree(
        repo,
        {"policies/clusters.yaml": clusters((NO_EXECUTE,)).replace(NOW, "2025-09-23T12:10:00Z")},
    )
    assert hubless(repo, "render").exit_code == 0
    assert placed(repo) == ["b", "c"]


# Test_getPurgeMode: "failover spec is nil, global config is Directly" and "failover spec
# is present, PurgeMode is empty, should be Gracefully"
@pytest.mark.parametrize(
    ("failover", "kept"),
    [("", False), ("  failover: {cluster: {}}\n", True)],
)
def test_the_purge_mode_comes_from_the_policy_then_the_flag(
    tmp_path: Path, failover: str, kept: bool
) -> None:
    flag = ", no-execute-taint-eviction-purge-mode: Directly"
    repo, _ = start(tmp_path, KARMADA_ON % flag, failover)
    taint_and_render(repo, (NO_EXECUTE,), failover=failover)
    assert placed(repo) == (["a", "b", "c"] if kept else ["b", "c"])


@pytest.mark.parametrize(
    ("failover", "message"),
    [
        (
            "  failover:\n    application:\n      decisionConditions: {tolerationSeconds: -1}\n",
            "policies/web.yaml:11: error: spec.failover.application.decisionConditions."
            "tolerationSeconds: must be greater than or equal to 0",
        ),
        (
            "  failover:\n    application:\n      decisionConditions: {}\n"
            "      purgeMode: Directly\n      gracePeriodSeconds: 30\n",
            "policies/web.yaml:13: error: spec.failover.application.gracePeriodSeconds: only "
            "takes effect when purgeMode is Gracefully",
        ),
        (
            "  failover:\n    application:\n      decisionConditions: {}\n"
            "      gracePeriodSeconds: 0\n",
            "policies/web.yaml:12: error: spec.failover.application.gracePeriodSeconds: must "
            "be greater than 0",
        ),
        (
            "  failover:\n    cluster: {purgeMode: Never}\n",
            "policies/web.yaml:10: error: spec.failover.cluster.purgeMode: 'Never' is not one "
            "of 'Directly', 'Gracefully'",
        ),
        (
            "  failover:\n    application: {purgeMode: Never}\n",
            "policies/web.yaml:10: error: spec.failover.application: missing required field "
            "'decisionConditions'",
        ),
    ],
)
def test_failover_is_checked_as_karmadas_webhook_does(
    tmp_path: Path, failover: str, message: str
) -> None:
    write_tree(
        tmp_path,
        {
            "policies/clusters.yaml": clusters(),
            "policies/web.yaml": policy(failover=failover),
            "templates/web.yaml": DEPLOYMENT,
        },
    )
    result = run_hubless("render", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message]
