"""The dialects hubless reads, in one registry: each one's front end as a `Dialect`.

Assembly runs in the order listed here. KubeAdmiral's and Kubefed's front ends are loaded
on first use: the registry knows only their names (their `names` modules), so a fleet
without their objects never pays for loading their schedulers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Sequence
from typing import Any

from hubless.dialects import karmada, karmada_operator, rollouts
from hubless.dialects.base import Dialect
from hubless.dialects.kubeadmiral import names as kubeadmiral
from hubless.dialects.kubefed import names as kubefed
from hubless.errors import Problem
from hubless.model import Cluster, Fleet, ResourceTemplate
from hubless.quota import assemble as quota_assemble


def _on_first_use(module: str, name: str) -> Callable[..., Any]:
    """`module`'s function `name`, imported when first called."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args)

    return call


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
        kubefed.KINDS,
        _on_first_use("hubless.dialects.kubefed.policies", "parse"),
        template_groups=kubefed.TEMPLATE_GROUPS,
        assemble=_on_first_use("hubless.dialects.kubefed.assemble", "assemble"),
        declared_scopes=_on_first_use("hubless.dialects.kubefed.policies", "declared_scopes"),
    ),
    Dialect(
        kubeadmiral.DIALECT,
        kubeadmiral.KINDS,
        _on_first_use("hubless.dialects.kubeadmiral.policies", "parse"),
        binding_labels=frozenset(kubeadmiral.POLICY_LABELS),
        assemble=_on_first_use("hubless.dialects.kubeadmiral.assemble", "assemble"),
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


def has_objects(
    dialect: Dialect,
    parsed: Collection[str],
    wrapped: Collection[str],
    plain: Sequence[ResourceTemplate],
) -> bool:
    """Whether a fleet has objects of `dialect`: it `parsed` a document of policies/, its
    `wrapped` objects are in templates/, or a plain template carries one of its binding
    labels. Only then does it assemble: otherwise it has nothing to assemble."""
    if dialect.name in parsed or dialect.name in wrapped:
        return True
    labels = dialect.binding_labels
    return bool(labels) and any(not labels.isdisjoint(t.labels) for t in plain)


def declared_scopes(inputs: Sequence[Any], parsed: Collection[str]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced?, as the dialects' own objects of policies/ declare it
    (`parsed`: the dialects that read any)."""
    scopes: dict[tuple[str, str], bool] = {}
    for dialect in DIALECTS:
        if dialect.name in parsed:
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
