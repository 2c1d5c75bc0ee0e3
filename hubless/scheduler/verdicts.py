"""What the filters say of each cluster, worked out once per what each filter reads.

Karmada runs its filter plugins in order on every cluster, for every binding, and reports
the first that fails (runtime.RunFilterPlugins, findClustersThatFit). A filter is a pure
function of the cluster and of the request fields it declares (`filters.Plugin.reads`), so
its verdict is kept by those: the ConfigMap, Service and Deployment of one policy, and the
scheduling passes of one compile, share every filter's verdicts but APIEnablement's (it
reads the kind) and ClusterAffinity's (it reads whether the resource is a workload).

A request-wide field (the placement, the kind, ...) keys a filter's whole column of verdicts
(one per cluster, in the clusters' order). A per-cluster field (previous, served_here,
evicted) is read only at the cluster's own name: what it says of that cluster (its
situation: in the previous placement or not, ...) keys that cluster's verdict, not the
whole set. A column holds every cluster's verdict in one situation, worked out on a request
that says the same of every cluster; clusters in a situation fewer than a quarter share
are asked one by one instead.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from hubless.model import Cluster
from hubless.scheduler import filters
from hubless.scheduler.filters import Plugin, api_enablement
from hubless.scheduler.identity import Held
from hubless.scheduler.input import ScheduleInput

Verdict = tuple[str, str] | None  # (filter, reason) for the first that fails; None: all pass


class Rejection(NamedTuple):
    cluster: str
    filter: str
    reason: str
    # APIEnablement rejected it and every other filter passes it: only the missing API
    # keeps the resource off. (APIEnablement comes first; after its rejection the other
    # filters run to tell, after any other's they do not.)
    only_api: bool = False


@dataclass(frozen=True, eq=False)
class Filtered:
    """Every cluster's verdict for one request."""

    # tuples: one Filtered answers many requests, and nothing may change it for the others
    feasible: tuple[Cluster, ...]  # in the clusters' order
    rejected: tuple[Rejection, ...]  # in the clusters' order
    by_name: tuple[Cluster, ...]  # the feasible clusters in name order (Karmada's last tie-break)

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """The feasible clusters' names, in name order."""
        return tuple(cluster.name for cluster in self.by_name)

    @functools.cached_property
    def name_set(self) -> frozenset[str]:
        return frozenset(self.names)


# How each request-wide field keys a verdict: by value, or by identity for the policy's
# objects (long-lived, and costly to hash). Every ScheduleInput field is here or in
# _PER_CLUSTER, so a filter may declare any.
_BY_VALUE, _BY_IDENTITY = False, True
_WIDE: dict[str, bool] = {
    "resource": _BY_VALUE,
    "api_version": _BY_VALUE,
    "kind": _BY_VALUE,
    "placement": _BY_IDENTITY,
    "replicas": _BY_VALUE,
    "is_workload": _BY_VALUE,
    "requirements": _BY_IDENTITY,
    "previous_affinity": _BY_VALUE,
    "term": _BY_IDENTITY,
    "fresh": _BY_VALUE,
    "components": _BY_IDENTITY,
    "component_sets": _BY_VALUE,
    "groups": _BY_VALUE,
    "affinity_peers": _BY_VALUE,
    "anti_affinity_peers": _BY_VALUE,
}


class _PerCluster(NamedTuple):
    """A field read only at the cluster's name."""

    nothing: Hashable  # what it says of a cluster it does not name
    # the positions of the clusters it names, by what it says of them
    named: Callable[[ScheduleInput, Sequence[str]], dict[Hashable, list[int]]]
    # a value of the field that says `said` of every one of the names
    saying: Callable[[Hashable, Sequence[str]], object]


def _members(names: Sequence[str], named: Collection[str]) -> dict[Hashable, list[int]]:
    if not named:
        return {}
    positions = [i for i, name in enumerate(names) if name in named]
    return {True: positions} if positions else {}


def _evictions(request: ScheduleInput, names: Sequence[str]) -> dict[Hashable, list[int]]:
    found: dict[Hashable, list[int]] = {}
    if request.evicted:
        for i, name in enumerate(names):
            reason = request.evicted.get(name)
            if reason is not None:
                found.setdefault(reason, []).append(i)
    return found


_PER_CLUSTER: dict[str, _PerCluster] = {
    # in the previous placement or not (its replicas are not read)
    "previous": _PerCluster(
        False,
        lambda request, names: _members(names, request.previous),
        lambda said, names: dict.fromkeys(names, 0) if said else {},
    ),
    "served_here": _PerCluster(
        False,
        lambda request, names: _members(names, request.served_here),
        lambda said, names: frozenset(names) if said else frozenset(),
    ),
    # why the taint manager evicts the resource from it, if it does
    "evicted": _PerCluster(
        None,
        _evictions,
        lambda said, names: dict.fromkeys(names, said) if said is not None else {},
    ),
}


