"""Karmada's MultiClusterService (networking.karmada.io/v1alpha1).

A MultiClusterService of type CrossCluster takes over the Service of its name and
namespace: Karmada's controller claims the Service (no propagation policy applies to it
any more) and binds it to the provider and consumer clusters, an empty list meaning every
cluster; the scheduler's filters then apply as to any binding. The EndpointSlices it
copies from providers to consumers are built from live endpoints, at run time, and the
MultiClusterService's own copy on providers is never dispatched, so neither is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hubless.documents import Document
from hubless.errors import Source, UserError
from hubless.fields import Fields
from hubless.model import (
    Cluster,
    ClusterAffinity,
    Placement,
    PolicyRef,
    PropagationPolicy,
    ResourceKey,
    ResourceTemplate,
)

GROUP = "networking.karmada.io"
KIND = "MultiClusterService"
CROSS_CLUSTER = "CrossCluster"
_TYPES = (CROSS_CLUSTER, "LoadBalancer")
_SPEC = ("types", "ports", "range", "serviceProvisionClusters", "serviceConsumptionClusters")
_SPEC_NEW = ("providerClusters", "consumerClusters")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True)
class MultiClusterService:
    """What hubless reads of a MultiClusterService: its types and cluster lists."""

    key: ResourceKey
    source: Source
    types: tuple[str, ...]
    providers: tuple[str, ...]  # empty: every cluster
    consumers: tuple[str, ...]  # empty: every cluster
    provider_sources: tuple[Source, ...] = ()
    consumer_sources: tuple[Source, ...] = ()

    @property
    def cross_cluster(self) -> bool:
        return CROSS_CLUSTER in self.types

    @property
    def service(self) -> ResourceKey:
        """The Service it takes over: same namespace, same name."""
        return ResourceKey("", "Service", self.key.namespace, self.key.name)


def is_multicluster_service(group: str, kind: str) -> bool:
    return (group, kind) == (GROUP, KIND)


def _clusters(spec: Fields, key: str) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    names: list[str] = []
    sources: list[Source] = []
    for index, entry in enumerate(spec.maps(key)):
        entry.only(("name",))
        name = entry.text("name", required=True)
        if len(name) > 48 or not _DNS_LABEL.fullmatch(name):
            raise spec.at_index(key, index).error(
                None, f"cluster name {name!r} must be a DNS-1123 label of at most 48 characters"
            )
        names.append(name)
        sources.append(entry.source("name"))
    return tuple(names), tuple(sources)


def _check_ports(spec: Fields) -> None:
    seen: set[str] = set()
    for port in spec.maps("ports"):
        port.only(("name", "port"))
        name = port.text("name")
        if name:
            if len(name) > 63 or not _DNS_LABEL.fullmatch(name):
                raise port.error("name", f"{name!r} must be a DNS-1123 label")
            if name in seen:
                raise port.error("name", f"duplicate port name {name!r}")
            seen.add(name)
        number = port.integer("port")
        if not 1 <= number <= 65535:
            raise port.error("port", f"{number} must be a port number from 1 to 65535")


def parse(document: Document, template: ResourceTemplate) -> MultiClusterService:
    """A MultiClusterService of templates/, checked as Karmada's webhook checks it."""
    spec = Fields(document, template.body, "").section("spec")
    if spec is None:
        raise UserError.at(template.source, "missing required field 'spec'")
    spec.only((*_SPEC, *_SPEC_NEW))
    if "types" not in spec:
        raise spec.error(None, "missing required field 'types'")
    types = spec.strings("types")
    for index, value in enumerate(types):
        if value not in _TYPES:
            raise spec.at_index("types", index).error(
                None, f"{value!r} is not one of {', '.join(repr(t) for t in _TYPES)}"
            )
    if len(set(types)) > 1:
        raise spec.error("types", "must not hold more than one type")
    _check_ports(spec)
    providers, provider_sources = _clusters(spec, "providerClusters")
    consumers, consumer_sources = _clusters(spec, "consumerClusters")
    return MultiClusterService(
        template.key,
        template.source,
        tuple(types),
        providers,
        consumers,
        provider_sources,
        consumer_sources,
    )


def policy(mcs: MultiClusterService, clusters: Sequence[Cluster]) -> PropagationPolicy:
    """The binding Karmada's controller makes for the Service, as a policy: the union of
    providers and consumers (an empty list standing for every cluster) by name."""
    inventory = tuple(cluster.name for cluster in clusters)
    providers = mcs.providers or inventory
    consumers = mcs.consumers or inventory
    names = tuple(sorted({*providers, *consumers}))
    return PropagationPolicy(
        PolicyRef(KIND, mcs.key.namespace, mcs.key.name),
        mcs.source,
        (),
        Placement(cluster_affinity=ClusterAffinity(cluster_names=names)),
    )


def unknown_clusters(
    mcs: MultiClusterService, clusters: Sequence[Cluster]
) -> list[tuple[str, Source]]:
    """Named providers and consumers missing from the inventory (Karmada skips them)."""
    inventory = {cluster.name for cluster in clusters}
    named = [
        *zip(mcs.providers, mcs.provider_sources, strict=True),
        *zip(mcs.consumers, mcs.consumer_sources, strict=True),
    ]
    return [(name, source) for name, source in named if name not in inventory]
