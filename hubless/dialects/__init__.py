"""The dialects hubless reads, in one registry: each one's front end as a `Dialect`.

Assembly runs in the order listed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubless.dialects import karmada, karmada_operator, kubeadmiral, kubefed, rollouts
from hubless.dialects.base import Dialect
from hubless.errors import Problem
from hubless.model import Cluster, Fleet
from hubless.quota import assemble as quota_assemble

DIALECTS: tuple[Dialect, ...] = (
    Dialect(
        karmada.DIALECT,
        frozenset(karmada.KINDS),
        karmada.parse,
        # a FederatedResourceQuota stands for the ResourceQuotas Karmada writes from it
        assemble=quota_assemble.assemble,
        cluster_warnings=karmada.cluster_warnings,
        refreshed_object=(karmada.CLUSTER_API, "Cluster"),
    ),
    Dialect(
        kubefed.DIALECT,
        frozenset(kubefed.KINDS),
        kubefed.parse,
        template_groups=kubefed.TEMPLATE_GROUPS,
        assemble=kubefed.assemble,
        declared_scopes=kubefed.declared_scopes,
    ),
    Dialect(
        kubeadmiral.DIALECT,
        frozenset(kubeadmiral.KINDS),
        kubeadmiral.parse,
        assemble=kubeadmiral.assemble,
    ),
    Dialect(rollouts.DIALECT, frozenset(rollouts.KINDS), rollouts.parse),
    Dialect(karmada_operator.DIALECT, frozenset(karmada_operator.KINDS), karmada_operator.parse),
)


def dialect_for(api_version: str, kind: str) -> Dialect | None:
    """The dialect that owns `kind` of `api_version` in policies/."""
    for dialect in DIALECTS:
        if (api_version, kind) in dialect.policy_kinds:
            return dialect
    return None


def template_dialect_for(group: str) -> Dialect | None:
    """The dialect whose wrapped objects in templates/ use API group `group`."""
    for dialect in DIALECTS:
        if group in dialect.template_groups:
            return dialect
    return None


_BY_NAME = {dialect.name: dialect for dialect in DIALECTS}


def refreshed_object(cluster: Cluster) -> tuple[str, str] | None:
    """(apiVersion, kind) of the cluster's object if `clusters refresh` writes its status."""
    return _BY_NAME[cluster.dialect].refreshed_object


def declared_scopes(inputs: Sequence[Any]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced?, as the dialects' own objects of policies/ declare it."""
    scopes: dict[tuple[str, str], bool] = {}
    for dialect in DIALECTS:
        scopes.update(dialect.declared_scopes(inputs))
    return scopes


def inventory_warnings(fleet: Fleet) -> list[Problem]:
    """Clusters that will surprise, each by its own dialect's rules; then feature gates
    hubless does not model."""
    found = [w for c in fleet.clusters for w in _BY_NAME[c.dialect].cluster_warnings(c)]
    return found + karmada_operator.warnings(fleet.gates)


def refreshed(clusters: Sequence[Cluster]) -> list[Cluster]:
    """The clusters whose status `hubless clusters refresh` writes."""
    return [cluster for cluster in clusters if refreshed_object(cluster) is not None]