class _Keyed(NamedTuple):
    """A filter with the fields that key its verdicts."""

    plugin: Plugin
    wide: tuple[str, ...]
    per_cluster: tuple[str, ...]


@functools.cache
def _keyed(plugins: tuple[Plugin, ...]) -> tuple[_Keyed, ...]:
    keyed = []
    for plugin in plugins:
        unknown = plugin.reads - _WIDE.keys() - _PER_CLUSTER.keys()
        if unknown:
            raise ValueError(f"filter {plugin.name} reads {sorted(unknown)}, which key nothing")
        wide = tuple(sorted(plugin.reads & _WIDE.keys()))
        keyed.append(_Keyed(plugin, wide, tuple(sorted(plugin.reads & _PER_CLUSTER.keys()))))
    return tuple(keyed)


def plain(request: ScheduleInput, clusters: Sequence[Cluster]) -> Filtered:
    """Every filter run on every cluster, in order, until one fails (Karmada's way)."""
    feasible: list[Cluster] = []
    rejected: list[Rejection] = []
    for cluster in clusters:
        for name, check, _ in filters.FILTERS:
            reason = check(request, cluster)
            if reason is not None:
                only_api = name == api_enablement.NAME and all(
                    other.check(request, cluster) is None
                    for other in filters.FILTERS
                    if other.name != name
                )
                rejected.append(Rejection(cluster.name, name, reason, only_api))
                break
        else:
            feasible.append(cluster)
    return Filtered(tuple(feasible), tuple(rejected), tuple(sorted(feasible, key=lambda c: c.name)))


class _Fleet:
    """One sequence of clusters, as the memo keeps verdicts for it."""

    def __init__(self, clusters: Sequence[Cluster]) -> None:
        self.clusters = clusters
        self.names = [cluster.name for cluster in clusters]
        order = sorted(range(len(self.names)), key=self.names.__getitem__)
        # positions in name order (None: the clusters already are)
        self.by_name = None if order == list(range(len(order))) else order


_Groups = dict[Hashable, list[int]]


