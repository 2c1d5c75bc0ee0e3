"""Per-object scheduling annotations: each one, when present and readable, replaces the matching
policy field wholesale for that object; an unreadable one is ignored and the policy field stays.

Values are JSON read the way Go's encoding/json reads them into KubeAdmiral's types: object
keys match field names case-insensitively, `null` leaves a field unset, integers must be
written as integers, and any type mismatch discards the whole annotation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from hubless.dialects.kubeadmiral.names import PREFIX
from hubless.dialects.kubeadmiral.scheduler.labels import parse_int64
from hubless.dialects.kubeadmiral.scheduler.types import (
    DIVIDE,
    DUPLICATE,
    Affinity,
    ClusterSelectorTerm,
    KubeAdmiralPolicy,
    PlacementPreference,
    PreferredTerm,
)
from hubless.model import Requirement, Toleration

SCHEDULING_MODE = PREFIX + "scheduling-mode"
STICKY_CLUSTER = PREFIX + "sticky-cluster"
CLUSTER_SELECTOR = PREFIX + "clusterSelector"
AFFINITY = PREFIX + "affinity"
TOLERATIONS = PREFIX + "tolerations"
MAX_CLUSTERS = PREFIX + "maxClusters"
PLACEMENTS = PREFIX + "placements"
NO_SCHEDULING = PREFIX + "no-scheduling"

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
T = TypeVar("T")


class _Unreadable(ValueError):
    pass


class _Object:
    """A JSON object with its key order and duplicate keys kept, for Go's field matching."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def get(self, name: str) -> Any:
        # Go assigns every key that equals the field name ignoring case; the last one wins.
        found = None
        for key, value in self.pairs:
            if key.lower() == name.lower():
                found = value
        return found


class _Float(str):
    """A JSON number written with a fraction or exponent: Go refuses it for integer fields."""


def _load(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_Object, parse_float=_Float)
    except ValueError as error:
        raise _Unreadable(f"not JSON: {error}") from None