class Verdicts:
    """The filters' verdicts kept for one compile (see the module's doc)."""

    def __init__(self, held: Held) -> None:
        self._held = held
        self._fleets: dict[int, _Fleet] = {}
        # a filter's verdict on every cluster in one situation, by (filter, fleet, what
        # the filter reads of the request, situation)
        self._columns: dict[tuple[object, ...], list[Verdict]] = {}
        # a filter's verdict on one cluster, where few clusters are in its situation
        self._singles: dict[tuple[object, ...], Verdict] = {}
        # one list per content: requests whose verdicts agree share everything after
        self._lists: dict[tuple[Verdict, ...], list[Verdict]] = {}
        self._first_failing: dict[tuple[int, int], list[Verdict]] = {}
        self._results: dict[tuple[object, ...], Filtered] = {}
        self._requests: dict[tuple[object, ...], Filtered] = {}

    def filter(self, request: ScheduleInput, clusters: Sequence[Cluster]) -> Filtered:
        """What `plain` finds, from what earlier requests already worked out."""
        fleet_id = self._held.ident(clusters)
        fleet = self._fleets.get(fleet_id)
        if fleet is None:
            fleet = self._fleets[fleet_id] = _Fleet(clusters)
        keyed = _keyed(filters.FILTERS)
        fields = {field for k in keyed for field in k.per_cluster}
        groups = {field: _PER_CLUSTER[field].named(request, fleet.names) for field in fields}
        wide = {field: self._part(request, field) for k in keyed for field in k.wide}
        request_key = (
            fleet_id,
            self._held.ident(filters.FILTERS),
            tuple(sorted(wide.items())),
            tuple((f, tuple((v, tuple(p)) for v, p in groups[f].items())) for f in sorted(fields)),
        )
        found = self._requests.get(request_key)
        if found is not None:
            return found
        # fold from the last filter: the first failing one, and what the filters after
        # APIEnablement say (they tell whether only the API keeps a cluster out)
        after: list[Verdict] = self._canonical([None] * len(fleet.names))
        after_api: list[Verdict] | None = None
        for k in reversed(keyed):
            if k.plugin.name == api_enablement.NAME:
                after_api = after
            own = self._verdicts(request, fleet, k, wide, groups)
            after = self._first(own, after)
        found = self._requests[request_key] = self._result(fleet, after, after_api)
        return found

    def _part(self, request: ScheduleInput, field: str) -> object:
        value = getattr(request, field)
        return self._held.ident(value) if _WIDE[field] is _BY_IDENTITY else value

    def _verdicts(
        self,
        request: ScheduleInput,
        fleet: _Fleet,
        keyed: _Keyed,
        wide: dict[str, object],
        groups: dict[str, _Groups],
    ) -> list[Verdict]:
        """The filter's verdict on every cluster for this request."""
        key = (keyed.plugin, id(fleet), tuple(wide[field] for field in keyed.wide))
        situations = _situations(keyed.per_cluster, groups)
        count = len(fleet.names)
        if not situations:
            return self._column(request, fleet, keyed, key, None)
        if len(situations) == 1:
            [(situation, positions)] = situations.items()
            if len(positions) == count:
                return self._column(request, fleet, keyed, key, situation)
        named = sum(len(positions) for positions in situations.values())
        verdicts = list(self._column(request, fleet, keyed, key, None)) if named < count else []
        verdicts.extend([None] * (count - len(verdicts)))
        for situation, positions in situations.items():
            if len(positions) * 4 >= count:  # many: a column for all is cheaper
                column = self._column(request, fleet, keyed, key, situation)
                for i in positions:
                    verdicts[i] = column[i]
                continue
            for i in positions:
                single = (key, situation, i)
                if single not in self._singles:
                    # the request says `situation` of this cluster: ask it
                    self._singles[single] = _verdict(keyed.plugin, request, fleet.clusters[i])
                verdicts[i] = self._singles[single]
        return self._canonical(verdicts)

    def _column(
        self,
        request: ScheduleInput,
        fleet: _Fleet,
        keyed: _Keyed,
        key: tuple[object, ...],
        situation: tuple[Hashable, ...] | None,
    ) -> list[Verdict]:
        """The verdicts of every cluster in `situation` (None: the per-cluster fields name
        none), from a request that says that of every cluster and agrees with `request`
        on everything else the filter reads."""
        column_key = (*key, situation)
        found = self._columns.get(column_key)
        if found is not None:
            return found
        fields = keyed.per_cluster
        said = situation or tuple(_PER_CLUSTER[f].nothing for f in fields)
        changes = {
            f: _PER_CLUSTER[f].saying(s, fleet.names) for f, s in zip(fields, said, strict=True)
        }
        asked = dataclasses.replace(request, **changes) if changes else request  # type: ignore[arg-type]
        name, check, _ = keyed.plugin
        column: list[Verdict] = [
            None if (reason := check(asked, cluster)) is None else (name, reason)
            for cluster in fleet.clusters
        ]
        found = self._columns[column_key] = self._canonical(column)
        return found

    def _canonical(self, verdicts: list[Verdict]) -> list[Verdict]:
        """One list per content."""
        return self._lists.setdefault(tuple(verdicts), verdicts)

    def _first(self, own: list[Verdict], after: list[Verdict]) -> list[Verdict]:
        """Per cluster, `own` verdict if it fails, else what the filters after say."""
        key = (id(own), id(after))  # canonical lists, held by self._lists
        found = self._first_failing.get(key)
        if found is None:
            if own is after or not any(own):
                found = after
            else:
                found = self._canonical(
                    [mine or later for mine, later in zip(own, after, strict=True)]
                )
            self._first_failing[key] = found
        return found

    def _result(
        self, fleet: _Fleet, verdicts: list[Verdict], after_api: list[Verdict] | None
    ) -> Filtered:
        key = (id(fleet), id(verdicts), id(after_api))
        found = self._results.get(key)
        if found is not None:
            return found
        feasible: list[Cluster] = []
        rejected: list[Rejection] = []
        afters = after_api if after_api is not None else verdicts
        for cluster, verdict, later in zip(fleet.clusters, verdicts, afters, strict=True):
            if verdict is None:
                feasible.append(cluster)
            else:
                name, reason = verdict
                only_api = after_api is not None and name == api_enablement.NAME and later is None
                rejected.append(Rejection(cluster.name, name, reason, only_api))
        in_order = tuple(feasible)
        if fleet.by_name is not None:
            in_order = tuple(fleet.clusters[i] for i in fleet.by_name if verdicts[i] is None)
        found = self._results[key] = Filtered(tuple(feasible), tuple(rejected), in_order)
        return found


def _verdict(plugin: Plugin, request: ScheduleInput, cluster: Cluster) -> Verdict:
    reason = plugin.check(request, cluster)
    return None if reason is None else (plugin.name, reason)


def _situations(
    fields: tuple[str, ...], groups: dict[str, _Groups]
) -> dict[tuple[Hashable, ...], list[int]]:
    """The positions of the clusters the per-cluster fields name, by what the fields say
    of them (in `fields` order); the others are in no situation of note."""
    naming = [f for f in fields if groups[f]]
    if not naming:
        return {}
    if len(naming) == 1:
        [field] = naming
        nothing = [_PER_CLUSTER[f].nothing for f in fields]
        at = fields.index(field)
        return {
            (*nothing[:at], said, *nothing[at + 1 :]): positions
            for said, positions in groups[field].items()
        }
    said: dict[int, list[Hashable]] = {}
    for at, field in enumerate(fields):
        for value, positions in groups[field].items():
            for i in positions:
                said.setdefault(i, [_PER_CLUSTER[f].nothing for f in fields])[at] = value
    found: dict[tuple[Hashable, ...], list[int]] = {}
    for i in sorted(said):
        found.setdefault(tuple(said[i]), []).append(i)
    return found