def _string(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or isinstance(value, _Float):
        raise _Unreadable(f"{where} is not a string")
    return value


def _integer(value: Any, where: str, bounds: tuple[int, int] = _INT64) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unreadable(f"{where} is not an integer")
    if not bounds[0] <= value <= bounds[1]:
        raise _Unreadable(f"{where} is out of range")
    return value


def _object(value: Any, where: str) -> _Object | None:
    if value is None:
        return None
    if not isinstance(value, _Object):
        raise _Unreadable(f"{where} is not an object")
    return value


def _list(value: Any, where: str, item: Callable[[Any, str], T]) -> tuple[T, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Unreadable(f"{where} is not a list")
    return tuple(item(entry, f"{where}[{index}]") for index, entry in enumerate(value))


def _string_map(value: Any, where: str) -> dict[str, str]:
    obj = _object(value, where)
    if obj is None:
        return {}
    return {key: _string(entry, f"{where}.{key}") for key, entry in obj.pairs}


def _requirement(value: Any, where: str) -> Requirement:
    obj = _object(value, where) or _Object([])
    values = _list(obj.get("values"), f"{where}.values", _string) or ()
    return Requirement(
        _string(obj.get("key"), f"{where}.key"),
        _string(obj.get("operator"), f"{where}.operator"),
        values,
    )


def _term(value: Any, where: str) -> ClusterSelectorTerm:
    obj = _object(value, where) or _Object([])
    return ClusterSelectorTerm(
        _list(obj.get("matchExpressions"), f"{where}.matchExpressions", _requirement) or (),
        _list(obj.get("matchFields"), f"{where}.matchFields", _requirement) or (),
    )


def _preferred(value: Any, where: str) -> PreferredTerm:
    obj = _object(value, where) or _Object([])
    weight = _integer(obj.get("weight"), f"{where}.weight", _INT32) or 0
    return PreferredTerm(weight, _term(obj.get("preference"), f"{where}.preference"))


def _affinity(text: str) -> Affinity:
    top = _object(_load(text), "the value") or _Object([])
    cluster = _object(top.get("clusterAffinity"), "clusterAffinity")
    if cluster is None:
        return Affinity()
    required_key = "requiredDuringSchedulingIgnoredDuringExecution"
    preferred_key = "preferredDuringSchedulingIgnoredDuringExecution"
    required = _object(cluster.get(required_key), required_key)
    terms: tuple[ClusterSelectorTerm, ...] | None = None
    if required is not None:
        # A present selector without terms is kept as "no terms": it matches no cluster.
        listed = _list(required.get("clusterSelectorTerms"), "clusterSelectorTerms", _term)
        terms = listed or ()
    preferred = _list(cluster.get(preferred_key), preferred_key, _preferred) or ()
    return Affinity(required=terms, preferred=preferred)


def _toleration(value: Any, where: str) -> Toleration:
    obj = _object(value, where) or _Object([])
    _integer(obj.get("tolerationSeconds"), f"{where}.tolerationSeconds")
    return Toleration(
        _string(obj.get("key"), f"{where}.key"),
        _string(obj.get("operator"), f"{where}.operator"),
        _string(obj.get("value"), f"{where}.value"),
        _string(obj.get("effect"), f"{where}.effect"),
    )


@dataclass(frozen=True)
class _Placement:
    cluster: str
    preference: PlacementPreference


def _placement(value: Any, where: str) -> _Placement:
    obj = _object(value, where) or _Object([])
    prefs = _object(obj.get("preferences"), f"{where}.preferences") or _Object([])
    return _Placement(
        _string(obj.get("cluster"), f"{where}.cluster"),
        PlacementPreference(
            min_replicas=_integer(prefs.get("minReplicas"), f"{where}.minReplicas") or 0,
            max_replicas=_integer(prefs.get("maxReplicas"), f"{where}.maxReplicas"),
            weight=_integer(prefs.get("weight"), f"{where}.weight"),
            priority=_integer(prefs.get("priority"), f"{where}.priority"),
        ),
    )


def _cluster_name(value: Any, where: str) -> str:
    obj = _object(value, where) or _Object([])
    return _string(obj.get("cluster"), f"{where}.cluster")


@dataclass(frozen=True)
class AnnotationOverrides:
    """What the object's annotations replace; None where the policy field stays.

    The placements annotation is read five times over, once per scheduling-unit field
    (cluster names, minimums, maximums, weights, priorities): a negative number, or an entry
    that only the name-reading accepts, discards just the affected fields, which then come
    from the policy. `notes` say what was applied and what was ignored, and why.
    """

    scheduling_mode: str | None = None
    sticky: bool | None = None
    cluster_selector: Mapping[str, str] | None = None
    affinity: Affinity | None = None
    tolerations: tuple[Toleration, ...] | None = None
    max_clusters: int | None = None
    cluster_names: tuple[str, ...] | None = None
    min_replicas: Mapping[str, int] | None = None
    max_replicas: Mapping[str, int] | None = None
    weights: Mapping[str, int] | None = None
    priorities: Mapping[str, int] | None = None
    no_scheduling: bool = False
    notes: tuple[str, ...] = ()


def _placement_fields(text: str, notes: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    try:
        data = _load(text)
        fields["cluster_names"] = _list(data, "the value", _cluster_name) or ()
    except _Unreadable as error:
        notes.append(f"annotation {PLACEMENTS} ignored: {error}")
        return fields
    try:
        # Read again as full placements: stricter than reading the names alone.
        placements = _list(data, "the value", _placement) or ()
    except _Unreadable as error:
        notes.append(
            f"annotation {PLACEMENTS}: cluster names applied, preferences ignored: {error}"
        )
        return fields
    maps: dict[str, dict[str, int]] = {
        "min_replicas": {},
        "max_replicas": {},
        "weights": {},
        "priorities": {},
    }
    for entry in placements:
        pref = entry.preference
        maps["min_replicas"][entry.cluster] = pref.min_replicas
        for name, number in (
            ("max_replicas", pref.max_replicas),
            ("weights", pref.weight),
            ("priorities", pref.priority),
        ):
            if number is not None:
                maps[name][entry.cluster] = number
    for name, values in maps.items():
        if any(number < 0 for number in values.values()):
            notes.append(f"annotation {PLACEMENTS}: negative {name} ignored, policy's kept")
        else:
            fields[name] = values
    notes.append(f"annotation {PLACEMENTS} replaces the policy's placements")
    return fields


def read_annotations(annotations: Mapping[str, str]) -> AnnotationOverrides:
    """The scheduling overrides an object's annotations carry."""
    notes: list[str] = []
    fields: dict[str, Any] = {}

    mode = annotations.get(SCHEDULING_MODE)
    if mode is not None:
        if mode in (DUPLICATE, DIVIDE):
            fields["scheduling_mode"] = mode
            notes.append(f"annotation {SCHEDULING_MODE}={mode} replaces schedulingMode")
        else:
            notes.append(f"annotation {SCHEDULING_MODE}={mode!r} ignored: not Duplicate/Divide")

    sticky = annotations.get(STICKY_CLUSTER)
    if sticky is not None:
        if sticky in ("true", "false"):
            fields["sticky"] = sticky == "true"
            notes.append(f"annotation {STICKY_CLUSTER}={sticky} replaces disableRescheduling")
        else:
            notes.append(f"annotation {STICKY_CLUSTER}={sticky!r} ignored: not true/false")

    readers: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
        (CLUSTER_SELECTOR, "cluster_selector", lambda t: _string_map(_load(t), "the value")),
        (AFFINITY, "affinity", _affinity),
        (TOLERATIONS, "tolerations", lambda t: _list(_load(t), "the value", _toleration) or ()),
    )
    for key, name, read in readers:
        text = annotations.get(key)
        if text is None:
            continue
        try:
            fields[name] = read(text)
            notes.append(f"annotation {key} replaces the policy's {name.replace('_', ' ')}")
        except _Unreadable as error:
            notes.append(f"annotation {key} ignored: {error}")

    max_clusters = annotations.get(MAX_CLUSTERS)
    if max_clusters is not None:
        number = parse_int64(max_clusters)
        if number is None or number < 0:
            notes.append(f"annotation {MAX_CLUSTERS}={max_clusters!r} ignored: not an integer >= 0")
        else:
            fields["max_clusters"] = number
            notes.append(f"annotation {MAX_CLUSTERS}={number} replaces maxClusters")

    placements = annotations.get(PLACEMENTS)
    if placements is not None:
        fields.update(_placement_fields(placements, notes))

    if annotations.get(NO_SCHEDULING):
        fields["no_scheduling"] = True
        notes.append(f"annotation {NO_SCHEDULING} set: the object is not rescheduled")
    return AnnotationOverrides(**fields, notes=tuple(notes))


def effective_policy(
    policy: KubeAdmiralPolicy, annotations: Mapping[str, str]
) -> KubeAdmiralPolicy:
    """The policy as it applies to one object, its scheduling annotations folded in.

    Exact except in one corner: when the placements annotation has negative numbers in some
    preferences, KubeAdmiral takes those fields from the policy but the cluster list from the
    annotation; the folded `placements` then only shows the annotation's clusters (`schedule`
    itself reproduces the mix exactly).
    """
    overrides = read_annotations(annotations)
    changes: dict[str, Any] = {}
    if overrides.scheduling_mode is not None:
        changes["scheduling_mode"] = overrides.scheduling_mode
    if overrides.sticky is not None:
        changes["disable_rescheduling"] = overrides.sticky
    if overrides.cluster_selector is not None:
        changes["cluster_selector"] = overrides.cluster_selector
    if overrides.affinity is not None:
        changes["affinity_override"] = overrides.affinity
    if overrides.tolerations is not None:
        changes["tolerations"] = overrides.tolerations
    if overrides.max_clusters is not None:
        changes["max_clusters"] = overrides.max_clusters
    maps = placement_maps(policy, overrides)
    if maps != placement_maps(policy, AnnotationOverrides()):
        names, minimums, maximums, weights, priorities = maps
        changes["placements"] = {
            name: PlacementPreference(
                minimums.get(name, 0), maximums.get(name), weights.get(name), priorities.get(name)
            )
            for name in names
        }
    return replace(policy, **changes)


PlacementMaps = tuple[
    tuple[str, ...], Mapping[str, int], Mapping[str, int], Mapping[str, int], Mapping[str, int]
]


def placement_maps(policy: KubeAdmiralPolicy, overrides: AnnotationOverrides) -> PlacementMaps:
    """Cluster names, minimums, maximums, weights and priorities, each from the annotation
    when it overrides that field, else from the policy. Only set values are in the maps."""
    placements = policy.placements
    names = tuple(placements)
    minimums = {name: pref.min_replicas for name, pref in placements.items()}
    maximums = {n: p.max_replicas for n, p in placements.items() if p.max_replicas is not None}
    weights = {n: p.weight for n, p in placements.items() if p.weight is not None}
    priorities = {n: p.priority for n, p in placements.items() if p.priority is not None}
    return (
        names if overrides.cluster_names is None else overrides.cluster_names,
        minimums if overrides.min_replicas is None else overrides.min_replicas,
        maximums if overrides.max_replicas is None else overrides.max_replicas,
        weights if overrides.weights is None else overrides.weights,
        priorities if overrides.priorities is None else overrides.priorities,
    )
